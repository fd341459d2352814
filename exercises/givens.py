"""What the assignments hand to the learner: given code and data, no answers.

A learner's notebook imports these, and so does the grader, so both work on the same
network and the same data. Nothing here computes what an exercise asks for.
"""

import numpy as np

import nnlib


def network_forward(x, params):
    """The two-layer network of Exercise 3.2: y_hat = sigmoid(x @ W1 + b1) @ W2 + b2.

    x (batch, n_in); params {"W1" (n_in, n_hidden), "b1" (n_hidden,), "W2" (n_hidden, n_out),
    "b2" (n_out,)}. Returns (y_hat (batch, n_out), cache {"x", "z1", "a1"}).
    """
    z1, _ = nnlib.dense_forward(x, params["W1"], params["b1"])
    a1 = nnlib.sigmoid(z1)
    y_hat, _ = nnlib.dense_forward(a1, params["W2"], params["b2"])
    return y_hat, {"x": x, "z1": z1, "a1": a1}


def make_network(rng, *, batch=6, n_in=3, n_hidden=4, n_out=2):
    """A small problem for the two-layer network, drawn from rng: (params, x, y).

    The weights are standard normal (the biases a tenth of that), so the hidden units are
    neither saturated nor linear and every mistake in a backward pass shows.
    """
    params = {"W1": rng.normal(size=(n_in, n_hidden)), "b1": 0.1 * rng.normal(size=n_hidden),
              "W2": rng.normal(size=(n_hidden, n_out)), "b2": 0.1 * rng.normal(size=n_out)}
    return params, rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out))


def network_loss(x, y, scale=1.0):
    """loss_of(params) = scale · mse_loss(network_forward(x, params)[0], y)[0], the function a
    gradient check differentiates (scale lets a check tell relative from absolute errors)."""
    def loss_of(params):
        return scale * nnlib.mse_loss(network_forward(x, params)[0], y)[0]
    return loss_of


def learning_rate_data():
    """The data of Exercises 4.5 and 4.6: (X_lr (60, 2), y_lr (60, 1), learning_rates).

    60 points with 2 features, targets on a plane plus noise (standard deviation 0.1).
    """
    rng = np.random.default_rng(0)
    X = rng.normal(1.0, 1.0, size=(60, 2))
    y = (X @ np.array([1.0, -2.0]) + 0.5 + 0.1 * rng.standard_normal(60))[:, None]
    return X, y, [0.05, 0.2, 0.4, 0.6]
