"""The terminal report: a table of gates and criteria, findings by phase, unanalyzed files."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gatekeeper.model import FindingState, RemediationStatus, Report, Status
from gatekeeper.report.safe import for_log

_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.ERROR: "yellow",
    Status.NOT_APPLICABLE: "dim",
    Status.SKIPPED: "dim",
}
_MAX_EVIDENCE = 3
_MAX_ROUTES = 25
_MAX_STEPS = 10
_IN_SPEC = {True: "yes", False: "NO", None: "-"}
_AUTH_STYLE = {"none": "bold red", "unknown": "yellow", "required": "green"}


def _status(status: Status) -> Text:
    return Text(status.value.upper(), style=_STYLE[status])


def render(report: Report, *, color: bool = False, width: int = 120, verbose: bool = False) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
    )
    services = ", ".join(
        f"{s.name} ({s.root}: {', '.join(s.names('framework') or s.names('language')) or '?'})"
        for s in report.services
    )
    console.print(Text(f"gatekeeper {report.tool_version}", style="bold"))
    console.print(Text(for_log(f"services: {services or 'none found'}")))

    table = Table(show_lines=False, expand=False)
    table.add_column("gate / criterion", overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("evidence / reason", overflow="fold")
    for phase in report.phases:
        note = f" (blocked by {', '.join(phase.blocked_by)})" if phase.blocked_by else ""
        table.add_row(
            Text(f"{phase.index}. {phase.name}{note}", style="bold"), _status(phase.status), ""
        )
        for crit in phase.criteria:
            lines = [for_log(crit.message)] if crit.message else []
            for ev in crit.evidence[:_MAX_EVIDENCE]:
                where = (
                    f"{ev.path}:{ev.line} "
                    if ev.line
                    else ("" if ev.path == "." else f"{ev.path} ")
                )
                lines.append(for_log(f"{where}{ev.what}"))
            if len(crit.evidence) > _MAX_EVIDENCE:
                lines.append(f"... {len(crit.evidence) - _MAX_EVIDENCE} more")
            table.add_row(f"   {crit.title}", _status(crit.status), "\n".join(lines))
    console.print(table)

    if report.routes:
        _routes_table(console, report, verbose)
    if report.specs:
        console.print(Text("API specs:", style="bold"))
        for spec in report.specs:
            detail = f": {spec.message}" if spec.status == "error" and spec.message else ""
            console.print(
                Text(
                    for_log(
                        f"    {spec.path} {spec.kind} {spec.status}, {spec.operations} "
                        f"operation(s), {spec.errors} error(s){detail}"
                    )
                )
            )

    open_findings = [f for f in report.findings if f.state == FindingState.OPEN]
    suppressed = [f for f in report.findings if f.state == FindingState.SUPPRESSED]
    if report.findings:
        console.print(
            Text(f"findings: {len(open_findings)} open, {len(suppressed)} suppressed", style="bold")
        )
        for phase in report.phases:
            mine = [f for f in report.findings if f.phase == phase.id]
            if not mine:
                continue
            console.print(Text(f"  {phase.name}", style="bold"))
            for f in mine:
                loc = f.location
                where = f"{loc.path}:{loc.line}" if loc.line else loc.path
                state = f" [suppressed: {f.suppression.reason}]" if f.suppression else ""
                console.print(
                    Text(
                        for_log(f"    {f.severity.value:<8} {f.rule_id} {where} {f.message}{state}")
                    )
                )
    if report.unanalyzed:
        console.print(Text(f"unanalyzed files: {len(report.unanalyzed)}", style="bold"))
        shown = report.unanalyzed if verbose else report.unanalyzed[:20]
        for u in shown:
            console.print(Text(for_log(f"    {u.path} ({u.engine}): {u.reason}")))
        if len(shown) < len(report.unanalyzed):
            console.print(f"    ... {len(report.unanalyzed) - len(shown)} more (-v shows all)")
    if verbose and report.engines:
        console.print(Text("engines:", style="bold"))
        for run in report.engines:
            state = "ok" if run.ok else f"FAILED: {run.message}"
            console.print(
                Text(
                    for_log(
                        f"    {run.engine} {run.version or ''}: scanned {run.files_scanned} of "
                        f"{run.files_expected} files, {state}"
                    )
                )
            )
    if report.timings:
        console.print(
            "timings: " + ", ".join(f"{name} {secs:.2f}s" for name, secs in report.timings)
        )

    if report.scope is not None:
        console.print(Text(for_log(f"scope: {report.scope}")))
    verdict = report.verdict.value.upper()
    causes = f"; root causes: {', '.join(report.root_causes)}" if report.root_causes else ""
    if report.complete:
        line = f"verdict: {verdict}{causes}"
    else:
        errors = sum(c.status == Status.ERROR for p in report.phases for c in p.criteria)
        line = (
            f"verdict: INCOMPLETE ({errors} criteria could not be evaluated); "
            f"what was evaluated: {verdict}{causes}"
        )
    console.print(Text(line, style="bold red" if verdict == "FAIL" else "bold"))
    rem = report.remediation
    for it in rem.iterations:
        fixed = "; ".join(
            f"{f.rule_id} {f.where.path}:{f.where.line} {f.what}" for f in it.fixed[:_MAX_STEPS]
        )
        more = f" (+{len(it.fixed) - _MAX_STEPS} more)" if len(it.fixed) > _MAX_STEPS else ""
        console.print(
            Text(
                for_log(
                    f"remediation iteration {it.iteration}: fixed {len(it.fixed)}: {fixed}{more}; "
                    f"{it.remaining} finding(s) still fail the security gates"
                )
            )
        )
    if rem.status == RemediationStatus.FIXED:
        console.print(f"remediation: fixed after {rem.iteration} iteration(s)")
    if rem.status in (RemediationStatus.OPEN, RemediationStatus.EXHAUSTED):
        if rem.status == RemediationStatus.OPEN:
            head = "security gate failed; return to phase 3"
        else:
            head = "exhausted: the security gate still fails; no codemod applies to what is left"
        console.print(f"remediation: {head} (iteration {rem.iteration} of {rem.max_iterations})")
        plan = rem.plan
        shown_steps = plan if verbose else plan[:_MAX_STEPS]
        for number, step in enumerate(shown_steps, 1):
            where = f"{step.where.path}:{step.where.line}" if step.where.line else step.where.path
            console.print(Text(for_log(f"  {number}. {step.rule_id} {where}: {step.what}")))
            console.print(Text(for_log(f"     fix: {step.how}")))
        if len(shown_steps) < len(plan):
            console.print(f"  ... {len(plan) - len(shown_steps)} more steps (-v shows all)")
    return buf.getvalue()


def _routes_table(console: Console, report: Report, verbose: bool) -> None:
    shown = report.routes if verbose else report.routes[:_MAX_ROUTES]
    table = Table(title=f"routes: {len(report.routes)}", title_justify="left", expand=False)
    for name in ("method", "path", "handler", "where", "in spec", "auth"):
        table.add_column(name, overflow="fold")
    for r in shown:
        table.add_row(
            r.method,
            for_log(r.url_path),
            for_log(r.handler),
            for_log(f"{r.file}:{r.line}"),
            _IN_SPEC[r.in_spec],
            Text(r.auth or "-", style=_AUTH_STYLE.get(r.auth or "", "")),
        )
    console.print(table)
    if len(shown) < len(report.routes):
        console.print(f"    ... {len(report.routes) - len(shown)} more routes (-v shows all)")
