"""One fresh kernel for one submission: cells run with a time limit, and it recovers from hangs
and crashes. Only nbclient's and jupyter_client's public API.

Before any of the learner's cells the kernel runs a prelude that loads exercises.probe (which
keeps its own references to numpy and sys, taken before any learner code can rebind them) and
installs its import blocker, so nothing in the kernel can import the checks while it is graded.
"""

import contextlib
import json
import os
import re
import secrets
import subprocess

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from .probe import MIME

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PRELUDE = "__import__('exercises.probe', fromlist=['guard']).guard()"


class KernelLost(Exception):
    """A cell hung or the kernel died; the message says which."""


def error_message(outputs):
    """The error a cell's outputs show, in one line, or None."""
    for out in outputs:
        if out.get("output_type") == "error":
            name, value = out.get("ename", "Error"), _ANSI.sub("", str(out.get("evalue", "")))
            if name == "NameError":
                return (f"NameError: {value}. A name this test needs is not defined: did its cell above fail, "
                        "or did a cell delete or rename it?")
            return f"{name}: {value}"
    return None


def _wait(call, *args, **kwargs):
    """Run a method of the (async) kernel manager or client to completion."""
    async def go():
        return await ensure_async(call(*args, **kwargs))
    return run_sync(go)()


class KernelRunner:
    """Runs cells one by one in a fresh kernel; after a hang or a crash it starts a new kernel and
    runs again the cells that had run without an error (the prelude first)."""

    def __init__(self, nb, timeout, startup_timeout, cwd):
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # inline figures, as in a notebook
        env["EXERCISES_GRADING"] = "1"  # exercises.student refuses to start a judge while grading
        self.env = env
        self.client = NotebookClient(nb, timeout=timeout, startup_timeout=startup_timeout, kernel_name="python3",
                                     allow_errors=True, interrupt_on_timeout=False, record_timing=False,
                                     shutdown_kernel="immediate", raise_on_iopub_timeout=True,
                                     resources={"metadata": {"path": cwd}})
        self.timeout = timeout
        self.note = ""  # what happened to the kernel, added to later failures
        self.replay = []  # sources of the cells to run again after a restart

    def start(self):
        self.client.km = self.client.create_kernel_manager()
        self.client.start_new_kernel(env=self.env, stderr=subprocess.DEVNULL)
        self.client.start_new_kernel_client()
        self.replay = [PRELUDE]
        error = error_message(self._scratch(PRELUDE).outputs)
        if error:
            raise KernelLost(f"the grader's set-up failed in the kernel: {error}")

    def stop(self):
        client = self.client
        with contextlib.suppress(Exception):  # the kernel may be dead already
            if client.kc is not None:
                client.kc.stop_channels()
        with contextlib.suppress(Exception):
            if client.km is not None:
                _wait(client.km.shutdown_kernel, now=True)
                _wait(client.km.cleanup_resources)
        client.kc = client.km = None

    def run(self, cell, index):
        """Run one notebook cell; returns its error message or None. A cell that runs without an
        error is run again after a restart."""
        try:
            self.client.execute_cell(cell, index)
        except (CellTimeoutError, DeadKernelError) as exc:
            return self._lost(exc, f"cell {index}")
        error = error_message(cell.outputs)
        if error is None:
            self.replay.append(str(cell.source))
        return error

    def probe(self, spec):
        """Run a probe (exercises.probe.run) with this spec; returns its reports. Raises KernelLost."""
        nonce = secrets.token_hex(16)
        source = f"__import__('exercises.probe', fromlist=['run']).run({json.dumps(spec)!r}, {nonce!r})"
        try:
            cell = self._scratch(source)
        except (CellTimeoutError, DeadKernelError) as exc:
            raise KernelLost(self._lost(exc, "a check")) from None
        for out in cell.outputs:
            payload = out.get("data", {}).get(MIME) if out.get("output_type") == "display_data" else None
            if isinstance(payload, dict) and payload.get("nonce") == nonce:
                return json.loads(json.dumps(payload.get("reports")))  # plain lists and dicts, as the judge expects
        raise KernelLost("the check could not run in the kernel" + (f" ({error_message(cell.outputs)})"
                                                                     if error_message(cell.outputs) else ""))

    def _scratch(self, source):
        """Run code that is not one of the notebook's cells (nbclient stores a cell at its index)."""
        cells = self.client.nb.cells
        cells.append(nbformat.v4.new_code_cell(source))
        try:
            self.client.execute_cell(cells[-1], len(cells) - 1)
            return cells[-1]
        finally:
            cells.pop()

    def _lost(self, exc, what):
        if isinstance(exc, CellTimeoutError):
            self._restart(f"{what} was stopped after {self.timeout:g} s")
            return f"timed out after {self.timeout:g} s: the code did not finish (an endless loop?)"
        self._restart(f"the kernel died while running {what}")
        return "the kernel died while running this (did the code exit or run out of memory?)"

    def _restart(self, why):
        """A fresh kernel (not a restart: the old channels may still hold the hung cell's traffic),
        brought back to where it was; a cell that fails now ends the replay."""
        replay = self.replay
        self.stop()
        self.start()
        replayed = 1
        for source in replay[1:]:
            try:
                again = self._scratch(source)
            except (CellTimeoutError, DeadKernelError):
                break
            if error_message(again.outputs):
                break
            replayed += 1
        lost = len(replay) - replayed
        self.replay = replay[:replayed]
        self.note = (f"{why}, so the kernel was restarted and the cells before it that had run without an error "
                     "were run again" + (f"; {lost} of them failed this time" if lost else ""))
