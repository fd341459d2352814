"""Predict, then run: the questions of notebook 02 (loss functions and ∂L/∂ŷ)."""

import math

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Choice(
        "02.q1",
        ask="`nnlib.mse_loss` on a batch of $N = 3$ examples with $K = 2$ outputs each returns the mean over the "
            "examples of $\\tfrac12\\sum_k(\\hat y_{nk} - y_{nk})^2$. Its gradient for one entry is "
            "$\\hat y_{nk} - y_{nk}$ divided by what?",
        answer=3.0,
        tolerance=1e-9,
        options=[
            Option("3, the number of examples N", 3.0,
                   "Each entry sits in one example's term, and the mean divides every term by $N$. The $K$ outputs "
                   "of an example are *added*, so they bring no division of their own."),
            Option("6, the number of entries N·K", 6.0,
                   "That would be the mean over every entry, $\\frac1{NK}\\sum_{n,k}$. `mse_loss` sums an "
                   "example's $K$ squared errors and averages over the examples only (`bce_loss` is the one that "
                   "averages over all entries, as section 2 shows)."),
            Option("2, the number of outputs K", 2.0,
                   "The $K$ outputs of an example are summed, not averaged; the division is by how many examples "
                   "the mean runs over."),
            Option("1: nothing, the ½ cancels the 2", 1.0,
                   "The ½ does cancel the 2 of the power rule, but the mean over the batch still puts a $\\frac1N$ "
                   "in front of every term, and the derivative keeps it."),
        ],
    ),
    Number(
        "02.q2",
        ask="A model says $\\hat y = 0.001$ (it is nearly sure the label is 0), and the label is $y = 1$. What is "
            "the binary cross-entropy $-y\\log\\hat y - (1 - y)\\log(1 - \\hat y)$ of this one example? (Natural "
            "log; two decimals are enough.)",
        answer=3 * math.log(10),
        tolerance=0.01,
        right="$-\\log 0.001 = 3\\log 10 \\approx 6.91$, about 14 times the most MSE can ever charge on a "
              "probability ($\\tfrac12$). And it grows without bound as $\\hat y \\to 0$.",
        mistakes=[
            Mistake(0.499, "That is the squared error $\\tfrac12(1 - 0.001)^2$. Cross-entropy charges "
                           "$-\\log\\hat y$ for a label 1."),
            Mistake(3.0, "That is $-\\log_{10} 0.001$. The course's logarithms are natural ones, "
                         "$\\ln 0.001 = 3\\ln 10$."),
            Mistake(0.999, "That is the size of the miss, $1 - \\hat y$. Cross-entropy is the negative log of the "
                           "probability the model gave the true label: $-\\log 0.001$."),
        ],
        otherwise="For $y = 1$ only the first term remains: $-\\log\\hat y$ with $\\hat y = 0.001$.",
    ),
    Number(
        "02.q3",
        ask="A sigmoid output has the logit $z = -10$, so $\\hat y = \\sigma(-10) \\approx 0$, and the label is "
            "$y = 1$: a confident mistake. With binary cross-entropy, what is $\\partial L/\\partial z$ for this "
            "one example? (Two decimals are enough.)",
        answer=1 / (1 + math.exp(10)) - 1,
        tolerance=0.005,
        right="$\\partial L/\\partial z = \\hat y - y \\approx 0 - 1 = -1$: a full-sized push to raise $z$, exactly "
              "when the model is most wrong. The $\\hat y(1 - \\hat y)$ of the sigmoid cancels.",
        mistakes=[
            Mistake(0.0, "A saturated sigmoid does make gradients tiny, and with MSE this one would be about "
                         "$-4.5\\cdot10^{-5}$. Cross-entropy's $1/(\\hat y(1 - \\hat y))$ cancels the sigmoid's "
                         "$\\hat y(1 - \\hat y)$ exactly, leaving $\\hat y - y$."),
            Mistake(1.0, "The size is right, the sign is not: $\\hat y - y = 0 - 1$. A negative gradient means "
                         "that *raising* $z$ lowers the loss, which is what a model that should say 1 needs."),
            Mistake(-10.0, "That is $z$ itself. The gradient at the logit is the error of the prediction, "
                           "$\\hat y - y$, which stays between $-1$ and $1$."),
        ],
        otherwise="Multiply $\\partial L/\\partial\\hat y = (\\hat y - y)/(\\hat y(1 - \\hat y))$ by "
                  "$\\sigma'(z) = \\hat y(1 - \\hat y)$ and see what is left.",
    ),
]
