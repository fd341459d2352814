"""Stage 4 of grading: a notebook's results, and the three forms the command line prints them in:
text, JSON and Gradescope's results.json."""

import csv
import hashlib
import json
import os
import pathlib
import re
import unicodedata
from dataclasses import dataclass

# What a test's result is, for the class report (exercises.report): passed; a wrong answer whose
# mistake is named (diagnosed) or not (undiagnosed); the learner's code raised (error) or is not
# written yet (blank); a rule of the assignment broken (static); the kernel ran out of time
# (timeout) or died (crash) during the check; the notebook could not be graded at all (not graded).
KINDS = ("passed", "diagnosed", "undiagnosed", "error", "blank", "static", "timeout", "crash", "not graded")


@dataclass
class TestResult:
    name: str
    points: float
    max_points: float
    passed: bool
    message: str
    hidden: bool = False  # the failure came from one of the grader's hidden cases
    mistake: str | None = None  # a short name of the likely mistake, when the checks can tell
    kind: str = "passed"  # one of KINDS


def _escape(ch):
    code = ord(ch)
    if ch in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch]
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown(name):
    """A file name (or path) as it may be printed or written: every character that is not printable
    (a newline, a carriage return, an escape sequence, a zero-width or direction-changing character,
    a byte that is not UTF-8) and the backslash are written as escapes, as repr would, so a name can
    neither forge a line of a summary nor hide what it is."""
    text = os.fsdecode(name) if isinstance(name, (bytes, os.PathLike)) else str(name)
    return "".join("\\\\" if ch == "\\" else ch if ch.isprintable() else _escape(ch) for ch in text)


_UNSAFE = {"Cc", "Cs", "Cf", "Zl", "Zp", "Co", "Cn"}


def safe_text(text):
    """A message as it may be printed, written as JSON or shown in a page: its lines and tabs kept,
    every other control character (carriage return, escape sequences), direction-changing or
    invisible formatting character, line separator and half of a surrogate pair (which UTF-8 cannot
    encode: printing it would fail) written as an escape."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch in "\n\t" or unicodedata.category(ch) not in _UNSAFE else _escape(ch) for ch in text)


def _num(x):
    return int(x) if float(x).is_integer() else float(x)


def as_json(tests):
    """{"score", "max_score", "tests": [{"name", "points", "max_points", "passed", "message", "kind",
    "mistake"}]}: the keys COURSE.md promises, and what kind of result each is, with the mistake's
    short name (None when the checks cannot tell), for the class report."""
    return {"score": _num(sum(t.points for t in tests)), "max_score": _num(sum(t.max_points for t in tests)),
            "tests": [{"name": t.name, "points": _num(t.points), "max_points": _num(t.max_points),
                       "passed": t.passed, "message": safe_text(t.message), "kind": t.kind,
                       "mistake": None if t.mistake is None else safe_text(t.mistake)}
                      for t in tests]}


def unreadable(message, max_points=0):
    """The report for a file that could not be graded: zero (of the assignment's points, when it
    is known), with the reason as its one entry."""
    return [TestResult("notebook", 0, max_points, False, message, kind="not graded")]


def lost_kind(message):
    """timeout or crash, from why a kernel was lost (exercises.kernel.KernelLost's message)."""
    return "timeout" if "time" in message else "crash"


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
                            "output": safe_text(t.message), "visibility": "after_published"})
        else:
            entry["output"] = "" if t.passed else safe_text(t.message)
            entries.append(entry)
    return {"score": _num(sum(t.points for t in tests)), "output_format": "text", "stdout_visibility": "hidden",
            "tests": entries}


def print_text(result, out):
    """A JSON-form report as lines: PASS/FAIL, points, and each failure's message indented."""
    for t in result["tests"]:
        mark = "PASS" if t["passed"] else "FAIL"
        print(f"{mark} {t['name']:<28} {t['points']:>4g}/{t['max_points']:g}", file=out)
        if not t["passed"]:
            for line in safe_text(t["message"]).split("\n"):
                print(f"       {line}", file=out)


def print_summary(found, out):
    """One line per notebook of a class ({path: (report, graded)}), then the class's totals."""
    for p, (r, graded) in found.items():
        failed = [t["name"] for t in r["tests"] if not t["passed"]]
        status = "" if graded else "  NOT GRADED: " + shown(first_line(r["tests"][0]["message"]))
        print(f"{r['score']:>5g}/{r['max_score']:<4g} {shown(p)}" + (f"  failed: {', '.join(failed)}"
                                                            if failed and graded else "") + status, file=out)
    print_totals(found, out)


def first_line(message):
    """A message's first line ("" for none)."""
    return (str(message or "").strip().split("\n") or [""])[0]


def print_totals(found, out):
    """The class's totals in one line."""
    total = sum(r["score"] for r, _ in found.values())
    most = sum(r["max_score"] for r, _ in found.values())
    full = sum(1 for r, g in found.values() if g and r["score"] == r["max_score"])
    not_graded = sum(1 for _, g in found.values() if not g)
    print(f"graded {len(found) - not_graded} of {len(found)} notebooks: {total:g}/{most:g} points, "
          f"{full} with full marks", file=out)


class ClassResults:
    """A results directory: one JSON file per notebook, written as it finishes, and results.csv.

    Each JSON file holds the notebook's report (as_json) with "notebook" (its path) and "graded";
    its name comes from the notebook's path as given, made absolute but with no link resolved (a
    submission that is a link to another one, or to any file, is never named after what it points
    to), so the same notebook always lands in the same file, a resumed run finds it, and two paths
    never share a file (the name ends in a digest of the whole path). Files are written whole (to
    a temporary name, then renamed), so an interrupted run leaves no half-written result."""

    CSV = "results.csv"

    def __init__(self, directory):
        self.dir = pathlib.Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(notebook):
        """The notebook's path as the results know it: absolute, no link resolved."""
        return os.path.abspath(os.fspath(notebook))

    def file(self, notebook):
        notebook = self.key(notebook)
        digest = hashlib.sha256(os.fsencode(notebook)).hexdigest()[:16]
        parts = pathlib.PurePath(notebook).parts[-3:]
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", "__".join(parts).removesuffix(".ipynb"))[-80:]
        return self.dir / f"{stem}-{digest}.json"

    def get(self, notebook):
        """(report, graded) stored for the notebook, or None."""
        try:
            data = json.loads(self.file(notebook).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
            return None
        graded = bool(data.pop("graded", False))
        data.pop("notebook", None)
        return data, graded

    def put(self, notebook, report, graded):
        """Store the notebook's report; its "notebook" is its path as shown (results.shown)."""
        data = dict(report, notebook=shown(self.key(notebook)), graded=bool(graded))
        target = self.file(notebook)
        tmp = target.with_suffix(".json.part")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)
        self.write_csv()

    def all(self):
        """[(notebook path, report, graded)] of every result in the directory, by path."""
        rows = []
        for file in sorted(self.dir.glob("*.json")):
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and isinstance(data.get("tests"), list) and "notebook" in data:
                rows.append((data["notebook"], data, bool(data.get("graded"))))
        return sorted(rows, key=lambda row: row[0])

    def write_csv(self):
        """results.csv: one row per notebook, one column per test (its points)."""
        rows = self.all()
        tests = []
        for _, data, _ in rows:
            for t in data["tests"]:
                if t["name"] not in tests:
                    tests.append(t["name"])
        tmp = self.dir / (self.CSV + ".part")
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["notebook", "graded", "score", "max_score", *tests])
            for notebook, data, graded in rows:
                points = {t["name"]: t["points"] for t in data["tests"]}
                writer.writerow([notebook, graded, data.get("score"), data.get("max_score"),
                                 *[points.get(name, "") for name in tests]])
        os.replace(tmp, self.dir / self.CSV)
