"""A real browser: JupyterLab runs notebook 06, a learning-rate slider moves, the plot redraws.

JupyterLab starts on 127.0.0.1 on a free port with a random token (authentication stays on),
serving a temporary copy of the notebook, with temporary settings (no news pop-up, every
cell kept in the page) and workspaces. Debian's chromium is driven by Python Playwright
(Playwright's own browser download is not used). Whatever happens, the server's whole
process group and the browser are stopped at the end.

Set NNLIB_BROWSER_SCREENSHOT=/some/file.png to keep a screenshot taken after the slider moved.
"""

import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
NOTEBOOK = "06_gradient_descent.ipynb"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Python Playwright is not installed (pip install playwright)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_settings(settings_dir):
    """JupyterLab user settings: no news or update check, and no windowing of cells."""
    files = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, content in files.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")


@pytest.fixture
def jupyterlab(tmp_path):
    """Start JupyterLab on a copy of the notebook; yield (base_url, token); stop it."""
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    settings, workspaces, runtime = tmp_path / "settings", tmp_path / "workspaces", tmp_path / "runtime"
    write_settings(settings)
    workspaces.mkdir()
    port, token = free_port(), secrets.token_hex(24)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workspaces),
               JUPYTER_RUNTIME_DIR=str(runtime))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", f"--LabApp.workspaces_dir={workspaces}"]
    if os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    log = open(tmp_path / "jupyterlab.log", "wb")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)  # its own process group, killed as a whole
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n"
                                + (tmp_path / "jupyterlab.log").read_text(errors="replace")[-3000:])
                time.sleep(0.2)
        yield base, token
    finally:
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(server.pid, sig)
            except ProcessLookupError:
                break
            try:
                server.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()


def settled_src(image, quiet=1.5, timeout=30):
    """The image's src once it has not changed for ``quiet`` seconds (the kernel is done)."""
    deadline = time.monotonic() + timeout
    last, since = image.get_attribute("src"), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        src = image.get_attribute("src")
        if src != last:
            last, since = src, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return src
    raise AssertionError(f"the plot image kept changing for {timeout} s")


def test_learning_rate_slider_redraws_the_plot_in_jupyterlab(jupyterlab, tmp_path):
    base, token = jupyterlab
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?reset&token={token}")
            page.get_by_text(re.compile(r"\|\s*Idle")).first.wait_for()

            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()

            # the explorer's plot: an <img> of the Image widget, replaced on every update
            image = page.locator("img.widget-image").first
            image.wait_for(state="visible")
            # all cells done: the last code cell has its execution number and the image is still
            last_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").last
            sync_api.expect(last_prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=60_000)
            before = settled_src(image)
            pixels_before = image.screenshot()

            slider = page.locator(".widget-slider").first
            readout_before = slider.locator(".widget-readout").inner_text()
            handle = slider.locator(".noUi-handle").first
            handle.scroll_into_view_if_needed()
            handle.focus()
            for _ in range(20):  # 20 steps of 0.01 in log10 η: from 0.15 to about 0.24, past 2/λ_max
                page.keyboard.press("ArrowRight")
            readout_after = slider.locator(".widget-readout").inner_text()
            after = settled_src(image)
            image.scroll_into_view_if_needed()
            pixels_after = image.screenshot()
            shot = os.environ.get("NNLIB_BROWSER_SCREENSHOT")
            page.screenshot(path=shot or str(tmp_path / "after_slider.png"))

            assert readout_after != readout_before, (readout_before, readout_after)
            assert after != before, "the plot's src did not change after moving the slider"
            assert pixels_after != pixels_before, "the plot's pixels did not change"
            status = page.locator(".widget-html").first.inner_text()
            assert "DIVERGES" in status, status  # η ≈ 0.24 is past the limit 2/λ_max = 0.2
        finally:
            browser.close()
