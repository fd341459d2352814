"""Predict, then run: the questions of notebook 08 (vanishing and exploding gradients)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Choice(
        "08.q1",
        ask="The network below has 6 dense layers with sigmoids between them and Xavier's initial weights. "
            "The backward pass hands each layer $\\delta^{(l)} = \\partial L/\\partial z^{(l)}$. Roughly how does "
            "the first layer's $\\|\\delta^{(1)}\\|$ compare with the last layer's $\\|\\delta^{(6)}\\|$?",
        answer=-3,
        options=[
            Option("about the same size", 0,
                   "Each step back multiplies by $W^\\top$ and by $\\sigma'(z) \\le \\tfrac14$. Xavier keeps the "
                   "$W^\\top$ part near 1 on average; nothing makes up for the $\\tfrac14$."),
            Option("about ten times smaller", -1,
                   "That would be one or two steps' worth of shrinking. There are five steps from layer 6 back to "
                   "layer 1, and each one loses about a factor 4."),
            Option("about a thousand times smaller", -3,
                   "Five steps back, each multiplying by about $\\tfrac14$: $4^{-5} \\approx 10^{-3}$."),
            Option("about a million times smaller", -6,
                   "$10^{-6}$ is what about ten steps of $\\tfrac14$ give. From layer 6 back to layer 1 there are "
                   "only five steps: count the arrows between the layers, not the layers."),
        ],
    ),
    Number(
        "08.q2",
        ask="A square dense layer ($n_{in} = n_{out} = n$) with Xavier's variance $\\sigma_W^2 = 2/(n + n) = 1/n$, "
            "followed by a ReLU, gets an input whose entries have mean square 1. What is the mean square of its "
            "output, on average?",
        answer=0.5,
        tolerance=0.05,
        right="$z$ has variance $n\\sigma_W^2 \\cdot 1 = 1$, and ReLU zeroes its negative half: "
              "$\\mathbb E[\\mathrm{relu}(z)^2] = \\tfrac12$. Twenty such layers leave $2^{-20}$ of the signal, "
              "which is why He doubles the variance to $2/n$.",
        mistakes=[
            Mistake(1.0, "Xavier keeps the variance for an activation with slope 1 at the origin, such as tanh. "
                         "ReLU sets every negative $z$ to zero, and half of a symmetric $z$ is negative."),
            Mistake(0.25, "ReLU halves the mean square, not the amplitude: the positive half of $z$ keeps its "
                          "full size, the negative half becomes 0, so half of $\\mathbb E[z^2]$ survives."),
            Mistake(0.707, "$1/\\sqrt2$ is what the *amplitude* (the root mean square) keeps. The question asks "
                           "for the mean square, which keeps half."),
            Mistake(2.0, "The factor 2 is He's correction, the cure. Xavier's variance $1/n$ keeps $z$'s "
                         "variance at 1, and the ReLU then loses half of it."),
        ],
        otherwise="First the variance of $z = \\sum_i a_i W_{ij}$ (a sum of $n$ terms), then what ReLU keeps of "
                  "a symmetric $z$.",
    ),
    Number(
        "08.q3",
        ask="The gradients of a deep tanh network are exploding: their global norm $\\|g\\|$ is in the tens of "
            "thousands. They are clipped at $c = 1$, and one SGD step $\\theta \\leftarrow \\theta - \\eta g$ with "
            "$\\eta = 0.01$ follows. How far do the weights move, as the length of the whole change "
            "$\\|\\Delta\\theta\\|$?",
        answer=0.01,
        tolerance=1e-6,
        right="Clipping rescales $g$ to length exactly $c = 1$ when it is longer, and the step is $\\eta$ times "
              "it: $\\|\\Delta\\theta\\| = \\eta c = 0.01$, however large $\\|g\\|$ was.",
        mistakes=[
            Mistake(1.0, "$c$ caps the length of the *gradient*. The step is $\\eta$ times the clipped gradient, "
                         "so it is $\\eta c$ long."),
            Mistake(0.0001, "That is $\\eta^2 c$: the learning rate applied twice. Clipping only rescales $g$; "
                            "$\\eta$ multiplies it once, in the step."),
            Mistake(100.0, "$c/\\eta$ divides where the step multiplies: $\\Delta\\theta = -\\eta\\,g$ with "
                           "$\\|g\\| = c$ after clipping."),
        ],
        otherwise="After clipping $\\|g\\| = c$; the step is $-\\eta g$. What is its length?",
    ),
]
