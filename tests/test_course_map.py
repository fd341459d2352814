"""The map of the course in notebook 00 agrees with the notebooks and the assignments themselves.

00 shows every notebook with what it needs, and every assignment with the notebooks to do first.
Each notebook says what it needs in its own "**Prerequisites:**" line and each assignment in its
"Course notebook(s):" line; a map that disagrees with them sends a learner the wrong way (00 once
put the playground, 10, after 07 while 10 needs 08).
"""

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = {p.stem[:2]: p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
ASSIGNMENTS = {p.name: p for p in (ROOT / "exercises" / "source").iterdir() if p.is_dir() and p.name[:2].isdigit()}
NAMED_NOTEBOOK = re.compile(r"`(\d\d)_[a-z_]+`")

pytestmark = pytest.mark.nb00


def markdown(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def table(header):
    """The rows of the Markdown table in 00 whose header row starts with ``header``, as lists of cells."""
    for text in markdown(NOTEBOOKS["00"]):
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.startswith(header):
                rows = []
                for row in lines[i + 2:]:
                    if not row.startswith("|"):
                        break
                    rows.append([cell.strip() for cell in row.strip().strip("|").split("|")])
                return rows
    raise AssertionError(f"00_welcome has no table starting {header!r}")


def numbers(text):
    """The two-digit notebook numbers in a cell of the table: "05, 07" or "12, 13 and 14"."""
    return set(re.findall(r"\b\d\d\b", text))


def course_map():
    """[(number, needs)] in the order of 00's map."""
    return [(re.fullmatch(r"`(\d\d)_[a-z_]+`", name).group(1), numbers(needs))
            for name, _, needs in table("| notebook | what it derives | needs |")]


def test_the_map_lists_every_notebook_in_order_each_after_what_it_needs():
    order = [number for number, _ in course_map()]
    assert set(NOTEBOOKS) <= set(order), f"notebooks missing from 00's map: {sorted(set(NOTEBOOKS) - set(order))}"
    assert order == sorted(order) and len(set(order)) == len(order), order
    assert set(order) >= {f"{n:02d}" for n in range(15)}, "the map lists the course of COURSE.md, 00 to 14"
    seen = set()
    for number, needs in course_map():
        assert needs <= seen, f"{number} comes before what it needs: {sorted(needs - seen)}"
        seen.add(number)


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_the_map_says_what_each_notebook_says_it_needs(number):
    needs = dict(course_map())[number]
    lines = [line for text in markdown(NOTEBOOKS[number]) for line in text.splitlines()
             if line.startswith("**Prerequisites:**")]
    if number == "00":
        assert not needs
        return
    assert len(lines) == 1, f"{NOTEBOOKS[number].name} has {len(lines)} '**Prerequisites:**' lines, not one"
    # a prerequisite line may go on to the next line of the same paragraph
    paragraph = next(text for text in markdown(NOTEBOOKS[number]) if lines[0] in text)
    stated = paragraph[paragraph.index(lines[0]):].split("\n\n")[0]
    assert set(NAMED_NOTEBOOK.findall(stated)) == needs, (
        f"{NOTEBOOKS[number].name} needs {sorted(set(NAMED_NOTEBOOK.findall(stated)))} by its own first cell; "
        f"00's map says {sorted(needs)}")


def test_the_assignments_table_lists_every_assignment_after_the_notebooks_it_names():
    rows = table("| exercise (in `exercises/release/`) | after notebooks |")
    listed = {re.fullmatch(r"`(\w+)`", name).group(1): numbers(after) for name, after in rows}
    assert set(ASSIGNMENTS) <= set(listed), f"assignments missing from 00: {sorted(set(ASSIGNMENTS) - set(listed))}"
    assert list(listed) == sorted(listed) and len(listed) == 6, list(listed)
    mapped = {number for number, _ in course_map()}
    for name, after in listed.items():
        assert after and after <= mapped, (name, after)
        if name in ASSIGNMENTS:  # written: its own first cell names its course notebooks
            (notebook,) = (ASSIGNMENTS[name]).glob("*.ipynb")
            intro = markdown(notebook)[0]
            stated = re.search(r"Course notebooks?: (.*?)(?:\n\n|$)", intro, re.S).group(1)  # may wrap
            assert set(NAMED_NOTEBOOK.findall(stated)) == after, (name, stated, after)
