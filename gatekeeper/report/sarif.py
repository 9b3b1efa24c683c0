"""SARIF 2.1.0 for code scanning: one run, rules from gatekeeper's metadata, byte-stable output.

Within GitHub's limits: at most 25,000 results per run and 20 tags per rule; paths are
relative URIs under the `SRCROOT` base; analyzer problems and unanalyzed files are
tool-execution notifications, so an incomplete audit never looks like a clean one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from gatekeeper.engines import rulemap
from gatekeeper.model import Finding, FindingState, Report, Severity, Status
from gatekeeper.phases import CORE_RULES, all_criteria
from gatekeeper.phases.base import Rule
from gatekeeper.report.safe import clean

MAX_RESULTS = 25_000
MAX_TAGS = 20
MAX_NOTIFICATIONS = 1_000
BASE_ID = "SRCROOT"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub ranks security alerts by this property (0.1-10.0).
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
_DOCS = "docs/criteria.md"


def _uri(path: str) -> str:
    """A relative URI reference: percent-encoded, slashes kept."""
    return quote(path, safe="/")


def _text(value: str) -> dict[str, str]:
    return {"text": clean(value)}


def _rule_entry(rule: Rule) -> dict[str, Any]:
    tags = ["security"] if rule.cwe else []
    tags += [*rule.cwe, *rule.owasp, rule.criterion_id.split(".", 1)[0]]
    properties: dict[str, Any] = {"tags": sorted(set(tags))[:MAX_TAGS]}
    if rule.cwe:
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    properties["precision"] = {"high": "high", "medium": "medium", "low": "low"}[
        rule.confidence.value
    ]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": _text(rule.summary),
        "fullDescription": _text(rule.summary),
        "help": {
            "text": clean(
                f"{rule.summary} Fix: {rule.fix} (`gatekeeper explain {rule.id}`, {_DOCS})"
            ),
            "markdown": clean(
                f"{rule.summary} **Fix:** {rule.fix} (`gatekeeper explain {rule.id}`, {_DOCS})"
            ),
        },
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": properties,
    }


def _engine_rule(rule_id: str, findings: Iterable[Finding]) -> dict[str, Any]:
    """A scanner rule (bandit, semgrep) seen in this run, described from its first finding."""
    first = next(f for f in findings if f.rule_id == rule_id)
    name = rule_id
    for table in (rulemap.BANDIT, rulemap.SEMGREP):
        for source, (mapped, readable) in table.items():
            if mapped == rule_id:
                name = f"{readable} ({source})"
    tags = ["security", *first.cwe, *first.owasp]
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": _text(f"{name}: reported by {', '.join(first.engines)}"),
        "defaultConfiguration": {"level": _LEVEL[first.severity]},
        "properties": {
            "tags": sorted(set(tags))[:MAX_TAGS],
            "security-severity": _SECURITY_SEVERITY[first.severity],
        },
    }


def _result(f: Finding, index: int) -> dict[str, Any]:
    loc = f.location
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(loc.path), "uriBaseId": BASE_ID}}
    if loc.line:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column:
            region["startColumn"] = loc.column
        if loc.end_line:
            region["endLine"] = loc.end_line
        if loc.end_column:
            region["endColumn"] = loc.end_column
        if f.snippet:
            region["snippet"] = _text(f.snippet)
        physical["region"] = region
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": _text(f.message),
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"gatekeeper/v1": f.fingerprint},
        "properties": {
            "criterion": f.criterion_id,
            "phase": f.phase,
            "severity": f.severity.value,
            "confidence": f.confidence.value,
        },
    }
    if f.state == FindingState.SUPPRESSED and f.suppression is not None:
        in_source = f.suppression.kind.value in (
            "inline",
            "nosec",
            "nosemgrep",
            "x-gatekeeper-ignore",
        )
        kind = "inSource" if in_source else "external"
        result["suppressions"] = [{"kind": kind, "justification": clean(f.suppression.reason)}]
    return result


def _notifications(report: Report) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for phase in report.phases:
        for crit in phase.criteria:
            if crit.status == Status.ERROR:
                notes.append(
                    {
                        "level": "error",
                        "message": _text(f"{crit.id} could not be evaluated: {crit.message}"),
                        "descriptor": {"id": crit.id},
                    }
                )
    for item in report.unanalyzed:
        notes.append(
            {
                "level": "warning",
                "message": _text(f"{item.path} not analyzed by {item.engine}: {item.reason}"),
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(item.path), "uriBaseId": BASE_ID}
                        }
                    }
                ],
            }
        )
    return notes


def to_dict(report: Report) -> dict[str, Any]:
    findings = list(report.findings)
    shown = findings[:MAX_RESULTS]
    known = {r.id: r for r in CORE_RULES}
    used = sorted({f.rule_id for f in shown})
    rules = [_rule_entry(known[rid]) if rid in known else _engine_rule(rid, shown) for rid in used]
    index = {rid: i for i, rid in enumerate(used)}
    notifications = _notifications(report)
    if len(findings) > MAX_RESULTS:
        notifications.insert(
            0,
            {
                "level": "warning",
                "message": _text(
                    f"{len(findings) - MAX_RESULTS} findings left out: code scanning takes at "
                    f"most {MAX_RESULTS} results per run; the JSON report has them all"
                ),
            },
        )
    criteria = {c.id: c.title for c in all_criteria()}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "gatekeeper",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {
            BASE_ID: {"description": _text("the root of the audited repository")}
        },
        "invocations": [
            {
                "executionSuccessful": report.complete,
                "toolExecutionNotifications": notifications[:MAX_NOTIFICATIONS],
            }
        ],
        "results": [_result(f, index[f.rule_id]) for f in shown],
        "properties": {
            "verdict": report.verdict.value,
            "complete": report.complete,
            "gates": {p.id: p.status.value for p in report.phases},
            "criteria": len(criteria),
        },
    }
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=True) + "\n"
