"""A real browser: JupyterLab runs notebooks 06, 08 and 10, every control of their explorers moves and
the picture redraws; the pictures are sharp; saved and reopened with a fresh kernel, each explorer
still shows its last picture and says how to get the controls back.

A bare `pytest` runs 06's explorer and the setting; the rest, marked `lab`, take minutes and run with
`pytest -m lab` (as .ci/run does). Each test stands alone: the reopening saves any notebook that no
earlier test saved.

JupyterLab starts on 127.0.0.1 on a free port with a random token (authentication stays on),
serving temporary copies of the notebooks, with temporary user settings (no news pop-up, every
cell kept in the page) and workspaces; the course's own setting (widget state saved with the
notebook) comes from the environment, where `pip install -r requirements.txt` put it. Debian's
chromium is driven by Python Playwright (Playwright's own browser download is not used), at a
device pixel ratio of 2. Whatever happens, the server's whole process group and the browser are
stopped at the end.

Set NNLIB_BROWSER_SCREENSHOTS=/some/dir to keep the screenshots (after the controls moved, after
Play, after reopening, every step of the stepper). The key-press-to-new-picture times are printed
(run with -s to see them).
"""

import json
import os
import pathlib
import re
import shutil
import statistics
import sys
import time
import urllib.request

import pytest
from lab_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    key_press_latency,
    open_notebook,
    redrawn,
    run_all,
    running_jupyterlab,
    settled,
    slider,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tools/, from the checkout
from tools import axe  # noqa: E402

NOTEBOOKS = ["06_gradient_descent.ipynb", "08_vanishing_exploding.ipynb", "10_playground.ipynb"]
OVERRIDE = pathlib.Path(sys.prefix) / "share/jupyter/lab/settings/overrides.d/backprop-course.json"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Python Playwright is not installed (pip install playwright)")


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """Start JupyterLab on copies of the notebooks; yield (base_url, token, root); stop it."""
    tmp_path = tmp_path_factory.mktemp("lab")
    root = tmp_path / "notebooks"
    root.mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, root / name)
    write_stepper_notebook(root / STEPPER_NOTEBOOK)
    with running_jupyterlab(root, tmp_path) as (base, token):
        yield base, token, root


STEPPER_NOTEBOOK = "stepper.ipynb"
GRAPH_03 = """from nnlib.graph import Value
from nnlib.widgets import backprop_stepper

x, w, b = Value(1.5, label="x"), Value(-0.8, label="w"), Value(0.4, label="b")
wx = w * x
wx.label = "w·x"
z = wx + b
z.label = "z"
y_hat = z.sigmoid()
y_hat.label = "ŷ"
e = y_hat - Value(1.0, label="y")
e.label = "e = ŷ − y"
L = 0.5 * e**2
L.label = "L"
backprop_stepper(L)"""
NEURON_05 = """xs, ws, b = [Value(0.5), Value(-1.0)], [Value(0.8), Value(0.3)], Value(0.1)
out = neuron(xs, ws, b)   # the learner's Value and backprop: no labels, no op
backprop_stepper(out, names=[(xs[0], "x1"), (xs[1], "x2"), (ws[0], "w1"), (ws[1], "w2"), (b, "b"), (out, "out")])"""


def solved_assignment_05():
    """The solution cells of assignment 05 (the Value class, backprop, neuron), markers removed."""
    nbformat = pytest.importorskip("nbformat")
    source = nbformat.read(ROOT / "exercises/source/05_autograd/autograd.ipynb", as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in source.cells}
    return ["import math"] + [re.sub(r"^\s*### (BEGIN|END) SOLUTION\n", "", cells[gid], flags=re.M)
                              for gid in ("ex5_1", "ex5_2", "ex5_3")]


def write_stepper_notebook(path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(GRAPH_03)] + [nbformat.v4.new_code_cell(code) for code in
                                                         solved_assignment_05() + [NEURON_05]]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def axe_ready():
    """axe.min.js, or None (with a warning) where npm cannot install it: the other checks still run."""
    try:
        return axe.axe_script()
    except axe.AxeUnavailable as error:
        import warnings

        warnings.warn(f"the explorers are not judged by axe-core: {error}", stacklevel=1)
        return None


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=2)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    context.close()


def api(jupyterlab, path, method="GET"):
    base, token, _ = jupyterlab
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"},
                                     data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def screenshot(page, name, tmp_path):
    folder = pathlib.Path(os.environ.get("NNLIB_BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=False)


def dropdown(page, label):
    return page.locator(".widget-dropdown", has=page.locator(".widget-label", has_text=re.compile(f"^{label}$")))


def press_on(page, control, key, image, times=1):
    """Focus a slider's handle, press a key, and wait for the new picture. Returns the new src."""
    before = image.get_attribute("src")
    handle = control.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(times):
        page.keyboard.press(key)
    return redrawn(image, before)


def choose(page, control, option, image):
    before = image.get_attribute("src")
    control.locator("select").select_option(label=option)
    return redrawn(image, before)


def status(page):
    return page.locator(".nnlib-status").first.inner_text()


def assert_status_shown_whole(page):
    """The first explorer's status: every word visible, wrapped to at most two lines, none cut off."""
    box = page.locator(".nnlib-status").first
    lines = box.locator("code").evaluate("e => e.getClientRects().length")
    hidden = box.evaluate("e => e.scrollHeight - e.clientHeight")
    assert 1 <= lines <= 2 and hidden <= 1, (lines, hidden, box.inner_text())


def check_sharp(page, image, css_width):
    """The PNG has at least device-pixel-ratio times the pixels it is shown at: never enlarged."""
    size = image.evaluate("img => ({natural: img.naturalWidth, shown: img.getBoundingClientRect().width,"
                          " ratio: window.devicePixelRatio})")
    assert size["ratio"] == 2
    assert size["natural"] == 2 * css_width, size
    assert size["shown"] <= css_width + 0.5 and size["natural"] >= size["shown"] * size["ratio"] - 1, size
    return size


EXPLORER = ".nnlib-explorer"


def check_accessible(page, name, image, axe_ready):
    """axe-core finds no serious or critical violation in the explorer; every slider's handle and
    readout is named by its label and announces the value it shows; the picture's alt text says
    what the status line says. JupyterLab's own page is judged too, and its count printed."""
    violations = around = []
    if axe_ready:
        violations, around = axe.run_axe(page, include=[EXPLORER]), axe.run_axe(page, exclude=[EXPLORER])
        print(f"\n{name}: axe-core {axe.AXE_VERSION}, WCAG 2.1 A/AA: {axe.count(violations)} elements at fault in "
              f"the explorer ({axe.count(violations, axe.SERIOUS)} serious or critical); JupyterLab around it: "
              f"{axe.count(around)} ({axe.count(around, axe.SERIOUS)} serious or critical: "
              f"{', '.join(sorted({v['id'] for v in around})) or 'none'})")
    serious = [v for v in violations if v["impact"] in axe.SERIOUS]
    assert not serious, f"{name}: axe-core found in the explorer\n{axe.describe(serious)}"
    sliders = page.evaluate("""sel => [...document.querySelectorAll(sel + ' .widget-slider')].map(s => {
        const h = s.querySelector('.noUi-handle'), r = s.querySelector('.widget-readout');
        const by = h.getAttribute('aria-labelledby');
        return {label: s.querySelector('.widget-label').textContent,
                handle: by && document.getElementById(by).textContent, valuetext: h.getAttribute('aria-valuetext'),
                shown: r.textContent, readout: r.getAttribute('aria-label')};
    })""", EXPLORER)
    assert sliders
    for s in sliders:
        assert s["handle"] == s["label"] and s["readout"].startswith(s["label"]), s
        assert s["valuetext"] == s["shown"], s
    assert_alt_follows(page, image)
    return sliders


def assert_alt_follows(page, image):
    """The picture's alt text ends with what the status line says now."""
    summary = page.locator(".nnlib-status").first.inner_text().strip()
    deadline = time.monotonic() + 10
    while not (image.get_attribute("alt") or "").endswith(summary):
        assert time.monotonic() < deadline, (image.get_attribute("alt"), summary)
        time.sleep(0.1)
    assert len(image.get_attribute("alt")) > len(summary) + 100, "it also says what each panel shows"


def tab_through(page):
    """Focus the explorer's first control, press Tab until focus leaves the explorer; return what
    had focus, as "tag:name" (a control's accessible name)."""
    page.locator(f"{EXPLORER} .noUi-handle, {EXPLORER} select").first.focus()
    reached = []
    for _ in range(40):
        here = page.evaluate("""sel => { const e = document.activeElement;
            if (!e.closest(sel)) return null;
            const by = e.getAttribute('aria-labelledby'), label = e.labels && e.labels[0];
            return e.tagName.toLowerCase() + ':' + (by ? document.getElementById(by).textContent
                : e.getAttribute('aria-label') || (label ? label.textContent : e.textContent.trim())); }""", EXPLORER)
        if here is None:
            break
        reached.append(here)
        page.keyboard.press("Tab")
    return reached


def controls_in_view(page):
    """Every visible control of the explorer, as tab_through names it."""
    return page.evaluate("""sel => [...document.querySelectorAll(
            sel + ' .noUi-handle, ' + sel + ' select, ' + sel + ' button, ' + sel + ' .widget-readout')]
        .filter(e => e.getBoundingClientRect().width > 0)
        .map(e => { const by = e.getAttribute('aria-labelledby'), label = e.labels && e.labels[0];
            return e.tagName.toLowerCase() + ':' + (by ? document.getElementById(by).textContent
                : e.getAttribute('aria-label') || (label ? label.textContent : e.textContent.trim())); })""", EXPLORER)


def assert_not_squeezed(page):
    """Every label and button of the explorer shows its whole text: none is narrower than it."""
    cut = page.evaluate("""sel => [...document.querySelectorAll(sel + ' .widget-label, ' + sel + ' button')]
        .filter(e => e.getBoundingClientRect().width > 0 && e.scrollWidth > e.clientWidth + 1)
        .map(e => [e.textContent || e.getAttribute('aria-label'), e.clientWidth, e.scrollWidth])""", EXPLORER)
    assert not cut, f"squeezed: {cut}"


def save(page, jupyterlab, name):
    """Save from JupyterLab (Ctrl+S) and return the notebook as written to disk."""
    path = jupyterlab[2] / name
    before = path.stat().st_mtime_ns
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Save Notebook")).first.click()
    deadline = time.monotonic() + 20
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.nb06
@pytest.mark.nb08
@pytest.mark.nb10
def test_the_course_setting_saves_widget_state_and_jupyterlab_reads_it(jupyterlab):
    assert OVERRIDE.exists(), f"{OVERRIDE} is missing: run pip install -r requirements.txt"
    assert json.loads(OVERRIDE.read_text())["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": True}
    plugin = api(jupyterlab, "/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin")
    # overrides change the schema's default, which the widget manager uses unless the user set it
    assert plugin["schema"]["properties"]["saveState"]["default"] is True
    assert "saveState" not in plugin["settings"]


@pytest.mark.nb06
def test_06_every_control_redraws_sharp_and_steady(page, jupyterlab, tmp_path, axe_ready):
    open_notebook(page, jupyterlab, NOTEBOOKS[0])
    image = run_all(page)
    check_sharp(page, image, 900)
    check_accessible(page, "06", image, axe_ready)
    reached = tab_through(page)
    assert reached == controls_in_view(page) and len(reached) == 4, reached  # each handle, then its readout
    lr, steps = slider(page, r"η \(lr\)"), slider(page, "steps")
    assert lr.locator(".widget-readout").inner_text() == "0.15", "the notebook's last value, not snapped"
    assert lr.locator(".noUi-handle").get_attribute("aria-valuetext") == "0.15", "its value, not its place in a list"
    assert status(page).startswith("η = 0.15 < 2/λ_max = 0.2: quadratic converges")
    offset = "img => img.getBoundingClientRect().top - img.closest('.widget-vbox').getBoundingClientRect().top"
    top = image.evaluate(offset)
    press_on(page, lr, "ArrowRight", image)  # one key, one value of the slider
    assert lr.locator(".widget-readout").inner_text() == "0.18"
    assert lr.locator(".noUi-handle").get_attribute("aria-valuetext") == "0.18"
    assert_alt_follows(page, image)
    press_on(page, lr, "ArrowRight", image, times=3)
    assert lr.locator(".widget-readout").inner_text() == "0.21"
    assert "quadratic diverges" in status(page)
    press_on(page, steps, "End", image)
    assert steps.locator(".widget-readout").inner_text() == "200"
    assert image.evaluate(offset) == top, "the long summary at 200 steps does not push the plot down"
    assert_status_shown_whole(page)
    times = key_press_latency(page, lr, image)
    print(f"\n06 slider, key press to new picture: median {statistics.median(times):.0f} ms "
          f"(min {min(times):.0f}, max {max(times):.0f}, {len(times)} presses)")
    screenshot(page, "06_after_controls.png", tmp_path)
    press_on(page, lr, "ArrowLeft", image, times=3)
    saved = save(page, jupyterlab, NOTEBOOKS[0])
    assert "widgets" in saved["metadata"], "the widget state is saved with the notebook"


@pytest.mark.lab
@pytest.mark.nb08
def test_08_every_control_redraws_and_the_last_cell_wins(page, jupyterlab, tmp_path, axe_ready):
    open_notebook(page, jupyterlab, NOTEBOOKS[1])
    image = run_all(page)
    check_sharp(page, image, 920)
    check_accessible(page, "08", image, axe_ready)
    reached = tab_through(page)
    assert reached == controls_in_view(page) and len(reached) == 8, reached
    # a dropdown by keyboard: ArrowDown picks the next option, the picture follows, the notebook
    # keeps its selected cell (the key does not reach JupyterLab's "select the next cell")
    activation = dropdown(page, "activation").locator("select")
    before = image.get_attribute("src")
    activation.focus()  # JupyterLab makes the explorer's cell the active one
    cell = page.locator(".jp-Notebook .jp-Cell.jp-mod-active").first.get_attribute("data-windowed-list-index")
    page.keyboard.press("ArrowDown")
    redrawn(image, before)
    assert activation.evaluate("s => s.options[s.selectedIndex].text") == "tanh"
    assert "tanh, xavier" in status(page)
    assert_alt_follows(page, image)
    assert page.locator(".jp-Notebook .jp-Cell.jp-mod-active").first.get_attribute("data-windowed-list-index") == cell
    before = image.get_attribute("src")
    page.keyboard.press("ArrowUp")
    redrawn(image, before)
    assert "sigmoid, xavier" in status(page)
    scale, depth = slider(page, "scale"), slider(page, "depth")
    assert scale.locator(".widget-readout").inner_text() == "1", "left at scale 1, as the last cell sets it"
    assert "sigmoid, xavier × 1:" in status(page) and "→ vanishing" in status(page)
    clip = dropdown(page, "clip at")
    assert clip.locator("select").evaluate("s => s.options[s.selectedIndex].text") == "off", "never blank"
    press_on(page, depth, "ArrowLeft", image)
    assert depth.locator(".widget-readout").inner_text() == "11"
    press_on(page, depth, "Home", image)
    assert "depth 1," in status(page)
    press_on(page, depth, "End", image)
    press_on(page, scale, "ArrowRight", image)
    assert_status_shown_whole(page)
    assert scale.locator(".widget-readout").inner_text() == "1.2"
    choose(page, dropdown(page, "activation"), "tanh", image)
    choose(page, dropdown(page, "init"), "he", image)
    choose(page, clip, "1", image)
    choose(page, dropdown(page, "compare"), "sigmoid/xavier", image)
    screenshot(page, "08_after_controls.png", tmp_path)
    choose(page, clip, "off", image)
    saved = save(page, jupyterlab, NOTEBOOKS[1])
    assert "widgets" in saved["metadata"]


@pytest.mark.lab
@pytest.mark.nb10
def test_10_every_control_and_play_train_the_network(page, jupyterlab, tmp_path, axe_ready):
    open_notebook(page, jupyterlab, NOTEBOOKS[2])
    image = run_all(page)
    check_sharp(page, image, 920)
    check_accessible(page, "10", image, axe_ready)
    reached = tab_through(page)
    # five sliders with their typed values, two dropdowns, four buttons and Export code
    assert reached == controls_in_view(page) and len(reached) == 17, reached
    for name in ("button:play", "button:stop", "button:step ×10", "button:reset", "button:Export code"):
        assert name in reached, (name, reached)
    assert_not_squeezed(page)
    for label, key in [("noise", "ArrowRight"), ("hidden layers", "ArrowRight"), ("units", "ArrowLeft"),
                       (r"η \(lr\)", "ArrowRight"), ("batch size", "ArrowRight")]:
        press_on(page, slider(page, label), key, image)
    for label, option in [("dataset", "circles"), ("activation", "relu"), ("activation", "tanh")]:
        choose(page, dropdown(page, label), option, image)
    assert re.search(r"step 0: training loss", status(page)), status(page)
    before = image.get_attribute("src")
    page.locator(".widget-button", has_text="step ×10").click()
    redrawn(image, before)
    assert "step 10:" in status(page)
    assert_status_shown_whole(page)
    before = image.get_attribute("src")
    page.locator(".widget-button", has_text="reset").click()
    redrawn(image, before)
    assert "step 0:" in status(page)
    loss_at_start = float(re.search(r"training loss ([\d.e+-]+)", status(page)).group(1))
    # Play: count the frames while it runs, then pause
    image.evaluate("""img => {
        window._frames = 0;
        new MutationObserver(() => window._frames++).observe(img, {attributes: true, attributeFilter: ["src"]});
    }""")
    play = page.locator(".widget-play button")
    play.nth(0).click()
    page.wait_for_function("window._frames >= 5", timeout=60_000)
    play.nth(1).click()  # pause
    settled(image, quiet=1.0)
    frames = page.evaluate("window._frames")
    steps = int(re.search(r"step (\d+):", status(page)).group(1))
    loss = float(re.search(r"training loss ([\d.e+-]+)", status(page)).group(1))
    assert frames >= 3 and steps >= 30 and steps % 10 == 0, (frames, steps)  # 10 steps a frame
    assert loss < loss_at_start, (loss_at_start, loss)
    screenshot(page, "10_after_play.png", tmp_path)
    saved = save(page, jupyterlab, NOTEBOOKS[2])
    assert "widgets" in saved["metadata"]


@pytest.mark.lab
@pytest.mark.nb06
def test_after_a_kernel_restart_a_moved_control_says_to_run_the_cell_again(page, jupyterlab, tmp_path):
    open_notebook(page, jupyterlab, NOTEBOOKS[0])
    image = run_all(page)
    hint = page.locator(".nnlib-reopen-hint").first
    lr = slider(page, r"η \(lr\)")
    press_on(page, lr, "ArrowRight", image)  # a live kernel answers: no note
    time.sleep(5)  # longer than accessible.js waits for the kernel's answer
    assert not hint.is_visible()
    session = next(s for s in api(jupyterlab, "/api/sessions") if s["path"].endswith(NOTEBOOKS[0]))
    api(jupyterlab, f"/api/kernels/{session['kernel']['id']}/restart", method="POST")
    page.get_by_text(re.compile(r"\|\s*Idle")).first.wait_for()
    before = image.get_attribute("src")
    handle = lr.locator(".noUi-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")  # the slider moves in the page; no kernel redraws the picture
    sync_api.expect(hint).to_be_visible(timeout=15_000)
    assert "run this cell again" in hint.inner_text()
    assert hint.get_attribute("role") == "alert", "a screen reader announces it"
    assert image.get_attribute("src") == before
    hint.scroll_into_view_if_needed()
    screenshot(page, "06_after_restart.png", tmp_path)


@pytest.mark.lab
@pytest.mark.nb06
@pytest.mark.nb08
@pytest.mark.nb10
def test_reopened_with_a_fresh_kernel_every_explorer_shows_its_last_picture(page, jupyterlab, tmp_path):
    for name in NOTEBOOKS:  # saved by the tests above; run alone (pytest -m lab skips 06's), saved here
        if "widgets" not in json.loads((jupyterlab[2] / name).read_text(encoding="utf-8"))["metadata"]:
            open_notebook(page, jupyterlab, name)
            run_all(page)
            save(page, jupyterlab, name)
    for session in api(jupyterlab, "/api/sessions"):
        api(jupyterlab, f"/api/kernels/{session['kernel']['id']}", method="DELETE")  # the day ends
    for name in NOTEBOOKS:
        saved = json.loads((jupyterlab[2] / name).read_text(encoding="utf-8"))
        state = saved["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
        assert any(m["model_name"] == "ImageModel" for m in state.values()), name
        open_notebook(page, jupyterlab, name)
        image = page.locator("img.widget-image").first
        image.wait_for(state="visible")
        hint = page.locator(".nnlib-reopen-hint").first
        sync_api.expect(hint).to_be_visible()
        assert "Run All Cells" in hint.inner_text()
        assert image.evaluate("img => img.complete && img.naturalWidth") > 0, "the last picture is shown"
        assert page.get_by_text("Error displaying widget").count() == 0
        # the alt text comes from the saved AccessibleNames model, whose script sets it once it has
        # loaded, a moment after the picture: wait for it (up to the locator's timeout)
        sync_api.expect(image).to_have_attribute("alt", re.compile(r"\S"))
        assert_not_squeezed(page)
        image.scroll_into_view_if_needed()
        screenshot(page, f"{name[:2]}_reopened.png", tmp_path)


def step_through(page, output, name, n_steps, tmp_path):
    """Click Step n_steps times in one stepper's output, checking the picture and the status each time."""
    image = output.locator("img.widget-image")
    status_line = output.locator(".nnlib-status")
    button = {label: output.locator(".widget-button", has_text=re.compile(f"^{label}$"))
              for label in ("Step", "Back", "Run to end", "Reset")}
    output.scroll_into_view_if_needed()
    assert status_line.inner_text().startswith(f"step 0 of {n_steps}:")
    assert button["Back"].is_disabled() and button["Reset"].is_disabled()
    folder = pathlib.Path(os.environ.get("NNLIB_BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    output.screenshot(path=str(folder / f"stepper_{name}_00.png"))
    pictures = {image.get_attribute("src")}
    for k in range(1, n_steps + 1):
        before = image.get_attribute("src")
        button["Step"].click()
        pictures.add(redrawn(image, before))
        assert status_line.inner_text().startswith(f"step {k} of {n_steps}:"), status_line.inner_text()
        output.screenshot(path=str(folder / f"stepper_{name}_{k:02d}.png"))
    assert len(pictures) == n_steps + 1, "every step draws a new picture"
    assert button["Step"].is_disabled() and button["Run to end"].is_disabled()
    for label, expected in [("Back", n_steps - 1), ("Reset", 0), ("Run to end", n_steps)]:
        before = image.get_attribute("src")
        button[label].click()
        redrawn(image, before)
        assert status_line.inner_text().startswith(f"step {expected} of {n_steps}:"), (label, status_line.inner_text())


@pytest.mark.lab
@pytest.mark.nb03
@pytest.mark.a5
def test_the_stepper_steps_through_03s_graph_and_a_learners_value_class(page, jupyterlab, tmp_path):
    open_notebook(page, jupyterlab, STEPPER_NOTEBOOK)
    run_all(page)
    outputs = page.locator(".jp-OutputArea-output", has=page.locator("img.widget-image"))
    sync_api.expect(outputs).to_have_count(2)
    settled(outputs.nth(1).locator("img.widget-image"))
    check_sharp(page, outputs.nth(0).locator("img.widget-image"), 920)
    step_through(page, outputs.nth(0), "03", 13, tmp_path)
    step_through(page, outputs.nth(1), "a05", 10, tmp_path)
