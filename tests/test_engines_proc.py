"""proc.run: process-group kills, memory and output caps, the allow-listed environment, targets."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from gatekeeper.engines import proc
from gatekeeper.model import Unanalyzed

T = TypeVar("T")
# A hang in the code under test fails the test after this long instead of blocking the suite.
GUARD_SECONDS = 60


def guarded(call: Callable[[], T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=GUARD_SECONDS)


def is_gone(pid: int) -> bool:
    """Dead: no such process, or a zombie nobody reaped yet (PID 1 in a container may not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except FileNotFoundError:
        return True
    return stat[stat.rfind(b")") + 2 :].split()[0] == b"Z"


def python(code: str) -> list[str]:
    return [sys.executable, "-I", "-c", code]


# ---------------------------------------------------------------------------- killing


def test_timeout_kills_the_whole_process_group_including_a_grandchild(tmp_path: Path) -> None:
    argv = ["sh", "-c", "sleep 60 & echo $!; sleep 60"]
    result = guarded(lambda: proc.run(argv, cwd=tmp_path, timeout=1))
    assert result.timed_out
    assert not result.memory_exceeded
    assert result.returncode == -9
    assert not result.ok
    grandchild = int(result.stdout.split()[0])
    assert is_gone(grandchild)


def test_cancel_kills_the_group_and_a_cancelled_caller_starts_nothing(tmp_path: Path) -> None:
    # Ctrl-C reaches the main thread only; the engine threads see the event and stop their
    # processes instead of running bandit to its end.
    cancel = threading.Event()
    argv = ["sh", "-c", "sleep 60 & echo $!; sleep 60"]
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    result = guarded(lambda: proc.run(argv, cwd=tmp_path, timeout=GUARD_SECONDS, cancel=cancel))
    timer.join()
    assert result.cancelled and not result.timed_out and not result.ok
    assert result.returncode == -9
    assert is_gone(int(result.stdout.split()[0]))
    with pytest.raises(proc.ProcCancelledError):
        proc.run(["true"], cwd=tmp_path, timeout=10, cancel=cancel)


def test_stragglers_die_when_the_leader_exits(tmp_path: Path) -> None:
    # The background sleep keeps stdout open; without the group kill, reading would block.
    argv = ["sh", "-c", "sleep 60 & echo $!"]
    result = guarded(lambda: proc.run(argv, cwd=tmp_path, timeout=GUARD_SECONDS))
    assert result.returncode == 0
    assert not result.timed_out
    assert is_gone(int(result.stdout.split()[0]))


def test_memory_watcher_kills_a_group_that_grows_past_the_cap(tmp_path: Path) -> None:
    # Touches 64 MiB at a time, stopping at 1 GiB so a broken watcher cannot exhaust the host.
    grow = "import time\nb = []\nwhile len(b) < 16: b.append(b'x' * (64 << 20))\ntime.sleep(60)"
    result = guarded(
        lambda: proc.run(python(grow), cwd=tmp_path, timeout=GUARD_SECONDS, max_rss_bytes=256 << 20)
    )
    assert result.memory_exceeded
    assert not result.timed_out
    assert result.returncode == -9


def test_rlimit_as_makes_a_large_allocation_fail_in_the_child(tmp_path: Path) -> None:
    result = proc.run(
        python("b = b'x' * (1 << 30)"),
        cwd=tmp_path,
        timeout=GUARD_SECONDS,
        rlimit_as_bytes=256 << 20,
    )
    assert result.returncode == 1
    assert b"MemoryError" in result.stderr


def test_core_dumps_are_always_off(tmp_path: Path) -> None:
    code = "import resource; print(resource.getrlimit(resource.RLIMIT_CORE))"
    result = proc.run(python(code), cwd=tmp_path, timeout=GUARD_SECONDS)
    assert result.stdout.strip() == b"(0, 0)"


# ---------------------------------------------------------------------------- environment


def test_environment_is_allow_listed_and_home_is_fresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GK_TEST_SECRET_TOKEN", "must-not-leak")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    code = "import json, os; print(json.dumps(dict(os.environ)))"
    result = proc.run(python(code), cwd=tmp_path, timeout=GUARD_SECONDS, env={"EXTRA": "yes"})
    seen = json.loads(result.stdout)
    assert "GK_TEST_SECRET_TOKEN" not in seen
    assert "PYTHONPATH" not in seen
    assert seen["EXTRA"] == "yes"
    assert seen["LANG"] == seen["LC_ALL"] == "C.UTF-8"
    assert seen["PATH"] == os.environ["PATH"]
    assert seen["HOME"] != os.environ.get("HOME")
    assert seen["TMPDIR"].startswith(str(Path(seen["HOME"]).parent))
    assert not Path(seen["HOME"]).exists(), "the scratch HOME is removed after the run"
    allowed = {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "EXTRA"}
    assert set(seen) - allowed <= {"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"}


# ---------------------------------------------------------------------------- pipes


def test_stdin_and_stdout_larger_than_pipe_buffers_do_not_deadlock(tmp_path: Path) -> None:
    data = os.urandom(1024) * (8 * 1024)  # 8 MiB through cat and back
    result = guarded(lambda: proc.run(["cat"], cwd=tmp_path, timeout=GUARD_SECONDS, stdin=data))
    assert result.returncode == 0
    assert result.stdout == data


def test_stderr_keeps_only_its_tail(tmp_path: Path) -> None:
    code = "import sys\nsys.stderr.write('a' * (1 << 20))\nsys.stderr.write('THE-END')"
    result = proc.run(python(code), cwd=tmp_path, timeout=GUARD_SECONDS)
    assert len(result.stderr) == proc.MAX_STDERR_BYTES
    assert result.stderr.endswith(b"THE-END")
    assert result.ok


def test_stdout_past_its_cap_is_cut_and_the_group_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(proc, "MAX_STDOUT_BYTES", 4096)
    result = guarded(lambda: proc.run(["yes"], cwd=tmp_path, timeout=GUARD_SECONDS))
    assert result.stdout_truncated
    assert len(result.stdout) == 4096
    assert result.returncode == -9
    assert not result.ok


def test_a_missing_program_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        proc.run([str(tmp_path / "no-such-tool")], cwd=tmp_path, timeout=5)
    with pytest.raises(ValueError):
        proc.run([], cwd=tmp_path, timeout=5)


def test_own_process_group_is_visible_to_the_watcher() -> None:
    group = os.getpgrp()
    if os.getpid() in proc.group_members(group):
        assert proc.group_rss_bytes(group) > 0
    assert proc.group_rss_bytes(-12345) == 0


# ---------------------------------------------------------------------------- targets


def test_check_targets_keeps_regular_files_and_explains_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("x = 1\n")
    (root / "-x.py").write_text("x = 1\n")
    (root / "big.py").write_text("x" * 100)
    (root / "outside.py").symlink_to(tmp_path / "elsewhere.py")
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.py").write_text("x = 1\n")
    (root / "linked").symlink_to(tmp_path / "real")
    os.mkfifo(root / "fifo.py")
    files = [
        "src/app.py",
        "./src/app.py",  # the same file twice
        "src//app.py",
        "-x.py",
        "big.py",
        "outside.py",
        "linked/a.py",
        "fifo.py",
        "src",
        "missing.py",
        "../escape.py",
        "/etc/passwd",
        "a/../../escape.py",
    ]
    accepted, rejected = proc.check_targets(root, files, engine="t", max_bytes=50)
    assert accepted == ["-x.py", "src/app.py"]
    reasons = {u.path: u.reason for u in rejected}
    assert all(u.engine == "t" for u in rejected)
    assert "symlink" in reasons["outside.py"]
    assert "symlink" in reasons["linked/a.py"]
    assert "not a regular file" in reasons["fifo.py"]
    assert "not a regular file" in reasons["src"]
    assert "50-byte limit" in reasons["big.py"]
    assert "ENOENT" in reasons["missing.py"]
    for escaping in ("../escape.py", "/etc/passwd", "a/../../escape.py"):
        assert "leaves the audited root" in reasons[escaping]


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ("././a.py", "a.py"),
        ("src/./b.js", "src/b.js"),
        ("-x.js", "-x.js"),
        ("../a.py", None),
        ("/abs/a.py", None),
        (".", None),
        ("", None),
        ("a\x00b", None),
    ],
)
def test_normalize_target(reported: str, expected: str | None) -> None:
    assert proc.normalize_target(reported) == expected


def test_short_text_escapes_control_characters_and_keeps_the_tail() -> None:
    text = proc.short_text(b"line one\nbad \x1b[31mred\x07 " + b"x" * 50 + b"END", limit=40)
    assert "\x1b" not in text and "\x07" not in text
    assert text.startswith("...")
    assert text.endswith("END")
    assert "\\x1b" in proc.short_text("\x1b[0m")
    assert proc.short_text("a\nb") == "a | b"


def test_unanalyzed_reasons_are_sortable(tmp_path: Path) -> None:
    _, rejected = proc.check_targets(tmp_path, ["b.py", "a.py"], engine="t")
    assert sorted(rejected) == [Unanalyzed("a.py", rejected[1].reason, "t"), rejected[0]]
