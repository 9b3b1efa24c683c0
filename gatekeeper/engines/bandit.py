"""Runs bandit over explicit Python files in parallel chunks and accounts for every file.

Bandit's exit code says little (1 for findings and crashes, 0 when it could not parse a file),
so the JSON decides: a file bandit did not report on comes back as `Unanalyzed`.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path

from gatekeeper.engines import proc
from gatekeeper.errors import EngineError, EngineOutputError, EngineTimeout
from gatekeeper.model import EngineRun, Unanalyzed

ENGINE = "bandit"
INI = Path(__file__).resolve().parent.parent / "data" / "bandit.ini"
# Files per bandit process at most. Each process costs about 0.15 s to start; on NetBox
# (1,220 files) chunks of 250 took 1 s less CPU than chunks of 100 (benchmarks/perf.py).
DEFAULT_CHUNK_SIZE = 250
DEFAULT_RLIMIT_AS_BYTES = 2 * 1024 * 1024 * 1024

# Every flag we pass; tests/test_engines_bandit.py checks each against `bandit --help`.
FLAGS: tuple[str, ...] = ("-f", "-q", "--ini", "--ignore-nosec", "--exclude")


@dataclass(frozen=True, slots=True)
class BanditIssue:
    test_id: str  # B602
    test_name: str  # subprocess_popen_with_shell_equals_true
    path: str  # POSIX, relative to the audited root, one of the files we asked for
    line: int
    col: int  # 1-based (bandit reports 0-based offsets)
    end_col: int | None  # 1-based, exclusive
    severity: str  # LOW MEDIUM HIGH, bandit's words; mapping to ours is policy
    confidence: str
    cwe: int | None
    text: str
    line_range: tuple[int, ...]

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.test_id)


@dataclass(frozen=True, slots=True)
class BanditRun:
    version: str | None
    issues: tuple[BanditIssue, ...]
    scanned: frozenset[str]  # files bandit parsed and checked
    unanalyzed: tuple[Unanalyzed, ...]
    ok: bool  # False: at least one chunk failed as a whole; see message
    message: str = ""
    expected: int = 0

    def engine_run(self) -> EngineRun:
        return EngineRun(
            engine=ENGINE,
            version=self.version,
            ok=self.ok,
            files_expected=self.expected,
            files_scanned=len(self.scanned),
            message=self.message,
            stats=(("issues", len(self.issues)), ("unanalyzed", len(self.unanalyzed))),
        )


def version() -> str | None:
    """The installed bandit distribution's version, without starting it."""
    try:
        return importlib_metadata.version("bandit")
    except importlib_metadata.PackageNotFoundError:
        return None


def command(python: str = sys.executable) -> list[str]:
    """The argv before the targets; the targets follow a `--`, each as ./relative/path.

    `-I` keeps the working directory (the target) off sys.path, so a yaml.py or bandit/ there
    is never imported; `--exclude=` clears bandit's substring-matched default exclusions.
    """
    return [
        python,
        "-I",
        "-m",
        "bandit",
        "-f",
        "json",
        "-q",
        "--ini",
        str(INI),
        "--ignore-nosec",
        "--exclude=",
        "--",
    ]


def run_bandit(
    root: Path,
    files: Sequence[str],
    *,
    timeout: float,
    jobs: int = 2,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    rlimit_as_bytes: int | None = DEFAULT_RLIMIT_AS_BYTES,
    python: str = sys.executable,
    cancel: threading.Event | None = None,
) -> BanditRun:
    """Check files (POSIX paths relative to root) with bandit, `jobs` chunks at a time.

    timeout bounds the whole run. A chunk that fails (timeout, memory, no JSON) marks its files
    unanalyzed and the run not ok; the other chunks still count. Raises EngineError only when
    gatekeeper's own bandit.ini is missing (a broken install).
    """
    if not INI.is_file():
        raise EngineError(ENGINE, f"gatekeeper's bandit settings are missing: {INI}")
    targets, rejected = proc.check_targets(root, files, engine=ENGINE)
    expected = len(targets) + len(rejected)
    chunks = _chunks(targets, jobs=max(1, jobs), most=max(1, chunk_size))
    deadline = time.monotonic() + timeout
    argv = command(python)

    def one(chunk: list[str]) -> BanditRun:
        try:
            left = deadline - time.monotonic()
            if left <= 0:
                raise EngineTimeout(ENGINE, f"not started: the {timeout:g} s budget was spent")
            chunk_argv = [*argv, *(f"./{t}" for t in chunk)]
            result = _run_chunk(
                root, chunk_argv, left, rlimit_as_bytes, budget=timeout, cancel=cancel
            )
            return parse_json(result.stdout, chunk)
        except EngineError as exc:
            return _failed(chunk, exc.detail)

    if chunks:
        with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="bandit") as pool:
            runs = list(pool.map(one, chunks))
    else:
        runs = []
    return _merge(runs, rejected, expected)


def _chunks(targets: list[str], *, jobs: int, most: int) -> list[list[str]]:
    """Even chunks of at most `most` files, as many as a multiple of `jobs` (so the last round
    keeps every worker busy, and a small repository still uses them all)."""
    if not targets:
        return []
    count = max(jobs, math.ceil(len(targets) / most))
    count = min(len(targets), math.ceil(count / jobs) * jobs)
    size = math.ceil(len(targets) / count)
    return [targets[i : i + size] for i in range(0, len(targets), size)]


def _run_chunk(
    root: Path,
    argv: list[str],
    timeout: float,
    rlimit_as_bytes: int | None,
    *,
    budget: float,
    cancel: threading.Event | None = None,
) -> proc.ProcResult:
    try:
        result = proc.run(
            argv, cwd=root, timeout=timeout, rlimit_as_bytes=rlimit_as_bytes, cancel=cancel
        )
    except OSError as exc:
        raise EngineError(ENGINE, f"could not start {argv[0]}: {exc.strerror or exc}") from exc
    if result.timed_out:
        raise EngineTimeout(ENGINE, f"did not finish within {budget:g} s and was stopped")
    if result.stdout_truncated:
        raise EngineOutputError(ENGINE, "wrote more output than gatekeeper keeps; stopped")
    if result.returncode < 0:
        detail = proc.short_text(result.stderr, 400) or "no message"
        raise EngineError(ENGINE, f"was killed by signal {-result.returncode}: {detail}")
    if result.returncode not in (0, 1):
        detail = proc.short_text(result.stderr, 400) or "no message"
        raise EngineOutputError(ENGINE, f"exited with {result.returncode}: {detail}")
    if not result.stdout.strip():
        detail = proc.short_text(result.stderr, 400) or "no message"
        raise EngineOutputError(ENGINE, f"wrote no JSON (exit {result.returncode}): {detail}")
    return result


def _failed(chunk: Sequence[str], detail: str) -> BanditRun:
    reason = f"bandit failed on the batch holding this file: {detail}"
    return BanditRun(
        version=None,
        issues=(),
        scanned=frozenset(),
        unanalyzed=tuple(Unanalyzed(path, reason, ENGINE) for path in chunk),
        ok=False,
        message=detail,
        expected=len(chunk),
    )


def _merge(runs: Sequence[BanditRun], rejected: Iterable[Unanalyzed], expected: int) -> BanditRun:
    messages = sorted({run.message for run in runs if run.message})
    failed = sum(1 for run in runs if not run.ok)
    message = "; ".join(messages)
    if failed:
        message = f"{failed} of {len(runs)} bandit batches failed: {message}"
    return BanditRun(
        version=version(),
        issues=tuple(sorted((i for run in runs for i in run.issues), key=BanditIssue.sort_key)),
        scanned=frozenset().union(*(run.scanned for run in runs)),
        unanalyzed=tuple(sorted([*rejected, *(u for run in runs for u in run.unanalyzed)])),
        ok=all(run.ok for run in runs),
        message=proc.short_text(message, 2000) if message else "",
        expected=expected,
    )


# ---------------------------------------------------------------------------- output parsing


def parse_json(stdout: bytes, expected: Collection[str]) -> BanditRun:
    """Parse `bandit -f json` output for a run over `expected` (root-relative paths).

    Raises EngineOutputError when the output is not bandit's JSON.
    """
    try:
        data = json.loads(stdout)
    except ValueError as exc:
        head = proc.short_text(stdout[:300], 300) or "nothing"
        raise EngineOutputError(ENGINE, f"output is not JSON; it starts with: {head}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise EngineOutputError(ENGINE, "output is not bandit's JSON report (no 'metrics')")
    wanted = frozenset(expected)
    reasons: dict[str, set[str]] = {}
    problems: list[str] = []

    issues: set[BanditIssue] = set()
    for item in _list(data, "results"):
        issue = _issue(item)
        if issue.path in wanted:
            issues.add(issue)
        else:
            problems.append(f"dropped a result for a path it was not given: {issue.path}")

    for error in _list(data, "errors"):
        if not isinstance(error, dict):
            raise EngineOutputError(ENGINE, "errors[] holds something other than objects")
        path = _path(error.get("filename"))
        reason = proc.short_text(str(error.get("reason") or "unknown error"), 300)
        if path in wanted:
            reasons.setdefault(path, set()).add(f"bandit could not check it: {reason}")
        else:
            problems.append(f"error for a path it was not given ({path}): {reason}")

    reported = {_path(key) for key in data["metrics"] if key != "_totals"}
    for path in wanted - reported - reasons.keys():
        reasons[path] = {"bandit did not report this file"}

    return BanditRun(
        version=version(),
        issues=tuple(sorted(issues, key=BanditIssue.sort_key)),
        scanned=frozenset((reported & wanted) - reasons.keys()),
        unanalyzed=tuple(
            Unanalyzed(path, "; ".join(sorted(why)), ENGINE)
            for path, why in sorted(reasons.items())
        ),
        ok=not problems,
        message="; ".join(sorted(set(problems))),
        expected=len(wanted),
    )


def _list(container: Mapping[str, object], key: str) -> list[object]:
    value = container.get(key, [])
    if not isinstance(value, list):
        raise EngineOutputError(ENGINE, f"'{key}' in the output is not a list")
    return value


def _path(value: object) -> str:
    """bandit reports ././x.py for ./x.py; an unusable path is kept (escaped) for the message."""
    text = value if isinstance(value, str) else repr(value)
    return proc.normalize_target(text) or proc.short_text(text, 200)


def _issue(item: object) -> BanditIssue:
    try:
        if not isinstance(item, dict):
            raise TypeError("not an object")
        cwe = item.get("issue_cwe")
        cwe_id = cwe.get("id") if isinstance(cwe, dict) else None
        end = item.get("end_col_offset")
        return BanditIssue(
            test_id=str(item["test_id"]),
            test_name=str(item.get("test_name", "")),
            path=_path(item["filename"]),
            line=int(item["line_number"]),
            col=int(item.get("col_offset") or 0) + 1,
            end_col=int(end) + 1 if end is not None else None,
            severity=str(item.get("issue_severity", "")),
            confidence=str(item.get("issue_confidence", "")),
            cwe=int(cwe_id) if cwe_id is not None else None,
            text=proc.short_text(str(item.get("issue_text", "")), 2000),
            line_range=tuple(int(n) for n in item.get("line_range") or ()),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise EngineOutputError(ENGINE, f"a result is not in bandit's shape ({exc!r})") from exc
