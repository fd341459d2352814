"""Values as JSON, for the way between a learner's kernel and the grader. Never pickle.

Unpickling bytes made in a learner's kernel would run whatever code they name, in the
grader. This codec only ever builds plain data on the way back:

- None, bool, int, str as themselves; a float as itself, or {"$float": "nan" | "inf" | "-inf"};
- list as a JSON list; tuple as {"$tuple": [...]}; dict as {"$dict": [[key, value], ...]}
  (keys need not be strings: a dict from learning rate to result is common here);
- a numpy array of booleans or numbers as {"$array": base64 of its raw bytes, "dtype", "shape"},
  a numpy scalar as {"$scalar": ..., "dtype"};
- anything else as {"$opaque": type name, "repr": a short repr}, with "attrs" holding the
  named attributes when the caller asks for them (a History's train_loss, say).

Only exact types count: a subclass of list, dict or ndarray is opaque, since its methods
are code the learner wrote. decode() checks every field and raises CodecError on anything
else.
"""

import base64
import math

import numpy as np

MAX_ITEMS = 100_000  # entries of one array or list; the exercises' cases are far smaller
MAX_DEPTH = 12
_KINDS = "biuf"  # bool, signed and unsigned integers, floats
_ndarray, _generic = np.ndarray, np.generic  # kept here: a kernel may rebind numpy's names later


class CodecError(ValueError):
    """Data that is not what encode() makes."""


class Opaque:
    """What came back for an object the codec does not carry: its type's name, a short repr, and
    the attributes asked for (a dict, or None)."""

    def __init__(self, type_name, text, attrs=None):
        self.type_name, self.text, self.attrs = type_name, text, attrs

    def __repr__(self):
        return f"<{self.type_name}: {self.text}>"


def _short_repr(value):
    try:
        text = repr(value)
    except Exception as exc:  # a repr that raises is the learner's; say so instead
        text = f"(repr raised {type(exc).__name__})"
    return text if len(text) <= 80 else text[:77] + "..."


def encode(value, attrs=(), _depth=0):
    """value as JSON-ready data (see the module docstring). attrs: attribute names to carry
    for opaque objects."""
    if _depth > MAX_DEPTH:
        return {"$opaque": type(value).__name__, "repr": "(nested too deeply)"}
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind in (list, tuple) and len(value) <= MAX_ITEMS:
        items = [encode(v, attrs, _depth + 1) for v in value]
        return items if kind is list else {"$tuple": items}
    if kind is dict and len(value) <= MAX_ITEMS:
        return {"$dict": [[encode(k, attrs, _depth + 1), encode(v, attrs, _depth + 1)] for k, v in value.items()]}
    if kind is _ndarray and value.dtype.kind in _KINDS and value.size <= MAX_ITEMS:
        data = base64.b64encode(_ndarray.tobytes(value)).decode("ascii")
        return {"$array": data, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, _generic) and type(value).__module__ == "numpy" and value.dtype.kind in _KINDS:
        return {"$scalar": base64.b64encode(_generic.tobytes(value)).decode("ascii"), "dtype": value.dtype.str}
    out = {"$opaque": kind.__name__, "repr": _short_repr(value)}
    if attrs:
        found = {}
        for name in attrs:
            try:
                found[name] = encode(getattr(value, name), (), _depth + 1)
            except Exception:  # missing, or a property that raises: leave it out
                continue
        out["attrs"] = found
    return out


def _dtype(text):
    try:
        dtype = np.dtype(str(text))
    except TypeError:
        raise CodecError(f"not a dtype: {text!r}") from None
    if dtype.kind not in _KINDS or dtype.itemsize > 16:
        raise CodecError(f"dtype {dtype} is not carried")
    return dtype


def _raw(text):
    try:
        return base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        raise CodecError("bad base64 data") from None


def _array(data):
    dtype = _dtype(data.get("dtype"))
    shape = data.get("shape")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise CodecError(f"bad shape {shape!r}")
    raw = _raw(data.get("$array"))
    if len(raw) != math.prod(shape) * dtype.itemsize or math.prod(shape) > MAX_ITEMS:
        raise CodecError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(data, _depth=0):
    """The value encode() described; raises CodecError for anything else."""
    if _depth > MAX_DEPTH + 1:
        raise CodecError("nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, _depth + 1) for v in data]
    if type(data) is not dict:
        raise CodecError(f"unexpected {type(data).__name__}")
    if "$float" in data:
        if data["$float"] not in ("nan", "inf", "-inf"):
            raise CodecError(f"bad float {data['$float']!r}")
        return float(data["$float"])
    if "$tuple" in data and type(data["$tuple"]) is list:
        return tuple(decode(v, _depth + 1) for v in data["$tuple"])
    if "$dict" in data and type(data["$dict"]) is list:
        pairs = [(decode(k, _depth + 1), decode(v, _depth + 1)) for k, v in
                 (p if type(p) is list and len(p) == 2 else (None, None) for p in data["$dict"])]
        try:
            return dict(pairs)
        except TypeError:  # a key that cannot be hashed (a list): keep the pairs
            raise CodecError("a dict key that is not hashable") from None
    if "$array" in data:
        return _array(data)
    if "$scalar" in data:
        raw = _raw(data["$scalar"])
        dtype = _dtype(data.get("dtype"))
        if len(raw) != dtype.itemsize:
            raise CodecError("scalar data does not match its dtype")
        return np.frombuffer(raw, dtype=dtype)[0]
    if "$opaque" in data:
        attrs = data.get("attrs")
        attrs = None if attrs is None else {str(k): decode(v, _depth + 1) for k, v in dict(attrs).items()}
        return Opaque(str(data["$opaque"])[:80], str(data.get("repr", ""))[:200], attrs)
    raise CodecError(f"unknown data {sorted(data)[:3]}")
