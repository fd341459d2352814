"""Give every committed notebook the metadata its kernel fills in when it is opened.

When JupyterLab opens a notebook it starts the kernel and copies two things into the
notebook's metadata: the kernel's spec (``kernelspec``: name, display name, language) and
the ``language_info`` of the kernel's kernel_info reply (name, version, mimetype,
codemirror_mode, pygments_lexer, nbconvert_exporter, file_extension). A notebook that
does not already hold exactly those values is marked modified before the learner has
typed anything. ``language_info.version`` is the kernel's Python version, so a notebook
stays clean only under the Python it was stamped with.

    python tools/kernel_metadata.py            # stamp every tracked notebook
    python tools/kernel_metadata.py --check    # exit 1 and name the notebooks that differ

Only ``metadata.kernelspec`` and ``metadata.language_info`` change; every other byte of
the file stays as it was (the files are written the way nbformat writes them).
"""

import argparse
import json
import pathlib
import subprocess
import sys

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

ROOT = pathlib.Path(__file__).resolve().parent.parent
KERNEL = "python3"


def kernel_metadata(kernel_name=KERNEL, timeout=60):
    """{"kernelspec": ..., "language_info": ...} as JupyterLab writes them for this kernel.

    The language_info comes from a real kernel's kernel_info reply, so it is whatever the
    installed ipykernel reports.
    """
    spec = KernelSpecManager().get_kernel_spec(kernel_name)
    manager, client = start_new_kernel(kernel_name=kernel_name, startup_timeout=timeout)
    try:
        msg_id = client.kernel_info()
        while True:
            reply = client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return {
        "kernelspec": {"display_name": spec.display_name, "language": spec.language, "name": kernel_name},
        "language_info": reply["content"]["language_info"],
    }


def tracked_notebooks(root=ROOT):
    """Every notebook git tracks (or, outside a git checkout, every notebook on disk)."""
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=root, capture_output=True, text=True)
    if out.returncode != 0:
        return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    return [root / line for line in out.stdout.splitlines()]


def notebook_text(nb):
    """A notebook dict as nbformat writes it: one-space indent, sorted keys, a final newline."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def differences(nb, metadata):
    """The metadata keys whose values differ from ``metadata`` (empty: the notebook is clean)."""
    have = nb.get("metadata", {})
    return [key for key, value in metadata.items() if have.get(key) != value]


def stamp(path, metadata):
    """Write ``metadata``'s keys into the notebook at ``path``; return True when it changed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    if not differences(nb, metadata):
        return False
    nb.setdefault("metadata", {}).update(metadata)
    path.write_text(notebook_text(nb), encoding="utf-8")
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 when a notebook differs")
    parser.add_argument("paths", nargs="*", type=pathlib.Path, help="notebooks (default: every tracked one)")
    args = parser.parse_args(argv)
    paths = args.paths or tracked_notebooks()
    metadata = kernel_metadata()
    stale = []
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        keys = differences(nb, metadata)
        if keys and not args.check:
            stamp(path, metadata)
            print(f"stamped {path}: {', '.join(keys)}")
        elif keys:
            stale.append(path)
            print(f"differs: {path}: {', '.join(keys)}")
    if stale:
        print(f"{len(stale)} notebook(s) lack the kernel's metadata: run `python tools/kernel_metadata.py`")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
