"""Sealed entries of a stand-in's table: answers a graded kernel can use but cannot read.

A stand-in (exercises.probe.StandIn) answers a withheld library function's calls for one case,
from a table the grader computed. A table in plain sight would hand out its answers: the object
sits in the kernel's memory, and a learner's code can read its entries without computing the
arguments that lead to them (3.2's dense_backward stand-in holds dW1 for the right dz1). Sealed,
an entry keeps of each argument only digests of its values rounded to a grid, and its result
encrypted with a key made from the same rounded values: only a caller holding the arguments
(to within the grid's step) finds the entry and can read its result.

The grid: an array is divided by its step, STEP times a power of two at or above its largest
entry (the power, not the entry itself, is stored: a one-entry array would give itself away),
and each quotient is rounded down after adding an offset. Two computations of the same value
differ by rounding, about 1e-16 of it, so they land in different cells only near a cell's edge;
the two grids' edges lie a quarter and three quarters of a step from each other's, so no value
is near an edge of both. With a step of 1e-10 there are about 5e9 cells between the power and
its half for the largest entry alone: too many to try in a cell's time.

Digests and keys are SHA-256 over a random salt of the entry; the result is the codec's JSON of
the value, XORed with a SHAKE-256 stream of the key. Used by the grader (seal) and in the kernel
(open_entry), so it needs only the standard library and numpy.
"""

import base64
import hashlib
import json
import math
import secrets

import numpy as np

STEP = 1e-10
OFFSETS = (0.25, 0.75)
_ndarray = np.ndarray


def _arrays(value):
    """value (an array, a number, or a tuple or list of them) as a list of float64 arrays, or None."""
    parts = value if type(value) in (tuple, list) else [value]
    out = []
    for part in parts:
        try:
            arr = np.array(part, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        if arr.dtype != np.float64 or arr.size > 1_000_000:
            return None
        out.append(arr)
    return out


def _power(arr):
    """The smallest power of two at or above the largest |entry| (1.0 for an empty or all-zero array)."""
    largest = float(np.max(np.abs(arr))) if arr.size else 0.0
    return 2.0 ** math.ceil(math.log2(largest)) if largest > 0 else 1.0


def _cells(arrays, powers, offset):
    """The grid cells of every entry, as bytes (None when a value is not finite)."""
    chunks = []
    for arr, power in zip(arrays, powers):
        if not np.all(np.isfinite(arr)):
            return None
        chunks.append(np.floor(arr / (STEP * power) + offset).astype(np.int64).tobytes())
    return b"|".join(chunks)


def _hash(kind, salt, data):
    return hashlib.sha256(kind + salt + data).hexdigest()


def _stream(key, data):
    """data XORed with as many bytes of SHAKE-256(key): each byte with its own (as whole numbers, at once)."""
    pad = hashlib.shake_256(key.encode()).digest(len(data))
    return (int.from_bytes(data, "big") ^ int.from_bytes(pad, "big")).to_bytes(len(data), "big")


def seal_arg(value, salt):
    """The spec of one argument: its shapes, the powers of its arrays, a digest per grid."""
    arrays = _arrays(value)
    powers = [_power(a) for a in arrays]
    digests = [_hash(b"arg", salt, _cells(arrays, powers, offset)) for offset in OFFSETS]
    return {"shapes": [list(a.shape) for a in arrays], "tuple": type(value) in (tuple, list), "powers": powers,
            "digests": digests}


def seal(args, result_json):
    """An entry whose arguments args {name: value} (arrays or tuples of arrays, finite) lead to the
    result given as JSON text: {"salt", "args": {name: spec}, "results": [sealed text per grid]}."""
    salt = secrets.token_bytes(16)
    specs = {name: seal_arg(value, salt) for name, value in args.items()}
    results = []
    for offset in OFFSETS:
        cells = [_cells(_arrays(args[n]), specs[n]["powers"], offset) for n in sorted(args)]
        key = _hash(b"key", salt, b"#".join(cells))
        results.append(base64.b64encode(_stream(key, result_json.encode())).decode("ascii"))
    return {"salt": salt.hex(), "args": specs, "results": results}


def _fits(spec, value):
    arrays = _arrays(value)
    if arrays is None or (type(value) in (tuple, list)) != spec["tuple"]:
        return None
    if [list(a.shape) for a in arrays] != spec["shapes"]:
        return None
    return arrays


def matching_grids(spec, value, salt):
    """The grids on which value matches the argument's spec (a set of indices, empty for none)."""
    arrays = _fits(spec, value)
    if arrays is None:
        return set()
    found = set()
    for g, offset in enumerate(OFFSETS):
        cells = _cells(arrays, spec["powers"], offset)
        if cells is not None and secrets.compare_digest(_hash(b"arg", salt, cells), spec["digests"][g]):
            found.add(g)
    return found


def open_entry(entry, bound):
    """The result's JSON text when the bound arguments {name: value} match the sealed entry on one
    grid; None when they do not."""
    salt = bytes.fromhex(entry["salt"])
    names = sorted(entry["args"])
    grids = {0, 1}
    for name in names:
        grids &= matching_grids(entry["args"][name], bound.get(name), salt)
    for g in sorted(grids):
        parts = [_cells(_fits(entry["args"][n], bound[n]), entry["args"][n]["powers"], OFFSETS[g]) for n in names]
        key = _hash(b"key", salt, b"#".join(parts))
        text = _stream(key, base64.b64decode(entry["results"][g])).decode("utf-8", "replace")
        try:
            json.loads(text)
        except ValueError:
            continue
        return text
    return None
