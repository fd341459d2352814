"""Predict, then run: the questions of notebook 01 (the forward pass)."""

from . import Mistake, Number

QUESTIONS = [
    Number(
        "01.q1",
        ask="A sigmoid neuron with one input computes $a = \\sigma(wx + b)$, with $w = 1$ and $b = 2$. For which "
            "input $x$ is its output exactly $\\tfrac12$?",
        answer=-2.0,
        tolerance=1e-9,
        right="$\\sigma(z) = \\tfrac12$ exactly when $z = 0$, and $x + 2 = 0$ at $x = -2$: a positive bias moves "
              "the midpoint to the *left* of 0.",
        mistakes=[
            Mistake(2.0, "The sign is off: $z = wx + b = 0$ gives $x = -b/w$. A positive bias means the neuron "
                         "reaches $\\tfrac12$ *before* $x$ gets to 0."),
            Mistake(0.0, "At $x = 0$ the neuron computes $\\sigma(b) = \\sigma(2) \\approx 0.88$, not "
                         "$\\tfrac12$: the bias is still there when the input is zero."),
            Mistake(-0.5, "That is $-w/b$, the ratio upside down. Solve $wx + b = 0$ for $x$."),
        ],
        otherwise="The sigmoid is $\\tfrac12$ where its argument is 0: solve $wx + b = 0$ for $x$.",
    ),
    Number(
        "01.q2",
        ask="`nnlib.mlp([3, 4, 2])` is a layer of 4 neurons on 3 inputs, then a layer of 2 neurons on those 4. "
            "How many numbers does training adjust, weights and biases together?",
        answer=26,
        tolerance=0,
        right="$3 \\cdot 4 + 4 = 16$ in the first layer (one weight per input per neuron, one bias per neuron) "
              "and $4 \\cdot 2 + 2 = 10$ in the second.",
        mistakes=[
            Mistake(20, "Those are the weights only, $3 \\cdot 4 + 4 \\cdot 2$. Every neuron also has a bias: "
                        "4 more in the first layer, 2 in the second."),
            Mistake(24, "$3 \\cdot 4 \\cdot 2$ multiplies all three sizes, as if each path through the network "
                        "had its own weight. Each layer has its own matrix, $n_\\text{in} \\cdot n_\\text{out}$ "
                        "weights: count the layers separately, then add."),
            Mistake(9, "$3 + 4 + 2$ counts the units (and the inputs, which are not parameters). Parameters sit "
                       "on the connections and in the neurons: one weight per arrow, one bias per neuron."),
            Mistake(22, "Close: that is the weights and the first layer's biases. The output neurons have "
                        "biases too."),
        ],
        otherwise="Count layer by layer: $n_\\text{in} \\cdot n_\\text{out}$ weights plus $n_\\text{out}$ biases.",
    ),
    Number(
        "01.q3",
        ask="Fit one linear neuron $z = w_1x_1 + w_2x_2 + b$ (no activation) to XOR's four rows, targets "
            "$0, 1, 1, 0$, by least squares (the $w_1, w_2, b$ that make the sum of squared misses smallest). "
            "What does the best fit output at $(x_1, x_2) = (1, 1)$?",
        answer=0.5,
        tolerance=1e-9,
        right="The best a line can do is the average, $\\tfrac12$ on every row: any tilt that helps two rows "
              "hurts the other two by as much.",
        mistakes=[
            Mistake(0.0, "That is the target. If a line could hit all four targets, the fit would output it, but "
                         "no line can: least squares has to compromise."),
            Mistake(2.0, "That is what $w_1 = w_2 = 1$, $b = 0$ gives: exact on the first three rows and 2 off on "
                         "the last. Least squares would rather miss every row by $\\tfrac12$ (a total of 1) than "
                         "one row by 2 (a total of 4)."),
            Mistake(1.0, "A line that gives 1 at $(1, 1)$ must tilt towards it, and then it misses the other rows "
                         "by more. Try the symmetric guess: the same output everywhere."),
        ],
        otherwise="By symmetry the two weights are equal; try the same output on every row and ask which "
                  "constant misses $0, 1, 1, 0$ least.",
    ),
]
