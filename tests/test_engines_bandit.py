"""The bandit wrapper: JSON accounting against a recording, failing chunks, and real bandit.

tests/data/engines/bandit_scan.json is real bandit 1.9.4 output for app.py (shell=True),
broken.py (syntax error) and ok.py, run with gatekeeper's flags (generated_at fixed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.engines import bandit, proc
from gatekeeper.errors import EngineError

DATA = Path(__file__).parent / "data" / "engines"
SHELL_TRUE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


def recorded() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "bandit_scan.json").read_text())
    return data


def parse(data: dict[str, Any], expected: tuple[str, ...]) -> bandit.BanditRun:
    return bandit.parse_json(json.dumps(data).encode(), expected)


# ---------------------------------------------------------------------------- recorded JSON


def test_recorded_run_accounts_for_every_file() -> None:
    run = parse(recorded(), ("app.py", "broken.py", "ok.py", "never.py"))
    assert run.ok, run.message
    assert run.scanned == {"app.py", "ok.py"}
    reasons = {u.path: u.reason for u in run.unanalyzed}
    assert reasons == {
        "broken.py": "bandit could not check it: syntax error while parsing AST from file",
        "never.py": "bandit did not report this file",
    }
    assert run.expected == 4
    summary = run.engine_run()
    assert (summary.engine, summary.files_expected, summary.files_scanned) == ("bandit", 4, 2)


def test_recorded_issues_are_typed() -> None:
    run = parse(recorded(), ("app.py", "broken.py", "ok.py"))
    by_test = {issue.test_id: issue for issue in run.issues}
    assert set(by_test) == {"B404", "B602"}
    shell = by_test["B602"]
    assert shell.path == "app.py"  # bandit wrote ././app.py
    assert (shell.line, shell.col, shell.line_range) == (5, 12, (5,))
    assert shell.end_col is not None and shell.end_col > shell.col
    assert (shell.severity, shell.confidence, shell.cwe) == ("HIGH", "HIGH", 78)
    assert shell.test_name == "subprocess_popen_with_shell_equals_true"
    assert "shell=True" in shell.text
    assert [i.line for i in run.issues] == sorted(i.line for i in run.issues)


def test_issues_and_errors_for_paths_we_did_not_give_fail_the_run() -> None:
    data = recorded()
    data["results"].append({**data["results"][0], "filename": "../../etc/evil.py"})
    data["errors"].append({"filename": "/etc/passwd", "reason": "x"})
    run = parse(data, ("app.py", "broken.py", "ok.py"))
    assert not run.ok
    assert "../../etc/evil.py" in run.message and "/etc/passwd" in run.message
    assert {i.path for i in run.issues} == {"app.py"}


@pytest.mark.parametrize(
    "stdout",
    [
        b"",
        b"Traceback (most recent call last):",
        b"[]",
        b'{"results": []}',
        b'{"metrics": {}, "results": {}}',
        b'{"metrics": {}, "results": [{"test_id": "B1"}]}',
        b'{"metrics": {}, "results": [], "errors": ["x"]}',
    ],
)
def test_output_that_is_not_bandits_json_raises(stdout: bytes) -> None:
    with pytest.raises(EngineError):
        bandit.parse_json(stdout, ["a.py"])


# ---------------------------------------------------------------------------- failing chunks

FAKE_PYTHON = """#!/bin/sh
# Stands in for the interpreter: poisons chosen batches, hands the rest to real bandit.
case " $* " in
  *" ./garbage.py "*) echo 'Traceback (most recent call last):'; exit 1 ;;
  *" ./silent.py "*) echo 'bandit: crashed' >&2; exit 1 ;;
  *" ./usage.py "*) echo 'usage: bandit [-h]' >&2; exit 2 ;;
  *" ./slow.py "*) exec sleep 60 ;;
  *" ./segv.py "*) kill -SEGV $$ ;;
esac
exec {python} "$@"
"""


def make_root(tmp_path: Path, names: tuple[str, ...]) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(SHELL_TRUE)
    return root


def fake_python(tmp_path: Path) -> str:
    script = tmp_path / "fake-python"
    script.write_text(FAKE_PYTHON.format(python=sys.executable))
    script.chmod(0o755)
    return str(script)


@pytest.mark.engines
def test_a_failed_chunk_marks_its_files_and_other_chunks_still_count(tmp_path: Path) -> None:
    names = ("app.py", "garbage.py", "silent.py", "usage.py", "segv.py")
    root = make_root(tmp_path, names)
    run = bandit.run_bandit(
        root, names, timeout=120, jobs=4, chunk_size=1, python=fake_python(tmp_path)
    )
    assert not run.ok
    assert run.scanned == {"app.py"}
    assert {i.path for i in run.issues} == {"app.py"}
    reasons = {u.path: u.reason for u in run.unanalyzed}
    assert set(reasons) == {"garbage.py", "silent.py", "usage.py", "segv.py"}
    assert "not JSON" in reasons["garbage.py"]
    assert "wrote no JSON (exit 1): bandit: crashed" in reasons["silent.py"]
    assert "exited with 2: usage: bandit [-h]" in reasons["usage.py"]
    assert "killed by signal 11" in reasons["segv.py"]
    assert run.message.startswith("4 of 5 bandit batches failed")


def test_a_chunk_that_times_out_is_stopped_and_unanalyzed(tmp_path: Path) -> None:
    root = make_root(tmp_path, ("slow.py",))
    run = bandit.run_bandit(root, ["slow.py"], timeout=1, python=fake_python(tmp_path))
    assert not run.ok
    assert "did not finish within" in run.unanalyzed[0].reason


def test_a_spent_budget_marks_chunks_unanalyzed_without_starting_them(tmp_path: Path) -> None:
    root = make_root(tmp_path, ("a.py",))
    run = bandit.run_bandit(root, ["a.py"], timeout=0, python="/nonexistent/python")
    assert not run.ok
    assert "not started" in run.unanalyzed[0].reason


def test_a_missing_interpreter_fails_the_chunk(tmp_path: Path) -> None:
    root = make_root(tmp_path, ("a.py",))
    run = bandit.run_bandit(root, ["a.py"], timeout=10, python=str(tmp_path / "nope"))
    assert not run.ok
    assert "could not start" in run.message


def test_no_files_runs_nothing(tmp_path: Path) -> None:
    run = bandit.run_bandit(tmp_path, [], timeout=1, python="/nonexistent/python")
    assert run.ok and not run.issues and not run.unanalyzed and run.expected == 0


def test_our_settings_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bandit, "INI", tmp_path / "missing.ini")
    with pytest.raises(EngineError, match="settings are missing"):
        bandit.run_bandit(tmp_path, ["a.py"], timeout=1)


def test_the_shipped_ini_skips_nothing() -> None:
    text = bandit.INI.read_text()
    settings = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert settings == ["[bandit]", "skips =", "tests ="]


def test_every_flag_we_pass_is_declared() -> None:
    argv = bandit.command("python")
    assert argv[:4] == ["python", "-I", "-m", "bandit"]
    used = {a.split("=")[0] for a in argv[4:] if a.startswith("-") and a != "--"}
    assert used == set(bandit.FLAGS)
    assert argv[-1] == "--"


def test_version_comes_from_the_installed_distribution() -> None:
    assert bandit.version() == "1.9.4"


# ---------------------------------------------------------------------------- real bandit

UNPARSABLE = {
    "pep695.py": "import subprocess\ntype X = int\nsubprocess.call(x, shell=True)\n",
    "nul.py": "import subprocess\nsubprocess.call(x, shell=True)  \x00\n",
    "syntax.py": "def broken(:\n    subprocess.call(x, shell=True)\n",
}
LATIN1 = b"# caf\xe9\nimport subprocess\nsubprocess.call(x, shell=True)\n"
CANARY_MODULE = "import pathlib\npathlib.Path({marker!r}).write_text('imported')\n"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bandit.BanditRun]:
    """One real run over a target that tries to steer or subvert bandit."""
    base = tmp_path_factory.mktemp("bandit")
    root = base / "repo"
    files = {
        "app.py": SHELL_TRUE,
        "-x.py": SHELL_TRUE,
        ".github/scripts/release.py": SHELL_TRUE,  # '.git' is in bandit's substring excludes
        ".tox/tool.py": SHELL_TRUE,
        "pkg/sub.py": SHELL_TRUE,
        **UNPARSABLE,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "latin1.py").write_bytes(LATIN1)
    # Configuration that would switch the shell=True check off if bandit read it.
    (root / ".bandit").write_text("[bandit]\nskips: B602,B404\nexclude: pkg\n")
    (root / "pkg" / ".bandit").write_text("[bandit]\nskips: B602\n")
    (root / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B602"]\n')
    (root / "setup.cfg").write_text("[bandit]\nskips = B602\n")
    # Modules bandit imports at start-up; each leaves a marker if imported from the target.
    for module in ("yaml.py", "bandit.py", "stevedore.py"):
        (root / module).write_text(CANARY_MODULE.format(marker=str(base / f"imported-{module}")))
    (root / "rich").mkdir()
    (root / "rich" / "__init__.py").write_text(
        CANARY_MODULE.format(marker=str(base / "imported-rich"))
    )
    names = [*sorted(files), "latin1.py"]
    return base, bandit.run_bandit(root, names, timeout=300, jobs=2, chunk_size=3)


@pytest.mark.engines
def test_real_bandit_finds_shell_true(hostile: tuple[Path, bandit.BanditRun]) -> None:
    _, run = hostile
    assert run.ok, run.message
    flagged = {i.path for i in run.issues if i.test_id == "B602"}
    assert {"app.py", "-x.py", ".github/scripts/release.py", ".tox/tool.py"} <= flagged
    assert {"app.py", "-x.py", ".github/scripts/release.py"} <= run.scanned


@pytest.mark.engines
def test_real_target_configuration_is_never_read(hostile: tuple[Path, bandit.BanditRun]) -> None:
    _, run = hostile
    flagged = {(i.path, i.test_id) for i in run.issues}
    assert ("pkg/sub.py", "B602") in flagged
    assert ("app.py", "B404") in flagged


@pytest.mark.engines
def test_real_unparsable_files_are_unanalyzed_not_passed(
    hostile: tuple[Path, bandit.BanditRun],
) -> None:
    _, run = hostile
    reasons = {u.path: u.reason for u in run.unanalyzed}
    assert set(reasons) == {*UNPARSABLE, "latin1.py"}
    assert all("syntax error" in reason for reason in reasons.values())
    assert not set(reasons) & run.scanned
    assert not {i.path for i in run.issues} & set(reasons)


@pytest.mark.engines
def test_real_bandit_never_imports_target_modules(hostile: tuple[Path, bandit.BanditRun]) -> None:
    base, _ = hostile
    assert not list(base.glob("imported-*"))


@pytest.mark.engines
def test_the_import_canary_works_without_isolation(
    hostile: tuple[Path, bandit.BanditRun],
) -> None:
    # Control for the test above: a plain interpreter started in the target does import yaml.py.
    base, _ = hostile
    subprocess.run(
        [sys.executable, "-c", "import yaml"], cwd=base / "repo", check=False, capture_output=True
    )
    assert (base / "imported-yaml.py").exists()
    (base / "imported-yaml.py").unlink()


@pytest.mark.engines
def test_real_bandit_still_accepts_every_flag_we_pass(tmp_path: Path) -> None:
    result = proc.run([sys.executable, "-I", "-m", "bandit", "--help"], cwd=tmp_path, timeout=120)
    assert result.returncode == 0, proc.short_text(result.stderr)
    usage = result.stdout.decode()
    accepted = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", usage))
    assert set(bandit.FLAGS) <= accepted, set(bandit.FLAGS) - accepted
    assert "json" in usage  # the -f choice we use


@pytest.mark.parametrize(
    ("files", "jobs", "most", "sizes"),
    [
        (1220, 2, 250, [204, 204, 204, 204, 204, 200]),  # NetBox: six even chunks, three rounds
        (150, 2, 250, [75, 75]),  # a small repository still uses both workers
        (3, 4, 250, [1, 1, 1]),
        (5, 1, 2, [2, 2, 1]),
        (0, 2, 250, []),
    ],
)
def test_files_are_split_into_even_chunks_for_every_worker(
    files: int, jobs: int, most: int, sizes: list[int]
) -> None:
    targets = [f"f{i}.py" for i in range(files)]
    chunks = bandit._chunks(targets, jobs=jobs, most=most)
    assert [len(c) for c in chunks] == sizes
    assert [t for c in chunks for t in c] == targets  # every file once, in order
