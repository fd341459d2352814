"""Stage 2 of grading: run the submission's cells in a fresh kernel, inside the sandbox.

The kernel is an IPython kernel started by exercises.sandbox (or, with --no-sandbox, as a plain
process); this module talks to it with jupyter_client only. It sends each cell, and at each test
cell the test's probe (exercises.probe: call the learner's functions on the cases, send back the
raw results), and collects what comes back: a cell's error, and a probe's reports, as plain data.
It keeps none of the kernel's other output: it counts its size and stops a cell whose output
passes the cap. It judges nothing.

A cell that runs past its time, a kernel that dies or floods its output: the kernel is thrown
away, a fresh one started, and the cells that had run without an error run again; grading goes
on, and what happened is noted for the tests that follow.
"""

import contextlib
import dataclasses
import json
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time

from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from . import sandbox
from .probe import MIME

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PRELUDE = "__import__('exercises.probe', fromlist=['guard']).guard()"
OUTPUT_CAP = 16 << 20  # bytes of output one cell may print or display
MESSAGE_CAP = 32 << 20  # bytes of one message from the kernel (zmq drops the connection beyond it)
REPLAY_TIMEOUT = 60  # seconds a cell that ran before may take when it runs again after a restart


class KernelLost(Exception):
    """A cell hung, the kernel died, or its output passed the cap; the message says which."""


@dataclasses.dataclass
class Ran:
    """What running one piece of code gave: its error in one line (or None) and the probe payloads."""

    error: str | None = None
    payloads: list = dataclasses.field(default_factory=list)


def error_line(name, value):
    """An error as one line, with a word on NameError (the usual cause: an earlier cell failed)."""
    value = _ANSI.sub("", str(value))
    if name == "NameError":
        return (f"NameError: {value}. A name this test needs is not defined: did its cell above fail, "
                "or did a cell delete or rename it?")
    return f"{name}: {value}"


class Kernel:
    """One kernel process, sandboxed unless sandboxed=False."""

    def __init__(self, course_dir, limits, *, sandboxed=True, run_as=None, startup_timeout=60):
        self.course_dir, self.limits, self.sandboxed, self.run_as = course_dir, limits, sandboxed, run_as
        self.startup_timeout = startup_timeout
        self.proc = self.client = self.context = None
        self.scratch = tempfile.TemporaryDirectory(prefix="grade-kernel-")

    def start(self):
        conn = os.path.join(self.scratch.name, "connection.json")
        key = secrets.token_hex(32).encode()
        inside = sandbox.RUN + "/kernel" if self.sandboxed else os.path.join(self.scratch.name, "kernel")
        _, info = write_connection_file(conn, ip=inside, transport="ipc", key=key)
        if self.sandboxed:
            pid = self._start_sandboxed(conn)
            info = dict(info, ip=f"/proc/{pid}/root{inside}")
        else:
            self._start_plain(conn)
        zmq = _zmq()
        self.context = zmq.Context()  # its own, destroyed with the kernel: nothing lingers to a dead one
        self.context.setsockopt(zmq.LINGER, 0)
        self.context.setsockopt(zmq.MAXMSGSIZE, MESSAGE_CAP)
        self.client = BlockingKernelClient(context=self.context)
        self.client.load_connection_info(info)
        self.client.start_channels(hb=False)  # the process itself says whether the kernel lives
        self._wait_for_ready()

    def _wait_for_ready(self):
        """Ask for kernel_info until the answer comes on both channels: the reply on shell, and the
        kernel's busy/idle status on iopub. A subscription to iopub takes a moment to join, and what
        the kernel publishes before it has joined is lost; a cell sent then would never be seen to
        finish (the grader would wait out its whole time on a right answer)."""
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            msg_id = self.client.kernel_info()
            if self._answered(msg_id, self.client.get_shell_msg) and self._answered(msg_id, self.client.get_iopub_msg):
                self._drain_iopub()
                return
            if not self.alive():
                self.stop()
                raise KernelLost("the kernel did not start: it exited at once")
        self.stop()
        raise KernelLost(f"the kernel did not start within {self.startup_timeout:g} s")

    @staticmethod
    def _answered(msg_id, get, wait=0.5):
        """Whether a message answering msg_id arrives through get within wait seconds."""
        try:
            while True:
                if get(timeout=wait).get("parent_header", {}).get("msg_id") == msg_id:
                    return True
        except queue.Empty:
            return False

    def _drain_iopub(self):
        """Drop what iopub still holds from the start (the idle after a busy, an earlier kernel_info's)."""
        with contextlib.suppress(queue.Empty):
            while True:
                self.client.get_iopub_msg(timeout=0.05)

    def _start_sandboxed(self, conn):
        info_r, info_w = os.pipe()
        seccomp = tempfile.TemporaryFile()
        seccomp.write(sandbox.seccomp_filter())
        seccomp.seek(0)
        connection = open(conn, "rb")  # copied into the sandbox, where the kernel may write it again
        cmd = sandbox.command(self.course_dir, conn, self.limits, info_fd=info_w, seccomp_fd=seccomp.fileno(),
                              connection_fd=connection.fileno())
        if self.run_as is not None:  # bwrap runs as the unprivileged user, who must read the connection file
            _give_to(self.scratch.name, self.run_as)
        try:
            self.proc = subprocess.Popen(cmd, pass_fds=(info_w, seccomp.fileno(), connection.fileno()),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, preexec_fn=self._prepare)
        finally:
            os.close(info_w)
            seccomp.close()
            connection.close()
        try:
            return sandbox.read_info(info_r)
        except sandbox.SandboxUnavailable as exc:
            self.stop()
            raise KernelLost(f"the sandbox did not start: {exc}") from None
        finally:
            os.close(info_r)

    def _prepare(self):
        """In the child, before exec: the limits, and (for a root grader) an unprivileged user."""
        sandbox.set_limits(self.limits)
        if self.run_as is not None:
            if not self.sandboxed:
                sandbox.isolate_without_bwrap()
            sandbox.drop_to(self.run_as)
            if not self.sandboxed:
                sandbox.install_seccomp()

    def _start_plain(self, conn):
        env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "JPY_PARENT_PID")}
        env.update(PYTHONPATH=str(self.course_dir), EXERCISES_GRADING="1", OPENBLAS_NUM_THREADS="1")
        if self.run_as is not None:  # a home of its own, and nothing of the grader's environment
            home = os.path.join(self.scratch.name, "home")
            os.makedirs(home, exist_ok=True)
            env = {k: v for k, v in env.items() if k in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "EXERCISES_GRADING",
                                                           "OPENBLAS_NUM_THREADS")}
            env.update(HOME=home, MPLCONFIGDIR=os.path.join(home, ".matplotlib"), IPYTHONDIR=os.path.join(home, ".ip"))
            _give_to(self.scratch.name, self.run_as)
        self.proc = subprocess.Popen([sys.executable, "-m", "ipykernel_launcher", "-f", conn,
                                      "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"],
                                     env=env, cwd=self.scratch.name, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=self._prepare)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
            self.client = None
        if self.context is not None:
            self.context.destroy(linger=0)
            self.context = None
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                if self.sandboxed:
                    self.proc.kill()  # bwrap: --die-with-parent takes the whole sandbox with it
                else:
                    os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
            self.proc = None

    def close(self):
        self.stop()
        self.scratch.cleanup()

    def execute(self, code, timeout):
        """Run code; returns Ran. Raises KernelLost when it runs past timeout seconds, the kernel
        dies, or its output passes OUTPUT_CAP (the kernel is then unusable: stop and start anew)."""
        msg_id = self.client.execute(code, store_history=False, allow_stdin=False, stop_on_error=False)
        deadline, size, ran = time.monotonic() + timeout, 0, Ran()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise KernelLost(f"timed out after {timeout:g} s: the code did not finish (an endless loop?)")
            try:
                msg = self.client.get_iopub_msg(timeout=min(left, 0.25))
            except queue.Empty:
                if not self.alive():
                    raise KernelLost("the kernel died while running this (did the code exit or run out of "
                                     "memory?)") from None
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            size += len(json.dumps(content, default=str)) if kind != "status" else 0
            if size > OUTPUT_CAP:
                raise KernelLost(f"the code printed or displayed more than {OUTPUT_CAP >> 20} MB; the grader "
                                 "reads no more of a cell's output than that and stopped it")
            if kind == "status" and content.get("execution_state") == "idle":
                return ran
            if kind == "error" and ran.error is None:
                ran.error = error_line(content.get("ename", "Error"), content.get("evalue", ""))
            elif kind == "display_data" and MIME in content.get("data", {}):
                ran.payloads.append(content["data"][MIME])


def _give_to(directory, user):
    """Make the kernel's scratch directory (connection file, sockets, home) the unprivileged user's."""
    import pwd

    entry = pwd.getpwuid(user) if isinstance(user, int) else pwd.getpwnam(user)
    for base, dirs, files in os.walk(directory):
        for name in [base, *(os.path.join(base, n) for n in dirs + files)]:
            os.chown(name, entry.pw_uid, entry.pw_gid)


def _zmq():
    import zmq

    return zmq


class Runner:
    """Runs a submission's cells one by one and its probes; after a hang, a crash or a flood it
    starts a fresh kernel and runs again the cells that had run without an error (the prelude first).

    note: what happened to the kernel, for the messages of the tests that follow."""

    def __init__(self, course_dir, limits, *, timeout, sandboxed=True, run_as=None, deadline=None):
        self.kernel = Kernel(course_dir, limits, sandboxed=sandboxed, run_as=run_as)
        self.timeout, self.deadline = timeout, deadline
        self.note, self.replay = "", []

    def __enter__(self):
        try:
            self.start()
        except BaseException:  # a kernel that started but failed its set-up must not outlive this
            self.kernel.close()
            raise
        return self

    def __exit__(self, *exc):
        self.kernel.close()

    def start(self):
        self.kernel.start()
        self.replay = [PRELUDE]
        ran = self.kernel.execute(PRELUDE, self._time_left(max(self.timeout, REPLAY_TIMEOUT)))
        if ran.error:
            raise KernelLost(f"the grader's set-up failed in the kernel: {ran.error}")

    def _time_left(self, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise KernelLost("the notebook ran past the grader's time limit for a whole notebook")
        return min(timeout, left)

    def run(self, source, what):
        """Run one cell's source; returns its error line or None."""
        try:
            ran = self.kernel.execute(source, self._time_left())
        except KernelLost as exc:
            self._restart(f"{what} {_past(exc)}")
            return str(exc)
        if ran.error is None:
            self.replay.append(source)
        return ran.error

    def probe(self, spec):
        """Run a probe with this spec; returns its reports (plain lists and dicts). Raises KernelLost."""
        nonce = secrets.token_hex(16)
        source = f"__import__('exercises.probe', fromlist=['run']).run({json.dumps(spec)!r}, {nonce!r})"
        try:
            ran = self.kernel.execute(source, self._time_left())
        except KernelLost as exc:
            self._restart(f"a check {_past(exc)}")
            raise
        mine = [p for p in ran.payloads if isinstance(p, dict) and p.get("nonce") == nonce]
        if len(mine) != 1:
            why = f" ({ran.error})" if ran.error else (" (it sent more than one report)" if mine else "")
            raise KernelLost("the check could not run in the kernel" + why)
        return json.loads(json.dumps(mine[0].get("reports")))

    def _restart(self, why):
        """A fresh kernel brought back to where it was; a cell that fails now ends the replay."""
        replay = self.replay
        self.kernel.stop()
        try:
            self.start()
        except KernelLost as exc:
            self.note = f"{why}, and a fresh kernel could not start ({exc})"
            raise
        replayed = 1
        for source in replay[1:]:  # cells that ran within their time before: a busy machine gets slack
            try:
                if self.kernel.execute(source, self._time_left(max(self.timeout, REPLAY_TIMEOUT))).error:
                    break
            except KernelLost:
                self.kernel.stop()
                self.start()
                break
            replayed += 1
        lost = len(replay) - replayed
        self.replay = replay[:replayed]
        self.note = (f"{why}, so the kernel was restarted and the cells before it that had run without an error "
                     "were run again" + (f"; {lost} of them failed this time" if lost else ""))


def _past(exc):
    text = str(exc)
    if text.startswith("timed out"):
        return "was stopped after running past its time"
    if "printed or displayed" in text:
        return "was stopped for printing too much"
    return "ended the kernel"


# ------------------------------------------------------------------ a submission, cell by cell

@dataclasses.dataclass
class Observation:
    """What running a submission showed for one of its tests: the probe's raw reports, or why none came."""

    test: object  # exercises.submission.PlannedTest
    reports: list | None
    lost: str | None  # why no reports came back (the kernel hung or died during the check)
    note: str  # what had happened to the kernel by then
    earlier: str | None  # the error of the cell of the test's exercise, if it raised


def observe(submission, runner):
    """Run the submission's cells in order with runner (a Runner, or anything with run(source, what)
    -> error, probe(spec) -> reports and note); at each test cell, its probe. One Observation per test."""
    from .notebooks import exercise_of

    planned = {t.index: t for t in submission.tests}
    solution_errors, out = {}, []
    for index, (cell, slot) in enumerate(zip(submission.cells, submission.slots)):
        if slot.role != "test":
            error = runner.run(str(cell.source), f"cell {index}")
            if slot.role == "solution" and error:
                solution_errors[slot.exercise] = error
            continue
        if index not in planned:  # a test left out of this run
            continue
        test, reports, lost = planned[index], None, None
        if test.task is not None and not test.problems:
            try:
                reports = runner.probe({"cases": [test.task.probe_steps(c) for c, _ in test.cases]})
            except KernelLost as exc:
                lost = str(exc)
        out.append(Observation(test, reports, lost, runner.note, solution_errors.get(exercise_of(test.gid))))
    return out
