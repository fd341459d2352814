"""Predict, then run: the questions of notebook 09 (the capstone: handwritten digits, end to end)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Number(
        "09.q1",
        ask="Before any training, the network reads a digit as the class of its largest logit. What fraction of "
            "the training digits does an untrained `mlp([64, 64, 10])` read correctly, on average over fresh "
            "random initial weights?",
        answer=0.1,
        tolerance=0.03,
        right="Its weights know nothing about digits, so the class of the largest logit has nothing to do with "
              "the image: a blind pick among ten digits that each make up about a tenth of the data is right "
              "one time in ten. One network alone can land well away from it (the cell prints how far), "
              "because it answers the same wrong digit for images that look alike.",
        mistakes=[
            Mistake(0.0, "Knowing nothing is not the same as being always wrong. The largest logit always names "
                         "*some* digit, and a pick that ignores the image still hits the right one about one "
                         "time in ten."),
            Mistake(0.5, "Right or wrong is not a coin toss here: there are ten possible answers, not two, and "
                         "only one of them is right."),
            Mistake(0.9, "0.9 is the fraction it gets *wrong*. The accuracy is the other part: one digit in ten."),
        ],
        otherwise="There are ten digits, about equally common, and the untrained network's pick has nothing to do "
                  "with the image. How often does such a pick hit the right digit?",
    ),
    Number(
        "09.q2",
        ask="The network is `nnlib.mlp([64, 64, 10])`: 64 pixels in, one hidden layer of 64 units, 10 logits out. "
            "How many parameters (weights and biases together) does the gradient check have to perturb?",
        answer=4810,
        tolerance=0,
        right="Two dense layers, each with an $n_{in} \\times n_{out}$ weight matrix and one bias per output: "
              "$64 \\cdot 64 + 64 = 4160$ for the hidden layer and $64 \\cdot 10 + 10 = 650$ for the output layer, "
              "4810 in all. Central differences need two forward passes for each of them.",
        mistakes=[
            Mistake(4736, "That is the weights alone, $64 \\cdot 64 + 64 \\cdot 10$. Every unit of a dense layer "
                          "also has a bias $b$ in $z = xW + b$, and the check perturbs it too: 64 + 10 more."),
            Mistake(4874, "That gives the 64 inputs biases of their own. The input layer is the data, not a "
                          "layer: only the two dense layers have weights and biases, so the biases number "
                          "64 + 10."),
            Mistake(40960, "$64 \\cdot 64 \\cdot 10$ multiplies all the sizes together. Each dense layer connects "
                           "only its own input to its own output, so the counts of the two layers add: "
                           "$64 \\cdot 64 + 64 \\cdot 10$ weights."),
            Mistake(138, "That counts the units, $64 + 64 + 10$. The parameters are the connections between "
                         "them (one weight for each pair of units in neighbouring layers) and a bias for each "
                         "unit that computes something."),
        ],
        otherwise="Count each dense layer on its own: a weight matrix of shape $n_{in} \\times n_{out}$ and a bias "
                  "for each of its $n_{out}$ outputs. Then add the two layers.",
    ),
    Choice(
        "09.q3",
        ask="Three runs start from the same weights and differ only in the learning rate, $\\eta$ = 0.1, 0.5 or 2, "
            "each with at most 100 epochs and early stopping that keeps its best epoch. Which run ends with the "
            "*highest* validation loss at its best epoch, the clear loser?",
        answer=2.0,
        options=[
            Option("η = 0.1", 0.1,
                   "Small steps are slow, but slow still gets somewhere: within the budget $\\eta = 0.1$ comes "
                   "close to $\\eta = 0.5$ (the cell prints both). Crawling costs time; overshooting costs the "
                   "result."),
            Option("η = 0.5", 0.5,
                   "$\\eta = 0.5$ is large enough to get far within the budget and small enough not to "
                   "overshoot: it ends with one of the two low losses, and the cell prints which of them wins."),
            Option("η = 2", 2.0,
                   "At $\\eta = 2$ the steps overshoot (notebook 06): they jump across the valleys of the loss "
                   "instead of down into them, and its best validation loss stays several times above the other "
                   "two."),
        ],
    ),
]
