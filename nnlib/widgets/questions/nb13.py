"""Predict, then run: the questions of notebook 13 (batch normalisation and residual connections)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Number(
        "13.q1",
        ask="One feature takes the values 1 and 3 in a batch of two rows. Batch normalisation with "
            "$\\gamma = 1$, $\\beta = 0$ (and $\\varepsilon = 10^{-5}$, too small to matter here): what is "
            "$\\hat x$ of the first row?",
        answer=-1.0,
        tolerance=1e-3,
        right="$\\mu = 2$, the variance is $\\tfrac12\\big((1-2)^2 + (3-2)^2\\big) = 1$, so "
              "$\\hat x = (1 - 2)/1 = -1$. With two rows every feature comes out as $\\pm 1$.",
        mistakes=[
            Mistake(-0.7071, "That divides by $\\sqrt 2$: the variance with $1/(N-1)$, the unbiased estimate of a "
                             "population's variance. Batch norm standardises with the batch's own spread, "
                             "divided by $N$."),
            Mistake(-0.5, "That divides $x - \\mu$ by the variance (2 with $1/(N-1)$), not by its square root. "
                          "$\\hat x$ is measured in standard deviations."),
            Mistake(1.0, "The first row, 1, is *below* the mean 2, so its $\\hat x$ is negative."),
            Mistake(0.0, "Zero is the mean of the $\\hat x$ over the batch, not the value of one row (a batch of "
                         "one row would give 0: section 3)."),
        ],
        otherwise="Subtract the batch mean, then divide by the batch's standard deviation, "
                  "$\\sqrt{\\frac1N\\sum_i (x_i - \\mu)^2}$.",
    ),
    Choice(
        "13.q2",
        ask="For **any** upstream gradient $dy$, what is $\\sum_i dx_i$, the sum over the batch of a column "
            "of batch norm's input gradient?",
        answer=0.0,
        tolerance=1e-12,
        options=[
            Option("0, whatever dy is", 0.0,
                   "Adding the same number to every row of a column changes $\\mu$ by that number and leaves "
                   "every $x - \\mu$, and so the output, as it was. The loss cannot change along that direction, "
                   "so the gradient has no component along it: its column sums are 0."),
            Option("γ/σ times the sum of dy, as for a fixed scaling", "scaled",
                   "That would hold if $\\mu$ and $\\sigma$ were constants (evaluation mode, section 3). In "
                   "training they move with $x$, and the paths through them take away exactly the part of "
                   "$dy$ that a common shift could act on."),
            Option("it depends on dy", "depends",
                   "Each $dx$ depends on $dy$, but their sum over the batch does not: it is the derivative "
                   "along shifting the whole column, and such a shift changes no output."),
        ],
    ),
    Choice(
        "13.q3",
        ask="In **training** mode, batch norm gets a batch of a single row, $x = (5, -3)$, with $\\gamma = 1$, "
            "$\\beta = 0$. What is the largest $|y|$ of its output?",
        answer=0.0,
        tolerance=1e-12,
        options=[
            Option("0: the output is β for every feature", 0.0,
                   "Each feature's batch mean is the row itself, so $x - \\mu = 0$ and $\\hat x = 0$: the "
                   "output is $\\beta$ whatever the input. That is why a prediction must not use the batch's "
                   "statistics."),
            Option("5: the row comes out unchanged", 5.0,
                   "Nothing is left to scale once the mean is subtracted: the mean of one row is that row."),
            Option("1: each feature is scaled to unit size", 1.0,
                   "Standardising needs a spread, and one row has none: $x - \\mu = 0$ before any division."),
            Option("none: it is 0/0, so NaN", "nan",
                   "$\\varepsilon$ keeps $\\sigma = \\sqrt{0 + \\varepsilon}$ away from 0, so the division is "
                   "$0/\\sqrt\\varepsilon = 0$, a number."),
        ],
    ),
    Choice(
        "13.q4",
        ask="The residual network puts an identity path around layers 2–29 of the 30-layer sigmoid network whose "
            "first layer receives less than a millionth of the gradient its last layer receives. Notebook 08's "
            "rule (`flow_verdict`, a bar of 10), applied as in this notebook to the first/last ratio of the "
            "gradient each layer receives, $\\|\\partial L/\\partial z\\|$ (08 applies it to "
            "$\\|\\partial L/\\partial W\\|$): what does it say about the residual network?",
        answer="balanced",
        options=[
            Option("vanishing: every block still has a sigmoid", "vanishing",
                   "Each block's own path still shrinks the gradient by a factor of 4 or more, but the identity "
                   "path beside it hands the gradient on unchanged, and the two add."),
            Option("balanced: within a factor of 10", "balanced",
                   "The identity path carries the gradient through every block unchanged; what the blocks add "
                   "grows it by only about $\\sqrt{1 + \\rho^2}$ each."),
            Option("exploding: 28 identity paths pile up", "exploding",
                   "The identity adds the gradient to itself only once per block, with a block's small "
                   "contribution on top: on average $\\sqrt{1 + \\rho^2} \\approx 1.02$ per block, less than 2 "
                   "over 28 blocks, far from 10."),
        ],
    ),
]
