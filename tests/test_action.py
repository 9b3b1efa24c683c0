"""The GitHub Action (action.yml) and its audit script (scripts/action_run.sh).

The metadata is checked as data; the script is run for real with bash on temporary git
repositories (a bare clone stands in for `origin`, so nothing reaches the network).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
SCRIPT = ROOT / "scripts" / "action_run.sh"
FIXTURES = ROOT / "fixtures"
GATEKEEPER = Path(sys.executable).parent / "gatekeeper"
OUTPUT_NAMES = {"verdict", "exit-code", "sarif-file", "json-file"}


# ---------------------------------------------------------------------------- action.yml


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _steps(action: dict[str, Any]) -> list[dict[str, Any]]:
    steps = action["runs"]["steps"]
    assert isinstance(steps, list) and steps
    return steps


def _step_using(action: dict[str, Any], prefix: str) -> dict[str, Any]:
    found = [s for s in _steps(action) if str(s.get("uses", "")).startswith(prefix)]
    assert len(found) == 1, prefix
    return found[0]


def test_action_is_composite(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    assert {"path", "fail-on", "policy-from-base", "upload-sarif", "python-version"} <= set(
        action["inputs"]
    )
    assert action["inputs"]["policy-from-base"]["default"] == "true"
    assert action["inputs"]["upload-sarif"]["default"] == "true"
    assert action["inputs"]["python-version"]["default"] == "3.11"


def test_every_run_step_uses_bash(action: dict[str, Any]) -> None:
    run_steps = [s for s in _steps(action) if "run" in s]
    assert run_steps
    for step in run_steps:
        assert step.get("shell") == "bash", step.get("name")


def test_no_expression_inside_run_scripts(action: dict[str, Any]) -> None:
    """Script injection: inputs and contexts reach the scripts through env: only."""
    for step in _steps(action):
        if "run" in step:
            assert "${{" not in step["run"], step.get("name")


def test_python_and_isolated_install(action: dict[str, Any]) -> None:
    setup = _step_using(action, "actions/setup-python@v5")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    install = next(s for s in _steps(action) if "run" in s and "venv" in s["run"])
    assert '"$RUNNER_TEMP/gatekeeper-venv"' in install["run"]
    assert '"$GITHUB_ACTION_PATH"' in install["run"]


def test_audit_step_runs_the_script(action: dict[str, Any]) -> None:
    audit = next(s for s in _steps(action) if s.get("id") == "audit")
    assert "$GITHUB_ACTION_PATH/scripts/action_run.sh" in audit["run"]
    assert audit["env"]["INPUT_PATH"] == "${{ inputs.path }}"
    assert audit["env"]["INPUT_FAIL_ON"] == "${{ inputs.fail-on }}"
    assert audit["env"]["INPUT_POLICY_FROM_BASE"] == "${{ inputs.policy-from-base }}"
    assert audit["env"]["GATEKEEPER_BIN"].endswith("/gatekeeper-venv/bin/gatekeeper")


def test_sarif_upload_is_conditional(action: dict[str, Any]) -> None:
    upload = _step_using(action, "github/codeql-action/upload-sarif@v3")
    assert "inputs.upload-sarif == 'true'" in upload["if"]
    assert "steps.audit.outputs.sarif-file != ''" in upload["if"]
    assert upload["with"]["category"] == "gatekeeper"
    assert upload["with"]["sarif_file"] == "${{ steps.audit.outputs.sarif-file }}"


def test_last_step_exits_with_the_audit_code(action: dict[str, Any]) -> None:
    last = _steps(action)[-1]
    assert last["if"] == "always()"
    assert last["env"]["GATEKEEPER_EXIT_CODE"] == "${{ steps.audit.outputs.exit-code }}"
    assert 'exit "${GATEKEEPER_EXIT_CODE' in last["run"]


def test_outputs_are_declared(action: dict[str, Any]) -> None:
    outputs = action["outputs"]
    assert set(outputs) == OUTPUT_NAMES
    for name, spec in outputs.items():
        assert spec["value"] == f"${{{{ steps.audit.outputs.{name} }}}}"
        assert spec["description"]


# ---------------------------------------------------------------------------- the script


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _commit_all(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--no-verify", "-m", message)


def _repo_from(fixture: str, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / fixture, repo)
    _git(repo, "init", "-q", "-b", "main")
    _commit_all(repo, "initial")
    return repo


def _add_origin(repo: Path, tmp_path: Path) -> None:
    """A bare clone as `origin`, fetched, so that refs/remotes/origin/main exists."""
    bare = tmp_path / "origin.git"
    _git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    _git(repo, "remote", "add", "origin", str(bare))
    _git(repo, "fetch", "-q", "origin")


def _clean_env() -> dict[str, str]:
    """This process's environment without the variables the script reads (CI may set them)."""
    prefixes = ("GITHUB_", "INPUT_", "RUNNER_", "GATEKEEPER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


class ActionRun:
    def __init__(self, done: subprocess.CompletedProcess[str], runner: Path) -> None:
        self.code = done.returncode
        self.log = done.stdout + done.stderr
        self.runner = runner
        self.summary = runner / "step-summary.md"
        lines = (runner / "github-output").read_text(encoding="utf-8").splitlines()
        self.outputs = dict(line.split("=", 1) for line in lines)

    def report(self) -> dict[str, Any]:
        data = json.loads(Path(self.outputs["json-file"]).read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data

    def config_value(self, key: str) -> dict[str, Any]:
        return next(item for item in self.report()["config"] if item["key"] == key)

    def criterion(self, criterion_id: str) -> dict[str, Any]:
        for phase in self.report()["phases"]:
            for item in phase["criteria"]:
                if item["id"] == criterion_id:
                    assert isinstance(item, dict)
                    return item
        raise AssertionError(criterion_id)


def _run_action(
    repo: Path,
    tmp_path: Path,
    *,
    base_ref: str | None = None,
    fail_on: str = "",
    diff: str = "false",
) -> ActionRun:
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    env = _clean_env()
    env.update(
        INPUT_PATH=".",
        INPUT_FAIL_ON=fail_on,
        INPUT_POLICY_FROM_BASE="true",
        INPUT_DIFF=diff,
        GATEKEEPER_BIN=str(GATEKEEPER),
        RUNNER_TEMP=str(runner),
        GITHUB_STEP_SUMMARY=str(runner / "step-summary.md"),
        GITHUB_OUTPUT=str(runner / "github-output"),
    )
    if base_ref is not None:
        env["GITHUB_BASE_REF"] = base_ref
    done = subprocess.run(
        ["bash", str(SCRIPT)], cwd=repo, env=env, capture_output=True, text=True, timeout=300
    )
    return ActionRun(done, runner)


def _direct_exit_code(repo: Path, *extra: str) -> int:
    done = subprocess.run(
        [str(GATEKEEPER), "audit", "-q", *extra, str(repo)],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode


def test_gatekeeper_executable_exists() -> None:
    assert GATEKEEPER.is_file(), GATEKEEPER


@pytest.mark.parametrize(
    ("fixture", "fail_on", "expected"),
    [("example", "", 0), ("docs-missing", "", 1), ("docs-missing", "critical", None)],
)
def test_run_outside_a_pull_request(
    tmp_path: Path, fixture: str, fail_on: str, expected: int | None
) -> None:
    repo = _repo_from(fixture, tmp_path)
    direct = _direct_exit_code(repo, *(["--fail-on", fail_on] if fail_on else []))
    if expected is not None:
        assert direct == expected

    run = _run_action(repo, tmp_path, fail_on=fail_on)

    assert run.code == direct, run.log
    assert run.outputs["exit-code"] == str(direct)
    report = run.report()
    verdict = report["verdict"] if report["complete"] else "incomplete"
    assert run.outputs["verdict"] == verdict
    assert f"## gatekeeper: {verdict.upper()}" in run.summary.read_text(encoding="utf-8")
    sarif = json.loads(Path(run.outputs["sarif-file"]).read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert Path(run.outputs["sarif-file"]).parent == run.runner / "gatekeeper"
    assert "policy from" not in run.log  # no pull request: the repository's own policy


def _write_policy(repo: Path, coverage_target: int) -> None:
    pyproject = repo / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    marker = "[tool.gatekeeper]\n"
    assert marker in text
    head, _, tail = text.partition(marker)
    tail = "".join(
        line + "\n"
        for line in tail.splitlines()
        if not line.startswith("test_coverage_target")  # a line of our own replaces it
    )
    pyproject.write_text(
        f"{head}{marker}test_coverage_target = {coverage_target}\n{tail}", encoding="utf-8"
    )


@pytest.mark.parametrize("fetch", [False, True], ids=["base-fetched", "base-missing"])
def test_pull_request_takes_the_policy_from_the_base_branch(tmp_path: Path, fetch: bool) -> None:
    repo = _repo_from("example", tmp_path)
    _write_policy(repo, 60)
    _commit_all(repo, "policy on main")
    _add_origin(repo, tmp_path)
    _git(repo, "checkout", "-q", "-b", "relax-policy")
    _write_policy(repo, 10)  # the pull request lowers the coverage target
    _commit_all(repo, "relax the policy")
    if fetch:  # the script fetches the base branch itself (from the local bare repository)
        _git(repo, "update-ref", "-d", "refs/remotes/origin/main")

    # Without the base branch the relaxed policy would apply, and the example passes.
    assert _direct_exit_code(repo) == 0

    run = _run_action(repo, tmp_path, base_ref="main")

    assert ("fetching origin/main" in run.log) == fetch
    assert "policy from origin/main:pyproject.toml" in run.log
    policy = run.runner / "gatekeeper-policy.toml"
    assert "test_coverage_target = 60" in policy.read_text(encoding="utf-8")
    target = run.config_value("test_coverage_target")
    assert target["value"] == 60
    assert str(policy) in str(target["origin"])
    weakened = run.criterion("requirements.policy_not_weakened")
    assert weakened["status"] == "fail"
    assert any(
        f["rule_id"] == "GK005" and "test_coverage_target" in f["message"]
        for f in run.report()["findings"]
    )
    assert run.code == 1, run.log
    assert run.outputs["exit-code"] == "1"
    assert run.outputs["verdict"] == "fail"
    assert "## gatekeeper: FAIL" in run.summary.read_text(encoding="utf-8")


@pytest.mark.parametrize("base_has_baseline", [True, False])
def test_pull_request_takes_the_baseline_from_the_base_branch(
    tmp_path: Path, base_has_baseline: bool
) -> None:
    repo = _repo_from("docs-missing", tmp_path)
    if base_has_baseline:
        subprocess.run(
            [str(GATEKEEPER), "baseline", "create", "."],
            cwd=repo,
            env=_clean_env(),
            check=True,
            capture_output=True,
        )
        _commit_all(repo, "accept today's findings")
    _add_origin(repo, tmp_path)
    _git(repo, "checkout", "-q", "-b", "change")
    if base_has_baseline:
        (repo / ".gatekeeper-baseline.json").unlink()  # dropped by the PR: the base's counts
    else:  # the pull request tries to accept its own findings
        subprocess.run(
            [str(GATEKEEPER), "baseline", "create", "."],
            cwd=repo,
            env=_clean_env(),
            check=True,
            capture_output=True,
        )
    _commit_all(repo, "change")

    run = _run_action(repo, tmp_path, base_ref="main")

    findings = run.report()["findings"]
    assert findings
    baselined = [f for f in findings if (f.get("suppression") or {}).get("kind") == "baseline"]
    if base_has_baseline:
        assert "baseline from origin/main" in run.log
        assert len(baselined) == len(findings)
        assert str(run.runner / "gatekeeper-baseline.json") in baselined[0]["suppression"]["reason"]
    else:
        assert "has no baseline" in run.log
        assert baselined == []
    assert run.outputs["exit-code"] == str(run.code)


def test_unreadable_base_branch_fails_closed(tmp_path: Path) -> None:
    repo = _repo_from("example", tmp_path)
    _add_origin(repo, tmp_path)

    run = _run_action(repo, tmp_path, base_ref="no-such-branch")

    assert run.code == 2
    assert run.outputs["exit-code"] == "2"
    assert run.outputs["verdict"] == "error"
    assert run.outputs["json-file"] == ""
    assert run.outputs["sarif-file"] == ""
    assert "cannot read the base branch" in run.log


def test_a_base_branch_without_policy_means_the_defaults(tmp_path: Path) -> None:
    """The pull request cannot bring its own lenient policy when the base branch has none."""
    repo = _repo_from("example", tmp_path)
    pyproject = repo / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.unlink()
    _commit_all(repo, "no policy on main")
    _add_origin(repo, tmp_path)
    _git(repo, "checkout", "-q", "-b", "bring-a-policy")
    pyproject.write_text(text, encoding="utf-8")
    _write_policy(repo, 10)  # below the default of 70
    _commit_all(repo, "a lenient policy")

    run = _run_action(repo, tmp_path, base_ref="main")

    assert "has no gatekeeper configuration; auditing with the defaults" in run.log
    assert run.config_value("test_coverage_target")["value"] == 70
    assert run.criterion("requirements.policy_not_weakened")["status"] == "fail"
    assert run.code == 1, run.log


def test_diff_input_reports_only_the_pull_requests_lines(tmp_path: Path) -> None:
    repo = _repo_from("remediation", tmp_path)
    _add_origin(repo, tmp_path)
    _git(repo, "checkout", "-q", "-b", "new-route")
    service = repo / "app" / "service.py"
    service.write_text(
        service.read_text(encoding="utf-8")
        + "\n\n@app.route('/find')\ndef find():\n"
        + "    q = request.args['q']\n"
        + "    return db().execute('SELECT 1 FROM t WHERE x = ' + q).fetchall()\n",
        encoding="utf-8",
    )
    _commit_all(repo, "a new route")

    run = _run_action(repo, tmp_path, base_ref="main", diff="true")

    report = run.report()
    assert report["scope"] and "git diff against origin/main" in report["scope"]
    sql = sorted(f["location"]["line"] for f in report["findings"] if f["rule_id"] == "GK3801")
    assert sql == [47]  # the pull request's line; the old one at line 23 is not reported
    assert run.outputs["exit-code"] == str(run.code) and run.code != 0, run.log
