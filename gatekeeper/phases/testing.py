"""Phase 5, Testing & Quality: coverage, integration and end-to-end tests, CI."""

from __future__ import annotations

from collections.abc import Sequence

from gatekeeper import testfacts
from gatekeeper.engines.coverage_reports import (
    CoverageReport,
    ReportFormat,
    ReportStatus,
    read_coverage,
)
from gatekeeper.model import Confidence, Evidence, Finding, Location, Severity, Status
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
from gatekeeper.repo import display_path, language_for
from gatekeeper.stack import is_test_path
from gatekeeper.testfacts import TestFacts, TestKind, Threshold

PHASE_ID = "testing"
_MAX_EVIDENCE = 20
_MAX_UNMAPPED_SHOWN = 5

NO_TESTS = Rule(
    "GK501",
    "no-test-files",
    "testing.unit_tests_coverage",
    Severity.HIGH,
    Confidence.HIGH,
    "The repository has no test files.",
    "Add unit tests beside the code (tests/test_*.py, *.test.ts, *_test.go, src/test/java).",
)
COVERAGE_BELOW_TARGET = Rule(
    "GK502",
    "coverage-below-target",
    "testing.unit_tests_coverage",
    Severity.MEDIUM,
    Confidence.HIGH,
    "The measured line coverage is below test_coverage_target.",
    "Add tests for the files the report shows uncovered, or raise the coverage they reach.",
)
COVERAGE_NOT_MEASURED = Rule(
    "GK503",
    "coverage-not-measured",
    "testing.unit_tests_coverage",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No coverage report and no enforced coverage minimum: nothing shows how much the tests cover.",
    "Have CI write a coverage report before the audit (pytest --cov --cov-report=xml, jest "
    "--coverage, go test -coverprofile=cover.out ./..., mvn jacoco:report), or enforce a minimum.",
)
COVERAGE_REPORT_UNREADABLE = Rule(
    "GK504",
    "coverage-report-unreadable",
    "testing.unit_tests_coverage",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A coverage report could not be read or measured nothing; coverage is unknown.",
    "Regenerate the report named in the message, or remove the stale file.",
)
COVERAGE_PATHS_UNMAPPED = Rule(
    "GK505",
    "coverage-paths-unmapped",
    "testing.unit_tests_coverage",
    Severity.LOW,
    Confidence.MEDIUM,
    "A coverage report names files that are not in the repository; they were not counted.",
    "Generate the report from the repository root (relative_files = true for coverage.py), "
    "or check that it belongs to this commit.",
)
THRESHOLD_BELOW_TARGET = Rule(
    "GK506",
    "coverage-minimum-below-target",
    "testing.unit_tests_coverage",
    Severity.MEDIUM,
    Confidence.HIGH,
    "The coverage minimum the build enforces is below test_coverage_target.",
    "Raise the minimum (fail_under, --cov-fail-under, coverageThreshold, JaCoCo <minimum>) to "
    "the target.",
)
NO_INTEGRATION_TESTS = Rule(
    "GK511",
    "no-integration-tests",
    "testing.integration_tests",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No test drives the application through its HTTP layer or a real dependency.",
    "Add tests through the framework's test client (FastAPI TestClient, Flask test_client, "
    "supertest, httptest, MockMvc) or against a test database (testcontainers).",
)
NO_E2E_TESTS = Rule(
    "GK521",
    "no-e2e-tests",
    "testing.e2e_tests",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No end-to-end tests or tooling were found.",
    "Cover the critical paths end to end: schemathesis or a Postman/newman collection against "
    "the running API, Playwright or Cypress through a client, k6 for load.",
)
NO_PIPELINE = Rule(
    "GK531",
    "no-ci-pipeline",
    "testing.ci_pipeline",
    Severity.MEDIUM,
    Confidence.HIGH,
    "No CI pipeline configuration was found.",
    "Add a pipeline that runs the tests on every push and pull request "
    "(.github/workflows/test.yml, .gitlab-ci.yml, Jenkinsfile ...).",
)
PIPELINE_RUNS_NO_TESTS = Rule(
    "GK532",
    "ci-runs-no-tests",
    "testing.ci_pipeline",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "CI pipelines exist but no step runs the tests.",
    "Add a step that runs the test suite (pytest, npm test, go test ./..., mvn verify).",
)
UNTRUSTED_CHECKOUT = Rule(
    "GK533",
    "ci-untrusted-checkout",
    "testing.ci_pipeline",
    Severity.HIGH,
    Confidence.HIGH,
    "A pull_request_target or workflow_run workflow checks out the pull request's code and runs "
    "it with the base repository's secrets and write token.",
    "Use the `pull_request` trigger to run untrusted code, or split the workflow: test on "
    "`pull_request`, then act on the results with `workflow_run` without checking the code out.",
    cwe=("CWE-829",),
)
WRITE_ALL_PERMISSIONS = Rule(
    "GK534",
    "ci-excessive-permissions",
    "testing.ci_pipeline",
    Severity.HIGH,
    Confidence.HIGH,
    "A workflow grants its token write access to everything, or leaves a pull_request_target "
    "workflow on the default permissions.",
    "Declare a top-level `permissions:` block with the least each job needs "
    "(`contents: read`), and widen it per job only where required.",
    cwe=("CWE-250",),
)
PIPELINE_UNREADABLE = Rule(
    "GK535",
    "ci-config-unreadable",
    "testing.ci_pipeline",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A CI configuration file could not be read; what it runs is unknown.",
    "Fix the file named in the message (gatekeeper refuses YAML with alias bombs, deep nesting "
    "or duplicate keys).",
)
SCRIPT_INJECTION = Rule(
    "GK536",
    "ci-script-injection",
    "testing.ci_pipeline",
    Severity.HIGH,
    Confidence.MEDIUM,
    "A workflow expands attacker-controlled event text (a title, body or branch name) into a "
    "shell script.",
    "Pass the value through an environment variable (`env: TITLE: ${{ ... }}`) and quote it "
    '("$TITLE") in the script.',
    cwe=("CWE-78",),
)

COVERAGE_PARTIAL = Rule(
    "GK507",
    "coverage-report-partial",
    "testing.unit_tests_coverage",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The coverage report measures fewer than half of the source files in its languages.",
    "Produce the report over the whole code base (e.g. `pytest --cov=<package>`).",
)


# Files coverage configurations leave out by convention: migrations (generated, run by the
# migration tool) and project scripts. Counting them would call a complete report partial.
_UNMEASURED_DIRS = frozenset({"migrations", "alembic"})
_UNMEASURED_FILES = frozenset({"manage.py", "setup.py", "conftest.py", "noxfile.py"})


def _not_measured_by_convention(path: str) -> bool:
    *dirs, name = path.split("/")
    return name in _UNMEASURED_FILES or bool(_UNMEASURED_DIRS & set(dirs))


def _measured_share(ctx: Context, rated: Sequence[CoverageReport]) -> tuple[int, int] | None:
    """(measured, all) non-test source files in the languages the reports measured."""
    measured = {f.path for r in rated for f in r.measured_files if f.path is not None}
    languages = {language_for(p.rpartition("/")[2]) for p in measured} - {None}
    sources = {
        e.path
        for e in ctx.index.files
        if e.language in languages
        and not is_test_path(e.path)
        and not e.path.endswith("__init__.py")
        and not _not_measured_by_convention(e.path)
    }
    if not sources:
        return None
    return len(measured & sources), len(sources)


RULES: tuple[Rule, ...] = (
    NO_TESTS,
    COVERAGE_BELOW_TARGET,
    COVERAGE_PARTIAL,
    COVERAGE_NOT_MEASURED,
    COVERAGE_REPORT_UNREADABLE,
    COVERAGE_PATHS_UNMAPPED,
    THRESHOLD_BELOW_TARGET,
    NO_INTEGRATION_TESTS,
    NO_E2E_TESTS,
    NO_PIPELINE,
    PIPELINE_RUNS_NO_TESTS,
    UNTRUSTED_CHECKOUT,
    WRITE_ALL_PERMISSIONS,
    PIPELINE_UNREADABLE,
    SCRIPT_INJECTION,
)
_PROBLEM_RULES = {
    "untrusted-checkout": UNTRUSTED_CHECKOUT,
    "write-all": WRITE_ALL_PERMISSIONS,
    "default-permissions": WRITE_ALL_PERMISSIONS,
    "script-injection": SCRIPT_INJECTION,
    "unreadable": PIPELINE_UNREADABLE,
}
_REPORT_COMMANDS = {
    "python": "pytest --cov --cov-report=xml",
    "javascript": "jest --coverage (or vitest run --coverage)",
    "typescript": "jest --coverage (or vitest run --coverage)",
    "go": "go test -coverprofile=cover.out ./...",
    "java": "mvn test jacoco:report",
    "kotlin": "gradle test jacocoTestReport",
}
_INTEGRATION_HINTS = {
    "python": "FastAPI/Starlette TestClient, Flask test_client, Django Client",
    "javascript": "supertest against the Express/Koa app, Fastify inject",
    "typescript": "supertest, or @nestjs/testing with supertest",
    "go": "net/http/httptest against the router",
    "java": "MockMvc with @WebMvcTest, or @SpringBootTest with testcontainers",
    "kotlin": "MockMvc with @WebMvcTest, or @SpringBootTest with testcontainers",
}


def facts_of(ctx: Context) -> TestFacts:
    """The test facts of the audited repository, read once per audit."""
    return ctx.cached("testfacts", lambda: testfacts.collect(ctx.index))


def coverage_of(ctx: Context) -> tuple[CoverageReport, ...]:
    return ctx.cached(
        "coverage_reports", lambda: read_coverage(ctx.index, extra=ctx.coverage_paths)
    )


def _languages(ctx: Context, facts: TestFacts) -> list[str]:
    """The stack's languages: the services' when detected, else those of the test files."""
    found = {lang for s in ctx.services for lang in s.names("language")}
    if not found:
        found = {
            entry.language
            for path in facts.test_files
            if (entry := ctx.index.get(path)) is not None and entry.language
        }
    return sorted(lang for lang in found if lang in _REPORT_COMMANDS)


def _where(ctx: Context) -> Location:
    """Where a finding about something missing points: the first manifest, else the root."""
    for service in ctx.services:
        if service.manifests:
            return Location(service.manifests[0])
    return Location(".")


def _percent(value: float) -> str:
    return f"{value:.1f}%".replace(".0%", "%")


# ---------------------------------------------------------------------------- coverage


def combined_line_rate(reports: Sequence[CoverageReport]) -> tuple[float, int] | None:
    """(line rate, files counted) over every report with a line rate, each file counted once.

    One report: its own line rate. Several (coverage.xml beside coverage.json, a Python and a
    Go service): every repository file counts once, with the best measurement any report has of
    it, and the total is covered lines over measurable lines. The best measurement of a file is
    a lower bound of what the runs cover together, so the combined rate never overstates them.
    """
    rated = [r for r in reports if r.status is ReportStatus.OK and r.line_rate is not None]
    if not rated:
        return None
    only = rated[0].line_rate if len(rated) == 1 else None
    if only is not None:
        counted = {f.path for f in rated[0].measured_files if f.path is not None}
        return only, len(counted)
    best: dict[str, tuple[int, int]] = {}  # path -> (valid, covered)
    for report in rated:
        for measured in report.measured_files:
            if measured.path is None or not measured.lines_valid:
                continue
            candidate = (measured.lines_valid, measured.lines_covered)
            previous = best.get(measured.path)
            if previous is None or _better(candidate, previous):
                best[measured.path] = candidate
    valid = sum(v for v, _ in best.values())
    covered = sum(c for _, c in best.values())
    return (covered / valid if valid else 0.0), len(best)


def _better(candidate: tuple[int, int], previous: tuple[int, int]) -> bool:
    # Cross-multiplied to compare covered/valid without float rounding; ties keep more lines.
    left, right = candidate[1] * previous[0], previous[1] * candidate[0]
    return left > right or (left == right and candidate[0] > previous[0])


def effective_thresholds(thresholds: Sequence[Threshold]) -> list[Threshold]:
    """The binding minimum per tool family: the highest one found.

    A build fails below any minimum it enforces, and a command-line flag such as
    --cov-fail-under overrides the config file's fail_under, so the highest is the one that
    holds whenever they both run.
    """
    best: dict[str, Threshold] = {}
    for threshold in thresholds:
        current = best.get(threshold.family)
        if current is None or threshold.percent > current.percent:
            best[threshold.family] = threshold
    return [best[family] for family in sorted(best)]


def _threshold_evidence(threshold: Threshold) -> Evidence:
    return Evidence(
        threshold.path,
        threshold.line,
        f"enforced coverage minimum {_percent(threshold.percent)} ({threshold.source})",
    )


def _test_step_evidence(facts: TestFacts) -> list[Evidence]:
    return [
        Evidence(step.path, step.line, f"CI runs the tests: {step.command}")
        for pipeline in facts.pipelines
        for step in pipeline.test_steps[:1]
    ]


@criterion("testing.unit_tests_coverage")
def unit_tests_reach_coverage_target(ctx: Context) -> Outcome:
    """Unit tests present (70%+ coverage).

    Why: untested code is where regressions land; the coverage target (test_coverage_target,
    70 by default) is the seed's floor. gatekeeper never runs the tests: it reads the coverage
    report CI left in the checkout (Cobertura/coverage.xml, coverage.json, LCOV, JaCoCo, Clover,
    Go cover profiles), and without one accepts a coverage minimum the build enforces
    (fail_under, --cov-fail-under, jest coverageThreshold, JaCoCo <minimum>). Several reports
    are combined file by file, each file counted once with its best measurement. A report that
    cannot be read, or that measured nothing, makes the result `error` unless the readable
    ones already fail.
    Fix: add tests, have CI write a coverage report before the audit (pytest --cov
    --cov-report=xml, jest --coverage, go test -coverprofile=cover.out ./..., mvn
    jacoco:report), and enforce the target in the build.
    """
    facts = facts_of(ctx)
    target = ctx.config.test_coverage_target
    if not facts.test_files:
        finding = make_finding(
            NO_TESTS,
            _where(ctx),
            "no test files found (tests/, test_*.py, *_test.go, *.test.ts, *Test.java ...)",
            phase=PHASE_ID,
        )
        return Outcome(Status.FAIL, "no test files found", (), tuple(ctx.finalize([finding])))
    e2e_files = {u.path for u in facts.of_kind(TestKind.E2E)}
    units = [u for u in facts.of_kind(TestKind.UNIT) if u.path not in e2e_files]
    tests = [
        Evidence(u.path, u.line, f"unit tests ({u.tool})")
        for u in (units or facts.of_kind(TestKind.UNIT))[:3]
    ] or [Evidence(facts.test_files[0], None, "test file")]
    reports = coverage_of(ctx)
    findings: list[Finding] = []
    unreadable = [r for r in reports if r.status is not ReportStatus.OK]
    for report in unreadable:
        findings.append(
            make_finding(
                COVERAGE_REPORT_UNREADABLE, Location(report.path), report.message, phase=PHASE_ID
            )
        )
    for report in reports:
        if report.status is ReportStatus.OK and report.unmapped:
            listed = ", ".join(report.unmapped[:_MAX_UNMAPPED_SHOWN])
            more = len(report.unmapped) - _MAX_UNMAPPED_SHOWN
            findings.append(
                make_finding(
                    COVERAGE_PATHS_UNMAPPED,
                    Location(report.path),
                    f"{display_path(report.path)}: {len(report.unmapped)} reported path(s) "
                    f"match no file in the repository and were not counted: {listed}"
                    + (f" and {more} more" if more > 0 else ""),
                    phase=PHASE_ID,
                )
            )
    thresholds = effective_thresholds(facts.thresholds)
    combined = combined_line_rate(reports)
    unreadable_note = "; ".join(r.message for r in unreadable)
    if combined is not None:
        rate, files = combined
        rated = [r for r in reports if r.status is ReportStatus.OK and r.line_rate is not None]
        names = ", ".join(display_path(r.path) for r in rated)
        evidence = tests + [
            Evidence(
                r.path,
                None,
                f"line coverage {_percent((r.line_rate or 0) * 100)} ({r.format} report)",
            )
            for r in rated
        ]
        evidence += [_threshold_evidence(t) for t in thresholds]
        measured = round(rate * 100, 2)
        share = _measured_share(ctx, rated)
        if share is not None and share[0] * 2 < share[1]:
            findings.append(
                make_finding(
                    COVERAGE_PARTIAL,
                    Location(rated[0].path),
                    f"{names} measures {share[0]} of the {share[1]} source files in its "
                    "languages; a report on part of the code says nothing about the rest",
                    phase=PHASE_ID,
                )
            )
            return Outcome(
                Status.FAIL,
                f"coverage {_percent(measured)} measured over only {share[0]} of {share[1]} "
                f"source files ({names})",
                tuple(evidence),
                tuple(ctx.finalize(findings)),
            )
        if measured < target:
            findings.append(
                make_finding(
                    COVERAGE_BELOW_TARGET,
                    Location(rated[0].path),
                    f"line coverage {_percent(measured)} over {files} file(s) ({names}) is "
                    f"below the target {target}%",
                    phase=PHASE_ID,
                )
            )
            message = f"coverage {_percent(measured)} < target {target}% ({names})"
            if unreadable:
                message += f"; also unreadable: {unreadable_note}"
            return Outcome(Status.FAIL, message, tuple(evidence), tuple(ctx.finalize(findings)))
        if unreadable:
            return Outcome(
                Status.ERROR,
                f"coverage {_percent(measured)} in {names}, but another report could not be "
                f"used, so the total is unknown: {unreadable_note}",
                tuple(evidence),
                tuple(ctx.finalize(findings)),
            )
        return outcome_from_findings(
            ctx,
            findings,
            pass_message=f"line coverage {_percent(measured)} >= target {target}% over {files} "
            f"file(s) ({names})",
            evidence=evidence,
        )
    # No line rate: no report at all, only coverage.py data files, or nothing mapped.
    unrated = [r for r in reports if r.status is ReportStatus.OK]
    notes = [
        f"{display_path(r.path)} has no line rate"
        + (
            " (coverage.py's data file records executed lines only, and its measured files "
            "could not be parsed for statements)"
            if r.format is ReportFormat.COVERAGE_DATA
            else " (none of its files are in the repository)"
        )
        for r in unrated
    ]
    if unreadable:
        return Outcome(
            Status.ERROR,
            f"coverage cannot be judged: {unreadable_note}",
            tuple(tests),
            tuple(ctx.finalize(findings)),
        )
    note = ("; ".join(notes) + "; ") if notes else ""
    if thresholds:
        evidence = tests + [_threshold_evidence(t) for t in thresholds] + _test_step_evidence(facts)
        low = [t for t in thresholds if t.percent < target]
        for threshold in low:
            findings.append(
                make_finding(
                    THRESHOLD_BELOW_TARGET,
                    Location(threshold.path, threshold.line),
                    f"the build enforces {_percent(threshold.percent)} coverage "
                    f"({threshold.source}), below the target {target}%",
                    phase=PHASE_ID,
                )
            )
        if low:
            where = ", ".join(f"{display_path(t.path)}:{t.line}" for t in low)
            return Outcome(
                Status.FAIL,
                f"{note}no coverage report; enforced minimum below target {target}% ({where})",
                tuple(evidence),
                tuple(ctx.finalize(findings)),
            )
        where = ", ".join(
            f"{_percent(t.percent)} at {display_path(t.path)}:{t.line}" for t in thresholds
        )
        return outcome_from_findings(
            ctx,
            findings,
            pass_message=f"{note}no coverage report; coverage enforced: {where} (target {target}%)",
            evidence=evidence,
        )
    commands = sorted({_REPORT_COMMANDS[lang] for lang in _languages(ctx, facts)}) or [
        _REPORT_COMMANDS["python"]
    ]
    findings.append(
        make_finding(
            COVERAGE_NOT_MEASURED,
            _where(ctx),
            f"{note}no coverage report and no enforced coverage minimum; have CI run "
            f"`{'`, `'.join(commands)}` before the audit, and enforce {target}%",
            phase=PHASE_ID,
        )
    )
    return Outcome(
        Status.FAIL,
        f"{note}coverage unknown: no coverage report, no enforced minimum",
        tuple(tests),
        tuple(ctx.finalize(findings)),
    )


# ---------------------------------------------------------------------------- integration, e2e


def _usage_evidence(facts: TestFacts, kind: TestKind) -> list[Evidence]:
    return [
        Evidence(u.path, u.line, f"{u.kind} test tooling: {u.tool}")
        for u in facts.of_kind(kind)[:_MAX_EVIDENCE]
    ]


def _skipped_note(facts: TestFacts) -> str:
    tests = set(facts.test_files)
    skipped = [s for s in facts.skipped if s.path in tests]
    if not skipped:
        return ""
    return f"; {len(skipped)} test file(s) not read: " + ", ".join(
        f"{display_path(s.path)} ({s.reason})" for s in skipped[:3]
    )


@criterion("testing.integration_tests")
def integration_tests_drive_the_application(ctx: Context) -> Outcome:
    """Integration tests implemented.

    Why: unit tests with mocks do not show that routes, middleware, serialization and the
    database work together; integration tests call the application through its HTTP layer or
    against a real dependency. gatekeeper looks for the framework's test client (FastAPI/Starlette
    TestClient, httpx AsyncClient(app=...), Flask test_client, Django Client, supertest, Fastify
    inject, Go httptest, Spring MockMvc/@SpringBootTest/@WebMvcTest), testcontainers and test
    database fixtures, and lists the routes the tests call where the path is written out.
    Fix: add tests through the framework's test client, or against a test database.
    """
    facts = facts_of(ctx)
    usages = facts.of_kind(TestKind.INTEGRATION)
    if usages:
        evidence = _usage_evidence(facts, TestKind.INTEGRATION)
        evidence += [
            Evidence(r.path, r.line, f"calls {r.method} {r.route}")
            for r in facts.routes[: _MAX_EVIDENCE * 2]
        ]
        kinds = sorted({u.tool for u in usages})
        files = len({u.path for u in usages})
        routes = len({(r.method, r.route) for r in facts.routes})
        return Outcome(
            Status.PASS,
            f"{files} integration test file(s) ({', '.join(kinds)}); {routes} route(s) called",
            tuple(evidence),
        )
    hints = sorted({_INTEGRATION_HINTS[lang] for lang in _languages(ctx, facts)}) or [
        _INTEGRATION_HINTS["python"]
    ]
    looked = f"{len(facts.test_files)} test file(s) read" if facts.test_files else "no test files"
    finding = make_finding(
        NO_INTEGRATION_TESTS,
        Location(facts.test_files[0]) if facts.test_files else _where(ctx),
        f"no integration test found ({looked}); add tests through {'; '.join(hints)}",
        phase=PHASE_ID,
    )
    return Outcome(
        Status.FAIL,
        f"no integration test found ({looked}{_skipped_note(facts)})",
        (),
        tuple(ctx.finalize([finding])),
    )


@criterion("testing.e2e_tests")
def e2e_tests_cover_critical_paths(ctx: Context) -> Outcome:
    """E2E tests for critical paths.

    Why: only a test against the running service shows that a user's critical path (sign up,
    pay, fetch an order) works end to end. gatekeeper accepts end-to-end tests and tooling:
    Playwright, Cypress, Selenium, Puppeteer, schemathesis, k6, Postman collections
    (*.postman_collection.json) and newman, as tests, configuration, dependencies or CI steps;
    and tests the project files as end-to-end by name (an Nx `<app>-e2e` project, an `e2e/`
    directory, NestJS `*.e2e-spec.ts`).
    Fix: add end-to-end tests for the critical paths (schemathesis against the OpenAPI spec,
    a Postman collection run by newman, Playwright or Cypress through a client) and run them
    in CI.
    """
    facts = facts_of(ctx)
    usages = facts.of_kind(TestKind.E2E)
    if usages:
        tools = sorted({u.tool for u in usages})
        return Outcome(
            Status.PASS,
            f"end-to-end testing found: {', '.join(tools[:6])}"
            + (f" and {len(tools) - 6} more" if len(tools) > 6 else ""),
            tuple(_usage_evidence(facts, TestKind.E2E)),
        )
    finding = make_finding(
        NO_E2E_TESTS,
        _where(ctx),
        "no end-to-end tests or tooling found (Playwright, Cypress, Selenium, schemathesis, k6, "
        "Postman/newman); add tests for the critical paths against the running service",
        phase=PHASE_ID,
    )
    return Outcome(
        Status.FAIL,
        f"no end-to-end tests found{_skipped_note(facts)}",
        (),
        tuple(ctx.finalize([finding])),
    )


# ---------------------------------------------------------------------------- CI


@criterion("testing.ci_pipeline")
def ci_pipeline_runs_the_tests(ctx: Context) -> Outcome:
    """CI/CD pipeline configured.

    Why: tests that no pipeline runs protect nothing. gatekeeper reads GitHub Actions
    workflows, .gitlab-ci.yml, Jenkinsfile, .circleci/config.yml, azure-pipelines.yml and
    bitbucket-pipelines.yml as data, and looks for a step that runs the tests, also one level
    into a shell script the step calls (found from the step's working directory: its own, the
    job's or workflow's defaults, or a `cd` before it). A workflow that
    runs a pull request's code with the base repository's secrets (pull_request_target or
    workflow_run plus a checkout of the pull request head), grants `write-all`, or expands
    event text into a script is a finding that fails this gate.
    Fix: add a pipeline step that runs the test suite on every push and pull request, with
    least-privilege `permissions:`, and run untrusted code only on the `pull_request` trigger.
    """
    facts = facts_of(ctx)
    findings = [
        make_finding(
            _PROBLEM_RULES[problem.kind],
            Location(problem.path, problem.line),
            problem.message
            if problem.kind == "unreadable"
            else f"{display_path(problem.path)}: {problem.message}",
            phase=PHASE_ID,
        )
        for problem in facts.ci_problems
    ]
    unreadable = [p for p in facts.ci_problems if p.kind == "unreadable"]
    if not facts.pipelines and not unreadable:
        findings.append(
            make_finding(
                NO_PIPELINE,
                Location("."),
                "no CI configuration found (.github/workflows/*.yml, .gitlab-ci.yml, "
                "Jenkinsfile, .circleci/config.yml, azure-pipelines.yml, "
                "bitbucket-pipelines.yml)",
                phase=PHASE_ID,
            )
        )
        return Outcome(Status.FAIL, "no CI pipeline found", (), tuple(ctx.finalize(findings)))
    steps = _test_step_evidence(facts)
    if not steps:
        names = ", ".join(display_path(p.path) for p in facts.pipelines) or "none readable"
        if facts.pipelines:
            findings.append(
                make_finding(
                    PIPELINE_RUNS_NO_TESTS,
                    Location(facts.pipelines[0].path),
                    f"CI pipeline(s) {names} found, but no step runs the tests (looked for "
                    "pytest, tox, nox, npm/yarn/pnpm test, jest, vitest, go test, mvn "
                    "test/verify, gradle test/check, make test)",
                    phase=PHASE_ID,
                )
            )
        status = Status.FAIL if facts.pipelines else Status.ERROR
        message = f"no CI step runs the tests ({names})"
        if unreadable:
            message += "; unreadable: " + "; ".join(p.message for p in unreadable)
        return Outcome(status, message, (), tuple(ctx.finalize(findings)))
    names = ", ".join(sorted({display_path(e.path) for e in steps}))
    outcome = outcome_from_findings(
        ctx, findings, pass_message=f"CI runs the tests ({names})", evidence=steps
    )
    if outcome.status is Status.PASS and unreadable:
        # What an unreadable pipeline runs is unknown: it may be the dangerous one.
        return Outcome(
            Status.ERROR,
            "CI runs the tests, but a pipeline could not be read: "
            + "; ".join(p.message for p in unreadable),
            outcome.evidence,
            outcome.findings,
        )
    return outcome


PHASE = Phase(
    5,
    PHASE_ID,
    "Testing & Quality",
    (
        unit_tests_reach_coverage_target,
        integration_tests_drive_the_application,
        e2e_tests_cover_critical_paths,
        ci_pipeline_runs_the_tests,
    ),
    produces=(Fact.COVERAGE,),
    consumes=(Fact.STACK,),
)
