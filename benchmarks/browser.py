"""How long a learner waits in the browser: key press on a slider to the new picture.

JupyterLab serves a copy of notebook 06 (started the way the browser tests start it, from
tests/lab_server.py), Debian's chromium runs it with Run All, then the η slider's handle is
focused and the arrow keys pressed, right and left in turn. Each time is measured inside the
page: from the keydown event to the first change of the picture's ``src`` after it (a
MutationObserver), so it covers the message to the kernel, the recompute, the new PNG and its
way back. The browser's device pixel ratio is 2, as in the browser tests.
"""

import pathlib
import shutil
import statistics
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = pathlib.Path("/usr/bin/chromium")
NOTEBOOK = "06_gradient_descent.ipynb"
SLIDER = r"η \(lr\)"


def time_key_presses(presses=20):
    """{"median_ms", "min_ms", "max_ms", "presses"}, or {"skipped": why} without chromium or Playwright."""
    if not CHROMIUM.exists():
        return {"skipped": f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "Python Playwright is not installed (pip install -r requirements-dev.txt)"}
    sys.path.insert(0, str(ROOT / "tests"))
    import lab_server

    with tempfile.TemporaryDirectory(prefix="bench-browser-") as scratch:
        scratch = pathlib.Path(scratch)
        root = scratch / "notebooks"
        root.mkdir()
        shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
        with lab_server.running_jupyterlab(root, scratch) as (base, token), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=lab_server.CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport={"width": 1280, "height": 1000},
                                           device_scale_factor=2).new_page()
                page.set_default_timeout(60_000)
                lab_server.open_notebook(page, (base, token, root), NOTEBOOK)
                image = lab_server.run_all(page)
                times = lab_server.key_press_latency(page, lab_server.slider(page, SLIDER), image, presses)
            finally:
                browser.close()
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
            "presses": len(times)}
