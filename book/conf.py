"""Sphinx settings for the course's website (built by book/build.py from _build/book/)."""

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
html_css_files = ["course.css"]


def add_launch_line(app, doctree):
    """Under a notebook page's title: Binder, Colab, and the notebook file itself."""
    if app.env.docname.startswith("notebooks/"):
        section = doctree.next_node(nodes.section)
        line = nodes.raw("", course.launch_line(app.env.docname + ".ipynb", REPOSITORY), format="html")
        section.insert(1, line)  # child 0 is the title


def setup(app):
    app.connect("doctree-read", add_launch_line)
