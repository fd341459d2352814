"""The built website in a real browser: every page, its maths, its pictures, its links.

Run after `python book/build.py`: `pytest book/tests` serves _site/ (or $SITE_DIR) on
127.0.0.1 and opens every page in Debian's chromium through Python Playwright. The pages
load MathJax from a CDN; here every request for it is answered from the npm package
`mathjax`, installed with npm into a cache folder on first use ($MATHJAX_DIR names an
existing node_modules folder instead). Any other request off this machine fails the test.

Every page, the search page and the index included, is judged by axe-core (the npm package
`axe-core`, installed the same way by tools/axe.py) against WCAG 2.1 A and AA: any violation
fails. Run with -s to see the count of elements at fault on each page.

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
from tools import axe  # noqa: E402

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


# The pages Sphinx adds: judged for accessibility like the others.
SPHINX_PAGES = ["genindex.html", "search.html"]


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


def test_alt_text_faults_are_recognised():
    assert alt_text_fault("../_images/215c035c.png", "../_images/215c035c.png").startswith("a file name")
    assert alt_text_fault("") == "no alt text" and alt_text_fault("png").startswith("one word")
    assert alt_text_fault("'Loss per epoch': loss against epoch, 2 labelled series") is None


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_picture_of_every_executed_notebook_has_alt_text(site, notebook):
    """The executed notebooks the site was built from (book/build.py stages them in _build/book):
    every PNG output carries alt text in its metadata, and its HTML form (what JupyterLab shows)
    is an <img> with the same alt."""
    staged = course.STAGE / "notebooks" / notebook.name
    assert staged.exists(), f"{staged} is missing: build the site first with `python book/build.py`"
    faults, pictures = [], 0
    for index, cell in enumerate(json.loads(staged.read_text(encoding="utf-8"))["cells"]):
        for output in cell.get("outputs", []):
            if "image/png" not in output.get("data", {}):
                continue
            pictures += 1
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            fault = alt_text_fault(alt)
            page = output["data"].get("text/html")
            if fault is None and page is not None and not re.search(r'<img [^>]*alt="', "".join(page)):
                fault = "an HTML form without alt"
            if fault:
                faults.append(f"cell {index} (id {cell.get('id')}): {fault}")
    assert not faults, f"{notebook.name}: {len(faults)} of {pictures} pictures without alt text:\n" + "\n".join(faults)


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


def alt_text_fault(alt, src=""):
    """Why ``alt`` is no text alternative (WCAG failure F30), or None when it is one: a picture's
    alt says what it shows, in words, not its file name."""
    alt = (alt or "").strip()
    if not alt:
        return "no alt text"
    if alt == src or re.search(r"\.(png|jpe?g|svg|gif|webp)\b", alt, re.I) or "/" in alt and " " not in alt:
        return f"a file name for alt text: {alt!r}"
    if len(alt.split()) < 2:
        return f"one word for alt text: {alt!r}"
    return None


def check_images(article, name):
    """Every picture loaded, says in words what it shows, and none is shown wider than it was drawn."""
    images = article.locator("img")
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        natural, shown = image.evaluate("i => [i.complete ? i.naturalWidth : 0, i.getBoundingClientRect().width]")
        assert natural > 0, f"{name}: image {i} did not load ({image.get_attribute('src')})"
        assert natural >= shown - 1, f"{name}: image {i} is {natural} px wide, shown at {shown:.0f} px"
        fault = alt_text_fault(image.get_attribute("alt"), image.get_attribute("src"))
        assert fault is None, f"{name}: image {i} ({image.get_attribute('src')}) has {fault}"
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
    uses_explorer = any(re.search(r"\w+_(explorer|stepper)\(", s) for s in notebook_sources(notebook, "code"))
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


@pytest.fixture(scope="session")
def axe_ready():
    try:
        return axe.axe_script()
    except axe.AxeUnavailable as error:
        pytest.fail(str(error))


@pytest.mark.parametrize("name", PAGES + SPHINX_PAGES)
def test_page_has_no_accessibility_violation(visit, axe_ready, name):
    page = visit.open(name)
    violations = axe.run_axe(page)
    print(f"\naxe-core {axe.AXE_VERSION}, WCAG 2.1 A/AA, {name}: {axe.count(violations)} elements at fault "
          f"({axe.count(violations, axe.SERIOUS)} serious or critical)")
    assert not violations, f"{name}: axe-core found\n{axe.describe(violations)}"
