"""Predict, then run: the questions of notebook 06 (gradient descent and the learning rate)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Number(
        "06.q1",
        ask="On $L = \\tfrac12\\lambda w^2$ with $\\lambda = 4$, gradient descent starts at $w_0 = 1$ with "
            "$\\eta = 0.25$. Where is $w$ after one step, $w_1 = w_0 - \\eta\\lambda w_0$?",
        answer=0.0,
        tolerance=1e-12,
        right="$w_1 = (1 - 0.25 \\cdot 4) \\cdot 1 = 0$: with $\\eta = 1/\\lambda$ the step lands exactly on the "
              "minimum, the second row of the table.",
        mistakes=[
            Mistake(0.75, "That is $w_0 - \\eta$: the step uses the gradient $\\lambda w_0 = 4$, not 1. The factor per "
                          "step is $1 - \\eta\\lambda$."),
            Mistake(-1.0, "A factor $-1$ needs $\\eta\\lambda = 2$, that is $\\eta = 0.5$: the stability limit. Here "
                          "$\\eta\\lambda = 1$."),
            Mistake(1.0, "The gradient at $w_0 = 1$ is $\\lambda w_0 = 4$, not 0, so the step moves $w$: by "
                         "$\\eta \\cdot 4 = 1$."),
            Mistake(0.5, "Half way would be the factor $\\tfrac12$, from $\\eta\\lambda = \\tfrac12$. Here "
                         "$\\eta\\lambda = 0.25 \\cdot 4 = 1$."),
        ],
        otherwise="Compute the factor $1 - \\eta\\lambda$ and multiply $w_0$ by it.",
    ),
    Number(
        "06.q2",
        ask="Exactly on the limit, $\\eta = 2/\\lambda_{\\max}$: each step multiplies the coordinate of $w$ along the "
            "steepest eigenvector by some factor. Which number?",
        answer=-1.0,
        tolerance=1e-6,
        right="$1 - \\eta\\lambda_{\\max} = 1 - 2 = -1$: the steep coordinate flips sign and keeps its size forever, "
              "neither converging nor diverging. The flat one still shrinks.",
        mistakes=[
            Mistake(0.0, "A factor 0 lands on the minimum in one step: that is $\\eta = 1/\\lambda_{\\max}$, half the "
                         "limit."),
            Mistake(1.0, "A factor 1 would leave the coordinate where it is, as $\\eta = 0$ does. At the limit the "
                         "step overshoots the valley floor by exactly as much as it started from."),
            Mistake(-2.0, "The factor is $1 - \\eta\\lambda$, not $-\\eta\\lambda$: the step is *subtracted* "
                          "from $w$."),
        ],
        otherwise="The factor along an eigenvector is $1 - \\eta\\lambda_i$; put in $\\eta = 2/\\lambda_{\\max}$.",
    ),
    Choice(
        "06.q3",
        ask="At the explorer network's initial weights, $2/\\lambda_{\\max}$ is below 1. What does full-batch gradient "
            "descent from there do with $\\eta = 1.5$?",
        answer="converges",
        options=[
            Option("it diverges: η is above 2/λ_max", "diverges",
                   "That reading treats $\\lambda_{\\max}$ as fixed, as on a quadratic. A network's Hessian depends on "
                   "the weights: the overshooting first steps carry them to where $\\lambda_{\\max} < 2/\\eta$, and "
                   "there the steps are stable."),
            Option("it converges: the first steps find flatter ground", "converges",
                   "For about ten steps $\\lambda_{\\max}$ stays above $2/\\eta$: the steps overshoot across the "
                   "steepest direction and the loss even climbs back for a while. The overshoot throws the weights "
                   "to where the valley is wider, $\\lambda_{\\max}$ below $2/\\eta$; from there the loss falls. "
                   "At $\\eta = 2$ the same trick fails."),
            Option("it stays where it is, flipping back and forth", "oscillates",
                   "Exactly on the limit of a quadratic a coordinate flips without changing size; a network's "
                   "curvature changes as soon as the weights move, so nothing pins it to that."),
        ],
    ),
]
