"""Build the course as a website in _site/: every notebook executed, in course order.

    python book/build.py                 # after: pip install -r requirements-book.txt
    python book/build.py --out DIR --jobs 2

Each notebook of notebooks/ runs top to bottom in a fresh kernel, in notebooks/ (as in
JupyterLab), with figures drawn at twice their size in pixels (sharp on any screen). An
explorer's output keeps its last picture, followed by a line saying it is live in
JupyterLab. The executed notebooks, the home page and the pages cut from the README are
written to _build/book/ and rendered by Sphinx with MyST-NB (book/conf.py). The build
stops with the notebook, cell and error when a cell fails.
"""

import argparse
import concurrent.futures
import html
import pathlib
import re
import shutil
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # run as a script from anywhere
from book import course  # noqa: E402

ROOT = course.ROOT
BOOK = ROOT / "book"
STAGE = course.STAGE
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
BAR = 20  # characters in a progress bar drawn as text
EXPLORER_NOTE_CLASS = "explorer-note"


def execute(path, timeout):
    """Run one notebook in a fresh kernel; return (executed notebook, seconds)."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            extra_arguments=["--InlineBackend.figure_formats=retina"])
    client.execute()
    return nb, time.perf_counter() - start


def explorer_note(path):
    """The line under an explorer's picture: where its controls come alive."""
    links = course.launch_links(path.relative_to(ROOT).as_posix())
    return (f'<p class="{EXPLORER_NOTE_CLASS}"><em>This is the explorer\'s last picture. It is live in '
            f'JupyterLab: open <code>{html.escape(path.relative_to(ROOT).as_posix())}</code> '
            f'(<code>jupyter lab</code> at the repository\'s root, or <a href="{links["binder"]}">on Binder</a>) '
            f'and run its cells to move the controls.</em></p>')


def widget_text(model_id, state):
    """A text picture of a widget's last state, or None when it has parts text cannot show.

    A tqdm progress bar (a row of HTML, a progress bar, HTML) becomes the line tqdm would
    print; its plain-text form in the output is only the bar as it started, at 0%.
    """
    model = state.get(model_id)
    if model is None:
        return None
    name, values = model.get("model_name"), model.get("state", {})
    if name in ("HBoxModel", "VBoxModel"):
        parts = [widget_text(child.removeprefix("IPY_MODEL_"), state) for child in values.get("children", [])]
        return None if None in parts else ("" if name == "HBoxModel" else "\n").join(parts)
    if name in ("HTMLModel", "LabelModel"):
        return html.unescape(re.sub(r"<[^>]*>", "", values.get("value", "")))
    if name in ("FloatProgressModel", "IntProgressModel"):
        low, high, value = values.get("min", 0), values.get("max", 100), values.get("value", 0)
        filled = round(BAR * (value - low) / (high - low)) if high > low else 0
        return "|" + "█" * filled + " " * (BAR - filled) + "|"
    return None


def settle_widgets(nb, path):
    """Give every widget output a form a page without a kernel can show.

    An explorer (a widget that also carries its picture) gets the "live in JupyterLab" line
    after it; any other widget gets its last state as text where it can be drawn so. The
    widgets' state then leaves the notebook: nothing on the site can use it.
    Returns (explorers, widgets drawn as text).
    """
    state = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    explorers = as_text = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.outputs:
            outputs.append(output)
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            if "image/png" in data:
                outputs.append(nbformat.v4.new_output("display_data", data={"text/html": explorer_note(path)}))
                explorers += 1
            elif (text := widget_text(data[WIDGET_VIEW].get("model_id"), state)) is not None:
                data["text/plain"] = text
                as_text += 1
        cell.outputs = outputs
    return explorers, as_text


def errors_in(nb):
    """[(cell index, error name)] for every error output (a cell tagged raises-exception may keep one)."""
    return [(i, output.get("ename")) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == "error"]


def execute_all(paths, jobs, timeout):
    """Execute the notebooks, ``jobs`` at a time; return {path: (notebook, seconds)} or exit on failure."""
    done, failed = {}, []
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute, path, timeout): path for path in paths}
        for future in concurrent.futures.as_completed(futures):
            path = futures[future]
            try:
                done[path] = future.result()
            except CellExecutionError as error:
                failed.append(f"{path.relative_to(ROOT)}: {error}")
                continue
            errors = errors_in(done[path][0])
            if errors:
                failed.append(f"{path.relative_to(ROOT)}: error output in cells {errors}")
            print(f"  executed {path.relative_to(ROOT)} in {done[path][1]:.1f} s", flush=True)
    if failed:
        sys.exit("the website was not built; a notebook failed:\n" + "\n\n".join(failed))
    return done


def stage(executed):
    """Write the executed notebooks and the generated pages into STAGE."""
    if STAGE.exists():
        shutil.rmtree(STAGE)
    (STAGE / "notebooks").mkdir(parents=True)
    (STAGE / course.EXTRA / "notebooks").mkdir(parents=True)
    staged = []
    for path, (nb, _) in sorted(executed.items()):
        shutil.copy(path, STAGE / course.EXTRA / "notebooks" / path.name)
        explorers, as_text = settle_widgets(nb, path)
        nbformat.write(nb, STAGE / "notebooks" / path.name)
        staged.append(f"notebooks/{path.name}")
        if explorers or as_text:
            print(f"  {path.name}: {explorers} explorer(s) shown as their last picture, "
                  f"{as_text} other widget(s) as text")
    for page in course.README_PAGES:
        (STAGE / f"{page}.md").write_text(course.readme_page(page, staged=staged), encoding="utf-8")
    toctrees = [("Notebooks", [s.removesuffix(".ipynb") for s in staged]),
                ("Reference", list(course.README_PAGES))]
    (STAGE / "index.md").write_text(course.index_page(toctrees, staged=staged), encoding="utf-8")


def sphinx(out):
    """Render STAGE with book/conf.py (warnings are errors) and put the pages in ``out``.

    Sphinx writes into _build/html (MyST-NB keeps its files beside the output folder,
    in _build too), then the result replaces ``out``.
    """
    from sphinx.cmd.build import build_main

    if out.exists() and any(out.iterdir()) and not (out / ".buildinfo").exists():
        sys.exit(f"{out} holds files that no earlier build wrote: choose another --out")
    html = ROOT / "_build" / "html"
    if html.exists():
        shutil.rmtree(html)  # a page whose notebook is gone must not linger
    status = build_main(["-b", "html", "-c", str(BOOK), "-d", str(ROOT / "_build" / "doctrees"),
                         "-W", "--keep-going", "-q", "-E", str(STAGE), str(html)])
    if status:
        sys.exit(f"sphinx-build failed (status {status}); see the warnings above")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(html, out)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the course as a website.")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "_site", help="output folder (default _site/)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds a cell may take (default 300)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = course.notebooks()
    print(f"executing {len(paths)} notebooks, {args.jobs} at a time", flush=True)
    executed = execute_all(paths, args.jobs, args.timeout)
    stage(executed)
    rendered = time.perf_counter()
    sphinx(args.out.resolve())
    end = time.perf_counter()
    print(f"built {args.out} in {end - start:.0f} s (executing {rendered - start:.0f} s, "
          f"Sphinx {end - rendered:.0f} s)")


if __name__ == "__main__":
    main()
