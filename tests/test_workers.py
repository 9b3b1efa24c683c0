"""The parsing worker pool on hostile generated targets: crashes, hangs, memory, canaries.

Every hostile file and the test-only hazard extractor are written to tmp_path by the tests.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import io
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from gatekeeper import workers
from gatekeeper.errors import EngineError
from gatekeeper.extract import EXTRACTORS
from gatekeeper.extract.base import Extractor, FunctionExtractor, ParsedFile
from gatekeeper.extract.imports import FileImports, ImportFact
from gatekeeper.model import Unanalyzed
from gatekeeper.repo import FileEntry
from gatekeeper.workers import PoolResult, Task, TaskResult, WorkerPool

REGISTRY: dict[str, Extractor] = {e.name: e for e in EXTRACTORS}
ALL_NAMES = tuple(sorted(REGISTRY))
MAX_BYTES = 1024 * 1024

# A test-only extractor module, given to pools by path; it misbehaves on marked files.
HAZARDS = """\
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass

from gatekeeper.extract.base import FunctionExtractor


@dataclass(frozen=True, slots=True)
class Seen:
    path: str


def _misbehave(pf):
    text = pf.text
    if "HAZARD:segv" in text:
        os.kill(os.getpid(), signal.SIGSEGV)
    if "HAZARD:libcst" in text:
        import libcst  # a real native crash: far deeper than the pre-scan lets through

        libcst.parse_module("x = " + "[" * 3000 + "]" * 3000 + "\\n")
    if "HAZARD:abort" in text:
        os.abort()
    if "HAZARD:exit" in text:
        os._exit(3)
    if "HAZARD:hang" in text:
        while True:
            pass
    if "HAZARD:hog" in text:
        hoard = []
        while True:
            hoard.append(bytes(64 * 1024 * 1024))  # calloc: address space, not RAM
    if "HAZARD:orphan" in text:
        child = subprocess.Popen(["sleep", "600"])
        with open(text.split("PIDFILE:")[1].strip(), "w") as out:
            out.write(str(child.pid))
        time.sleep(600)
    return Seen(pf.path)


HAZARD = FunctionExtractor("hazard", frozenset({"python"}), _misbehave)
"""


@pytest.fixture
def hazard_spec(tmp_path: Path) -> str:
    plugin = tmp_path / "plugins" / "hazards.py"
    plugin.parent.mkdir()
    plugin.write_text(HAZARDS)
    return f"{plugin}:HAZARD"


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


LANGUAGES = {".py": "python", ".js": "javascript", ".ts": "typescript", ".go": "go"}
LANGUAGES |= {".java": "java", ".kt": "kotlin"}


def tasks_for(root: Path, names: tuple[str, ...] = ALL_NAMES) -> list[Task]:
    tasks = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        language = LANGUAGES.get(path.suffix)
        if language is not None:
            rel = path.relative_to(root).as_posix()
            chosen = tuple(n for n in names if n in REGISTRY and language in REGISTRY[n].languages)
            if "hazard" in names and language == "python":
                chosen += ("hazard",)
            tasks.append(Task(str(root), rel, language, MAX_BYTES, chosen, path.stat().st_size))
    return tasks


def modules(result: TaskResult) -> list[tuple[str, int]]:
    facts = [fact for _, fact in result.facts if isinstance(fact, FileImports)]
    return [(i.module, i.line) for fact in facts for i in fact.imports]


def reasons(pool_result: PoolResult) -> dict[str, str]:
    return {u.path: u.reason for u in pool_result.unanalyzed if u.engine == workers.ENGINE}


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rpartition(")")[2].split()[1])
            if ppid == pid:
                found.add(int(entry.name))
    return found


def is_gone_or_dead(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # A zombie left with init (some containers never reap) is dead, just not yet buried.
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


GOOD_FILES: dict[str, str | bytes] = {
    "app/main.py": "import os\nfrom fastapi import FastAPI\nfrom . import models\n",
    "app/new_syntax.py": "type UserId = int\nimport sqlalchemy\n",
    "web/server.js": "// import 'x'\nconst express = require('express');\nimport('lazy');\n",
    "web/api.ts": "import type { Req } from 'express';\nimport { Get } from '@nestjs/common';\n",
    "svc/main.go": 'package main\n\nimport (\n\t"fmt"\n\tgin "github.com/gin-gonic/gin"\n)\n',
    "jvm/App.java": "package a;\nimport org.springframework.boot.SpringApplication;\n",
    "jvm/App.kt": "package a\nimport io.ktor.server.engine.embeddedServer\n",
}


# ---------------------------------------------------------------------------- in-process


@dataclass(slots=True)  # not frozen
class Mutable:
    path: str


@dataclass(frozen=True, slots=True)
class HoldsTree:
    tree: object


def test_analyze_in_process_extracts_facts_and_hashes_the_bytes(tmp_path: Path) -> None:
    write(tmp_path, GOOD_FILES)
    results = {t.path: workers.analyze(t, REGISTRY) for t in tasks_for(tmp_path)}
    assert modules(results["app/main.py"]) == [("os", 1), ("fastapi", 2), (".", 3)]
    assert modules(results["app/new_syntax.py"]) == [("sqlalchemy", 2)]
    assert modules(results["web/server.js"]) == [("express", 2), ("lazy", 3)]
    assert modules(results["web/api.ts"]) == [("express", 1), ("@nestjs/common", 2)]
    assert modules(results["svc/main.go"]) == [("fmt", 4), ("github.com/gin-gonic/gin", 5)]
    assert modules(results["jvm/App.java"]) == [("org.springframework.boot.SpringApplication", 2)]
    assert modules(results["jvm/App.kt"]) == [("io.ktor.server.engine.embeddedServer", 2)]
    main = results["app/main.py"]
    assert main.unanalyzed_reason is None and main.errors == ()
    assert main.sha256 == hashlib.sha256((tmp_path / "app/main.py").read_bytes()).hexdigest()
    assert main.fact("imports.python") == FileImports(
        "app/main.py", (ImportFact("os", 1), ImportFact("fastapi", 2), ImportFact(".", 3))
    )
    assert main.fact("imports.go") is None


def test_unparsable_and_binary_files_are_unanalyzed_with_the_cause(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "broken.py": "import os\n\ndef broken(:\n    pass\n",
            "binary.py": b"import os\n\x00\x01\x02",
            "late_nul.py": b"import os\n" + b"#" * 9000 + b"\n\x00\n",
            "latin.py": "# caf\xe9\nimport flask\n".encode("latin-1"),
        },
    )
    results = {t.path: workers.analyze(t, REGISTRY) for t in tasks_for(tmp_path)}
    broken = results["broken.py"].unanalyzed_reason or ""
    assert broken.startswith("python syntax error at line 3: invalid syntax")
    assert "newer syntax with libcst" in broken
    assert (results["binary.py"].unanalyzed_reason or "").startswith("binary content (NUL")
    late = results["late_nul.py"].unanalyzed_reason
    assert late == "binary content (NUL byte in the python source)"
    latin = results["latin.py"]  # a decoding fallback is a flag, not a reason to give up
    assert latin.unanalyzed_reason is None
    assert latin.encoding_fallback
    assert modules(latin) == [("flask", 2)]


def test_a_path_outside_the_root_is_never_read(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.py").write_text("import secret\n")
    (root / "link.py").symlink_to(tmp_path / "secret.py")
    for rel in ("../secret.py", "link.py", "missing.py"):
        result = workers.analyze(Task(str(root), rel, "python", MAX_BYTES, ALL_NAMES), REGISTRY)
        assert result.unanalyzed_reason is not None, rel
        assert result.facts == () and result.sha256 == ""


def test_a_failing_extractor_costs_only_its_own_fact(tmp_path: Path) -> None:
    def explode(pf: ParsedFile) -> None:
        raise RuntimeError("boom")

    def needs_tree(pf: ParsedFile) -> HoldsTree:
        return HoldsTree(pf.tree)

    def concrete(pf: ParsedFile) -> None:
        return None

    registry: dict[str, Extractor] = {
        **REGISTRY,
        "boom": FunctionExtractor("boom", frozenset({"python"}), explode),
        "mutable": FunctionExtractor("mutable", frozenset({"python"}), lambda pf: Mutable("x")),
        "tree": FunctionExtractor("tree", frozenset({"python"}), needs_tree),
        "plain": FunctionExtractor("plain", frozenset({"python"}), lambda pf: "a string"),  # type: ignore[arg-type,return-value]
        "cst": FunctionExtractor("cst", frozenset({"python"}), concrete, needs_cst=True),
    }
    # Valid Python, but the cheap pre-scan counts the brackets in the string and refuses libcst.
    write(tmp_path, {"m.py": "import os\ns = '" + "(" * 600 + "'\n"})
    names = (*registry, "missing")
    result = workers.analyze(Task(str(tmp_path), "m.py", "python", MAX_BYTES, names), registry)
    assert result.unanalyzed_reason is None
    assert modules(result) == [("os", 1)]
    errors = dict(e.split(": ", 1) for e in result.errors)
    assert errors["boom"] == "RuntimeError: boom"
    assert "not a frozen dataclass" in errors["mutable"]
    assert "not a frozen dataclass" in errors["plain"]
    assert "must not hold syntax tree nodes (Module)" in errors["tree"]
    assert errors["cst"].startswith("needs libcst, which could not parse the file: libcst not run")
    assert errors["missing"] == "no such extractor in this worker"


def test_memory_error_in_process_marks_the_file_and_retires_the_worker(tmp_path: Path) -> None:
    def hog(pf: ParsedFile) -> None:
        raise MemoryError

    write(tmp_path, {"m.py": "x = 1\n"})
    registry: dict[str, Extractor] = {"hog": FunctionExtractor("hog", frozenset({"python"}), hog)}
    task = Task(str(tmp_path), "m.py", "python", MAX_BYTES, ("hog",))
    result, retire = workers._run_task(task, registry, 512 * 2**20)
    assert retire
    assert (result.unanalyzed_reason or "").startswith("memory limit:")
    assert "512 MiB" in (result.unanalyzed_reason or "")


def test_replies_may_only_carry_gatekeeper_data(tmp_path: Path) -> None:
    fine = pickle.dumps(workers._Reply(workers._unanalyzed("a.py", "why"), retiring=False))
    assert isinstance(workers._ResultUnpickler(fine, frozenset()).load(), workers._Reply)
    for hostile in (os.system, subprocess.Popen, ast.Module(body=[], type_ignores=[])):
        with pytest.raises(pickle.UnpicklingError, match="forbidden type"):
            workers._ResultUnpickler(pickle.dumps(hostile), frozenset()).load()


@pytest.mark.parametrize(
    ("code", "stderr", "killed_by_pool", "expected"),
    [
        (-11, b"", False, "parser crashed (SIGSEGV)"),
        (-6, b"memory allocation of 1048576 bytes failed\n", False, "memory limit: "),
        (-9, b"", False, "memory limit: "),  # a SIGKILL the pool did not send
        (-24, b"", False, "CPU time limit reached (SIGXCPU)"),
        (-9, b"", True, "the worker stopped answering (EOF)"),
        (-99, b"", False, "parser crashed (signal 99)"),
        (1, b"Traceback ...\nMemoryError\n", False, "memory limit: "),
        (
            1,
            b"Traceback ...\nKeyError: 'x'\n",
            False,
            "worker exited with status 1 (KeyError: 'x')",
        ),
        (0, b"", False, "worker exited with status 0 (EOF)"),
    ],
)
def test_a_dead_worker_is_explained(
    code: int, stderr: bytes, killed_by_pool: bool, expected: str
) -> None:
    reason = workers.death_reason(
        code, stderr, killed_by_pool=killed_by_pool, memory_bytes=2**30, detail="EOF"
    )
    assert reason.startswith(expected)


def test_frames_round_trip_and_truncation_reads_as_end_of_input() -> None:
    stream = io.BytesIO()
    task = Task("/r", "a.py", "python", 1, ("imports.python",))
    workers._write_frame(stream, task)
    whole = stream.getvalue()
    assert workers._read_frame(io.BytesIO(whole)) == task
    for cut in (0, 3, len(whole) - 1):
        assert workers._read_frame(io.BytesIO(whole[:cut])) is None


def test_make_tasks_names_the_extractors_for_each_language(tmp_path: Path) -> None:
    entries = [
        FileEntry("a.py", 10, "python"),
        FileEntry("b.ts", 20, "typescript"),
        FileEntry("c.yaml", 5, "yaml"),
        FileEntry("d", 1, None),
    ]
    python_names = tuple(sorted(x.name for x in EXTRACTORS if "python" in x.languages))
    assert "imports.python" in python_names and "routes.python" in python_names
    typescript_names = tuple(x.name for x in EXTRACTORS if "typescript" in x.languages)
    assert typescript_names == ("imports.javascript", "migrations.javascript", "suppressions")
    assert workers.make_tasks(tmp_path, entries, 99) == [
        Task(str(tmp_path), "a.py", "python", 99, python_names, 10),
        Task(str(tmp_path), "b.ts", "typescript", 99, typescript_names, 20),
    ]
    capped = workers.make_tasks(tmp_path, entries, lambda entry: entry.size * 2)
    assert [task.max_bytes for task in capped] == [20, 40]


def test_bad_tasks_and_settings_are_refused_before_anything_runs(tmp_path: Path) -> None:
    with WorkerPool(1) as pool:
        ok = Task(str(tmp_path), "a.py", "python", MAX_BYTES, ("imports.python",))
        with pytest.raises(ValueError, match="unknown extractors"):
            pool.run(tmp_path, [Task(str(tmp_path), "a.py", "python", 1, ("nope",))])
        with pytest.raises(ValueError, match="not"):
            pool.run(tmp_path / "other", [ok])
        with pytest.raises(ValueError, match="two tasks"):
            pool.run(tmp_path, [ok, ok])
        assert pool.run(tmp_path, []) == PoolResult({}, ())
        assert pool.spawned_pids == ()
    with pytest.raises(ValueError, match="positive"):
        WorkerPool(timeout=0)
    with pytest.raises(ValueError, match="absolute"):
        WorkerPool(extra_extractors=["relative.py:X"])


# ---------------------------------------------------------------------------- worker processes


def test_pool_results_match_in_process_results_and_are_deterministic(tmp_path: Path) -> None:
    write(tmp_path, GOOD_FILES)
    write(tmp_path, {"bad/syntax.py": "x = (\n", "bad/nul.py": b"\x00import os\n"})
    tasks = tasks_for(tmp_path)
    calls: list[tuple[int, int]] = []
    with WorkerPool(1) as pool:
        first = pool.run(tmp_path, tasks, progress=lambda done, total: calls.append((done, total)))
        again = pool.run(tmp_path, list(reversed(tasks)))
    with WorkerPool(2) as pool:
        parallel = pool.run(tmp_path, tasks)
    assert first == again == parallel
    assert list(first.results) == sorted(t.path for t in tasks)
    assert first.results == {t.path: workers.analyze(t, REGISTRY) for t in tasks}
    assert calls == [(n, len(tasks)) for n in range(len(tasks) + 1)]
    assert set(reasons(first)) == {"bad/nul.py", "bad/syntax.py"}
    assert reasons(first)["bad/nul.py"].startswith("binary content (NUL")
    assert reasons(first)["bad/syntax.py"].startswith("python syntax error at line 1")


def test_nesting_that_would_crash_libcst_costs_only_that_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **GOOD_FILES,
            # ast fails on the syntax error; the pre-scan keeps the nesting away from libcst.
            "gen/nested.py": "x = " + "[" * 3000 + "]" * 3000 + "\ndef broken(:\n",
            "gen/unary.py": "x = " + "-" * 100_000 + "1\n",
        },
    )
    with WorkerPool(1) as pool:
        result = pool.run(tmp_path, tasks_for(tmp_path))
    why = reasons(result)
    assert set(why) == {"gen/nested.py", "gen/unary.py"}
    assert why["gen/nested.py"].startswith("python syntax error at line 1")
    assert "libcst not run: brackets nested more than 500 deep" in why["gen/nested.py"]
    assert why["gen/unary.py"].startswith("python source nested too deeply for the parser")
    assert modules(result.results["app/main.py"]) == [("os", 1), ("fastapi", 2), (".", 3)]
    assert modules(result.results["svc/main.go"]) == [("fmt", 4), ("github.com/gin-gonic/gin", 5)]


def test_crashes_hangs_and_memory_hogs_are_contained(tmp_path: Path, hazard_spec: str) -> None:
    root = tmp_path / "target"
    pidfile = tmp_path / "orphan.pid"
    write(
        root,
        {
            "ok.py": "import fastapi\n",
            "segv.py": "# HAZARD:segv\nimport os\n",
            "libcst.py": "# HAZARD:libcst\n",
            "abort.py": "# HAZARD:abort\n",
            "exit.py": "# HAZARD:exit\n",
            "hang.py": "# HAZARD:hang\n",
            "hog.py": "# HAZARD:hog\n",
            "orphan.py": f"# HAZARD:orphan PIDFILE:{pidfile}\n",
            "z_after.py": "import django\n",
        },
    )
    before = children_of(os.getpid())
    with WorkerPool(2, timeout=5, memory_bytes=768 * 2**20, extra_extractors=[hazard_spec]) as pool:
        result = pool.run(root, tasks_for(root, (*ALL_NAMES, "hazard")))
        spawned = pool.spawned_pids
    why = reasons(result)
    assert why["segv.py"].startswith("parser crashed (SIGSEGV)")
    assert why["libcst.py"].startswith("parser crashed (SIGSEGV)")
    assert why["abort.py"].startswith("parser crashed (SIGABRT)")
    assert why["exit.py"].startswith("worker exited with status 3")
    assert why["hang.py"].startswith("timed out after 5 s")
    assert why["orphan.py"].startswith("timed out after 5 s")
    assert why["hog.py"].startswith("memory limit:") and "768 MiB" in why["hog.py"]
    crashed = {"segv.py", "libcst.py", "abort.py", "exit.py", "hang.py", "hog.py", "orphan.py"}
    assert set(why) == crashed
    for good, module in (("ok.py", "fastapi"), ("z_after.py", "django")):
        assert modules(result.results[good]) == [(module, 1)]
        seen = result.results[good].fact("hazard")
        assert seen is not None and type(seen).__name__ == "Seen"
    # The grandchild died with its worker's process group, and nothing is left behind.
    assert is_gone_or_dead(int(pidfile.read_text()))
    assert all(is_gone_or_dead(pid) for pid in spawned)
    assert children_of(os.getpid()) <= before


def test_target_code_is_never_imported_or_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "target"
    marker = tmp_path / "markers"
    marker.mkdir()
    canary = f"open({str(marker)!r} + '/' + __name__, 'w').close()\nimport os\n"
    shadowing = ("yaml", "ast", "libcst", "pickle", "re", "json", "sitecustomize", "usercustomize")
    files: dict[str, str | bytes] = {f"{name}.py": canary for name in shadowing}
    files["gatekeeper/__init__.py"] = canary
    files["gatekeeper/workers.py"] = canary
    files["encodings/__init__.py"] = canary
    write(root, files)
    monkeypatch.chdir(root)  # even when gatekeeper is started from inside the target
    monkeypatch.setenv("PYTHONPATH", str(root))
    with WorkerPool(2) as pool:
        result = pool.run(root, tasks_for(root))
    assert list(marker.iterdir()) == []
    assert modules(result.results["yaml.py"]) == [("os", 2)]
    assert result.unanalyzed == ()


def test_progress_errors_and_interrupts_stop_every_worker(tmp_path: Path) -> None:
    write(tmp_path, {f"m{i}.py": f"import mod{i}\n" for i in range(6)})

    def interrupt(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with WorkerPool(2) as pool:
        with pytest.raises(KeyboardInterrupt):
            pool.run(tmp_path, tasks_for(tmp_path), progress=interrupt)
        # The pool is still usable after an interrupted run.
        result = pool.run(tmp_path, tasks_for(tmp_path))
        spawned = pool.spawned_pids
    assert modules(result.results["m5.py"]) == [("mod5", 1)]
    assert all(is_gone_or_dead(pid) for pid in spawned)


def test_extractor_failures_are_reported_as_unanalyzed_for_that_extractor() -> None:
    results = [TaskResult("a.py", (), ("imports.python: RuntimeError: boom",), None, False, "")]
    assert workers._unanalyzed_entries(results) == (
        Unanalyzed("a.py", "extractor failed: RuntimeError: boom", "imports.python"),
    )


def test_a_worker_that_cannot_start_is_an_engine_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.py": "import os\n"})
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with WorkerPool(1) as pool, pytest.raises(EngineError, match="did not start"):
        pool.run(tmp_path, tasks_for(tmp_path))


def test_worker_entry_point_speaks_the_frame_protocol(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "import os\n"})
    task = Task(str(tmp_path), "a.py", "python", MAX_BYTES, ("imports.python",))
    frames = b""
    for message in (workers._WorkerInit(2**30, 60, ()), task):
        payload = pickle.dumps(message)
        frames += workers._FRAME_HEADER.pack(len(payload)) + payload
    done = subprocess.run(
        [sys.executable, "-I", "-m", "gatekeeper.workers"],
        input=frames,
        capture_output=True,
        timeout=60,
        check=True,
        cwd=tmp_path,
    )
    out = done.stdout
    replies = []
    while out:
        (size,) = workers._FRAME_HEADER.unpack(out[:8])
        replies.append(workers._ResultUnpickler(out[8 : 8 + size], frozenset()).load())
        out = out[8 + size :]
    ready, reply = replies
    assert isinstance(ready, workers._Ready) and "imports.python" in ready.extractor_names
    assert isinstance(reply, workers._Reply) and modules(reply.result) == [("os", 1)]


def test_statements_are_visited_in_ast_walks_order_without_expressions() -> None:
    """pyparse.statements finds imports and definitions as ast.walk would, in the same
    order, while skipping every expression node (the cheap walk the route and import
    extractors use)."""
    import ast

    from gatekeeper.extract.pyparse import statements

    source = (
        "import a\n"
        "try:\n    import b\nexcept ImportError:\n    import c\nelse:\n    import d\n"
        "finally:\n    import e\n"
        "def f():\n    if x:\n        import g\n    return [y for y in z]\n"
        "match v:\n    case 1:\n        import h\n"
        "class K:\n    import i\n"
    )
    tree = ast.parse(source)
    kinds = (ast.stmt, ast.excepthandler, ast.match_case)
    expected = [n for n in ast.walk(tree) if isinstance(n, kinds)]
    assert list(statements(tree)) == expected
    imports = [n.names[0].name for n in statements(tree) if isinstance(n, ast.Import)]
    assert sorted(imports) == ["a", "b", "c", "d", "e", "g", "h", "i"]


def test_a_workers_memory_does_not_grow_with_the_tasks_it_runs(tmp_path: Path) -> None:
    # The worker's collection regime (frozen start-up heap, one collection per task) once kept
    # every tree bandit had linked to the parser's shared Load/Store nodes: 235 objects per
    # task on a synthetic 1M-line backend, 700 MiB per worker by the end.
    from gatekeeper.engines import bandit

    source = (
        "import subprocess\n\n\n"
        "def run(cmd, items):\n"
        "    total = sum(x + 1 for x in items if not x)\n"
        "    subprocess.call(cmd, shell=True)\n"
        "    return total, [y for y in items], {'password': 'x'}\n"
    )
    (tmp_path / "app.py").write_text(source)
    names = tuple(x.name for x in EXTRACTORS if "python" in x.languages)
    task = Task(str(tmp_path), "app.py", "python", 10_000, names)
    bandit._runner()  # loaded before the freeze, as in a worker after its first task
    thresholds = gc.get_threshold()
    collector = workers._Collector()
    try:
        counts = []
        for round_ in range(150):
            result = workers.analyze(task, REGISTRY)
            assert result.fact(bandit.ENGINE) is not None
            del result
            collector.after_task()
            if round_ in (49, 149):
                counts.append(len(gc.get_objects(generation=2)))
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert counts[1] - counts[0] < 50, counts
