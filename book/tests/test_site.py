"""The built website in a real browser: every page, its maths, its pictures, its links.

Run after `python book/build.py`: `pytest book/tests` serves _site/ (or $SITE_DIR) on
127.0.0.1 and opens every page in Debian's chromium through Python Playwright. The pages
load MathJax from a CDN; here every request for it is answered from the npm package
`mathjax`, installed with npm into a cache folder on first use ($MATHJAX_DIR names an
existing node_modules folder instead). Any other request off this machine fails the test.

Set SITE_SCREENSHOTS=/some/folder to keep a full-page screenshot of every page.
"""

import functools
import http.server
import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import pytest

# book/ is the repository's own script, run from a checkout and not installed (build.py puts the
# checkout on the path the same way).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from book import course  # noqa: E402
from book.build import EXPLORER_NOTE_CLASS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SITE = pathlib.Path(os.environ.get("SITE_DIR", course.ROOT / "_site")).resolve()
CDN = "cdn.jsdelivr.net"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Python Playwright is not installed (pip install playwright)")

NOTEBOOKS = course.notebooks()
# Every page in reading order: the home page, the notebooks, the pages cut from the README.
PAGES = (["index.html"] + [f"notebooks/{p.stem}.html" for p in NOTEBOOKS]
         + [f"{page}.html" for page in course.README_PAGES])


def notebook_of(page):
    stem = pathlib.PurePosixPath(page).stem
    return next((p for p in NOTEBOOKS if page.startswith("notebooks/") and p.stem == stem), None)


def notebook_sources(path, cell_type):
    return ["".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == cell_type]


@pytest.fixture(scope="session")
def site():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no website in {SITE}: build it first with `python book/build.py`")
    return SITE


@pytest.fixture(scope="session")
def mathjax(site):
    """(CDN path prefix of MathJax, the node_modules folder that serves it)."""
    pages = (path.read_text(encoding="utf-8") for path in site.glob("notebooks/*.html"))
    match = next(filter(None, (re.search(rf'src="https://{CDN}/npm/(mathjax@(\d+))/[^"]+"', p) for p in pages)), None)
    assert match, "no notebook page loads MathJax from the CDN: maths would not render"
    if os.environ.get("MATHJAX_DIR"):
        modules = pathlib.Path(os.environ["MATHJAX_DIR"])
    else:
        cache = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache"))
        prefix = cache / "backprop-derived" / f"mathjax-{match.group(2)}"
        modules = prefix / "node_modules"
        if not (modules / "mathjax" / "package.json").exists():
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
                            match.group(1)], check=True, capture_output=True, text=True)
    assert (modules / "mathjax" / "package.json").exists(), f"no mathjax package in {modules}"
    return modules


@pytest.fixture(scope="session")
def base_url(site):
    """Serve the site on 127.0.0.1 from a thread; yield its address."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Visit:
    """One page opened with every off-machine request answered locally or recorded."""

    def __init__(self, browser, base_url, mathjax):
        self.base_url, self.mathjax = base_url, mathjax
        self.foreign, self.failed, self.errors = [], [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(30_000)
        # MathJax also works out speech for screen readers, formula by formula, in a worker:
        # the slowest part of a page here, and not what this test looks at
        self.page.add_init_script(
            "window.MathJax = {options: {enableEnrichment: false, enableSpeech: false, enableBraille: false}};")
        self.page.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), self._off_machine)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.failed.append(request.url))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))

    def _off_machine(self, route):
        url = urllib.parse.urlsplit(route.request.url)
        match = re.fullmatch(r"/npm/((?:@[^/@]+/)?[^/@]+)@[^/]+/(.+)", url.path)
        if url.hostname == CDN and match:
            path = self.mathjax / match.group(1) / match.group(2)
            if path.is_file():
                content_type = "text/javascript" if path.suffix == ".js" else None
                return route.fulfill(path=str(path), content_type=content_type,
                                     headers={"Access-Control-Allow-Origin": "*"})
        self.foreign.append(route.request.url)
        return route.abort()

    def open(self, page):
        self.page.goto(f"{self.base_url}/{page}")
        self.page.wait_for_load_state("load")
        # MathJax (on pages with maths) replaces each .math element's TeX by a rendering
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.math')].every(e => e.querySelector('mjx-container'))",
            timeout=60_000)
        return self.page


@pytest.fixture
def visit(browser, base_url, mathjax):
    v = Visit(browser, base_url, mathjax)
    yield v
    v.page.close()


def test_the_site_has_one_page_per_notebook_and_the_readme_pages(site):
    built = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if p.parent.name not in ("_static", "_sources") and p.name not in ("genindex.html", "search.html"))
    assert built == sorted(PAGES)


def check_maths(page, article, name):
    assert page.locator("mjx-merror, .mjx-merror").count() == 0, f"{name}: MathJax reported an error"
    prose = article.evaluate("""a => { const c = a.cloneNode(true);
        c.querySelectorAll('pre, code, mjx-container, script').forEach(e => e.remove()); return c.innerText; }""")
    raw = re.findall(r"\$[^$\n]+\$|\\\(|\\\[|\\(?:frac|partial|sum|sigma|eta|cdot|mathbf)\b", prose)
    assert not raw, f"TeX left unrendered on {name}: {raw[:5]}"
    notebook = notebook_of(name)
    if notebook and any("$" in s for s in notebook_sources(notebook, "markdown")):
        assert article.locator("mjx-container").count() > 0, f"{name}: its notebook has maths, the page none"


def check_images(article, name):
    """Every picture loaded, and none is shown wider than it was drawn."""
    images = article.locator("img")
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        natural, shown = image.evaluate("i => [i.complete ? i.naturalWidth : 0, i.getBoundingClientRect().width]")
        assert natural > 0, f"{name}: image {i} did not load ({image.get_attribute('src')})"
        assert natural >= shown - 1, f"{name}: image {i} is {natural} px wide, shown at {shown:.0f} px"
    return images.count()


def check_launch_links(visit, page, notebook):
    hrefs = set(page.eval_on_selector_all(".launch-links a[href]", "links => links.map(a => a.href)"))
    for kind, link in course.launch_links(f"notebooks/{notebook.name}").items():
        assert link in hrefs, f"{notebook.name}: no {kind} link {link} under the title"
    download = f"{visit.base_url}/notebooks/{notebook.name}"
    assert download in hrefs, f"{notebook.name}: no download link"
    with urllib.request.urlopen(download) as response:
        assert response.read() == notebook.read_bytes(), f"{download} is not the committed notebook"


def check_explorers(page, notebook):
    notes = page.locator(f".{EXPLORER_NOTE_CLASS}")
    uses_explorer = any(re.search(r"\w+_explorer\(", s) for s in notebook_sources(notebook, "code"))
    assert (notes.count() > 0) == uses_explorer, f"{notebook.name}: {notes.count()} explorer notes"
    for i in range(notes.count()):
        note = notes.nth(i)
        assert "live in JupyterLab" in note.inner_text()
        # the output just before the note is the explorer's picture (in a link to it when the page
        # shows it at its display size, the size the explorer says it is shown at)
        picture = note.locator("xpath=ancestor::div[contains(@class,'output')][1]/preceding-sibling::*[1]"
                               "[self::img or (self::a and img)]/descendant-or-self::img")
        assert picture.count() == 1, f"{notebook.name}: explorer note {i} follows no picture"
        assert picture.evaluate("i => i.complete && i.naturalWidth") > 0
    return notes.count()


def check_next(visit, page, name):
    position = PAGES.index(name)
    follow = page.locator("a.right-next")
    if position == len(PAGES) - 1:
        assert follow.count() == 0, f"{name} is the last page but has a 'next' link"
        return
    expected = f"{visit.base_url}/{PAGES[position + 1]}"
    follow.first.click()
    page.wait_for_url(expected, wait_until="domcontentloaded")
    assert page.title().startswith(page.locator("article h1").first.inner_text().strip().rstrip("#")), page.title()


@pytest.mark.parametrize("name", PAGES)
def test_page_in_the_browser(visit, name):
    page = visit.open(name)
    article = page.locator("article.bd-article")
    assert article.locator("h1").count() == 1, f"{name}: expected one title"
    check_maths(page, article, name)
    check_images(article, name)
    assert article.locator(".output.traceback, .output.stderr").count() == 0, f"{name} shows an error output"
    outputs = "\n".join(article.locator(".cell_output").all_inner_texts())
    assert not re.search(r"\s0%\|\s*\|\s*0/\d+", outputs), f"{name} shows a progress bar as it started, not as it ended"
    notebook = notebook_of(name)
    if notebook:
        check_launch_links(visit, page, notebook)
        check_explorers(page, notebook)
    shots = os.environ.get("SITE_SCREENSHOTS")
    if shots:
        pathlib.Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(pathlib.Path(shots) / (name.replace("/", "_") + ".png")), full_page=True)
    assert not visit.errors, f"{name}: script errors {visit.errors}"
    assert not visit.failed, f"{name}: failed requests {visit.failed}"
    assert not visit.foreign, f"{name} asked for something off this machine: {visit.foreign}"
    check_next(visit, page, name)
