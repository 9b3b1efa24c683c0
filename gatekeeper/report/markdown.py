"""Markdown for a GitHub step summary or a pull-request comment: the verdict, the gates, the
phase graph (Mermaid, coloured by status), the worst findings and the route x auth table,
within a character budget (a PR comment takes 65,536; the step summary 1 MiB).
"""

from __future__ import annotations

from gatekeeper import graph as phase_graph
from gatekeeper.model import FindingState, Report, Status
from gatekeeper.phases import ALL_PHASES
from gatekeeper.report.safe import clean

BUDGET = 60_000  # under a pull-request comment's 65,536 characters
MAX_FINDINGS = 25
MAX_ROUTES = 50
_ICON = {
    Status.PASS: "✅ pass",
    Status.FAIL: "❌ fail",
    Status.ERROR: "⚠️ error",
    Status.NOT_APPLICABLE: "n/a",
    Status.SKIPPED: "skipped",
}


def _cell(text: str) -> str:
    """Target text made safe for a table cell: escaped, no pipes, no HTML, one line."""
    return clean(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render(report: Report, budget: int = BUDGET) -> str:
    verdict = report.verdict.value.upper() if report.complete else "INCOMPLETE"
    open_findings = sorted(
        (f for f in report.findings if f.state == FindingState.OPEN),
        key=lambda f: (-f.severity.rank, *f.sort_key()),
    )
    parts = [
        f"## gatekeeper: {verdict}",
        "",
        f"{len(open_findings)} open finding(s), "
        f"{sum(f.state == FindingState.SUPPRESSED for f in report.findings)} suppressed; "
        f"root causes: {', '.join(report.root_causes) or 'none'}",
        "",
        *([f"Scope: {_cell(report.scope)}", ""] if report.scope else []),
        "| gate | status | criteria |",
        "|---|---|---|",
    ]
    for phase in report.phases:
        counts = {s: sum(c.status == s for c in phase.criteria) for s in Status}
        summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
        parts.append(f"| {phase.index}. {phase.name} | {_ICON[phase.status]} | {summary} |")
    parts += [
        "",
        "```mermaid",
        phase_graph.mermaid(phase_graph.build(ALL_PHASES), report.phases).rstrip(),
        "```",
        "",
    ]
    left_out: list[str] = []
    if open_findings:
        parts += [
            "### Worst findings",
            "",
            "| severity | rule | where | message |",
            "|---|---|---|---|",
        ]
        for f in open_findings[:MAX_FINDINGS]:
            where = f"{f.location.path}:{f.location.line}" if f.location.line else f.location.path
            parts.append(
                f"| {f.severity.value} | {f.rule_id} | `{_cell(where)}` | {_cell(f.message)} |"
            )
        if len(open_findings) > MAX_FINDINGS:
            left_out.append(f"{len(open_findings) - MAX_FINDINGS} more findings")
        parts.append("")
    if report.routes:
        parts += [
            f"<details><summary>Routes and their authentication ({len(report.routes)})</summary>",
            "",
            "| method | path | handler | auth | in spec |",
            "|---|---|---|---|---|",
        ]
        for r in report.routes[:MAX_ROUTES]:
            spec = {True: "yes", False: "no", None: "-"}[r.in_spec]
            parts.append(
                f"| {r.method} | `{_cell(r.url_path)}` | {_cell(r.handler)} | "
                f"{r.auth or '-'} | {spec} |"
            )
        if len(report.routes) > MAX_ROUTES:
            left_out.append(f"{len(report.routes) - MAX_ROUTES} more routes")
        parts += ["", "</details>", ""]
    text = "\n".join(parts)
    if len(text) > budget:
        cut = text.rfind("\n", 0, budget - 200)
        text = text[: max(cut, 0)]
        left_out.append("the rest of the report (over the size budget)")
    if left_out:
        text += (
            f"\n\n_Not shown: {'; '.join(left_out)}. The JSON and SARIF reports have everything._"
        )
    return text.rstrip() + "\n"
