"""Phase 4 and phase 6 criteria per language on good/bad twins (issue 11): fixtures/ops-fastapi,
ops-express (TypeScript), ops-gin and ops-spring, where `good` passes every criterion but service
boundaries and `bad` fails each with one finding (and, in the Express, Gin and Spring twins, a
handler that changes process state, GK402). Real audits with semgrep, one per fixture; service
boundaries (GK441, GK442) are left to their own tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.model import CriterionResult, Report, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BOUNDARIES = "scalability.service_boundaries"
CRITERIA = (
    "scalability.scaling_strategy_documented",
    "scalability.caching_layers",
    "scalability.circuit_breakers",
    "observability.structured_logging",
    "observability.metrics_collection",
    "observability.distributed_tracing",
    "observability.health_checks",
    "observability.alerting",
)
PAIRS = ("ops-fastapi", "ops-express", "ops-gin", "ops-spring")
MANIFESTS = {
    "ops-fastapi": "requirements.txt",
    "ops-express": "package.json",
    "ops-gin": "go.mod",
    "ops-spring": "pom.xml",
}
SPRING = "src/main/java/com/acme/rates"
Finding3 = tuple[str, str, int | None]
# The bad twins' outbound call: it has a timeout, but no breaker or retry library is imported.
UNWRAPPED_CALL = {
    "ops-fastapi": ("app/rates.py", 7),  # requests.get(..., timeout=(1, 3))
    "ops-express": ("src/rates.ts", 6),  # axios.get<T>(..., { timeout: 2000 })
    "ops-gin": ("internal/rates/rates.go", 9),  # &http.Client{Timeout: ...}
    "ops-spring": (f"{SPRING}/RatesClient.java", 13),  # RestTemplateBuilder ... .build()
}

# The bad twins' handler that changes process-local state (GK402).
STATE_CHANGE = {
    "ops-express": ("src/app.ts", 9),  # served++ on a module-level `let served = 0`
    "ops-gin": ("main.go", 21),  # served[...]++ on a package-level map
    "ops-spring": (f"{SPRING}/RatesController.java", 24),  # lastServed.put(...) on a field
}


def bad_findings(pair: str) -> dict[str, set[Finding3]]:
    """One finding per criterion: the repository-wide ones on `.`, the per-service ones on the
    service's manifest, the missing breaker on the first outbound call."""
    manifest = MANIFESTS[pair]
    return {
        "scalability.scaling_strategy_documented": {("GK401", ".", None)}
        | ({("GK402", *STATE_CHANGE[pair])} if pair in STATE_CHANGE else set()),
        "scalability.caching_layers": {("GK411", manifest, None)},
        "scalability.circuit_breakers": {("GK421", *UNWRAPPED_CALL[pair])},
        "observability.structured_logging": {("GK601", manifest, None)},
        "observability.metrics_collection": {("GK611", manifest, None)},
        "observability.distributed_tracing": {("GK621", manifest, None)},
        "observability.health_checks": {("GK631", manifest, None)},
        "observability.alerting": {("GK641", ".", None)},
    }


# What each criterion of a good twin passes on: one (file, line, what) of its evidence.
GOOD_EVIDENCE: dict[str, dict[str, tuple[str, int, str]]] = {
    "ops-fastapi": {
        "scalability.scaling_strategy_documented": (
            "docs/architecture.md",
            7,
            "section 'Scaling': stateless",
        ),
        "scalability.caching_layers": ("app/rates.py", 1, "imports redis"),
        "scalability.circuit_breakers": ("app/rates.py", 6, "redis.Redis: connect timeout set"),
        "observability.structured_logging": ("app/main.py", 1, "imports structlog"),
        "observability.metrics_collection": ("app/main.py", 19, "serves GET /metrics"),
        "observability.distributed_tracing": (
            "app/main.py",
            3,
            "imports opentelemetry.instrumentation.fastapi",
        ),
        "observability.health_checks": ("app/main.py", 14, "serves GET /healthz"),
        "observability.alerting": (
            "deploy/alerts.yaml",
            4,
            "Prometheus alert rule: - alert: RatesHighErrorRate",
        ),
    },
    "ops-express": {
        "scalability.scaling_strategy_documented": (
            "docker-compose.yml",
            7,
            "replicas: replicas: 3",
        ),
        "scalability.caching_layers": ("src/rates.ts", 1, "imports ioredis"),
        "scalability.circuit_breakers": ("src/rates.ts", 2, "imports opossum"),
        "observability.structured_logging": ("src/app.ts", 3, "imports pino"),
        "observability.metrics_collection": ("src/app.ts", 15, "serves GET /metrics"),
        "observability.distributed_tracing": (
            "src/tracing.ts",
            1,
            "imports @opentelemetry/auto-instrumentations-node",
        ),
        "observability.health_checks": ("src/app.ts", 11, "serves GET /healthz"),
        "observability.alerting": (
            "monitoring/monitors.tf",
            1,
            'alert resource: resource "datadog_monitor" "rates_errors" {',
        ),
    },
    "ops-gin": {
        "scalability.scaling_strategy_documented": (
            "deploy/hpa.yaml",
            2,
            "Kubernetes HorizontalPodAutoscaler: kind: HorizontalPodAutoscaler",
        ),
        "scalability.caching_layers": (
            "internal/rates/rates.go",
            10,
            "imports github.com/redis/go-redis/v9",
        ),
        "scalability.circuit_breakers": (
            "internal/rates/rates.go",
            11,
            "imports github.com/sony/gobreaker",
        ),
        "observability.structured_logging": ("main.go", 4, "imports log/slog"),
        "observability.metrics_collection": ("main.go", 21, "serves GET /metrics"),
        "observability.distributed_tracing": (
            "main.go",
            10,
            "imports go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin",
        ),
        "observability.health_checks": ("main.go", 20, "serves GET /healthz"),
        "observability.alerting": (
            "deploy/grafana-alerts.yaml",
            11,
            "Grafana alert rule: noDataState: NoData",
        ),
    },
    "ops-spring": {
        "scalability.scaling_strategy_documented": (
            "deploy/deployment.yaml",
            6,
            "replicas: replicas: 3",
        ),
        "scalability.caching_layers": (
            f"{SPRING}/RatesClient.java",
            6,
            "imports org.springframework.cache.annotation.Cacheable",
        ),
        "scalability.circuit_breakers": (
            f"{SPRING}/RatesClient.java",
            3,
            "imports io.github.resilience4j.circuitbreaker.annotation.CircuitBreaker",
        ),
        "observability.structured_logging": (
            "src/main/resources/log4j2-spring.xml",
            5,
            "JsonTemplateLayout",
        ),
        "observability.metrics_collection": (
            f"{SPRING}/RatesController.java",
            3,
            "imports io.micrometer.core.instrument.MeterRegistry",
        ),
        "observability.distributed_tracing": (
            f"{SPRING}/RatesController.java",
            4,
            "imports io.opentelemetry.api.trace.Span",
        ),
        "observability.health_checks": ("deploy/deployment.yaml", 18, "readinessProbe"),
        "observability.alerting": (
            "monitoring/alarms.tf",
            1,
            'alert resource: resource "aws_cloudwatch_metric_alarm" "rates_5xx" {',
        ),
    },
}
# Known wrong behaviour, kept visible: (fixture, criterion) -> why the expectation fails today.
# (fixture, criterion) pairs gatekeeper is known to get wrong: strict xfails, with why.
KNOWN_WRONG: dict[tuple[str, str], str] = {}
FIXTURE_NAMES = (
    *(f"{p}/{twin}" for p in PAIRS for twin in ("good", "bad")),
    "ops-fastapi/otel-metrics",
    "ops-gin/otel-metrics",
)


def audit(root: Path) -> Report:
    options = api.Options(phases=("scalability", "observability"))
    return api.audit(root, options).report


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Each fixture copied and audited once with the engines on (one semgrep run each)."""
    out: dict[str, Report] = {}
    for name in FIXTURE_NAMES:
        root = tmp_path_factory.mktemp(name.replace("/", "-")) / "repo"
        shutil.copytree(FIXTURES / name, root)
        out[name] = audit(root)
    return out


def criterion_of(report: Report, criterion: str) -> CriterionResult:
    [crit] = [c for p in report.phases for c in p.criteria if c.id == criterion]
    return crit


def findings_of(report: Report, criterion: str) -> set[Finding3]:
    return {
        (f.rule_id, f.location.path, f.location.line)
        for f in report.findings
        if f.criterion_id == criterion
    }


def cases() -> list[object]:
    out: list[object] = []
    for pair in PAIRS:
        bad = bad_findings(pair)
        for criterion in CRITERIA:
            for twin, status, expected in (
                ("good", Status.PASS, set()),
                ("bad", Status.FAIL, bad[criterion]),
            ):
                name = f"{pair}/{twin}"
                why = KNOWN_WRONG.get((name, criterion))
                marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
                out.append(
                    pytest.param(
                        name, criterion, status, expected, marks=marks, id=f"{name}-{criterion}"
                    )
                )
    return out


@pytest.mark.engines
@pytest.mark.parametrize(("name", "criterion", "status", "expected"), cases())
def test_criterion_status_and_findings(
    reports: dict[str, Report],
    name: str,
    criterion: str,
    status: Status,
    expected: set[Finding3],
) -> None:
    report = reports[name]
    crit = criterion_of(report, criterion)
    assert (crit.status, findings_of(report, criterion)) == (status, expected), crit.message


@pytest.mark.engines
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_no_finding_outside_the_criteria(reports: dict[str, Report], name: str) -> None:
    criteria = {f.criterion_id for f in reports[name].findings} - {BOUNDARIES}
    assert criteria <= set(CRITERIA)


@pytest.mark.engines
@pytest.mark.parametrize("pair", PAIRS)
def test_good_twin_evidence_says_why_it_passes(reports: dict[str, Report], pair: str) -> None:
    report = reports[f"{pair}/good"]
    for criterion, cited in GOOD_EVIDENCE[pair].items():
        shown = [(e.path, e.line, e.what) for e in criterion_of(report, criterion).evidence]
        assert cited in shown, (criterion, shown)


@pytest.mark.engines
def test_bad_twin_names_the_call_without_a_breaker(reports: dict[str, Report]) -> None:
    messages = {
        f.location.path: f.message
        for name in ("ops-fastapi/bad", "ops-gin/bad", "ops-spring/bad")
        for f in reports[name].findings
        if f.rule_id == "GK421"
    }
    assert messages == {
        "app/rates.py": (
            "service root calls out over HTTP (1 call(s), first requests.get) "
            "with no breaker or retry library"
        ),
        "internal/rates/rates.go": (
            "service rates calls out over HTTP (1 call(s), first http.Client{...}) "
            "with no breaker or retry library"
        ),
        f"{SPRING}/RatesClient.java": (
            "service rates calls out over HTTP (1 call(s), first RestTemplateBuilder.build()) "
            "with no breaker or retry library"
        ),
    }


@pytest.mark.engines
def test_bad_twin_names_the_state_a_handler_changes(reports: dict[str, Report]) -> None:
    messages = {
        (f.location.path, f.location.line): f.message
        for name in ("ops-express/bad", "ops-gin/bad", "ops-spring/bad")
        for f in reports[name].findings
        if f.rule_id == "GK402"
    }
    assert messages == {
        STATE_CHANGE["ops-express"]: (
            "GET /v1/rates/:currency handler changes module-level counter served"
        ),
        STATE_CHANGE["ops-gin"]: "handler func literal writes to package-level map served",
        STATE_CHANGE["ops-spring"]: "RatesController.rate() calls .put() on field Map lastServed",
    }


# OpenTelemetry metrics without a tracer: the metrics evidence, and the fixture's manifest.
OTEL_METRICS = {
    "ops-fastapi/otel-metrics": (
        ("app/telemetry.py", 1, "imports opentelemetry.exporter.prometheus"),
        "requirements.txt",
    ),
    "ops-gin/otel-metrics": (
        (
            "internal/telemetry/meters.go",
            4,
            "imports go.opentelemetry.io/otel/exporters/prometheus",
        ),
        "go.mod",
    ),
}


@pytest.mark.engines
@pytest.mark.parametrize("name", sorted(OTEL_METRICS))
def test_opentelemetry_metrics_are_metrics(reports: dict[str, Report], name: str) -> None:
    crit = criterion_of(reports[name], "observability.metrics_collection")
    assert crit.status is Status.PASS
    assert [(e.path, e.line, e.what) for e in crit.evidence] == [OTEL_METRICS[name][0]]


@pytest.mark.engines
@pytest.mark.parametrize("name", sorted(OTEL_METRICS))
def test_opentelemetry_metrics_are_not_tracing(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    crit = criterion_of(report, "observability.distributed_tracing")
    assert crit.status is Status.FAIL
    assert findings_of(report, "observability.distributed_tracing") == {
        ("GK621", OTEL_METRICS[name][1], None)
    }
