"""Summing over the batch: numpy's reduction a.sum(axis=0) against the product 1ᵀa.

Batch norm sums over the batch (its mean, variance, dγ and dβ) with
nnlib.normalisation.batch_sum, which writes the sum as a product with a row of ones so that
BLAS computes it. This times both on arrays of shape (batch, 64), one BLAS thread,
alternating in one process, and prints the median over rounds of the reduction's time / the
product's time, after checking that the two agree to rounding.

    python benchmarks/reductions.py
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import pathlib  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a clean checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

from nnlib.normalisation import batch_sum  # noqa: E402

BATCHES = (32, 256, 1797)


def ratio(batch, width=64, rounds=15):
    """(reduction µs, product µs, median of reduction / product) on a (batch, width) array."""
    a = np.random.default_rng(0).standard_normal((batch, width))
    reduction, product = (lambda: a.sum(axis=0)), (lambda: batch_sum(a))
    np.testing.assert_allclose(product(), reduction(), rtol=1e-12, atol=1e-12 * np.abs(a).sum(axis=0).max())
    number = max(1, 20_000 // batch)
    times = {"reduction": [], "product": []}
    for _ in range(rounds):
        for name, f in (("reduction", reduction), ("product", product)):
            times[name].append(min(timeit.repeat(f, number=number, repeat=3)) / number)
    r = statistics.median(a / b for a, b in zip(times["reduction"], times["product"]))
    return (statistics.median(times["reduction"]) * 1e6, statistics.median(times["product"]) * 1e6, r)


def main():
    np.ones(2**21)  # as benchmarks/timing.py's warm_the_allocator: no page faults in the samples
    for batch in BATCHES:
        red, prod, r = ratio(batch)
        print(f"sum over a batch of {batch:4d} rows, 64 columns: a.sum(axis=0) {red:6.1f} us, "
              f"1ᵀa {prod:6.1f} us; reduction / product = {r:.2f}")


if __name__ == "__main__":
    main()
