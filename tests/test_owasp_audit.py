"""The OWASP gate end to end on the JavaScript, Go and Java fixtures: semgrep's matches become
gatekeeper findings under phase 3 with stable ids, CWE and both OWASP categories; the clean
twins pass the gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.engines import rulemap
from gatekeeper.model import Report, Status

pytestmark = pytest.mark.engines

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def owasp_status(report: Report) -> tuple[Status, str]:
    (c,) = [
        c for p in report.phases for c in p.criteria if c.id == "security.owasp_top10_addressed"
    ]
    return c.status, c.message


@pytest.mark.parametrize("language", ["js", "go", "java"])
def test_vulnerable_fixture_fails_the_gate_with_mapped_findings(language: str) -> None:
    report = api.audit(
        FIXTURES / f"owasp-{language}" / "vulnerable", api.Options(phases=("security",))
    ).report
    status, message = owasp_status(report)
    assert status is Status.FAIL, message
    ours = {
        gk: sid for sid, (gk, _) in rulemap.SEMGREP.items() if sid.startswith(f"gk-{language}-")
    }
    found = [f for f in report.findings if f.rule_id in ours]
    assert found, "no semgrep rule of this language reached the report"
    for f in found:
        assert f.criterion_id == "security.owasp_top10_addressed" and f.phase == "security"
        assert f.cwe and f.cwe[0].startswith("CWE-")
        assert any(":2021 - " in o for o in f.owasp) and any(o.startswith("API") for o in f.owasp)
        assert f"({ours[f.rule_id]})" in f.message  # the semgrep rule it came from
    # every rule of the language planted in the fixture reached the report under its GK id
    planted = {
        sid
        for path in (FIXTURES / f"owasp-{language}" / "vulnerable").rglob("*")
        if path.is_file()
        for line in path.read_text(errors="replace").splitlines()
        if "VULN:" in line
        for sid in line.split("VULN:", 1)[1].replace(",", " ").split()
        if sid.startswith("gk-")
    }
    assert {ours[f.rule_id] for f in found} >= planted


@pytest.mark.parametrize("language", ["js", "go", "java"])
def test_clean_twin_has_no_finding_from_the_semgrep_rules(language: str) -> None:
    report = api.audit(
        FIXTURES / f"owasp-{language}" / "clean", api.Options(phases=("security",))
    ).report
    semgrep_findings = [f for f in report.findings if "semgrep" in f.engines]
    assert semgrep_findings == []
