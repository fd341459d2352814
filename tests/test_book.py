"""The website's parts that need no build: pages cut from the README, launch links, explorers.

The built site itself is tested in a browser by book/tests (CI runs it after the build).
"""

import pathlib
import re
import sys

import nbformat
import pytest

# book/ and tools/ are the repository's own scripts, run from a checkout and not installed
# (they put the checkout on the path the same way when run as scripts).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from book import course
from book.build import EXPLORER_NOTE_CLASS, WIDGET_STATE, WIDGET_VIEW, errors_in, settle_widgets, widget_text

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


def widget_output(model_id, **data):
    return nbformat.v4.new_output("display_data", data={
        WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0}, **data})


# The state nbclient saves for a tqdm progress bar that stopped at 138 of 300 epochs.
PROGRESS = {
    "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_left", "IPY_MODEL_mid", "IPY_MODEL_right"]}},
    "left": {"model_name": "HTMLModel", "state": {"value": "training:  46%"}},
    "mid": {"model_name": "FloatProgressModel", "state": {"value": 138.0, "min": 0.0, "max": 300.0}},
    "right": {"model_name": "HTMLModel", "state": {"value": " 138/300 [00:00&lt;00:00, loss=0.016]"}},
}


def test_a_progress_bar_is_drawn_from_its_last_state():
    assert widget_text("bar", PROGRESS) == "training:  46%|█████████           | 138/300 [00:00<00:00, loss=0.016]"
    assert widget_text("missing", PROGRESS) is None
    other = {**PROGRESS, "mid": {"model_name": "ButtonModel", "state": {}}}
    assert widget_text("bar", other) is None  # a part text cannot show: the output is left as it is


def test_widget_outputs_get_a_form_a_page_can_show():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("explorer", outputs=[
            widget_output("abc", **{"image/png": "iVBORw0KGgo=", "text/plain": "Explorer: ..."})]),
        nbformat.v4.new_code_cell("train", outputs=[widget_output("bar", **{"text/plain": "training:   0%|"})]),
        nbformat.v4.new_code_cell("plot", outputs=[nbformat.v4.new_output("display_data", data={"image/png": "x"})]),
    ], metadata={"widgets": {WIDGET_STATE: {"state": PROGRESS}}})
    path = course.ROOT / "notebooks" / "06_gradient_descent.ipynb"
    assert settle_widgets(nb, path) == (1, 1)
    explorer, train, plot = (cell.outputs for cell in nb.cells)
    assert len(explorer) == 2 and len(train) == 1 and len(plot) == 1
    note = explorer[1]["data"]["text/html"]
    assert f'class="{EXPLORER_NOTE_CLASS}"' in note and "live in JupyterLab" in note
    assert course.launch_links("notebooks/06_gradient_descent.ipynb")["binder"] in note
    assert train[0]["data"]["text/plain"].startswith("training:  46%|█████████")
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
