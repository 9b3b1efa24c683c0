"""Criteria and phases: small pure functions over facts, each with a stable id and its own docs.

A criterion's docstring is its documentation: first line the title, then `Why:` and `Fix:`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from gatekeeper import docsections
from gatekeeper.config import Config, LoadedConfig
from gatekeeper.engines.openapi import SpecCandidate, SpecResult
from gatekeeper.engines.semgrep import NOT_RUN, EngineFacts
from gatekeeper.model import (
    Confidence,
    CriterionResult,
    EngineRun,
    Evidence,
    Finding,
    Location,
    Service,
    Severity,
    Status,
    Unanalyzed,
)
from gatekeeper.repo import LinkEntry, RepoIndex
from gatekeeper.scope import ChangeSet, PriorReport


class Fact:
    """Names of the facts phases exchange; a phase is blocked only by a missing or errored one."""

    STACK = "stack"  # services, languages, frameworks (phase 0 produces it)
    ROUTES = "routes"  # the route inventory (phase 1 produces it)
    SPECS = "specs"
    MIGRATIONS = "migrations"
    COVERAGE = "coverage"
    GATES = "gates"  # results of phases 1-6 (phase 7 consumes them)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    message: str = ""
    evidence: tuple[Evidence, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(slots=True)
class Context:
    """Everything a criterion may read. Built once per audit by the runner."""

    index: RepoIndex
    loaded: LoadedConfig
    target_config: Config | None  # the target's own config when a trusted --config was given
    services: tuple[Service, ...]
    stack_problems: tuple[Unanalyzed, ...]
    file_facts: Mapping[str, Mapping[str, object]]
    unanalyzed: tuple[Unanalyzed, ...]
    fact_errors: Mapping[str, str]  # fact name -> why it is missing or errored
    earlier: dict[str, tuple[Status, tuple[CriterionResult, ...]]] = field(default_factory=dict)
    engine_findings: tuple[Finding, ...] = ()
    engine_runs: tuple[EngineRun, ...] = ()
    engines_enabled: bool = True
    coverage_paths: tuple[str, ...] = ()  # --coverage PATH, repo-relative
    target_config_error: str | None = None  # the target's own config is invalid (trusted mode)
    # OpenAPI/Swagger documents found and how their validation ended (None: not validated)
    specs: tuple[tuple[SpecCandidate, SpecResult], ...] | None = None
    # Inventory facts of the semgrep run (routes of JS/TS, Go, Java); `error` says why unknown
    engine_facts: EngineFacts = NOT_RUN
    # snippets, fingerprints, inline suppressions and --select/--ignore, applied by the runner
    finalize: Callable[[Sequence[Finding]], list[Finding]] = list
    # --baseline-report in diff mode: repository-level findings `finalize` left out because the
    # previous report had them (filled during each criterion's evaluation)
    prior_dropped: list[Finding] = field(default_factory=list)
    # every finding of the criteria evaluated so far, by fingerprint (the runner fills it)
    reported: Mapping[str, Finding] = field(default_factory=dict)
    # --select/--ignore or diff mode narrowed what is reported: absence is not evidence
    narrowed: bool = False
    changes: ChangeSet | None = None  # diff mode: what the change touched
    prior: PriorReport | None = None  # --baseline-report

    @property
    def diff_mode(self) -> bool:
        return self.changes is not None

    _cache: dict[str, object] = field(default_factory=dict)

    def cached(self, key: str, build: Callable[[], _T]) -> _T:
        """A whole-repository fact built once per audit and shared by every criterion."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]  # type: ignore[return-value]

    @property
    def config(self) -> Config:
        return self.loaded.config

    @property
    def links(self) -> tuple[LinkEntry, ...]:
        return self.index.links


CheckFn = Callable[[Context], Outcome]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of finding, with a stable id (GKnnn) and what a user needs to fix it."""

    id: str
    name: str
    criterion_id: str
    severity: Severity
    confidence: Confidence
    summary: str
    fix: str
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    title: str
    check: CheckFn | None  # None: planned, reported as `error` "not implemented"
    consumes: tuple[str, ...] = ()
    planned_in: str = ""  # where the missing check is planned (issue reference)
    seed: bool = True  # one of the seed's gate criteria (False: gatekeeper's own extra)

    @property
    def why(self) -> str:
        return _section(self.check, "Why")

    @property
    def fix(self) -> str:
        return _section(self.check, "Fix")


_HEADER = re.compile(r"^([A-Z][a-z]+):\s*")


def _section(fn: CheckFn | None, name: str) -> str:
    doc = inspect.getdoc(fn) if fn is not None else None
    if not doc:
        return ""
    text: list[str] = []
    taking = False
    for line in doc.splitlines():
        header = _HEADER.match(line)
        if header:
            taking = header.group(1) == name
            line = line[header.end() :]
        if taking:
            text.append(line.strip())
    return " ".join(t for t in text if t)


def criterion(
    criterion_id: str, *, consumes: Sequence[str] = (), seed: bool = True
) -> Callable[[CheckFn], Criterion]:
    """Turn a check function into a Criterion; its docstring's first line is the title."""

    def wrap(fn: CheckFn) -> Criterion:
        doc = inspect.getdoc(fn) or ""
        title = doc.splitlines()[0].rstrip(".") if doc else criterion_id
        return Criterion(criterion_id, title, fn, tuple(consumes), seed=seed)

    return wrap


def planned(criterion_id: str, title: str, issue: str, consumes: Sequence[str] = ()) -> Criterion:
    """A seed criterion whose analyzer is not built yet: it reports `error`, never `pass`."""
    return Criterion(criterion_id, title, None, tuple(consumes), planned_in=issue)


@dataclass(frozen=True, slots=True)
class Phase:
    index: int
    id: str
    name: str
    criteria: tuple[Criterion, ...]
    produces: tuple[str, ...] = ()
    consumes: tuple[str, ...] = ()


def make_finding(
    rule: Rule,
    location: Location,
    message: str,
    *,
    phase: str,
    snippet: str | None = None,
    symbol: str | None = None,
    engines: tuple[str, ...] = ("gatekeeper",),
) -> Finding:
    """A finding whose fingerprint the runner assigns once every finding is known."""
    return Finding(
        rule_id=rule.id,
        criterion_id=rule.criterion_id,
        phase=phase,
        severity=rule.severity,
        confidence=rule.confidence,
        message=message,
        location=location,
        fingerprint="",
        snippet=snippet,
        symbol=symbol,
        cwe=rule.cwe,
        owasp=rule.owasp,
        engines=engines,
    )


def outcome_from_findings(
    ctx: Context,
    findings: Sequence[Finding],
    *,
    pass_message: str,
    evidence: Sequence[Evidence] = (),
) -> Outcome:
    """Fail when an open finding reaches the threshold; lower ones are reported, not failing."""
    threshold = ctx.config.severity_threshold
    findings = ctx.finalize(findings)
    failing = [f for f in findings if f.state == "open" and f.severity.rank >= threshold.rank]
    if failing:
        return Outcome(
            Status.FAIL,
            f"{len(failing)} finding(s) at or above {threshold}",
            tuple(evidence),
            tuple(findings),
        )
    return Outcome(Status.PASS, pass_message, tuple(evidence), tuple(findings))


MAX_SCANNED_FILES = 2000
MAX_SCANNED_LINES = 20_000
MAX_LINE_CHARS = 500


def first_matching_lines(
    ctx: Context,
    wanted: Callable[[str], bool],
    match: Callable[[str, str], str | None],
) -> list[Evidence]:
    """For each indexed, non-test file whose path `wanted` accepts, the first line `match`
    describes (`match(path, line)` returns what the line shows, or None), with its number.

    Lines are cut to MAX_LINE_CHARS before matching, files and lines read are capped, and a
    file that cannot be read is passed over (the index already lists it as unanalyzed).
    """
    from gatekeeper.errors import GatekeeperError
    from gatekeeper.stack import is_test_path

    found: list[Evidence] = []
    scanned = 0
    for entry in ctx.index.files:
        if is_test_path(entry.path) or not wanted(entry.path):
            continue
        scanned += 1
        if scanned > MAX_SCANNED_FILES:
            break
        try:
            text = ctx.index.read_text(entry.path).text
        except (GatekeeperError, OSError, ValueError):
            continue
        for number, line in enumerate(text.splitlines()[:MAX_SCANNED_LINES], 1):
            what = match(entry.path, line[:MAX_LINE_CHARS])
            if what is not None:
                found.append(Evidence(entry.path, number, what))
                break
    return found


def doc_sections(ctx: Context) -> docsections.DocSections:
    """The repository's documentation sections, read once per audit (requirements, scaling)."""
    return ctx.cached("doc_sections", lambda: docsections.collect(ctx.index))
