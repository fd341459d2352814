"""Thin classes over the pure functions: a layer object remembers its cache and
its gradients, so a network is a list of layers run forwards, then backwards."""

from types import MethodType

import numpy as np

from .activations import activation_backward, activation_forward, get_activation
from .init import init_weights
from .layers import dense_backward, dense_forward


class Dense:
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

    def parameters(self):
        """[(W, dW), (b, db)]: each parameter with its current gradient."""
        return [(self.W, self.dW), (self.b, self.db)]

    def __repr__(self):
        n_in, n_out = self.W.shape
        return f"Dense({n_in}, {n_out})"


class Activation:
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

    def parameters(self):
        return []

    def __repr__(self):
        return f"Activation({self.name!r})"


class Sequential:
    """Layers applied in order; backward runs them in reverse (the chain rule)."""

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

    def parameters(self):
        """[(param, grad), ...] over all layers, input side first."""
        return [pg for layer in self.layers for pg in layer.parameters()]

    def named_parameters(self):
        """[(name, param, grad), ...] with names such as 'layers[0].W'."""
        named = []
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                named.append((f"layers[{i}].W", layer.W, layer.dW))
                named.append((f"layers[{i}].b", layer.b, layer.db))
        return named

    def dense_layers(self):
        """The Dense layers, input side first."""
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential({inner})"


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
