"""Predict, then run: the questions of notebook 10 (the playground)."""

from . import Mistake, Number

QUESTIONS = [
    Number(
        "10.q1",
        ask="XOR's four corners: $(0,0)$ and $(1,1)$ in class 0, $(1,0)$ and $(0,1)$ in class 1. A linear score "
            "$s(x) = w_1 x_1 + w_2 x_2 + b$ calls a point class 1 where $s > 0$. Choosing $w_1, w_2, b$ as well as "
            "you can, how many of the four corners can it get right at most?",
        answer=3,
        tolerance=0,
        right="Three: a line can cut off any single corner, for example $s = x_1 - x_2 - \\tfrac12$ gets $(1,0)$, "
              "$(0,0)$ and $(1,1)$ right. All four would need $w_1 + w_2 + 2b$ to be both negative and positive "
              "(section 1).",
        mistakes=[
            Mistake(4, "That would make XOR linearly separable. Add the two class-0 conditions and the two class-1 "
                       "conditions: both sums are $w_1 + w_2 + 2b$, which cannot be below and above 0 at once."),
            Mistake(2, "Two is what a line gets without trying, by calling everything one class. It can do better: "
                       "a line close to one corner separates that corner from the other three."),
            Mistake(0, "Even the worst line gets some corners right, and the best one gets all but one."),
        ],
        otherwise="Try a line that cuts off a single corner. How many of the four does it classify correctly?",
    ),
    Number(
        "10.q2",
        ask="A deep sigmoid network, 6 hidden layers of 8 units, trains for 400 steps on the moons (two classes, "
            "as many points of each). Its gradients vanish. What is its training loss, the mean cross-entropy, "
            "after those 400 steps? (Give a number; `log` is the natural logarithm.)",
        answer=0.693,
        tolerance=0.05,
        right="$\\log 2 \\approx 0.693$: the last layer learns the class balance, probability ½ for each class "
              "everywhere, and $-\\log\\tfrac12 = \\log 2$. The layers that see where a point lies hardly move.",
        mistakes=[
            Mistake(0.0, "A loss of 0 would mean every point is classified with certainty. The first layers, where "
                         "the position of a point enters, get gradients thousands of times smaller than the last "
                         "one's and barely move."),
            Mistake(1.0, "The cross-entropy of a coin toss is $\\log 2$ in natural logarithms, not 1 (1 would be "
                         "measured in bits, with $\\log_2$)."),
            Mistake(0.5, "½ is the probability the network gives each class, not the loss: the loss is "
                         "$-\\log\\tfrac12$."),
        ],
        otherwise="What does a network that has learned nothing about position predict for each point, and what "
                  "is $-\\log$ of that probability?",
    ),
]
