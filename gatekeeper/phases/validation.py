"""Phase 7, Final Validation: every gate verified, the security scan, benchmarks, documentation."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from gatekeeper import perffacts, perfresults, policy
from gatekeeper.model import Confidence, Evidence, Finding, Location, Severity, Status
from gatekeeper.phases import owasp
from gatekeeper.phases.base import (
    Context,
    Fact,
    Outcome,
    Phase,
    Rule,
    criterion,
    make_finding,
    outcome_from_findings,
)
from gatekeeper.repo import display_path

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

    Why: the release check runs the whole security scan (bandit on Python, gatekeeper's own
    Python checks, its semgrep rules on JavaScript/TypeScript, Go and Java) and needs every
    source file read and no open finding at or above the threshold. The findings themselves
    are listed once, under security.owasp_top10_addressed (phase 3), where the remediation
    loop sends them.
    Fix: fix the findings listed under security.owasp_top10_addressed, or suppress one inline
    with a reason (`# gatekeeper: ignore[GK3602] -- reason`).
    """
    if not ctx.engines_enabled:
        return Outcome(Status.ERROR, "the security scan was not run (--no-engines)")
    failed = [run for run in ctx.engine_runs if not run.ok]
    if failed:
        return Outcome(
            Status.ERROR,
            "; ".join(f"{run.engine} did not complete: {run.message}" for run in failed),
        )
    languages = {e.language for e in ctx.index.files if e.language in SOURCE_LANGUAGES}
    uncovered = sorted(languages - SCANNED_LANGUAGES)
    if uncovered:
        return Outcome(
            Status.ERROR,
            f"no gatekeeper scanner covers {', '.join(uncovered)} yet: those files were not "
            "scanned, so the scan cannot pass",
        )
    if not ctx.engine_runs:
        return Outcome(Status.ERROR, "no source file to scan was found")
    missed = owasp.unscanned_files(ctx)
    if missed:
        return Outcome(Status.ERROR, owasp.unscanned_message(missed))
    evidence = tuple(owasp.engine_evidence(ctx))
    threshold = ctx.config.severity_threshold
    final = ctx.finalize(owasp.scan_findings(ctx))
    failing = [f for f in final if f.state == "open" and f.severity.rank >= threshold.rank]
    # Listed once: under phase 3 when it ran, here when it did not (--phase validation).
    listed_there = "security" in ctx.earlier
    shown = () if listed_there else tuple(final)
    where = f", listed under {owasp.CRITERION}" if listed_there else ""
    if failing:
        return Outcome(
            Status.FAIL,
            f"{len(failing)} open finding(s) at or above {threshold}{where}",
            evidence,
            shown,
        )
    suppressed = sum(1 for f in final if f.state != "open")
    return Outcome(
        Status.PASS,
        f"no open finding at or above {threshold}"
        + (f" ({suppressed} suppressed{where})" if suppressed else ""),
        evidence,
        shown,
    )


BENCHMARKS_MISSING = Rule(
    "GK701",
    "benchmarks-missing",
    "validation.performance_benchmarks",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No load or benchmark test was found in the repository.",
    "Add a load test for the HTTP API (locust or k6) or benchmarks for the hot paths "
    "(pytest-benchmark, `go test -bench`, JMH).",
)
BUDGETS_UNMEASURED = Rule(
    "GK702",
    "performance-budget-unmeasured",
    "validation.performance_benchmarks",
    Severity.MEDIUM,
    Confidence.HIGH,
    "Performance budgets are declared but no committed results file measures them.",
    "Commit the load test's results where CI writes them (k6 run --summary-export "
    "results/summary.json, locust --csv results/run) or name them in performance_results.",
)
BUDGET_EXCEEDED = Rule(
    "GK703",
    "performance-budget-exceeded",
    "validation.performance_benchmarks",
    Severity.HIGH,
    Confidence.HIGH,
    "A committed load-test result does not meet a declared performance budget.",
    "Make the slow path faster (or scale it) until the load test meets the budget; change a "
    "budget only with the requirement it comes from.",
)
README_MISSING = Rule(
    "GK711",
    "readme-missing",
    "validation.documentation_complete",
    Severity.MEDIUM,
    Confidence.HIGH,
    "The repository has no README, or one with nothing but a title.",
    "Write in README.md what the service does, how to run and test it locally, and how to "
    "deploy it.",
)
API_DOCS_MISSING = Rule(
    "GK712",
    "api-docs-missing",
    "validation.documentation_complete",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No API documentation was found: no OpenAPI/Swagger spec and no generated API docs.",
    "Commit an OpenAPI spec (docs/openapi.yaml) or serve generated docs (FastAPI's /docs, "
    "drf-spectacular, springdoc-openapi, swagger-ui-express, swaggo).",
)
ARCHITECTURE_DOCS_MISSING = Rule(
    "GK713",
    "architecture-docs-missing",
    "validation.documentation_complete",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No architecture document or diagram was found.",
    "Add docs/architecture.md with a component diagram (a Mermaid or PlantUML diagram), or "
    "architecture decision records under docs/adr/.",
)
RUNBOOK_MISSING = Rule(
    "GK714",
    "runbook-missing",
    "validation.documentation_complete",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No runbook was found: nothing says how to deploy, roll back or handle an incident.",
    "Add docs/runbook.md with deployment, rollback and incident procedures.",
)

SUPPRESSION_UNEXPLAINED = Rule(
    "GK721",
    "suppression-without-reason",
    "validation.suppressions_accounted",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A `gatekeeper: ignore[...]` comment gives no reason, so it is not honoured: the finding it "
    "means to hide stays open, and a reviewer cannot tell why it would be safe.",
    "Write the reason after the ids: `# gatekeeper: ignore[GK3602] the command is a constant`.",
)
SUPPRESSION_EXPIRED = Rule(
    "GK722",
    "suppression-expired",
    "validation.suppressions_accounted",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A suppression's `until` date has passed: the finding it hid is open again.",
    "Fix the finding and delete the comment, or, if the reason still holds, move the date "
    "(`until YYYY-MM-DD:`) with a reviewer's agreement.",
)
SUPPRESSION_UNUSED = Rule(
    "GK723",
    "suppression-unused",
    "validation.suppressions_accounted",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A suppression names an id that has no finding on its line (fixed, moved, or never a "
    "gatekeeper id, such as a bandit B-number): it would silently hide a future finding there.",
    "Delete the comment or the stale id; suppress a gatekeeper rule id (GKnnn) or criterion "
    "id, on the finding's line or alone on the line above.",
)

GATE_REGRESSED = Rule(
    "GK724",
    "gate-regressed",
    "validation.no_regression",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A gate has more open findings at or above the threshold than in the previous report "
    "(--baseline-report): the change made it worse.",
    "Fix the new findings (the report lists them under the gate), or suppress each with the "
    "reason it is safe.",
)
COVERAGE_DROPPED = Rule(
    "GK725",
    "coverage-dropped",
    "validation.no_regression",
    Severity.MEDIUM,
    Confidence.HIGH,
    "Line coverage is lower than in the previous report (--baseline-report).",
    "Add tests for the code the change added, so coverage does not fall.",
)

SUPPRESSION_ADDED = Rule(
    "GK726",
    "suppression-added-by-change",
    "validation.suppressions_accounted",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The change adds (or edits) a suppression: a finding that was open is now suppressed. The "
    "author of a change cannot accept their own finding; the gate keeps failing until a "
    "reviewer does.",
    "Have a reviewer read the reason and accept it (an approved override, or the suppression "
    "landed on the base branch), or fix the finding instead.",
)

RULES: tuple[Rule, ...] = (
    GATE_REGRESSED,
    SUPPRESSION_ADDED,
    COVERAGE_DROPPED,
    SUPPRESSION_UNEXPLAINED,
    SUPPRESSION_EXPIRED,
    SUPPRESSION_UNUSED,
    BENCHMARKS_MISSING,
    BUDGETS_UNMEASURED,
    BUDGET_EXCEEDED,
    README_MISSING,
    API_DOCS_MISSING,
    ARCHITECTURE_DOCS_MISSING,
    RUNBOOK_MISSING,
)

BENCHMARKS_FACT = "validation.benchmarks"
DOCUMENTATION_FACT = "validation.documentation"


def benchmarks_of(ctx: Context) -> perffacts.BenchmarkFacts:
    """Load and benchmark tests of the repository, found once per audit."""
    return ctx.cached(BENCHMARKS_FACT, lambda: perffacts.find_benchmarks(ctx.index))


def documentation_of(ctx: Context) -> perffacts.DocFacts:
    """README, API docs, architecture docs and runbooks, found once per audit."""
    return ctx.cached(DOCUMENTATION_FACT, lambda: perffacts.find_documentation(ctx.index))


EVIDENCE_PER_KIND = 3

_LOAD_TEST_HINT = (
    "a load test for the HTTP API (a locustfile.py using locust, or a k6 script that does "
    "`import http from 'k6/http'`)"
)
_BENCHMARK_HINTS = {
    "python": "pytest-benchmark tests (a test taking the `benchmark` fixture)",
    "go": "Go benchmarks (`func BenchmarkXxx(b *testing.B)` in a _test.go file, run by "
    "`go test -bench`)",
    "java": "JMH benchmarks (`@Benchmark` methods) or a Gatling simulation",
    "kotlin": "JMH benchmarks (`@Benchmark` methods) or a Gatling simulation",
    "javascript": "an artillery scenario or a k6 script",
    "typescript": "an artillery scenario or a k6 script",
}
_API_DOCS_HINTS = {
    "fastapi": "FastAPI's generated /docs (do not set openapi_url=None)",
    "django": "drf-spectacular (SpectacularAPIView)",
    "flask": "flask-smorest or flasgger",
    "express": "swagger-jsdoc with swagger-ui-express",
    "koa": "swagger-jsdoc with koa2-swagger-ui",
    "fastify": "@fastify/swagger",
    "nestjs": "@nestjs/swagger",
    "gin": "swaggo/swag annotations",
    "chi": "swaggo/swag annotations",
    "echo": "swaggo/swag annotations",
    "gorilla-mux": "swaggo/swag annotations",
    "spring-boot": "springdoc-openapi",
    "jax-rs": "swagger-jaxrs2 (io.swagger.v3)",
}
_MISSING_LABELS = {
    README_MISSING.id: "README",
    API_DOCS_MISSING.id: "API docs",
    ARCHITECTURE_DOCS_MISSING.id: "architecture docs or diagrams",
    RUNBOOK_MISSING.id: "runbooks",
}


def _evidence_of(sightings: tuple[perffacts.Sighting, ...]) -> list[Evidence]:
    shown: dict[str, int] = {}
    evidence = []
    for s in sightings:
        if shown.get(s.kind, 0) < EVIDENCE_PER_KIND:
            shown[s.kind] = shown.get(s.kind, 0) + 1
            evidence.append(Evidence(s.path, s.line, s.what))
    return evidence


def _unread_note(paths: tuple[str, ...], what: str) -> str:
    if not paths:
        return ""
    shown = ", ".join(display_path(p) for p in paths[:3])
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    limit = perffacts.MAX_SCAN_BYTES // 1024
    source = perffacts.MAX_SOURCE_SCAN_BYTES // (1024 * 1024)
    return (
        f" ({len(paths)} {what} not read: over {limit} KiB ({source} MiB for source code) "
        f"or not text: {shown}{more})"
    )


def _declared_budgets(ctx: Context) -> tuple[tuple[str, float], ...]:
    return ctx.config.performance_budgets


def _check_budgets(
    ctx: Context, budgets: tuple[tuple[str, float], ...], evidence: list[Evidence]
) -> Outcome:
    """Declared budgets against the committed results: every budget measured and met."""
    configured = ctx.config.performance_results
    paths = configured or perfresults.discover(ctx.index)
    findings: list[Finding] = []
    problems: list[str] = []
    results: list[perfresults.Results] = []
    for path in paths:
        if ctx.index.get(path) is None:
            problems.append(f"{path}: named in performance_results but not in the repository")
            continue
        try:
            read = perfresults.read(ctx.index, path)
        except perfresults.ResultsError as exc:
            problems.append(str(exc))
            continue
        if read is None:
            if configured:
                problems.append(f"{path}: neither a k6 summary nor a locust stats file")
            continue
        results.append(read)
    where = ctx.loaded.path or "pyproject.toml"
    if not results and not problems:
        findings.append(
            make_finding(
                BUDGETS_UNMEASURED,
                Location(where),
                "performance_budgets are declared but no committed results file measures them "
                "(k6 --summary-export JSON, locust --csv *_stats.csv)",
                phase=PHASE_ID,
            )
        )
    for item in results:
        broken = perfresults.breaches(budgets, item)
        for key, limit, measured in broken:
            what, direction = perfresults.BUDGETS[key]
            bound = "at most" if direction == "max" else "at least"
            findings.append(
                make_finding(
                    BUDGET_EXCEEDED,
                    Location(item.path),
                    f"{what}: measured {measured:g}, budget {bound} {limit:g} ({item.tool})",
                    phase=PHASE_ID,
                )
            )
        exceeded = {key for key, _, _ in broken}
        for key, limit in budgets:
            value = item.value(key)
            if value is not None and key not in exceeded:
                evidence.append(
                    Evidence(item.path, None, f"{key} {value:g} within {limit:g} ({item.tool})")
                )
    if results:
        measured_keys = {k for r in results for k, _ in r.metrics}
        for key, limit in budgets:
            if key not in measured_keys:
                findings.append(
                    make_finding(
                        BUDGETS_UNMEASURED,
                        Location(where),
                        f"budget {key} = {limit:g} is declared but no committed result measures "
                        f"{perfresults.BUDGETS[key][0]}",
                        phase=PHASE_ID,
                    )
                )
    out = outcome_from_findings(
        ctx,
        findings,
        pass_message=f"{len(budgets)} performance budget(s) met by committed results",
        evidence=evidence,
    )
    if problems and out.status is not Status.FAIL:
        return Outcome(Status.ERROR, "; ".join(problems), out.evidence, out.findings)
    return out


def _benchmark_advice(ctx: Context) -> str:
    hints: list[str] = []
    if any(s.names("framework") for s in ctx.services):
        hints.append(_LOAD_TEST_HINT)
    for language in sorted({lang for s in ctx.services for lang in s.names("language")}):
        hint = _BENCHMARK_HINTS.get(language)
        if hint is not None and hint not in hints:
            hints.append(hint)
    if not hints:
        hints = [_LOAD_TEST_HINT, "micro-benchmarks (pytest-benchmark, `go test -bench`, JMH)"]
    return "add " + "; or ".join(hints)


@criterion("validation.performance_benchmarks")
def benchmarks_are_present(ctx: Context) -> Outcome:
    """Performance benchmarks met.

    Why: a service that no load or benchmark test has ever measured ships its latency and
    throughput regressions to users; a committed test is what a release can be measured with.
    Fix: add a load test for the HTTP API (a locustfile.py or a k6 script) or benchmarks for the
    hot paths (pytest-benchmark, `go test -bench`, JMH), committed with the code.
    """
    facts = benchmarks_of(ctx)
    evidence = _evidence_of(facts.sightings)
    budgets = _declared_budgets(ctx)
    if facts.sightings:
        if budgets:
            return _check_budgets(ctx, budgets, list(evidence))
        return Outcome(
            Status.PASS,
            f"no performance budgets declared; benchmarks present ({', '.join(facts.kinds)})",
            tuple(evidence),
        )
    budget_note = "; performance_budgets are declared but nothing measures them" if budgets else ""
    finding = make_finding(
        BENCHMARKS_MISSING,
        Location("."),
        "no load or benchmark test found"
        + _unread_note(facts.unread, "candidate file(s)")
        + budget_note
        + f"; {_benchmark_advice(ctx)}",
        phase=PHASE_ID,
    )
    out = outcome_from_findings(
        ctx, [finding], pass_message="no load or benchmark test found (below the threshold)"
    )
    if out.status is Status.FAIL and facts.unread:
        # The benchmark may be in a file that could not be read: unknown, not absent.
        return replace(
            out,
            status=Status.ERROR,
            message="no load or benchmark test found"
            + _unread_note(facts.unread, "candidate file(s)"),
        )
    if out.status is Status.FAIL:
        out = replace(out, message="no load or benchmark test found")
    return out


def _api_docs_advice(ctx: Context) -> str:
    frameworks = sorted({f for s in ctx.services for f in s.names("framework")})
    hints = sorted({_API_DOCS_HINTS[f] for f in frameworks if f in _API_DOCS_HINTS})
    generated = ", ".join(hints) if hints else "springdoc-openapi, drf-spectacular, swaggo"
    return f"commit an OpenAPI spec (docs/openapi.yaml) or serve generated docs ({generated})"


@criterion("validation.documentation_complete")
def documentation_is_complete(ctx: Context) -> Outcome:
    """Documentation complete.

    Why: the people who change and run the service need a README to start from, API docs to
    call it, architecture docs or diagrams to change it safely, and runbooks to operate it
    during an incident.
    Fix: add what each finding names: a README beyond its title, an OpenAPI spec or generated
    API docs, docs/architecture.md with a diagram (or ADRs in docs/adr/), and docs/runbook.md
    with deployment, rollback and incident procedures.
    """
    docs = documentation_of(ctx)
    # A source file not read could only have shown generated API docs: it leaves the result
    # unknown only when API docs are what is missing.
    not_read = docs.unread + (() if docs.api_docs else docs.unread_sources)
    note = _unread_note(not_read, "documentation file(s)")
    where = Location(docs.readme.path) if docs.readme is not None else Location(".")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    if docs.readme is None:
        findings.append(
            make_finding(
                README_MISSING,
                where,
                f"no README found{note}; add README.md saying what the service does, how to "
                "run and test it locally, and how to deploy it",
                phase=PHASE_ID,
            )
        )
    elif not docs.readme_has_body:
        unread = docs.readme.path in docs.unread
        problem = "could not be read" if unread else "has no content beyond a title"
        findings.append(
            make_finding(
                README_MISSING,
                Location(docs.readme.path, docs.readme.line),
                f"{display_path(docs.readme.path)} {problem}{note}; add what the service "
                "does, how to run and test it locally, and how to deploy it",
                phase=PHASE_ID,
            )
        )
    else:
        evidence.append(Evidence(docs.readme.path, docs.readme.line, docs.readme.what))
    missing = (
        (
            docs.api_docs,
            API_DOCS_MISSING,
            f"no API documentation found{note}; " + _api_docs_advice(ctx),
        ),
        (
            docs.architecture,
            ARCHITECTURE_DOCS_MISSING,
            f"no architecture document or diagram found{note}; add docs/architecture.md with "
            "a component diagram (a Mermaid or PlantUML diagram), or ADRs under docs/adr/",
        ),
        (
            docs.runbooks,
            RUNBOOK_MISSING,
            f"no runbook found{note}; add docs/runbook.md with deployment, rollback and "
            "incident procedures",
        ),
    )
    for sightings, rule, message in missing:
        if sightings:
            evidence += _evidence_of(sightings)
        else:
            findings.append(make_finding(rule, where, message, phase=PHASE_ID))
    out = outcome_from_findings(
        ctx,
        findings,
        pass_message="README, API docs, architecture docs and runbooks present",
        evidence=evidence,
    )
    threshold = ctx.config.severity_threshold
    failing = sorted(
        f.rule_id for f in out.findings if f.state == "open" and f.severity.rank >= threshold.rank
    )
    if out.status is Status.FAIL:
        message = "missing: " + ", ".join(_MISSING_LABELS[r] for r in failing)
        if not_read:
            # What is missing may be in a file that could not be read: unknown, not absent.
            return replace(out, status=Status.ERROR, message=message + note)
        return replace(out, message=message)
    if out.findings:
        below = ", ".join(_MISSING_LABELS[r] for r in sorted(f.rule_id for f in out.findings))
        return replace(out, message=f"missing, below the threshold or suppressed: {below}")
    return out


@lru_cache(maxsize=1)
def _id_tables() -> tuple[frozenset[str], dict[str, str], frozenset[str]]:
    """Criterion ids, gatekeeper rule id -> phase, and the engines' rule ids; built once."""
    from gatekeeper.engines import rulemap
    from gatekeeper.phases import CORE_RULES, all_criteria

    criteria = frozenset(c.id for c in all_criteria())
    by_rule = {r.id: r.criterion_id.split(".", 1)[0] for r in CORE_RULES}
    engine_ids = {gk for gk, _ in (*rulemap.BANDIT.values(), *rulemap.SEMGREP.values())}
    engine_ids |= {rulemap.UNMAPPED_BANDIT, rulemap.UNMAPPED_SEMGREP}
    return criteria, by_rule, frozenset(engine_ids)


def _phase_of_id(ident: str) -> tuple[str | None, bool]:
    """Which phase reports a rule or criterion id (None: gatekeeper has no such id), and
    whether the id is one of the engines' (bandit, semgrep)."""
    criteria, by_rule, engine_ids = _id_tables()
    if "." in ident:
        return (ident.split(".", 1)[0] if ident in criteria else None), False
    if ident in by_rule:
        return by_rule[ident], False
    return ("security", True) if ident in engine_ids else (None, False)


_SUPPRESSED_HERE = frozenset({"inline", "nosec", "nosemgrep", "spec"})


def _suppressions_added(ctx: Context) -> list[Finding]:
    """Findings the change itself suppressed: in diff mode, a suppressed finding whose line,
    or the line above it (where a suppression comment may stand), changed; with a previous
    report, a finding it had open that is now suppressed in the code (a baseline entry is the
    base branch's decision, so it does not count)."""
    out = []
    for f in sorted(ctx.reported.values(), key=Finding.sort_key):
        if f.suppression is None or f.suppression.kind.value not in _SUPPRESSED_HERE:
            continue
        loc = f.location
        by_diff = (
            ctx.changes is not None
            and loc.line is not None
            and any(ctx.changes.covers(loc.path, line) for line in (loc.line, loc.line - 1))
        )
        by_prior = ctx.prior is not None and f.fingerprint in ctx.prior.open_findings
        if by_diff or by_prior:
            out.append(
                make_finding(
                    SUPPRESSION_ADDED,
                    loc,
                    f"this change suppresses {f.rule_id} ({f.suppression.kind.value}: "
                    f"{f.suppression.reason}); a reviewer must accept it",
                    phase=PHASE_ID,
                )
            )
    return out


@criterion("validation.suppressions_accounted", seed=False)
def suppressions_are_accounted_for(ctx: Context) -> Outcome:
    """Every suppression has a reason, a live date and a finding to suppress.

    Why: a suppression is a decision that a finding is safe; one with no reason cannot be
    reviewed, one past its `until` date was meant to be temporary, and one that suppresses
    nothing (the code was fixed or moved, or the id is not gatekeeper's) would silently hide
    the next finding on its line. Unused suppressions are judged only where the audit was
    complete for the id's phase: the phase ran, the engines ran, nothing was selected,
    ignored or narrowed to a diff.
    Fix: give each `gatekeeper: ignore[ID] reason` comment its reason, fix what an expired one
    hid, and delete stale ones.
    """
    from gatekeeper.extract.suppressions import SuppressionComments

    found: list[tuple[str, SuppressionComments]] = []
    for path, facts in sorted(ctx.file_facts.items()):
        fact = facts.get("suppressions")
        if isinstance(fact, SuppressionComments):
            found.append((path, fact))
    added = _suppressions_added(ctx)
    total = sum(len(f.comments) for _, f in found)
    if not total and not added:
        return Outcome(
            Status.NOT_APPLICABLE,
            f"no `gatekeeper: ignore[...]` comment in the {len(ctx.file_facts)} source "
            "file(s) read",
        )
    used: set[tuple[str, int, str]] = set()
    for f in ctx.reported.values():
        if f.suppression is not None and f.suppression.kind.value == "inline" and f.location.line:
            for ident in (f.rule_id, f.criterion_id):
                used.add((f.location.path, f.location.line, ident))
    enabled = set(ctx.config.phases)
    judged_unused = not ctx.narrowed
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for path, fact in found:
        for c in fact.comments:
            where = Location(path, c.line)
            ids = ", ".join(c.ids)
            if not c.reason:
                findings.append(
                    make_finding(
                        SUPPRESSION_UNEXPLAINED,
                        where,
                        f"ignore[{ids}] has no reason and is not honoured",
                        phase=PHASE_ID,
                    )
                )
                continue
            if c.until is not None and c.until < policy.today():
                findings.append(
                    make_finding(
                        SUPPRESSION_EXPIRED,
                        where,
                        f"ignore[{ids}] expired on {c.until}; the finding is open again",
                        phase=PHASE_ID,
                    )
                )
                continue
            covered = (c.line, c.line + 1) if c.standalone else (c.line,)
            for ident in c.ids:
                phase, engine_id = _phase_of_id(ident)
                if not judged_unused or (
                    phase is not None
                    and (phase not in enabled or (engine_id and not ctx.engines_enabled))
                ):
                    continue  # not judged: that id's findings are not all known
                if not any((path, line, ident) in used for line in covered):
                    why = (
                        "not a gatekeeper rule or criterion id"
                        if phase is None
                        else ("no such finding on its line")
                    )
                    findings.append(
                        make_finding(
                            SUPPRESSION_UNUSED,
                            where,
                            f"ignore[{ident}] suppresses nothing: {why}",
                            phase=PHASE_ID,
                        )
                    )
            if len(evidence) < EVIDENCE_PER_KIND * 3:
                until = f" until {c.until}" if c.until else ""
                evidence.append(Evidence(path, c.line, f"ignore[{ids}]{until}: {c.reason}"))
    findings += added
    return outcome_from_findings(
        ctx,
        findings,
        pass_message=f"{total} suppression(s), each with a reason"
        + ("" if judged_unused else "; unused ones are judged on full audits only"),
        evidence=evidence,
    )


COVERAGE_TOLERANCE = 0.05  # percentage points: rounding in the reports, not a drop


@criterion("validation.no_regression", seed=False)
def no_gate_is_worse_than_before(ctx: Context) -> Outcome:
    """No gate is worse than in the previous report.

    Why: on a repository with a history of findings, a ratchet keeps it from getting worse
    while the old findings are paid down: against the previous report (`--baseline-report`,
    the base branch's `--format json` output), no gate may gain open findings at or above the
    threshold, and line coverage may not drop. Diff mode counts only the change's findings,
    so it is not compared there.
    Fix: fix or justify the new findings; add tests for new code.
    """
    from gatekeeper import scope

    prior = ctx.prior
    if prior is None:
        return Outcome(Status.NOT_APPLICABLE, "no previous report given (--baseline-report)")
    if ctx.diff_mode:
        return Outcome(
            Status.NOT_APPLICABLE,
            "diff mode counts only the change's findings; the ratchet compares full audits",
        )
    threshold = ctx.config.severity_threshold
    now: dict[str, int] = {}
    for f in ctx.reported.values():
        if f.state.value == "open" and f.severity.rank >= threshold.rank:
            now[f.phase] = now.get(f.phase, 0) + 1
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for phase_id in ("requirements", *GATED_PHASES):
        if phase_id not in ctx.config.phases:
            continue
        before, after = prior.open_at_or_above(phase_id, threshold), now.get(phase_id, 0)
        evidence.append(
            Evidence(prior.source, None, f"{phase_id}: {before} -> {after} open finding(s)")
        )
        if after > before:
            findings.append(
                make_finding(
                    GATE_REGRESSED,
                    Location("."),
                    f"gate {phase_id}: open findings at or above {threshold} rose from "
                    f"{before} to {after} against {prior.source}",
                    phase=PHASE_ID,
                )
            )
    earlier = ctx.earlier.get("testing")
    measured = None
    if earlier is not None:
        measured = next(
            (
                scope.line_coverage(c.message)
                for c in earlier[1]
                if c.id == scope.COVERAGE_CRITERION and c.status in (Status.PASS, Status.FAIL)
            ),
            None,
        )
    if prior.line_coverage is not None and measured is not None:
        evidence.append(
            Evidence(prior.source, None, f"line coverage {prior.line_coverage}% -> {measured}%")
        )
        if measured < prior.line_coverage - COVERAGE_TOLERANCE:
            findings.append(
                make_finding(
                    COVERAGE_DROPPED,
                    Location("."),
                    f"line coverage dropped from {prior.line_coverage}% to {measured}% "
                    f"against {prior.source}",
                    phase=PHASE_ID,
                )
            )
    return outcome_from_findings(
        ctx,
        findings,
        pass_message=f"no gate has more open findings than in {prior.source}",
        evidence=evidence,
    )


PHASE = Phase(
    7,
    PHASE_ID,
    "Final Validation",
    (
        all_previous_gates_pass,
        security_scan_finds_nothing_open,
        benchmarks_are_present,
        documentation_is_complete,
        suppressions_are_accounted_for,
        no_gate_is_worse_than_before,
    ),
    consumes=(Fact.STACK, Fact.GATES),
)
