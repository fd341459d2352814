"""The checks a learner's notebook runs: `check("ex1_1_tests", layer_forward)` in a test cell.

check() asks the judge (a separate process, exercises.judge, started once per kernel) for the
test's cases, runs the learner's functions on them here with exercises.probe, and sends the
raw results back to be judged. A passing check prints nothing and returns None; a failing one
raises CheckFailed, which the notebook shows as its message alone, without a traceback
through library code. Nothing here knows an answer.

While `python -m exercises grade` grades a notebook, the grader judges in its own process and
runs no test cell, so check() refuses to start a judge then.
"""

import atexit
import json
import os
import subprocess
import sys
import tempfile
import textwrap

from . import PACKAGE_DIR, SETUP_NAMES, probe

_RED, _RESET = "\x1b[31m", "\x1b[0m"


class CheckFailed(AssertionError):
    """A check found a wrong answer; its message says what, and when it can tell, why."""

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        lines = [wrapped for line in (str(self).splitlines() or ["the check failed"]) for wrapped in _wrap(line)]
        return [f"{_RED}✗ {lines[0]}{_RESET}"] + lines[1:]


_KEEP = "\x00"  # stands for a space that must not become a line break


def _keep_groups(line, longest=40):
    """line with the spaces inside short bracketed groups, such as shapes (4, 3) and previews
    [0.1, 0.2], kept from breaking; a longer group may still break after its commas."""
    out, start, depth = list(line), None, 0
    for i, ch in enumerate(line):
        if ch in "([":
            depth += 1
            start = i if depth == 1 else start
        elif ch in ")]" and depth:
            depth -= 1
            if depth == 0 and start is not None and i - start <= longest:
                for j in range(start, i):
                    out[j] = _KEEP if out[j] == " " else out[j]
    return "".join(out)


def _wrap(line, width=78):
    """A long line as several, broken between words and never inside a shape or a short list of
    numbers (a notebook would break it anywhere)."""
    indent = line[: len(line) - len(line.lstrip())]
    lines = textwrap.wrap(_keep_groups(line), width, subsequent_indent=indent + "  ", break_long_words=False,
                          break_on_hyphens=False) or [line]
    return [part.replace(_KEEP, " ") for part in lines]


def _name_error(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for a NameError a cell raises: shows the name, and which cell to run first
    (IPython calls it and shows nothing itself)."""
    if etype is not NameError:  # UnboundLocalError and the like: the usual traceback
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    name = getattr(value, "name", None)
    if name in SETUP_NAMES:
        advice = (f"`{name}` comes from the set-up cell at the top of the notebook: run the set-up cell at the "
                  "top first, then the cells from there down to this one.")
    else:
        advice = (f"`{name}` is defined by a cell above this one (an exercise's cell, or the set-up cell): run "
                  "the cells above first, in order, from the set-up cell at the top (Run → Run All Above "
                  "Selected Cell), then this one.")
    lines = [f"{_RED}✗ NameError: {value}{_RESET}", *_wrap(advice)]
    frame_line = probe.learner_line(tb)
    if frame_line:
        lines.append(f"(the line: {frame_line})")
    shell._showtraceback(etype, value, lines)
    return lines


def _explain_name_errors():
    """In a notebook (not while the grader grades it), a NameError says which cell to run first."""
    if os.environ.get("EXERCISES_GRADING"):
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "CustomTB", None) is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((NameError,), _name_error)


_explain_name_errors()


class _Judge:
    """The judge process and the pipe to it."""

    def __init__(self):
        self.errors = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "exercises.judge"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.errors, text=True,
                                     cwd=str(PACKAGE_DIR.parent))

    def alive(self):
        return self.proc.poll() is None

    def ask(self, request):
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            self.errors.seek(0)
            tail = " | ".join(self.errors.read().strip().splitlines()[-3:])
            raise RuntimeError(f"the checks' judge process stopped ({tail or 'no message'})")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise RuntimeError(f"the checks' judge could not answer: {reply.get('message')}")
        return reply

    def close(self):
        if self.alive():
            self.proc.stdin.close()
            self.proc.wait(timeout=5)


_judge = None


def _the_judge():
    global _judge
    if _judge is None or not _judge.alive():
        _judge = _Judge()
        atexit.register(_judge.close)
    return _judge


def check(test, *answers, hidden=False):
    """Check the answers (the learner's functions or values, in the order the test names them)
    against the test `test` (its grade_id). hidden=True draws new random cases every time."""
    if os.environ.get("EXERCISES_GRADING"):
        raise RuntimeError("check() does not run while the grader grades this notebook: the grader checks the "
                           "answers itself")
    try:
        judge = _the_judge()
        reply = judge.ask({"op": "cases", "test": test, "hidden": hidden})
        names = reply["functions"]
        if len(answers) != len(names):
            raise CheckFailed(f"check({test!r}, ...) needs {len(names)} answer(s): {', '.join(names)}")
        reports = probe.run_cases(reply["cases"], dict(zip(names, answers)))
        result = judge.ask({"op": "verdict", "token": reply["token"], "reports": reports})
    except (RuntimeError, OSError, ValueError) as exc:  # the machinery, not the answer: say so, briefly
        raise CheckFailed(f"the check could not run: {exc}") from None
    if not result["passed"]:
        raise CheckFailed(result["message"])
