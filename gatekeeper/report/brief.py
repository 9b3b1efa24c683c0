"""`--format brief`: the remediation task as Markdown, in the seed's Agent Prompt Template, for
a developer or a coding agent. Phase 3 (Authentication & Security) is where the seed's final
validation sends a failed security gate back to; its agent there is orchestrate-generation.

Sections, in the template's order: Task Context, Role Extension, Johari Context (Open: criteria
that passed, with evidence; Blind: failed criteria and the findings to fix; Hidden: what
gatekeeper assumed; Unknown: what a static audit cannot know), Task, Related Research Terms,
Output. Everything taken from the target is cleaned; the output is deterministic.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from gatekeeper.model import (
    CriterionResult,
    Finding,
    FindingState,
    PhaseResult,
    Remediation,
    RemediationStatus,
    Report,
    Status,
    ValueSource,
)
from gatekeeper.report.safe import clean

AGENT = "orchestrate-generation"  # the seed's agent for phase 3
PHASE = "3"
MAX_OPEN = 40  # passed criteria listed under Open
MAX_STEPS = 50  # findings listed under Blind and Task
# What a static audit cannot settle, whatever the repository holds.
STATIC_LIMITS = (
    "Values the service gets at run time: environment variables, secrets and feature flags "
    "in the deployment (gatekeeper reads code and configuration files, never a running system).",
    "Controls outside the repository: an API gateway, a WAF or a service mesh that "
    "authenticates or filters requests before they reach this code.",
    "Whether the tests pass and how the code behaves under load: gatekeeper never runs them.",
    "Data flow through other services, queues and stored data: the taint checks follow one "
    "function's statements.",
)
# The phase's own subject, used when the findings give fewer focus areas or terms than the
# template asks for (3-5 focus areas, 7-10 research terms).
PHASE_FOCUS = (
    "Authentication mechanism on every route that needs it",
    "Authorization rules per route and per object",
    "Input validation at every request boundary",
    "OWASP Top 10 2021 and OWASP API Security Top 10 2023 weaknesses in the code",
)
PHASE_TERMS = (
    "OWASP Top 10",
    "OWASP API Security Top 10",
    "secure coding",
    "input validation",
    "authentication",
    "authorization",
    "secret management",
    "static application security testing",
)
_SECURITY_PHASES = ("security", "validation")
Failed = list[tuple[PhaseResult, CriterionResult]]


def _md(text: str) -> str:
    """Target text for Markdown prose: cleaned, one line, no HTML, no table pipes."""
    one_line = " ".join(clean(text).split())
    return one_line.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _code(text: str) -> str:
    """Target text inside inline code: backticks cannot close it early."""
    return " ".join(clean(text).replace("`", "'").split())


def default_task_id(report: Report) -> str:
    """Stable for the same findings: `gk-security-` and a hash of what is left to fix (or of
    the open findings when the security gates pass)."""
    source = [s.fingerprint for s in report.remediation.plan] or sorted(
        f.fingerprint for f in report.findings if f.state == FindingState.OPEN
    )
    digest = hashlib.sha256("\n".join(source).encode()).hexdigest()[:10]
    return f"gk-security-{digest}"


def valid_task_id(task_id: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9._-]{1,80}", task_id) is not None


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def render(report: Report, task_id: str | None = None) -> str:
    task = task_id or default_task_id(report)
    if not valid_task_id(task):
        task = default_task_id(report)
    rem = report.remediation
    by_fp = {f.fingerprint: f for f in report.findings}
    failed = [
        (p, c)
        for p in report.phases
        for c in p.criteria
        if c.status == Status.FAIL and p.id in _SECURITY_PHASES
    ]
    out: list[str] = [
        f"# Agent Invocation: {AGENT}",
        "",
        "## Task Context",
        f"- **Task ID:** `{task}`",
        "- **Skill:** `develop-backend`",
        f"- **Phase:** `{PHASE}`",
        "- **Domain:** `technical`",
        f"- **Agent:** `{AGENT}`",
        "",
        "## Role Extension",
        "**Task-Specific Focus:**",
    ]
    out += [f"- {area}" for area in _focus(report, failed)]
    out += ["", "## Johari Context (if available)", "### Open (Confirmed)"]
    out += _open(report)
    out += ["", "### Blind (Gaps)"]
    out += _blind(report, failed, by_fp)
    out += ["", "### Hidden (Inferred)"]
    out += _hidden(report)
    out += ["", "### Unknown (To Explore)"]
    out += _unknown(report)
    out += ["", "## Task"]
    out += _task(rem)
    out += ["", "## Related Research Terms"]
    out += [f"- {term}" for term in _terms(report)]
    out += ["", "## Output", f"Write findings to: `.claude/memory/{task}-{AGENT}-memory.md`", ""]
    return "\n".join(out)


def _plan_findings(report: Report) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    by_fp = {f.fingerprint: f for f in report.findings}
    rows = []
    for step in report.remediation.plan:
        f = by_fp.get(step.fingerprint)
        rows.append((step.rule_id, f.owasp if f else (), f.cwe if f else ()))
    return rows


def _focus(report: Report, failed: Failed) -> list[str]:
    """3-5 areas: the OWASP categories with the most findings to fix, then failed criteria,
    then the phase's own criteria."""
    areas: list[str] = []
    counts = Counter(
        category
        for _, owasp, _ in _plan_findings(report)
        for category in owasp
        if ":2021" in category
    )
    for category, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]:
        areas.append(f"{_md(category)} ({n} finding(s) to fix)")
    for _, c in failed:
        if len(areas) >= 5:
            break
        areas.append(f"{_md(c.title)} (criterion `{c.id}` fails)")
    for area in PHASE_FOCUS:
        if len(areas) >= 3:
            break
        areas.append(area)
    return areas[:5]


def _open(report: Report) -> list[str]:
    passed = [(p, c) for p in report.phases for c in p.criteria if c.status == Status.PASS]
    if not passed:
        return ["- No criterion passed in this audit."]
    lines = []
    for p, c in passed[:MAX_OPEN]:
        cited = "; ".join(f"{_where(e.path, e.line)} ({_md(e.what)})" for e in c.evidence[:2])
        lines.append(
            f"- Phase {p.index} — {_md(c.title)} (`{c.id}`): passes"
            + (f"; evidence: {cited}" if cited else "")
        )
    if len(passed) > MAX_OPEN:
        lines.append(f"- … {len(passed) - MAX_OPEN} more passed criteria in the JSON report")
    return lines


def _blind(report: Report, failed: Failed, by_fp: dict[str, Finding]) -> list[str]:
    if not failed and not report.remediation.plan:
        return ["- The security gates pass: no failed criterion in phases 3 and 7."]
    lines = []
    for p, c in failed:
        lines.append(f"- Phase {p.index} — {_md(c.title)} (`{c.id}`) fails: {_md(c.message)}")
    steps = report.remediation.plan
    if steps:
        lines.append(f"- Findings that fail the security gates ({len(steps)}):")
        for step in steps[:MAX_STEPS]:
            f = by_fp.get(step.fingerprint)
            severity = f.severity.value if f else "?"
            tags = ", ".join((*f.cwe, *f.owasp[:1])) if f else ""
            where = _code(_where(step.where.path, step.where.line))
            lines.append(
                f"  - `{step.rule_id}` {severity} at `{where}`: {_md(step.what)}"
                + (f" [{_md(tags)}]" if tags else "")
            )
        if len(steps) > MAX_STEPS:
            lines.append(f"  - … {len(steps) - MAX_STEPS} more in the JSON report")
    return lines


def _hidden(report: Report) -> list[str]:
    lines = []
    for v in report.config:
        if v.source == ValueSource.DETECTED:
            lines.append(
                f"- `{v.key}` = `{_code(str(v.value))}` was detected, not declared"
                + (f" (from {_md(v.origin)})" if v.origin else "")
                + ": confirm it in `[tool.gatekeeper]`."
            )
    defaults = sorted(v.key for v in report.config if v.source == ValueSource.DEFAULT)
    if defaults:
        lines.append(f"- Defaults assumed for: {', '.join(f'`{k}`' for k in defaults)}.")
    suppressed = Counter(
        f.suppression.kind.value
        for f in report.findings
        if f.state == FindingState.SUPPRESSED and f.suppression is not None
    )
    if suppressed:
        kinds = ", ".join(f"{n} by {kind}" for kind, n in sorted(suppressed.items()))
        lines.append(
            f"- {sum(suppressed.values())} finding(s) suppressed ({kinds}): taken as safe on "
            "the reasons given; check those reasons still hold."
        )
    na = [
        c.id
        for p in report.phases
        if p.id == "security"
        for c in p.criteria
        if c.status == Status.NOT_APPLICABLE
    ]
    if na:
        lines.append(
            "- Not applicable here, on what was found: " + ", ".join(f"`{i}`" for i in na) + "."
        )
    return lines or ["- Nothing was assumed: every configuration value was declared."]


def _unknown(report: Report) -> list[str]:
    lines = [
        f"- `{c.id}` could not be evaluated: {_md(c.message)}"
        for p in report.phases
        for c in p.criteria
        if c.status == Status.ERROR
    ]
    if report.unanalyzed:
        shown = ", ".join(f"`{_code(u.path)}`" for u in report.unanalyzed[:10])
        more = f" and {len(report.unanalyzed) - 10} more" if len(report.unanalyzed) > 10 else ""
        lines.append(f"- Files that could not be analyzed: {shown}{more}.")
    lines += [f"- {limit}" for limit in STATIC_LIMITS]
    return lines


def _task(rem: Remediation) -> list[str]:
    if rem.status in (RemediationStatus.NOT_NEEDED, RemediationStatus.FIXED):
        done = (
            f" after {rem.iteration} remediation iteration(s)"
            if rem.status == RemediationStatus.FIXED
            else ""
        )
        return [
            f"The security gates pass{done}. Keep them passing: review new routes for "
            "authentication, authorization and input validation before they merge, and run "
            "`gatekeeper audit --phase security --phase validation` in CI."
        ]
    lines = [
        "The security gate failed, so the workflow returns to phase 3 "
        f"(remediation iteration {rem.iteration} of {rem.max_iterations}).",
    ]
    for it in rem.iterations:
        lines.append(
            f"Iteration {it.iteration} already applied {len(it.fixed)} mechanical fix(es) "
            "(`gatekeeper audit --fix`); do not revert them."
        )
    if rem.status == RemediationStatus.EXHAUSTED:
        lines.append(
            "No mechanical fix applies to what is left: each finding below needs a change "
            "made by a person who understands the code."
        )
    lines += [
        "",
        "Fix the findings in this order (most severe first, phase 3 before phase 7):",
        "",
    ]
    for number, step in enumerate(rem.plan[:MAX_STEPS], 1):
        lines.append(
            f"{number}. `{step.rule_id}` at `{_code(_where(step.where.path, step.where.line))}`: "
            f"{_md(step.how)}"
        )
    if len(rem.plan) > MAX_STEPS:
        lines.append(f"{MAX_STEPS + 1}. … and {len(rem.plan) - MAX_STEPS} more (JSON report).")
    lines += [
        "",
        "Where a finding is a false positive, suppress it on its line with the reason "
        "(`# gatekeeper: ignore[GKnnnn] why it is safe`) instead of changing the code. Then run "
        "`gatekeeper audit --phase security --phase validation` again: the task is done when "
        "both gates pass.",
    ]
    return lines


def _terms(report: Report) -> list[str]:
    """7-10 terms: the CWE and OWASP categories of what is to fix, then the phase's own."""
    counts: Counter[str] = Counter()
    for _, owasp, cwe in _plan_findings(report):
        counts.update(cwe)
        counts.update(o.split(" - ", 1)[-1] for o in owasp)
    terms = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:8]
    for term in PHASE_TERMS:
        if len(terms) >= 7:
            break
        if term not in terms:
            terms.append(term)
    return [_md(t) for t in terms[:10]]
