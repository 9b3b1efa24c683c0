from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from gatekeeper import api
from gatekeeper.model import (
    Confidence,
    ConfigValue,
    CriterionResult,
    Detection,
    EngineRun,
    Evidence,
    Finding,
    FindingState,
    Location,
    PhaseResult,
    Remediation,
    RemediationStatus,
    Report,
    Service,
    Severity,
    Status,
    Suppression,
    SuppressionKind,
    Unanalyzed,
    ValueSource,
    Verdict,
)
from gatekeeper.phases import ALL_PHASES
from gatekeeper.report import jsonout, text
from gatekeeper.report.safe import clean, for_log

SCHEMA = json.loads(resources.files("gatekeeper").joinpath("schema/report.schema.json").read_text())

HOSTILE = "evil\n\x1b[31mname\r::set-output name=x::y"


def sample_report() -> Report:
    finding = Finding(
        rule_id="GK001",
        criterion_id="requirements.repository_analyzable",
        phase="requirements",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        message=f"link {HOSTILE} leaves the repository",
        location=Location(HOSTILE, 3, 1),
        fingerprint="0" * 32,
        snippet="x = 1",
        cwe=("CWE-59",),
        state=FindingState.SUPPRESSED,
        suppression=Suppression(SuppressionKind.INLINE, "vendored"),
    )
    phases = tuple(
        PhaseResult(
            p.index,
            p.id,
            p.name,
            Status.FAIL if p.index == 0 else Status.ERROR,
            ("requirements",) if p.index else (),
            (),
            tuple(
                CriterionResult(
                    c.id,
                    c.title,
                    Status.FAIL if p.index == 0 else Status.ERROR,
                    "msg",
                    (Evidence("a.py", 3, "seen"),),
                    (finding.fingerprint,) if p.index == 0 else (),
                )
                for c in p.criteria
            ),
        )
        for p in ALL_PHASES
    )
    return Report(
        schema_version=api.SCHEMA_VERSION,
        tool_version="0.1.0",
        verdict=Verdict.FAIL,
        complete=False,
        phases=phases,
        findings=(finding,),
        unanalyzed=(Unanalyzed("big.py", "too large", "index"),),
        remediation=Remediation(RemediationStatus.NOT_NEEDED, None, 0, 2),
        services=(
            Service(
                ".",
                "svc",
                ("pyproject.toml",),
                (
                    Detection(
                        "framework", "fastapi", (Evidence("pyproject.toml", 4, "dependency"),)
                    ),
                ),
            ),
        ),
        config=(ConfigValue("database", "postgresql", ValueSource.DEFAULT),),
        root_causes=("requirements",),
        engines=(EngineRun("bandit", "1.9.4", True, 3, 3),),
    )


def test_json_matches_the_schema() -> None:
    data = json.loads(jsonout.render(sample_report()))
    jsonschema.validate(data, SCHEMA)
    assert [p["id"] for p in data["phases"]] == [p.id for p in ALL_PHASES]


def test_schema_rejects_an_unknown_status() -> None:
    data = json.loads(jsonout.render(sample_report()))
    data["phases"][0]["status"] = "ok"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_json_escapes_target_text() -> None:
    rendered = jsonout.render(sample_report())
    data = json.loads(rendered)
    path = data["findings"][0]["location"]["path"]
    assert "\n" not in path and "\x1b" not in path and "\r" not in path
    assert path.startswith("evil\\x0a\\x1b[31mname")


def test_json_is_byte_stable() -> None:
    assert jsonout.render(sample_report()) == jsonout.render(sample_report())
    assert "timings" not in jsonout.to_dict(sample_report())


def test_text_report_shows_gates_findings_and_verdict() -> None:
    out = text.render(sample_report(), verbose=True)
    unevaluated = sum(len(p.criteria) for p in ALL_PHASES if p.index)
    assert "0. Requirements Clarification" in out
    assert "GK001" in out
    assert "suppressed: vendored" in out
    assert "big.py (index): too large" in out
    assert (
        f"verdict: INCOMPLETE ({unevaluated} criteria could not be evaluated); "
        "what was evaluated: FAIL; root causes: requirements" in out
    )
    assert "bandit 1.9.4: scanned 3 of 3 files, ok" in out
    assert "\x1b" not in out
    assert "::set-output" not in out


def test_clean_truncates_and_escapes() -> None:
    assert clean("a" * 3000).endswith("[1000 more characters]")
    assert clean("a\u2028b") == "a\\u2028b"
    assert clean("x\u202eyp.txt") == "x\\u202eyp.txt"  # bidi override
    assert clean("tab\there") == "tab\\x09here"
    assert "::" not in for_log("::error::x")


def test_inventory_tables_render_escaped_and_validate() -> None:
    from dataclasses import replace

    from gatekeeper.model import ColumnRow, MigrationRow, RouteRow, SpecRow, TableRow

    report = replace(
        sample_report(),
        routes=(
            RouteRow("app.py", 3, "POST", "/v1/" + HOSTILE, "h", "fastapi", ".", False, "none"),
            RouteRow("app.py", 9, "GET", "/v1/items", "items", "fastapi", ".", True, "required"),
        ),
        specs=(SpecRow("openapi.yaml", "openapi-3.0", "3.0.3", "valid", 2, 0, 0),),
        tables=(
            TableRow(
                ".",
                "migrations/versions",
                "alembic",
                "items",
                "m/0001.py",
                7,
                (ColumnRow("id", "integer", False, True),),
                ("ix (id) unique",),
                (),
            ),
        ),
        migrations=(MigrationRow("migrations/versions", 1, "m/0001.py", 3, "alembic", "0001"),),
    )
    data = jsonout.to_dict(report)
    jsonschema.validate(data, SCHEMA)
    assert data["inventory"]["routes"][0]["auth"] == "none"
    assert data["inventory"]["schema"][0]["columns"][0]["primary_key"] is True
    out = text.render(report, width=200)
    assert "routes: 2" in out and "required" in out and "\x1b" not in out
    assert "openapi.yaml openapi-3.0 valid, 2 operation(s)" in out
