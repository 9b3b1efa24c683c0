"""`--format brief`: the remediation task in the seed's Agent Prompt Template."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from gatekeeper import api
from gatekeeper.cli import cli
from gatekeeper.report import brief

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "remediation"
SNAPSHOT = Path(__file__).parent / "data" / "brief" / "remediation.md"
SECURITY = api.Options(phases=("security", "validation"))
# The template's headings, in its order (../shared/reference/develop-backend-skill.md).
TEMPLATE = [
    "# Agent Invocation: orchestrate-generation",
    "## Task Context",
    "## Role Extension",
    "## Johari Context (if available)",
    "### Open (Confirmed)",
    "### Blind (Gaps)",
    "### Hidden (Inferred)",
    "### Unknown (To Explore)",
    "## Task",
    "## Related Research Terms",
    "## Output",
]


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#")]


def bullets_under(text: str, heading: str) -> list[str]:
    section = text.split(heading + "\n", 1)[1].split("\n#", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- ")]


@pytest.mark.engines
def test_the_brief_of_a_failing_fixture_matches_its_snapshot() -> None:
    """Regenerate with GATEKEEPER_UPDATE_SNAPSHOTS=1 after a deliberate change, and read the
    diff before committing it."""
    text = brief.render(api.audit(FIXTURE, SECURITY).report)
    if os.environ.get("GATEKEEPER_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8")


@pytest.mark.engines
def test_the_brief_follows_the_template_section_by_section() -> None:
    text = brief.render(api.audit(FIXTURE, SECURITY).report, "sec-42")
    assert headings(text) == TEMPLATE
    context = bullets_under(text, "## Task Context")
    assert context == [
        "- **Task ID:** `sec-42`",
        "- **Skill:** `develop-backend`",
        "- **Phase:** `3`",
        "- **Domain:** `technical`",
        "- **Agent:** `orchestrate-generation`",
    ]
    assert 3 <= len(bullets_under(text, "**Task-Specific Focus:**")) <= 5
    assert 7 <= len(bullets_under(text, "## Related Research Terms")) <= 10
    # Blind names the failed criteria and every finding to fix, with its place
    blind = "\n".join(bullets_under(text, "### Blind (Gaps)"))
    assert "`security.owasp_top10_addressed`" in blind
    assert "Findings that fail the security gates (6)" in text
    assert "`GK3801` high at `app/service.py:23`" in text
    # Open cites its evidence; Hidden says the stack was detected, not declared
    assert "`tech_stack` = `python-flask` was detected, not declared" in text
    # Task: the plan in order, what is mechanical said so
    steps = re.findall(r"^\d+\. `(GK\d+)`", text, flags=re.M)
    assert steps == ["GK3801", "GK3501", "GK3201", "GK301", "GK3506", "GK3113"]
    assert text.endswith(
        "Write findings to: `.claude/memory/sec-42-orchestrate-generation-memory.md`\n"
    )


@pytest.mark.engines
def test_the_brief_after_fix_says_what_was_applied_and_what_needs_a_person(
    tmp_path: Path,
) -> None:
    shutil.copytree(FIXTURE, tmp_path / "repo")
    result = CliRunner().invoke(
        cli,
        [
            *("audit", str(tmp_path / "repo"), "--phase", "security", "--phase", "validation"),
            *("--fix", "--format", "brief"),
        ],
    )
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert "(remediation iteration 1 of 2)" in text
    assert "Iteration 1 already applied 6 mechanical fix(es)" in text
    assert "No mechanical fix applies to what is left" in text
    steps = re.findall(r"^\d+\. `(GK\d+)`", text, flags=re.M)
    assert steps == ["GK3801", "GK301"]  # the SQL and authentication need a person


def test_a_passing_audit_gives_a_brief_with_nothing_to_fix() -> None:
    report = api.audit(ROOT / "fixtures" / "example", replace(SECURITY, engines=False)).report
    text = brief.render(replace(report, remediation=replace(report.remediation, plan=())))
    assert headings(text) == TEMPLATE
    assert "The security gates pass" in text and "Fix the findings" not in text


def test_target_text_cannot_break_the_markdown() -> None:
    report = api.audit(FIXTURE, replace(SECURITY, engines=False)).report
    step = report.remediation.plan[0]
    hostile = replace(step, what="x`<img src=x onerror=alert(1)>`\n# Injected heading", how="ok")
    report = replace(report, remediation=replace(report.remediation, plan=(hostile,)))
    text = brief.render(report)
    assert "<img" not in text and "\n# Injected" not in text
    assert headings(text) == TEMPLATE


def test_the_task_id_is_checked(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["audit", str(FIXTURE), "--no-engines", "--format", "brief", "--task-id", "../x"]
    )
    assert result.exit_code == 2 and "--task-id" in result.output
