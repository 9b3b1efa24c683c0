"""The semgrep wrapper: JSON accounting against recordings, a stand-in binary, and real semgrep.

Recordings in tests/data/engines/ are real semgrep 1.185.0 output (timing block removed):
semgrep_scan.json scanned app.js, broken.js (syntax error), slow.js (rule timeouts) and
notes.txt (no rule language); semgrep_rule_error.json is a run whose rule did not parse (exit 2).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.engines import proc, semgrep
from gatekeeper.errors import EngineError, EngineOutputError, EngineTimeout

DATA = Path(__file__).parent / "data" / "engines"
RULES = Path(__file__).resolve().parents[1] / "rules"
SCAN_FILES = ("app.js", "broken.js", "slow.js", "notes.txt")


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


def parse(data: dict[str, Any], expected: tuple[str, ...] = SCAN_FILES) -> semgrep.SemgrepRun:
    return semgrep.parse_json(json.dumps(data).encode(), expected)


# ---------------------------------------------------------------------------- recorded JSON


def test_recorded_scan_accounts_for_every_file() -> None:
    run = parse(recorded("semgrep_scan.json"))
    assert run.ok, run.message
    assert run.version == "1.185.0"
    assert run.expected == 4
    assert run.scanned == {"app.js"}
    reasons = {u.path: u.reason for u in run.unanalyzed}
    assert set(reasons) == {"broken.js", "slow.js", "notes.txt"}
    assert reasons["broken.js"].startswith("semgrep PartialParsing: Syntax error")
    assert "semgrep Timeout in rule gk-js-hardcoded-secret" in reasons["slow.js"]
    assert "semgrep Timeout in rule gk-test-slow" in reasons["slow.js"]
    assert "analysis_failed_parser_or_internal_error" in reasons["slow.js"]
    assert "did not scan it" in reasons["notes.txt"]
    assert all(u.engine == "semgrep" for u in run.unanalyzed)


def test_recorded_matches_are_typed_and_sorted() -> None:
    run = parse(recorded("semgrep_scan.json"))
    assert [(m.path, m.line) for m in run.matches] == [("app.js", 6), ("app.js", 20)]
    first = run.matches[0]
    assert first.check_id == "gk-js-hardcoded-secret"
    assert (first.column, first.end_line, first.end_column) == (19, 6, 27)  # the literal
    assert first.severity == "ERROR"
    assert first.cwe == ("CWE-798: Use of Hard-coded Credentials",)
    assert first.owasp[0].startswith("A07:2021")
    assert first.confidence == "MEDIUM"
    keys = [key for key, _ in first.metadata]
    assert keys == sorted(keys) and "category" in keys
    assert dict(first.metadata)["owasp"].startswith("[")  # non-text values as JSON


def test_engine_run_summary() -> None:
    summary = parse(recorded("semgrep_scan.json")).engine_run()
    assert (summary.engine, summary.ok, summary.files_expected, summary.files_scanned) == (
        "semgrep",
        True,
        4,
        1,
    )
    assert dict(summary.stats) == {"matches": 2, "unanalyzed": 3}


def test_results_for_paths_we_did_not_give_are_dropped_and_fail_the_run() -> None:
    data = recorded("semgrep_scan.json")
    for hostile in ("../outside.js", "/etc/passwd", "other.js"):
        data["results"].append({**data["results"][0], "path": hostile})
    run = parse(data)
    assert {m.path for m in run.matches} == {"app.js"}
    assert not run.ok
    for hostile in ("../outside.js", "/etc/passwd", "other.js"):
        assert hostile in run.message


def test_an_error_without_a_path_fails_the_run() -> None:
    run = parse(recorded("semgrep_rule_error.json"), ("app.js",))
    assert not run.ok
    assert "Rule parse error" in run.message
    assert "in rule bad" in run.message
    # app.js is listed as scanned, so it counts; the absolute temp path in skipped is ignored.
    assert run.scanned == {"app.js"}


def test_an_error_for_a_path_we_did_not_give_fails_the_run() -> None:
    data = recorded("semgrep_scan.json")
    data["errors"].append({"type": "Timeout", "message": "x", "path": "../../etc/shadow"})
    run = parse(data)
    assert not run.ok
    assert "not given" in run.message


def test_skipped_rules_fail_the_run() -> None:
    data = recorded("semgrep_scan.json")
    data["skipped_rules"] = [{"rule_id": "rules.gk-js-hardcoded-secret"}]
    run = parse(data)
    assert not run.ok
    assert "rule skipped" in run.message


def test_an_error_reported_only_through_spans_marks_the_file() -> None:
    data = recorded("semgrep_scan.json")
    data["errors"] = [
        {"type": "Syntax error", "message": "bad\nmore", "spans": [{"file": "app.js"}]}
    ]
    run = parse(data)
    reasons = {u.path: u.reason for u in run.unanalyzed}
    assert reasons["app.js"] == "semgrep Syntax error: bad more"
    assert "app.js" not in run.scanned


@pytest.mark.parametrize(
    "stdout",
    [
        b"",
        b"Usage: semgrep scan [OPTIONS]",
        b"[]",
        b'{"results": [], "errors": []}',
        b'{"results": {}, "errors": [], "paths": {}}',
        b'{"results": [{"check_id": "x"}], "errors": [], "paths": {}}',
        b'{"results": [7], "errors": [], "paths": {}}',
        b'{"results": [], "errors": [1], "paths": {}}',
        b'{"results": [], "errors": [], "paths": {"skipped": ["a.js"]}}',
        b"\xff\xfe",
    ],
)
def test_output_that_is_not_semgreps_json_raises(stdout: bytes) -> None:
    with pytest.raises(EngineOutputError):
        semgrep.parse_json(stdout, ["a.js"])


def test_rule_id_strips_the_config_path_prefix() -> None:
    assert semgrep.rule_id("tmp.x.rules.js.gk-js-hardcoded-secret") == "gk-js-hardcoded-secret"
    assert semgrep.rule_id("gk-go-hardcoded-secret") == "gk-go-hardcoded-secret"


# ---------------------------------------------------------------------------- a stand-in semgrep

FAKE = """#!{python}
import json, os, sys, time
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(json.dumps({{"argv": args, "env": dict(os.environ), "cwd": os.getcwd()}}) + "\\n")
targets = [a[2:] for a in args[args.index("--") + 1 :]]
mode = {mode!r}
if mode == "echo":
    print(json.dumps({{"version": "9.9.9", "results": [], "errors": [],
                      "paths": {{"scanned": targets, "skipped": []}}}}))
elif mode == "fatal":
    print(json.dumps({{"results": [], "errors": [{{"message": "Invalid scanning root: x"}}],
                      "paths": {{"scanned": [], "skipped": []}}}}))
    sys.exit(2)
elif mode == "garbage":
    print("Traceback (most recent call last): \\x1b[31m boom")
elif mode == "sleep":
    time.sleep(60)
elif mode == "grow":
    b = []
    while len(b) < 16:
        b.append(b"x" * (64 << 20))
    time.sleep(60)
elif mode == "flood":
    sys.stdout.write("x" * 100000)
elif mode == "segv":
    import signal
    os.kill(os.getpid(), signal.SIGSEGV)
"""


def fake_semgrep(tmp_path: Path, mode: str) -> tuple[str, Path]:
    log = tmp_path / f"fake-{mode}.log"
    script = tmp_path / f"fake-semgrep-{mode}"
    script.write_text(FAKE.format(python=sys.executable, log=str(log), mode=mode))
    script.chmod(0o755)
    return str(script), log


def make_root(tmp_path: Path, names: tuple[str, ...] = ("a.js", "-x.js", "b.go")) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in names:
        (root / name).write_text("const a = 1;\n")
    return root


def calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_invocation_flags_targets_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMGREP_APP_TOKEN", "must-not-leak")
    root = make_root(tmp_path)
    exe, log = fake_semgrep(tmp_path, "echo")
    run = semgrep.run_semgrep(
        root,
        ["a.js", "-x.js", "b.go"],
        rules=RULES,
        timeout=60,
        max_target_bytes=1000,
        jobs=3,
        file_timeout=2.5,
        semgrep=exe,
    )
    assert run.ok and run.scanned == {"a.js", "-x.js", "b.go"}
    assert run.version == "9.9.9"
    (call,) = calls(log)
    argv = call["argv"]
    # the rule directory goes to semgrep as one JSON bundle in a private temporary directory
    config = Path(argv[2])
    assert config.name == "rules.json" and not config.exists()  # removed after the run
    assert not str(config).startswith(str(root))
    assert argv[:16] == [
        "scan",
        "--config",
        str(config),
        "--metrics=off",
        "--disable-version-check",
        "--no-git-ignore",
        "--disable-nosem",
        "--max-target-bytes",
        "1000",
        "--timeout",
        "3",
        "--jobs",
        "3",
        "--verbose",
        "--json",
        "--",
    ]
    assert argv[16:] == ["./-x.js", "./a.js", "./b.go"]
    assert Path(call["cwd"]) == root
    env = call["env"]
    assert "SEMGREP_APP_TOKEN" not in env
    assert env["SEMGREP_ENABLE_VERSION_CHECK"] == "0"
    assert env["SEMGREP_SEND_METRICS"] == "off"
    assert env["GIT_DIR"] == "/dev/null"
    assert not env["HOME"].startswith(str(root))


def test_the_rule_bundle_holds_every_rule_once() -> None:
    import json

    import yaml

    bundled = json.loads(semgrep.bundle_rules(RULES))["rules"]
    ids = [r["id"] for r in bundled]
    files = sorted(RULES.rglob("*.yaml"))
    assert sorted(ids) == sorted(
        r["id"] for f in files for r in yaml.safe_load(f.read_text())["rules"]
    )
    assert len(ids) == len(set(ids))


def test_every_flag_we_pass_is_declared() -> None:
    argv = semgrep.command(RULES, max_target_bytes=1, file_timeout=1, jobs=1, semgrep="semgrep")
    used = {a.split("=")[0] for a in argv if a.startswith("-") and a != "--"}
    assert used == set(semgrep.FLAGS)


def test_oversized_and_unsafe_files_are_unanalyzed_before_the_run(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "big.js").write_text("x" * 5000)
    exe, log = fake_semgrep(tmp_path, "echo")
    run = semgrep.run_semgrep(
        root,
        ["a.js", "big.js", "../up.js"],
        rules=RULES,
        timeout=60,
        max_target_bytes=1000,
        semgrep=exe,
    )
    reasons = {u.path: u.reason for u in run.unanalyzed}
    assert "1000-byte limit" in reasons["big.js"]
    assert "leaves the audited root" in reasons["../up.js"]
    assert run.expected == 3
    (call,) = calls(log)
    assert call["argv"][-1] == "./a.js"


def test_a_zero_size_limit_means_no_limit(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "big.js").write_text("x" * 5000)
    exe, _ = fake_semgrep(tmp_path, "echo")
    run = semgrep.run_semgrep(
        root, ["big.js"], rules=RULES, timeout=60, max_target_bytes=0, semgrep=exe
    )
    assert run.scanned == {"big.js"}


def test_large_file_lists_are_split_into_several_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = tuple(f"f{i:02}.js" for i in range(12))
    root = make_root(tmp_path, names)
    exe, log = fake_semgrep(tmp_path, "echo")
    monkeypatch.setattr(semgrep, "ARGV_BUDGET_BYTES", 40)
    run = semgrep.run_semgrep(
        root, names, rules=RULES, timeout=60, max_target_bytes=1000, semgrep=exe
    )
    assert len(calls(log)) > 1
    assert run.scanned == set(names)
    assert run.ok and not run.unanalyzed


def test_an_empty_file_list_does_not_start_semgrep(tmp_path: Path) -> None:
    run = semgrep.run_semgrep(
        tmp_path, [], rules=RULES, timeout=1, max_target_bytes=1, semgrep="/nonexistent/semgrep"
    )
    assert run.ok and not run.matches and not run.scanned and not run.unanalyzed
    only_bad = semgrep.run_semgrep(
        tmp_path, ["../x.js"], rules=RULES, timeout=1, max_target_bytes=1, semgrep="/nonexistent"
    )
    assert only_bad.ok and [u.path for u in only_bad.unanalyzed] == ["../x.js"]


@pytest.mark.parametrize(
    ("mode", "error", "words"),
    [
        ("fatal", EngineOutputError, "exited with 2 (fatal error): Invalid scanning root"),
        ("garbage", EngineOutputError, "not JSON"),
        ("sleep", EngineTimeout, "did not finish within"),
        ("flood", EngineOutputError, "more output"),
        ("segv", EngineError, "was killed by signal 11"),
    ],
)
def test_whole_run_failures_raise(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    error: type[EngineError],
    words: str,
) -> None:
    monkeypatch.setattr(proc, "MAX_STDOUT_BYTES", 50000)
    root = make_root(tmp_path)
    exe, _ = fake_semgrep(tmp_path, mode)
    with pytest.raises(error) as caught:
        semgrep.run_semgrep(
            root, ["a.js"], rules=RULES, timeout=2, max_target_bytes=1000, semgrep=exe
        )
    assert words in str(caught.value)
    assert caught.value.engine == "semgrep"
    assert "\x1b" not in str(caught.value)


def test_memory_cap_stops_semgrep(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    exe, _ = fake_semgrep(tmp_path, "grow")
    with pytest.raises(EngineError, match="more than 256 MiB"):
        semgrep.run_semgrep(
            root,
            ["a.js"],
            rules=RULES,
            timeout=60,
            max_target_bytes=1000,
            max_rss_bytes=256 << 20,
            semgrep=exe,
        )


def test_a_missing_binary_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_root(tmp_path)
    with pytest.raises(EngineError, match="could not start"):
        semgrep.run_semgrep(
            root, ["a.js"], rules=RULES, timeout=5, max_target_bytes=99, semgrep=str(tmp_path / "x")
        )
    monkeypatch.setattr(semgrep, "executable", lambda: None)
    with pytest.raises(EngineError, match="not installed"):
        semgrep.run_semgrep(root, ["a.js"], rules=RULES, timeout=5, max_target_bytes=99)


def test_version_and_rules_location() -> None:
    assert semgrep.version() == "1.185.0"
    assert (semgrep.default_rules() / "js" / "gk-js-hardcoded-secret.yaml").is_file()


# ---------------------------------------------------------------------------- real semgrep

HOSTILE_JS = 'const password = "hunter22";\n'
BROKEN_JS = 'const password = "hunter22";\nfunction ( {\n'
BROKEN_GO = 'package main\n\nvar secret = "abcdefgh"\n\nfunc {{{ (\n'
CANARY_MODULE = "import pathlib\npathlib.Path({marker!r}).write_text('imported')\n"


def real_semgrep() -> str:
    exe = semgrep.executable()
    assert exe is not None, "semgrep is a dependency of gatekeeper; install it"
    return exe


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, semgrep.SemgrepRun]:
    """One real run over a target that tries every trick we know, shared by the tests below."""
    base = tmp_path_factory.mktemp("semgrep")
    root = base / "repo"
    (root / "src" / "nested").mkdir(parents=True)
    files = {
        "src/app.js": HOSTILE_JS,
        "src/nested/deep.js": HOSTILE_JS,
        "node_modules/lib/index.js": HOSTILE_JS,  # ignored by semgrep's default .semgrepignore
        "--help.js": HOSTILE_JS,
        "-x.js": HOSTILE_JS,
        "broken.js": BROKEN_JS,
        "broken.go": BROKEN_GO,
        "big.js": HOSTILE_JS + "// " + "x" * 4000 + "\n",
        "clean.js": "const answer = 42;\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    # Ignore files that would hide everything from a directory scan.
    for ignore in (".semgrepignore", "src/.semgrepignore", ".gitignore"):
        (root / ignore).write_text("*\n")
    # Modules semgrep's Python side imports; each would leave a marker if imported from cwd.
    for module in ("yaml.py", "ruamel.py", "click.py", "semgrep.py"):
        (root / module).write_text(CANARY_MODULE.format(marker=str(base / f"imported-{module}")))
    # A git repository whose config runs a command when git reads its index.
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        canary = base / "fsmonitor-canary"
        with (root / ".git" / "config").open("a") as config:
            config.write(f"[core]\n\tfsmonitor = touch {canary}\n")
    run = semgrep.run_semgrep(
        root,
        sorted(files),
        rules=RULES,
        timeout=300,
        max_target_bytes=2000,
        semgrep=real_semgrep(),
    )
    return base, run


@pytest.mark.engines
def test_real_semgrep_finds_rule_matches_and_reports_scanned(
    hostile: tuple[Path, semgrep.SemgrepRun],
) -> None:
    _, run = hostile
    assert run.ok, run.message
    assert run.version == "1.185.0"
    found = {(m.check_id, m.path, m.line) for m in run.matches}
    assert ("gk-js-hardcoded-secret", "src/app.js", 1) in found
    assert {"src/app.js", "clean.js"} <= run.scanned


@pytest.mark.engines
def test_real_semgrepignore_and_gitignore_do_not_hide_explicit_files(
    hostile: tuple[Path, semgrep.SemgrepRun],
) -> None:
    _, run = hostile
    matched = {m.path for m in run.matches}
    assert {"src/app.js", "src/nested/deep.js", "node_modules/lib/index.js"} <= matched
    assert {"src/nested/deep.js", "node_modules/lib/index.js"} <= run.scanned


@pytest.mark.engines
def test_real_files_named_like_options_are_scanned_as_files(
    hostile: tuple[Path, semgrep.SemgrepRun],
) -> None:
    _, run = hostile
    assert {"--help.js", "-x.js"} <= {m.path for m in run.matches}


@pytest.mark.engines
def test_real_syntax_errors_and_oversized_files_are_unanalyzed(
    hostile: tuple[Path, semgrep.SemgrepRun],
) -> None:
    _, run = hostile
    reasons = {u.path: u.reason for u in run.unanalyzed}
    assert set(reasons) == {"broken.js", "broken.go", "big.js"}
    assert "Syntax error" in reasons["broken.js"]
    assert "Syntax error" in reasons["broken.go"]
    assert "2000-byte limit" in reasons["big.js"]
    assert not set(reasons) & run.scanned


@pytest.mark.engines
def test_real_semgrep_never_runs_target_code(hostile: tuple[Path, semgrep.SemgrepRun]) -> None:
    base, _ = hostile
    assert not list(base.glob("imported-*"))
    assert not (base / "fsmonitor-canary").exists()


@pytest.mark.engines
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to build the canary repo")
def test_real_semgrep_opens_neither_ignore_files_nor_git_config(tmp_path: Path) -> None:
    # Each of these is a FIFO: whoever opens one for reading blocks until the run times out.
    # pysemgrep runs `git remote get-url origin` in cwd even with --no-git-ignore; GIT_DIR in
    # engine_env() keeps git out of the target's .git/config (and its include of the FIFO).
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    trap = tmp_path / "trap"
    os.mkfifo(trap)
    with (root / ".git" / "config").open("a") as config:
        config.write(f"[include]\n\tpath = {trap}\n")
    (root / "src").mkdir()
    for ignore in (".semgrepignore", ".gitignore", "src/.semgrepignore"):
        os.mkfifo(root / ignore)
    (root / "src" / "app.js").write_text(HOSTILE_JS)
    run = semgrep.run_semgrep(
        root, ["src/app.js"], rules=RULES, timeout=90, max_target_bytes=2000, semgrep=real_semgrep()
    )
    assert run.ok and run.scanned == {"src/app.js"}
    assert [m.path for m in run.matches] == ["src/app.js"]


@pytest.mark.engines
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to build the canary repo")
def test_the_fsmonitor_canary_works_when_git_reads_the_index(tmp_path: Path) -> None:
    # Control for the test above: plain git in such a repository does run the command.
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    canary = tmp_path / "canary"
    with (root / ".git" / "config").open("a") as config:
        config.write(f"[core]\n\tfsmonitor = touch {canary}\n")
    subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, check=False)
    assert canary.exists()


@pytest.mark.engines
def test_real_semgrep_still_accepts_every_flag_we_pass(tmp_path: Path) -> None:
    result = proc.run(
        [real_semgrep(), "scan", "--help=plain"],
        cwd=tmp_path,
        timeout=120,
        env=semgrep.engine_env(),
    )
    assert result.returncode == 0, proc.short_text(result.stderr)
    accepted: set[str] = set()
    for line in result.stdout.decode().splitlines():
        if line.lstrip().startswith("-"):  # an option's definition line
            accepted.update(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)", line))
    assert set(semgrep.FLAGS) <= accepted, set(semgrep.FLAGS) - accepted
    # --timeout must stay a whole number of seconds for pysemgrep.
    assert "--timeout=" in result.stdout.decode()
    # Documented exit codes we rely on.
    assert re.search(r"^\s+1\s+some findings", result.stdout.decode(), re.M)


@pytest.mark.engines
def test_browser_code_is_read_by_the_secret_rules_only(tmp_path: Path) -> None:
    # An aiohttp app's static/js (dvpwa) cost 40 s with every rule; server rules find nothing
    # there. The same file outside the browser directories gets every rule.
    source = (
        "const express = require('express');\n"
        "const app = express();\n"
        "app.get('/run', (req, res) => { require('child_process').exec(req.query.cmd); });\n"
        "const apiToken = 'k8s-Pr0d-Pa55';\n"
    )
    for rel in ("static/js/app.js", "web/project-static/app.js", "lib/jquery.min.js", "src/app.js"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(source)
    files = ["static/js/app.js", "web/project-static/app.js", "lib/jquery.min.js", "src/app.js"]
    run = semgrep.run_semgrep(tmp_path, files, rules=RULES, timeout=300, max_target_bytes=1_000_000)
    assert run.ok and run.scanned == frozenset(files)  # every file is still read
    rules: dict[str, set[str]] = {path: set() for path in files}
    for m in run.matches:
        rules[m.path].add(m.check_id)
    for browser in files[:3]:
        assert rules[browser] == {"gk-js-hardcoded-secret"}, browser
    assert {"gk-js-hardcoded-secret", "gk-js-command-injection"} <= rules["src/app.js"]
    assert any(r.startswith("gk-routes-") for r in rules["src/app.js"])
