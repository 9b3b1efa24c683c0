"""The parsing worker pool: each file is read, parsed and run through the extractors in a
resource-limited child process, so a parser crash or hang costs that one file, never the audit.
"""

from __future__ import annotations

import ast
import collections
import contextlib
import dataclasses
import enum
import gc
import hashlib
import importlib.util
import io
import os
import pickle
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from queue import Queue
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from gatekeeper.errors import EngineError, GatekeeperError
from gatekeeper.extract import EXTRACTORS, pyparse
from gatekeeper.extract.base import Extractor, Fact, ParsedFile
from gatekeeper.model import Unanalyzed
from gatekeeper.repo import BinaryFileError, decode_source, safe_read

if TYPE_CHECKING:
    from gatekeeper.repo import FileEntry

DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY_BYTES = 1536 * 1024 * 1024
# The `engine` of a whole file's Unanalyzed entry; a failed extractor's entry carries its name.
ENGINE = "parse"

# A worker retires after this much CPU, so the RLIMIT_CPU backstop (meant for a worker whose
# parent is gone) never fires during ordinary use; the pool replaces it transparently.
_RETIRE_CPU_SECONDS = 120
_START_TIMEOUT = 60.0
_STOP_TIMEOUT = 5.0
_MAX_FRAME_BYTES = 256 * 1024 * 1024
_FRAME_HEADER = struct.Struct(">Q")
_STDERR_TAIL_BYTES = 4096
_MEMORY_HINTS = (b"MemoryError", b"memory allocation of", b"Cannot allocate memory", b"bad_alloc")
_EXCLUDE_HINT = "exclude the file if it is generated"
_RUN_LAST = frozenset({"bandit"})
_GC_THRESHOLDS = (200_000, 20, 20)  # net allocations before a young collection; default 700
_FULL_COLLECTION_EVERY = 200  # tasks


# ---------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class Task:
    root: str
    path: str  # POSIX, relative to root
    language: str
    max_bytes: int
    extractor_names: tuple[str, ...]
    size_hint: int = 0  # bytes on disk; only orders the queue, largest first


@dataclass(frozen=True, slots=True)
class TaskResult:
    path: str
    facts: tuple[tuple[str, Fact], ...]  # (extractor name, fact), sorted by name
    errors: tuple[str, ...]  # "extractor-name: what went wrong", one per failed extractor
    unanalyzed_reason: str | None
    encoding_fallback: bool
    sha256: str  # of the bytes read; "" when the file could not be read

    def fact(self, extractor_name: str) -> Fact | None:
        return next((fact for name, fact in self.facts if name == extractor_name), None)


@dataclass(frozen=True, slots=True)
class PoolResult:
    results: dict[str, TaskResult]  # every task's result, in path order
    unanalyzed: tuple[Unanalyzed, ...]  # whole files (engine "parse") and failed extractors


@dataclass(frozen=True, slots=True)
class _WorkerInit:
    memory_bytes: int
    cpu_seconds: int
    extra_extractors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Ready:
    extractor_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Reply:
    result: TaskResult
    retiring: bool  # the worker exits after this reply; the pool starts a fresh one


# ---------------------------------------------------------------------------- one task


def analyze(
    task: Task, registry: Mapping[str, Extractor], *, memory_bytes: int | None = None
) -> TaskResult:
    """Read, decode, parse and extract one file: a worker's work for one task, run in-process."""
    return _run_task(task, registry, memory_bytes)[0]


def _run_task(
    task: Task, registry: Mapping[str, Extractor], memory_bytes: int | None
) -> tuple[TaskResult, bool]:
    """The task's result, and whether the worker ran out of memory (and so should retire)."""
    try:
        return _analyze(task, registry), False
    except MemoryError:
        return _unanalyzed(task.path, _memory_reason(memory_bytes)), True


def _analyze(task: Task, registry: Mapping[str, Extractor]) -> TaskResult:
    try:
        data = safe_read(Path(task.root), task.path, task.max_bytes)
    except (GatekeeperError, OSError) as exc:
        return _unanalyzed(task.path, f"not read: {exc}")
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        decoded = decode_source(data, task.language)
    except BinaryFileError as exc:  # "binary content (NUL byte in the first 8192 bytes)"
        return _unanalyzed(task.path, str(exc), sha256=sha256)
    tree = cst = None
    if task.language == "python":
        try:
            tree, cst = pyparse.parse(decoded.text)
        except pyparse.PythonUnparsableError as exc:
            return _unanalyzed(task.path, str(exc), decoded.fallback, sha256)
    pf = ParsedFile(
        task.path,
        task.language,
        decoded.text,
        encoding_fallback=decoded.fallback,
        tree=tree,
        cst=cst,
        raw=data,
    )
    facts: list[tuple[str, Fact]] = []
    errors: list[str] = []
    # bandit's visitor links every node to its parent and sibling: it goes after the others.
    for name in sorted(set(task.extractor_names), key=lambda n: (n in _RUN_LAST, n)):
        extractor = registry.get(name)
        if extractor is None:
            errors.append(f"{name}: no such extractor in this worker")
        elif task.language in extractor.languages:
            fact, error = _extract(extractor, pf)
            if error is not None:
                errors.append(f"{name}: {error}")
            elif fact is not None:
                facts.append((name, fact))
    return TaskResult(task.path, tuple(facts), tuple(errors), None, decoded.fallback, sha256)


def _extract(extractor: Extractor, pf: ParsedFile) -> tuple[Fact | None, str | None]:
    try:
        if extractor.needs_cst:
            pf.cst  # noqa: B018 -- parse now, so a failure is reported as such, not as a bug
        fact = extractor.extract(pf)
    except pyparse.PythonUnparsableError as exc:
        return None, f"needs libcst, which could not parse the file: {exc}"
    except MemoryError:
        raise  # the whole file is unanalyzed and the worker retires: its heap is suspect now
    except Exception as exc:  # an extractor bug costs this (file, extractor) pair only
        return None, f"{type(exc).__name__}: {exc}"
    return (None, None) if fact is None else (fact, _fact_problem(fact))


def _fact_problem(fact: object) -> str | None:
    params = getattr(type(fact), "__dataclass_params__", None)
    if isinstance(fact, type) or params is None or not params.frozen:
        return f"returned {type(fact).__name__}, not a frozen dataclass instance"
    try:
        _FactPickler(io.BytesIO()).dump(fact)
    except Exception as exc:
        return f"returned an unpicklable fact: {exc}"
    return None


class _FactPickler(pickle.Pickler):
    """Refuses syntax trees: they are large, and a fact must stand on its own."""

    def reducer_override(self, obj: Any) -> Any:
        module = type(obj).__module__
        if isinstance(obj, ast.AST) or module.split(".")[0] == "libcst":
            raise TypeError(f"facts must not hold syntax tree nodes ({type(obj).__name__})")
        return NotImplemented


def _unanalyzed(
    path: str, reason: str, encoding_fallback: bool = False, sha256: str = ""
) -> TaskResult:
    return TaskResult(path, (), (), reason, encoding_fallback, sha256)


def _memory_reason(memory_bytes: int | None) -> str:
    limit = "its" if memory_bytes is None else f"the worker's {memory_bytes // 2**20} MiB"
    return f"memory limit: parsing this file needed more than {limit} memory; {_EXCLUDE_HINT}"


# ---------------------------------------------------------------------------- framing


def _write_frame(stream: IO[bytes], message: object) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _read_frame(stream: BinaryIO) -> object | None:
    """The parent's next message (trusted); None at end of input."""
    header = stream.read(_FRAME_HEADER.size)
    if len(header) < _FRAME_HEADER.size:
        return None
    (size,) = _FRAME_HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    # gatekeeper: ignore[GK3301] the worker reads tasks its own parent process wrote
    message: object = pickle.loads(payload)  # noqa: S301
    return message


class _ResultUnpickler(pickle.Unpickler):
    """Accepts only gatekeeper's (and the pool's extra extractors') dataclasses and enums.

    The worker is our code, but it has just parsed hostile input: should a parser bug ever let
    that input take the worker over, its replies must not be able to run code in the parent.
    """

    def __init__(self, data: bytes, extra_modules: frozenset[str]) -> None:
        super().__init__(io.BytesIO(data))
        self._extra_modules = extra_modules

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("gatekeeper.") or module in self._extra_modules:
            loaded = sys.modules.get(module)
            found = getattr(loaded, name, None)
            if isinstance(found, type) and (
                dataclasses.is_dataclass(found) or issubclass(found, enum.Enum)
            ):
                return found
        raise pickle.UnpicklingError(f"worker sent a forbidden type {module}.{name}")


# ---------------------------------------------------------------------------- the worker process


def main() -> int:
    """Worker entry point: `python -I -m gatekeeper.workers`, frames on stdin and stdout."""
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # Anything printed by a library must never corrupt the reply stream.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    init = _read_frame(requests)
    if not isinstance(init, _WorkerInit):
        return 0 if init is None else 2
    _limit_resources(init.memory_bytes, init.cpu_seconds)
    warnings.simplefilter("ignore")
    registry = _registry(init.extra_extractors)
    # The cyclic garbage collector (issue 13's profile: about a quarter of a worker's CPU on
    # NetBox). Each syntax tree is hundreds of thousands of new objects, and every collection
    # the default thresholds set off walked the worker's modules too. Now what the worker has
    # loaded is frozen out of the collector's view, each task's garbage (bandit links nodes
    # into cycles) is collected once, after its reply is sent, and the automatic collector
    # only runs within one very large file.
    collector = _Collector()
    _write_frame(replies, _Ready(tuple(sorted(registry))))
    while True:
        task = _read_frame(requests)
        if not isinstance(task, Task):
            return 0 if task is None else 2
        result, out_of_memory = _run_task(task, registry, init.memory_bytes)
        retiring = out_of_memory or _cpu_seconds_used() > _RETIRE_CPU_SECONDS
        _write_frame(replies, _Reply(result, retiring))
        if retiring:
            return 0
        del result
        collector.after_task()


class _Collector:
    """The worker's garbage collection: see main()."""

    def __init__(self) -> None:
        gc.set_threshold(*_GC_THRESHOLDS)
        gc.freeze()
        self.modules = len(sys.modules)
        self.tasks = 0

    def after_task(self) -> None:
        self.tasks += 1
        # Every so often a full collection, so that garbage something long-lived held on to
        # for a while is not kept for the worker's whole life.
        gc.collect(2 if self.tasks % _FULL_COLLECTION_EVERY == 0 else 1)
        if len(sys.modules) != self.modules:  # a parser or bandit loaded on first use
            gc.freeze()
            self.modules = len(sys.modules)


def _limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    # Set by the worker before it reads any task rather than in a preexec_fn: the pool starts
    # replacement workers from its driver threads, and preexec_fn is unsafe with threads.
    _set_limit(resource.RLIMIT_AS, memory_bytes, memory_bytes)
    _set_limit(resource.RLIMIT_CORE, 0, 0)
    _set_limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 5)


def _set_limit(which: int, soft: int, hard: int) -> None:
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _cpu_seconds_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _registry(extra_extractors: Iterable[str]) -> dict[str, Extractor]:
    registry: dict[str, Extractor] = {}
    for extractor in (*EXTRACTORS, *(load_extractor(spec) for spec in extra_extractors)):
        if extractor.name in registry:
            raise ValueError(f"two extractors are named {extractor.name!r}")
        registry[extractor.name] = extractor
    return registry


def load_extractor(spec: str) -> Extractor:
    """Load "/abs/path/module.py:ATTRIBUTE": a test-only way to add extractors to a pool.

    Only code that constructs a WorkerPool can name such a file; nothing in a target can.
    """
    path, sep, attribute = spec.rpartition(":")
    if not sep or not os.path.isabs(path) or not path.endswith(".py"):
        raise ValueError(f"extra extractor {spec!r}: expected /absolute/path/module.py:NAME")
    module_name = _extra_module_name(path)
    module = sys.modules.get(module_name)
    if module is None:
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        if module_spec is None or module_spec.loader is None:
            raise ValueError(f"extra extractor {spec!r}: cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_name] = module  # so the facts it defines pickle by this name
        module_spec.loader.exec_module(module)
    extractor: Extractor = getattr(module, attribute)
    return extractor


def _extra_module_name(path: str) -> str:
    # The same name in parent and worker, so fact classes unpickle on both sides.
    return "_gatekeeper_extra_" + hashlib.sha256(path.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------- the parent side


class _WorkerFailed(Exception):
    """The worker died, hung or broke protocol; the message is the file's unanalyzed reason."""


class _Worker:
    """One child process, driven by one thread at a time; `kill` may come from any thread.

    Only the driving thread (or `close`, once no run is active) closes the pipes: closing an fd
    another thread may still be reading could hand that thread a reused descriptor.
    """

    def __init__(self, directory: Path, init: _WorkerInit, extra_modules: frozenset[str]) -> None:
        self._extra_modules = extra_modules
        self._memory_bytes = init.memory_bytes
        self._lock = threading.Lock()
        self._reaped = False
        self._sent_kill = False
        self.retiring = False
        fd, stderr_name = tempfile.mkstemp(prefix="worker-", suffix=".stderr", dir=directory)
        self._stderr_path = Path(stderr_name)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-m", "gatekeeper.workers"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=fd,
                cwd=directory,
                env=_worker_env(),
                start_new_session=True,  # its own process group, so a kill takes any children too
                close_fds=True,
            )
        except OSError as exc:
            self._stderr_path.unlink(missing_ok=True)
            raise EngineError(ENGINE, f"cannot start a parsing worker: {exc}") from exc
        finally:
            os.close(fd)
        try:
            assert self.process.stdin is not None
            _write_frame(self.process.stdin, init)
            ready = self._receive(time.monotonic() + _START_TIMEOUT)
            if not isinstance(ready, _Ready):
                raise _WorkerFailed("it answered with a wrong message")
        except (OSError, TimeoutError, _WorkerFailed) as exc:
            self.kill()
            message = (
                f"a parsing worker did not start ({exc or type(exc).__name__}; stderr: "
                f"{self._stderr_tail()[-500:]!r}); workers run `{sys.executable} -I -m "
                "gatekeeper.workers`, so gatekeeper must be installed in that interpreter"
            )
            self.stop()
            raise EngineError(ENGINE, message) from exc

    @property
    def pid(self) -> int:
        return self.process.pid

    def request(self, task: Task, timeout: float) -> TaskResult:
        """The worker's result for task; raises _WorkerFailed, the worker reaped, otherwise."""
        if self._reaped:
            raise _WorkerFailed("the worker was stopped")
        try:
            assert self.process.stdin is not None
            _write_frame(self.process.stdin, task)
            reply = self._receive(time.monotonic() + timeout)
        except TimeoutError:
            self.kill()
            raise _WorkerFailed(
                f"timed out after {timeout:g} s (the per-file limit); {_EXCLUDE_HINT}"
            ) from None
        except (OSError, _WorkerFailed) as exc:
            # Its output ended: let it finish dying, so its exit status tells us why.
            self.kill(grace=_STOP_TIMEOUT)
            raise _WorkerFailed(self._death_reason(str(exc))) from exc
        if not isinstance(reply, _Reply) or reply.result.path != task.path:
            self.kill()
            raise _WorkerFailed("the worker answered with a wrong message; internal error")
        self.retiring = reply.retiring
        return reply.result

    def _receive(self, deadline: float) -> object:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        (size,) = _FRAME_HEADER.unpack(_read_exactly(fd, _FRAME_HEADER.size, deadline))
        if size > _MAX_FRAME_BYTES:
            raise _WorkerFailed(f"the worker sent an oversized reply ({size} bytes)")
        payload = _read_exactly(fd, size, deadline)
        try:
            return _ResultUnpickler(payload, self._extra_modules).load()
        except Exception as exc:
            raise _WorkerFailed(f"the worker sent an unreadable reply ({exc})") from exc

    def _death_reason(self, detail: str) -> str:
        return death_reason(
            self.process.returncode,
            self._stderr_tail(),
            killed_by_pool=self._sent_kill,
            memory_bytes=self._memory_bytes,
            detail=detail,
        )

    def kill(self, *, grace: float = 0.0) -> None:
        """Reap the worker, killing its whole process group unless it exits within grace."""
        with self._lock:
            if self._reaped:
                return
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                # Not yet reaped, so neither its pid nor its group can have been reused.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self._sent_kill = True
                self.process.wait()
            self._reaped = True

    def ask_to_stop(self) -> None:
        """End the worker's input: it exits after the task it is on, if any."""
        if not self._reaped and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()

    def stop(self) -> None:
        """Ask the worker to exit (end of input), reap it, and release its pipes and files."""
        self.ask_to_stop()
        self.kill(grace=_STOP_TIMEOUT)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._stderr_path.unlink(missing_ok=True)

    def _stderr_tail(self) -> bytes:
        try:
            with self._stderr_path.open("rb") as err:
                err.seek(0, os.SEEK_END)
                err.seek(max(0, err.tell() - _STDERR_TAIL_BYTES))
                return err.read()
        except OSError:
            return b""


def death_reason(
    code: int | None, stderr_tail: bytes, *, killed_by_pool: bool, memory_bytes: int, detail: str
) -> str:
    """Why a worker died mid-task, as the unanalyzed reason of the file it was working on."""
    out_of_memory = any(hint in stderr_tail for hint in _MEMORY_HINTS)
    if killed_by_pool:
        return f"the worker stopped answering ({detail}); internal error"
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if out_of_memory or name == "SIGKILL":  # a SIGKILL the pool did not send: the OOM killer
            return f"{_memory_reason(memory_bytes)} (worker killed by {name})"
        if name == "SIGXCPU":
            return f"CPU time limit reached (SIGXCPU); {_EXCLUDE_HINT}"
        return (
            f"parser crashed ({name}); a bug in a native parser, usually from extreme "
            f"nesting; {_EXCLUDE_HINT}"
        )
    if out_of_memory:
        return _memory_reason(memory_bytes)
    last_line = stderr_tail.decode("utf-8", "replace").strip().splitlines()[-1:] or [detail]
    return f"worker exited with status {code} ({last_line[0][:200]}); internal error"


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            raise TimeoutError
        chunk = os.read(fd, min(size - len(chunks), 1 << 20))
        if not chunk:
            raise _WorkerFailed("the worker closed its output")
        chunks += chunk
    return bytes(chunks)


def _worker_env() -> dict[str, str]:
    env = {"PATH": os.defpath, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    # Lets coverage measure the workers when the parent is measured; nothing else passes.
    env.update({k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")})
    return env


_Finished = Queue[TaskResult | BaseException]


class WorkerPool:
    """Runs Tasks on `jobs` worker processes; one file's crash, hang or blow-up stays its own.

    Workers start on first use and are reused across `run` calls until `close` (or the end of
    the `with` block). `extra_extractors` ("/abs/path/module.py:NAME") exist for tests.
    """

    def __init__(
        self,
        jobs: int | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        extra_extractors: Sequence[str] = (),
    ) -> None:
        if timeout <= 0 or memory_bytes <= 0:
            raise ValueError("timeout and memory_bytes must be positive")
        self.jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        extras = tuple(extra_extractors)
        # Loaded here too: checks the specs early, and lets their facts unpickle in the parent.
        names = [e.name for e in (*EXTRACTORS, *(load_extractor(s) for s in extras))]
        self.extractor_names = frozenset(names)
        self._extra_modules = frozenset(_extra_module_name(s.rpartition(":")[0]) for s in extras)
        self._init = _WorkerInit(memory_bytes, _RETIRE_CPU_SECONDS + 2 * int(timeout) + 10, extras)
        self._workers: list[_Worker | None] = [None] * self.jobs
        self._directory: Path | None = None
        self._pids: list[int] = []
        self._lock = threading.Lock()
        self._abort = threading.Event()

    @property
    def spawned_pids(self) -> tuple[int, ...]:
        """Every worker process this pool has started, for accounting and tests."""
        return tuple(self._pids)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker and remove the pool's scratch directory."""
        self._stop_workers()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def run(
        self,
        root: Path,
        tasks: Sequence[Task],
        progress: Callable[[int, int], None] | None = None,
    ) -> PoolResult:
        """Run every task; progress(done, total) is called from this thread as results arrive."""
        self._check(root, tasks)
        total = len(tasks)
        pending = collections.deque(sorted(tasks, key=lambda t: (-t.size_hint, t.path)))
        finished: _Finished = Queue()
        self._abort.clear()
        drivers = [
            threading.Thread(
                target=self._drive, args=(slot, pending, finished), name=f"gatekeeper-worker-{slot}"
            )
            for slot in range(min(self.jobs, total))
        ]
        results: dict[str, TaskResult] = {}
        if progress is not None:
            progress(0, total)
        try:
            for driver in drivers:
                driver.start()
            while len(results) < total:
                item = finished.get()
                if isinstance(item, BaseException):
                    raise item
                results[item.path] = item
                if progress is not None:
                    progress(len(results), total)
        except BaseException:
            # Interrupted, or a worker could not start: kill the workers so every driver
            # thread wakes up and ends, then release them all; the pool stays usable.
            self._abort.set()
            for worker in list(self._workers):
                if worker is not None:
                    worker.kill()
            for driver in drivers:
                driver.join()
            self._stop_workers()
            raise
        for driver in drivers:
            driver.join()
        ordered = {path: results[path] for path in sorted(results)}
        return PoolResult(ordered, _unanalyzed_entries(ordered.values()))

    def _check(self, root: Path, tasks: Sequence[Task]) -> None:
        paths = set()
        for task in tasks:
            if task.root != str(root):
                raise ValueError(f"task for {task.path} has root {task.root!r}, not {str(root)!r}")
            if task.path in paths:
                raise ValueError(f"two tasks for {task.path}")
            paths.add(task.path)
            unknown = set(task.extractor_names) - self.extractor_names
            if unknown:
                raise ValueError(f"task for {task.path} names unknown extractors {sorted(unknown)}")

    def _drive(
        self,
        slot: int,
        pending: collections.deque[Task],
        finished: _Finished,
    ) -> None:
        try:
            while not self._abort.is_set():
                with self._lock:
                    if not pending:
                        return
                    task = pending.popleft()
                worker = self._workers[slot] or self._start_worker(slot)
                if self._abort.is_set():
                    return
                try:
                    result = worker.request(task, self.timeout)
                except _WorkerFailed as exc:
                    worker.stop()
                    self._workers[slot] = None
                    result = _unanalyzed(task.path, str(exc))
                else:
                    if worker.retiring:
                        worker.stop()
                        self._workers[slot] = None
                finished.put(result)
        except BaseException as exc:  # handed to run(), which re-raises it in the caller
            finished.put(exc)

    def _stop_workers(self) -> None:
        for worker in self._workers:  # all at once, then reap each: they exit in parallel
            if worker is not None:
                worker.ask_to_stop()
        for slot, worker in enumerate(self._workers):
            if worker is not None:
                worker.stop()
                self._workers[slot] = None

    def _start_worker(self, slot: int) -> _Worker:
        with self._lock:
            if self._directory is None:
                self._directory = Path(tempfile.mkdtemp(prefix="gatekeeper-workers-"))
            directory = self._directory
        worker = _Worker(directory, self._init, self._extra_modules)
        with self._lock:
            self._pids.append(worker.pid)
            self._workers[slot] = worker
        return worker


def _unanalyzed_entries(results: Iterable[TaskResult]) -> tuple[Unanalyzed, ...]:
    entries = []
    for result in results:
        if result.unanalyzed_reason is not None:
            entries.append(Unanalyzed(result.path, result.unanalyzed_reason, ENGINE))
        for error in result.errors:
            name, _, detail = error.partition(": ")
            entries.append(Unanalyzed(result.path, f"extractor failed: {detail}", name))
    return tuple(sorted(entries))


def make_tasks(
    root: Path,
    files: Iterable[FileEntry],
    max_bytes: int | Callable[[FileEntry], int],
    extractors: Iterable[Extractor] = EXTRACTORS,
) -> list[Task]:
    """One Task per file that some extractor handles, naming exactly those extractors.

    `max_bytes` is a cap, or a function giving each file's cap (`RepoIndex.cap_for`).
    """
    by_language: dict[str, list[str]] = collections.defaultdict(list)
    for extractor in extractors:
        for language in extractor.languages:
            by_language[language].append(extractor.name)
    tasks = []
    for entry in files:
        if entry.language is None or entry.language not in by_language:
            continue
        cap = max_bytes if isinstance(max_bytes, int) else max_bytes(entry)
        names = tuple(sorted(by_language[entry.language]))
        tasks.append(Task(str(root), entry.path, entry.language, cap, names, entry.size))
    return tasks


if __name__ == "__main__":
    # Run the importable copy, so the classes in our replies pickle as gatekeeper.workers.*.
    from gatekeeper.workers import main as _main

    code = _main()
    # Every reply is flushed as it is written. Skipping the interpreter's teardown (module
    # cleanup, the final collection over the frozen heap) saves 0.6-1 s per worker at the end
    # of a large audit (issue 13); the kernel frees the memory at once.
    sys.stderr.flush()
    os._exit(code)
