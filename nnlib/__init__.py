"""nnlib: backpropagation from first principles, in plain numpy.

Conventions: batch rows first (x is (batch, n_in), W is (n_in, n_out), z = x @ W + b);
dX means dL/dX and has X's shape; losses are means over the batch; randomness only
through an explicit rng (a numpy.random.Generator).

The plotting helpers (nnlib.plots) and the interactive explorers (nnlib.widgets)
import matplotlib and ipywidgets, so they are separate modules, not imported here;
the explorers' mathematics (nnlib.dynamics) needs numpy alone.
"""

from . import data, dynamics, forward_mode, graph, hessian, memory
from .activations import (
    ACTIVATIONS,
    activation_backward,
    activation_forward,
    identity,
    identity_prime,
    relu,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    tanh,
    tanh_prime,
)
from .dropout import Dropout, dropout_backward, dropout_forward
from .forward_mode import (
    Dual,
    activation_jvp,
    dense_jvp,
    directional_derivative,
    jacobian_forward,
    jacobian_reverse,
    jvp,
    network_jvp,
)
from .gradcheck import gradient_check, gradient_errors, numerical_gradient, rel_error
from .hessian import hessian_matrix, hessian_vector_product, sharpness
from .init import INIT_SCHEMES, init_std, init_weights
from .layers import dense_backward, dense_forward
from .losses import LOSSES, bce_loss, bce_with_logits, mse_loss, softmax, softmax_cross_entropy, softmax_jacobian
from .memory import Checkpoint, cache_bytes, saved_arrays
from .models import Activation, Dense, Layer, Residual, Sequential, mlp
from .normalisation import (
    BatchNorm,
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_running_backward,
    batchnorm_running_forward,
)
from .optim import (
    Adam,
    Momentum,
    clip_gradients,
    global_grad_norm,
    momentum_stability_limit,
    momentum_update_matrix,
    sgd_step,
)
from .train import (
    History,
    accuracy,
    confusion_matrix,
    early_stopping_epoch,
    evaluate,
    iterate_minibatches,
    train,
)

__version__ = "0.1.0"

__all__ = [
    "data", "dynamics", "graph", "forward_mode", "hessian", "memory",
    "ACTIVATIONS", "INIT_SCHEMES", "LOSSES",
    "sigmoid", "sigmoid_prime", "tanh", "tanh_prime", "relu", "relu_prime",
    "identity", "identity_prime", "activation_forward", "activation_backward",
    "dense_forward", "dense_backward",
    "mse_loss", "bce_loss", "bce_with_logits", "softmax", "softmax_cross_entropy", "softmax_jacobian",
    "Dense", "Activation", "Sequential", "mlp", "Layer", "Residual",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_running_forward", "batchnorm_running_backward",
    "BatchNorm", "dropout_forward", "dropout_backward", "Dropout",
    "init_weights", "init_std",
    "sgd_step", "clip_gradients", "global_grad_norm", "Momentum", "Adam",
    "momentum_update_matrix", "momentum_stability_limit",
    "iterate_minibatches", "train", "History", "early_stopping_epoch", "evaluate", "accuracy", "confusion_matrix",
    "numerical_gradient", "rel_error", "gradient_check", "gradient_errors",
    "Dual", "jvp", "jacobian_forward", "jacobian_reverse", "dense_jvp", "activation_jvp", "network_jvp",
    "directional_derivative",
    "hessian_vector_product", "hessian_matrix", "sharpness",
    "Checkpoint", "cache_bytes", "saved_arrays",
]
