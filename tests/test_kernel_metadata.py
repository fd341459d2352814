"""Opening a committed notebook does not mark it modified: it already holds the metadata
its kernel fills in (``kernelspec`` and the kernel_info reply's ``language_info``)."""

import json
import os
import pathlib
import re
import shutil
import sys
import time

import pytest
from lab_server import CHROMIUM, CHROMIUM_ARGS, running_jupyterlab

# book/ and tools/ are the repository's own scripts, run from a checkout and not installed
# (they put the checkout on the path the same way when run as scripts).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from tools.kernel_metadata import ROOT, differences, kernel_metadata, notebook_text, stamp, tracked_notebooks

NOTEBOOKS = tracked_notebooks()


@pytest.fixture(scope="module")
def expected():
    return kernel_metadata()


def committed_version():
    versions = {json.loads(p.read_text(encoding="utf-8"))["metadata"].get("language_info", {}).get("version")
                for p in NOTEBOOKS}
    return versions.pop() if len(versions) == 1 else None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_carries_the_kernels_metadata(path, expected):
    meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    hint = f"{path.relative_to(ROOT)}: run `python tools/kernel_metadata.py`"
    assert meta.get("kernelspec") == expected["kernelspec"], hint
    info = dict(meta.get("language_info", {}))
    # the version is the Python the notebooks were stamped under; the suite also runs
    # under other Pythons (the lowest-versions run), so only its form is checked here
    version = info.pop("version", None)
    assert isinstance(version, str) and re.fullmatch(r"\d+\.\d+\.\d+", version), f"{hint} (version {version!r})"
    assert info == {k: v for k, v in expected["language_info"].items() if k != "version"}, hint


def test_all_notebooks_are_stamped_with_one_python_version():
    assert committed_version() is not None, "notebooks carry different language_info versions: stamp them again"


def test_a_notebook_without_language_info_details_is_reported(expected):
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    nb["metadata"]["language_info"] = {"name": "python"}  # what a bare nbformat notebook holds
    assert differences(nb, expected) == ["language_info"]


def test_stamping_changes_the_metadata_and_nothing_else(expected, tmp_path):
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    nb["metadata"] = {"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}, "extra": [1, 2]}
    path = tmp_path / "old.ipynb"
    path.write_text(notebook_text(nb), encoding="utf-8")
    assert stamp(path, expected) is True
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after["metadata"] == {**expected, "extra": [1, 2]}
    assert after["cells"] == nb["cells"] and after["nbformat_minor"] == nb["nbformat_minor"]
    assert stamp(path, expected) is False  # already clean: the file is not rewritten


# ------------------------------------------------------------------ in JupyterLab

def open_and_read_dirty(page, base, token, name, settle=3.0):
    """Open ``name`` in JupyterLab; return whether its tab is marked modified once the kernel is idle."""
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    page.get_by_text(re.compile(r"\|\s*Idle")).first.wait_for()
    tab = page.locator(".lm-TabBar-tab.jp-mod-current", has_text=name.rsplit("/", 1)[-1]).first
    deadline = time.monotonic() + settle  # the kernel's metadata arrives around the first Idle
    while time.monotonic() < deadline:
        if "jp-mod-dirty" in (tab.get_attribute("class") or ""):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.browser
@pytest.mark.lab
@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
def test_opening_a_notebook_in_jupyterlab_leaves_it_unmodified(expected, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed")
    version = expected["language_info"]["version"]
    if committed_version() != version:
        pytest.skip(f"the notebooks are stamped for Python {committed_version()}; this kernel runs {version}, "
                    "so JupyterLab rightly updates language_info.version")
    root = tmp_path / "root"
    root.mkdir()
    course = next(p for p in NOTEBOOKS if p.parent.name == "notebooks")
    exercise = next(p for p in NOTEBOOKS if "release" in p.parts)
    opened = {}
    for path in (course, exercise):
        opened[path.name] = root / path.name
        shutil.copy(path, opened[path.name])
    # a control: the same notebook with only what nbformat writes, which JupyterLab must flag
    bare = json.loads(course.read_text(encoding="utf-8"))
    bare["metadata"]["language_info"] = {"name": "python"}
    (root / "bare.ipynb").write_text(notebook_text(bare), encoding="utf-8")
    scratch = tmp_path / "lab"
    scratch.mkdir()
    with running_jupyterlab(root, scratch) as (base, token), sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            assert open_and_read_dirty(page, base, token, "bare.ipynb", settle=15), (
                "the control notebook was not marked modified: the check below could not fail")
            for name, copy in opened.items():
                before = copy.read_bytes()
                assert not open_and_read_dirty(page, base, token, name), f"{name} is marked modified on opening"
                assert copy.read_bytes() == before
        finally:
            browser.close()
