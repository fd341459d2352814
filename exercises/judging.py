"""Stage 3 of grading: the verdicts, from the values the kernel sent back and nothing else.

For each test: a test whose code breaks the assignment's rules (exercises.static) gives no points
and says which rule; otherwise its check (exercises.checks) compares the raw results of the
learner's functions on the planned cases with its own reference, in this process. Whatever the
kernel says about itself beyond those values can only make an answer fail.
"""

import re

from .notebooks import exercise_of
from .results import TestResult, lost_kind


def judge_one(observation):
    """The TestResult of one Observation (exercises.kernel)."""
    from .checks.engine import judgement

    test = observation.test
    number, full = exercise_of(test.gid), test.points
    hidden, mistake = False, None
    if test.task is None:
        return TestResult(test.gid, 0, full, False, f"the grader has no check called {test.gid!r}",
                          kind="not graded")
    if test.problems:
        message = (f"Exercise {number}: this test gives no points while your code does what it may not:\n  - "
                   + "\n  - ".join(test.problems))
        kind, mistake = "static", rule_broken(test.problems[0])
    elif observation.reports is None:
        message, kind = observation.lost, lost_kind(observation.lost or "")
    else:
        found = judgement(test.task, test.cases, observation.reports)
        message, hidden, mistake, kind = found.message, found.hidden, found.mistake, found.kind
    if message is None:
        return TestResult(test.gid, full, full, True, "passed")
    if observation.earlier and observation.earlier not in message:
        message += f"\n  Earlier, the cell of Exercise {number} failed: {observation.earlier}"
    if observation.note:
        message += f"\n  Note: {observation.note}."
    return TestResult(test.gid, 0, full, False, message, hidden, mistake, kind)


def rule_broken(problem):
    """A short name for what the static scan found (exercises.static's sentences)."""
    used = re.search(r"uses (\S+?)(?: \(in your helper \w+\))?, the library's own version", problem)
    if used:
        return f"uses {used.group(1)}"
    if " imports " in problem:
        return "imports a module not allowed"
    return "reaches into the machinery"


def judge(observations):
    """The TestResult of every test, in the notebook's order."""
    return [judge_one(o) for o in observations]
