"""What a gradient costs: the arithmetic of backpropagation, counted from the layers' shapes.

Central differences need two forward passes per parameter, 2P for P parameters (one loss
evaluation each, the count numerical_gradient makes). Backpropagation needs one forward pass
and one backward pass; matmul_flops counts the matrix products of both, which is nearly all
of the arithmetic of a dense network.
"""

from ._validate import describe, require_bool, require_size


def matmul_flops(model, batch, input_grad=False):
    """Floating-point operations of the matrix products of one forward and one backward pass.

    model: a Sequential (its Dense layers are counted); batch: the number of rows N.
    A product of shapes (N, n_in) and (n_in, n_out) costs 2·N·n_in·n_out: a multiply and an
    add for every term of every sum. Forward: z = x W, one product per layer. Backward:
    dW = xᵀ dz and dx = dz Wᵀ, two products of the same size per layer, except the first
    layer's dx, which is counted only with input_grad (training never needs dL/dx of the data).
    Returns (forward, backward); backward < 2 · forward, so a whole gradient costs less than
    three forward passes, however many parameters the model has.
    """
    if not callable(getattr(model, "dense_layers", None)):
        raise TypeError(f"matmul_flops: model must be a Sequential, such as mlp(...) builds, got {describe(model)}")
    batch = require_size(batch, "batch", "matmul_flops")
    require_bool(input_grad, "input_grad", "matmul_flops")
    shapes = [layer.W.shape for layer in model.dense_layers()]
    if not shapes:
        raise ValueError("matmul_flops: the model has no Dense layers to count")
    per_layer = [2 * batch * n_in * n_out for n_in, n_out in shapes]
    forward = sum(per_layer)
    backward = 2 * forward - (0 if input_grad else per_layer[0])
    return forward, backward
