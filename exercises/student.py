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

from . import PACKAGE_DIR, probe

_RED, _RESET = "\x1b[31m", "\x1b[0m"


class CheckFailed(AssertionError):
    """A check found a wrong answer; its message says what, and when it can tell, why."""

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        lines = [wrapped for line in (str(self).splitlines() or ["the check failed"]) for wrapped in _wrap(line)]
        return [f"{_RED}✗ {lines[0]}{_RESET}"] + lines[1:]


def _wrap(line, width=78):
    """A long line as several, broken between words (a notebook breaks it inside them)."""
    indent = line[: len(line) - len(line.lstrip())]
    return textwrap.wrap(line, width, subsequent_indent=indent + "  ", break_long_words=False,
                         break_on_hyphens=False) or [line]


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
