"""`python -m exercises report RESULTS/`: what a class got wrong, from what `grade DIR --out RESULTS/` wrote.

For every test: how many notebooks passed it and the mistakes the checks named most often, with
their counts (each failure's "mistake" and "kind" in the results, exercises.results); for every
assignment: the distribution of the scores; and the notebooks that lost points to a timeout or a
crash, or could not be graded at all, so the instructor can look at them. Printed as a table, and
written as RESULTS/report.csv and RESULTS/report.html (one self-contained page: the pictures are
inlined, nothing is fetched).
"""

import collections
import csv
import dataclasses
import math
import os
import pathlib
import statistics
import sys

from .results import ClassResults

TOP = 3  # mistakes shown per test
LOST = ("timeout", "crash")


@dataclasses.dataclass
class TestStats:
    """One test across the class."""

    name: str
    assignment: str
    max_points: float = 0.0
    notebooks: int = 0  # graded notebooks of its assignment that hold it
    passed: int = 0
    kinds: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    mistakes: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    unnamed: collections.Counter = dataclasses.field(default_factory=collections.Counter)  # failures by kind

    @property
    def pass_rate(self):
        return self.passed / self.notebooks if self.notebooks else 0.0

    def top(self, k=TOP):
        return self.mistakes.most_common(k)


@dataclasses.dataclass
class AssignmentStats:
    name: str
    max_score: float = 0.0
    scores: list = dataclasses.field(default_factory=list)

    @property
    def full_marks(self):
        return sum(1 for s in self.scores if s == self.max_score)


@dataclasses.dataclass
class Incident:
    """A notebook that lost points to something other than an answer: a timeout, a crash, or no grading."""

    notebook: str
    test: str
    kind: str
    what: str


@dataclasses.dataclass
class ClassReport:
    directory: str
    notebooks: int
    assignments: dict  # name -> AssignmentStats, in course order
    tests: dict  # name -> TestStats, in course order
    incidents: list


# ------------------------------------------------------------------ reading the results

def _test_assignments():
    """{test name: assignment} for every test whose checks are here."""
    import importlib

    from . import checks

    out = {}
    for assignment in checks.present():
        module = importlib.import_module(f"{checks.__name__}.{checks.ASSIGNMENTS[assignment]}")
        out.update({task.test_id: assignment for task in module.TASKS})
    return out


def _first_line(message):
    return (message or "").strip().splitlines()[0][:160] if (message or "").strip() else ""


def collect(directory):
    """The ClassReport of a results directory."""
    which = _test_assignments()
    order = list(which)
    assignments, tests, incidents = {}, {}, []
    rows = ClassResults(directory).all()
    for notebook, data, graded in rows:
        names = [t.get("name") for t in data["tests"]]
        assignment = next((which[n] for n in names if n in which), None)
        if not graded or assignment is None:
            first = data["tests"][0] if data["tests"] else {}
            incidents.append(Incident(notebook, "", "not graded", _first_line(first.get("message"))))
            continue
        stats = assignments.setdefault(assignment, AssignmentStats(assignment))
        stats.max_score = max(stats.max_score, float(data.get("max_score") or 0))
        stats.scores.append(float(data.get("score") or 0))
        for t in data["tests"]:
            test = tests.setdefault(t["name"], TestStats(t["name"], which.get(t["name"], assignment)))
            test.max_points = max(test.max_points, float(t.get("max_points") or 0))
            test.notebooks += 1
            kind = t.get("kind") or ("passed" if t.get("passed") else "undiagnosed")
            test.kinds[kind] += 1
            if t.get("passed"):
                test.passed += 1
            elif kind in LOST:
                incidents.append(Incident(notebook, t["name"], kind, _first_line(t.get("message"))))
            if not t.get("passed"):
                if t.get("mistake"):
                    test.mistakes[t["mistake"]] += 1
                else:
                    test.unnamed[kind] += 1
    rank = {name: i for i, name in enumerate(order)}
    tests = dict(sorted(tests.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))
    assignments = dict(sorted(assignments.items()))
    incidents.sort(key=lambda i: (i.kind != "not graded", i.notebook, rank.get(i.test, 0)))
    return ClassReport(str(directory), len(rows), assignments, tests, incidents)


def _notebooks(n):
    return f"{n} notebook" + ("" if n == 1 else "s")


def summary(stats):
    """An assignment's score distribution in one sentence."""
    s = stats.scores
    return (f"{_notebooks(len(s))}, scores {min(s):g} to {max(s):g} of {stats.max_score:g} (median "
            f"{statistics.median(s):g}, mean {statistics.fmean(s):.1f}), {stats.full_marks} with full marks")


def distribution(stats, bins=4):
    """The scores counted in a few ranges of whole points, low to high, as (label, count)."""
    top = int(math.ceil(stats.max_score))
    width = max(1, math.ceil((top + 1) / bins))
    out = []
    for low in range(0, top + 1, width):
        high = min(top, low + width - 1)
        count = sum(1 for s in stats.scores if low <= s < high + 1 or (high == top and s >= top))
        out.append((f"{low}–{high}" if high > low else f"{low}", count))
    return out


def _mistakes_text(test, sep=", "):
    return sep.join(f"{label} ×{count}" for label, count in test.top())


UNNAMED = {"undiagnosed": "not named", "error": "raised", "blank": "not written", "static": "broke a rule",
           "timeout": "timed out", "crash": "crashed", "diagnosed": "named"}


def other_failures(test):
    """The failures without a named mistake, counted by kind, in words."""
    return ", ".join(f"{test.unnamed[k]} {UNNAMED[k]}" for k in UNNAMED if test.unnamed[k])


# ------------------------------------------------------------------ the terminal table

def text(report):
    """The report as lines of text."""
    graded = sum(len(a.scores) for a in report.assignments.values())
    lines = [f"Class report: {report.notebooks} notebooks in {report.directory} ({graded} graded)", ""]
    for name, stats in report.assignments.items():
        lines.append(f"{name}: {summary(stats)}")
        lines.append("  scores: " + "   ".join(f"{label}: {n}" for label, n in distribution(stats)))
        lines.append(f"  {'test':<28} {'pts':>4} {'passed':>12}   most frequent mistakes; other failures")
        for test in (t for t in report.tests.values() if t.assignment == name):
            rate = f"{test.passed}/{test.notebooks} {test.pass_rate:>4.0%}"
            other = other_failures(test)
            detail = "; ".join(x for x in (_mistakes_text(test), other) if x)
            lines.append(f"  {test.name:<28} {test.max_points:>4g} {rate:>12}   {detail}".rstrip())
        lines.append("")
    lost = [i for i in report.incidents if i.kind in LOST]
    unread = [i for i in report.incidents if i.kind == "not graded"]
    lines.append(f"Lost points to a timeout or a crash: {_notebooks(len({i.notebook for i in lost}))}"
                 + (" (look at these)" if lost else ""))
    lines += [f"  {i.kind:<8} {i.test:<28} {i.notebook}\n           {i.what}" for i in lost]
    if unread:
        lines.append(f"Could not be graded: {_notebooks(len(unread))}")
        lines += [f"  {i.notebook}: {i.what}" for i in unread]
    return "\n".join(lines)


# ------------------------------------------------------------------ report.csv

CSV_COLUMNS = ("assignment", "test", "max_points", "notebooks", "passed", "pass_rate", "diagnosed", "undiagnosed",
               "error", "blank", "static", "timeout", "crash", "top_mistakes")


def write_csv(report, path):
    """One row per test: its pass rate, its failures by kind, and its most frequent mistakes."""
    tmp = pathlib.Path(str(path) + ".part")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for t in report.tests.values():
            writer.writerow([t.assignment, t.name, f"{t.max_points:g}", t.notebooks, t.passed, f"{t.pass_rate:.3f}",
                             *[t.kinds[k] for k in CSV_COLUMNS[6:13]], _mistakes_text(t, "; ")])
    os.replace(tmp, path)


# ------------------------------------------------------------------ the command

def main(directory, out=None):
    """`python -m exercises report RESULTS/`: prints the report, writes report.csv and report.html."""
    from . import report_html

    out = out or sys.stdout
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        print(f"report: {directory} is not a directory (give the RESULTS directory `grade DIR --out RESULTS` "
              "wrote)", file=sys.stderr)
        return 2
    report = collect(directory)
    if not report.notebooks:
        print(f"report: no results in {directory}: grade a class first, `python -m exercises grade DIR --out "
              f"{directory}`", file=sys.stderr)
        return 2
    write_csv(report, directory / "report.csv")  # the files first: a reader that stops early (| head) keeps them
    report_html.write(report, directory / "report.html")
    print(text(report), file=out)
    print(f"\nwrote {directory / 'report.csv'} and {directory / 'report.html'}", file=out)
    return 0
