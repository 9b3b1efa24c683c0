"""Phase 7, Final Validation: every gate verified, the security scan, benchmarks, documentation."""

from __future__ import annotations

from gatekeeper.model import Evidence, Status
from gatekeeper.phases.base import (
    Context,
    Fact,
    Outcome,
    Phase,
    Rule,
    criterion,
    outcome_from_findings,
    planned,
)
from gatekeeper.repo import display_path, language_for

PHASE_ID = "validation"
SCAN_ENGINES = frozenset({"bandit", "semgrep"})
SOURCE_LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "java", "kotlin"})
# bandit for Python; gatekeeper's semgrep rules for the rest (engines/scan.py).
SCANNED_LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "java"})
GATED_PHASES = (
    "api_design",
    "database",
    "security",
    "scalability",
    "testing",
    "observability",
)


@criterion("validation.previous_gates_verified", consumes=(Fact.GATES,))
def all_previous_gates_pass(ctx: Context) -> Outcome:
    """All previous gates verified.

    Why: the final gate is the sum of the others; one failing or unverifiable gate is enough
    to stop a release.
    Fix: fix the failing gates listed in the message (the root causes first).
    """
    failed = [p for p in GATED_PHASES if p in ctx.earlier and ctx.earlier[p][0] == Status.FAIL]
    errored = [p for p in GATED_PHASES if p in ctx.earlier and ctx.earlier[p][0] == Status.ERROR]
    verified = [p for p in GATED_PHASES if p in ctx.earlier and ctx.earlier[p][0] == Status.PASS]
    evidence = tuple(Evidence(".", None, f"gate {p}: pass") for p in verified)
    if failed:
        return Outcome(Status.FAIL, f"gates failed: {', '.join(failed)}", evidence)
    if errored:
        return Outcome(Status.ERROR, f"gates could not be verified: {', '.join(errored)}", evidence)
    if not verified:
        return Outcome(Status.ERROR, "no gate was evaluated (all phases disabled)")
    return Outcome(Status.PASS, f"{len(verified)} gates passed", evidence)


@criterion("validation.security_scan_passed")
def security_scan_finds_nothing_open(ctx: Context) -> Outcome:
    """Security scan passed.

    Why: bandit (Python) and gatekeeper's semgrep rules (JavaScript/TypeScript, Go, Java) catch
    known-dangerous calls and hard-coded secrets before they ship.
    Fix: fix each finding, or suppress it inline with a reason (`# gatekeeper: ignore[GK3602]
    reason`).
    """
    if not ctx.engines_enabled:
        return Outcome(Status.ERROR, "the security scan was not run (--no-engines)")
    failed = [run for run in ctx.engine_runs if not run.ok]
    if failed:
        return Outcome(
            Status.ERROR,
            "; ".join(f"{run.engine} did not complete: {run.message}" for run in failed),
            findings=tuple(ctx.finalize(ctx.engine_findings)),
        )
    languages = {e.language for e in ctx.index.files if e.language in SOURCE_LANGUAGES}
    uncovered = sorted(languages - SCANNED_LANGUAGES)
    if uncovered:
        return Outcome(
            Status.ERROR,
            f"no gatekeeper scanner covers {', '.join(uncovered)} yet: those files were not "
            "scanned, so the scan cannot pass",
            findings=tuple(ctx.finalize(ctx.engine_findings)),
        )
    if not ctx.engine_runs:
        return Outcome(Status.ERROR, "no source file to scan was found")
    # Files a scanner refused, and source files the index itself could not read (too large,
    # binary, a FIFO): neither was scanned.
    missed = sorted(
        {
            u.path
            for u in ctx.unanalyzed
            if u.engine in SCAN_ENGINES
            or (u.engine == "index" and language_for(u.path.rsplit("/", 1)[-1]) in SOURCE_LANGUAGES)
        }
    )
    if missed:
        shown = ", ".join(display_path(p) for p in missed[:5])
        more = f" and {len(missed) - 5} more" if len(missed) > 5 else ""
        return Outcome(
            Status.ERROR,
            f"{len(missed)} file(s) could not be scanned ({shown}{more}; reasons in "
            "unanalyzed[]); a file no scanner read is not a clean file. Fix or exclude them; "
            "code written for a newer Python needs gatekeeper installed on that Python",
            findings=tuple(ctx.finalize(ctx.engine_findings)),
        )
    evidence = tuple(
        Evidence(
            ".",
            None,
            f"{run.engine} {run.version or ''}".strip()
            + f" scanned {run.files_scanned} of {run.files_expected} files",
        )
        for run in ctx.engine_runs
    )
    return outcome_from_findings(
        ctx,
        ctx.engine_findings,
        pass_message="no open finding at or above the threshold",
        evidence=evidence,
    )


RULES: tuple[Rule, ...] = ()

PHASE = Phase(
    7,
    PHASE_ID,
    "Final Validation",
    (
        all_previous_gates_pass,
        security_scan_finds_nothing_open,
        planned(
            "validation.performance_benchmarks",
            "Performance benchmarks met",
            "issue 4",
        ),
        planned(
            "validation.documentation_complete",
            "Documentation complete",
            "issue 4",
        ),
    ),
    consumes=(Fact.STACK, Fact.GATES),
)
