"""Predict, then run: the questions of notebook 05 (backpropagation through layers)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Number(
        "05.q1",
        ask="The batch has $N = 4$ examples, the layer $n_\\text{in} = 3$ inputs and $n_\\text{out} = 2$ neurons. "
            "In Step 3, $\\partial L/\\partial W_{ij} = \\sum_n x_{ni}\\, dz_{nj}$: how many products does that "
            "sum add up for one entry $W_{ij}$?",
        answer=4,
        tolerance=0,
        right="One per example: the weight $W_{ij}$ is used by all $N = 4$ rows of the batch, and each row's effect "
              "on the loss is one product $x_{ni}\\, dz_{nj}$.",
        mistakes=[
            Mistake(2, "That would be a sum over the $n_\\text{out} = 2$ neurons. But $W_{ij}$ feeds neuron $j$ "
                       "alone: the sum over $k$ collapsed in Step 3 because $\\partial z_{nk}/\\partial W_{ij} = 0$ "
                       "for $k \\ne j$. The sum over neurons belongs to $dx$ (section 3), not to $dW$."),
            Mistake(3, "That would be a sum over the $n_\\text{in} = 3$ inputs. But $i$ is fixed: $W_{ij}$ multiplies "
                       "input $i$ only. What varies is the example $n$."),
            Mistake(8, "That keeps both sums of Step 1, over examples and over neurons. Only one neuron, $j$, "
                       "depends on $W_{ij}$, so the sum over neurons collapses to one term per example."),
            Mistake(1, "One product would be the one-neuron, one-example rule of notebook 04. Here every example of "
                       "the batch uses the same weight, so their effects add up."),
        ],
        otherwise="Count the terms of $\\sum_n x_{ni}\\, dz_{nj}$: which index runs, and over how many values?",
    ),
    Choice(
        "05.q2",
        ask="In float32 the machine epsilon is about $10^{-7}$. Can a central difference of $\\sigma$ at $0.5$, "
            "computed in float32, get within a relative $10^{-7}$ of $\\sigma'(0.5)$ for *some* step $h$?",
        answer=False,
        options=[
            Option("yes: take h small enough", True,
                   "Smaller $h$ shrinks only the truncation error $h^2|\\sigma'''|/6$. The rounding errors of "
                   "$\\sigma(\\theta \\pm h)$, about $\\varepsilon|\\sigma|$ each, do not shrink with $h$, and "
                   "dividing their difference by $2h$ makes them *grow* as $h$ shrinks: $\\varepsilon|\\sigma|/h$."),
            Option("no: at every h the error stays far above 1e-7", False,
                   "The best $h$ balances truncation $h^2|\\sigma'''|/6$ against roundoff "
                   "$\\varepsilon|\\sigma|/h$; in float32 the sum never falls much below $10^{-5}$. That is why "
                   "gradient checks run in float64."),
            Option("yes: float32 rounds to 1e-7, so the error is about 1e-7", "about 1e-7",
                   "$\\varepsilon$ is the error of *one* rounding of a number of size 1. The central difference "
                   "subtracts two nearly equal numbers and divides by $2h$, which magnifies that error "
                   "by $1/h$: with $h = 10^{-3}$, a thousandfold."),
        ],
    ),
    Choice(
        "05.q3",
        ask="Bug 1: the activation after layer 2 passes $da$ down unchanged, forgetting $f'(z^{(2)})$. The backward "
            "pass runs from layer 3 down to layer 1. Which gradients does a gradient check still find exact?",
        answer="W⁽³⁾, b⁽³⁾",
        options=[
            Option("W⁽³⁾ and b⁽³⁾ only", "W⁽³⁾, b⁽³⁾",
                   "Layer 3's gradients are computed from $\\delta^{(3)}$, before the backward pass reaches the "
                   "faulty step. $\\delta^{(2)}$ is wrong, so are $dW^{(2)}, db^{(2)}$ and everything below."),
            Option("W⁽¹⁾ and b⁽¹⁾ only", "W⁽¹⁾, b⁽¹⁾",
                   "The backward pass flows from the output to the input: a bug spoils what is computed *after* "
                   "it, the layers *below*. Layer 1 is the last to be computed, so it cannot escape."),
            Option("all but W⁽²⁾ and b⁽²⁾", "W⁽¹⁾, b⁽¹⁾, W⁽³⁾, b⁽³⁾",
                   "The wrong $\\delta^{(2)}$ is not only used for $dW^{(2)}$: it is also the message that "
                   "(BP2) passes on to make $\\delta^{(1)}$, so layer 1 inherits the error."),
            Option("none: one wrong step spoils every gradient", "",
                   "Layer 3's $dW^{(3)} = a^{(2)\\top}\\delta^{(3)}$ uses the forward pass's $a^{(2)}$ and the loss's "
                   "$\\delta^{(3)}$, computed before the faulty step: it stays exact."),
        ],
    ),
    Choice(
        "05.q4",
        ask="A hidden dense layer's forward pass makes one matrix product, $z = aW$. How many products of that "
            "same size does its backward pass make?",
        answer=2.0,
        tolerance=1e-12,
        options=[
            Option("1", 1.0,
                   "The backward pass needs two things from the layer: its own weight gradient $a^\\top\\delta$ (BP4) "
                   "and the message for the layer below, $\\delta W^\\top$ (BP2). Each is a product of the forward "
                   "one's size."),
            Option("2", 2.0,
                   "$dW = a^\\top\\delta$ (BP4) and $\\delta W^\\top$ (BP2): twice the forward pass, so a whole "
                   "gradient costs under three forward passes. Only the first layer, which passes nothing down, "
                   "makes one."),
            Option("3", 3.0,
                   "Three forward passes' worth is the *whole* gradient, forward pass included, with the first "
                   "layer's $dx$ counted. The backward pass of one layer makes two products."),
            Option("one per parameter of the layer", -1.0,
                   "That is what central differences pay: two forward passes per parameter. Backpropagation gets "
                   "all $n_\\text{in} n_\\text{out}$ weight gradients of the layer from one product $a^\\top\\delta$."),
        ],
    ),
]
