"""Thin classes over the pure functions: a layer object remembers its cache and
its gradients, so a network is a list of layers run forwards, then backwards.

Training and evaluation: every layer has a ``training`` flag, True from the start.
``model.train()`` and ``model.eval()`` set it on a Sequential and on every layer inside it
(Residual blocks included), as torch.nn.Module does. Dense and Activation compute the same
in both modes; Dropout is the identity in evaluation, and BatchNorm normalises with its
running statistics instead of the batch's.
"""

from contextlib import contextmanager
from types import MethodType

import numpy as np

from .activations import activation_backward, activation_forward, get_activation
from .init import init_weights
from .layers import dense_backward, dense_forward


class Layer:
    """What every layer shares: a training flag with train()/eval(), and parameter lists.

    A subclass provides forward(x) and backward(dout), and lists its parameters in
    named_parameters() as (name, param, grad) triples; parameters() and the rest follow.
    """

    training = True

    def train(self, mode=True):
        """Put the layer in training mode (mode=True) or evaluation mode; returns the layer."""
        if not isinstance(mode, bool):
            raise TypeError(f"{type(self).__name__}.train: mode must be True or False, got {mode!r}")
        self.training = mode
        return self

    def eval(self):
        """Put the layer in evaluation mode; the same as train(False). Returns the layer."""
        return self.train(False)

    def named_parameters(self):
        """[(name, param, grad), ...]; a layer without parameters has none."""
        return []

    def parameters(self):
        """[(param, grad), ...]: each parameter with its current gradient."""
        return [(p, g) for _, p, g in self.named_parameters()]

    def buffers(self):
        """Arrays the layer keeps that are not parameters (running statistics); none here."""
        return []

    def __call__(self, x):
        return self.forward(x)


class Dense(Layer):
    """A dense layer z = x @ W + b with W (n_in, n_out) and b (n_out,).

    After backward(), dW and db hold dL/dW and dL/db for the last batch. They are the
    same two arrays for the life of the layer (each backward overwrites them), so the
    pairs parameters() returns stay valid: take the list once and train with it.
    """

    def __init__(self, n_in, n_out, *, init="xavier", rng, scale=None):
        self.W = init_weights(n_in, n_out, init, rng, scale)
        self.b = np.zeros(n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self._cache = None

    def forward(self, x):
        """x (batch, n_in) -> z (batch, n_out)."""
        z, self._cache = dense_forward(x, self.W, self.b)
        return z

    def backward(self, dz, input_grad=True):
        """dz (batch, n_out) -> dx (batch, n_in); stores dW and db.

        input_grad=False skips dx and returns None (see dense_backward).
        """
        if self._cache is None:
            raise RuntimeError("Dense.backward: call forward first")
        dx, dW, db = dense_backward(dz, self._cache, input_grad)
        # Written into the arrays parameters() hands out, never rebound to new ones, so a
        # list of (param, grad) pairs taken once stays valid for the life of the layer.
        self.dW[...] = dW
        self.db[...] = db
        return dx

    @property
    def last_input(self):
        """x of the last forward pass, (batch, n_in); None before the first one."""
        return None if self._cache is None else self._cache[0]

    def named_parameters(self):
        """[("W", W, dW), ("b", b, db)]: each parameter with its current gradient."""
        return [("W", self.W, self.dW), ("b", self.b, self.db)]

    def __repr__(self):
        n_in, n_out = self.W.shape
        return f"Dense({n_in}, {n_out})"


class Activation(Layer):
    """An activation layer a = f(z) with no parameters."""

    def __init__(self, name):
        get_activation(name, "Activation")  # fail early on a typo
        self.name = name
        self._cache = None

    def forward(self, z):
        a, self._cache = activation_forward(z, self.name)
        return a

    def backward(self, da):
        if self._cache is None:
            raise RuntimeError("Activation.backward: call forward first")
        return activation_backward(da, self._cache)

    @property
    def last_input(self):
        """z of the last forward pass; None before the first one."""
        return None if self._cache is None else self._cache[1]

    @property
    def last_output(self):
        """a = f(z) of the last forward pass; None before the first one."""
        return None if self._cache is None else self._cache[2]

    def __repr__(self):
        return f"Activation({self.name!r})"


def _layer_named_parameters(layer):
    """A layer's (name, param, grad) triples; a layer that only offers parameters() gets
    its pairs numbered, and one that offers neither has none."""
    if hasattr(layer, "named_parameters"):
        return layer.named_parameters()
    pairs = layer.parameters() if hasattr(layer, "parameters") else []
    return [(f"parameters[{j}]", p, g) for j, (p, g) in enumerate(pairs)]


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse (the chain rule).

    model.train() / model.eval() set the mode of every layer inside (see the module's
    docstring); a layer without a train method is left as it is.
    """

    def __init__(self, *layers):
        for layer in layers:
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(
                    f"Sequential: every layer needs forward and backward methods, "
                    f"got {type(layer).__name__}"
                )
        self.layers = list(layers)

    def forward(self, x):
        """x (batch, n_in) -> the output of the last layer."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, dout, input_grad=True):
        """dout = dL/d(output) -> dx = dL/dx; every layer stores its gradients.

        Training needs the parameters' gradients only, not dL/dx of the data:
        input_grad=False passes that on to a first layer that is a Dense, which then
        skips computing dx and returns None (any other first layer returns dx). A plain
        function put in place of a layer's backward method (notebook 05 plants bugs that
        way) is called with the upstream gradient alone, the one argument it takes.
        """
        if not self.layers:  # an empty network is the identity
            return dout
        *later, first = reversed(self.layers)
        for layer in later:
            dout = layer.backward(dout)
        # Only Dense's own backward method can skip dx; a plain function put in its place
        # takes the upstream gradient alone.
        can_skip = isinstance(first, Dense) and isinstance(first.backward, MethodType)
        if input_grad or not can_skip:
            return first.backward(dout)
        return first.backward(dout, input_grad=False)

    def train(self, mode=True):
        """Set training mode (mode=True) or evaluation mode here and in every layer; returns the model."""
        super().train(mode)
        for layer in self.layers:
            if hasattr(layer, "train"):
                layer.train(mode)
        return self

    def parameters(self):
        """[(param, grad), ...] over all layers, input side first; a layer without parameters() has none."""
        return [pg for layer in self.layers if hasattr(layer, "parameters") for pg in layer.parameters()]

    def named_parameters(self):
        """[(name, param, grad), ...] in the order of parameters(), with names such as
        'layers[0].W', 'layers[1].gamma' or 'layers[2].block.layers[0].W'."""
        return [(f"layers[{i}].{name}", p, g)
                for i, layer in enumerate(self.layers) for name, p, g in _layer_named_parameters(layer)]

    def buffers(self):
        """Every layer's buffers (such as BatchNorm's running statistics), input side first."""
        return [b for layer in self.layers if hasattr(layer, "buffers") for b in layer.buffers()]

    def dense_layers(self):
        """The Dense layers, input side first, those inside Residual blocks included."""
        found = []
        for layer in self.layers:
            if isinstance(layer, Dense):
                found.append(layer)
            elif hasattr(layer, "dense_layers"):
                found.extend(layer.dense_layers())
        return found

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential({inner})"


class Wrapper(Layer):
    """A layer around one block (a layer or a Sequential): its parameters, buffers, Dense
    layers and mode are the block's. Residual and nnlib.memory.Checkpoint are such layers."""

    def __init__(self, block):
        if not (hasattr(block, "forward") and hasattr(block, "backward")):
            raise TypeError(f"{type(self).__name__}: block needs forward and backward methods, "
                            f"got {type(block).__name__}")
        self.block = block

    def train(self, mode=True):
        """Set the mode here and in the block; returns the layer."""
        super().train(mode)
        if hasattr(self.block, "train"):
            self.block.train(mode)
        return self

    def named_parameters(self):
        """The block's parameters, named 'block.…'."""
        return [(f"block.{name}", p, g) for name, p, g in _layer_named_parameters(self.block)]

    def buffers(self):
        return self.block.buffers() if hasattr(self.block, "buffers") else []

    def dense_layers(self):
        """The block's Dense layers, input side first."""
        if isinstance(self.block, Dense):
            return [self.block]
        return self.block.dense_layers() if hasattr(self.block, "dense_layers") else []

    def __repr__(self):
        return f"{type(self).__name__}({self.block!r})"


class Residual(Wrapper):
    """A residual connection around a block: out = x + block(x).

    block: any layer or Sequential whose output has its input's shape (batch, n).
    By the sum rule, dL/dx = dout + (the block's backward of dout): the identity path hands
    the upstream gradient to x unchanged, so the layer's Jacobian is I + ∂block/∂x and a
    deep stack of them cannot shrink the gradient to nothing the way a plain stack can.
    parameters() are the block's; train()/eval() reach the block.
    """

    def forward(self, x):
        """x (batch, n) -> x + block(x), (batch, n)."""
        fx = self.block.forward(x)
        if np.shape(fx) != np.shape(x):
            raise ValueError(f"Residual: the block maps x of shape {np.shape(x)} to shape {np.shape(fx)}; "
                             f"x + block(x) needs the block to keep the shape {np.shape(x)}")
        return x + fx

    def backward(self, dout):
        """dout (batch, n) -> dx (batch, n); the block stores its gradients."""
        return dout + self.block.backward(dout)  # sum rule: the identity path plus the block's


@contextmanager
def evaluation_mode(model):
    """Run the with-block with the model in evaluation mode, then give it back the mode it had.

    For measuring a loss or a prediction without dropout and with batch norm's running
    statistics, from inside a training loop. A model without train/eval is left alone.
    """
    if not hasattr(model, "eval"):
        yield model
        return
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def mlp(sizes, *, activation="sigmoid", init="xavier", rng, scale=None):
    """A multilayer perceptron: Dense and Activation alternating, no activation at the end.

    sizes: [n_in, hidden_1, ..., n_out], at least two entries. The last Dense layer's
    output is left linear (logits or a regression output); pair it with a loss that
    expects that, such as softmax_cross_entropy, bce_with_logits or mse_loss.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"mlp: sizes needs at least [n_in, n_out], got {sizes}")
    get_activation(activation, "mlp")
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(n_in, n_out, init=init, rng=rng, scale=scale))
        if i < len(sizes) - 2:
            layers.append(Activation(activation))
    return Sequential(*layers)
