"""Read a learner's code without running it: forbidden building blocks, and code that reaches
into the machinery.

Two kinds of finding, both from the cells' syntax trees (the grader reads the cells from the
file; nothing here runs them):

- per cell: a construct no exercise needs and that could tamper with the kernel or look the
  answer up: eval/exec/compile, __import__, getattr with a computed name, globals(), vars(),
  locals(), open(), the interpreter's frames and module table (sys.modules, __dict__,
  __code__, ...), IPython's history and magics, imports of anything but numpy, math and nnlib,
  and assignments that patch a library (np.allclose = ...);
- per test: a name the tested function uses, directly or through helper functions the learner
  defined in any cell, that is one of the test's forbidden building blocks (nnlib's own
  dense_forward in Exercise 1.1, np.tanh in 1.2, ...).
"""

import ast
import re
from dataclasses import dataclass, field

ALLOWED_IMPORTS = ("numpy", "math", "nnlib", "__future__")
CALLS = {
    "eval": "eval(...) runs text as code", "exec": "exec(...) runs text as code",
    "compile": "compile(...) turns text into code", "__import__": "__import__(...) imports by name",
    "globals": "globals() reads the notebook's namespace", "locals": "locals() reads a namespace",
    "vars": "vars(...) reads an object's namespace", "open": "open(...) reads or writes files",
    "breakpoint": "breakpoint() stops the program", "setattr": "setattr(...) sets attributes by name",
    "delattr": "delattr(...) deletes attributes by name", "input": "input() waits for typing",
}
NAMES = {"__builtins__", "__builtin__", "__loader__", "__spec__", "In", "Out", "_ih", "_oh", "_dh",
         "get_ipython", "exit", "quit", "__", "___"}
_HISTORY = re.compile(r"^_i+$|^_i\d+$|^_\d+$")
ATTRIBUTES = {"sys", "os", "modules", "builtins", "importlib", "subprocess", "ctypes", "setprofile", "settrace",
              "_getframe", "f_globals", "f_locals", "f_back", "f_code", "f_builtins", "gi_frame", "gi_code",
              "cr_frame", "tb_frame", "tb_next", "co_code"}
# dunder attributes a Value class or ordinary code uses; every other __x__ attribute is off limits
DUNDERS = {"__init__", "__name__", "__class__", "__repr__", "__str__", "__len__", "__iter__", "__next__",
           "__getitem__", "__eq__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__call__", "__float__",
           "__add__", "__radd__", "__mul__", "__rmul__", "__pow__", "__rpow__", "__neg__", "__sub__", "__rsub__",
           "__truediv__", "__rtruediv__", "__abs__", "__bool__", "__doc__"}


@dataclass
class Cell:
    """A learner's code cell: its text, the exercise it counts towards, and how to name it."""

    source: str
    exercise: str | None  # "1.2"; None for a cell before the first exercise (it counts for all)
    label: str  # "the cell of Exercise 1.2", "a cell you added after Exercise 1.2"
    index: int = -1  # its place in the notebook the grader runs
    tree: ast.AST | None = None
    problems: list = field(default_factory=list)


def _python(source):
    """The cell as Python: IPython's magics and shell escapes become calls of get_ipython()."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython missing or the transform failed: parse the text as it is
        return source


def _dotted(node):
    """'np.random.permutation' for an Attribute chain on a Name; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id] + parts[::-1])
    return None


def _import_problems(node, where):
    names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    out = []
    for name in names:
        if (name.split(".")[0] not in ALLOWED_IMPORTS) or (isinstance(node, ast.ImportFrom) and node.level):
            out.append(f"{where} imports {name or 'from a relative path'}: the exercises allow numpy, math and "
                       "nnlib only")
    if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
        out.append(f"{where} uses `from {node.module} import *`: import the names you use one by one")
    return out


def _node_problems(node, where, modules):
    """Problems with one syntax-tree node. modules: the names bound to imported modules."""
    line = f"{where}, line {getattr(node, 'lineno', '?')}"
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return _import_problems(node, line)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name in CALLS:
            return [f"{line} calls {name}: {CALLS[name]}, which no exercise needs and which is not allowed"]
        if name == "getattr":
            attr = node.args[1] if len(node.args) > 1 else None
            if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
                return [f"{line} calls getattr with a computed name: write the attribute out (obj.name)"]
            if _bad_attribute(attr.value):
                return [f"{line} reads the attribute {attr.value!r}, which reaches into the interpreter"]
    if isinstance(node, ast.Name) and (node.id in NAMES or _HISTORY.match(node.id)):
        return [f"{line} uses {node.id}, which reaches into the notebook's machinery"]
    if isinstance(node, ast.Attribute) and _bad_attribute(node.attr):
        return [f"{line} reads .{node.attr}, which reaches into the interpreter"]
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        for target in targets:
            dotted = _dotted(target) if isinstance(target, ast.Attribute) else None
            if dotted and dotted.split(".")[0] in modules:
                return [f"{line} changes a library (`{dotted} = ...`): code that patches numpy, math or nnlib "
                        "is not allowed"]
    return []


def _bad_attribute(name):
    return name in ATTRIBUTES or (name.startswith("__") and name.endswith("__") and name not in DUNDERS)


def scan_cells(cells, imports=()):
    """Fill each Cell's tree and problems. imports: the read-only cells' sources (their imports
    bind names the learner's cells use). Returns the alias table {name: dotted}."""
    aliases = {}
    for source in imports:
        _bind_imports(_parse(source), aliases)
    for cell in cells:
        cell.tree = _parse(cell.source)
        if cell.tree is None:
            continue  # a syntax error: the kernel will say so when it runs the cell
        _bind_imports(cell.tree, aliases)
    modules = {name for name, dotted in aliases.items() if dotted in ALLOWED_IMPORTS or _is_module(dotted)}
    for cell in cells:
        if cell.tree is not None:
            for node in ast.walk(cell.tree):
                cell.problems += _node_problems(node, cell.label, modules)
    return aliases


# What ast.parse raises on a cell it cannot read: a syntax error; a null byte (ValueError);
# nesting deeper than the parser's stack (MemoryError) or than the recursion limit while it builds
# the tree (RecursionError, e.g. `1+1+...+1` with 20 000 terms); half of a surrogate pair, which
# it cannot encode (UnicodeEncodeError, a ValueError). Each is a cell that cannot be parsed.
UNREADABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def _parse(source):
    """The cell's syntax tree, or None for a cell that cannot be parsed (the kernel says why when it
    runs the cell)."""
    try:
        return ast.parse(source)
    except UNREADABLE:  # IPython's magics and shell escapes are not Python: read them as IPython does
        try:
            return ast.parse(_python(source))
        except UNREADABLE:
            return None


def _bind_imports(tree, aliases):
    if tree is None:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in tree.body:  # module-level `name = np.tanh` makes name an alias too
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            dotted = _dotted(node.value) if isinstance(node.value, (ast.Attribute, ast.Name)) else None
            if dotted and dotted.split(".")[0] in aliases:
                root, _, rest = dotted.partition(".")
                aliases[node.targets[0].id] = aliases[root] + ("." + rest if rest else "")


def _is_module(dotted):
    obj = resolve(dotted, load=False)
    return obj is not None and type(obj).__name__ == "module"


def resolve(dotted, load=True):
    """The object a dotted name of numpy, math or nnlib names, or None (never imports anything else).

    An attribute wins over a submodule of the same name (nnlib.train is the function), and a
    submodule is tried where the attribute has no such name (nnlib.train.patience_exhausted).
    load=False imports nothing that is not imported yet (reading a learner's code must not load
    matplotlib because they import nnlib.plots; nothing forbidden lives in a module not loaded).
    """
    import importlib
    import sys

    def module(name):
        if not load and name not in sys.modules:
            raise ImportError(name)
        return importlib.import_module(name)

    parts = dotted.split(".")
    if parts[0] not in ("numpy", "math", "nnlib"):
        return None
    try:
        obj = module(parts[0])
    except ImportError:
        return None
    for i, part in enumerate(parts[1:], 1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = getattr(module(".".join(parts[:i])), part)
        except (ImportError, AttributeError):
            try:
                obj = module(".".join(parts[: i + 1]))
            except ImportError:
                return None
    return obj


def definitions(cells):
    """{name: [(cell, node)]} of every top-level function and class the learner's cells define."""
    found = {}
    for cell in cells:
        if cell.tree is None:
            continue
        for node in cell.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                found.setdefault(node.name, []).append((cell, node))
    return found


def _references(node, aliases):
    """The dotted names (resolved through the aliases) and the bare names a definition uses."""
    dotted, names = set(), set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            d = _dotted(sub)
            if d:
                root, _, rest = d.partition(".")
                if root in aliases:
                    dotted.add(aliases[root] + "." + rest)
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            names.add(sub.id)
            if sub.id in aliases:
                dotted.add(aliases[sub.id])
    return dotted, names


def forbidden_uses(function_names, cells, aliases, forbidden):
    """[message] for each forbidden building block the named functions (or classes) use, directly
    or through the learner's own helpers, and each problem found inside those helpers."""
    defs = definitions(cells)
    todo, seen, messages = list(function_names), set(), []
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        for _cell, node in defs[name]:
            dotted, names = _references(node, aliases)
            for d in sorted(dotted) if forbidden is not None else ():
                obj = resolve(d, load=False)
                if obj is not None and forbidden.covers(obj):
                    via = "" if name in function_names else f" (in your helper {name})"
                    messages.append(f"your code uses {d.replace('numpy.', 'np.')}{via}, the library's own version "
                                    "of what this exercise asks you to write")
            todo += [n for n in names if n in defs]
    return sorted(set(messages))
