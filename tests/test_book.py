"""The website's parts that need no build: pages cut from the README, launch links, explorers.

The built site itself is tested in a browser by book/tests (CI runs it after the build).
"""

import pathlib
import re

import nbformat
import pytest

from book import course
from book.build import EXPLORER_NOTE_CLASS, WIDGET_VIEW, errors_in, mark_explorers

README = (course.ROOT / "README.md").read_text(encoding="utf-8")
URL = "https://github.com/owner/name"

SAMPLE = """# Title

Opening words, see [the map](#formula-map).

## Formula map

| formula | derived in |
|---|---|
| `z = xW + b` | [01](notebooks/01_forward_pass.ipynb) |

### A sub-heading

See [the benchmark](benchmarks/run.py), [Instructors](#instructors) and [set-up](#set-up).

```bash
## not a heading: a comment in a fence
```

## Instructors

Hand out [the copies](exercises/release/).
"""


def test_readme_links_to_binder_and_colab_are_made_from_the_repository_setting():
    links = course.launch_links("notebooks/00_welcome.ipynb")
    for kind in ("binder", "colab"):
        assert f"]({links[kind]})" in README, f"README lacks the {kind} link {links[kind]}"
    assert f"%pip install git+{course.repository_url()}`" in README


def test_launch_links_for_a_notebook():
    links = course.launch_links("notebooks/06_gradient_descent.ipynb", URL)
    assert links == {
        "binder": "https://mybinder.org/v2/gh/owner/name/main?urlpath=lab/tree/notebooks/06_gradient_descent.ipynb",
        "colab": "https://colab.research.google.com/github/owner/name/blob/main/notebooks/06_gradient_descent.ipynb",
        "source": "https://github.com/owner/name/blob/main/notebooks/06_gradient_descent.ipynb",
    }
    line = course.launch_line("notebooks/06_gradient_descent.ipynb", URL)
    assert all(f'href="{link}"' in line for link in links.values())
    assert 'href="06_gradient_descent.ipynb" download' in line


def test_a_repository_address_that_is_not_github_is_refused_clearly():
    with pytest.raises(ValueError, match=r"expected a repository address https://github.com/OWNER/NAME, got"):
        course.launch_links("notebooks/00_welcome.ipynb", "https://example.org/course")


def test_readme_section_stops_at_the_next_section_and_ignores_fenced_code():
    body = course.readme_section("Formula map", SAMPLE)
    assert body.startswith("| formula | derived in |")
    assert "## not a heading" in body and "Hand out" not in body


def test_a_missing_readme_section_names_the_ones_there_are():
    with pytest.raises(KeyError, match=r"no section '## Glossary'; its sections are \['Formula map', 'Instructors'\]"):
        course.readme_section("Glossary", SAMPLE)


def test_readme_page_moves_headings_up_and_points_links_where_the_site_has_them():
    page = course.readme_page("formula_map", SAMPLE, URL, staged=["notebooks/01_forward_pass.ipynb"])
    assert page.startswith("# Formula map\n")
    assert "\n## A sub-heading\n" in page and "\n## not a heading: a comment in a fence\n" in page
    assert "[01](notebooks/01_forward_pass.ipynb)" in page  # a page of the site
    assert f"[the benchmark]({URL}/blob/main/benchmarks/run.py)" in page  # a file: on GitHub
    assert "[Instructors](instructors.md)" in page  # a README section that is a page
    assert f"[set-up]({URL}#set-up)" in page  # any other README section: on GitHub
    assert page.rstrip().endswith(f"[Formula map]({URL}/blob/main/README.md#formula-map) of the README.*")


def test_index_page_holds_the_readme_opening_contents_and_navigation():
    sample = SAMPLE.replace("## Formula map", "## Contents\n\nIn order.\n\n## Formula map")
    page = course.index_page([("Notebooks", ["notebooks/00_welcome"]), ("Reference", ["formula_map"])], sample, URL)
    assert page.startswith("# Title\n\nOpening words, see [the map](formula_map.md).")
    assert "## Contents\n\nIn order." in page
    assert "```{toctree}\n:hidden:\n:caption: Notebooks\n\nnotebooks/00_welcome\n```" in page


def test_the_readme_has_every_section_the_site_needs():
    for title in ["Contents", *course.README_PAGES.values()]:
        assert course.readme_section(title).strip(), title


def test_notebooks_are_found_by_name_in_course_order(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for name in ["10_playground.ipynb", "00_welcome.ipynb", "09_capstone.ipynb"]:
        (tmp_path / "notebooks" / name).write_text("{}")
    assert [p.name for p in course.notebooks(tmp_path)] == ["00_welcome.ipynb", "09_capstone.ipynb",
                                                             "10_playground.ipynb"]
    assert course.notebooks() == sorted((course.ROOT / "notebooks").glob("*.ipynb"))


def explorer_output():
    return nbformat.v4.new_output("display_data", data={
        WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "image/png": "iVBORw0KGgo=", "text/plain": "Explorer: ..."})


def test_an_explorer_output_is_followed_by_the_live_in_jupyterlab_line():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("explorer", outputs=[explorer_output()]),
        nbformat.v4.new_code_cell("plot", outputs=[nbformat.v4.new_output("display_data", data={"image/png": "x"})]),
    ], metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}})
    path = course.ROOT / "notebooks" / "06_gradient_descent.ipynb"
    assert mark_explorers(nb, path) == 1
    first, second = nb.cells[0].outputs, nb.cells[1].outputs
    assert len(first) == 2 and len(second) == 1
    note = first[1]["data"]["text/html"]
    assert f'class="{EXPLORER_NOTE_CLASS}"' in note and "live in JupyterLab" in note
    assert course.launch_links("notebooks/06_gradient_descent.ipynb")["binder"] in note
    assert "widgets" not in nb.metadata


def test_error_outputs_are_found():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("1 / 0", outputs=[nbformat.v4.new_output("error", ename="ZeroDivisionError",
                                                                            evalue="division by zero", traceback=[])]),
    ])
    assert errors_in(nb) == [(0, "ZeroDivisionError")]


def test_gitignore_covers_the_venv_and_the_builds():
    ignored = (course.ROOT / ".gitignore").read_text(encoding="utf-8").split()
    for entry in (".venv/", "_site/", "_build/"):
        assert entry in ignored


def test_book_requirements_build_on_the_course_requirements():
    lines = [re.split(r"\s+#", line)[0].strip()
             for line in (course.ROOT / "requirements-book.txt").read_text(encoding="utf-8").splitlines()]
    assert "-r requirements.txt" in lines
    assert {line.split(">=")[0] for line in lines if ">=" in line} == {"sphinx", "myst-nb", "sphinx-book-theme"}
    assert pathlib.Path(course.ROOT / "book" / "conf.py").exists()
