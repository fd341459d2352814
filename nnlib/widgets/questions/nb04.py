"""Predict, then run: the questions of notebook 04 (backpropagation through one neuron)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Number(
        "04.q1",
        ask="Before the derivation: the sigmoid $\\sigma(z) = 1/(1 + e^{-z})$ passes $\\sigma(0) = \\tfrac12$. "
            "What is its slope there, $\\sigma'(0)$? (A fraction such as 1/3 is fine.)",
        answer=0.25,
        tolerance=1e-6,
        right="$\\sigma' = \\sigma(1 - \\sigma) = \\tfrac12 \\cdot \\tfrac12 = \\tfrac14$, "
              "and this is the largest slope the sigmoid has anywhere.",
        mistakes=[
            Mistake(0.5, "$\\tfrac12$ is $\\sigma(0)$, the sigmoid's *value* at 0. The question asks for its "
                         "*slope*, which backpropagation multiplies the gradient by."),
            Mistake(1.0, "A slope of 1 is the identity's (and tanh's at 0). The sigmoid climbs from 0 to 1 over "
                         "several units of $z$, so it is flatter than that: $\\sigma(1 - \\sigma)$ at "
                         "$\\sigma = \\tfrac12$."),
            Mistake(0.0, "The sigmoid is flat only far out in its tails. At $z = 0$, halfway up its S, it is at "
                         "its steepest."),
            Mistake(-0.25, "The sigmoid only ever rises, so its slope is never negative: the sign is off."),
        ],
        otherwise="Not that one. Differentiate $(1 + e^{-z})^{-1}$, or use the result "
                  "$\\sigma' = \\sigma(1 - \\sigma)$, with $\\sigma(0) = \\tfrac12$.",
    ),
    Choice(
        "04.q2",
        ask="`nnlib.relu_prime(0)` returns 0 by convention. What does a central difference "
            "$\\big(\\mathrm{relu}(h) - \\mathrm{relu}(-h)\\big)/2h$ give at $z = 0$, for a small $h > 0$?",
        answer=0.5,
        tolerance=1e-9,
        options=[
            Option("0, the convention", 0.0,
                   "Central differences know nothing of conventions: they only evaluate relu at $+h$ and $-h$. "
                   "$\\mathrm{relu}(h) = h$, $\\mathrm{relu}(-h) = 0$."),
            Option("½", 0.5,
                   "$(h - 0)/2h = \\tfrac12$ for every $h$, the average of the slopes 0 and 1 on either "
                   "side. It never settles on either, which is why a gradient check stays away from the kink."),
            Option("1, the slope on the right", 1.0,
                   "That would be the one-sided difference $(\\mathrm{relu}(h) - \\mathrm{relu}(0))/h$. The "
                   "central one also looks to the left, where the slope is 0, and divides by $2h$."),
            Option("nothing: it is undefined at the kink", "undefined",
                   "The *derivative* is undefined at the kink, but the difference quotient is an ordinary "
                   "number: both $\\mathrm{relu}(h)$ and $\\mathrm{relu}(-h)$ exist. Compute it."),
        ],
    ),
    Choice(
        "04.q3",
        ask="At $w = -1$ the neuron's loss falls as $w$ grows: its slope $\\partial L/\\partial w$ is negative. "
            "Which way does one step $w \\leftarrow w - \\eta\\,\\partial L/\\partial w$ with $\\eta = 4$ move $w$?",
        answer=1.0,
        options=[
            Option("to the right: w grows", 1.0,
                   "$-\\eta$ times a negative slope is a positive step, downhill."),
            Option("to the left: w shrinks", -1.0,
                   "That steps *with* the slope's sign, uphill. The update subtracts the gradient: minus a "
                   "negative number moves $w$ up."),
            Option("it depends on how large η is", "depends on η",
                   "A positive $\\eta$ only scales the step; the direction is the sign of "
                   "$-\\partial L/\\partial w$ whatever its size. (How *far* it may go before it overshoots does "
                   "depend on $\\eta$: notebook 06.)"),
            Option("it does not move: the slope is not zero", 0.0,
                   "It is the other way round: $w$ stops moving only where the slope *is* zero. A non-zero "
                   "slope always gives a non-zero step."),
        ],
    ),
]
