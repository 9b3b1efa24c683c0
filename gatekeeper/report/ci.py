"""CI renderers: JUnit XML (a phase is a test suite, a criterion a test case) and GitHub
workflow annotations within GitHub's caps (10 per level per step), worst first.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring  # building only, never parsing

from gatekeeper.model import Finding, FindingState, Report, Severity, Status
from gatekeeper.report.safe import clean

MAX_ANNOTATIONS_PER_LEVEL = 10
_ANNOTATION_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def _where(f: Finding) -> str:
    loc = f.location
    return f"{loc.path}:{loc.line}" if loc.line else loc.path


def junit(report: Report) -> str:
    by_fingerprint = {f.fingerprint: f for f in report.findings}
    root = Element("testsuites", name="gatekeeper")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for phase in report.phases:
        counts = {
            "tests": len(phase.criteria),
            "failures": sum(c.status == Status.FAIL for c in phase.criteria),
            "errors": sum(c.status == Status.ERROR for c in phase.criteria),
            "skipped": sum(
                c.status in (Status.SKIPPED, Status.NOT_APPLICABLE) for c in phase.criteria
            ),
        }
        for key, value in counts.items():
            totals[key] += value
        attributes = {"name": f"{phase.index}. {phase.name}"}
        attributes.update({k: str(v) for k, v in counts.items()})
        suite = SubElement(root, "testsuite", attributes)
        for crit in phase.criteria:
            case = SubElement(suite, "testcase", classname=phase.id, name=crit.id)
            findings = [by_fingerprint[fp] for fp in crit.findings if fp in by_fingerprint]
            open_ = [f for f in findings if f.state == FindingState.OPEN]
            suppressed = [f for f in findings if f.state == FindingState.SUPPRESSED]
            details = "\n".join(
                clean(f"{f.severity.value} {f.rule_id} {_where(f)} {f.message}") for f in open_
            )
            message = clean(crit.message or crit.title)
            if crit.status == Status.FAIL:
                SubElement(case, "failure", message=message).text = details or message
            elif crit.status == Status.ERROR:
                SubElement(case, "error", message=message).text = details or message
            elif crit.status in (Status.SKIPPED, Status.NOT_APPLICABLE):
                SubElement(case, "skipped", message=message)
            if suppressed:
                SubElement(case, "system-out").text = "\n".join(
                    clean(
                        f"suppressed {f.rule_id} {_where(f)}: {f.message} "
                        f"({f.suppression.reason if f.suppression else ''})"
                    )
                    for f in suppressed
                )
    for key, value in totals.items():
        root.set(key, str(value))
    body = tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(report: Report) -> str:
    """`::error file=...,line=...,title=...::message` lines, the worst findings first."""
    open_findings = sorted(
        (f for f in report.findings if f.state == FindingState.OPEN),
        key=lambda f: (-f.severity.rank, *f.sort_key()),
    )
    lines: list[str] = []
    shown = {"error": 0, "warning": 0, "notice": 0}
    hidden = 0
    for f in open_findings:
        level = _ANNOTATION_LEVEL[f.severity]
        if shown[level] >= MAX_ANNOTATIONS_PER_LEVEL:
            hidden += 1
            continue
        shown[level] += 1
        props = [f"file={_escape_property(clean(f.location.path))}"]
        if f.location.line:
            props.append(f"line={f.location.line}")
        props.append(f"title={_escape_property(f'{f.rule_id} {f.criterion_id}')}")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(clean(f.message))}")
    if hidden:
        lines.append(
            f"::notice title=gatekeeper::{hidden} more findings not annotated "
            "(GitHub shows 10 per level per step); see the JSON or SARIF report"
        )
    verdict = report.verdict.value.upper() if report.complete else "INCOMPLETE"
    lines.append(
        f"::notice title=gatekeeper::verdict {verdict}; {len(open_findings)} open finding(s)"
    )
    return "\n".join(lines) + "\n"
