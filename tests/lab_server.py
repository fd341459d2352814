"""JupyterLab in chromium for the browser tests and the browser benchmark.

Start JupyterLab: 127.0.0.1, a free port, a random token, throwaway settings.

The settings turn off the news and update check (no pop-up over the page) and keep every
cell in the page. The server runs in its own process group, which is killed as a whole.
"""

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


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


def wait_until_up(url, server, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not start:\n"
                                   + log_path.read_text(errors="replace")[-3000:]) from None
            time.sleep(0.2)


def stop(server):
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def running_jupyterlab(root, scratch):
    """Serve the folder ``root``; yield (base_url, token). ``scratch``: a folder for settings and logs."""
    settings, workspaces, runtime = scratch / "settings", scratch / "workspaces", scratch / "runtime"
    write_settings(settings)
    workspaces.mkdir(exist_ok=True)
    port, token = free_port(), secrets.token_hex(24)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workspaces),
               JUPYTER_RUNTIME_DIR=str(runtime))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", f"--LabApp.workspaces_dir={workspaces}"]
    if os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    log_path = scratch / "jupyterlab.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/api/status?token={token}", server, log_path)
            yield base, token
        finally:
            stop(server)

# ------------------------------------------------------------------ a notebook page, driven by Playwright


def open_notebook(page, jupyterlab, name):
    base, token, _ = jupyterlab
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    page.get_by_text(re.compile(r"\|\s*Idle")).first.wait_for()


def run_all(page):
    # only the browser tests and the browser benchmark need Playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    image = page.locator("img.widget-image").first
    try:
        image.wait_for(state="visible")
    except PlaywrightTimeout as error:  # say what the notebook printed instead
        raise AssertionError("no explorer picture appeared after Run All; the notebook's error outputs:\n"
                             + ("\n".join(error_outputs(page)) or "(none)")) from error
    last_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").last
    expect(last_prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=120_000)
    settled(image)
    return image


def error_outputs(page):
    """The text of every stderr or error output on the page (a kernel that cannot import nnlib, say)."""
    outputs = page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']")
    return [outputs.nth(i).inner_text()[-1500:] for i in range(outputs.count())]


def settled(image, quiet=1.0, timeout=60):
    """The image's src once it has not changed for ``quiet`` seconds (the kernel is done)."""
    deadline = time.monotonic() + timeout
    last, since = image.get_attribute("src"), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        src = image.get_attribute("src")
        if src != last:
            last, since = src, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return src
    raise AssertionError(f"the plot image kept changing for {timeout} s")


def redrawn(image, before, timeout=30):
    """Wait for the picture to change from ``before``, then to settle; return the new src."""
    deadline = time.monotonic() + timeout
    while image.get_attribute("src") == before:
        assert time.monotonic() < deadline, "the picture did not change"
        time.sleep(0.05)
    return settled(image, quiet=0.6)


def slider(page, label):
    return page.locator(".widget-slider", has=page.locator(".widget-label", has_text=re.compile(f"^{label}$")))


def key_press_latency(page, control, image, presses=10):
    """Milliseconds from a key press on a slider to the new picture, for alternating right/left presses."""
    handle = control.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    image.evaluate("""img => {
        window._changes = [];
        window._keys = [];
        new MutationObserver(() => window._changes.push(performance.now()))
            .observe(img, {attributes: true, attributeFilter: ["src"]});
        document.addEventListener("keydown", () => window._keys.push(performance.now()), true);
    }""")
    times = []
    for k in range(presses):
        settled(image, quiet=0.5)
        page.keyboard.press("ArrowRight" if k % 2 == 0 else "ArrowLeft")
        page.wait_for_function("window._changes.some(t => t > window._keys[window._keys.length - 1])",
                               timeout=10_000)
        times.append(page.evaluate("(() => { const key = window._keys[window._keys.length - 1];"
                                   " return Math.min(...window._changes.filter(t => t > key)) - key; })()"))
    settled(image, quiet=0.5)
    return times
