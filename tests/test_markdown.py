"""Markdown summary: what a reviewer reads in a step summary or pull-request comment."""

from __future__ import annotations

from dataclasses import replace

from gatekeeper.model import FindingState, RouteRow
from gatekeeper.report import markdown
from tests.test_report import HOSTILE, sample_report


def test_summary_has_the_verdict_gates_graph_and_findings() -> None:
    report = sample_report()
    open_finding = replace(report.findings[0], state=FindingState.OPEN, suppression=None)
    report = replace(
        report,
        findings=(open_finding,),
        routes=(RouteRow("app.py", 3, "POST", "/v1/a|b", "h", "fastapi", ".", None, "none"),),
    )
    out = markdown.render(report)
    assert out.startswith("## gatekeeper: INCOMPLETE")
    assert "| 0. Requirements Clarification | ❌ fail |" in out
    assert "```mermaid\nflowchart TD" in out and "class requirements fail" in out
    assert "| medium | GK001 |" in out
    assert "`/v1/a\\|b`" in out  # a pipe in a path cannot break the table
    assert "\x1b" not in out and HOSTILE not in out


def test_summary_stays_within_its_budget_and_says_what_it_left_out() -> None:
    report = sample_report()
    routes = tuple(
        RouteRow("app.py", i + 1, "GET", f"/v1/items/{i}", "h", "fastapi", ".", None, "required")
        for i in range(80)
    )
    out = markdown.render(replace(report, routes=routes), budget=2_000)
    assert len(out) <= 2_000
    assert "_Not shown:" in out and "30 more routes" in out
