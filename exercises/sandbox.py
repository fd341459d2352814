"""The wall around a learner's code: every kernel that runs a submission runs inside bubblewrap.

``python -m exercises grade`` starts each notebook's kernel with ``bwrap`` (Debian's ``bubblewrap``),
an existing, small and well-reviewed tool that builds the sandbox from Linux namespaces. What the
kernel gets, and nothing else:

Namespaces
    new user, PID, IPC, UTS, cgroup and network namespaces: the kernel sees only
    its own processes, cannot signal the grader or any other process, and has no network at all
    (its own loopback, with nothing listening). ``--die-with-parent`` ends it with the grader;
    ``--new-session`` detaches it from the terminal; ``--cap-drop ALL``; ``--disable-userns``.
System calls
    a seccomp filter refuses fork, vfork, clone without CLONE_THREAD, clone3 (so glibc's threads
    fall back to clone), ptrace, process_vm_readv/writev, bpf, perf_event_open, userfaultfd,
    io_uring, keyctl and foreign-architecture calls. So the kernel is one process with threads: it
    can start no other program and leave nothing running.
Files (read-only)
    ``/usr`` and the ``/bin``, ``/lib``… links or directories beside it; a few files of ``/etc`` the
    dynamic linker and Python need; the Python installation (its prefix, and the base prefix of a
    virtual environment), with every site-packages directory emptied and then only the
    distributions the kernel needs bound back: ipykernel, numpy and matplotlib and what they
    require, by their metadata (no scipy, no scikit-learn, no torch); and at ``/opt/course`` the
    kernel's own nnlib, from which the functions the assignment asks for are withheld
    (exercises.withhold), beside the few modules of ``exercises`` a notebook imports. Not the
    repository, not ``exercises/source/``, not the checks or any grader file, not the home
    directory, not another submission, not the real nnlib.
Files (writable, private, thrown away)
    ``/home/learner`` (``HOME``, ``IPYTHONDIR``, ``MPLCONFIGDIR`` and the working directory), ``/tmp``,
    ``/dev/shm`` and ``/run/kernel`` (the kernel's sockets): size-limited tmpfs inside the sandbox,
    never on the machine's disk. Nothing outside them is writable, so nothing the grader or a later
    kernel imports can be changed.
Limits
    address space (``--memory``, 2 GiB by default), CPU seconds, file size (64 MiB), open files,
    no core dumps (setrlimit, inherited by bwrap and the kernel). The grader adds a wall-clock
    limit per cell and per notebook and reads the kernel's output only up to a cap.
Environment
    cleared, then only ``HOME``, ``PATH``, ``PYTHONPATH=/opt/course``, the locale, one BLAS thread,
    and ``EXERCISES_GRADING=1``: no token, key or path of the instructor's.

The kernel's channels are Unix sockets (ZeroMQ's ``ipc`` transport) that the kernel creates in its
own ``/run/kernel``; the grader reaches them through ``/proc/<pid>/root``, so nothing of the
machine's disk is shared with the kernel for writing.

What it does not guarantee: it does not hide the machine's CPU model, kernel version or the
contents of ``/usr``; a kernel may use all of its CPU time and memory limit; and the learner's code
still computes its answers with numpy and the Python standard library, which it is meant to.
"""

import dataclasses
import functools
import importlib.metadata
import json
import os
import pathlib
import platform
import re
import resource
import shutil
import site
import struct
import subprocess
import sys
import sysconfig

KERNEL_DISTRIBUTIONS = ("ipykernel", "numpy", "matplotlib")
COURSE = "/opt/course"  # where the kernel's nnlib and the learner-safe exercises modules appear
HOME = "/home/learner"
RUN = "/run/kernel"  # the kernel's connection file and sockets
MIB = 1 << 20


class SandboxUnavailable(Exception):
    """No sandbox can start here; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one notebook's kernel may use."""

    memory: int = 2048 * MIB  # address space, bytes
    cpu_seconds: int = 600
    file_size: int = 64 * MIB
    open_files: int = 1024
    tmp_size: int = 64 * MIB  # each of /tmp and /home/learner


def parse_size(text):
    """'2G', '512M', '1500000000' -> bytes; ValueError with the expected forms otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?\s*", str(text))
    if not match:
        raise ValueError(f"--memory takes a size such as 2G, 512M or a number of bytes, got {text!r}")
    number, unit = float(match.group(1)), match.group(2).upper()
    size = int(number * {"": 1, "K": 1 << 10, "M": MIB, "G": 1 << 30}[unit])
    if size < 256 * MIB:
        raise ValueError(f"--memory must be at least 256M (a kernel with numpy needs about 200M), got {text!r}")
    return size


# ------------------------------------------------------------------ system calls

_SECCOMP = {  # per machine: (audit arch, {syscall: errno}, clone's number, extra check for x32)
    "x86_64": (0xC000003E, {"fork": (57, 1), "vfork": (58, 1), "clone3": (435, 38), "ptrace": (101, 1),
                            "process_vm_readv": (310, 1), "process_vm_writev": (311, 1), "bpf": (321, 1),
                            "perf_event_open": (298, 1), "userfaultfd": (323, 1), "io_uring_setup": (425, 1),
                            "keyctl": (250, 1), "add_key": (248, 1), "request_key": (249, 1)}, 56, True),
    "aarch64": (0xC00000B7, {"clone3": (435, 38), "ptrace": (117, 1), "process_vm_readv": (270, 1),
                             "process_vm_writev": (271, 1), "bpf": (280, 1), "perf_event_open": (241, 1),
                             "userfaultfd": (282, 1), "io_uring_setup": (425, 1), "keyctl": (219, 1),
                             "add_key": (217, 1), "request_key": (218, 1)}, 220, False),
}
_CLONE_THREAD = 0x00010000


def seccomp_filter(machine=None):
    """The classic-BPF program bwrap installs (--seccomp FD): the calls listed in the module's
    docstring fail with EPERM (clone3 with ENOSYS, so threads are made with clone), everything
    else is allowed. Raises SandboxUnavailable on a machine it has no table for."""
    machine = machine or platform.machine()
    if machine not in _SECCOMP:
        raise SandboxUnavailable(f"the grader's system-call filter knows x86_64 and aarch64, not {machine}")
    arch, denied, clone, x32 = _SECCOMP[machine]
    ld_w_abs, jeq_k, jge_k, jset_k, ret_k = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, errno = 0x7FFF0000, 0x00050000
    prog = [(ld_w_abs, 0, 0, 4), (jeq_k, 1, 0, arch), (ret_k, 0, 0, errno | 1), (ld_w_abs, 0, 0, 0)]
    if x32:
        prog += [(jge_k, 0, 1, 0x40000000), (ret_k, 0, 0, errno | 1)]
    for number, err in denied.values():
        prog += [(jeq_k, 0, 1, number), (ret_k, 0, 0, errno | err)]
    # clone: allowed only for a thread (flags are the first argument, its low half at offset 16)
    prog += [(jeq_k, 0, 3, clone), (ld_w_abs, 0, 0, 16), (jset_k, 1, 0, _CLONE_THREAD), (ret_k, 0, 0, errno | 1),
             (ret_k, 0, 0, allow)]
    return b"".join(struct.pack("HBBI", *ins) for ins in prog)


# ------------------------------------------------------------------ what the kernel may read

def _requirements(dist):
    from packaging.requirements import Requirement

    for text in dist.requires or ():
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            yield req.name


@functools.lru_cache(maxsize=1)
def kernel_packages():
    """The top-level files and directories in site-packages of every distribution the kernel needs
    (KERNEL_DISTRIBUTIONS and what they require): sorted absolute paths."""
    seen, todo, paths = set(), list(KERNEL_DISTRIBUTIONS), set()
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        todo.extend(_requirements(dist))
        base = pathlib.Path(dist.locate_file(""))
        for file in dist.files or ():
            parts = pathlib.PurePath(file).parts
            if parts and parts[0] not in ("..", "__pycache__"):
                paths.add(str(base / parts[0]))
    return tuple(sorted(p for p in paths if os.path.exists(p)))


def _site_dirs():
    dirs = set(site.getsitepackages()) | {site.getusersitepackages()}
    dirs |= {sysconfig.get_path(k) for k in ("purelib", "platlib")}
    dirs |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    dirs |= {"/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages"}
    return sorted(d for d in dirs if d and os.path.isdir(d))


def _ro(path, dest=None):
    return ["--ro-bind", path, dest or path]


def _system_binds():
    args = _ro("/usr")
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += _ro(path)
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "fonts",
                 "alternatives"):
        if os.path.exists(f"/etc/{name}"):
            args += _ro(os.path.realpath(f"/etc/{name}") if name == "localtime" else f"/etc/{name}", f"/etc/{name}")
    return args


def _link_directories(path, bound):
    """The directories a chain of symlinks from path passes through (a venv's python links to
    another venv's, which links to the interpreter), outside /usr and the directories bound."""
    found, seen = [], set()
    while os.path.islink(path) and path not in seen:
        seen.add(path)
        directory = os.path.dirname(path)
        if not directory.startswith("/usr") and not any(directory == b or directory.startswith(b + os.sep)
                                                         for b in bound):
            found.append(directory)
        path = os.path.join(directory, os.readlink(path))
    return found


def _python_binds():
    """The interpreter and its standard library, every site-packages emptied, then the kernel's
    distributions bound back."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    prefixes.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    args = []
    for prefix in sorted(prefixes):
        if not prefix.startswith("/usr/") and prefix != "/usr":
            args += _ro(prefix)
    for directory in _link_directories(sys.executable, prefixes):
        args += _ro(directory)
    sites = _site_dirs()
    for directory in sites:
        args += ["--tmpfs", directory]
    for path in kernel_packages():
        args += _ro(path)
    for directory in sites:
        args += ["--remount-ro", directory]
    return args


# ------------------------------------------------------------------ the command

def _environment():
    env = {"HOME": HOME, "USER": "learner", "LOGNAME": "learner", "IPYTHONDIR": f"{HOME}/.ipython",
           "MPLCONFIGDIR": f"{HOME}/.config/matplotlib", "PYTHONPATH": COURSE, "PYTHONNOUSERSITE": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp",
           "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "EXERCISES_GRADING": "1"}
    args = ["--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


def command(course_dir, connection_file, limits, *, info_fd, seccomp_fd, connection_fd=None):
    """The bwrap command line that runs an IPython kernel in the sandbox.

    course_dir: the directory exercises.withhold.build wrote (bound read-only at /opt/course);
    connection_file: the kernel's connection file (bound read-only at /run/kernel/connection.json),
    whose ip names /run/kernel/kernel; info_fd: where bwrap writes the sandbox's process id;
    seccomp_fd: a file descriptor holding seccomp_filter(); connection_fd: the connection file
    opened for reading, if given, is copied into the sandbox instead (ipykernel before 6.13
    writes its connection file again at start, which a read-only one refuses)."""
    tmp = str(limits.tmp_size)
    return ["bwrap", "--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--disable-userns", "--uid", "1000", "--gid", "1000", "--hostname", "grading",
            *_system_binds(),
            "--proc", "/proc", "--dev", "/dev", "--size", tmp, "--tmpfs", "/dev/shm",
            "--size", tmp, "--tmpfs", "/tmp", "--size", tmp, "--tmpfs", "/home",
            "--dir", HOME, "--dir", f"{HOME}/.config",
            "--size", str(MIB), "--tmpfs", "/run", "--dir", RUN,
            # after the empty /tmp and /home: a Python (or a venv) that lives there stays visible
            *_python_binds(),
            *(["--file", str(connection_fd)] if connection_fd is not None else ["--ro-bind", str(connection_file)]),
            f"{RUN}/connection.json",
            *_ro(str(course_dir), COURSE), "--remount-ro", "/",
            "--chdir", HOME, *_environment(),
            "--info-fd", str(info_fd), "--seccomp", str(seccomp_fd),
            sys.executable, "-m", "ipykernel_launcher", "-f", f"{RUN}/connection.json",
            "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]


def set_limits(limits):
    """Apply the limits to this process (called in the child between fork and exec: bwrap and
    the kernel inherit them)."""
    for which, value in ((resource.RLIMIT_AS, limits.memory), (resource.RLIMIT_CPU, limits.cpu_seconds),
                         (resource.RLIMIT_FSIZE, limits.file_size), (resource.RLIMIT_NOFILE, limits.open_files),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))


def drop_to(user):
    """Become the unprivileged user `user` (a name or uid), for good: groups, gid, then uid. Called
    in the child between fork and exec, by a grader running as root (on Gradescope's image)."""
    import pwd

    entry = pwd.getpwuid(user) if isinstance(user, int) else pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise OSError("could not give up root")


def isolate_without_bwrap():
    """Where bubblewrap cannot run (a container that forbids namespaces to its users), what a root
    grader can still do to the kernel's process before it drops to an unprivileged user: a network
    namespace of its own when the container allows it (else the kernel keeps the container's
    network, which Gradescope's does not connect to the grader's files)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    clone_newnet = 0x40000000
    libc.unshare(clone_newnet)  # best effort: refused without CAP_SYS_ADMIN


def install_seccomp():
    """Install seccomp_filter() on this process (no new privileges first), as bwrap's --seccomp does:
    for the kernel started without bubblewrap."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
    program = seccomp_filter()

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program)
    fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0 or \
            libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "could not install the system-call filter")


# ------------------------------------------------------------------ can one start here?

INSTALL_HELP = ("Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install "
                "bubblewrap`) on a Linux machine whose kernel allows user namespaces, or pass --no-sandbox to "
                "grade notebooks you trust (their code then runs with all your rights).")


@functools.lru_cache(maxsize=1)
def unavailable_reason():
    """None when a sandbox can start here, else the reason and what to do."""
    if not sys.platform.startswith("linux"):
        return f"the grader's sandbox needs Linux (bubblewrap and its namespaces); this is {sys.platform}. " + \
            INSTALL_HELP
    if shutil.which("bwrap") is None:
        return "bubblewrap (`bwrap`) is not installed. " + INSTALL_HELP
    try:
        seccomp_filter()
    except SandboxUnavailable as exc:
        return f"{exc}. " + INSTALL_HELP
    trial = subprocess.run(["bwrap", "--unshare-user", "--unshare-pid", "--unshare-net", "--disable-userns",
                            "--die-with-parent", *_system_binds(), "--proc", "/proc", "--dev", "/dev", "true"],
                           capture_output=True, text=True)
    if trial.returncode != 0:
        why = trial.stderr.strip().splitlines()[-1] if trial.stderr.strip() else f"exit {trial.returncode}"
        return (f"bubblewrap is installed but cannot make a sandbox here ({why}): this machine or container "
                "does not allow unprivileged user namespaces. " + INSTALL_HELP)
    return None


def read_info(fd, timeout=30):
    """The sandbox's process id, from what bwrap writes to --info-fd."""
    import select

    data = b""
    while b"}" not in data:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise SandboxUnavailable(f"bubblewrap did not start within {timeout} s")
        chunk = os.read(fd, 4096)
        if not chunk:
            raise SandboxUnavailable("bubblewrap stopped before the sandbox started")
        data += chunk
    return int(json.loads(data[: data.index(b"}") + 1])["child-pid"])
