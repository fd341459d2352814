"""Thin classes over the pure functions: a layer object remembers its cache and
its gradients, so a network is a list of layers run forwards, then backwards.

Training and evaluation: every layer has a ``training`` flag, True from the start.
``model.train()`` and ``model.eval()`` set it on a Sequential and on every layer inside it
(Residual blocks included), as torch.nn.Module does. Dense and Activation compute the same
in both modes; Dropout is the identity in evaluation, and BatchNorm normalises with its
running statistics instead of the batch's.
"""

from contextlib import contextmanager

import numpy as np

from ._validate import (
    as_float_array,
    as_gradient,
    describe,
    is_float_array,
    require_bool,
    require_forward,
    require_layer,
    require_rng,
    require_size,
    require_upstream_shape,
)
from .activations import activation_backward, activation_forward, check_activation_backward, get_activation
from .init import check_init, init_weights
from .layers import check_dense_cache, check_dense_inputs, dense_backward, dense_forward


class Layer:
    """What every layer shares: a training flag with train()/eval(), and parameter lists.

    A subclass provides forward(x) and backward(dout), and lists its parameters in
    named_parameters() as (name, param, grad) triples; parameters() and the rest follow.
    """

    training = True
    _batch_entry = None  # which entry of _cache holds the batch (rows = examples), for Sequential.backward

    def train(self, mode=True):
        """Put the layer in training mode (mode=True) or evaluation mode; returns the layer."""
        self.training = require_bool(mode, "mode", f"{type(self).__name__}.train")
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
        """layer(x) is layer.forward(x)."""
        if not hasattr(self, "forward"):
            raise TypeError(f"{type(self).__name__}: a Layer has no forward pass of its own; subclass it and "
                            f"define forward(x) and backward(dout), as Dense and BatchNorm do")
        return self.forward(x)

    def _undo_forward(self):
        """Undo what the last forward pass changed besides its cache (BatchNorm's running
        statistics): a Sequential calls this on the layers before one that raises, so a
        forward pass that fails changes nothing. The caches a Sequential puts back itself
        (see _undo). Most layers change nothing else."""


class Dense(Layer):
    """A dense layer z = x @ W + b with W (n_in, n_out) and b (n_out,).

    After backward(), dW and db hold dL/dW and dL/db for the last batch. They are the
    same two arrays for the life of the layer (each backward overwrites them), so the
    pairs parameters() returns stay valid: take the list once and train with it.
    """

    def __init__(self, n_in, n_out, *, init="xavier", rng, scale=None):
        n_in, n_out, scale = check_init(n_in, n_out, init, scale, "Dense")
        require_rng(rng, "Dense")
        self.W = init_weights(n_in, n_out, init, rng, scale)
        self.b = np.zeros(n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self._cache = None

    _batch_entry = 0  # the cache is (x, W)

    def forward(self, x, *, check=True):
        """x (batch, n_in) -> z (batch, n_out). check=False: see dense_forward."""
        W, b = self.W, self.b
        if check:
            x, W, b = check_dense_inputs(x, W, b, "Dense.forward")
        z, self._cache = dense_forward(x, W, b, check=False)
        return z

    def backward(self, dz, input_grad=True, *, check=True):
        """dz (batch, n_out) -> dx (batch, n_in); stores dW and db.

        input_grad=False skips dx and returns None (see dense_backward).
        """
        if self._cache is None:
            raise RuntimeError("Dense.backward: call forward first")
        if check:
            dz, _, _ = check_dense_cache(dz, self._cache, "Dense.backward")
            require_bool(input_grad, "input_grad", "Dense.backward")
            if self.dW.shape != self.W.shape or self.db.shape != self.b.shape:
                raise ValueError(f"Dense.backward: dW and db must have the shapes of W and b, {self.W.shape} and "
                                 f"{self.b.shape}, got {self.dW.shape} and {self.db.shape}")
        # Written into the arrays parameters() hands out, never rebound to new ones, so a
        # list of (param, grad) pairs taken once stays valid for the life of the layer.
        dx, _, _ = dense_backward(dz, self._cache, input_grad, out=(self.dW, self.db), check=False)
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

    _batch_entry = 1  # the cache is (name, z, a)

    def forward(self, z, *, check=True):
        """z (any shape) -> a = f(z). check=False: see activation_forward."""
        if check:
            z = as_float_array(z, "z", "Activation.forward")
        a, self._cache = activation_forward(z, self.name, check=False)
        return a

    def backward(self, da, *, check=True):
        """da = dL/da -> dz = da * f'(z)."""
        if self._cache is None:
            raise RuntimeError("Activation.backward: call forward first")
        if check:
            da = check_activation_backward(da, self._cache, "Activation.backward")
        return activation_backward(da, self._cache, check=False)

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


def _takes_check(layer, method):
    """True for nnlib's own Dense and Activation layers whose ``method`` is still the class's:
    those take check=False. (Notebook 05 plants bugs by putting a one-argument function in
    place of a layer's backward; that function is called with the gradient alone.)"""
    return type(layer) in (Dense, Activation) and method not in layer.__dict__


# Layers whose forward pass replaces their cache and nothing else: Sequential keeps it in one look-up.
_PLAIN = (Dense, Activation)


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse (the chain rule).

    model.train() / model.eval() set the mode of every layer inside (see the module's
    docstring); a layer without a train method is left as it is.

    A network's input is checked once, by forward, not again in every layer: nnlib's own
    layers then run with check=False, since each takes what the layer before it made.
    Should a layer still fail (a network whose layers do not fit together), check_layers
    finds which one and says so.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))):
                hint = " (pass the layers one by one: Sequential(*layers))" if isinstance(layer, (list, tuple)) else ""
                raise TypeError(
                    f"Sequential: every layer needs forward and backward methods, "
                    f"got {describe(layer)} as layer {i}{hint}"
                )
        self.layers = list(layers)
        self._output_shape = None

    def forward(self, x):
        """x (batch, n_in) -> the output of the last layer.

        A forward pass that raises leaves every layer as it was: the caches it replaced (held
        by reference during the pass, not copied) and BatchNorm's running statistics are put back."""
        where = "Sequential.forward"
        x = as_float_array(x, "x", where)  # the one check of x: every layer after it gets a float array
        before = [_held(layer) for layer in self.layers]
        out, checked, done = x, True, 0  # out is a float array: x, checked above, or made by nnlib's own layer
        try:
            first = self.layers[0] if self.layers else None
            if type(first) is Dense and (x.ndim != 2 or x.shape[1] != first.W.shape[0]):
                self.check_layers(x, where)  # a 1-D x would pass through x @ W unnoticed
            for layer in self.layers:
                own = _takes_check(layer, "forward")
                out = layer.forward(out, check=False) if own and checked else layer.forward(out)
                checked, done = own, done + 1
        except Exception as err:
            _undo(self.layers[:done], before)  # the layers before the one that raised change nothing either
            if isinstance(err, (ValueError, TypeError, AttributeError)):
                self.check_layers(x, where)  # raises naming the layer that does not fit, if one does not
            raise
        self._output_shape = getattr(out, "shape", None)
        return out

    __call__ = forward

    def check_layers(self, x=None, where="Sequential", name="x"):
        """Raise if x (when given) does not fit the first Dense layer, or a Dense layer does not
        take what the layers before it give, or holds W, b, dW, db that do not match. Only
        nnlib's own layers are followed: what another layer gives is not known here."""
        if x is not None:
            x = as_float_array(x, name, where)
        width, source = (x.shape[1] if x.ndim == 2 else None, name) if x is not None else (None, None)
        for i, layer in enumerate(self.layers):
            if not _takes_check(layer, "forward"):
                return
            if type(layer) is not Dense:
                continue
            W, b = layer.W, layer.b
            if not (is_float_array(W) and W.ndim == 2 and is_float_array(b) and b.shape == (W.shape[1],)
                    and getattr(layer.dW, "shape", None) == W.shape and getattr(layer.db, "shape", None) == b.shape):
                raise ValueError(f"{where}: layers[{i}] must hold W, a float array (n_in, n_out), and b, dW, db "
                                 f"to match (b and db (n_out,), dW like W), got W {describe(W)} and b {describe(b)}")
            if source == name and width is None:
                raise ValueError(f"{where}: {name} must be 2-D with shape (batch, {W.shape[0]}) for layers[{i}] "
                                 f"({layer!r}), got shape {x.shape}")
            if width is not None and width != W.shape[0]:
                if source == name:
                    raise ValueError(f"{where}: {name} has {width} columns but layers[{i}] ({layer!r}) takes "
                                     f"{W.shape[0]}; expected {name} of shape (batch, {W.shape[0]}), got {x.shape}")
                raise ValueError(f"{where}: layers[{i}] ({layer!r}) takes {W.shape[0]} columns but {source} "
                                 f"gives {width}; the network's layers do not fit together")
            width, source = W.shape[1], f"layers[{i}]"

    def backward(self, dout, input_grad=True):
        """dout = dL/d(output) -> dx = dL/dx; every layer stores its gradients.

        Training needs the parameters' gradients only, not dL/dx of the data:
        input_grad=False passes that on to a first layer that is a Dense, which then
        skips computing dx and returns None (any other first layer returns dx). A plain
        function put in place of a layer's backward method (notebook 05 plants bugs that
        way) is called with the upstream gradient alone, the one argument it takes.
        dout is checked here, once; nnlib's own layers pass back what they are given
        without checking again.
        """
        where = "Sequential.backward"
        require_bool(input_grad, "input_grad", where)
        if not self.layers:  # an empty network is the identity
            return dout
        dout = as_gradient(dout, "dout", where)
        if self._output_shape is None:
            raise RuntimeError(f"{where}: call forward first")
        require_upstream_shape(dout, "dout", self._output_shape, "output", where)
        _require_batch_caches(self.layers, len(dout), where)  # before any gradient is written
        try:
            checked = True  # dout, and then what each of nnlib's own layers passes back
            for i in range(len(self.layers) - 1, 0, -1):
                layer = self.layers[i]
                own = _takes_check(layer, "backward")
                dout = layer.backward(dout, check=False) if own and checked else layer.backward(dout)
                checked = own
            first = self.layers[0]
            if not _takes_check(first, "backward"):
                return first.backward(dout)
            if type(first) is Dense and not input_grad:
                return first.backward(dout, input_grad=False, check=not checked)
            return first.backward(dout, check=not checked)
        except (ValueError, TypeError, AttributeError):
            self.check_layers(where=where)  # raises naming the layer that does not fit, if one does not
            raise

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


def _require_batch_caches(layers, rows, where):
    """Each of nnlib's layers holds the cache of a batch of ``rows`` rows, as model.forward left it,
    or this raises naming the first that does not (one run forward on its own since)."""
    for layer in layers:
        entry = getattr(layer, "_batch_entry", None)
        held = None if entry is None or layer._cache is None else layer._cache[entry]
        if type(held) is np.ndarray and held.ndim and len(held) != rows:
            i = layers.index(layer)
            raise RuntimeError(f"{where}: layers[{i}] ({layer!r}) holds the cache of a batch of {len(held)} "
                               f"rows but dout has {rows}: it has run forward on its own since the model's "
                               f"forward pass; run model.forward on the batch again, then backward "
                               f"(no gradient was changed)")


# What a forward pass replaces in a layer: its cache, a container's output shape, a Checkpoint's input
# and dropout states. Held by reference while the pass runs, so a pass that raises can put them back.
_FORWARD_STATE = ("_cache", "_output_shape", "_input", "_rng_states")


def _children(layer):
    """The layers directly inside a Sequential or a Wrapper (none for any other layer)."""
    if isinstance(layer, Sequential):
        return layer.layers
    return [layer.block] if isinstance(layer, Wrapper) else []


def _forward_state(layer):
    """[(a layer, [(attribute, value), ...]), ...]: the forward state of layer and of every layer
    inside it, by reference (no copies)."""
    own = getattr(layer, "__dict__", {})
    state = [(layer, [(name, own[name]) for name in _FORWARD_STATE if name in own])]
    for inner in _children(layer):
        state += _forward_state(inner)
    return state


def _held(layer):
    """What _undo needs to put layer back as it is now: its cache for Dense and Activation (one
    look-up: the common case, taken every step), _forward_state for any other layer."""
    return layer._cache if type(layer) in _PLAIN else _forward_state(layer)


def _undo(layers, before):
    """Undo a forward pass through layers, last first. before[i]: _held(layers[i]) taken before the
    pass. Each layer, and each inside
    it, gets that back; then a layer that changed more (BatchNorm's running statistics) undoes it."""
    for layer, held in zip(reversed(layers), reversed(before[:len(layers)])):
        state = [(layer, [("_cache", held)])] if type(layer) in _PLAIN else held
        for inner, saved in reversed(state):
            for name, value in saved:
                setattr(inner, name, value)
            if not _children(inner):
                undo = getattr(inner, "_undo_forward", None)
                if undo is not None:
                    undo()


class Wrapper(Layer):
    """A layer around one block (a layer or a Sequential): its parameters, buffers, Dense
    layers and mode are the block's. Residual and nnlib.memory.Checkpoint are such layers."""

    def __init__(self, block):
        self.block = require_layer(block, "block", type(self).__name__)
        self._output_shape = None  # of the last forward pass: backward checks dout against it

    def _check_dout(self, dout):
        """dout as a float array of the last forward pass's output shape, or this raises."""
        where = f"{type(self).__name__}.backward"
        if self._output_shape is None:
            raise RuntimeError(f"{where}: call forward first")
        dout = as_gradient(dout, "dout", where)
        require_upstream_shape(dout, "dout", self._output_shape, "output", where)
        return dout

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
        where = "Residual.forward"
        x = as_float_array(x, "x", where)
        before = _held(self.block)
        fx = self.block.forward(x)
        if np.shape(fx) != x.shape:
            _undo([self.block], [before])  # the block changes nothing either
            raise ValueError(f"{where}: the block maps x of shape {x.shape} to shape {np.shape(fx)}; "
                             f"x + block(x) needs the block to keep the shape {x.shape}")
        self._output_shape = x.shape
        return x + fx

    def backward(self, dout):
        """dout (batch, n) -> dx (batch, n); the block stores its gradients."""
        dout = self._check_dout(dout)
        return dout + self.block.backward(dout)  # sum rule: the identity path plus the block's


@contextmanager
def evaluation_mode(model):
    """Run the with-block with the model in evaluation mode, then give it back the mode it had.

    For measuring a loss or a prediction without dropout and with batch norm's running
    statistics, from inside a training loop. A model without train/eval is left alone.
    """
    require_forward(model, "model", "evaluation_mode")
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
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__") or getattr(sizes, "ndim", 1) == 0:
        raise TypeError(f"mlp: sizes must be a list of layer widths [n_in, ..., n_out], got {describe(sizes)}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"mlp: sizes needs at least [n_in, n_out], got {sizes}")
    sizes = [require_size(size, f"sizes[{i}]", "mlp") for i, size in enumerate(sizes)]
    get_activation(activation, "mlp")
    check_init(sizes[0], sizes[1], init, scale, "mlp")
    require_rng(rng, "mlp")
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(n_in, n_out, init=init, rng=rng, scale=scale))  # init and scale checked there
        if i < len(sizes) - 2:
            layers.append(Activation(activation))
    return Sequential(*layers)
