"""The nnlib a graded kernel imports: the library with every answer of the assignment taken out.

Each assignment's checks module names, in ``KERNEL_NNLIB``, what its notebook may use from nnlib while
it is graded (``"nnlib.dense_forward"``, ``"nnlib.plots.plot_loss_curves"``, ...). Everything those
names reach inside nnlib, through the functions they call and the classes they use, is kept as it
is; every other function and class of every nnlib module is replaced by a stub of the same name
that raises :class:`NotAvailableWhileGrading` ("... is not available while grading assignment
04_training: write it yourself"). The copy is written as source files into a directory the
sandbox puts first on the kernel's path; the real nnlib is not in the sandbox at all. So no
import trick, fresh copy from disk or thread finds the library's version of an answer: it is not
there.

What is kept is found by reading the source (its syntax trees), not by running it: a name in a
kept function that refers to a module-level function, class or value of nnlib keeps that one too.
Module-level values (``ACTIVATIONS``, ``LOSSES``) are always kept; they hold the stubs of what they
refer to when those are withheld.

The same directory holds the few modules of ``exercises`` a learner's notebook imports
(``exercises.KERNEL_SAFE``): the test cells' ``check``, the probe and what it needs, and the
assignments' given code. Nothing else of ``exercises`` (no checks, no source notebooks) is copied.
"""

import ast
import pathlib
import shutil

import nnlib

NNLIB_DIR = pathlib.Path(nnlib.__file__).resolve().parent
EXERCISES_DIR = pathlib.Path(__file__).resolve().parent
_STUB_HELPER = "_withheld_"


class _Module:
    """One nnlib module's top level: what it defines, what it imports from nnlib, its syntax tree."""

    def __init__(self, name, path):
        self.name, self.path = name, path
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.defs, self.values, self.imports = {}, {}, {}
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defs[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for leaf in ast.walk(target):
                        if isinstance(leaf, ast.Name):
                            self.values[leaf.id] = node
            elif isinstance(node, ast.ImportFrom) and node.level:
                base = self._package(node.level)
                for alias in node.names:
                    if node.module:
                        self.imports[alias.asname or alias.name] = (f"{base}.{node.module}", alias.name)
                    else:  # from . import graph
                        self.imports[alias.asname or alias.name] = (f"{base}.{alias.name}", None)

    def _package(self, level):
        parts = self.name.split(".")
        if self.path.name != "__init__.py":
            parts = parts[:-1]
        return ".".join(parts[: len(parts) - (level - 1)])


def _modules():
    """Every module of the nnlib package: {dotted name: _Module}."""
    out = {}
    for path in sorted(NNLIB_DIR.rglob("*.py")):
        rel = path.relative_to(NNLIB_DIR).with_suffix("")
        parts = ["nnlib", *rel.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = _Module(".".join(parts), path)
    return out


class _Closure:
    """The symbols (module, name) that the allowed names reach."""

    def __init__(self, modules):
        self.modules, self.kept = modules, set()

    def resolve(self, module, name):
        """The (module, name) a name in module stands for, following imports; None outside nnlib."""
        seen = set()
        while (module, name) not in seen:
            seen.add((module, name))
            mod = self.modules.get(module)
            if mod is None:
                return None
            if name in mod.defs or name in mod.values:
                return module, name
            if name in mod.imports:
                target, attr = mod.imports[name]
                if attr is None:
                    return (target, None) if target in self.modules else None
                module, name = target, attr
                continue
            if f"{module}.{name}" in self.modules:  # a submodule reached as an attribute
                return f"{module}.{name}", None
            return None
        return None

    def add(self, dotted):
        module, _, name = dotted.rpartition(".")
        symbol = self.resolve(module, name)
        if symbol is None or symbol[1] is None:
            raise ValueError(f"KERNEL_NNLIB names {dotted!r}, which is no function, class or value of nnlib")
        self._visit(*symbol)

    def _visit(self, module, name):
        todo = [(module, name)]
        while todo:
            symbol = todo.pop()
            if symbol in self.kept:
                continue
            self.kept.add(symbol)
            mod = self.modules[symbol[0]]
            node = mod.defs.get(symbol[1]) or mod.values.get(symbol[1])
            todo.extend(self._references(mod, node))

    def _references(self, mod, node):
        for leaf in ast.walk(node):
            if isinstance(leaf, ast.Attribute):
                chain = []
                inner = leaf
                while isinstance(inner, ast.Attribute):
                    chain.append(inner.attr)
                    inner = inner.value
                if isinstance(inner, ast.Name):
                    target = self.resolve(mod.name, inner.id)
                    for attr in reversed(chain):
                        if target is None or target[1] is not None:
                            break
                        target = self.resolve(target[0], attr)
                    if target is not None and target[1] is not None:
                        yield target
            elif isinstance(leaf, ast.Name):
                target = self.resolve(mod.name, leaf.id)
                if target is not None and target[1] is not None:
                    yield target


def _public_names(modules):
    """{(module, name): the name a learner writes}: nnlib.dense_backward rather than nnlib.layers.dense_backward."""
    closure = _Closure(modules)
    names = {}
    for module in sorted(modules, key=lambda m: m.count(".")):
        mod = modules[module]
        for name in list(mod.defs) + list(mod.imports):
            target = closure.resolve(module, name)
            if target is not None and target[1] is not None:
                names.setdefault(target, f"{module}.{name}")
    return names


def _stub_function(name, shown):
    body = f"def {name}(*args, **kwargs):\n    raise {_STUB_HELPER}({shown!r})\n"
    return ast.parse(body).body[0]


def _stub_class(node, shown):
    methods = [n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    lines = [f"class {node.name}:", f"    __doc__ = {f'{shown} (withheld while grading)'!r}"]
    for m in methods or ["__init__"]:
        label = shown if m == "__init__" else f"{shown}.{m}"
        lines.append(f"    def {m}(self, *args, **kwargs):\n        raise {_STUB_HELPER}({label!r})")
    return ast.parse("\n".join(lines)).body[0]


def _rewrite(mod, kept, shown):
    """The module's source with every top-level function and class outside `kept` replaced by a stub."""
    keeps_any = any(name in kept for name in mod.defs)
    used = {leaf.id for node in mod.tree.body if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                       ast.ClassDef))
            for leaf in ast.walk(node) if isinstance(leaf, ast.Name)}
    body = []
    for node in mod.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in kept:
                body.append(node)
                continue
            label = shown.get((mod.name, node.name), f"{mod.name}.{node.name}")
            stub = _stub_class(node, label) if isinstance(node, ast.ClassDef) else _stub_function(node.name, label)
            body.append(stub)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            binds = {(a.asname or a.name).split(".")[0] for a in node.names}
            relative = isinstance(node, ast.ImportFrom) and node.level
            if keeps_any or relative or binds & used:  # with no function kept, only what the values use
                body.append(node)
        elif keeps_any or isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)):
            body.append(node)
    helper = ast.parse(f"from nnlib._grading import withheld as {_STUB_HELPER}").body
    body = [n for n in body if not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
    future = [n for n in mod.tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    doc = body[:1] if body and _is_docstring(body[0]) else []
    tree = ast.Module(body=doc + future + helper + body[len(doc):], type_ignores=[])
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _is_docstring(node):
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


_GRADING_MODULE = '''"""Only in the copy of nnlib a graded kernel sees: what a withheld function raises."""

ASSIGNMENT = {assignment!r}


class NotAvailableWhileGrading(RuntimeError):
    """The grader took this function out of nnlib while it grades the assignment that asks for it."""


def withheld(name):
    return NotAvailableWhileGrading(
        f"{{name}} is not available while grading assignment {{ASSIGNMENT}}: write it yourself "
        "(the grader takes the library's versions of what this assignment asks for out of nnlib)")
'''


def _closure(modules, allowed):
    """The closure of the allowed names, plus what nnlib's modules call when they are imported."""
    closure = _Closure(modules)
    for dotted in allowed:
        closure.add(dotted)
    for mod in modules.values():
        import_time = [n for n in mod.tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                       ast.ClassDef, ast.Import, ast.ImportFrom))]
        for node in import_time:
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                for target in closure._references(mod, call.func):
                    closure._visit(*target)
    return closure


def kept_symbols(allowed):
    """The set of (module, name) of nnlib that the allowed dotted names reach."""
    return _closure(_modules(), allowed).kept


def build(dest, assignment, allowed, safe_modules):
    """Write the kernel's nnlib (everything but what `allowed` reaches withheld) and the learner-safe
    modules of exercises into dest; returns dest (a pathlib.Path).

    assignment: its name, for the stubs' message; allowed: dotted names (KERNEL_NNLIB);
    safe_modules: the dotted names of the exercises modules a kernel may import (KERNEL_SAFE)."""
    dest = pathlib.Path(dest)
    modules = _modules()
    closure = _closure(modules, allowed)
    shown = _public_names(modules)
    for name, mod in modules.items():
        kept = {n for m, n in closure.kept if m == name}
        target = dest / mod.path.relative_to(NNLIB_DIR.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_rewrite(mod, kept, shown), encoding="utf-8")
    (dest / "nnlib" / "_grading.py").write_text(_GRADING_MODULE.format(assignment=assignment), encoding="utf-8")
    for dotted in sorted(safe_modules):
        parts = dotted.split(".")
        source = EXERCISES_DIR.joinpath(*parts[1:]) / "__init__.py" if len(parts) == 1 else \
            EXERCISES_DIR.joinpath(*parts[1:]).with_suffix(".py")
        if len(parts) == 1:
            source = EXERCISES_DIR / "__init__.py"
        target = dest / "exercises" / source.relative_to(EXERCISES_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return dest
