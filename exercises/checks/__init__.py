"""The checks of the six assignments: one module each, over one shared engine.

These modules know the right answers (they call nnlib's own functions as the reference), so
they never load inside a notebook kernel: the notebook's test cells and the grader's probes
only run the learner's functions there and send the results to a separate process, which
imports this package and judges.
"""

import sys


def _in_a_kernel():
    """Whether this process is a running Jupyter kernel (not a tool that merely imported ipykernel)."""
    app = sys.modules.get("ipykernel.kernelapp")
    return app is not None and app.IPKernelApp.initialized()


if _in_a_kernel():
    raise ImportError(
        "exercises.checks holds the reference answers and does not load inside a notebook kernel. "
        "A test cell checks your code with `check(...)` from exercises.student, which asks a separate "
        "judge process; to grade notebooks, run `python -m exercises grade ...` in a terminal "
        "(or `!python -m exercises grade ...` in a cell).")

import importlib  # noqa: E402

ASSIGNMENTS = {
    "01_forward_and_losses": "a1_forward_and_losses",
    "02_chain_rule": "a2_chain_rule",
    "03_backprop": "a3_backprop",
    "04_training": "a4_training",
    "05_autograd": "a5_autograd",
    "06_optimisers_and_normalisation": "a6_optimisers_and_normalisation",
}


def kernel_nnlib(assignment):
    """What a graded kernel of this assignment may use of nnlib (its module's KERNEL_NNLIB): dotted
    names; everything else the functions they need do not reach is withheld (exercises.withhold)."""
    if assignment not in ASSIGNMENTS:
        raise KeyError(f"no assignment {assignment!r}; known: {', '.join(ASSIGNMENTS)}")
    return tuple(importlib.import_module(f"{__name__}.{ASSIGNMENTS[assignment]}").KERNEL_NNLIB)


def present():
    """The assignments whose checks are here (a Gradescope bundle carries one)."""
    import importlib.util

    return [a for a, module in ASSIGNMENTS.items() if importlib.util.find_spec(f"{__name__}.{module}") is not None]


def tasks():
    """{test grade_id: Task} of every assignment whose checks are here."""
    out = {}
    for assignment in present():
        for task in importlib.import_module(f"{__name__}.{ASSIGNMENTS[assignment]}").TASKS:
            out[task.test_id] = task
    return out


def task(test_id):
    """The Task of one test cell (by its grade_id); KeyError names the known ones."""
    known = tasks()
    if test_id not in known:
        raise KeyError(f"no check is called {test_id!r}; known: {', '.join(sorted(known))}")
    return known[test_id]
