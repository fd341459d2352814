"""The class report (`python -m exercises report RESULTS/`) and the progress of `grade DIR --out RESULTS/`.

A synthetic class (tests/synthetic_class.py: right, blank and wrong answers from the probe's list)
is graded in this process for the quick tests, its results written as `grade --out` writes them; a
small class goes through the real command line (sandbox, progress bar, a notebook that hangs); and
the class of 40, graded for real through the sandbox, is marked `classroom` (about a minute).
"""

import base64
import csv
import html.parser
import json
import pathlib
import shutil
import subprocess
import sys

import exercise_harness as harness
import nbformat
import pytest
import synthetic_class

from exercises import report, report_html, results

CHROMIUM = "/usr/bin/chromium"


def grade_in_process(paths, directory):
    """What `grade DIR --out directory` writes, for notebooks graded in this process."""
    store = results.ClassResults(directory)
    for path in paths:
        tests = list(harness.grade(nbformat.read(str(path), as_version=4)).values())
        store.put(path, results.as_json(tests), True)
    return store


@pytest.fixture(scope="module")
def in_process_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    paths = synthetic_class.make_class(root / "notebooks", size=40, seed=3, incidents=False)
    store = grade_in_process(paths, root / "results")
    return root / "results", store


# ------------------------------------------------------------------ what the report counts

def test_every_test_and_mistake_is_counted_from_the_results(in_process_class):
    directory, store = in_process_class
    found = report.collect(directory)
    rows = store.all()
    assert found.notebooks == len(rows) == 40
    for name, test in found.tests.items():
        entries = [t for _, data, _ in rows for t in data["tests"] if t["name"] == name]
        assert test.notebooks == len(entries) and test.passed == sum(t["passed"] for t in entries)
        named = [t["mistake"] for t in entries if not t["passed"] and t["mistake"]]
        assert sum(test.mistakes.values()) == len(named)
        assert test.top() == sorted(test.top(), key=lambda item: -item[1])
        assert sum(test.kinds.values()) == test.notebooks
    for name, stats in found.assignments.items():
        scores = [data["score"] for _, data, _ in rows if data["tests"][0]["name"] in
                  {t.name for t in found.tests.values() if t.assignment == name}]
        assert sorted(stats.scores) == sorted(scores)
        assert sum(n for _, n in report.distribution(stats)) == len(scores)
    # the synthetic class makes mistakes: the report names some, and ranks them by how often they came
    assert sum(sum(t.mistakes.values()) for t in found.tests.values()) > 20
    assert any(t.top() and t.top()[0][1] > 1 for t in found.tests.values())


def test_the_score_distribution_covers_every_point_once():
    stats = report.AssignmentStats("a", 11, [0, 2, 3, 5, 6, 8, 9, 11, 11])
    assert report.distribution(stats) == [("0–2", 2), ("3–5", 2), ("6–8", 2), ("9–11", 3)]
    stats = report.AssignmentStats("b", 2, [0, 1, 2, 2])
    assert report.distribution(stats) == [("0", 1), ("1", 1), ("2", 2)]


def test_the_table_and_the_csv_say_the_same(in_process_class):
    directory, _ = in_process_class
    found = report.collect(directory)
    table = report.text(found)
    report.write_csv(found, directory / "report.csv")
    with open(directory / "report.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["test"] for r in rows] == list(found.tests)
    for row in rows:
        test = found.tests[row["test"]]
        assert int(row["passed"]) == test.passed and int(row["notebooks"]) == test.notebooks
        assert f"{test.passed}/{test.notebooks}" in table
        for label, count in test.top():
            assert f"{label} ×{count}" in row["top_mistakes"] and f"{label} ×{count}" in table
    for name, stats in found.assignments.items():
        assert f"{name}: {report.summary(stats)}" in table


class _Page(html.parser.HTMLParser):
    """What the report page holds: its images, table headers, and every address it would fetch."""

    def __init__(self):
        super().__init__()
        self.images, self.header_cells, self.fetches, self.captions, self.lang = [], [], [], 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "img":
            self.images.append(attrs)
        if tag == "th":
            self.header_cells.append(attrs.get("scope"))
        if tag == "caption":
            self.captions += 1
        for key in ("src", "href"):
            if key in attrs and not attrs[key].startswith("data:"):
                self.fetches.append(attrs[key])


def test_the_html_page_is_self_contained_and_accessible(in_process_class):
    directory, _ = in_process_class
    found = report.collect(directory)
    text = report_html.page(found)
    page = _Page()
    page.feed(text)
    assert page.lang == "en" and not page.fetches and "http" not in text.replace("http-equiv", "")
    assert len(page.images) == 2 * len(found.assignments)  # a histogram and a chart per assignment
    for image in page.images:
        png = base64.b64decode(image["src"].removeprefix("data:image/png;base64,"))
        assert png.startswith(b"\x89PNG") and len(image["alt"]) > 80, image["alt"]
    assert page.captions >= len(found.assignments) and set(page.header_cells) <= {"col", "row"}
    colours = {c for _, _, c, _ in report_html.OUTCOMES}
    assert colours == {"#0072B2", "#E69F00", "#CC79A7", "#999999", "#D55E00"}  # Okabe and Ito's set
    assert len({h for *_, h in report_html.OUTCOMES}) == len(report_html.OUTCOMES)  # each doubled by a hatch


def _contrast(foreground, background="#ffffff"):
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_page_text_meets_wcag_aa_contrast():
    assert _contrast(report_html.INK) >= 7  # body text on white
    assert _contrast(report_html.INK, "#e8eef5") >= 4.5  # header cells
    assert _contrast("#3d3d3d") >= 4.5 and _contrast("#767676") >= 3  # notes; table borders (non-text)


@pytest.mark.skipif(not pathlib.Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_chromium_shows_the_page_without_fetching_anything(in_process_class, tmp_path):
    from playwright.sync_api import sync_playwright

    directory, _ = in_process_class
    assert report.main(directory, out=open(tmp_path / "table.txt", "w", encoding="utf-8")) == 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        fetched = []
        page.on("request", lambda r: fetched.append(r.url))
        page.goto((directory / "report.html").resolve().as_uri())
        widths = page.eval_on_selector_all("img", "images => images.map(i => i.naturalWidth)")
        headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert [u for u in fetched if not u.startswith(("file:", "data:"))] == []
    assert widths and all(w == 800 for w in widths)  # every picture decoded, at its size
    assert headings[:len(report.collect(directory).assignments)] == list(report.collect(directory).assignments)


# ------------------------------------------------------------------ the command line, through the sandbox

def cli(*args):
    return subprocess.run([sys.executable, "-m", "exercises", *map(str, args)], capture_output=True, text=True,
                          timeout=600)


def test_grading_a_class_shows_progress_keeps_json_clean_and_the_report_finds_the_timeout(tmp_path):
    notebooks = tmp_path / "class"
    right = synthetic_class._save(harness.source("02_chain_rule"), notebooks / "ann" / "chain_rule.ipynb")
    wrong = synthetic_class._save(synthetic_class.student("02_chain_rule", __import__("random").Random(1), 2),
                                  notebooks / "ben" / "chain_rule.ipynb")
    hangs = synthetic_class._save(synthetic_class.hanging(), notebooks / "cai" / "forward_and_losses.ipynb")
    shutil.copy(synthetic_class.RELEASE_DIR / "02_chain_rule" / "chain_rule.ipynb", notebooks / "dee.ipynb")
    out = tmp_path / "results"
    graded = cli("grade", notebooks, "--out", out, "--json", "--timeout", 5)
    found = json.loads(graded.stdout)  # stdout holds the JSON alone: the progress bar is on stderr
    assert graded.returncode == 1 and len(found) == 4
    assert "4/4 notebooks" in graded.stderr and "left" in graded.stderr
    for path in (right, wrong, hangs):
        report_ = found[str(path)]
        assert f"{report_['score']:g}/{report_['max_score']:g}  {path}" in graded.stderr
    assert "graded 4 of 4 notebooks" in graded.stderr
    shown = cli("report", out)
    assert shown.returncode == 0, shown.stderr
    lost = shown.stdout.split("Lost points to a timeout or a crash:")[1]
    assert f"timeout  ex1_2_sigmoid_tests          {hangs}" in lost  # (a loaded machine may stop more cells)
    assert (out / "report.csv").exists() and (out / "report.html").exists()
    again = cli("grade", notebooks, "--out", out, "--resume", "--quiet")  # nothing left to grade, no bar
    assert "notebooks |" not in again.stderr and "graded 4 of 4" in again.stdout


def test_a_report_piped_into_a_reader_that_stops_early_ends_without_a_traceback(in_process_class):
    # `python -m exercises report RESULTS | head`: the reader closes the pipe after a few lines
    results, _ = in_process_class
    proc = subprocess.Popen([sys.executable, "-m", "exercises", "report", str(results)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert (results / "report.html").exists()


def test_report_says_what_it_needs_when_there_is_nothing_to_report(tmp_path):
    assert cli("report", tmp_path / "nowhere").returncode == 2
    empty = cli("report", tmp_path)
    assert empty.returncode == 2 and "grade a class first" in empty.stderr


@pytest.mark.classroom
def test_a_class_of_40_graded_through_the_sandbox_and_reported(tmp_path):
    paths = synthetic_class.make_class(tmp_path / "class", size=40, seed=0)
    out = tmp_path / "results"
    graded = cli("grade", tmp_path / "class", "--out", out, "--timeout", 10)
    assert graded.returncode == 1 and "graded 40 of 40 notebooks" in graded.stdout, graded.stderr[-2000:]
    shown = cli("report", out)
    assert shown.returncode == 0, shown.stderr
    found = report.collect(out)
    assert found.notebooks == len(paths) == 40
    lost = {(pathlib.Path(i.notebook).parent.name, i.kind) for i in found.incidents}
    assert {("student_hangs", "timeout"), ("student_crashes", "crash")} <= lost
    assert all(kind == "timeout" for _, kind in lost - {("student_crashes", "crash")}), lost  # a loaded machine
    for name, _ in lost:
        assert f"{name}/" in shown.stdout  # every notebook that lost points this way is listed for the instructor
    assert sum(sum(t.mistakes.values()) for t in found.tests.values()) > 20
    page = (out / "report.html").read_text(encoding="utf-8")
    # two pictures per assignment graded (a histogram of scores and a chart of each test's outcomes)
    assert page.count("<img ") == 2 * len(synthetic_class.ASSIGNMENTS) == 2 * len(found.assignments)
    assert "student_crashes" in page


def test_a_class_with_links_and_odd_names_grades_each_file_as_itself_and_shows_names_safely(tmp_path):
    # the red team's classes: links to the instructor's solution, to another student's notebook, to a
    # directory and to a file of the machine; a name with newlines that forged a line of the summary
    notebooks = tmp_path / "class"
    blank = synthetic_class.RELEASE_DIR / "01_forward_and_losses" / "forward_and_losses.ipynb"
    (notebooks / "bob").mkdir(parents=True)
    shutil.copy(blank, notebooks / "bob" / "forward.ipynb")
    secret = tmp_path / "secret.ipynb"
    secret.write_text("root:x:0:0:SECRET-LINE\n", encoding="utf-8")
    for who, target in (("alice", harness.SOURCES["01_forward_and_losses"]), ("carol", "../bob/forward.ipynb"),
                        ("mallory", secret)):
        (notebooks / who).mkdir()
        (notebooks / who / "forward.ipynb").symlink_to(target)
    (notebooks / "dave").symlink_to(notebooks / "bob")
    (notebooks / "eve").mkdir()
    forged = notebooks / "eve" / "e.ipynb\n   11∕11   frank.ipynb\n\u200b.ipynb"
    shutil.copy(blank, forged)
    out = tmp_path / "results"
    graded = cli("grade", notebooks, "--out", out, "--timeout", 10, "--quiet")
    lines = graded.stdout.splitlines()
    assert graded.returncode == 2 and len(lines) == 7, graded.stdout + graded.stderr[-2000:]
    assert "SECRET" not in graded.stdout + graded.stderr and str(secret) not in graded.stdout
    for who in ("alice", "carol", "mallory"):
        (line,) = [x for x in lines if f"/{who}/forward.ipynb" in x]
        assert line.startswith("    0/0 ") and "is a symbolic link, so it was not graded" in line
    assert any(x.startswith("    0/0 ") and x.split()[1].endswith("/dave") for x in lines)
    assert any(x.startswith("    0/11") and x.split()[1].endswith("bob/forward.ipynb") for x in lines)
    assert any(x.startswith("    0/11") and "e.ipynb\\n   11∕11   frank.ipynb\\n\\u200b.ipynb" in x for x in lines)
    assert len(list(out.glob("*.json"))) == 6  # one file per path, links included, none shared
    with open(out / "results.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 7 and {r[0].split("/class/")[1] for r in rows[1:]} == {
        "alice/forward.ipynb", "bob/forward.ipynb", "carol/forward.ipynb", "dave", "mallory/forward.ipynb",
        "eve/e.ipynb\\n   11∕11   frank.ipynb\\n\\u200b.ipynb"}
    shown = cli("report", out)
    assert shown.returncode == 0 and "SECRET" not in shown.stdout and "Could not be graded: 4 notebooks" in shown.stdout
    assert "\u200b" not in (out / "report.html").read_text(encoding="utf-8")
    single = cli("grade", notebooks / "alice" / "forward.ipynb")  # a link typed by the instructor is followed
    assert single.returncode == 0 and f"{notebooks / 'alice' / 'forward.ipynb'}: 11/11 points" in single.stdout
