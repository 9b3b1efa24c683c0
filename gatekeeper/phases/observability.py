"""Phase 6, Monitoring & Observability: logging, metrics, tracing, health checks.

Metrics and tracing pass on a library the service's own code imports (with the metrics route
when one is served); health checks pass on a health route, a Dockerfile HEALTHCHECK or a
container probe, each cited with its line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gatekeeper.errors import GatekeeperError
from gatekeeper.extract.imports import FileImports
from gatekeeper.model import Confidence, Evidence, Finding, Location, Severity, Status
from gatekeeper.phases.api_design import api_inventory
from gatekeeper.phases.base import (
    Context,
    Fact,
    Outcome,
    Phase,
    Rule,
    criterion,
    make_finding,
    outcome_from_findings,
    planned,
)
from gatekeeper.routes import inventory
from gatekeeper.routes.inventory import ServiceApi
from gatekeeper.stack import is_test_path

PHASE_ID = "observability"
MAX_EVIDENCE = 20

NO_METRICS = Rule(
    "GK611",
    "no-metrics",
    "observability.metrics_collection",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service's code uses no metrics library: nothing measures request rates, errors or "
    "latency.",
    "Instrument it (prometheus_client or prometheus-fastapi-instrumentator, django-prometheus, "
    "OpenTelemetry metrics, prom-client, Micrometer with actuator, Go client_golang) and serve "
    "or push the metrics.",
)
NO_TRACING = Rule(
    "GK621",
    "no-tracing",
    "observability.distributed_tracing",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service's code uses no tracing SDK: a request cannot be followed across services.",
    "Add OpenTelemetry (SDK plus the framework's instrumentation) or your vendor's tracer, and "
    "propagate the trace context on outbound calls.",
)
NO_HEALTH_CHECK = Rule(
    "GK631",
    "no-health-check",
    "observability.health_checks",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service has no health endpoint, no Dockerfile HEALTHCHECK and no container probe: an "
    "orchestrator cannot tell a hung instance from a working one.",
    "Serve /healthz (liveness) and /readyz (readiness, checking the database) and point the "
    "orchestrator's probes at them.",
)
RULES = (NO_METRICS, NO_TRACING, NO_HEALTH_CHECK)

# Module prefixes (as imported) of metrics and tracing libraries, per language.
METRICS_MODULES = (
    "prometheus_client",
    "prometheus_fastapi_instrumentator",
    "starlette_exporter",
    "django_prometheus",
    "prometheus_flask_exporter",
    "aioprometheus",
    "statsd",
    "datadog",
    "opentelemetry.metrics",
    "opentelemetry.sdk.metrics",
    "prom-client",
    "express-prom-bundle",
    "hot-shots",
    "@opentelemetry/sdk-metrics",
    "github.com/prometheus/client_golang",
    "go.opentelemetry.io/otel/metric",
    "io.micrometer",
    "io.prometheus",
)
TRACING_MODULES = (
    "opentelemetry.trace",
    "opentelemetry.sdk.trace",
    "opentelemetry.instrumentation",
    "opentelemetry.exporter",
    "ddtrace",
    "jaeger_client",
    "py_zipkin",
    "sentry_sdk.tracing",
    "@opentelemetry/sdk-node",
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/api",
    "dd-trace",
    "jaeger-client",
    "go.opentelemetry.io/otel",
    "gopkg.in/DataDog/dd-trace-go",
    "io.opentelemetry",
    "brave",
    "io.micrometer.tracing",
    "org.springframework.cloud.sleuth",
)
_HEALTH_PATH = re.compile(
    r"/(?:health|healthz|healthcheck|health-check|livez|readyz|ready|readiness|liveness|live|"
    r"ping|status|heartbeat)(?:/|$)|/actuator/health",
    re.IGNORECASE,
)
_METRICS_PATH = re.compile(r"/(?:metrics|prometheus|actuator/prometheus)(?:/|$)", re.IGNORECASE)
_DOCKER_HEALTHCHECK = re.compile(r"^\s*HEALTHCHECK\s+(?!NONE)", re.IGNORECASE)
_PROBE = re.compile(r"^\s*(livenessProbe|readinessProbe|startupProbe|healthcheck)\s*:")
_PROBE_SUFFIXES = (".yaml", ".yml")
_MAX_FILES = 2000
_MAX_LINES = 20_000


def _finding(rule: Rule, path: str, message: str) -> Finding:
    return make_finding(rule, Location(path), message, phase=PHASE_ID)


def _web(ctx: Context) -> list[ServiceApi]:
    return [s for s in api_inventory(ctx).services if s.frameworks or s.routes]


def _manifest(svc: ServiceApi) -> str:
    return svc.service.manifests[0] if svc.service.manifests else svc.service.root


def _imports_of(ctx: Context, svc: ServiceApi, modules: Sequence[str]) -> list[Evidence]:
    """Non-test files of the service that import one of `modules`, with the line."""
    found: list[Evidence] = []
    for path, facts in sorted(ctx.file_facts.items()):
        if is_test_path(path) or inventory.service_for(path, ctx.services) is not svc.service:
            continue
        for fact in facts.values():
            if not isinstance(fact, FileImports):
                continue
            for imp in fact.imports:
                name = imp.module
                if any(
                    name == m or name.startswith((m + ".", m + "/")) or name.startswith(m + "-")
                    for m in modules
                ):
                    found.append(Evidence(path, imp.line, f"imports {name}"))
                    break
    return found


def _library_criterion(
    ctx: Context, modules: Sequence[str], rule: Rule, what: str, routes: re.Pattern[str] | None
) -> Outcome:
    services = _web(ctx)
    if not services:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for svc in services:
        found = _imports_of(ctx, svc, modules)
        if routes is not None:
            found += [
                Evidence(r.file, r.line, f"serves {r.method} {r.url_path}")
                for r in svc.routes
                if routes.search(r.url_path)
            ]
        evidence.extend(found[:MAX_EVIDENCE])
        if not found:
            findings.append(
                _finding(rule, _manifest(svc), f"service {svc.service.name}: no {what} found")
            )
    return outcome_from_findings(
        ctx,
        findings,
        pass_message=f"{what} found in every service",
        evidence=evidence[:MAX_EVIDENCE],
    )


@criterion("observability.metrics_collection", consumes=(Fact.STACK,))
def services_collect_metrics(ctx: Context) -> Outcome:
    """Metrics collection configured.

    Why: without request rate, error and latency metrics an outage is noticed by users first,
    and capacity is guessed. The evidence is a metrics library the service's own code imports
    (prometheus_client, django-prometheus, OpenTelemetry metrics, prom-client, Micrometer, Go
    client_golang ...) and the metrics route it serves.
    Fix: instrument the service and expose /metrics (or push to your metrics backend).
    """
    return _library_criterion(ctx, METRICS_MODULES, NO_METRICS, "metrics library", _METRICS_PATH)


@criterion("observability.distributed_tracing", consumes=(Fact.STACK,))
def services_are_traced(ctx: Context) -> Outcome:
    """Distributed tracing enabled.

    Why: a slow or failed request that crosses services cannot be followed without a trace
    id carried through every hop. The evidence is a tracing SDK or instrumentation the
    service's own code imports (OpenTelemetry, ddtrace, Jaeger, Zipkin, Sleuth ...).
    Fix: add OpenTelemetry with the framework's instrumentation and an exporter.
    """
    return _library_criterion(ctx, TRACING_MODULES, NO_TRACING, "tracing SDK", None)


@criterion("observability.health_checks", consumes=(Fact.ROUTES,))
def services_expose_health_checks(ctx: Context) -> Outcome:
    """Health check endpoints present.

    Why: orchestrators and load balancers restart or drain an instance only when they can
    ask it whether it works. The evidence is a health route in the code or spec (/healthz,
    /readyz, /actuator/health ...), a Dockerfile HEALTHCHECK, or a liveness/readiness probe
    or compose healthcheck in the repository.
    Fix: serve liveness and readiness endpoints (readiness checking the database) and point
    the orchestrator's probes at them.
    """
    services = _web(ctx)
    if not services:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    probes = _probes(ctx)
    findings: list[Finding] = []
    evidence: list[Evidence] = list(probes[:MAX_EVIDENCE])
    gaps: list[str] = []
    for svc in services:
        routes = [
            Evidence(r.file, r.line, f"serves {r.method} {r.url_path}")
            for r in svc.routes
            if _HEALTH_PATH.search(r.url_path)
        ]
        routes += [
            Evidence(op.file, op.line, f"spec declares {op.method} {op.path}")
            for op in svc.operations
            if _HEALTH_PATH.search(op.path)
        ]
        mine = [
            p for p in probes if inventory.service_for(p.path, ctx.services) in (svc.service, None)
        ]
        evidence.extend(routes[:MAX_EVIDENCE])
        if routes or mine:
            continue
        if not svc.covered and svc.gap:
            gaps.append(svc.gap)
            continue
        findings.append(
            _finding(
                NO_HEALTH_CHECK,
                _manifest(svc),
                f"service {svc.service.name}: no health route, HEALTHCHECK or probe found",
            )
        )
    out = outcome_from_findings(
        ctx,
        findings,
        pass_message="every service has a health check",
        evidence=evidence[:MAX_EVIDENCE],
    )
    if gaps and out.status is not Status.FAIL:
        return Outcome(Status.ERROR, "; ".join(sorted(set(gaps))), out.evidence, out.findings)
    return out


def _probes(ctx: Context) -> list[Evidence]:
    """Dockerfile HEALTHCHECKs, Kubernetes probes and compose healthchecks, with their line."""
    found: list[Evidence] = []
    scanned = 0
    for entry in ctx.index.files:
        name = entry.path.rsplit("/", 1)[-1].lower()
        dockerfile = entry.language == "dockerfile"
        if not dockerfile and not name.endswith(_PROBE_SUFFIXES):
            continue
        scanned += 1
        if scanned > _MAX_FILES:
            break
        try:
            text = ctx.index.read_text(entry.path).text
        except (GatekeeperError, OSError, ValueError):
            continue
        pattern = _DOCKER_HEALTHCHECK if dockerfile else _PROBE
        for number, line in enumerate(text.splitlines()[:_MAX_LINES], 1):
            match = pattern.search(line[:300])
            if match:
                what = "Dockerfile HEALTHCHECK" if dockerfile else match.group(1)
                found.append(Evidence(entry.path, number, what))
                break
    return found


PHASE = Phase(
    6,
    "observability",
    "Monitoring & Observability",
    (
        planned("observability.structured_logging", "Structured logging implemented", "issue 11"),
        services_collect_metrics,
        services_are_traced,
        services_expose_health_checks,
    ),
    consumes=(Fact.STACK, Fact.ROUTES),
)
