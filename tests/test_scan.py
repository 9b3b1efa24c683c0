"""Engine results become gatekeeper findings: ids, severities, CWE, test files capped at low."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.engines import scan
from gatekeeper.engines.bandit import BanditIssue, BanditRun
from gatekeeper.engines.semgrep import SemgrepMatch, SemgrepRun
from gatekeeper.model import Severity
from gatekeeper.repo import RepoIndex


def bandit_run(path: str, test_id: str = "B602", severity: str = "HIGH") -> BanditRun:
    issue = BanditIssue(
        test_id,
        "subprocess_popen_with_shell_equals_true",
        path,
        5,
        1,
        20,
        severity,
        "HIGH",
        78,
        "shell=True",
        (5,),
    )
    return BanditRun("1.9.4", (issue,), frozenset({path}), (), True, "", 1)


def test_bandit_issue_maps_to_our_rule() -> None:
    [f] = scan.bandit_findings(bandit_run("app/run.py"))
    assert f.rule_id == "GK3602"
    assert f.severity is Severity.HIGH
    assert f.cwe == ("CWE-78",)
    assert f.engines == ("bandit",)
    assert f.location.line == 5 and f.location.path == "app/run.py"


@pytest.mark.parametrize("path", ["tests/test_x.py", "app/x_test.py", "conftest.py"])
def test_fake_credentials_in_test_files_are_capped_at_low(path: str) -> None:
    [f] = scan.bandit_findings(bandit_run(path, "B105", "MEDIUM"))
    assert f.severity is Severity.LOW
    [app] = scan.bandit_findings(bandit_run("app/settings.py", "B105", "MEDIUM"))
    assert app.severity is Severity.MEDIUM


@pytest.mark.parametrize("path", ["tests/test_x.py", "app/testing/handlers.py"])
def test_dangerous_calls_keep_their_severity_in_test_paths(path: str) -> None:
    [f] = scan.bandit_findings(bandit_run(path))
    assert f.severity is Severity.HIGH


def test_assert_in_tests_is_not_reported() -> None:
    assert scan.bandit_findings(bandit_run("tests/test_x.py", "B101", "LOW")) == []
    assert len(scan.bandit_findings(bandit_run("app/x.py", "B101", "LOW"))) == 1


def semgrep_run(path: str) -> SemgrepRun:
    m = SemgrepMatch(
        "gk-js-hardcoded-secret",
        path,
        3,
        18,
        3,
        30,
        "A credential is hard-coded: x. More.",
        "ERROR",
        ("CWE-798: Use of Hard-coded Credentials",),
        ("A07:2021 - Identification and Authentication Failures",),
        "MEDIUM",
    )
    return SemgrepRun("1.185.0", (m,), frozenset({path}), (), True, "", 1)


def test_semgrep_match_maps_to_our_rule() -> None:
    [f] = scan.semgrep_findings(semgrep_run("src/db.js"))
    assert f.rule_id == "GK3901"
    assert f.severity is Severity.HIGH
    assert f.cwe == ("CWE-798",)
    assert f.owasp == ("A07:2021 - Identification and Authentication Failures",)
    assert f.message == "A credential is hard-coded: x (gk-js-hardcoded-secret)"
    [t] = scan.semgrep_findings(semgrep_run("src/__tests__/db.spec.js"))
    assert t.severity is Severity.LOW


@pytest.mark.engines
def test_each_language_is_scanned_by_its_engine(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import subprocess\nsubprocess.call(x, shell=True)\n")
    (tmp_path / "b.js").write_text("const dbPassword = 'k8s-Pr0d-Pa55';\n")
    (tmp_path / "c.md").write_text("# docs\n")
    report = api.audit(tmp_path, api.Options(use_cache=False)).report
    assert [r.engine for r in report.engines] == ["bandit", "semgrep"]
    assert all(r.ok and r.files_scanned == r.files_expected == 1 for r in report.engines)
    assert {f.rule_id for f in report.findings} >= {"GK3602", "GK3901"}


def test_semgrep_alone_has_nothing_to_do_without_its_languages(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    out = scan.semgrep_scan(tmp_path, RepoIndex.build(tmp_path), jobs=1, timeout=10)
    assert out == scan.ScanOutcome((), (), ())


def test_weak_hashes_outside_passwords_are_low() -> None:
    issue = BanditIssue(
        "B324", "hashlib", "app/models.py", 141, 9, 40, "HIGH", "HIGH", 327, "weak MD5", (141,)
    )
    run = BanditRun("1.9.4", (issue,), frozenset({"app/models.py"}), (), True)
    [f] = scan.bandit_findings(run)
    assert f.rule_id == "GK3324" and f.severity is Severity.LOW
    assert f.owasp == ("A02:2021 - Cryptographic Failures", "API2:2023 - Broken Authentication")
