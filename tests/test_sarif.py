"""SARIF 2.1.0 output: valid against the official schema, GitHub's conventions, byte-stable."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from gatekeeper import api
from gatekeeper.model import FindingState, Suppression, SuppressionKind, Unanalyzed
from gatekeeper.report import sarif
from tests.test_report import HOSTILE, sample_report

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-2.1.0.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, object]:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"the OASIS SARIF schema is not beside the checkout ({SCHEMA_PATH})")
    loaded: dict[str, object] = json.loads(SCHEMA_PATH.read_text())
    return loaded


def test_a_failing_audit_is_valid_sarif_with_rules_and_fingerprints(
    tmp_path: Path, schema: dict[str, object]
) -> None:
    root = tmp_path / "drift"
    shutil.copytree(FIXTURES / "api-spec-drift", root)
    report = api.audit(root, api.Options(engines=False, phases=("api_design",))).report
    data = sarif.to_dict(report)
    jsonschema.validate(data, schema)
    (run,) = data["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert sorted(rules) == sorted({f.rule_id for f in report.findings})
    not_served = next(r for r in run["results"] if r["ruleId"] == "GK107")
    assert run["tool"]["driver"]["rules"][not_served["ruleIndex"]]["id"] == "GK107"
    assert not_served["level"] == "warning"
    location = not_served["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "openapi.yaml", "uriBaseId": "SRCROOT"},
        "region": {"startLine": 17, "snippet": {"text": "post:"}},
    }
    assert len(not_served["partialFingerprints"]["gatekeeper/v1"]) == 32
    assert "security-severity" in rules["GK121"]["properties"]  # CWE-770: a security rule
    assert run["invocations"][0]["executionSuccessful"] is True
    assert sarif.render(report) == sarif.render(report)  # byte-stable


def test_suppressions_notifications_and_hostile_paths(schema: dict[str, object]) -> None:
    report = sample_report()
    finding = replace(
        report.findings[0],
        state=FindingState.SUPPRESSED,
        suppression=Suppression(SuppressionKind.BASELINE, "accepted in review #12"),
    )
    report = replace(
        report,
        findings=(finding,),
        unanalyzed=(Unanalyzed("dir with space/ü.py", "too large", "index"),),
    )
    data = sarif.to_dict(report)
    jsonschema.validate(data, schema)
    (run,) = data["runs"]
    (result,) = run["results"]
    assert result["suppressions"] == [
        {"kind": "external", "justification": "accepted in review #12"}
    ]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert "\n" not in uri and "\x1b" not in uri and "%0A" in uri
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert run["invocations"][0]["executionSuccessful"] is False  # incomplete: not a clean run
    assert any(n["level"] == "error" for n in notes)  # criteria that could not be evaluated
    unread = [n for n in notes if n["level"] == "warning"]
    assert unread[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "dir%20with%20space/%C3%BC.py"
    )
    assert HOSTILE not in sarif.render(report)


def test_results_are_capped_for_code_scanning(monkeypatch: pytest.MonkeyPatch) -> None:
    report = sample_report()
    many = tuple(
        replace(report.findings[0], fingerprint=f"{i:032d}", state=FindingState.OPEN)
        for i in range(5)
    )
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    data = sarif.to_dict(replace(report, findings=many))
    (run,) = data["runs"]
    assert len(run["results"]) == 3
    first = run["invocations"][0]["toolExecutionNotifications"][0]
    assert first["message"]["text"].startswith("2 findings left out")


def test_cli_writes_sarif_beside_json(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gatekeeper.cli import cli

    root = tmp_path / "ex"
    shutil.copytree(FIXTURES / "api-spec-good", root)
    out = tmp_path / "report.sarif"
    result = CliRunner().invoke(
        cli,
        [
            "audit",
            str(root),
            "--no-engines",
            "--phase",
            "api_design",
            "--format",
            "json",
            "--format",
            "sarif",
            "--output",
            f"sarif={out}",
            "--output",
            f"json={tmp_path / 'r.json'}",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["version"] == "2.1.0"
