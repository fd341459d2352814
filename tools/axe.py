"""axe-core, the accessibility checker, for the browser tests: installed from npm, run in a page.

The tests of the website (book/tests) and of the explorers in JupyterLab (tests/test_browser.py)
inject axe-core into the page they opened in chromium and judge its violations of WCAG 2.1 A and
AA. axe-core comes from the npm package, installed with ``npm install`` into a cache folder the
first time it is needed (``$XDG_CACHE_HOME/backprop-derived/axe-core-VERSION``, by default under
``~/.cache``); ``$AXE_CORE_DIR`` names a folder that already holds ``axe.min.js`` instead. Nothing
is fetched by the page: the script is read from that folder and put into the page as it is.

    python tools/axe.py          # install it (if needed) and print where axe.min.js is
"""

import os
import pathlib
import shutil
import subprocess
import sys

AXE_VERSION = "4.14.1"  # a fixed version: a new release brings new rules, which should be a choice
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")  # what the course promises (COURSE.md)
SERIOUS = ("serious", "critical")


class AxeUnavailable(RuntimeError):
    """axe-core could not be installed (no npm, or npm failed)."""


def axe_script():
    """The path of axe.min.js, installing the npm package into the cache folder on first use."""
    if os.environ.get("AXE_CORE_DIR"):
        script = pathlib.Path(os.environ["AXE_CORE_DIR"]) / "axe.min.js"
        if not script.is_file():
            raise AxeUnavailable(f"AXE_CORE_DIR={os.environ['AXE_CORE_DIR']} holds no axe.min.js")
        return script
    cache = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache"))
    prefix = cache / "backprop-derived" / f"axe-core-{AXE_VERSION}"
    script = prefix / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        if shutil.which("npm") is None:
            raise AxeUnavailable("npm is not installed (apt-get install npm): it installs axe-core "
                                 "on first use; or set AXE_CORE_DIR to a folder holding axe.min.js")
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
                               f"axe-core@{AXE_VERSION}"], capture_output=True, text=True)
        if done.returncode or not script.is_file():
            raise AxeUnavailable(f"npm install axe-core@{AXE_VERSION} failed:\n{done.stderr[-2000:]}")
    return script


def run_axe(page, include=None, exclude=(), tags=WCAG_TAGS):
    """Run axe-core in a Playwright page; return its violations (a list of dicts).

    include: CSS selectors of the parts to judge (None: the whole document); exclude: CSS
    selectors of parts to leave out. Each violation has ``id``, ``impact``, ``help`` and
    ``nodes`` (each with ``target`` and ``failureSummary``).
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_script().read_text(encoding="utf-8"))
    context = {"exclude": [[selector] for selector in exclude]}
    if include is not None:
        context["include"] = [[selector] for selector in include]
    return page.evaluate(
        """async ([context, tags]) => {
            const result = await axe.run(context, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                                          failureSummary: n.failureSummary}))}));
        }""",
        [context, list(tags)])


def count(violations, impacts=None):
    """The number of elements at fault (a rule broken by 3 elements counts 3)."""
    return sum(len(v["nodes"]) for v in violations if impacts is None or v["impact"] in impacts)


def describe(violations, limit=3):
    """A few lines per broken rule: its impact, its help text and the first elements at fault."""
    lines = []
    for v in violations:
        lines.append(f"  {v['impact']}: {v['id']} ({len(v['nodes'])} elements): {v['help']}")
        for node in v["nodes"][:limit]:
            lines.append(f"      {node['target']}  {node['html'][:120]}")
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        print(axe_script())
    except AxeUnavailable as error:
        sys.exit(str(error))
