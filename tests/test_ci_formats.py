"""JUnit XML and GitHub annotations: what CI systems read from a run."""

from __future__ import annotations

from dataclasses import replace
from xml.etree.ElementTree import fromstring  # parses gatekeeper's own output only

from gatekeeper.model import FindingState, Location, Severity
from gatekeeper.report import ci
from tests.test_report import HOSTILE, sample_report


def test_junit_has_a_suite_per_phase_and_a_case_per_criterion() -> None:
    report = sample_report()
    root = fromstring(ci.junit(report))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == len(report.phases)
    first = suites[0]
    assert first.get("name") == "0. Requirements Clarification"
    cases = first.findall("testcase")
    assert [c.get("name") for c in cases] == [c.id for c in report.phases[0].criteria]
    assert all(c.find("failure") is not None for c in cases)  # phase 0 fails in the sample
    later = suites[1].findall("testcase")
    assert all(c.find("error") is not None for c in later)  # the others are errors
    total = sum(len(p.criteria) for p in report.phases)
    assert root.get("tests") == str(total)
    # the suppressed finding is listed, escaped, in system-out
    out = cases[0].find("system-out")
    assert out is not None and "suppressed GK001" in (out.text or "")
    assert "\x1b" not in ci.junit(report)


def test_github_annotations_are_capped_worst_first_and_cannot_inject_commands() -> None:
    report = sample_report()
    base = replace(report.findings[0], state=FindingState.OPEN)
    findings = tuple(
        replace(
            base,
            fingerprint=f"{i:032d}",
            severity=Severity.HIGH if i < 12 else Severity.LOW,
            location=Location(HOSTILE if i == 0 else f"f{i:02d}.py", i + 1),
        )
        for i in range(15)
    )
    out = ci.github(replace(report, findings=findings))
    lines = out.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    notices = [line for line in lines if line.startswith("::notice file=")]
    assert len(errors) == 10 and len(notices) == 3  # 12 high: 10 shown; 3 low
    assert "2 more findings not annotated" in out
    assert all(line.startswith("::") for line in lines)  # nothing escaped onto its own line
    hostile = next(line for line in errors if "line=1," in line)
    assert "::set-output" not in hostile.split("::", 2)[1]  # the file property is escaped
    assert "%3A%3Aset-output" in hostile
