"""A grading report in the three forms the command line prints: text, JSON, Gradescope's results.json."""

from dataclasses import dataclass


@dataclass
class TestResult:
    name: str
    points: float
    max_points: float
    passed: bool
    message: str
    hidden: bool = False  # the failure came from one of the grader's hidden cases


def _num(x):
    return int(x) if float(x).is_integer() else float(x)


def as_json(tests):
    """{"score", "max_score", "tests": [{"name", "points", "max_points", "passed", "message"}]}."""
    return {"score": _num(sum(t.points for t in tests)), "max_score": _num(sum(t.max_points for t in tests)),
            "tests": [{"name": t.name, "points": _num(t.points), "max_points": _num(t.max_points),
                       "passed": t.passed, "message": t.message} for t in tests]}


def unreadable(message):
    """The report for a file that could not be graded: zero, with the reason as its one entry."""
    return [TestResult("notebook", 0, 0, False, message)]


HIDDEN_NOTE = ("Your answer passed the cases the notebook shows but not the grader's hidden ones; what went "
               "wrong is shown once grades are published.")


def as_gradescope(tests):
    """Gradescope's results.json: every test visible with its score; a failure on a hidden case
    keeps its details in a second entry (no points) that students see only after publication."""
    entries = []
    for t in tests:
        entry = {"name": t.name, "score": _num(t.points), "max_score": _num(t.max_points),
                 "status": "passed" if t.passed else "failed", "visibility": "visible"}
        if t.hidden and not t.passed:
            entry["output"] = HIDDEN_NOTE
            entries.append(entry)
            entries.append({"name": f"{t.name} (hidden cases)", "score": 0, "max_score": 0, "status": "failed",
                            "output": t.message, "visibility": "after_published"})
        else:
            entry["output"] = "" if t.passed else t.message
            entries.append(entry)
    return {"score": _num(sum(t.points for t in tests)), "output_format": "text", "stdout_visibility": "hidden",
            "tests": entries}


def print_text(result, out):
    """A JSON-form report as lines: PASS/FAIL, points, and each failure's message indented."""
    for t in result["tests"]:
        mark = "PASS" if t["passed"] else "FAIL"
        print(f"{mark} {t['name']:<28} {t['points']:>4g}/{t['max_points']:g}", file=out)
        if not t["passed"]:
            for line in t["message"].splitlines():
                print(f"       {line}", file=out)
