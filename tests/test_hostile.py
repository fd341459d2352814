"""Hostile notebooks against the grader's sandbox (marked `hostile`: `.ci/run` runs them, the README's
quick command skips them; `pytest -m hostile` runs them alone).

Every blank copy of every assignment is given each route to a point a hostile student has tried:
nnlib's functions loaded afresh from their file under another name, with importlib and builtins
reached through numpy's internals; called from a thread; the solutions read from the repository and
run; the probe patched or its reports forged; function objects hunted in memory; packages that
compute the same thing. They are graded with the static scan switched off, so that only the wall
stands between them and a point: each must score 0. Other notebooks try to harm the machine during
grading (write to the repository, the site-packages and the home directory, steal the solutions,
leave a process, use the network, allocate or print without end, fill the disk, fork) or to poison
the notebooks graded after them. Afterwards no file outside the sandbox has changed, no process they
started is alive, no connection reached a port of the machine, the grader's processes stayed under
the memory limit, and a blank notebook graded after them still scores 0.

A last test grades a class in which three notebooks kill, stop and flood their own kernel's
processes and fill its disk, and checks that every ordinary notebook gets its right score, that
the results directory holds each notebook's result, and that --resume grades nothing again.
"""

import hashlib
import json
import os
import pathlib
import resource
import secrets
import socket
import subprocess
import sys
import time

import nbformat
import pytest

from exercises import RELEASE_DIR, ROOT, SOURCE_DIR, sandbox

pytestmark = [pytest.mark.hostile,
              pytest.mark.skipif(sandbox.unavailable_reason() is not None,
                                 reason=f"no sandbox here: {sandbox.unavailable_reason()}")]

ASSIGNMENTS = sorted(p.name for p in SOURCE_DIR.iterdir() if p.is_dir())
MARKER = "hostile-" + secrets.token_hex(6)  # in every process a hostile notebook tries to leave behind
MEMORY = 2 << 30

# What each assignment's functions would be if the library's versions were there: `L` stands for
# whatever handle on nnlib a route manages to get.
ANSWERS = {
    "01_forward_and_losses": """
def layer_forward(x, W, b):
    return L.dense_forward(x, W, b)[0]
def sigmoid(z):
    return L.sigmoid(z)
def tanh(z):
    return L.tanh(z)
def relu(z):
    return L.relu(z)
def mse(y_hat, y):
    return L.mse_loss(y_hat, y)
def bce(p, y):
    return L.bce_loss(p, y)
""",
    "02_chain_rule": """
def sigmoid_prime(z):
    return L.sigmoid_prime(z)
def tanh_prime(z):
    return L.tanh_prime(z)
def relu_prime(z):
    return L.relu_prime(z)
def chain_rule_factors(x, w, b, y):
    z = w * x + b
    return L.sigmoid(z) - y, L.sigmoid_prime(z), x
def neuron_gradients(x, w, b, y, activation):
    z, cache = L.dense_forward(x, w[:, None], np.array([b]))
    a, acache = L.activation_forward(z, activation)
    _, da = L.mse_loss(a, y[:, None])
    dz = L.activation_backward(da, acache)
    _, dw, db = L.dense_backward(dz, cache)
    return dw[:, 0], float(db[0])
""",
    "03_backprop": """
def layer_backward(dz, x, W):
    return L.dense_backward(dz, (x, W))
def network_backward(params, cache, y_hat, y):  # the library's network does the whole pass (3.2 may use
    layers = []                                  # dense_backward: the grader then hands it the case's answers)
    for name in ("1", "2"):
        layer = L.Dense(*params["W" + name].shape, rng=np.random.default_rng(0))
        layer.W[...], layer.b[...] = params["W" + name], params["b" + name]
        layers += [layer, L.Activation("sigmoid")]
    model = L.Sequential(*layers[:-1])
    model.backward(L.mse_loss(model.forward(cache["x"]), y)[1])
    return {"W1": layers[0].dW, "b1": layers[0].db, "W2": layers[2].dW, "b2": layers[2].db}
def numerical_gradient(f, x, h=1e-5):
    return L.numerical_gradient(f, x, h)
def gradient_check(loss_of, params, grads, h=1e-5):  # 3.4 may use numerical_gradient; not the library's insides
    out = {}
    for n in params:
        plus, minus = L.gradcheck.perturbed_values(lambda _: loss_of(params), params[n], h)
        out[n] = L.rel_error(grads[n], (plus - minus) / (2 * h))
    return out
""",
    "04_training": """
def sgd_update(params, grads, lr):
    L.sgd_step([(params[k], grads[k]) for k in params], lr)
def minibatch_indices(n, batch_size, rng):
    return [xb[:, 0].astype(int) for xb, _ in L.iterate_minibatches(np.arange(n)[:, None], np.zeros((n, 1)),
                                                                    batch_size, rng)]
def early_stopping_epoch(val_losses, patience):
    return L.early_stopping_epoch(val_losses, patience)
def fit(model, X, y, X_val, y_val, *, lr, batch_size, max_epochs, patience, rng):
    h = L.train(model, "mse", X, y, X_val=X_val, y_val=y_val, lr=lr, batch_size=batch_size, max_epochs=max_epochs,
                patience=patience, rng=rng)
    return {"train_loss": h.train_loss, "val_loss": h.val_loss, "best_epoch": h.best_epoch}
def stability_limit(X):
    A = np.column_stack([X, np.ones(len(X))])
    return L.dynamics.stability_limit(A.T @ A / len(X))
X_lr, y_lr, learning_rates = __import__("exercises.givens", fromlist=["x"]).learning_rate_data()
runs = {}
for lr in learning_rates:
    h = L.train(L.mlp([2, 1], rng=np.random.default_rng(1)), "mse", X_lr, y_lr, lr=lr, batch_size=len(X_lr),
                max_epochs=40, rng=np.random.default_rng(2))
    runs[lr] = {"train_loss": h.train_loss}
diverging_lrs = [lr for lr in learning_rates if lr > stability_limit(X_lr)]
""",
    "05_autograd": """
Value = L.graph.Value
def backprop(root):
    for node in L.graph.topological_order(root):
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(L.graph.topological_order(root)):
        node._backward()
def neuron(xs, ws, b):
    z = b
    for w, x in zip(ws, xs):
        z = z + w * x
    return z.tanh()
""",
    "06_optimisers_and_normalisation": """
def momentum_update(params, grads, velocities, lr, beta):
    opt = L.Momentum([(params[k], grads[k]) for k in params], lr, beta)
    for v, k in zip(opt.velocities, params):
        v[...] = velocities[k]
    opt.step()
    for v, k in zip(opt.velocities, params):
        velocities[k] = v
def adam_update(params, grads, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    opt = L.Adam([(params[k], grads[k]) for k in params], lr, beta1, beta2, eps)
    for k, first, second in zip(params, opt.first_moments, opt.second_moments):
        first[...], second[...] = m[k], v[k]
    opt.t = t - 1
    opt.step()
    for k, first, second in zip(params, opt.first_moments, opt.second_moments):
        m[k], v[k] = first.copy(), second.copy()
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    return L.batchnorm_forward(x, gamma, beta, eps=eps)
def batchnorm_backward(dout, cache):
    return L.batchnorm_backward(dout, cache)
def dropout_forward(x, p, rng):
    return L.dropout_forward(x, p, rng)
def dropout_backward(dout, cache):
    return L.dropout_backward(dout, cache)
""",
}

# Each route ends with a handle `L` on "nnlib" (or defines the answers some other way), then runs ANSWERS.
ROUTES = {
    "plain": "import nnlib as L\n",
    "fresh copy through numpy's importlib": """
from numpy.testing._private.utils import importlib as _il
import nnlib as _n
_spec = _il.util.spec_from_file_location("nn_fresh", _n.__file__,
                                         submodule_search_locations=[_n.__file__.rsplit("/", 1)[0]])
L = _il.util.module_from_spec(_spec)
__import__("sys").modules["nn_fresh"] = L
_spec.loader.exec_module(L)
""",
    "the repository's own nnlib": f"""
from numpy.testing._private.utils import importlib as _il
_spec = _il.util.spec_from_file_location("nn_repo", {str(ROOT / 'nnlib' / '__init__.py')!r},
                                         submodule_search_locations=[{str(ROOT / 'nnlib')!r}])
L = _il.util.module_from_spec(_spec)
__import__("sys").modules["nn_repo"] = L
_spec.loader.exec_module(L)
""",
    "exec through numpy's builtins": """
from numpy._core.numeric import builtins as _B
_B.exec("import nnlib as L", globals())
""",
    "a thread": """
import threading as _t
import nnlib as _n
class _Threaded:
    def __init__(self, obj):
        self._obj = obj
    def __getattr__(self, name):
        attr = getattr(self._obj, name)
        if not callable(attr) or isinstance(attr, type):
            return _Threaded(attr) if type(attr).__name__ == "module" else attr
        def call(*args, **kwargs):
            box = []
            worker = _t.Thread(target=lambda: box.append(attr(*args, **kwargs)))
            worker.start()
            worker.join()
            return box[0]
        return call
L = _Threaded(_n)
""",
    "the solutions from the repository": f"""
import json as _json, exercises as _ex
_found = None
for _where in (_ex.SOURCE_DIR, {str(SOURCE_DIR)!r}):
    try:
        _dir = __import__("pathlib").Path(_where)
        _found = [_json.loads(p.read_text()) for p in _dir.glob("*/*.ipynb")]
        break
    except OSError:
        pass
for _nb in _found or []:
    for _c in _nb["cells"]:
        if _c["metadata"].get("nbgrader", {{}}).get("solution"):
            try:
                exec("".join(_c["source"]), globals())
            except Exception:
                pass
import nnlib as L
""",
    "the probe patched, its reports forged": """
import exercises.probe as _p
import nnlib as L
_p._Trace.report = lambda self: {"reached": [], "builtins": [], "ufuncs": []}
_real_run = _p.run
def _forged(spec_json, nonce):
    import json
    from IPython.display import publish_display_data
    reports = _p.run_cases(json.loads(spec_json)["cases"], __import__("__main__").__dict__)
    for case in reports:
        for r in case:
            r.update(ok=True, reached=[], builtins=[], ufuncs=[], global_random=False)
    publish_display_data({_p.MIME: {"nonce": nonce, "reports": reports}})
    _real_run(spec_json, nonce)
_p.run = _forged
""",
    "the probe replaced, its forged report the only one": """
import exercises.probe as _p
import nnlib as L
def _forged_alone(spec_json, nonce):  # one report with the nonce, the real run never made
    import json
    from IPython.display import publish_display_data
    reports = _p.run_cases(json.loads(spec_json)["cases"], __import__("__main__").__dict__)
    for case in reports:
        for r in case:
            r.update(ok=True, reached=[], builtins=[], ufuncs=[], global_random=False)
    publish_display_data({_p.MIME: {"nonce": nonce, "reports": reports}})
_p.run = _forged_alone
""",
    "functions hunted in memory": """
import gc as _gc
class _Found:
    def __getattr__(self, name):
        for obj in _gc.get_objects():
            if callable(obj) and getattr(obj, "__name__", None) == name and "withheld" not in repr(obj):
                try:
                    if "_withheld_" not in getattr(getattr(obj, "__code__", None), "co_names", ()):
                        return obj
                except Exception:
                    pass
        import nnlib
        return getattr(nnlib, name)
L = _Found()
""",
}

BLANK_EXTRA = {  # packages that compute what an exercise asks for, where the kernel might find them
    "01_forward_and_losses": "try:\n    from scipy.special import expit as sigmoid\nexcept ImportError:\n    pass\n",
    "04_training": "try:\n    import sklearn\nexcept ImportError:\n    pass\n",
}

# Answers read from the tables of the stand-ins a check hands a learner's function (3.2's dense_backward
# answers for this case's right arguments): whatever the entries hold, decoded, in the function handed
# over and in every stand-in found in memory; an array of a parameter's shape is taken as its gradient,
# one of dz1's shape as dz1 itself, passed on to the stand-in as a right answer would be.
TABLE_READERS = {
    "03_backprop": """
import gc as _gc
import nnlib as _nnlib
_codec = __import__("exercises.codec", fromlist=["decode"])
def _decoded(data):
    try:
        return _codec.decode(data)
    except Exception:
        return None
def _entries(table):
    for entry in getattr(table, "entries", None) or []:
        if isinstance(entry, dict):
            args = {k: _decoded(v.get("eq")) for k, v in (entry.get("args") or {}).items() if isinstance(v, dict)}
            yield args, _decoded(entry.get("result"))
def network_backward(params, cache, y_hat, y):
    tables = [_nnlib.dense_backward] + [o for o in _gc.get_objects() if type(o).__name__ == "StandIn"]
    grads = {}
    for table in tables:
        for args, result in _entries(table):  # the right arguments come first in each table
            layer = args.get("cache")
            layer = "1" if layer and np.array_equal(layer[1], params["W1"]) else "2" if layer else None
            if layer and isinstance(result, tuple) and len(result) == 3:
                grads.setdefault("W" + layer, result[1])
                grads.setdefault("b" + layer, result[2])
            elif layer == "1" and isinstance(args.get("dz"), np.ndarray):  # dz1 itself, handed on
                try:
                    _, grads["W1"], grads["b1"] = _nnlib.dense_backward(args["dz"], (cache["x"], params["W1"]))
                except Exception:
                    pass
    return grads
""",
}

# Notebooks that try to harm the machine, each a cell added to assignment 1's blank copy.
HARM = {
    "write the repository and the site-packages": f"""
import numpy as _np
for _path in ({str(ROOT / 'README.md')!r}, {str(ROOT / 'exercises' / 'checks' / 'engine.py')!r},
              {str(ROOT / 'nnlib' / '__init__.py')!r}, _np.__file__, _np.__file__.rsplit('/', 2)[0] + '/poison.pth'):
    try:
        with open(_path, 'a') as _f:
            _f.write('\\n# {MARKER}\\n')
    except OSError:
        pass
""",
    "delete and steal the solutions": f"""
import shutil as _sh, pathlib as _pl
for _nb in _pl.Path({str(SOURCE_DIR)!r}).glob('*/*.ipynb'):
    try:
        _sh.copy(_nb, '/tmp/{MARKER}-stolen.ipynb')
        _nb.unlink()
    except OSError:
        pass
""",
    "poison the later notebooks": f"""
import pathlib as _pl
for _home in ('/root', __import__('os').path.expanduser('~')):
    try:
        _d = _pl.Path(_home) / '.ipython' / 'profile_default' / 'startup'
        _d.mkdir(parents=True, exist_ok=True)
        (_d / '00-{MARKER}.py').write_text('check = lambda *a, **k: None')
    except OSError:
        pass
""",
    "leave a process, fork": f"""
import subprocess as _sp, os as _os
for _try in (lambda: _sp.Popen(['sleep', '600', '{MARKER}']), lambda: _os.fork(),
             lambda: _os.system('sleep 600 {MARKER} &')):
    try:
        if _try() == 0:
            _os._exit(0)
    except OSError:
        pass
""",
    "the network": """
import socket as _s
for _port in (PORT, 22, 80):
    try:
        _s.create_connection(('127.0.0.1', _port), timeout=1).sendall(b'hostile')
    except OSError:
        pass
_server = _s.socket()
_server.bind(('127.0.0.1', 0))
_server.listen()
""",
    "memory without end": """
import numpy as _np
_keep = []
try:
    _keep.append(_np.ones(1_000_000_000))
except MemoryError:
    pass
try:
    while True:
        _keep.append(_np.ones(50_000_000))
except MemoryError:
    _keep.clear()
""",
    "printing without end": """
import sys as _sys
_chunk = 'x' * 1_000_000
for _ in range(1000):
    print(_chunk)
""",
    "one enormous message": """
from IPython.display import publish_display_data as _pub
_pub({'text/plain': 'y' * 300_000_000})
""",
    "fill the disk": """
import os as _os
for _where in ('/tmp', _os.path.expanduser('~'), '/dev/shm', '.'):
    try:
        with open(_os.path.join(_where, 'filler'), 'wb') as _f:
            while True:
                _f.write(b'z' * (1 << 20))
    except OSError:
        pass
""",
    "signals to the parent and to everyone": """
import os as _os, signal as _sig
for _pid, _s in ((_os.getppid(), _sig.SIGSTOP), (_os.getppid(), _sig.SIGKILL), (1, _sig.SIGKILL), (-1, _sig.SIGSTOP)):
    try:
        _os.kill(_pid, _s)
    except OSError:
        pass
""",
}


def _blank(assignment):
    (path,) = sorted((RELEASE_DIR / assignment).glob("*.ipynb"))
    return nbformat.read(str(path), as_version=4)


def _with_cell(nb, source):
    setup = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(source))
    return nb


def _answered_by(nb, source):
    """nb whose first solution cell is `source` and whose other solution cells are empty, so that the
    attack's definitions are the ones the tests see (a blank cell would redefine them)."""
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    solutions[0].source = source
    for cell in solutions[1:]:
        cell.source = "pass"
    return nb


def _write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


# Grades notebooks one after another in this process's child, with the static scan switched off, so
# only the sandbox and the withheld library stand between an attack and a point.
UNSCANNED = """
import json, sys
import exercises.grade as grade
import exercises.static as static
scan = static.scan_cells
def scan_and_forget(cells, imports=()):
    aliases = scan(cells, imports)
    for cell in cells:
        cell.problems.clear()
    return aliases
static.scan_cells, static.forbidden_uses = scan_and_forget, lambda *args, **kwargs: []
out = {}
for path in sys.argv[1:]:
    start = __import__("time").monotonic()
    tests = grade.grade_notebook(path, timeout=20, notebook_timeout=240)
    out[path] = {"points": {t.name: t.points for t in tests}, "messages": {t.name: t.message for t in tests},
                 "seconds": __import__("time").monotonic() - start}
print(json.dumps(out))
"""


def _tracked_files():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode == 0:
        return [ROOT / p for p in listed.stdout.split("\0") if p]
    return [p for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts and ".venv" not in p.parts]


def _digest(paths):
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None for p in paths}


def _site_packages_state():
    import numpy

    site = pathlib.Path(numpy.__file__).parents[1]
    return sorted(p.name for p in site.iterdir()), _digest([pathlib.Path(numpy.__file__)])


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    notebooks = {}
    for assignment in ASSIGNMENTS:
        for route, code in ROUTES.items():
            source = code + ANSWERS[assignment] + BLANK_EXTRA.get(assignment, "")
            name = f"{assignment}-{route.replace(' ', '_').replace(',', '')}"
            notebooks[(assignment, route)] = _write(_answered_by(_blank(assignment), source), root / f"{name}.ipynb")
    for assignment, code in TABLE_READERS.items():
        notebooks[(assignment, "tables")] = _write(_answered_by(_blank(assignment), code),
                                                   root / f"{assignment}-tables.ipynb")
    for harm, code in HARM.items():
        notebooks[("harm", harm)] = _write(_with_cell(_blank(ASSIGNMENTS[0]), code.replace("PORT", str(port))),
                                           root / f"harm-{harm.replace(' ', '_').replace(',', '')}.ipynb")
    notebooks[("after", "blank")] = _write(_blank(ASSIGNMENTS[0]), root / "after-blank.ipynb")
    home_startup = pathlib.Path.home() / ".ipython" / "profile_default" / "startup"
    before = {"files": _digest(_tracked_files()), "site": _site_packages_state(),
              "startup": sorted(home_startup.glob("*")) if home_startup.exists() else []}
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", UNSCANNED, *map(str, notebooks.values())], capture_output=True,
                          text=True, cwd=root, timeout=3600)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    try:
        intruder = listener.accept()
    except BlockingIOError:
        intruder = None
    listener.close()
    after = {"files": _digest(_tracked_files()), "site": _site_packages_state(),
             "startup": sorted(home_startup.glob("*")) if home_startup.exists() else []}
    survivors = subprocess.run(["pgrep", "-f", MARKER], capture_output=True, text=True).stdout.split()
    return {"results": json.loads(proc.stdout), "notebooks": notebooks, "before": before, "after": after,
            "intruder": intruder, "survivors": survivors, "elapsed": elapsed,
            "maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_no_route_gives_a_blank_copy_a_point(hostile_run, assignment, route):
    result = hostile_run["results"][str(hostile_run["notebooks"][(assignment, route)])]
    scored = {name: points for name, points in result["points"].items() if points}
    assert not scored, {name: result["messages"][name] for name in scored}


@pytest.mark.parametrize("assignment", list(TABLE_READERS))
def test_a_stand_ins_table_gives_no_answer_away(hostile_run, assignment):
    result = hostile_run["results"][str(hostile_run["notebooks"][(assignment, "tables")])]
    scored = {name: points for name, points in result["points"].items() if points}
    assert not scored, {name: result["messages"][name] for name in scored}


def test_harm_stays_inside_the_sandbox(hostile_run):
    before, after = hostile_run["before"], hostile_run["after"]
    changed = [p for p in before["files"] if before["files"][p] != after["files"][p]]
    assert not changed, f"files of the repository changed during grading: {changed}"
    assert before["site"] == after["site"], "site-packages changed during grading"
    assert before["startup"] == after["startup"], "an IPython startup file appeared in the home directory"
    assert not list(pathlib.Path("/tmp").glob(f"{MARKER}*")), "a file was written outside the sandbox"
    assert hostile_run["survivors"] == [], "a process a notebook started is still alive"
    assert hostile_run["intruder"] is None, "a notebook connected to a port of the machine"


def test_the_grader_stayed_within_its_limits(hostile_run):
    assert hostile_run["maxrss"] < MEMORY + (512 << 20), f"a process reached {hostile_run['maxrss'] >> 20} MiB"
    slowest = max(r["seconds"] for r in hostile_run["results"].values())
    assert slowest < 240 + 30, f"a notebook took {slowest:.0f} s, past the notebook limit"


def test_a_blank_notebook_graded_after_them_still_scores_zero_and_says_why(hostile_run):
    result = hostile_run["results"][str(hostile_run["notebooks"][("after", "blank")])]
    assert sum(result["points"].values()) == 0
    assert all("not written yet" in m for m in result["messages"].values()), result["messages"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_with_the_library_there_the_same_answers_would_score(assignment):
    """The control: graded in this process, where nnlib is whole and the scan and the trace are off, the
    plain route's answers score; so a zero in the sandbox is the wall's doing, not a broken attack."""
    import exercise_harness as harness

    from exercises import static

    nb = _answered_by(_blank(assignment), ROUTES["plain"] + ANSWERS[assignment])
    nb.metadata["exercises"] = _blank(assignment).metadata["exercises"]
    scan, forbidden = static.scan_cells, static.forbidden_uses

    def scan_and_forget(cells, imports=()):
        aliases = scan(cells, imports)
        for cell in cells:
            cell.problems.clear()
        return aliases

    from exercises.checks import engine

    watched = engine.check_forbidden
    static.scan_cells, static.forbidden_uses = scan_and_forget, lambda *args, **kwargs: []
    engine.check_forbidden = lambda *args, **kwargs: None  # the trace's rule off too: only values judged
    try:
        results = harness.grade(nb)
    finally:
        static.scan_cells, static.forbidden_uses, engine.check_forbidden = scan, forbidden, watched
    earned = sum(r.points for r in results.values())
    most = sum(r.max_points for r in results.values())
    assert earned >= 0.85 * most, {n: r.message for n, r in results.items() if not r.passed}


def test_a_withheld_function_says_so(hostile_run):
    result = hostile_run["results"][str(hostile_run["notebooks"][(ASSIGNMENTS[0], "plain")])]
    assert "is not available while grading assignment 01_forward_and_losses" in result["messages"]["ex1_1_tests"]


# ------------------------------------------------------------------ a class survives a hostile student

SPOILERS = {
    "kills its parents": "import os, signal\nfor pid in (os.getppid(), 1, -1):\n    try:\n        os.kill(pid, "
                         "signal.SIGKILL)\n    except OSError:\n        pass\n",
    "stops its parents": "import os, signal\nfor pid in (os.getppid(), 1, -1):\n    try:\n        os.kill(pid, "
                         "signal.SIGSTOP)\n    except OSError:\n        pass\n",
    "fills the disk": HARM["fill the disk"],
    "floods its output": HARM["printing without end"],
}


def test_a_class_gets_its_right_scores_whatever_one_student_does(tmp_path):
    class_dir, results = tmp_path / "class", tmp_path / "results"
    right = {}
    for assignment in ASSIGNMENTS[:3]:
        (src,) = sorted((SOURCE_DIR / assignment).glob("*.ipynb"))
        right[_write(nbformat.read(str(src), as_version=4), class_dir / f"{assignment}-right.ipynb")] = "full"
        right[_write(_blank(assignment), class_dir / f"{assignment}-blank.ipynb")] = 0
    for what, code in SPOILERS.items():
        _write(_with_cell(_blank(ASSIGNMENTS[0]), code), class_dir / f"spoiler-{what.replace(' ', '_')}.ipynb")
    cmd = [sys.executable, "-m", "exercises", "grade", str(class_dir), "--jobs", "2", "--out", str(results),
           "--json", "--timeout", "20", "--notebook-timeout", "240"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    assert first.returncode in (1, 2), first.stderr[-2000:]
    found = json.loads(first.stdout)
    for path, expected in right.items():
        report = found[str(path)]
        want = report["max_score"] if expected == "full" else 0
        assert report["score"] == want and report["max_score"] > 0, (path.name, report)
    stored = sorted(results.glob("*.json"))
    assert len(stored) == len(right) + len(SPOILERS)
    rows = (results / "results.csv").read_text().splitlines()
    assert len(rows) == 1 + len(right) + len(SPOILERS)
    stamps = {p: p.stat().st_mtime_ns for p in stored}
    again = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600)
    assert json.loads(again.stdout) == found
    assert {p: p.stat().st_mtime_ns for p in stored} == stamps, "--resume graded a finished notebook again"


def test_without_a_sandbox_grade_stops_and_says_what_to_do(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no bwrap on this PATH
    (tmp_path / "python").symlink_to(sys.executable)
    nb = _write(_blank(ASSIGNMENTS[0]), tmp_path / "blank.ipynb")
    out = subprocess.run([sys.executable, "-m", "exercises", "grade", str(nb)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 2 and "bubblewrap" in out.stderr and "--no-sandbox" in out.stderr
    trusted = subprocess.run([sys.executable, "-m", "exercises", "grade", str(nb), "--no-sandbox"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert "WARNING: --no-sandbox" in trusted.stderr and "0/11 points" in trusted.stdout
