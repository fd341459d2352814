"""The dense (fully connected) layer as a pair of pure functions.

Shapes follow the course convention, batch rows first:
x (batch, n_in), W (n_in, n_out), b (n_out,), z = x @ W + b of shape (batch, n_out).
"""

import numpy as np

from ._validate import (
    as_float_array,
    as_gradient,
    describe,
    is_float_array,
    require_bool,
    require_cache,
    require_ndim,
    require_upstream_shape,
    require_writable,
)


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


def check_dense_inputs(x, W, b, where):
    """x, W and b as float arrays (float32 kept) whose shapes fit, or this raises naming which."""
    if not (is_float_array(x) and is_float_array(W) and is_float_array(b)):
        x, W, b = (as_float_array(v, name, where) for v, name in ((x, "x"), (W, "W"), (b, "b")))
    if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[0] or b.shape != (W.shape[1],):
        check_dense_shapes(x, W, b, where)
    return x, W, b


def dense_forward(x, W, b, *, check=True):
    """Forward pass of a dense layer: z = x @ W + b.

    x: (batch, n_in), W: (n_in, n_out), b: (n_out,).
    Returns (z, cache): z of shape (batch, n_out); cache = (x, W) for the backward pass.
    check=False skips the checks of x, W and b, for a caller that has made them
    (Sequential checks a network's input once, not in every layer).
    """
    if check:
        x, W, b = check_dense_inputs(x, W, b, "dense_forward")
    z = x @ W
    z += b  # b is added to every row; in place, since z is a new array: one array fewer
    return z, (x, W)


def check_dense_cache(dz, cache, where):
    """The cache dense_forward returned, and dz of the shape z had; returns (dz, x, W)."""
    x, W = require_cache(cache, where, "dense_forward", "(x, W)", 2)
    if (is_float_array(dz) and is_float_array(x) and is_float_array(W) and x.ndim == 2 and W.ndim == 2
            and x.shape[1] == W.shape[0] and dz.shape == (x.shape[0], W.shape[1])):
        return dz, x, W
    # A cache written by hand, (x, W) as lists or integers, is taken as dense_forward would take them.
    x, W = (as_float_array(v, f"cache's {name}", where) for v, name in ((x, "x"), (W, "W")))
    for value, name in ((x, "x"), (W, "W")):
        if value.ndim != 2:
            raise ValueError(f"{where}: cache must be the tuple dense_forward returned, (x, W); its {name} "
                             f"must be 2-D, got shape {value.shape}")
    if x.shape[1] != W.shape[0]:
        raise ValueError(f"{where}: cache must be the tuple dense_forward returned, (x, W); its x has "
                         f"shape {x.shape}, which does not fit W of shape {W.shape}")
    dz = as_gradient(dz, "dz", where)
    require_upstream_shape(dz, "dz", (x.shape[0], W.shape[1]), "z", where)
    return dz, x, W


def dense_backward(dz, cache, input_grad=True, *, out=None, check=True):
    """Backward pass of z = x @ W + b.

    dz: (batch, n_out), the upstream gradient dL/dz; cache: the (x, W) dense_forward returned.
    Returns dx (batch, n_in), dW (n_in, n_out), db (n_out,).
    With input_grad=False, dx is not computed and None is returned in its place: a
    network's first layer has no layer before it to pass dx to, and dx costs a
    matrix product as large as dW's.
    out: optional (dW, db) arrays to write the gradients into, returned as dW and db
    (Dense passes its own, so the arrays its parameters() hands out stay the same).
    check=False skips the checks of dz, cache and out, as in dense_forward.
    """
    if check:
        dz, x, W = check_dense_cache(dz, cache, "dense_backward")
        require_bool(input_grad, "input_grad", "dense_backward")
        if out is not None:
            check_dense_out(out, x, W, "dense_backward")
    else:
        x, W = cache
    dW, db = (None, None) if out is None else out
    dx = dz @ W.T if input_grad else None  # each input feeds every output through W
    dW = np.matmul(x.T, dz, out=dW)  # sums over the batch: the loss is already a batch mean
    db = dz.sum(axis=0, out=db)
    return dx, dW, db


def check_dense_out(out, x, W, where):
    """out must be (dW, db): writable float arrays of W's shape and of (n_out,)."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{where}: out must be a pair (dW, db) of arrays to write into, got {describe(out)}")
    for arr, name, shape in ((out[0], "out[0] (dW)", W.shape), (out[1], "out[1] (db)", (W.shape[1],))):
        require_writable(arr, name, where)
        if arr.shape != shape:
            raise ValueError(f"{where}: {name} must have shape {shape}, got {arr.shape}")
