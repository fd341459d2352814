"""Predict, then run: the questions of notebook 12 (momentum, Adam and the edge of stability)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Number(
        "12.q1",
        ask="Momentum with $\\eta = 0.1$ and $\\beta = 0.9$ runs down a steady slope: the gradient is $g = 1$ at "
            "every step. After many steps, how far does $w$ move in one step?",
        answer=1.0,
        tolerance=1e-6,
        right="The velocity adds up $1 + \\beta + \\beta^2 + \\dots = 1/(1 - \\beta) = 10$ copies of the gradient, "
              "so each step is $\\eta g/(1 - \\beta) = 1$: ten times plain descent's step.",
        mistakes=[
            Mistake(0.1, "That is plain descent's step $\\eta g$. Momentum keeps every past gradient in $v$, "
                         "shrunk by $\\beta$ per step: on a steady slope they all point the same way and add up."),
            Mistake(0.01, "That is $\\eta(1 - \\beta)g$: the convention $v \\leftarrow \\beta v + (1 - \\beta)g$ "
                          "(an average of past gradients, which tends to $g$) with the $1 - \\beta$ counted once "
                          "more. nnlib, like PyTorch, adds the whole gradient: $v \\leftarrow \\beta v + g$."),
            Mistake(0.19, "That is $\\eta(1 + \\beta)g$, the second step. The sum goes on: "
                          "$1 + \\beta + \\beta^2 + \\dots$ tends to $1/(1 - \\beta)$."),
            Mistake(10.0, "That is the velocity $g/(1 - \\beta)$ itself; the step is $\\eta$ times it."),
        ],
        otherwise="Unroll $v_t = g_t + \\beta g_{t-1} + \\beta^2 g_{t-2} + \\dots$ with every $g = 1$, "
                  "and multiply by $\\eta$.",
    ),
    Number(
        "12.q2",
        ask="On $L = \\tfrac12 \\lambda w^2$ with $\\lambda = 1$, plain gradient descent converges for "
            "$\\eta < 2$. With momentum $\\beta = 0.9$, what is the largest learning rate for which it still "
            "converges?",
        answer=3.8,
        tolerance=1e-3,
        right="$\\eta\\lambda < 2(1 + \\beta) = 3.8$: momentum almost doubles the stable range, no more.",
        mistakes=[
            Mistake(2.0, "That is plain descent's limit $2/\\lambda$. Momentum's velocity holds back part of "
                         "each overshoot (the $\\beta v$ term points the other way after a flip), so it "
                         "tolerates more."),
            Mistake(20.0, "That is $2/((1 - \\beta)\\lambda)$: plain descent's limit for the *effective* learning "
                          "rate $\\eta/(1 - \\beta)$ of a steady slope. Across a narrow valley the gradient flips "
                          "sign every step and the past gradients cancel instead of adding up."),
            Mistake(0.2, "That is $2(1 - \\beta)/\\lambda$. The limit grows with $\\beta$: the condition from the "
                         "update matrix is $\\eta\\lambda < 2(1 + \\beta)$."),
            Mistake(1.9, "That is $(1 + \\beta)/\\lambda$, half the limit: the condition $p(-1) > 0$ gives "
                         "$2(1 + \\beta) - \\eta\\lambda > 0$."),
        ],
        otherwise="Put $\\beta = 0.9$ and $\\lambda = 1$ into the condition the next cell checks by bisection.",
    ),
    Number(
        "12.q3",
        ask="A weight's gradient is $g = 250$. What does Adam's first step, with $\\eta = 0.01$ and the usual "
            "$\\beta_1 = 0.9$, $\\beta_2 = 0.999$, $\\epsilon = 10^{-8}$, move it by (its size)?",
        answer=0.01,
        tolerance=1e-6,
        right="At $t = 1$ the corrected moments are $\\hat m = g$ and $\\hat v = g^2$, so the step is "
              "$\\eta\\, g/(|g| + \\epsilon) \\approx \\eta$ whatever $|g|$ is.",
        mistakes=[
            Mistake(2.5, "That is $\\eta g$, plain gradient descent's step. Adam divides by $\\sqrt{\\hat v}$, the "
                         "gradient's own size: the scale cancels."),
            Mistake(0.0316, "That is Adam *without* bias correction: $m = (1 - \\beta_1)g$ and $v = (1 - \\beta_2)g^2$ "
                            "give $\\eta (1 - \\beta_1)/\\sqrt{1 - \\beta_2} \\approx 3.16\\,\\eta$. The corrections "
                            "divide by $1 - \\beta_1$ and $1 - \\beta_2$ at $t = 1$."),
            Mistake(0.001, "That is $\\eta(1 - \\beta_1)$: the first moment left uncorrected but the second one "
                           "corrected. Both are divided by $1 - \\beta^t$."),
            Mistake(4e-5, "That is $\\eta/g$: dividing by the gradient's size without multiplying by the gradient "
                          "(the first moment) in the numerator."),
        ],
        otherwise="Compute $\\hat m = m/(1 - \\beta_1)$ and $\\hat v = v/(1 - \\beta_2)$ after one step from zero, "
                  "then $\\eta\\, \\hat m/(\\sqrt{\\hat v} + \\epsilon)$.",
    ),
    Choice(
        "12.q4",
        ask="Plain gradient descent with $\\eta = 0.15$ trains a small network whose sharpness $\\lambda_{\\max}$ "
            "starts far below $2/\\eta \\approx 13.3$. Notebook 06 showed that above $2/\\eta$ descent is unstable. "
            "Where is $\\lambda_{\\max}$ after 3000 steps?",
        answer="at 2/η",
        options=[
            Option("about where it started: training barely changes the curvature", "below",
                   "Training reshapes the loss surface under the weights: as the fit improves, the network "
                   "moves into sharper regions (progressive sharpening), until the step size stops it."),
            Option("near 2/η ≈ 13.3, and it stays there", "at 2/η",
                   "The edge of stability: the sharpness rises until it reaches $2/\\eta$ and then hovers "
                   "there, while the loss keeps falling, though not at every step."),
            Option("well above 13.3: it keeps rising as the fit improves", "above",
                   "It rises until $2/\\eta$, then stops: each time it overshoots, descent oscillates along the "
                   "sharpest direction, and that oscillation itself pushes the weights to flatter ground."),
            Option("the run has diverged: past 2/η descent blows up", "diverged",
                   "On a quadratic it would. A network's curvature changes as the weights move: the growing "
                   "oscillation carries the weights to where $\\lambda_{\\max}$ is back near $2/\\eta$, and the "
                   "run carries on."),
        ],
    ),
]
