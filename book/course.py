"""What the website is made of: the course's notebooks in order, pages cut from the README,
and the launch links, all from one setting: the repository's URL in pyproject.toml
(``[project.urls] Repository``). The README's own launch links are checked against it."""

import pathlib
import re
from urllib.parse import quote

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
STAGE = ROOT / "_build" / "book"  # what Sphinx reads: executed notebooks and generated pages
EXTRA = "_extra"  # in STAGE: files copied as they are into the site (the notebooks as committed)
BRANCH = "main"
BINDER = "https://mybinder.org"
COLAB = "https://colab.research.google.com"

# The README sections that become pages of their own: page name -> the section's title.
README_PAGES = {"formula_map": "Formula map", "instructors": "Instructors"}

_FENCE = re.compile(r"^(```|~~~)")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def repository_url(root=ROOT):
    """The repository's web address, e.g. https://github.com/OWNER/NAME (no trailing slash)."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["urls"]["Repository"].rstrip("/")


def github_parts(url):
    """(owner, name) of a GitHub repository address; ValueError for any other address."""
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", url)
    if not match:
        raise ValueError(f"expected a repository address https://github.com/OWNER/NAME, got {url!r}")
    return match.groups()


def launch_links(path, url=None):
    """{"binder", "colab", "source"} links that open ``path`` (relative to the repository root).

    Binder opens it in JupyterLab with the repository's requirements.txt installed; Colab
    opens the file from GitHub; source shows it on GitHub.
    """
    url = url or repository_url()
    owner, name = github_parts(url)
    path = pathlib.PurePosixPath(path).as_posix()
    return {
        "binder": f"{BINDER}/v2/gh/{owner}/{name}/{BRANCH}?urlpath={quote('lab/tree/' + path)}",
        "colab": f"{COLAB}/github/{owner}/{name}/blob/{BRANCH}/{quote(path)}",
        "source": f"{url}/blob/{BRANCH}/{quote(path)}",
    }


def launch_line(path, url=None):
    """HTML for the line under a notebook page's title: where to run it, and its file."""
    url = url or repository_url()
    links = launch_links(path, url)
    name = pathlib.PurePosixPath(path).name
    return (f'<p class="launch-links">Run it <a href="{links["binder"]}">on Binder</a> (JupyterLab, nothing to'
            f' install) or <a href="{links["colab"]}">in Colab</a> (add a first cell'
            f' <code>%pip install git+{url}</code>). The notebook:'
            f' <a href="{name}" download>{name}</a>, <a href="{links["source"]}">on GitHub</a>.</p>')


def notebooks(root=ROOT):
    """The course's notebooks in course order (their names start with the lesson number)."""
    return sorted((root / "notebooks").glob("*.ipynb"))


def _outside_fences(lines):
    """Yield (index, line, in_code) for each line, telling fenced code from prose."""
    fence = None
    for i, line in enumerate(lines):
        match = _FENCE.match(line.lstrip())
        if match and fence is None:
            fence = match.group(1)
            yield i, line, True
        elif match and line.lstrip().startswith(fence):
            fence = None
            yield i, line, True
        else:
            yield i, line, fence is not None


def readme_section(title, text=None):
    """The body of the README's ``## title`` section (up to the next ``## `` heading)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8") if text is None else text
    lines = text.splitlines()
    start = stop = None
    for i, line, in_code in _outside_fences(lines):
        if in_code or not line.startswith("## "):
            continue
        if start is None and line[3:].strip() == title:
            start = i + 1
        elif start is not None:
            stop = i
            break
    if start is None:
        found = [line[3:] for _, line, code in _outside_fences(lines) if not code and line.startswith("## ")]
        raise KeyError(f"README.md has no section '## {title}'; its sections are {found}")
    return "\n".join(lines[start:stop]).strip() + "\n"


def _slug(title):
    """The anchor GitHub gives a heading: "Formula map" -> "formula-map"."""
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def _rewrite_target(target, url, staged):
    """Where a README link should point from a page at the site's root."""
    if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
        return target
    if target.startswith("#"):
        for page, title in README_PAGES.items():
            if target[1:] == _slug(title):
                return f"{page}.md"
        return f"{url}{target}"  # another README section: the README on the repository's page
    path = target.split("#")[0]
    if path in staged:
        return target
    return f"{url}/blob/{BRANCH}/{target}"


def readme_page(page, text=None, url=None, staged=()):
    """Markdown for a site page made of the README section README_PAGES[page].

    Headings move up one level (the section's title becomes the page's title); links to
    staged files (the notebooks) stay, links to the README's page sections go to those
    pages, and links to anything else go to the repository.
    """
    title = README_PAGES[page]
    url = url or repository_url()
    lines = readme_section(title, text).splitlines()
    lines = [line[1:] if line.startswith("##") and not code else line
             for (_, line, code) in _outside_fences(lines)]
    readme = launch_links("README.md", url)["source"] + "#" + _slug(title)
    return (f"# {title}\n\n" + _relink("\n".join(lines), url, staged)
            + f"\n\n*This page is the section [{title}]({readme}) of the README.*\n")


def index_page(toctrees, text=None, url=None, staged=()):
    """The home page: the README's title, opening and Contents, then the navigation.

    toctrees: [(caption, [docname, ...]), ...], in the order the sidebar lists them.
    """
    text = (ROOT / "README.md").read_text(encoding="utf-8") if text is None else text
    title = next(line[2:] for line in text.splitlines() if line.startswith("# "))
    url = url or repository_url()
    parts = [f"# {title}", _relink(readme_preamble(text), url, staged),
             "## Contents", _relink(readme_section("Contents", text), url, staged)]
    for caption, docs in toctrees:
        parts.append("```{toctree}\n:hidden:\n:caption: " + caption + "\n\n" + "\n".join(docs) + "\n```")
    return "\n\n".join(parts) + "\n"


def readme_preamble(text=None):
    """The README's opening: everything between its title and its first ``## `` section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8") if text is None else text
    lines = text.splitlines()
    first = next(i for i, line, code in _outside_fences(lines) if not code and line.startswith("## "))
    return "\n".join(line for line in lines[:first] if not line.startswith("# ")).strip() + "\n"


def _relink(markdown, url, staged):
    out = []
    for _, line, in_code in _outside_fences(markdown.splitlines()):
        if not in_code:
            line = _LINK.sub(lambda m: f"]({_rewrite_target(m.group(1), url, set(staged))})", line)
        out.append(line)
    return "\n".join(out)
