"""The dense (fully connected) layer as a pair of pure functions.

Shapes follow the course convention, batch rows first:
x (batch, n_in), W (n_in, n_out), b (n_out,), z = x @ W + b of shape (batch, n_out).
"""

from ._validate import as_float_array, require_ndim, require_upstream_shape


def check_dense_shapes(x, W, b, where):
    """x (batch, n_in), W (n_in, n_out) and b (n_out,) must fit together, or this raises."""
    require_ndim(W, 2, "W", where, "(n_in, n_out)")
    n_in, n_out = W.shape
    require_ndim(x, 2, "x", where, f"(batch, {n_in})")
    if x.shape[1] != n_in:
        raise ValueError(
            f"{where}: x has {x.shape[1]} columns but W has {n_in} rows; "
            f"expected x of shape (batch, {n_in}), got {x.shape}"
        )
    if b.shape != (n_out,):
        raise ValueError(
            f"{where}: b has shape {b.shape} but W has {n_out} columns; "
            f"expected b of shape ({n_out},)"
        )


def dense_forward(x, W, b):
    """Forward pass of a dense layer: z = x @ W + b.

    x: (batch, n_in), W: (n_in, n_out), b: (n_out,).
    Returns (z, cache): z of shape (batch, n_out); cache = (x, W) for the backward pass.
    """
    x = as_float_array(x, "x", "dense_forward")
    W = as_float_array(W, "W", "dense_forward")
    b = as_float_array(b, "b", "dense_forward")
    check_dense_shapes(x, W, b, "dense_forward")
    z = x @ W
    z += b  # b is added to every row; in place, since z is a new array: one array fewer
    return z, (x, W)


def dense_backward(dz, cache, input_grad=True):
    """Backward pass of z = x @ W + b.

    dz: (batch, n_out), the upstream gradient dL/dz.
    Returns dx (batch, n_in), dW (n_in, n_out), db (n_out,).
    With input_grad=False, dx is not computed and None is returned in its place: a
    network's first layer has no layer before it to pass dx to, and dx costs a
    matrix product as large as dW's.
    """
    x, W = cache
    dz = as_float_array(dz, "dz", "dense_backward")
    require_upstream_shape(dz, "dz", (x.shape[0], W.shape[1]), "z", "dense_backward")
    dx = dz @ W.T if input_grad else None  # each input feeds every output through W
    dW = x.T @ dz  # sums over the batch: the loss is already a batch mean
    db = dz.sum(axis=0)
    return dx, dW, db
