"""Sphinx settings for the course's website (built by book/build.py from _build/book/)."""

import base64
import hashlib
import json
import pathlib
import sys

from docutils import nodes

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from book import course  # noqa: E402

project = "Backpropagation, derived"
html_title = project
author = ""
html_show_copyright = False

extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", course.EXTRA]
# the notebooks as committed, beside their pages, for the "download" links
html_extra_path = [str(course.STAGE / course.EXTRA)]

# The notebooks arrive executed (book/build.py runs them): MyST-NB only renders.
nb_execution_mode = "off"
# An explorer's display carries its widget view and its picture: the page shows the
# picture, first choice of every output that has one. Without a kernel a widget view shows
# nothing, so it is never chosen and no page loads the widget manager (from a CDN).
nb_mime_priority_overrides = [("*", "image/png", 5), ("*", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}
# A display may also carry a form MyST-NB cannot render (tqdm's progress bar, under older
# IPython, adds application/json to its widget and text forms): that form is skipped. An
# output with no form a page can show still fails the build (the mime_priority warning).
suppress_warnings = ["mystnb.unknown_mime_type"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

REPOSITORY = course.repository_url()
html_theme = "sphinx_book_theme"
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": course.BRANCH,
    "path_to_docs": "",  # the staged folder mirrors the repository: notebooks/NAME.ipynb
    "use_repository_button": True,
    "use_source_button": True,
    "use_download_button": True,
    "launch_buttons": {"binderhub_url": course.BINDER, "colab_url": course.COLAB, "notebook_interface": "jupyterlab"},
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
}
html_static_path = ["static"]  # beside this file
templates_path = ["templates"]  # the theme's templates that the course overrides (accessibility)
html_css_files = ["course.css"]


def add_launch_line(app, doctree):
    """Under a notebook page's title: Binder, Colab, and the notebook file itself."""
    if app.env.docname.startswith("notebooks/"):
        section = doctree.next_node(nodes.section)
        line = nodes.raw("", course.launch_line(app.env.docname + ".ipynb", REPOSITORY), format="html")
        section.insert(1, line)  # child 0 is the title


def output_alt_texts(notebook):
    """{sha256 of a PNG output: its alt text} for the outputs of a staged notebook that carry one
    (nnlib.plots and the explorers put it in the output's metadata, under image/png → alt)."""
    texts = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            png, alt = output.get("data", {}).get("image/png"), output.get("metadata", {}).get("image/png", {})
            if png and isinstance(alt, dict) and alt.get("alt"):
                texts[hashlib.sha256(base64.b64decode("".join(png))).hexdigest()] = alt["alt"]
    return texts


def add_alt_texts(app, doctree):
    """Give each notebook picture the alt text its output carries, instead of its file's path.

    MyST-NB writes an output's PNG to a file named by the SHA-256 of its bytes and takes only the
    width and height from the output's metadata; the alt text is matched to the picture by that name.
    """
    notebook = course.STAGE / (app.env.docname + ".ipynb")
    if not app.env.docname.startswith("notebooks/") or not notebook.exists():
        return
    texts = output_alt_texts(notebook)
    for image in doctree.findall(nodes.image):
        alt = texts.get(pathlib.PurePosixPath(image["uri"]).stem)
        if alt:
            image["alt"] = alt


def setup(app):
    app.connect("doctree-read", add_launch_line)
    app.connect("doctree-read", add_alt_texts)
