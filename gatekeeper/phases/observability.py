"""Phase 6, Monitoring & Observability: logging, metrics, tracing, health checks.

Metrics and tracing pass on a library the service's own code imports (with the metrics route
when one is served); health checks pass on a health route, a Dockerfile HEALTHCHECK or a
container probe, each cited with its line. Log calls are read from the Python extractors and,
for JavaScript/TypeScript, Go and Java, from semgrep's inventory rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from gatekeeper.errors import GatekeeperError
from gatekeeper.extract import sgobservability
from gatekeeper.extract.imports import FileImports, ImportFact
from gatekeeper.extract.logging_calls import LoggingFacts, LogSighting
from gatekeeper.extract.sgobservability import EngineObservability
from gatekeeper.model import Confidence, Evidence, Finding, Location, Severity, Status
from gatekeeper.phases.api_design import api_inventory
from gatekeeper.phases.base import (
    Context,
    Fact,
    Outcome,
    Phase,
    Rule,
    criterion,
    first_matching_lines,
    make_finding,
    outcome_from_findings,
)
from gatekeeper.repo import language_for
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
NO_STRUCTURED_LOGGER = Rule(
    "GK601",
    "no-structured-logger",
    "observability.structured_logging",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service configures no structured logger: its logs are free text that cannot be "
    "queried by field.",
    "Log JSON or key-value events: structlog or python-json-logger, pino or winston's JSON "
    "format, zap/zerolog/slog, a logstash or JSON layout for logback/log4j2.",
)
PRINT_LOGGING = Rule(
    "GK602",
    "print-in-application-code",
    "observability.structured_logging",
    Severity.LOW,
    Confidence.HIGH,
    "Application code writes to stdout/stderr (print(), console.log, fmt.Println, "
    "System.out.println, printStackTrace()): no level, no logger, no structure.",
    "Use the logger.",
)
INTERPOLATED_LOG = Rule(
    "GK603",
    "interpolated-log-message",
    "observability.structured_logging",
    Severity.LOW,
    Confidence.HIGH,
    "A log message is built by interpolation (an f-string, % or .format, a template literal, "
    "string concatenation, a Printf-style format): the values are lost as fields and every "
    "message is a different string.",
    'Pass the values as fields (structlog: log.info("order paid", order_id=...); pino: '
    'log.info({ orderId }, "order paid"); zap: zap.String("order", id)) or as placeholders '
    '(logging: log.info("order %s paid", order_id); SLF4J: log.info("order {} paid", id)).',
)
SWALLOWED_EXCEPTION = Rule(
    "GK604",
    "exception-swallowed",
    "observability.structured_logging",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A broad except or catch block (or an empty `if err != nil {}`) discards the error "
    "without logging it.",
    'Log it (log.exception(...), logger.error(err), log.error("...", e)) or narrow the '
    "handler to the error that is expected.",
    ("CWE-390",),
)
SECRET_LOGGED = Rule(
    "GK605",
    "secret-in-log",
    "observability.structured_logging",
    Severity.HIGH,
    Confidence.MEDIUM,
    "A value named like a secret (password, token, authorization, api key) is passed to a "
    "log call.",
    "Do not log secrets; log an identifier or a redacted form.",
    ("CWE-532",),
    ("A09:2021 - Security Logging and Monitoring Failures",),
)
NO_ALERTS = Rule(
    "GK641",
    "no-alert-rules",
    "observability.alerting",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No alert rules are kept in the repository: what pages whom is configured by hand, if at all.",
    "Keep alert rules as code beside the service: Prometheus rule files, Grafana alerting "
    "provisioning, Datadog/New Relic monitors or CloudWatch alarms in Terraform/CloudFormation.",
)
RULES = (
    NO_ALERTS,
    NO_STRUCTURED_LOGGER,
    PRINT_LOGGING,
    INTERPOLATED_LOG,
    SWALLOWED_EXCEPTION,
    SECRET_LOGGED,
    NO_METRICS,
    NO_TRACING,
    NO_HEALTH_CHECK,
)
STRUCTURED_MODULES = (
    "structlog",
    "pythonjsonlogger",
    "json_log_formatter",
    "ecs_logging",
    "pino",
    "pino-http",
    "bunyan",
    "winston",
    "go.uber.org/zap",
    "github.com/rs/zerolog",
    "log/slog",
    "github.com/sirupsen/logrus",
    "net.logstash.logback",
    "org.apache.logging.log4j.layout.template.json",
    "co.elastic.logging",
)
_LOG_CONFIG = re.compile(r"LogstashEncoder|JsonTemplateLayout|JsonLayout|EcsLayout|JsonEncoder")
_SCRIPT_DIRS = frozenset({"scripts", "bin", "migrations", "commands", "tools", "docs", "examples"})
_SCRIPT_FILES = frozenset(
    {"manage.py", "setup.py", "conftest.py", "noxfile.py", "__main__.py"}
    | {"Gruntfile.js", "gulpfile.js", "Gulpfile.js"}
)
# Languages whose log calls and outbound calls come from semgrep's inventory rules.
ENGINE_LANGUAGES = frozenset({"javascript", "typescript", "go", "java"})
_KIND_RULES = {
    "print": PRINT_LOGGING,
    "interpolated": INTERPOLATED_LOG,
    "swallowed": SWALLOWED_EXCEPTION,
    "secret": SECRET_LOGGED,
}
_MAX_PER_RULE = 50

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
    "opentelemetry.exporter.prometheus",
    "prom-client",
    "express-prom-bundle",
    "hot-shots",
    "@opentelemetry/sdk-metrics",
    "@opentelemetry/exporter-prometheus",
    "@opentelemetry/exporter-metrics-otlp",
    "github.com/prometheus/client_golang",
    "go.opentelemetry.io/otel/metric",
    "go.opentelemetry.io/otel/sdk/metric",
    "go.opentelemetry.io/otel/exporters/prometheus",
    "go.opentelemetry.io/otel/exporters/otlp/otlpmetric",
    "io.micrometer",
    "io.prometheus",
    "io.opentelemetry.api.metrics",
    "io.opentelemetry.sdk.metrics",
)
# A module under one of the prefixes above that names the other signal is not evidence of this
# one: `io.micrometer.tracing` is no metrics library, `opentelemetry.exporter.prometheus` no
# tracer.
METRICS_EXCLUDED = ("tracing", "trace")
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
    "@opentelemetry/sdk-trace-base",
    "@opentelemetry/auto-instrumentations-node",
    "@opentelemetry/instrumentation",
    "@opentelemetry/exporter-trace-otlp",
    "@opentelemetry/exporter-jaeger",
    "@opentelemetry/exporter-zipkin",
    "dd-trace",
    "jaeger-client",
    "go.opentelemetry.io/otel/trace",
    "go.opentelemetry.io/otel/sdk/trace",
    "go.opentelemetry.io/otel/exporters/otlp/otlptrace",
    "go.opentelemetry.io/otel/exporters/jaeger",
    "go.opentelemetry.io/otel/exporters/zipkin",
    "go.opentelemetry.io/otel/exporters/stdout/stdouttrace",
    "go.opentelemetry.io/contrib/instrumentation",
    "gopkg.in/DataDog/dd-trace-go",
    "io.opentelemetry.api.trace",
    "io.opentelemetry.sdk.trace",
    "io.opentelemetry.instrumentation",
    "io.opentelemetry.exporter.otlp.trace",
    "io.opentelemetry.exporter.jaeger",
    "io.opentelemetry.exporter.zipkin",
    "io.opentelemetry.extension.annotations",
    "brave",
    "io.micrometer.tracing",
    "org.springframework.cloud.sleuth",
)
TRACING_EXCLUDED = ("metric", "prometheus")
_HEALTH_PATH = re.compile(
    r"/(?:health|healthz|healthcheck|health-check|livez|readyz|ready|readiness|liveness|live|"
    r"ping|status|heartbeat)(?:/|$)|/actuator/health",
    re.IGNORECASE,
)
_METRICS_PATH = re.compile(r"/(?:metrics|prometheus|actuator/prometheus)(?:/|$)", re.IGNORECASE)
_DOCKER_HEALTHCHECK = re.compile(r"^\s*HEALTHCHECK\s+(?!NONE)", re.IGNORECASE)
_PROBE = re.compile(r"^\s*(livenessProbe|readinessProbe|startupProbe|healthcheck)\s*:")
_PROBE_SUFFIXES = (".yaml", ".yml")


def _finding(rule: Rule, path: str, message: str) -> Finding:
    return make_finding(rule, Location(path), message, phase=PHASE_ID)


def _web(ctx: Context) -> list[ServiceApi]:
    return [s for s in api_inventory(ctx).services if s.frameworks or s.routes]


def _manifest(svc: ServiceApi) -> str:
    return svc.service.manifests[0] if svc.service.manifests else svc.service.root


def _imports_of(
    ctx: Context, svc: ServiceApi, modules: Sequence[str], excluding: Sequence[str] = ()
) -> list[Evidence]:
    """Non-test files of the service that import one of `modules` (the module itself, or one
    under it after `.`, `/` or `-`) and no name containing one of `excluding`, with the line."""
    wanted = _module_pattern(tuple(modules))
    found: list[Evidence] = []
    for path, imports in _service_imports(ctx, svc):
        for imp in imports:
            name = imp.module
            if not wanted.match(name):
                continue
            if excluding and any(word in name.lower() for word in excluding):
                continue
            found.append(Evidence(path, imp.line, f"imports {name}"))
            break
    return found


@functools.lru_cache(maxsize=64)
def _module_pattern(modules: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(m) for m in sorted(modules, key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})(?:$|[./-])")


def _service_imports(ctx: Context, svc: ServiceApi) -> list[tuple[str, tuple[ImportFact, ...]]]:
    """The imports of each non-test file of the service, in path order; built once per audit
    and service (every library criterion of phases 4 and 6 asks)."""

    def build() -> dict[str, list[tuple[str, tuple[ImportFact, ...]]]]:
        by_root: dict[str, list[tuple[str, tuple[ImportFact, ...]]]] = {}
        for path, facts in sorted(ctx.file_facts.items()):
            if is_test_path(path):
                continue
            owner = inventory.service_for(path, ctx.services)
            if owner is None:
                continue
            for fact in facts.values():
                if isinstance(fact, FileImports) and fact.imports:
                    by_root.setdefault(owner.root, []).append((path, fact.imports))
        return by_root

    return ctx.cached("service_imports", build).get(svc.service.root, [])


def _library_criterion(
    ctx: Context,
    modules: Sequence[str],
    rule: Rule,
    what: str,
    routes: re.Pattern[str] | None,
    excluding: Sequence[str] = (),
) -> Outcome:
    services = _web(ctx)
    if not services:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for svc in services:
        found = _imports_of(ctx, svc, modules, excluding)
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
    return _library_criterion(
        ctx, METRICS_MODULES, NO_METRICS, "metrics library", _METRICS_PATH, METRICS_EXCLUDED
    )


@criterion("observability.distributed_tracing", consumes=(Fact.STACK,))
def services_are_traced(ctx: Context) -> Outcome:
    """Distributed tracing enabled.

    Why: a slow or failed request that crosses services cannot be followed without a trace
    id carried through every hop. The evidence is a tracing SDK or instrumentation the
    service's own code imports (OpenTelemetry, ddtrace, Jaeger, Zipkin, Sleuth ...).
    Fix: add OpenTelemetry with the framework's instrumentation and an exporter.
    """
    return _library_criterion(
        ctx, TRACING_MODULES, NO_TRACING, "tracing SDK", None, TRACING_EXCLUDED
    )


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


_ALERT_PATTERNS = (
    (re.compile(r"^\s*-?\s*alert:\s*\S"), "Prometheus alert rule"),
    (
        re.compile(
            r"resource\s+\"(?:datadog_monitor|newrelic_alert_policy|newrelic_nrql_alert_condition"
            r"|aws_cloudwatch_metric_alarm|google_monitoring_alert_policy|grafana_rule_group)\""
        ),
        "alert resource",
    ),
    (re.compile(r"AWS::CloudWatch::Alarm"), "CloudWatch alarm"),
    (re.compile(r"^\s*noDataState:"), "Grafana alert rule"),
)
_ALERT_SUFFIXES = (".yaml", ".yml", ".tf", ".json", ".rules")


@criterion("observability.alerting", seed=False)
def alert_rules_are_kept_as_code(ctx: Context) -> Outcome:
    """Alert rules kept as code.

    Why: metrics nobody is alerted on are noticed after the users notice. Alert rules kept
    beside the service are reviewed with it: Prometheus rule files, Alertmanager routing,
    Grafana alerting provisioning, Datadog/New Relic monitors or CloudWatch alarms as code.
    Fix: add alert rules for the error rate, latency and saturation of each service.
    """
    if not _web(ctx):
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")

    def match(path: str, line: str) -> str | None:
        hit = next((w for p, w in _ALERT_PATTERNS if p.search(line)), None)
        if hit is None and "alertmanager" in path.lower() and line.lstrip().startswith("receiver:"):
            hit = "Alertmanager route"
        return None if hit is None else f"{hit}: {line.strip()[:80]}"

    found = first_matching_lines(ctx, lambda p: p.lower().endswith(_ALERT_SUFFIXES), match)
    if found:
        return Outcome(Status.PASS, f"alert rules in {len(found)} file(s)", tuple(found[:20]))
    finding = _finding(NO_ALERTS, ".", "no alert rules, alarms or monitors as code")
    return outcome_from_findings(
        ctx, [finding], pass_message="no alert rules as code (below the threshold)"
    )


def _probes(ctx: Context) -> list[Evidence]:
    """Dockerfile HEALTHCHECKs, Kubernetes probes and compose healthchecks, with their line."""

    def dockerfile(path: str) -> bool:
        return language_for(path.rsplit("/", 1)[-1]) == "dockerfile"

    def wanted(path: str) -> bool:
        return dockerfile(path) or path.lower().endswith(_PROBE_SUFFIXES)

    def match(path: str, line: str) -> str | None:
        if dockerfile(path):
            return "Dockerfile HEALTHCHECK" if _DOCKER_HEALTHCHECK.search(line) else None
        probe = _PROBE.search(line)
        return probe.group(1) if probe else None

    return first_matching_lines(ctx, wanted, match)


@criterion("observability.structured_logging", consumes=(Fact.STACK,))
def logs_are_structured(ctx: Context) -> Outcome:
    """Structured logging implemented.

    Why: logs are how an incident is reconstructed; free-text lines cannot be searched by
    request, user or order. A structured logger must be set up (structlog, python-json-logger,
    pino, zap, a JSON layout ...), and in application code (not scripts or tests) writes to
    stdout (print(), console.log/info/debug, fmt.Print*, System.out, printStackTrace()),
    interpolated log messages (f-strings, %, .format, template literals, `+` concatenation,
    Printf-style formats), broad excepts or empty catch blocks that swallow errors (an empty
    block with a comment, or a caught name such as `ignored`, says why and is left out outside
    Python), and values named like secrets passed to log calls are findings with their lines,
    in Python, JavaScript/TypeScript, Go and Java. JavaScript, Go and Java are read by
    semgrep: when it did not run or failed, the criterion is error for those services.
    Fix: log JSON events with fields through one configured logger.
    """
    services = _web(ctx)
    if not services:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    counts: dict[str, int] = {}
    gaps: list[str] = []
    for svc in services:
        gap = engine_gap(ctx, svc, "log calls")
        if gap is not None:
            gaps.append(gap)
        structured = _imports_of(ctx, svc, STRUCTURED_MODULES) + _log_configs(ctx, svc)
        for path, sighting in _log_sightings(ctx, svc):
            if sighting.kind == "structured":
                structured.append(Evidence(path, sighting.line, sighting.detail))
                continue
            rule = _KIND_RULES[sighting.kind]
            counts[rule.id] = counts.get(rule.id, 0) + 1
            if counts[rule.id] <= _MAX_PER_RULE:
                findings.append(
                    make_finding(
                        rule, Location(path, sighting.line), sighting.detail, phase=PHASE_ID
                    )
                )
        evidence.extend(structured[:MAX_EVIDENCE])
        if not structured:
            findings.append(
                _finding(
                    NO_STRUCTURED_LOGGER,
                    _manifest(svc),
                    f"service {svc.service.name}: no structured logger set up",
                )
            )
    hidden = {rule: n - _MAX_PER_RULE for rule, n in counts.items() if n > _MAX_PER_RULE}
    note = "".join(f"; {n} more {rule} not listed" for rule, n in sorted(hidden.items()))
    out = outcome_from_findings(
        ctx,
        findings,
        pass_message="logs are structured" + note,
        evidence=evidence[:MAX_EVIDENCE],
    )
    if gaps and out.status is not Status.FAIL:
        return Outcome(Status.ERROR, "; ".join(gaps), out.evidence, out.findings)
    return out


def _log_sightings(ctx: Context, svc: ServiceApi) -> list[tuple[str, LogSighting]]:
    """The service's log sightings, Python's and semgrep's, outside tests; prints and
    interpolated messages in scripts are left out."""
    per_file: dict[str, list[LogSighting]] = {}
    for path, facts in ctx.file_facts.items():
        for fact in facts.values():
            if isinstance(fact, LoggingFacts):
                per_file.setdefault(path, []).extend(fact.sightings)
    for path, read in engine_observability(ctx).logs:
        per_file.setdefault(path, []).extend(read)
    found: list[tuple[str, LogSighting]] = []
    for path, sightings in sorted(per_file.items()):
        if is_test_path(path) or inventory.service_for(path, ctx.services) is not svc.service:
            continue
        *dirs, name = path.split("/")
        script = name in _SCRIPT_FILES or bool(_SCRIPT_DIRS & set(dirs))
        found.extend(
            (path, s)
            for s in sorted(sightings)
            if not (script and s.kind in ("print", "interpolated"))
        )
    return found


def engine_observability(ctx: Context) -> EngineObservability:
    """Outbound calls and log sightings of the JavaScript, Go and Java code, once per audit."""
    return ctx.cached("engine_observability", lambda: _resolve_engine_facts(ctx))


def _resolve_engine_facts(ctx: Context) -> EngineObservability:
    imports = {
        path: frozenset(i.module for i in fact.imports)
        for path, facts in ctx.file_facts.items()
        for fact in facts.values()
        if isinstance(fact, FileImports)
    }
    texts: dict[str, str | None] = {}

    def text_of(path: str) -> str | None:
        if path not in texts:
            try:
                texts[path] = ctx.index.read_text(path).text if ctx.index.get(path) else None
            except (GatekeeperError, OSError, ValueError):
                texts[path] = None
        return texts[path]

    return sgobservability.resolve(
        ctx.engine_facts.matches, lambda path: imports.get(path, frozenset()), text_of
    )


def engine_gap(ctx: Context, svc: ServiceApi, what: str) -> str | None:
    """Why the service's JavaScript, Go or Java `what` are unknown (semgrep did not run, failed,
    dropped matches or skipped one of its files), else None."""
    languages = sorted(
        {
            entry.language
            for entry in ctx.index.by_language(*ENGINE_LANGUAGES)
            if entry.language is not None
            and not entry.ignored
            and not sgobservability.skipped(entry.path)
            and inventory.service_for(entry.path, ctx.services) is svc.service
        }
    )
    if not languages:
        return None
    head = f"service {svc.service.name}: {what} in {', '.join(languages)} are unknown"
    facts = ctx.engine_facts
    if facts.error:
        return f"{head} ({facts.error})"
    if facts.capped:
        return f"{head} (semgrep found more inventory matches than gatekeeper keeps)"
    unread = sorted(
        u.path
        for u in facts.unscanned
        if language_for(u.path.rsplit("/", 1)[-1]) in ENGINE_LANGUAGES
        and not sgobservability.skipped(u.path)
        and inventory.service_for(u.path, ctx.services) is svc.service
    )
    if unread:
        more = f" and {len(unread) - 1} more" if len(unread) > 1 else ""
        return f"{head} (semgrep did not read {unread[0]}{more})"
    return None


def _log_configs(ctx: Context, svc: ServiceApi) -> list[Evidence]:
    """JSON layouts in logback/log4j2 configuration files."""

    def wanted(path: str) -> bool:
        name = path.rsplit("/", 1)[-1].lower()
        return (
            name.startswith(("logback", "log4j2"))
            and name.endswith(".xml")
            and inventory.service_for(path, ctx.services) is svc.service
        )

    def match(_path: str, line: str) -> str | None:
        found = _LOG_CONFIG.search(line)
        return found.group() if found else None

    return first_matching_lines(ctx, wanted, match)


PHASE = Phase(
    6,
    "observability",
    "Monitoring & Observability",
    (
        logs_are_structured,
        services_collect_metrics,
        services_are_traced,
        services_expose_health_checks,
        alert_rules_are_kept_as_code,
    ),
    consumes=(Fact.STACK, Fact.ROUTES),
)
