"""What backprop must remember, and recomputation, which remembers less.

The backward pass needs values from the forward pass: a Dense layer its input x (for
dW = xᵀ dz), an activation its z and a (for f'), batch norm x̂ and σ, dropout its mask.
Every layer keeps them in its cache from forward to backward, so the memory a training step
needs grows with depth × batch × width. saved_arrays and cache_bytes measure it.

Checkpoint(block) trades time for that memory, as torch.utils.checkpoint does: its forward
pass keeps only the block's input and drops everything the block cached; its backward pass
runs the block's forward pass again from that input to rebuild the caches, then backward.
One extra forward pass of the block per step buys its caches' memory back.
"""

import numpy as np

from ._validate import as_float_array, require_forward
from .dropout import Dropout
from .models import Sequential, Wrapper


def _children(layer):
    """The layers inside a container layer; none for a plain layer."""
    if isinstance(layer, Sequential):
        return layer.layers
    if isinstance(layer, Wrapper):  # Residual, Checkpoint
        return [layer.block]
    return []


def _walk(layer):
    """The layer and every layer inside it, depth first."""
    yield layer
    for child in _children(layer):
        yield from _walk(child)


def saved_arrays(model):
    """The distinct arrays the model's layers keep for the backward pass after a forward pass.

    Parameters are left out (they exist whether or not a forward pass ran); an array kept by
    two layers (one layer's output is the next one's input) counts once. The input X counts:
    the first Dense layer keeps it alive for dW. Returns a list of arrays.
    """
    require_forward(model, "model", "saved_arrays")
    parameters = {id(p) for p, _ in model.parameters()} if hasattr(model, "parameters") else set()
    found = {}
    for layer in _walk(model):
        kept = getattr(layer, "_cache", None)
        if isinstance(layer, Checkpoint):
            kept = (layer._input,)
        for item in kept if isinstance(kept, tuple) else ():
            if isinstance(item, np.ndarray) and id(item) not in parameters:
                found[id(item)] = item
    return list(found.values())


def cache_bytes(model):
    """Bytes of the arrays saved_arrays finds: the memory backprop holds between the passes."""
    require_forward(model, "model", "cache_bytes")
    return int(sum(a.nbytes for a in saved_arrays(model)))


def _drop_caches(block):
    for layer in _walk(block):
        if hasattr(layer, "_cache"):
            layer._cache = None


class Checkpoint(Wrapper):
    """A block whose caches are dropped after forward and rebuilt in backward by running it again.

    block: a layer or Sequential. forward(x) -> block(x) (the same output), keeping only x;
    backward(dout) runs block.forward(x) a second time, then block.backward(dout), and drops
    the caches again. The second forward pass draws the same dropout masks (each Dropout's rng
    is put back to where it stood) and leaves batch norm's running statistics as the first
    pass left them, so the gradients equal the block's own. recomputations counts the extra
    forward passes. parameters(), buffers() and train()/eval() are the block's.
    """

    def __init__(self, block):
        super().__init__(block)
        self._input = None
        self._rng_states = []
        self.recomputations = 0

    def forward(self, x):
        """x -> block(x); only x is kept."""
        x = as_float_array(x, "x", "Checkpoint.forward")
        rng_states = [(layer, layer.rng.bit_generator.state) for layer in _walk(self.block)
                      if isinstance(layer, Dropout)]
        out = self.block.forward(x)
        _drop_caches(self.block)
        self._input, self._rng_states, self._output_shape = x, rng_states, np.shape(out)
        return out

    def backward(self, dout):
        """dout -> dx, by recomputing the block's forward pass first (dout is checked before)."""
        if self._input is None:
            raise RuntimeError("Checkpoint.backward: call forward first")
        dout = self._check_dout(dout)
        for layer, state in self._rng_states:
            layer.rng.bit_generator.state = state  # the same masks as the first pass
        buffers = self.buffers()
        kept = [b.copy() for b in buffers]
        try:
            self.block.forward(self._input)  # the recomputation
        finally:
            for b, k in zip(buffers, kept):
                b[...] = k  # running statistics count each batch once
        self.recomputations += 1
        dx = self.block.backward(dout)
        _drop_caches(self.block)
        return dx
