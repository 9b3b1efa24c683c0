"""Phase 4, Architecture & Scalability: scaling, caching, circuit breakers, boundaries.

Caching and resilience pass on libraries the service's own code imports; every outbound HTTP
call or client that can wait forever (requests and urllib without a timeout in Python; axios,
fetch, got, node http, Go net/http, RestTemplate, WebClient, java.net.http read by semgrep's
inventory rules) is a finding with its line.
"""

from __future__ import annotations

import re

import networkx as nx

from gatekeeper.errors import GatekeeperError
from gatekeeper.extract import sgdbclients, sgstate
from gatekeeper.extract.dbclients import POSTGRESQL, RABBITMQ, DbClient, DbClients
from gatekeeper.extract.imports import FileImports
from gatekeeper.extract.outbound import OutboundCall, OutboundCalls
from gatekeeper.extract.statefulness import StateFacts, StateSighting
from gatekeeper.model import Confidence, Evidence, Finding, Location, Severity, Status
from gatekeeper.phases import boundaries
from gatekeeper.phases.base import (
    Context,
    Fact,
    Outcome,
    Phase,
    Rule,
    criterion,
    doc_sections,
    first_matching_lines,
    make_finding,
    outcome_from_findings,
)
from gatekeeper.phases.observability import (
    MAX_EVIDENCE,
    _imports_of,
    _manifest,
    _web,
    engine_gap,
    engine_observability,
)
from gatekeeper.routes import inventory
from gatekeeper.routes.inventory import ServiceApi
from gatekeeper.stack import is_test_path

PHASE_ID = "scalability"

NO_CACHE = Rule(
    "GK411",
    "no-cache-layer",
    "scalability.caching_layers",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service's code uses no cache: every read goes to the database or the upstream.",
    "Cache what is read often and changes rarely (Redis or memcached clients, Django CACHES, "
    "flask-caching, fastapi-cache, Spring @Cacheable, ioredis, go-redis) and say where in the "
    "architecture docs.",
)
NO_RESILIENCE = Rule(
    "GK421",
    "no-circuit-breaker-or-retry",
    "scalability.circuit_breakers",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service calls out over HTTP but uses no circuit breaker or retry-with-backoff library.",
    "Wrap outbound calls in a breaker and retries with backoff (pybreaker, tenacity, backoff, "
    "resilience4j, failsafe, opossum, cockatiel, axios-retry, gobreaker, retry-go, "
    "go-retryablehttp).",
)
CALL_WITHOUT_TIMEOUT = Rule(
    "GK422",
    "outbound-call-without-timeout",
    "scalability.circuit_breakers",
    Severity.MEDIUM,
    Confidence.HIGH,
    "An outbound HTTP call or client has no timeout: it waits forever for a server that stops "
    "answering (requests, urllib, axios, fetch, got, node http, Go's http.Get and a Client "
    "without Timeout, RestTemplate, WebClient, java.net.http), and the worker serving the "
    "request hangs with it.",
    "Set a connect and a read timeout on the call or the client: timeout= (requests), "
    "{ timeout } or { signal: AbortSignal.timeout(ms) } (axios, fetch, got, http.request), "
    "http.Client{Timeout: ...} (Go), a request factory or builder timeouts (RestTemplate), "
    "responseTimeout/timeout() (WebClient), connectTimeout (HttpClient).",
    ("CWE-400",),
)
NO_SCALING_STRATEGY = Rule(
    "GK401",
    "no-scaling-strategy",
    "scalability.scaling_strategy_documented",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "Nothing says how the service scales: no scaling section in the docs and no replicas, "
    "autoscaler or concurrency setting in the deployment configuration.",
    "Write down how it scales (stateless replicas behind a load balancer, workers on a queue, "
    "read replicas ...) in a Scaling section, and configure it: Kubernetes replicas or an "
    "HorizontalPodAutoscaler, compose deploy.replicas, serverless concurrency.",
)
STATE_IN_PROCESS = Rule(
    "GK402",
    "request-handler-mutates-process-state",
    "scalability.scaling_strategy_documented",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A request handler changes a module-level container or counter (in Java, a field of a "
    "singleton controller): the state lives in one process, so each replica (and each worker "
    "of one replica) sees a different value, and it is lost on restart.",
    "Keep shared state in the database or a shared cache (Redis), or make it per request.",
)
SESSIONS_ON_LOCAL_DISK = Rule(
    "GK403",
    "sessions-on-local-disk",
    "scalability.scaling_strategy_documented",
    Severity.MEDIUM,
    Confidence.HIGH,
    "Sessions are kept in files on the server's own disk or in the process's memory "
    "(express-session's default MemoryStore): behind a load balancer a user's next request "
    "reaches a replica that does not know them.",
    "Store sessions in the database, a shared cache, or signed cookies.",
)
UPLOADS_ON_LOCAL_DISK = Rule(
    "GK404",
    "uploads-on-local-disk-with-replicas",
    "scalability.scaling_strategy_documented",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A request handler writes uploaded files to the local disk of a service that runs as "
    "several replicas: the file exists on one replica only, and goes when it is replaced.",
    "Write uploads to object storage (S3, GCS, Azure Blob) or a volume every replica shares.",
)
IMPORT_CYCLE = Rule(
    "GK441",
    "package-import-cycle",
    "scalability.service_boundaries",
    Severity.MEDIUM,
    Confidence.HIGH,
    "First-level packages of the service import each other in a cycle: none of them can be "
    "changed, tested or split out alone.",
    "Break the cycle: move what both need into a lower package, or invert the dependency "
    "with an interface the lower package owns.",
)
ROUTE_USES_DRIVER = Rule(
    "GK442",
    "route-imports-database-driver",
    "scalability.service_boundaries",
    Severity.LOW,
    Confidence.MEDIUM,
    "A module that serves routes imports the database driver directly, skipping the data "
    "access layer.",
    "Go through the repository/ORM layer so the API layer does not know the database.",
)
DB_CLIENT_WITHOUT_TIMEOUT = Rule(
    "GK423",
    "database-client-without-connect-timeout",
    "scalability.circuit_breakers",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A database or cache client is created without a connect timeout, and its library waits "
    "without limit by default (libpq for psycopg, psycopg2 and SQLAlchemy on PostgreSQL, "
    "mysqlclient, redis-py, node-postgres, Go's lib/pq and pgx): when the server is "
    "unreachable, every worker that connects hangs.",
    "Pass a connect timeout: connect_timeout in the DSN, URL, connect_args or Django's "
    "DATABASES OPTIONS; socket_connect_timeout and socket_timeout for redis-py; "
    "connectionTimeoutMillis for node-postgres; blocked_connection_timeout for pika.",
)
# Confidence LOW: the repository shows that no client sets it, but the setting often lives
# outside it (ALTER ROLE run by hand, a managed database's parameter group in another repo).
DB_WITHOUT_STATEMENT_TIMEOUT = Rule(
    "GK424",
    "database-without-statement-timeout",
    "scalability.circuit_breakers",
    Severity.LOW,
    Confidence.LOW,
    "The service opens PostgreSQL connections and sets no statement_timeout anywhere: "
    "PostgreSQL's default is 0, which disables the timeout, so one slow query or lock wait "
    "holds its connection and worker without limit.",
    "Set statement_timeout: `options=-c statement_timeout=5000` in the DSN, connect_args or "
    "Django's DATABASES OPTIONS, statement_timeout/query_timeout in node-postgres' options, "
    "`ALTER ROLE app SET statement_timeout = '5s'` in a migration, or "
    "`postgres -c statement_timeout=5s` / postgresql.conf for the server.",
)
RULES = (
    NO_SCALING_STRATEGY,
    STATE_IN_PROCESS,
    SESSIONS_ON_LOCAL_DISK,
    UPLOADS_ON_LOCAL_DISK,
    NO_CACHE,
    NO_RESILIENCE,
    CALL_WITHOUT_TIMEOUT,
    DB_CLIENT_WITHOUT_TIMEOUT,
    DB_WITHOUT_STATEMENT_TIMEOUT,
    IMPORT_CYCLE,
    ROUTE_USES_DRIVER,
)
_DRIVERS = frozenset(
    {
        "psycopg",
        "psycopg2",
        "asyncpg",
        "pymysql",
        "MySQLdb",
        "mysql",
        "pymongo",
        "motor",
        "sqlite3",
        "aiomysql",
        "aiopg",
        "cx_Oracle",
        "oracledb",
        "boto3",
    }
)
MAX_CYCLES_REPORTED = 20
_MAX_PER_RULE = 50  # GK422 findings listed; the rest are counted
# Languages whose outbound calls are read: Python by its extractor, the rest by semgrep.
_READ_LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "java"})

_SCALING_HEADING = re.compile(
    r"\b(?:scal(?:e|ing|ability)|capacity|high availability|horizontal scaling|replicas)\b",
    re.IGNORECASE,
)
_SCALING_WORDS = re.compile(
    r"\b(?:replicas?|horizontal(?:ly)?|autoscal\w{0,10}|instances|stateless|shard\w{0,6}|"
    r"partition\w{0,6}|load.balanc\w{0,6}|workers?|queue|read replicas?|pods?|nodes)\b",
    re.IGNORECASE,
)
# Deployment settings that scale the service, one pattern per line read.
_SCALING_CONFIG = (
    (re.compile(r"^\s*kind:\s*HorizontalPodAutoscaler\b"), "Kubernetes HorizontalPodAutoscaler"),
    (re.compile(r"^\s*replicas:\s*([2-9]|\d{2,})\s*$"), "replicas"),
    (re.compile(r"^\s*(?:reservedConcurrency|provisionedConcurrency):"), "serverless concurrency"),
    (re.compile(r"aws_appautoscaling_target|desired_count\s*=\s*([2-9]|\d{2,})"), "autoscaling"),
    (re.compile(r"^\s*min_instances\s*[:=]\s*([2-9]|\d{2,})|^\s*minReplicas:"), "min instances"),
)
_CONFIG_SUFFIXES = (".yaml", ".yml", ".tf", ".json", ".toml")

CACHE_MODULES = (
    "redis",
    "aioredis",
    "pymemcache",
    "memcache",
    "pylibmc",
    "django_redis",
    "flask_caching",
    "fastapi_cache",
    "cachetools",
    "aiocache",
    "dogpile.cache",
    "ioredis",
    "node-cache",
    "lru-cache",
    "cache-manager",
    "@nestjs/cache-manager",
    "memjs",
    "github.com/redis/go-redis",
    "github.com/go-redis/redis",
    "github.com/bradfitz/gomemcache",
    "github.com/patrickmn/go-cache",
    "org.springframework.cache",
    "com.github.benmanes.caffeine",
    "redis.clients.jedis",
    "io.lettuce",
)
RESILIENCE_MODULES = (
    "pybreaker",
    "circuitbreaker",
    "tenacity",
    "backoff",
    "urllib3.util.retry",
    "stamina",
    "opossum",
    "cockatiel",
    "async-retry",
    "p-retry",
    "axios-retry",
    "retry-axios",
    "got",  # retries with backoff by default
    "github.com/sony/gobreaker",
    "github.com/afex/hystrix-go",
    "github.com/cenkalti/backoff",
    "github.com/avast/retry-go",
    "github.com/failsafe-go/failsafe-go",
    "github.com/hashicorp/go-retryablehttp",
    "github.com/eapache/go-resiliency",
    "io.github.resilience4j",
    "dev.failsafe",
    "org.springframework.retry",
    "com.netflix.hystrix",
)


def _finding(rule: Rule, path: str, line: int | None, message: str) -> Finding:
    return make_finding(rule, Location(path, line), message, phase=PHASE_ID)


@criterion("scalability.scaling_strategy_documented", consumes=(Fact.STACK,))
def scaling_strategy_is_documented(ctx: Context) -> Outcome:
    """Scaling strategy documented.

    Why: how a service grows under load (more stateless replicas, more queue workers, read
    replicas, sharding) decides its design; written down and configured, it can be reviewed.
    The evidence is a scaling or capacity section that says how, or deployment configuration
    that scales (Kubernetes replicas >= 2 or an autoscaler, compose deploy.replicas,
    serverless concurrency, cloud autoscaling).
    Scaling out needs stateless replicas, so state a service keeps in its own process is a
    finding: a request handler that changes a module-level container or counter (Python,
    JavaScript/TypeScript, Go; in Java a field of a controller, a singleton), sessions in files
    on the local disk (Flask-Session filesystem, Django's file backend) or in memory
    (express-session without a store), and, when the deployment runs several replicas,
    uploads written to the local disk (Python; multer/formidable disk storage, gin
    SaveUploadedFile, MultipartFile.transferTo ...).
    Fix: add a Scaling section to the architecture docs and configure the replicas; keep
    shared state, sessions and uploads out of the process.
    """
    services = _web(ctx)
    if not services:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    config = _scaling_config(ctx)
    evidence = _scaling_sections(ctx) + config
    state = [f for svc in services for f in _state_findings(ctx, svc, replicated=bool(config))]
    if evidence:
        first = evidence[0]
        if state:
            return outcome_from_findings(
                ctx,
                state,
                pass_message=f"scaling described ({first.path}:{first.line})",
                evidence=evidence[:MAX_EVIDENCE],
            )
        return Outcome(
            Status.PASS,
            f"scaling described ({first.path}:{first.line})",
            tuple(evidence[:MAX_EVIDENCE]),
        )
    finding = _finding(
        NO_SCALING_STRATEGY,
        ".",
        None,
        "no scaling section in the docs and no replicas, autoscaler or concurrency setting",
    )
    return outcome_from_findings(
        ctx, [finding, *state], pass_message="no scaling strategy (below the threshold)"
    )


def _state_findings(ctx: Context, svc: ServiceApi, *, replicated: bool) -> list[Finding]:
    """In-process state of one service: handlers that change module-level containers, file
    sessions, and (when the deployment runs several replicas) uploads on the local disk."""
    # A handler is known by its file and name (decorated in place) or by its module and name
    # (Django's urls.py naming views.func).
    by_file = {(route.file, route.handler.rpartition(".")[2]) for route in svc.routes}
    by_module = {
        tuple(route.handler.rsplit(".", 1)) for route in svc.routes if "." in route.handler
    }
    findings: list[Finding] = []
    # semgrep's sightings (JavaScript/TypeScript, Go, Java): its rules place mutations and
    # uploads inside handlers already.
    for path, sighting in _engine_state(ctx):
        if inventory.service_for(path, ctx.services) is not svc.service:
            continue
        rule = _ENGINE_STATE_RULES.get(sighting.kind)
        if rule is None or (rule is UPLOADS_ON_LOCAL_DISK and not replicated):
            continue
        where = f"{sighting.function}() " if sighting.function else ""
        findings.append(_finding(rule, path, sighting.line, f"{where}{sighting.detail}"))
    for path, facts in sorted(ctx.file_facts.items()):
        if is_test_path(path) or inventory.service_for(path, ctx.services) is not svc.service:
            continue
        parts = path.removesuffix(".py").split("/")
        suffixes = [".".join(parts[i:]) for i in range(len(parts))]
        for fact in facts.values():
            if not isinstance(fact, StateFacts):
                continue
            for sighting in fact.sightings:
                name = sighting.function
                serves = (path, name) in by_file or any((m, name) in by_module for m in suffixes)
                if sighting.kind == "session":
                    rule = SESSIONS_ON_LOCAL_DISK
                elif sighting.kind == "mutation" and serves:
                    rule = STATE_IN_PROCESS
                elif sighting.kind == "upload" and serves and replicated:
                    rule = UPLOADS_ON_LOCAL_DISK
                else:
                    continue
                where = f"{sighting.function}() " if sighting.function else ""
                findings.append(_finding(rule, path, sighting.line, f"{where}{sighting.detail}"))
    return findings[: _MAX_PER_RULE * 3]


_ENGINE_STATE_RULES = {
    "session": SESSIONS_ON_LOCAL_DISK,
    "mutation": STATE_IN_PROCESS,
    "upload": UPLOADS_ON_LOCAL_DISK,
}


def _scaling_sections(ctx: Context) -> list[Evidence]:
    found: list[Evidence] = []
    docs = doc_sections(ctx)
    for section in docs.sections:
        if not _SCALING_HEADING.search(section.title[:200]):
            continue
        word = _SCALING_WORDS.search(section.body)
        if word is None:
            continue
        line = section.body_line + section.body.count("\n", 0, word.start())
        found.append(
            Evidence(section.path, line, f"section {section.title[:60]!r}: {word.group()}")
        )
    return found


def _scaling_config(ctx: Context) -> list[Evidence]:
    def match(_path: str, line: str) -> str | None:
        hit = next((what for pattern, what in _SCALING_CONFIG if pattern.search(line)), None)
        return None if hit is None else f"{hit}: {line.strip()[:80]}"

    return first_matching_lines(ctx, lambda p: p.lower().endswith(_CONFIG_SUFFIXES), match)


@criterion("scalability.caching_layers", consumes=(Fact.STACK,))
def caching_layers_are_identified(ctx: Context) -> Outcome:
    """Caching layers identified.

    Why: a service that sends every read to its database scales only as far as the database
    does. The evidence is a cache client or cache framework the service's own code imports
    (Redis, memcached, Django/Flask/FastAPI caches, Spring cache, Caffeine, ioredis, go-redis).
    Fix: cache hot reads and document where the cache sits and how it is invalidated.
    """
    services = _web(ctx)
    if not services:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for svc in services:
        found = _imports_of(ctx, svc, CACHE_MODULES) + _django_caches(ctx, svc)
        evidence.extend(found[:MAX_EVIDENCE])
        if not found:
            findings.append(
                _finding(
                    NO_CACHE, _manifest(svc), None, f"service {svc.service.name}: no cache found"
                )
            )
    return outcome_from_findings(
        ctx,
        findings,
        pass_message="a cache is used in every service",
        evidence=evidence[:MAX_EVIDENCE],
    )


_DJANGO_CACHE = re.compile(
    r"""["']BACKEND["']\s{0,4}:\s{0,4}["']((?:django_redis|django\.core\.cache\.backends\."""
    r"""(?:redis|memcached))[\w.]{0,80})["']"""
)


def _django_caches(ctx: Context, svc: ServiceApi) -> list[Evidence]:
    """A shared cache backend in Django settings (CACHES names it as a string, not an import)."""
    if "django" not in svc.frameworks:
        return []

    def wanted(path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        settings = name.startswith("settings") or "/settings/" in f"/{path}"
        return (
            name.endswith(".py")
            and settings
            and inventory.service_for(path, ctx.services) is svc.service
        )

    def match(_path: str, line: str) -> str | None:
        found = _DJANGO_CACHE.search(line)
        return f"CACHES backend {found.group(1)}" if found else None

    return first_matching_lines(ctx, wanted, match)


@criterion("scalability.circuit_breakers", consumes=(Fact.STACK,))
def outbound_calls_are_bounded(ctx: Context) -> Outcome:
    """Circuit breaker patterns applied.

    Why: one slow dependency without timeouts, retries or a breaker ties up every worker that
    calls it and takes the service down with it. Every outbound HTTP call or client that can
    wait forever is a finding with its line: Python requests and urllib without timeout=;
    axios calls and axios.create() without timeout or signal, fetch without signal, got and
    node http.request/get without timeout (JavaScript/TypeScript); http.Get/Post/Head/PostForm,
    http.DefaultClient and http.Client literals without Timeout (Go); new RestTemplate()
    without a request factory, RestTemplateBuilder without connect/read timeouts, WebClient
    without a connector or timeout(), HttpClient without connectTimeout (Java). A call whose
    options are a variable is not reported. A service that calls out needs a breaker or
    retry-with-backoff library (pybreaker, tenacity, resilience4j, failsafe, opossum,
    cockatiel, axios-retry, gobreaker, hystrix-go, backoff, retry-go, go-retryablehttp ...).
    Database and cache clients count too: one created without a connect timeout where its
    library waits without limit is a finding — psycopg/psycopg2 and SQLAlchemy engines on
    PostgreSQL, mysqlclient, redis-py and Django DATABASES (Python), node-postgres Pool/Client
    without connectionTimeoutMillis (JavaScript/TypeScript), database/sql, sqlx and pgx on a
    PostgreSQL DSN without connect_timeout (Go); a URL read from the environment is not judged.
    Queue clients too: pika's BlockingConnection without blocked_connection_timeout (its
    default None waits without limit while the broker blocks). A service whose PostgreSQL
    clients are judged and that sets statement_timeout nowhere (client options or DSN, a SET
    or ALTER ROLE/DATABASE ... SET in SQL or migrations, `-c statement_timeout=` for the
    server, postgresql.conf, a parameter group) is one GK424 finding at its first client.
    JavaScript, Go and Java are read by semgrep: when it did not run or failed, the criterion
    is error for those services.
    Fix: give every call a timeout and wrap the calls in a breaker and retries with backoff.
    """
    services = _web(ctx)
    if not services:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    gaps: list[str] = []
    judged = 0
    hidden = 0
    for svc in services:
        calls = _outbound(ctx, svc)
        resilient = _imports_of(ctx, svc, RESILIENCE_MODULES)
        evidence.extend(resilient[:MAX_EVIDENCE])
        unbounded = [(path, call) for path, call in calls if not call.timeout]
        for path, call in unbounded[:_MAX_PER_RULE]:
            shown = call.callee if call.callee.endswith((")", "}")) else f"{call.callee}(...)"
            findings.append(
                _finding(CALL_WITHOUT_TIMEOUT, path, call.line, f"{shown} has no timeout")
            )
        hidden += max(len(unbounded) - _MAX_PER_RULE, 0)
        clients = _db_clients(ctx, svc)
        judged += bool(clients)
        for path, client in clients:
            if client.bounded:
                evidence.append(Evidence(path, client.line, _bound_by(client)))
            else:
                findings.append(
                    _finding(
                        DB_CLIENT_WITHOUT_TIMEOUT,
                        path,
                        client.line,
                        f"{client.client}: {client.detail}",
                    )
                )
        stated, unstated = _statement_timeouts(ctx, svc, clients)
        evidence.extend(stated)
        findings.extend(unstated)
        languages = set(svc.service.names("language"))
        gap = engine_gap(ctx, svc, "outbound calls")
        if gap is not None:
            gaps.append(gap)
        if calls:
            judged += 1
            if not resilient:
                path, first = calls[0]
                findings.append(
                    _finding(
                        NO_RESILIENCE,
                        path,
                        first.line,
                        f"service {svc.service.name} calls out over HTTP ({len(calls)} call(s), "
                        f"first {first.callee}) with no breaker or retry library",
                    )
                )
        elif resilient:
            judged += 1
        elif not languages & _READ_LANGUAGES:
            shown = ", ".join(sorted(languages)) or "its language"
            gaps.append(
                f"service {svc.service.name}: outbound calls in {shown} are not read yet (issue 11)"
            )
    if gaps and not findings:
        return Outcome(Status.ERROR, "; ".join(gaps), tuple(evidence[:MAX_EVIDENCE]))
    if not judged and not findings:
        return Outcome(Status.NOT_APPLICABLE, "no outbound HTTP call found in the services' code")
    note = f"; {hidden} more GK422 not listed" if hidden else ""
    return outcome_from_findings(
        ctx,
        findings,
        pass_message="outbound calls are bounded and wrapped in retries or a breaker" + note,
        evidence=evidence[:MAX_EVIDENCE],
    )


@criterion("scalability.service_boundaries", consumes=(Fact.STACK, Fact.ROUTES))
def service_boundaries_hold(ctx: Context) -> Outcome:
    """Service boundaries defined.

    Why: a service whose parts import each other in circles cannot be changed, scaled or split
    one part at a time. The evidence is the import graph of each service's first-level
    packages: a cycle between them is a finding, and so is a module that serves routes and
    imports a database driver or client directly (not an ORM). First-level packages are
    Python's app.api, app.core ... (or a project's apps); the directories under `src/` (or
    the service root) of JavaScript/TypeScript code, with relative imports and tsconfig
    `paths`/`baseUrl` resolved to files; the first directory under a Go module (under
    internal/, pkg/ and cmd/ one deeper), from go.mod's module path; the base Java package
    (the longest common prefix of the `package` declarations) plus one segment, joined by
    `import` statements (references inside a package need none and are not seen). Route
    files of JavaScript, Go and Java come from semgrep: when it did not run, drivers in
    route files are unknown and the criterion is error unless something else fails.
    Fix: make dependencies point one way (API -> services -> data access) and keep drivers
    behind the data layer.
    """
    services = _web(ctx)
    if not services:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    gaps: list[str] = []
    for svc in services:
        languages = svc.service.names("language")
        other = boundaries.judge(ctx, svc)
        gaps.extend(other.gaps)
        graphs = list(other.graphs)
        if "python" in languages:
            graphs.insert(0, boundaries.PackageGraph("Python", *_package_graph(ctx, svc)))
        elif not graphs and not other.gaps:
            shown = ", ".join(languages) or "its language"
            gaps.append(
                f"service {svc.service.name}: the import graph of {shown} code is not "
                "built yet (issue 11)"
            )
            continue
        for built in graphs:
            graph = built.graph
            cycles = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
            for cycle in sorted(sorted(c) for c in cycles)[:MAX_CYCLES_REPORTED]:
                # cite one import inside the cycle, the first in sorted order
                edge = min(e for e in graph.subgraph(cycle).edges)
                path, line = built.sites.get(edge, ("", 0))
                findings.append(
                    _finding(
                        IMPORT_CYCLE,
                        path or _manifest(svc),
                        line or None,
                        f"packages {' <-> '.join(cycle)} import each other",
                    )
                )
            if graph.number_of_nodes():
                label = f" ({built.language})" if len(graphs) > 1 else ""
                evidence.append(
                    Evidence(
                        _manifest(svc),
                        None,
                        f"service {svc.service.name}{label}: {graph.number_of_nodes()} "
                        f"first-level package(s), {graph.number_of_edges()} import edge(s)"
                        + ("" if not cycles else f", {len(cycles)} cycle(s)"),
                    )
                )
        drivers = [(d.path, d.line, d.module) for d in other.drivers]
        route_files = {r.file for r in svc.routes if r.file.endswith(".py")}
        for path in sorted(route_files):
            for module, line in _imports_in(ctx, path):
                if module.split(".")[0] in _DRIVERS:
                    drivers.append((path, line, module))
                    break
        for path, line, module in sorted(drivers):
            findings.append(
                _finding(
                    ROUTE_USES_DRIVER,
                    path,
                    line,
                    f"{path} serves routes and imports the driver {module}",
                )
            )
    if gaps and not findings:
        return Outcome(Status.ERROR, "; ".join(gaps), tuple(evidence))
    if not evidence and not findings:
        return Outcome(Status.NOT_APPLICABLE, "no package structure to judge")
    return outcome_from_findings(
        ctx,
        findings,
        pass_message="first-level packages import each other one way",
        evidence=evidence,
    )


def _imports_in(ctx: Context, path: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for fact in ctx.file_facts.get(path, {}).values():
        if isinstance(fact, FileImports):
            found.extend((i.module, i.line) for i in fact.imports)
    return found


def _package_graph(
    ctx: Context, svc: ServiceApi
) -> tuple[nx.DiGraph, dict[tuple[str, str], tuple[str, int]]]:
    """First-level packages of the service's Python code and the imports between them.

    The import root is where the service's absolute imports start (`backend/` for `import
    app.core`, NetBox's `netbox/` for `import dcim.models`). Under one top-level package the
    first level is its subpackages (app.api, app.core); under several (NetBox's apps) it is
    the packages themselves.
    """
    files = [
        p
        for p in sorted(ctx.file_facts)
        if p.endswith(".py")
        and not is_test_path(p)
        and inventory.service_for(p, ctx.services) is svc.service
    ]
    present = set(files)
    heads = {
        m.split(".")[0] for p in files for m, _ in _imports_in(ctx, p) if not m.startswith(".")
    }
    roots = sorted(
        {
            p[: len(p) - len(rest)]
            for p in files
            for rest in _tails(p)
            if rest.split("/")[0].removesuffix(".py") in heads
            and (
                f"{p[: len(p) - len(rest)]}{rest.split('/')[0]}/__init__.py" in present
                or f"{p[: len(p) - len(rest)]}{rest.split('/')[0]}" == p.removesuffix(".py")
            )
        },
        key=len,
        reverse=True,
    )
    modules: dict[str, str] = {}  # dotted module -> its file
    for path in files:
        root = next((r for r in roots if path.startswith(r)), None)
        if root is None:
            continue
        parts = path[len(root) :].removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            modules[".".join(parts)] = path
    tops = {m.split(".")[0] for m in modules}
    depth = 2 if len(tops) == 1 else 1

    def first_level(module: str) -> str | None:
        parts = module.split(".")
        while parts and ".".join(parts) not in modules:
            parts = parts[:-1]
        if len(parts) < depth:
            return None
        return ".".join(parts[:depth])

    graph: nx.DiGraph = nx.DiGraph()
    lines: dict[tuple[str, str], tuple[str, int]] = {}
    for module, path in sorted(modules.items()):
        source = first_level(module)
        if source is None:
            continue
        graph.add_node(source)
        package = module.split(".") if path.endswith("__init__.py") else module.split(".")[:-1]
        for imported, line in _imports_in(ctx, path):
            target = first_level(_absolute(imported, package))
            if target is not None and target != source:
                graph.add_edge(source, target)
                lines.setdefault((source, target), (path, line))
    return graph, lines


def _tails(path: str) -> list[str]:
    """`a/b/c.py` -> ["a/b/c.py", "b/c.py", "c.py"]: the path below each candidate root."""
    parts = path.split("/")
    return ["/".join(parts[i:]) for i in range(len(parts))]


def _absolute(module: str, package: list[str]) -> str:
    """`..models` imported from app/api/routes -> app.api.models."""
    level = len(module) - len(module.lstrip("."))
    if not level:
        return module
    base = package[: len(package) - (level - 1)] if level - 1 <= len(package) else []
    rest = module[level:]
    return ".".join([*base, rest] if rest else base)


def _engine_state(ctx: Context) -> tuple[tuple[str, StateSighting], ...]:
    """Process-local state semgrep found (express-session without a store; module-level state
    changed in handlers and uploads on the local disk in JavaScript/TypeScript, Go and Java),
    once per audit."""

    def text_of(path: str) -> str | None:
        try:
            return ctx.index.read_text(path).text if ctx.index.get(path) else None
        except (GatekeeperError, OSError, ValueError):
            return None

    return ctx.cached("engine_state", lambda: sgstate.resolve(ctx.engine_facts.matches, text_of))


def _db_clients(ctx: Context, svc: ServiceApi) -> list[tuple[str, DbClient]]:
    """The service's database clients: Python's, then semgrep's (JavaScript/TypeScript, Go)."""
    found: list[tuple[str, DbClient]] = []
    imports: dict[str, frozenset[str]] = {}
    for path, facts in sorted(ctx.file_facts.items()):
        for fact in facts.values():
            if isinstance(fact, FileImports):
                imports[path] = frozenset(i.module for i in fact.imports)
        if is_test_path(path) or inventory.service_for(path, ctx.services) is not svc.service:
            continue
        for fact in facts.values():
            if isinstance(fact, DbClients):
                found.extend((path, client) for client in fact.clients)

    def text_of(path: str) -> str | None:
        try:
            return ctx.index.read_text(path).text if ctx.index.get(path) else None
        except (GatekeeperError, OSError, ValueError):
            return None

    engine = ctx.cached(
        "engine_dbclients",
        lambda: sgdbclients.resolve(
            ctx.engine_facts.matches, lambda p: imports.get(p, frozenset()), text_of
        ),
    )
    found.extend(
        (path, client)
        for path, client in engine
        if inventory.service_for(path, ctx.services) is svc.service
    )
    return found[:_MAX_PER_RULE]


def _bound_by(client: DbClient) -> str:
    """What a GK423 client that passes sets: the connect timeout, or a queue client's bound."""
    what = "connect timeout"
    if client.database == RABBITMQ:
        pika = "blocked_connection_timeout" in client.detail
        what = "blocked_connection_timeout" if pika else "socket timeout"
    return f"{client.client}: {what} set"


def _statement_timeouts(
    ctx: Context, svc: ServiceApi, clients: list[tuple[str, DbClient]]
) -> tuple[list[Evidence], list[Finding]]:
    """GK424: the service's statement_timeout evidence, or one finding at its first PostgreSQL
    client that is read and sets none, when nothing in the service sets one."""
    postgres = [(path, c) for path, c in clients if c.database == POSTGRESQL]
    if not postgres:
        return [], []
    stated = [
        Evidence(path, c.line, f"{c.client}: statement_timeout set")
        for path, c in postgres
        if c.statement == "set"
    ]
    stated.extend(
        e
        for e in ctx.cached("statement_timeout", lambda: _statement_timeout_lines(ctx))
        if inventory.service_for(e.path, ctx.services) in (svc.service, None)
    )
    unset = [(path, c) for path, c in postgres if c.statement == "unset"]
    if stated or not unset:
        return stated[:MAX_EVIDENCE], []
    path, first = unset[0]
    more = f"; {len(unset) - 1} more client(s) like it" if len(unset) > 1 else ""
    message = (
        f"{first.client} opens PostgreSQL and service {svc.service.name} sets no "
        f"statement_timeout (PostgreSQL's default 0 lets a query run without limit){more}"
    )
    return [], [_finding(DB_WITHOUT_STATEMENT_TIMEOUT, path, first.line, message)]


# Where a statement timeout is set outside the clients' own options; a value of 0 disables it.
_STATEMENT_VALUE = r"""\s*(?:=|\bTO\b|:)?\s*['"]?([1-9]\d*\s*[a-z]{0,3})\b"""
_STATEMENT_SETTINGS = (
    # SET [SESSION|LOCAL] statement_timeout, ALTER ROLE|USER|DATABASE ... SET statement_timeout
    re.compile(r"\bSET\s+(?:SESSION\s+|LOCAL\s+)?statement_timeout" + _STATEMENT_VALUE, re.I),
    # postgres -c statement_timeout=..., PGOPTIONS, a DSN's options=-c statement_timeout=...
    re.compile(r"""-c\s*statement_timeout\s*=\s*['"]?[1-9]\d*""", re.I),
    re.compile(r"statement_timeout%3D[1-9]\d*", re.I),
)
_STATEMENT_CONFIG = (
    # postgresql.conf, a YAML args list item, a DSN parameter, a Terraform parameter group
    re.compile(r"""^\s*(?:-\s*)?['"]?statement_timeout['"]?""" + _STATEMENT_VALUE, re.I),
    re.compile(r"[?&\s]statement_timeout=[1-9]\d*", re.I),
    re.compile(r"""\bname\s*=\s*"statement_timeout\""""),
)
_STATEMENT_CODE = (".py", ".js", ".mjs", ".cjs", ".ts", ".go", ".java", ".kt", ".rb", ".sql")
_STATEMENT_FILES = (".yaml", ".yml", ".env", ".conf", ".ini", ".toml", ".json", ".tf")


def _statement_timeout_lines(ctx: Context) -> list[Evidence]:
    """The first line of each file that sets a statement timeout, repository-wide."""

    def wanted(path: str) -> bool:
        name = path.rsplit("/", 1)[-1].lower()
        return name.endswith(_STATEMENT_CODE + _STATEMENT_FILES) or name.startswith(
            ("dockerfile", ".env", "docker-compose", "compose")
        )

    def match(path: str, line: str) -> str | None:
        if "statement_timeout" not in line.lower():
            return None  # most lines: one substring test instead of six patterns
        config = not path.lower().endswith(_STATEMENT_CODE)
        for pattern in _STATEMENT_SETTINGS + (_STATEMENT_CONFIG if config else ()):
            found = pattern.search(line)
            if found is not None:
                return f"statement_timeout set: {found.group(0).strip()[:80]}"
        return None

    return first_matching_lines(ctx, wanted, match)


def _outbound(ctx: Context, svc: ServiceApi) -> list[tuple[str, OutboundCall]]:
    """The service's outbound calls outside tests: Python's and semgrep's, by file and line."""
    per_file: dict[str, list[OutboundCall]] = {}
    for path, facts in ctx.file_facts.items():
        for fact in facts.values():
            if isinstance(fact, OutboundCalls):
                per_file.setdefault(path, []).extend(fact.calls)
    for path, read in engine_observability(ctx).calls:
        per_file.setdefault(path, []).extend(read)
    found: list[tuple[str, OutboundCall]] = []
    for path, calls in sorted(per_file.items()):
        if is_test_path(path) or inventory.service_for(path, ctx.services) is not svc.service:
            continue
        found.extend((path, call) for call in sorted(calls))
    return found


PHASE = Phase(
    4,
    "scalability",
    "Architecture & Scalability",
    (
        scaling_strategy_is_documented,
        caching_layers_are_identified,
        outbound_calls_are_bounded,
        service_boundaries_hold,
    ),
    consumes=(Fact.STACK,),
)
