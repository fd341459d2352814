"""Predict, then run: the questions of notebook 11 (autodiff's two modes, memory and curvature)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Number(
        "11.q1",
        ask="Multiply two dual numbers, remembering that $\\varepsilon^2 = 0$: "
            "$(3 + 1\\,\\varepsilon)\\,(2 + 5\\,\\varepsilon)$. "
            "What is the coefficient of $\\varepsilon$ in the product?",
        answer=17.0,
        tolerance=1e-9,
        right="$(3 + \\varepsilon)(2 + 5\\varepsilon) = 6 + 15\\varepsilon + 2\\varepsilon + 5\\varepsilon^2 "
              "= 6 + 17\\varepsilon$: the tangent is $\\dot a b + a \\dot b = 1 \\cdot 2 + 3 \\cdot 5$, "
              "the product rule.",
        mistakes=[
            Mistake(5.0, "$1 \\cdot 5$ multiplies the two tangents, as if a tangent were a value of its own. That "
                         "term comes with $\\varepsilon \\cdot \\varepsilon = \\varepsilon^2 = 0$: it is the one "
                         "that vanishes."),
            Mistake(6.0, "$3 \\cdot 2 = 6$ is the product's value, the part without $\\varepsilon$. The tangent "
                         "is what multiplies $\\varepsilon$."),
            Mistake(2.0, "$1 \\cdot 2$ counts only the first factor moving. The second moves too, at rate 5, and "
                         "the product feels it through $a\\,\\dot b = 3 \\cdot 5$."),
            Mistake(15.0, "$3 \\cdot 5$ counts only the second factor moving. The first moves at rate 1, which "
                          "adds $\\dot a\\, b = 1 \\cdot 2$."),
            Mistake(22.0, "That keeps the $5\\varepsilon^2$ term as if $\\varepsilon^2$ were 1. Dual numbers are "
                          "built on $\\varepsilon^2 = 0$: the first-order part of a Taylor expansion, nothing more."),
        ],
        otherwise="Not that one. Expand the product term by term, then drop every term with $\\varepsilon^2$.",
    ),
    Number(
        "11.q2",
        ask="The loss in the next cell has $n = 64$ inputs and one output. Reverse mode gets its whole gradient "
            "from one forward and one backward pass. How many forward passes does **forward mode** need?",
        answer=64.0,
        tolerance=1e-9,
        right="One per input. A forward pass carries one tangent, so it yields one directional derivative "
              "$\\nabla L \\cdot v$, a single number; the direction $v = e_j$ gives entry $j$, and there are 64.",
        mistakes=[
            Mistake(1.0, "One forward pass along a direction $v$ gives the one number $\\nabla L \\cdot v$, not the "
                         "64 numbers of $\\nabla L$. A whole gradient in one pass is what *reverse* mode achieves."),
            Mistake(2.0, "Two is reverse mode's count (one forward pass, one backward). Forward mode has no "
                         "backward pass to spread the loss's derivative to every input at once."),
            Mistake(128.0, "$2n$ is central differences' count: $L(x + he_j)$ and $L(x - he_j)$ for every input. "
                           "A dual number gives the exact derivative along $e_j$ from a single pass."),
            Mistake(4096.0, "$n^2$ entries is the size of the Hessian, the second derivatives. The gradient has "
                            "$n$ entries and forward mode gets one per pass."),
        ],
        otherwise="Not that one. Each forward pass carries one tangent, the derivative along one direction: "
                  "how many directions are needed to know every partial derivative?",
    ),
    Choice(
        "11.q3",
        ask="Add up one row of the softmax Jacobian: $\\sum_k \\partial p_j / \\partial z_k$, for one output "
            "$p_j$ and every logit $z_k$. What does the sum come to?",
        answer=0.0,
        tolerance=1e-12,
        options=[
            Option("0, whatever z is", 0.0,
                   "The sum is the change of $p_j$ when every logit rises by the same small amount, and softmax "
                   "ignores a common shift (notebook 02): $p_j - p_j \\sum_k p_k = 0$."),
            Option("1, like the probabilities", 1.0,
                   "The probabilities $p_k$ sum to 1; their *derivatives* are another matter. Raising every "
                   "logit by the same amount changes no probability, so this sum is 0."),
            Option("pⱼ, the diagonal entry", "p_j",
                   "$p_j$ is the diagonal entry of $\\operatorname{diag}(p)$, but every entry of the row also "
                   "carries $-p_j p_k$, and those add up to $-p_j$."),
            Option("it depends on z", "depends on z",
                   "Each entry depends on $z$, but the sum does not: it is the effect of shifting every logit "
                   "together, which softmax cancels for any $z$."),
        ],
    ),
    Number(
        "11.q4",
        ask="A network keeps some number of bytes between its forward and backward passes at batch 32. "
            "By what factor does that memory grow at batch 64, with the same network?",
        answer=2.0,
        tolerance=1e-9,
        right="Every array backprop keeps (the input, each hidden $z$ and $a$) has one row per example, so "
              "the memory is proportional to the batch. The weights do not count: they exist whether or not "
              "a forward pass ran.",
        mistakes=[
            Mistake(1.0, "The weights are the same at any batch size, but they are not what backprop keeps: "
                         "it keeps each example's $z$ and $a$, one row per example, for $dW = x^\\top dz$ and "
                         "$f'(z)$."),
            Mistake(4.0, "Nothing kept is quadratic in the batch: each example's rows are computed and kept "
                         "independently of the others."),
            Mistake(0.5, "A larger batch means more rows to keep, not fewer; the memory per example stays "
                         "the same."),
        ],
        otherwise="Not that one. Count the rows: which of the kept arrays have one row per example?",
    ),
]
