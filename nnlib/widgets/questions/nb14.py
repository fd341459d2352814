"""Predict, then run: the questions of notebook 14 (regularisation and training diagnostics)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Choice(
        "14.q1",
        ask="One step of plain gradient descent ($\\beta = 0$) with weight decay $\\lambda$: "
            "once with $\\lambda w$ added to the gradient (L2), "
            "once as a separate shrink $w \\leftarrow w - \\eta\\lambda w$ before the step "
            "$-\\eta g$ (decoupled). How do the two resulting weights compare?",
        answer="the same",
        options=[
            Option("the same weights", "the same",
                   "Both are $(1 - \\eta\\lambda)w - \\eta g$: the shrink and the step add up the same way. They part "
                   "only when the optimiser rescales the gradient, as Adam does."),
            Option("L2 shrinks more", "L2 shrinks more",
                   "In the gradient, $\\lambda w$ is multiplied by $\\eta$ like everything else: "
                   "$-\\eta(g + \\lambda w)$. That is exactly the decoupled shrink $\\eta\\lambda w$, no more."),
            Option("decoupled shrinks more", "decoupled shrinks more",
                   "Decoupled decay subtracts $\\eta\\lambda w$; L2 subtracts $\\eta \\cdot \\lambda w$ as part of the "
                   "gradient step. Without anything dividing the gradient the two are the same amount."),
            Option("different weights: the order of shrink and step matters", "different",
                   "Both the shrink and the step are computed from the weights *before* the update, so the order in "
                   "which they are subtracted does not matter: $w - \\eta\\lambda w - \\eta g$ either way."),
        ],
    ),
    Number(
        "14.q2",
        ask="Inverted dropout with drop probability $p = 0.2$. By what factor is a unit that survives multiplied "
            "during training?",
        answer=1.25,
        tolerance=1e-9,
        right="$1/(1 - p) = 1/0.8 = 1.25$: four units in five survive, each scaled up by a quarter, so the "
              "average over masks is the unscaled value.",
        mistakes=[
            Mistake(0.8, "$1 - p$ is the probability of surviving, the factor *plain* dropout applies at evaluation. "
                         "Inverted dropout divides by it during training instead."),
            Mistake(1.0, "Without scaling, the expected output is $(1 - p)x$, smaller than the $x$ seen in evaluation. "
                         "Inverted dropout scales the survivors to make up for the dropped units."),
            Mistake(5.0, "$1/p$ would make up for the *survivors* being rare, but with $p = 0.2$ most units survive; "
                         "divide by the probability of surviving, $1 - p$."),
            Mistake(1.2, "$1 + p$ is close but not exact: the expectation $(1 - p) \\cdot c$ must equal 1, so "
                         "$c = 1/(1 - p)$, not $1 + p$."),
        ],
        otherwise="Choose the factor $c$ so that the expected output $(1 - p)\\,c\\,x + p \\cdot 0$ equals $x$.",
    ),
    Number(
        "14.q3",
        ask="Gradient descent with $\\eta = 0.01$ runs $t = 1000$ steps from $w = 0$ on a quadratic. Consider the "
            "direction whose curvature is $h = 1/(\\eta t) = 0.1$. What fraction of the way to its optimum $w^*$ has "
            "it travelled? (L2 with $\\lambda = h$ would stop it at exactly half.)",
        answer=0.632,
        tolerance=0.01,
        right="$1 - (1 - \\eta h)^t = 1 - 0.999^{1000} \\approx 1 - e^{-1} \\approx 0.632$: a bit more than L2's "
              "one half. The two agree in the limits, not exactly at the switch-over.",
        mistakes=[
            Mistake(0.5, "That is L2's factor $h/(h + \\lambda)$ at $h = \\lambda$. Early stopping's own factor is "
                         "$1 - (1 - \\eta h)^t \\approx 1 - e^{-\\eta h t} = 1 - e^{-1}$: close, not equal."),
            Mistake(1.0, "The direction is flat: each step closes only $\\eta h = 0.001$ of the remaining gap, so "
                         "after 1000 steps a fraction $0.999^{1000} \\approx e^{-1}$ of it is still left."),
            Mistake(0.1, "0.1 is the curvature $h$ itself, not a fraction of the way. A step closes "
                         "$\\eta h = 0.001$ of the *remaining* gap, and the gaps shrink geometrically: the part "
                         "travelled is $1 - 0.999^{1000}$."),
            Mistake(0.368, "$e^{-1} \\approx 0.368$ is the part of the way *left*, $(1 - \\eta h)^t$; "
                           "the question asks for the part travelled, $1 - (1 - \\eta h)^t$."),
        ],
        otherwise="One step multiplies the distance to $w^*$ by $1 - \\eta h$; after $t$ steps, by $(1 - \\eta h)^t$.",
    ),
    Choice(
        "14.q4",
        ask="The digit network is trained with $\\eta = 1$ instead of $\\eta = 0.03$ (an update:data ratio near "
            "$10^{-2}$ instead of $10^{-3}$). After 300 steps, how many units of the first hidden layer are dead "
            "(zero on every training example)?",
        answer="many more",
        options=[
            Option("many more than at η = 0.03", "many more",
                   "Large steps push some units' biases and weights so far that $z < 0$ for every input; then "
                   "$f'(z) = 0$ everywhere, their weights get no gradient, and they never recover."),
            Option("about as many", "about as many",
                   "The learning rate does not change *which* units are alive at the start, but big steps can move a "
                   "unit's weights past the point where any input turns it on: once there, nothing brings it back."),
            Option("a few more", "a few more",
                   "Count them in the cell: it is not a few. A step that is tenfold too large kills units wholesale."),
            Option("fewer: larger steps shake dead units back to life", "fewer",
                   "A dead unit gets exactly zero gradient, so no step size moves its weights: a large learning rate "
                   "cannot revive it, only kill others."),
        ],
    ),
]
