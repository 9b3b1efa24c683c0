"""Suppressions are accounted for: no reason, past their date, or suppressing nothing are
findings (criterion validation.suppressions_accounted); a dated one works until its day."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from gatekeeper import api, policy
from gatekeeper.extract.base import ParsedFile
from gatekeeper.extract.suppressions import EXTRACTOR
from gatekeeper.model import Status

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "remediation"
CRITERION = "validation.suppressions_accounted"


def criterion(report: api.Report) -> api.CriterionResult:
    return next(c for p in report.phases for c in p.criteria if c.id == CRITERION)


def findings(report: api.Report, *rules: str) -> list[tuple[str, int, str]]:
    return sorted(
        (f.rule_id, f.location.line or 0, f.state.value)
        for f in report.findings
        if f.rule_id in rules
    )


def copy(tmp_path: Path, edits: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    service = repo / "app" / "service.py"
    text = service.read_text()
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    service.write_text(text)
    return repo


def test_comments_are_found_in_code_not_in_strings() -> None:
    text = (
        "import yaml\n"
        'HELP = "# gatekeeper: ignore[GK1] is how you write one"\n'
        "x = yaml.load(s)  # gatekeeper: ignore[GK3506] until 2031-01-01: our own file\n"
        "    # gatekeeper: ignore[GK3501, security.owasp_top10_addressed]\n"
    )
    fact = EXTRACTOR.extract(ParsedFile("a.py", "python", text))
    assert fact is not None
    assert [(c.line, c.ids, c.reason, c.until, c.standalone) for c in fact.comments] == [
        (3, ("GK3506",), "our own file", "2031-01-01", False),
        (4, ("GK3501", "security.owasp_top10_addressed"), "", None, True),
    ]
    js = "const a = 1; // gatekeeper: ignore[GK3915] -- reviewed\n"
    [comment] = EXTRACTOR.extract(ParsedFile("a.js", "javascript", js)).comments
    assert comment.ids == ("GK3915",) and comment.reason == "reviewed"
    assert EXTRACTOR.extract(ParsedFile("b.py", "python", "x = 1\n")) is None


@pytest.mark.engines
def test_unexplained_expired_and_unused_suppressions_are_findings(tmp_path: Path) -> None:
    repo = copy(
        tmp_path,
        {
            "    return yaml.load(text)": "    return yaml.load(text)  "
            "# gatekeeper: ignore[GK3506] the layout file is our own",
            "    return requests.get(PARTNER_URL, verify=False).json()": "    # gatekeeper: "
            "ignore[GK3501]\n    return requests.get(PARTNER_URL, verify=False).json()",
            "def db():": "def db():  # gatekeeper: ignore[B608, GK3801] moved",
            "    app.run(debug=True)": "    app.run(debug=True)  # gatekeeper: ignore[GK3201] "
            "until 2020-01-01: a demo",
        },
    )
    report = api.audit(repo, api.Options()).report
    assert findings(report, "GK3506", "GK3501", "GK3201") == [
        ("GK3201", 42, "open"),  # its suppression expired
        ("GK3501", 38, "open"),  # its suppression has no reason
        ("GK3506", 33, "suppressed"),  # a good one still works
    ]
    assert findings(report, "GK721", "GK722", "GK723") == [
        ("GK721", 37, "open"),
        ("GK722", 42, "open"),
        ("GK723", 16, "open"),  # B608: not a gatekeeper id
        ("GK723", 16, "open"),  # GK3801: no such finding on line 16
    ]
    result = criterion(report)
    assert result.status == Status.FAIL
    assert any(e.line == 33 and "the layout file is our own" in e.what for e in result.evidence)


@pytest.mark.engines
def test_a_dated_suppression_works_until_its_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = copy(
        tmp_path,
        {
            "    return yaml.load(text)": "    return yaml.load(text)  "
            "# gatekeeper: ignore[GK3506] until 2030-06-30: replaced by the new loader"
        },
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1893456000")  # 2030-01-01
    assert policy.today() == "2030-01-01"
    before = api.audit(repo, api.Options()).report
    [yaml_load] = [f for f in before.findings if f.rule_id == "GK3506"]
    assert yaml_load.state.value == "suppressed" and yaml_load.suppression.until == "2030-06-30"
    assert not findings(before, "GK722")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1917820800")  # 2030-10-09
    after = api.audit(repo, api.Options()).report
    assert findings(after, "GK3506", "GK722") == [("GK3506", 33, "open"), ("GK722", 33, "open")]


def test_unused_is_judged_only_where_the_audit_was_complete(tmp_path: Path) -> None:
    """Without the engines, or with the id's phase not run, or with --select, an id that
    matches nothing may simply not have been looked for."""
    repo = copy(
        tmp_path, {"def db():": "def db():  # gatekeeper: ignore[GK3506, GK201] both wrong here"}
    )
    no_engines = api.audit(repo, api.Options(engines=False)).report
    assert findings(no_engines, "GK723") == [("GK723", 16, "open")]  # GK201 only: no engine
    security_only = api.audit(repo, api.Options(phases=("security", "validation"))).report
    assert [f.message for f in security_only.findings if f.rule_id == "GK723"] == [
        "ignore[GK3506] suppresses nothing: no such finding on its line"
    ]
    narrowed = api.audit(repo, api.Options(engines=False, ignore=("GK4",))).report
    assert findings(narrowed, "GK723") == []
    assert "full audits only" in criterion(narrowed).message


def test_no_suppression_at_all_is_not_applicable_not_a_pass() -> None:
    report = api.audit(FIXTURE, api.Options(engines=False)).report
    result = criterion(report)
    assert result.status == Status.NOT_APPLICABLE and "source file(s) read" in result.message
    assert replace(result, status=Status.PASS) != result
