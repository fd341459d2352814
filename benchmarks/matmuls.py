"""The matrix products alone: how much of the gap to torch at a large batch is the BLAS, not nnlib.

One training step of mlp([64, 64, 64, 10]) on the 1,797 digits makes the same eight matrix
products whoever computes it: three forward (x @ W), three for the weights' gradients (xᵀ @ dz)
and two for the inputs' gradients (dz @ Wᵀ; the first layer's is skipped). This times those eight
products with numpy (the BLAS numpy ships with) and with torch (its own), one thread each,
alternating in one process: the median over rounds of numpy's time / torch's time.

    python benchmarks/matmuls.py            # torch must be installed
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402


def products(x, w_hidden, w_out, dz_hidden, dz_out):
    """The step's eight products, as a list of thunks."""
    return [lambda: x @ w_hidden, lambda: x @ w_hidden, lambda: x @ w_out,
            lambda: x.T @ dz_out, lambda: dz_out @ w_out.T, lambda: x.T @ dz_hidden,
            lambda: dz_hidden @ w_hidden.T, lambda: x.T @ dz_hidden]


def main(batch=1797, rounds=15):
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in [(batch, 64), (64, 64), (64, 10), (batch, 64), (batch, 10)]]
    contenders = {"numpy": products(*arrays), "torch": products(*map(torch.from_numpy, arrays))}

    def step(thunks):
        for f in thunks:
            f()

    times = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, thunks in contenders.items():
            times[name].append(min(timeit.repeat(lambda t=thunks: step(t), number=20, repeat=3)) / 20)
    ratio = statistics.median(a / b for a, b in zip(times["numpy"], times["torch"]))
    numpy_us, torch_us = (statistics.median(times[name]) * 1e6 for name in ("numpy", "torch"))
    print(f"the eight matrix products of one step at batch {batch}: numpy {numpy_us:.0f} us, torch "
          f"{torch_us:.0f} us; numpy / torch = {ratio:.2f} (median of {rounds} rounds)")
    return ratio


if __name__ == "__main__":
    main()
