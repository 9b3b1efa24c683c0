"""The data gatekeeper passes between its layers: facts in, outcomes and findings out.

Everything here is frozen and slotted; every collection that reaches a report is sorted first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"
    SKIPPED = "skipped"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FindingState(StrEnum):
    OPEN = "open"
    SUPPRESSED = "suppressed"


class SuppressionKind(StrEnum):
    INLINE = "inline"
    NOSEC = "nosec"
    NOSEMGREP = "nosemgrep"
    BASELINE = "baseline"
    CONFIG = "config"
    SPEC = "x-gatekeeper-ignore"  # an OpenAPI extension on the operation


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class RemediationStatus(StrEnum):
    NOT_NEEDED = "not_needed"
    OPEN = "open"
    FIXED = "fixed"
    EXHAUSTED = "exhausted"


class ValueSource(StrEnum):
    """Where an effective configuration value came from. Defaults are never evidence."""

    DECLARED = "declared"
    DETECTED = "detected"
    DEFAULT = "default"
    CLI = "cli"


# ---------------------------------------------------------------------------- locations


@dataclass(frozen=True, slots=True, order=True)
class Location:
    path: str  # POSIX, relative to the audited root
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True, slots=True, order=True)
class Evidence:
    """Something found in the target that a criterion's outcome rests on."""

    path: str
    line: int | None
    what: str


# ---------------------------------------------------------------------------- findings


@dataclass(frozen=True, slots=True)
class Suppression:
    kind: SuppressionKind
    reason: str
    until: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    criterion_id: str
    phase: str
    severity: Severity
    confidence: Confidence
    message: str
    location: Location
    fingerprint: str
    snippet: str | None = None
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()
    engines: tuple[str, ...] = ("gatekeeper",)
    state: FindingState = FindingState.OPEN
    suppression: Suppression | None = None
    symbol: str | None = None  # enclosing function/class where the language has one

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line or 0, loc.column or 0, self.rule_id, self.fingerprint)


@dataclass(frozen=True, slots=True, order=True)
class Unanalyzed:
    """A file (or a whole engine's share of files) that gatekeeper could not analyze, and why."""

    path: str
    reason: str
    engine: str = "index"


# ---------------------------------------------------------------------------- outcomes


@dataclass(frozen=True, slots=True)
class CriterionResult:
    id: str
    title: str
    status: Status
    message: str = ""
    evidence: tuple[Evidence, ...] = ()
    findings: tuple[str, ...] = ()  # fingerprints of the findings behind the outcome


@dataclass(frozen=True, slots=True)
class PhaseResult:
    index: int
    id: str
    name: str
    status: Status
    depends_on: tuple[str, ...]
    blocked_by: tuple[str, ...]
    criteria: tuple[CriterionResult, ...]


@dataclass(frozen=True, slots=True)
class RemediationStep:
    fingerprint: str
    rule_id: str
    what: str
    where: Location
    how: str
    gates: tuple[str, ...]


@dataclass(frozen=True, slots=True, order=True)
class AppliedFix:
    """One change a codemod made in one remediation iteration."""

    where: Location
    rule_id: str
    what: str


@dataclass(frozen=True, slots=True)
class RemediationIteration:
    """One round of the loop: what was fixed, then how many findings still fail the
    security gates after the re-audit."""

    iteration: int
    fixed: tuple[AppliedFix, ...]
    remaining: int


@dataclass(frozen=True, slots=True)
class Remediation:
    status: RemediationStatus
    target_phase: str | None
    iteration: int
    max_iterations: int
    plan: tuple[RemediationStep, ...] = ()
    iterations: tuple[RemediationIteration, ...] = ()


# ---------------------------------------------------------------------------- stack facts


@dataclass(frozen=True, slots=True, order=True)
class Detection:
    """One detected technology (a framework, a database, ...) with where it was seen."""

    kind: str  # language | framework | database | auth | api_style | deployment
    name: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Service:
    root: str  # "." for the repository root
    name: str
    manifests: tuple[str, ...]
    detections: tuple[Detection, ...] = ()

    def names(self, kind: str) -> tuple[str, ...]:
        return tuple(sorted({d.name for d in self.detections if d.kind == kind}))


@dataclass(frozen=True, slots=True)
class ConfigValue:
    key: str
    value: object
    source: ValueSource
    origin: str | None = None  # file (and key) the value came from


# ---------------------------------------------------------------------------- API inventory


@dataclass(frozen=True, slots=True, order=True)
class RouteRow:
    """One served route as the report lists it (`inventory.routes[]`)."""

    file: str
    line: int
    method: str
    url_path: str
    handler: str
    framework: str
    service: str  # the root of the service it belongs to
    in_spec: bool | None  # None: the service has no usable spec to compare with
    auth: str | None = None  # decided by the security phase (issue 8); None until then
    mounts: tuple[str, ...] = ()  # "file:line prefix (how)", outermost first


@dataclass(frozen=True, slots=True, order=True)
class SpecRow:
    """One API spec document as the report lists it (`inventory.specs[]`)."""

    path: str
    kind: str
    version: str | None
    status: str  # valid | invalid | error
    operations: int
    errors: int
    ref_problems: int
    message: str = ""


@dataclass(frozen=True, slots=True, order=True)
class ColumnRow:
    name: str
    type: str
    nullable: bool
    primary_key: bool = False


@dataclass(frozen=True, slots=True, order=True)
class TableRow:
    """One table (or collection) of the replayed schema (`inventory.schema[]`)."""

    service: str  # root of the service, "" when the source is in no service
    source: str  # the history it was replayed from: a versions directory, an app root ...
    tool: str  # alembic, django, sql, jpa, gorm, prisma, sequelize, mongoose, liquibase ...
    name: str
    file: str
    line: int
    columns: tuple[ColumnRow, ...] = ()  # in declaration order
    indexes: tuple[str, ...] = ()  # "name (col, col) unique"
    foreign_keys: tuple[str, ...] = ()  # "(col) -> table(col)"


@dataclass(frozen=True, slots=True, order=True)
class MigrationRow:
    """One migration in replay order within its history (`inventory.migrations[]`)."""

    source: str
    order: int
    path: str
    line: int
    tool: str
    id: str
    parents: tuple[str, ...] = ()
    reversible: bool | None = None
    unsafe: int = 0  # operations flagged unsafe


# ---------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Report:
    schema_version: str
    tool_version: str
    verdict: Verdict
    complete: bool
    phases: tuple[PhaseResult, ...]
    findings: tuple[Finding, ...]
    unanalyzed: tuple[Unanalyzed, ...]
    remediation: Remediation
    services: tuple[Service, ...]
    config: tuple[ConfigValue, ...]
    root_causes: tuple[str, ...]
    engines: tuple[EngineRun, ...] = ()
    timings: tuple[tuple[str, float], ...] | None = None
    routes: tuple[RouteRow, ...] = ()
    specs: tuple[SpecRow, ...] = ()
    tables: tuple[TableRow, ...] = ()
    migrations: tuple[MigrationRow, ...] = ()
    scope: str | None = None  # diff mode: what changed and how much was left out


@dataclass(frozen=True, slots=True)
class EngineRun:
    """Accounting for one analyzer: what it was given, what it scanned, how it ended."""

    engine: str
    version: str | None
    ok: bool
    files_expected: int
    files_scanned: int
    message: str = ""
    stats: tuple[tuple[str, int], ...] = field(default=())
