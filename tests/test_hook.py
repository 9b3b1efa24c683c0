"""`gatekeeper hook FILES...` (the pre-commit hook) and `.pre-commit-hooks.yaml`, tried for real
with `pre-commit try-repo` in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gatekeeper.cli import cli

PROJECT = Path(__file__).resolve().parents[1]
SHELL = 'import os\n\n\ndef run(request):\n    os.system("ls " + request.args["d"])\n'
SAFE = "def add(a, b):\n    return a + b\n"


def hook(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["hook", "--root", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_only_the_given_files_are_checked(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(SHELL)
    (tmp_path / "other.py").write_text(SHELL)
    (tmp_path / "safe.py").write_text(SAFE)
    code, out, err = hook(tmp_path, "--no-engines", "--", str(tmp_path / "views.py"))
    assert code == 1
    assert out.splitlines() == [
        "views.py:5: GK3802 [high] Request data reaches a shell command: os.system() gets "
        "request.args"
    ]
    assert "1 finding(s) at or above medium in 1 file(s)" in err
    code, out, _ = hook(tmp_path, "--no-engines", "--", str(tmp_path / "safe.py"))
    assert (code, out) == (0, "")


def test_fail_on_and_suppressions(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import random\nsession_token = random.random()\n")
    assert hook(tmp_path, "--no-engines", "--", str(tmp_path / "a.py"))[0] == 1
    code, out, _ = hook(
        tmp_path, "--no-engines", "--fail-on", "critical", "--", str(tmp_path / "a.py")
    )
    assert code == 0 and "a.py:2: GK3817 [high]" in out  # shown, below the bar
    (tmp_path / "a.py").write_text(
        "import random\n"
        "session_token = random.random()  # gatekeeper: ignore[GK3817] -- demo data only\n"
    )
    code, out, _ = hook(tmp_path, "--no-engines", "--", str(tmp_path / "a.py"))
    assert (code, out) == (0, "")


def test_files_outside_the_root_are_refused(tmp_path: Path) -> None:
    inside = tmp_path / "repo"
    inside.mkdir()
    (tmp_path / "outside.py").write_text(SHELL)
    code, _, err = hook(inside, "--no-engines", "--", str(tmp_path / "outside.py"))
    assert code == 2 and "outside the repository root" in err


def test_a_file_that_cannot_be_read_makes_it_incomplete(tmp_path: Path) -> None:
    # a PEP 701 backslash in a replacement field: no same-line rewrite reads it on 3.11
    (tmp_path / "newer.py").write_text("lines = ['a']\nx = f\"{'\\n'.join(lines)}\"\n")
    code, _, err = hook(tmp_path, "--no-engines", "--", str(tmp_path / "newer.py"))
    assert code == 3 and "newer.py: not checked" in err


@pytest.mark.engines
def test_bandit_and_semgrep_run_on_the_given_files_only(tmp_path: Path) -> None:
    (tmp_path / "run.py").write_text("import subprocess\nsubprocess.call(cmd, shell=True)\n")
    (tmp_path / "db.js").write_text("const dbPassword = 'k8s-Pr0d-Pa55';\n")
    (tmp_path / "untouched.js").write_text("const apiKey = 'sk-live-0123456789';\n")
    code, out, _ = hook(tmp_path, "--", str(tmp_path / "run.py"), str(tmp_path / "db.js"))
    assert code == 1
    assert "run.py:2: GK3602" in out and "db.js:1: GK3901" in out
    assert "untouched.js" not in out


def test_the_hooks_file_declares_both_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"gatekeeper", "gatekeeper-audit"}
    assert hooks["gatekeeper"]["entry"] == "gatekeeper hook --"  # file names after --
    assert hooks["gatekeeper-audit"]["pass_filenames"] is False
    assert hooks["gatekeeper-audit"]["stages"] == ["pre-push"]


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path) -> None:
    beside = Path(sys.executable).parent / "pre-commit"
    pre_commit = str(beside) if beside.exists() else shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (it is in the test extras)")
    if not (PROJECT / ".git").exists():
        pytest.skip("try-repo needs the project as a git checkout")
    repo = tmp_path / "target"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)

    git("init", "-q")
    (repo / "views.py").write_text(SHELL)
    (repo / "safe.py").write_text(SAFE)
    git("add", "views.py", "safe.py")
    done = subprocess.run(
        [pre_commit, "try-repo", str(PROJECT), "gatekeeper", "--files", "views.py", "safe.py"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,  # a hang guard: installing the hook's environment takes a while
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "views.py:5: GK3802 [high]" in output
    assert "safe.py" not in output.split("hook id: gatekeeper", 1)[-1]
