"""Predict, then run: the questions of notebook 03 (the chain rule on a graph, and the Value engine)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Choice(
        "03.q1",
        ask="In the neuron's graph, $z = w\\cdot x + b$ with $x = 1.5$ and $w = -0.8$. Once the backward pass has "
            "brought $\\partial L/\\partial z$ to $z$, how does $\\partial L/\\partial b$ compare with it?",
        answer=1.0,
        tolerance=1e-9,
        options=[
            Option("equal: ∂L/∂b = ∂L/∂z", 1.0,
                   "$\\partial z/\\partial b = 1$: a nudge to $b$ moves $z$ by exactly as much, so $b$ gets "
                   "$z$'s gradient unchanged. An addition hands its gradient on as it is."),
            Option("x times as large (1.5 ∂L/∂z)", 1.5,
                   "That is $\\partial L/\\partial w$: $w$ is multiplied by $x$, so its local derivative is $x$. "
                   "$b$ is only added."),
            Option("w times as large (−0.8 ∂L/∂z)", -0.8,
                   "That is $\\partial L/\\partial x$, the input's gradient: $x$ is multiplied by $w$. $b$ is only "
                   "added, with local derivative 1."),
            Option("zero: the bias does not multiply anything", 0.0,
                   "A bias that does not multiply anything still moves $z$: $\\partial z/\\partial b = 1$, not 0. "
                   "Only a quantity $z$ does not depend on has local derivative 0."),
        ],
    ),
    Number(
        "03.q2",
        ask="Your engine computes $L = w\\cdot w$ with one multiplication whose two inputs are the same Value "
            "$w = 3$. After `L.backward()`, what is `w.grad`?",
        answer=6.0,
        tolerance=1e-9,
        right="The multiplication's backward step adds the other input's value, 3, to `w.grad` once for each "
              "of its two inputs: $3 + 3 = 6 = 2w$, the power rule's answer for $w^2$.",
        mistakes=[
            Mistake(3.0, "That is one path's term only: $\\partial(ab)/\\partial a = b = 3$. But $w$ is "
                         "*both* inputs, so a second term, $\\partial(ab)/\\partial b = a = 3$, arrives too, and "
                         "the two add."),
            Mistake(9.0, "That is the value of $L = w^2$, not its gradient."),
            Mistake(0.0, "Gradients do not cancel because both inputs are the same Value: each use contributes "
                         "its own term, and they add."),
        ],
        otherwise="Each input of a multiplication receives the *other* input's value times `out.grad`, and here "
                  "both inputs are $w$.",
    ),
    Number(
        "03.q3",
        ask="Same graph, $L = w\\cdot w$ at $w = 3$, after one `backward()`. Call `L.backward()` again, on an "
            "engine whose `backward()` does not set the gradients back to 0 first. What is `w.grad` now?",
        answer=12.0,
        tolerance=1e-9,
        right="The second pass adds its $2w = 6$ on top of the first pass's 6: 12, twice the truth. "
              "Every backward step adds with `+=`, so something must reset `grad` to 0 between passes.",
        mistakes=[
            Mistake(6.0, "That is what an engine that zeroes the gradients first gives (nnlib's does). This "
                         "one only adds: the first pass's 6 is still in `w.grad` when the second adds its own."),
            Mistake(36.0, "Nothing multiplies the old gradient: a backward step *adds* its terms to `grad`."),
            Mistake(24.0, "The output's own gradient is set to 1 again at the start of every pass, so "
                          "the second pass brings exactly $2w = 6$, like the first."),
        ],
        otherwise="Work out what the second pass adds, then remember that it adds to what the first left.",
    ),
]
