"""The only place gatekeeper starts a subprocess: bounded in time, memory, output and environment.

Also the checks every engine applies to target paths before handing them to a tool.
"""

from __future__ import annotations

import errno
import os
import posixpath
import resource
import selectors
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gatekeeper.model import Unanalyzed

MAX_STDOUT_BYTES = 256 * 1024 * 1024
MAX_STDERR_BYTES = 64 * 1024
# How often the loop wakes to look at the clock, the child and the process group's memory.
POLL_SECONDS = 0.05
# After the group is killed, how long to keep draining pipes a stray process might hold open.
DRAIN_GRACE_SECONDS = 2.0
RSS_POLL_SECONDS = 0.1
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class ProcResult:
    returncode: int  # negative: killed by that signal (always -9 after a timeout or memory kill)
    stdout: bytes
    stderr: bytes  # the last MAX_STDERR_BYTES only
    timed_out: bool
    memory_exceeded: bool
    duration: float
    stdout_truncated: bool = False  # stdout passed its cap; the group was killed
    cancelled: bool = False  # the caller's cancel event was set; the group was killed

    @property
    def ok(self) -> bool:
        """True when the process ended on its own and everything it wrote was kept."""
        return not (
            self.timed_out or self.memory_exceeded or self.stdout_truncated or self.cancelled
        )


class ProcCancelledError(OSError):
    """run() was asked to start a process after the caller cancelled."""


def run(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
    max_rss_bytes: int | None = None,
    rlimit_as_bytes: int | None = None,
    stdin: bytes | None = None,
    cancel: threading.Event | None = None,
) -> ProcResult:
    """Run argv (never through a shell) in its own session and process group, and wait for it.

    The child sees only `minimal_env()` plus `env`. The whole group is SIGKILLed on timeout,
    when its summed RSS passes max_rss_bytes, when stdout passes MAX_STDOUT_BYTES, and after the
    leader exits (so no straggler outlives the call). rlimit_as_bytes caps each process's
    address space; core dumps are always off. Raises OSError when argv[0] cannot be started.
    When `cancel` is set (the user pressed Ctrl-C in another thread) the group is killed at the
    next poll and the result says `cancelled`; a set `cancel` starts nothing
    (ProcCancelledError, an OSError).
    """
    if cancel is not None and cancel.is_set():
        raise ProcCancelledError(f"{argv[0] if argv else 'process'} not started: cancelled")
    args = [str(a) for a in argv]
    if not args:
        raise ValueError("argv is empty")
    scratch = Path(tempfile.mkdtemp(prefix="gatekeeper-proc-"))
    try:
        child_env = minimal_env(scratch)
        if env:
            child_env.update(env)
        popen = subprocess.Popen(
            args,
            cwd=cwd,
            env=child_env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            close_fds=True,
            start_new_session=True,
            preexec_fn=_limits(rlimit_as_bytes),  # only C calls: see _limits
        )
        return _supervise(popen, stdin, timeout=timeout, max_rss_bytes=max_rss_bytes, cancel=cancel)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def minimal_env(scratch: Path) -> dict[str, str]:
    """The allow-listed environment: nothing of ours (tokens, proxies, PYTHON*) reaches a tool."""
    home, tmp = scratch / "home", scratch / "tmp"
    dirs = {
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
    }
    for directory in (tmp, *dirs.values()):
        directory.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH") or os.defpath,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    env.update({key: str(value) for key, value in dirs.items()})
    return env


def _limits(rlimit_as_bytes: int | None) -> Callable[[], None]:
    # Runs in the forked child before exec. Everything is computed here, in the parent, so the
    # child only makes C calls on bound functions: no imports, no locks, safe next to threads.
    setrlimit, rlimit_core, rlimit_as = resource.setrlimit, resource.RLIMIT_CORE, resource.RLIMIT_AS
    core = (0, 0)
    address_space: tuple[int, int] | None = None
    if rlimit_as_bytes is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = rlimit_as_bytes if hard == resource.RLIM_INFINITY else min(rlimit_as_bytes, hard)
        address_space = (limit, limit)

    def apply() -> None:
        setrlimit(rlimit_core, core)
        if address_space is not None:
            setrlimit(rlimit_as, address_space)

    return apply


def _supervise(
    popen: subprocess.Popen[bytes],
    stdin: bytes | None,
    *,
    timeout: float,
    max_rss_bytes: int | None,
    cancel: threading.Event | None = None,
) -> ProcResult:
    started = time.monotonic()
    deadline = started + max(timeout, 0.0)
    next_rss_check = started
    pipes = _Pipes(popen, stdin)
    timed_out = memory_exceeded = cancelled = False
    try:
        while True:
            pipes.pump(min(POLL_SECONDS, max(deadline - time.monotonic(), 0.0)))
            if pipes.stdout.overflowed or _leader_exited(popen.pid):
                break
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            if max_rss_bytes is not None and now >= next_rss_check:
                next_rss_check = now + RSS_POLL_SECONDS
                if group_rss_bytes(popen.pid) > max_rss_bytes:
                    memory_exceeded = True
                    break
        # Kill before reaping: the unreaped leader keeps its pid, so the group id cannot be
        # reused by an unrelated process between the kill and the wait.
        _kill_group(popen.pid)
        pipes.drain(time.monotonic() + DRAIN_GRACE_SECONDS)
        returncode = popen.wait()
    except BaseException:
        _kill_group(popen.pid)
        popen.wait()
        raise
    finally:
        pipes.close()
    return ProcResult(
        returncode=returncode,
        stdout=pipes.stdout.value(),
        stderr=pipes.stderr.value(),
        timed_out=timed_out,
        memory_exceeded=memory_exceeded,
        duration=time.monotonic() - started,
        stdout_truncated=pipes.stdout.overflowed,
        cancelled=cancelled,
    )


class _Capture:
    """A bounded sink for one pipe: the head (stdout) or the tail (stderr) of what was written."""

    def __init__(self, limit: int, *, keep_tail: bool) -> None:
        self.limit = limit
        self.keep_tail = keep_tail
        self.buffer = bytearray()
        self.overflowed = False

    def feed(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) <= self.limit:
            return
        self.overflowed = True
        if self.keep_tail:
            del self.buffer[: len(self.buffer) - self.limit]
        else:
            del self.buffer[self.limit :]

    def value(self) -> bytes:
        return bytes(self.buffer)


class _Pipes:
    """Non-blocking stdin/stdout/stderr of one child, multiplexed with a selector (no threads)."""

    def __init__(self, popen: subprocess.Popen[bytes], stdin: bytes | None) -> None:
        assert popen.stdout is not None and popen.stderr is not None
        self.popen = popen
        self.stdout = _Capture(MAX_STDOUT_BYTES, keep_tail=False)
        self.stderr = _Capture(MAX_STDERR_BYTES, keep_tail=True)
        self.pending = memoryview(stdin or b"")
        self.selector = selectors.DefaultSelector()
        for stream, capture in ((popen.stdout, self.stdout), (popen.stderr, self.stderr)):
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream.fileno(), selectors.EVENT_READ, capture)
        if popen.stdin is not None:
            os.set_blocking(popen.stdin.fileno(), False)
            self.selector.register(popen.stdin.fileno(), selectors.EVENT_WRITE, None)

    def pump(self, wait: float) -> None:
        """Move whatever is ready, waiting at most `wait` seconds for something to be."""
        if not self.selector.get_map():
            time.sleep(wait)  # both pipes closed early; still pace the caller's loop
            return
        for key, _ in self.selector.select(wait):
            if key.data is None:
                self._write_stdin(key.fd)
            else:
                self._read(key.fd, key.data)

    def drain(self, until: float) -> None:
        """Read until both pipes hit EOF, or until `until` if a stray process holds one open."""
        self._close_stdin()
        while self.selector.get_map():
            left = until - time.monotonic()
            if left <= 0:
                return
            for key, _ in self.selector.select(min(left, POLL_SECONDS)):
                self._read(key.fd, key.data)

    def close(self) -> None:
        self.selector.close()
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()

    def _read(self, fd: int, capture: _Capture) -> None:
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            return
        if data:
            capture.feed(data)
        else:
            self.selector.unregister(fd)

    def _write_stdin(self, fd: int) -> None:
        try:
            written = os.write(fd, self.pending[:_CHUNK])
        except BlockingIOError:
            return
        except (BrokenPipeError, ConnectionResetError):
            written = len(self.pending)  # the child stopped reading; drop the rest
        self.pending = self.pending[written:]
        if not self.pending:
            self._close_stdin()

    def _close_stdin(self) -> None:
        stream = self.popen.stdin
        if stream is not None and not stream.closed:
            self.selector.unregister(stream.fileno())
            stream.close()


def _leader_exited(pid: int) -> bool:
    # WNOWAIT leaves the zombie in place; Popen.wait() reaps it after the group is killed.
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None and info.si_pid == pid


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:  # pragma: no cover - a group member changed credentials
        pass


def group_members(pgid: int) -> list[int]:
    """Pids whose process group is pgid, read from /proc/<pid>/stat (field 5, after the comm)."""
    members = []
    try:
        entries = os.listdir("/proc")
    except OSError:  # pragma: no cover - no procfs: the memory watcher sees nothing
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                raw = handle.read()
        except OSError:
            continue  # exited meanwhile
        # comm is in parentheses and may itself contain ') ', so split at the last one.
        fields = raw[raw.rfind(b")") + 2 :].split()
        if len(fields) > 2 and fields[2] == str(pgid).encode():
            members.append(int(entry))
    return members


def group_rss_bytes(pgid: int) -> int:
    """Summed resident set size of the process group, from VmRSS in /proc/<pid>/status."""
    total = 0
    for pid in group_members(pgid):
        try:
            with open(f"/proc/{pid}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1]) * 1024  # reported in kB
                        break
        except (OSError, ValueError, IndexError):
            continue
    return total


# ---------------------------------------------------------------------------- shared by engines


def short_text(data: bytes | str, limit: int = 800) -> str:
    """A tool's output made safe for a one-line message: tail kept, control characters escaped."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = text.strip()
    if len(text) > limit:
        text = "..." + text[-limit:]
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in text.replace("\r\n", "\n").replace("\n", " | ")
    )


def normalize_target(path: str) -> str | None:
    """A tool-reported path as a root-relative POSIX path, or None when it would leave the root."""
    if not path or "\x00" in path:
        return None
    posix = posixpath.normpath(path.replace(os.sep, "/"))
    if posix.startswith("/") or posix == ".." or posix.startswith("../") or posix == ".":
        return None
    return posix


def check_targets(
    root: Path, files: Iterable[str], *, engine: str, max_bytes: int | None = None
) -> tuple[list[str], list[Unanalyzed]]:
    """Split files into those safe to hand to a tool and the rest, each with its reason.

    Safe means: a normalized relative path inside root, no symlink anywhere along it, a regular
    file, and not larger than max_bytes. Tools are given exactly these, as ./path arguments.
    """
    real_root = os.path.realpath(root)
    accepted: list[str] = []
    rejected: list[Unanalyzed] = []
    seen: set[str] = set()
    for original in files:
        path = normalize_target(original)
        if path is None:
            shown = short_text(original, 200)
            rejected.append(Unanalyzed(shown, "path leaves the audited root, not analyzed", engine))
            continue
        if path in seen:
            continue
        seen.add(path)
        reason = _target_problem(real_root, path, max_bytes)
        if reason is None:
            accepted.append(path)
        else:
            rejected.append(Unanalyzed(path, reason, engine))
    return sorted(accepted), rejected


def _target_problem(real_root: str, path: str, max_bytes: int | None) -> str | None:
    full = os.path.join(real_root, path)
    try:
        info = os.lstat(full)
    except OSError as exc:
        return f"could not stat the file ({errno.errorcode.get(exc.errno or 0, 'error')})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symlink, not analyzed"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file, not analyzed"
    if os.path.realpath(full) != full:
        return "a directory on its path is a symlink, not analyzed"
    if max_bytes is not None and info.st_size > max_bytes:
        return f"larger than the {max_bytes}-byte limit ({info.st_size} bytes), not analyzed"
    return None
