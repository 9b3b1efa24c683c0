"""Diff mode: only the change's findings; repository-level criteria against a previous report;
git run hardened; clear errors for a missing base or a shallow clone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from gatekeeper import api, scope
from gatekeeper.cli import cli
from gatekeeper.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "remediation"
OPTS = api.Options(phases=("security", "validation"), engines=False)
NEW_SQL = """

@app.route("/search")
def search():
    term = request.args.get("q", "")
    return {"rows": db().execute(f"SELECT id FROM reports WHERE title = '{term}'").fetchall()}
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def repo_with_change(tmp_path: Path) -> Path:
    """main: the fixture (it already has an SQL injection at app/service.py:23);
    feature: one more route with another one."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    with (repo / "app" / "service.py").open("a") as fh:
        fh.write(NEW_SQL)
    git(repo, "commit", "-q", "-am", "search route")
    return repo


def sql_lines(report: api.Report) -> list[int]:
    return sorted(
        f.location.line or 0
        for f in report.findings
        if f.rule_id == "GK3801" and f.location.path == "app/service.py"
    )


# ---------------------------------------------------------------------------- parsing


def test_a_unified_diff_gives_the_new_files_changed_lines() -> None:
    diff = """diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -3,4 +3,5 @@ def f():
 context
-old
+new one
+new two
 context
\\ No newline at end of file
@@ -20 +21,0 @@
-gone
diff --git a/new.py b/new.py
new file mode 100644
--- /dev/null
+++ b/new.py
@@ -0,0 +1,2 @@
+a
+b
diff --git a/dead.py b/dead.py
deleted file mode 100644
--- a/dead.py
+++ /dev/null
@@ -1 +0,0 @@
-x
--- a/evil.py
+++ b/../../etc/passwd
@@ -1 +1 @@
+x
"""
    changed = scope.parse_unified_diff(diff)
    assert changed == {"app.py": frozenset({4, 5}), "new.py": frozenset({1, 2})}


def test_a_plain_list_counts_whole_files(tmp_path: Path) -> None:
    listing = tmp_path / "changed.txt"
    listing.write_text("app/service.py\n./README.md\n\n/etc/passwd\n../outside.py\n")
    changes = scope.from_changed_files(listing)
    assert dict(changes.files) == {"README.md": None, "app/service.py": None}
    assert changes.covers("app/service.py", 999) and not changes.covers("other.py", 1)
    assert "listed in changed.txt" in changes.source


# ---------------------------------------------------------------------------- diff mode


def test_diff_mode_reports_only_the_changes_findings(tmp_path: Path) -> None:
    repo = repo_with_change(tmp_path)
    full = api.audit(repo, OPTS).report
    assert sql_lines(full) == [23, 47]  # the old injection and the new one
    changed = api.audit(repo, replace(OPTS, changes=scope.from_git(repo, "main"))).report
    assert sql_lines(changed) == [47]
    assert changed.scope is not None
    assert "git diff against main" in changed.scope and "1 changed file(s)" in changed.scope
    assert "outside the change not reported" in changed.scope
    # the new injection still fails the gate: diff mode narrows what counts, it never passes
    # a change with a new finding
    owasp = next(
        c for p in changed.phases for c in p.criteria if c.id.endswith("owasp_top10_addressed")
    )
    assert any(f.location.line == 47 for f in changed.findings)
    assert owasp.status.value in ("fail", "error")


def test_an_absence_pointing_at_an_unchanged_line_still_counts(tmp_path: Path) -> None:
    """ "sqlite is used but no schema source exists" points at the import on line 4, which the
    change did not touch; it is about the repository, so without a previous report it stays."""
    repo = repo_with_change(tmp_path)
    opts = replace(OPTS, phases=("database",), changes=scope.from_git(repo, "main"))
    report = api.audit(repo, opts).report
    schema = next(
        c for p in report.phases for c in p.criteria if c.id == "database.schema_documented"
    )
    assert schema.status.value == "fail"
    assert any(f.rule_id == "GK201" and f.location.line == 4 for f in report.findings)


def test_the_same_change_from_a_diff_file_without_git(tmp_path: Path) -> None:
    repo = repo_with_change(tmp_path)
    patch = tmp_path / "change.diff"
    patch.write_text(git(repo, "diff", "main", "HEAD"))  # with context lines
    shutil.rmtree(repo / ".git")
    changes = scope.from_changed_files(patch)
    assert sql_lines(api.audit(repo, replace(OPTS, changes=changes)).report) == [47]


def test_repository_level_failures_are_judged_against_a_previous_report(tmp_path: Path) -> None:
    repo = repo_with_change(tmp_path)
    git(repo, "checkout", "-q", "main")
    runner = CliRunner()
    prior = tmp_path / "main.json"
    base_args = ["--phase", "security", "--phase", "validation", "--no-engines"]
    runner.invoke(cli, ["audit", str(repo), *base_args, "--format", "json", "--output", str(prior)])
    git(repo, "checkout", "-q", "feature")

    alone = runner.invoke(
        cli, ["audit", str(repo), *base_args, "--diff", "main", "--format", "json"]
    )
    docs = _criterion(json.loads(alone.stdout), "validation.documentation_complete")
    assert docs["status"] == "fail"  # without a previous report: still failed (fail closed)

    judged = runner.invoke(
        cli,
        [
            *("audit", str(repo), *base_args, "--diff", "main", "--format", "json"),
            *("--baseline-report", str(prior)),
        ],
    )
    report = json.loads(judged.stdout)
    docs = _criterion(report, "validation.documentation_complete")
    assert docs["status"] == "skipped"
    assert docs["message"].startswith("failed in the previous report too (main.json)")
    # the repository-level finding that was already there (no authentication) is left out;
    # the new line's finding is not
    rules = {(f["rule_id"], f["location"]["line"]) for f in report["findings"]}
    assert ("GK3801", 47) in rules and not any(r == "GK301" for r, _ in rules)


def _criterion(report: dict, cid: str) -> dict:
    return next(c for p in report["phases"] for c in p["criteria"] if c["id"] == cid)


def test_all_forces_a_full_audit(tmp_path: Path) -> None:
    repo = repo_with_change(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            *("audit", str(repo), "--no-engines", "--phase", "security"),
            *("--diff", "main", "--all", "--format", "json"),
        ],
    )
    report = json.loads(result.stdout)
    assert report["scope"] is None
    assert sorted(
        f["location"]["line"] for f in report["findings"] if f["rule_id"] == "GK3801"
    ) == [23, 47]


# ---------------------------------------------------------------------------- errors


def test_a_base_that_is_not_in_the_clone_names_the_fetch_command(tmp_path: Path) -> None:
    repo = repo_with_change(tmp_path)
    with pytest.raises(
        UsageError, match="git fetch --no-tags origin release:refs/remotes/origin/release"
    ):
        scope.from_git(repo, "origin/release")
    result = CliRunner().invoke(cli, ["audit", str(repo), "--diff", "origin/release"])
    assert result.exit_code == 2 and "fetch-depth: 0" in result.output


def test_a_shallow_clone_without_the_merge_base_is_a_clear_error(tmp_path: Path) -> None:
    repo = repo_with_change(tmp_path)
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("# main moved on\n")
    git(repo, "commit", "-q", "-am", "main moves")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", "--no-single-branch", f"file://{repo}", str(shallow))
    git(shallow, "checkout", "-q", "feature")
    with pytest.raises(UsageError, match="shallow clone: fetch more history"):
        scope.from_git(shallow, "origin/main")


def test_diff_outside_git_and_auto_without_ci_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    with pytest.raises(UsageError, match="not in a git work tree"):
        scope.from_git(tmp_path, "main")
    with pytest.raises(UsageError, match="GITHUB_BASE_REF"):
        scope.resolve_base("auto", {})
    assert scope.resolve_base("auto", {"GITHUB_BASE_REF": "main"}) == "origin/main"
    assert scope.resolve_base("auto", {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "dev"}) == (
        "origin/dev"
    )
    with pytest.raises(UsageError, match="not a git revision"):
        scope.from_git(tmp_path, "--output=/tmp/x")
    both = CliRunner().invoke(
        cli, ["audit", str(tmp_path), "--diff", "main", "--changed-files", str(tmp_path / "app.py")]
    )
    assert both.exit_code == 2 and "give one" in both.output


def test_a_broken_previous_report_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "prior.json"
    bad.write_text("{not json")
    with pytest.raises(UsageError, match=r"prior\.json: not JSON"):
        scope.load_prior(bad)
    bad.write_text('{"phases": []}')
    with pytest.raises(UsageError, match="not a gatekeeper JSON report"):
        scope.load_prior(bad)


def test_git_runs_no_program_the_repository_configures(tmp_path: Path) -> None:
    """Hooks, fsmonitor, diff drivers, textconv and clean filters all name programs; none of
    them may run when gatekeeper asks git what changed."""
    repo = repo_with_change(tmp_path)
    marker = tmp_path / "pwned"
    (repo / ".gitattributes").write_text("* diff=evil filter=evil\n")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    for key in ("core.fsmonitor", "diff.evil.textconv", "diff.evil.command", "filter.evil.clean"):
        git(repo, "config", key, f"touch {marker}")
    git(repo, "config", "core.pager", f"touch {marker}; cat")
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for hook in ("post-checkout", "pre-auto-gc", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / hook).chmod(0o755)
    (repo / "app" / "service.py").write_text(
        (repo / "app" / "service.py").read_text() + "# dirty\n"
    )  # a dirty working tree would make git hash the file through the clean filter
    changes = scope.from_git(repo, "main")
    assert "app/service.py" in changes.files
    assert not marker.exists()
    assert os.environ.get("GIT_DIR") is None


# ---------------------------------------------------------------------------- ratchet


def _ratchet(report: dict) -> dict:
    return _criterion(report, "validation.no_regression")


def test_the_ratchet_fails_when_a_gate_gains_findings(tmp_path: Path) -> None:
    repo = repo_with_change(tmp_path)
    git(repo, "checkout", "-q", "main")
    runner = CliRunner()
    args = ["--phase", "security", "--phase", "validation", "--no-engines", "--format", "json"]
    prior = tmp_path / "main.json"
    runner.invoke(cli, ["audit", str(repo), *args, "--output", str(prior)])
    same = json.loads(
        runner.invoke(cli, ["audit", str(repo), *args, "--baseline-report", str(prior)]).stdout
    )
    assert _ratchet(same)["status"] == "pass"
    assert any("security: 2 -> 2" in e["what"] for e in _ratchet(same)["evidence"])
    git(repo, "checkout", "-q", "feature")  # one more SQL injection
    worse = json.loads(
        runner.invoke(cli, ["audit", str(repo), *args, "--baseline-report", str(prior)]).stdout
    )
    assert _ratchet(worse)["status"] == "fail"
    [gk724] = [f for f in worse["findings"] if f["rule_id"] == "GK724"]
    assert gk724["message"] == (
        "gate security: open findings at or above medium rose from 2 to 3 against main.json"
    )
    none = json.loads(runner.invoke(cli, ["audit", str(repo), *args]).stdout)
    assert _ratchet(none)["status"] == "not_applicable"


def test_the_ratchet_fails_when_coverage_drops(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "fixtures" / "testing-covered", repo)
    runner = CliRunner()
    args = ["--phase", "testing", "--phase", "validation", "--no-engines", "--format", "json"]
    prior = tmp_path / "before.json"
    runner.invoke(cli, ["audit", str(repo), *args, "--output", str(prior)])
    assert scope.load_prior(prior).line_coverage == 88.9
    report = repo / "coverage.xml"
    report.write_text(report.read_text().replace('hits="1"', 'hits="0"', 4))  # 12 of 18
    after = json.loads(
        runner.invoke(cli, ["audit", str(repo), *args, "--baseline-report", str(prior)]).stdout
    )
    assert [f["message"] for f in after["findings"] if f["rule_id"] == "GK725"] == [
        "line coverage dropped from 88.9% to 66.7% against before.json"
    ]


# ---------------------------------------------------------------------------- added suppressions


def test_a_suppression_the_change_adds_never_turns_a_fail_into_a_pass(tmp_path: Path) -> None:
    """The pull request hides its own injection with a reasoned comment: the finding shows as
    suppressed, and GK726 keeps the gate failing until a reviewer accepts it."""
    repo = repo_with_change(tmp_path)
    service = repo / "app" / "service.py"
    lines = service.read_text().splitlines(keepends=True)
    lines[46] = lines[46].rstrip("\n") + "  # gatekeeper: ignore[GK3801] the term is checked\n"
    service.write_text("".join(lines))
    git(repo, "commit", "-q", "-am", "hide it")
    report = api.audit(repo, replace(OPTS, changes=scope.from_git(repo, "main"))).report
    [sql] = [f for f in report.findings if f.rule_id == "GK3801"]
    assert sql.state.value == "suppressed" and sql.location.line == 47
    [added] = [f for f in report.findings if f.rule_id == "GK726"]
    assert added.location.line == 47 and "a reviewer must accept it" in added.message
    accounted = next(
        c for p in report.phases for c in p.criteria if c.id == "validation.suppressions_accounted"
    )
    assert accounted.status.value == "fail" and report.verdict.value == "fail"


def test_without_git_a_previous_report_shows_the_added_suppression(tmp_path: Path) -> None:
    repo = repo_with_change(tmp_path)
    runner = CliRunner()
    args = ["--phase", "security", "--phase", "validation", "--no-engines", "--format", "json"]
    prior = tmp_path / "before.json"
    runner.invoke(cli, ["audit", str(repo), *args, "--output", str(prior)])
    service = repo / "app" / "service.py"
    lines = service.read_text().splitlines(keepends=True)
    lines[22] = lines[22].rstrip("\n") + "  # gatekeeper: ignore[GK3801] owner is an id\n"
    service.write_text("".join(lines))
    after = json.loads(
        runner.invoke(cli, ["audit", str(repo), *args, "--baseline-report", str(prior)]).stdout
    )
    assert [
        (f["rule_id"], f["location"]["line"]) for f in after["findings"] if f["rule_id"] == "GK726"
    ] == [("GK726", 23)]
