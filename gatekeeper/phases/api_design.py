"""Phase 1, API Design: contracts, versioning, rate limiting, error handling, pagination.

Every criterion reads the code's routes and the specs together (routes/inventory.py); a
service whose routes gatekeeper cannot extract yet makes the code side `error`, never `pass`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gatekeeper.engines.openapi import SpecStatus
from gatekeeper.extract.imports import FileImports
from gatekeeper.model import (
    Confidence,
    Evidence,
    Finding,
    Location,
    RouteRow,
    Service,
    Severity,
    SpecRow,
    Status,
)
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
from gatekeeper.repo import display_path
from gatekeeper.routes import inventory
from gatekeeper.routes.inventory import ApiInventory, ServiceApi
from gatekeeper.routes.model import ANY_METHOD, AppHook, Route, path_key
from gatekeeper.routes.spec import SpecOperation
from gatekeeper.stack import is_test_path

PHASE_ID = "api_design"
MAX_EVIDENCE = 20
MAX_SPEC_ERRORS = 20
_OWASP_DESIGN = ("A04:2021 - Insecure Design",)


def _rule(
    rid: str,
    name: str,
    crit: str,
    severity: Severity,
    confidence: Confidence,
    summary: str,
    fix: str,
    cwe: tuple[str, ...] = (),
    owasp: tuple[str, ...] = (),
) -> Rule:
    return Rule(rid, name, f"{PHASE_ID}.{crit}", severity, confidence, summary, fix, cwe, owasp)


ROUTE_WITHOUT_CONTRACT = _rule(
    "GK101",
    "route-without-contract",
    "endpoints_have_contracts",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A route has no contract: no spec operation and no declared request/response model.",
    "Describe it in an OpenAPI document, or declare its models in code (FastAPI "
    "response_model=, a DRF serializer_class).",
)
SPEC_INVALID = _rule(
    "GK102",
    "spec-invalid",
    "endpoints_have_contracts",
    Severity.HIGH,
    Confidence.HIGH,
    "The OpenAPI/Swagger document does not validate against its specification.",
    "Fix the document at the pointer the message names; clients generated from an invalid "
    "spec break.",
)
SPEC_REF_REFUSED = _rule(
    "GK103",
    "spec-ref-refused",
    "endpoints_have_contracts",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A `$ref` points outside the repository (a URL, an absolute path, ../ beyond the root) or "
    "at nothing; gatekeeper does not follow it.",
    "Keep every referenced document inside the repository and reference it by a relative path.",
    ("CWE-610",),
)
OPERATION_WITHOUT_RESPONSE_SCHEMA = _rule(
    "GK104",
    "operation-without-response-schema",
    "endpoints_have_contracts",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A spec operation has no success response with a schema.",
    "Give its 2xx response a `content` entry with a `schema` (201/202/204 may have no body).",
)
REQUEST_BODY_WITHOUT_SCHEMA = _rule(
    "GK105",
    "request-body-without-schema",
    "endpoints_have_contracts",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A spec operation takes a request body without a schema.",
    "Add a `schema` to each media type of the requestBody.",
)
ROUTE_NOT_IN_SPEC = _rule(
    "GK106",
    "route-not-in-spec",
    "endpoints_have_contracts",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The code serves a route that the service's spec does not declare.",
    "Add the operation to the spec, or remove the route; list health and docs paths in "
    "`operational_routes` if they are meant to stay out of it.",
)
SPEC_OPERATION_NOT_SERVED = _rule(
    "GK107",
    "spec-operation-not-served",
    "endpoints_have_contracts",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The spec declares an operation that no route in the code serves.",
    "Implement it or remove it from the spec; check the servers base path and router prefixes.",
)
NO_API_SURFACE = _rule(
    "GK108",
    "no-routes-found",
    "endpoints_have_contracts",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A web service has neither routes gatekeeper could find nor an API spec.",
    "Add an OpenAPI document; if routes are registered dynamically, register them statically "
    "or describe them in a spec.",
)
ROUTE_UNRESOLVED = _rule(
    "GK109",
    "route-not-resolved",
    "endpoints_have_contracts",
    Severity.LOW,
    Confidence.MEDIUM,
    "A route or router include whose path or target gatekeeper cannot resolve statically.",
    "Use a literal path (or a module-level constant) so readers and tools can see the route.",
)
NO_VERSIONING = _rule(
    "GK111",
    "no-versioning-scheme",
    "versioning_strategy",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No API versioning scheme: no version path prefix, version header or versioned media type.",
    "Serve the API under a version prefix (/v1, /api/v1) or declare a version header or media "
    "type in the spec.",
)
ROUTE_NOT_VERSIONED = _rule(
    "GK112",
    "route-not-versioned",
    "versioning_strategy",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "Most routes carry a version prefix but this one does not: the scheme is mixed.",
    "Move the route under the version prefix, or list it in `operational_routes` if it is a "
    "health, metrics or docs path.",
)
NO_RATE_LIMITING = _rule(
    "GK121",
    "no-rate-limiting",
    "rate_limiting_rules",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No rate limiting found: no limiter in code, no 429 or rate-limit headers in the spec, no "
    "gateway limit in the repository, no declared delegation.",
    "Add a limiter (slowapi, flask-limiter, django-ratelimit or DRF throttling, "
    "express-rate-limit ...), configure one at the gateway, or declare "
    "`rate_limiting.delegated_to` with the document that says where it lives.",
    ("CWE-770",),
    _OWASP_DESIGN,
)
NO_ERROR_HANDLER = _rule(
    "GK131",
    "no-global-error-handler",
    "error_handling_patterns",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service registers no global error handler, so error responses take whatever shape "
    "each handler or the framework default gives them.",
    "Register one: FastAPI @app.exception_handler, Flask @app.errorhandler, DRF "
    "EXCEPTION_HANDLER, Django handler404/handler500, aiohttp error middleware.",
    ("CWE-209",),
)
OPERATION_WITHOUT_ERRORS = _rule(
    "GK132",
    "operation-without-error-responses",
    "error_handling_patterns",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A spec operation documents no 4xx, 5xx or default response.",
    "Document its error responses (at least 4xx and default) with a shared error schema, "
    "ideally application/problem+json (RFC 9457).",
)
ERRORS_WITHOUT_SCHEMA = _rule(
    "GK133",
    "error-responses-without-schema",
    "error_handling_patterns",
    Severity.LOW,
    Confidence.HIGH,
    "A spec operation's error responses have no schema.",
    "Give them a shared error schema, ideally application/problem+json (RFC 9457).",
)
COLLECTION_NOT_PAGINATED = _rule(
    "GK141",
    "collection-not-paginated",
    "pagination",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A collection endpoint returns a list with no pagination parameters.",
    "Accept limit/offset, page/size or a cursor and cap the page size; return next links or "
    "a cursor.",
    ("CWE-770",),
    _OWASP_DESIGN,
)

RULES = (
    ROUTE_WITHOUT_CONTRACT,
    SPEC_INVALID,
    SPEC_REF_REFUSED,
    OPERATION_WITHOUT_RESPONSE_SCHEMA,
    REQUEST_BODY_WITHOUT_SCHEMA,
    ROUTE_NOT_IN_SPEC,
    SPEC_OPERATION_NOT_SERVED,
    NO_API_SURFACE,
    ROUTE_UNRESOLVED,
    NO_VERSIONING,
    ROUTE_NOT_VERSIONED,
    NO_RATE_LIMITING,
    NO_ERROR_HANDLER,
    OPERATION_WITHOUT_ERRORS,
    ERRORS_WITHOUT_SCHEMA,
    COLLECTION_NOT_PAGINATED,
)

# ---------------------------------------------------------------------------- shared


def api_inventory(ctx: Context) -> ApiInventory:
    """The routes and specs of this audit, built once and shared with later phases."""
    return ctx.cached(
        "api_inventory",
        lambda: inventory.build(
            ctx.index, ctx.services, ctx.file_facts, ctx.specs or (), ctx.engine_facts
        ),
    )


def _finding(rule: Rule, path: str, line: int | None, message: str) -> Finding:
    return make_finding(rule, Location(path, line), message, phase=PHASE_ID)


def _route_name(route: Route) -> str:
    return f"{route.method} {route.url_path}"


def _op_name(op: SpecOperation) -> str:
    return f"{op.method} {op.full_paths()[0]}"


def _manifest_of(service: Service) -> str:
    return service.manifests[0] if service.manifests else service.root


@dataclass(slots=True)
class _Tally:
    """Findings, evidence and the parts that could not be judged, for one criterion."""

    findings: list[Finding] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def cite(self, path: str, line: int | None, what: str) -> None:
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(Evidence(path, line, what))

    def outcome(self, ctx: Context, pass_message: str) -> Outcome:
        """Fail on failing findings; otherwise `error` when a part could not be judged."""
        out = outcome_from_findings(
            ctx, self.findings, pass_message=pass_message, evidence=self.evidence
        )
        if not self.gaps:
            return out
        gap_text = "; ".join(sorted(set(self.gaps)))
        if out.status == Status.FAIL:
            return Outcome(
                out.status, f"{out.message}; also: {gap_text}", out.evidence, out.findings
            )
        return Outcome(Status.ERROR, gap_text, out.evidence, out.findings)


def _web_services(api: ApiInventory) -> list[ServiceApi]:
    """Services that serve HTTP: a web framework detected, routes found, or a spec of their own."""
    return [
        s
        for s in api.services
        if s.frameworks or s.routes or any(not _shared(s, spec.path) for spec in s.specs)
    ]


def _shared(svc: ServiceApi, spec_path: str) -> bool:
    return inventory.service_for(spec_path, [svc.service]) is None


# Views a framework adds by itself: DRF's DefaultRouter serves a browsable API root.
_FRAMEWORK_VIEWS = frozenset({"APIRootView"})


def _served(svc: ServiceApi, patterns: Sequence[str]) -> list[Route]:
    return [
        r
        for r in svc.routes
        if not inventory.is_operational(r.url_path, patterns) and r.handler not in _FRAMEWORK_VIEWS
    ]


def _declared(svc: ServiceApi, patterns: Sequence[str]) -> list[SpecOperation]:
    return [
        op
        for op in svc.operations
        if not any(inventory.is_operational(p, patterns) for p in op.full_paths())
    ]


def _code_gap(svc: ServiceApi) -> str | None:
    """Why the service's code side cannot be judged, or None when it can."""
    if svc.covered:
        return None
    if svc.gap is not None:
        return f"service {svc.service.name}: {svc.gap}, so its code side was not checked"
    frameworks = ", ".join(svc.frameworks) or "no web framework detected"
    return (
        f"service {svc.service.name}: routes of {frameworks} are not extracted yet "
        "(issue 6), so its code side was not checked"
    )


def _unparsed_gaps(api: ApiInventory, svc: ServiceApi, services: Sequence[Service]) -> list[str]:
    return [
        f"{display_path(path)}: routes not read ({reason})"
        for path, reason in api.unparsed
        if inventory.service_for(path, services) is svc.service
    ]


# ---------------------------------------------------------------------------- contracts


@criterion("api_design.endpoints_have_contracts", consumes=(Fact.ROUTES, Fact.SPECS))
def every_endpoint_has_a_contract(ctx: Context) -> Outcome:
    """API endpoints defined with contracts.

    Why: a contract (an OpenAPI operation, or models the framework publishes as one) is what
    clients, tests and reviewers rely on; code and spec that disagree mislead all three.
    Every spec is validated offline; every route in the code must be in the service's spec and
    every spec operation must be served. Without a spec, a route counts as contracted when it
    declares its response model (FastAPI response_model, DRF serializer_class).
    Fix: add the missing operations or routes; keep the spec valid and its `$ref`s inside the
    repository.
    """
    if ctx.specs is None:
        return Outcome(Status.ERROR, "API specs were not discovered in this run")
    api = api_inventory(ctx)
    tally = _Tally()
    patterns = ctx.config.operational_routes
    for spec in api.specs:
        _check_spec(spec, tally)
    for path, line, message in api.problems:
        tally.findings.append(_finding(ROUTE_UNRESOLVED, path, line, message))
    web = _web_services(api)
    if not web and not api.specs:
        return Outcome(Status.NOT_APPLICABLE, "no web service and no API spec in the repository")
    for svc in web:
        tally.gaps.extend(_unparsed_gaps(api, svc, ctx.services))
        styles = set(svc.api_styles)
        if styles & {"graphql", "grpc"} and not svc.routes and not svc.operations:
            schemas = [
                e
                for e in api.schema_files
                if inventory.service_for(e.path, ctx.services) is svc.service
            ]
            for ev in schemas:
                tally.cite(ev.path, ev.line, ev.what)
            if not schemas:
                kind = "GraphQL schema (*.graphql)" if "graphql" in styles else ".proto service"
                tally.findings.append(
                    _finding(
                        NO_API_SURFACE,
                        _manifest_of(svc.service),
                        None,
                        f"service {svc.service.name} is {'/'.join(sorted(styles))} but no {kind} "
                        "file declares its contract (a schema built only in code is not read)",
                    )
                )
            continue
        gap = _code_gap(svc)
        if gap is not None:
            tally.gaps.append(gap)
            continue
        routes = _served(svc, patterns)
        ops = _declared(svc, patterns)
        if not svc.routes and not svc.operations:
            tally.findings.append(
                _finding(
                    NO_API_SURFACE,
                    _manifest_of(svc.service),
                    None,
                    f"service {svc.service.name} uses {', '.join(svc.frameworks)} but no route "
                    "and no API spec was found",
                )
            )
            continue
        if svc.operations:
            _drift(svc, routes, ops, tally)
        else:
            _code_first(svc, routes, tally)
    return tally.outcome(ctx, "every endpoint found has a contract, and code and spec agree")


def _check_spec(spec: inventory.Spec, tally: _Tally) -> None:
    result = spec.result
    if result.status == SpecStatus.ERROR:
        tally.gaps.append(result.message or f"{display_path(spec.path)}: not validated")
        return
    for problem in result.ref_problems:
        where = f" at {problem.pointer}" if problem.pointer else ""
        tally.findings.append(
            _finding(
                SPEC_REF_REFUSED,
                problem.file or spec.path,
                None,
                f"$ref {problem.ref!r}{where} not followed: {problem.reason}",
            )
        )
    if result.status == SpecStatus.INVALID:
        for error in result.errors[:MAX_SPEC_ERRORS]:
            where = f" at {error.pointer}" if error.pointer else ""
            tally.findings.append(
                _finding(SPEC_INVALID, spec.path, error.line or 1, f"{error.message}{where}")
            )
        hidden = len(result.errors) - MAX_SPEC_ERRORS
        if hidden > 0:
            tally.gaps.append(f"{display_path(spec.path)}: {hidden} more validation errors")
    doc = spec.document
    if doc.error is not None:
        tally.gaps.append(doc.error)
        return
    if result.status == SpecStatus.VALID:
        tally.cite(
            spec.path,
            1,
            f"{spec.candidate.kind} document, valid, {len(doc.operations)} operation(s)",
        )
    if doc.truncated:
        tally.gaps.append(f"{display_path(spec.path)}: more operations than gatekeeper reads")
    for op in doc.operations:
        if op.success_codes or op.error_codes:
            if not op.response_schema:
                tally.findings.append(
                    _finding(
                        OPERATION_WITHOUT_RESPONSE_SCHEMA,
                        op.file,
                        op.line,
                        f"{_op_name(op)}: no success response with a schema",
                    )
                )
        else:
            tally.findings.append(
                _finding(
                    OPERATION_WITHOUT_RESPONSE_SCHEMA,
                    op.file,
                    op.line,
                    f"{_op_name(op)}: no responses at all",
                )
            )
        if op.request_body and not op.request_schema:
            tally.findings.append(
                _finding(
                    REQUEST_BODY_WITHOUT_SCHEMA,
                    op.file,
                    op.line,
                    f"{_op_name(op)}: request body without a schema",
                )
            )


def _keys(ops: Iterable[SpecOperation]) -> dict[tuple[str, str], SpecOperation]:
    out: dict[tuple[str, str], SpecOperation] = {}
    for op in ops:
        for key in inventory.operation_keys(op):
            out.setdefault((op.method, key), op)
    return out


def operations_by_key(ops: Iterable[SpecOperation]) -> dict[tuple[str, str], SpecOperation]:
    """(method, path key) -> the operation code serving that method and path would match."""
    return _keys(ops)


def spec_operation(route: Route, ops: dict[tuple[str, str], SpecOperation]) -> SpecOperation | None:
    """The spec operation a code route serves, if the spec has one."""
    return _route_match(route, ops)


def _route_match(route: Route, ops: dict[tuple[str, str], SpecOperation]) -> SpecOperation | None:
    key = path_key(route.url_path)
    if route.method == ANY_METHOD:
        return next((op for (_, k), op in sorted(ops.items()) if k == key), None)
    return ops.get((route.method, key))


def _drift(svc: ServiceApi, routes: list[Route], ops: list[SpecOperation], tally: _Tally) -> None:
    by_key = _keys(svc.operations)  # operational operations still match their routes
    for route in routes:
        op = _route_match(route, by_key)
        if op is None:
            specs = ", ".join(sorted({s.path for s in svc.specs}))
            tally.findings.append(
                _finding(
                    ROUTE_NOT_IN_SPEC,
                    route.file,
                    route.line,
                    f"{_route_name(route)} ({route.handler}) is served but not declared in {specs}",
                )
            )
        else:
            tally.cite(route.file, route.line, f"{_route_name(route)} is {op.file}:{op.line}")
    served: dict[tuple[str, str], Route] = {}
    for route in svc.routes:
        served.setdefault((route.method, path_key(route.url_path)), route)
    any_method = {key for method, key in served if method == ANY_METHOD}
    for op in ops:
        keys = inventory.operation_keys(op)
        if any((op.method, k) in served or k in any_method for k in keys):
            continue
        tally.findings.append(
            _finding(
                SPEC_OPERATION_NOT_SERVED,
                op.file,
                op.line,
                f"{_op_name(op)} is declared but no route in service {svc.service.name} serves it",
            )
        )


# Decorators that declare a response schema (flask-apispec, flask-restx, flask-smorest).
_RESPONSE_DECORATORS = frozenset({"marshal_with", "marshal_list_with", "response", "marshal"})
# Methods whose contract needs no response body.
_BODYLESS = frozenset({"DELETE", "HEAD", "OPTIONS"})


def _code_first(svc: ServiceApi, routes: list[Route], tally: _Tally) -> None:
    for route in routes:
        if route.response_model is not None:
            tally.cite(
                route.file,
                route.line,
                f"{_route_name(route)} declares response model {route.response_model}",
            )
            continue
        declared = next(
            (d for d in route.decorators if d.rsplit(".", 1)[-1] in _RESPONSE_DECORATORS), None
        )
        if declared is not None:
            tally.cite(route.file, route.line, f"{_route_name(route)} declares @{declared}")
            continue
        if route.method in _BODYLESS:
            continue
        tally.findings.append(
            _finding(
                ROUTE_WITHOUT_CONTRACT,
                route.file,
                route.line,
                f"{_route_name(route)} ({route.handler}) has no spec operation and declares no "
                "response model",
            )
        )


# ---------------------------------------------------------------------------- versioning

_VERSION_SEGMENT = re.compile(
    r"^(?:v\d{1,4}(?:\.\d{1,4})?(?:beta\d{0,3}|alpha\d{0,3})?|\d{4}-\d{2}-\d{2})$"
)
_VERSION_MEDIA = re.compile(r"vnd\.[^;]{0,200}v\d|version=", re.IGNORECASE)


def _version_of(path: str) -> str | None:
    for segment in path.split("/")[:20]:
        if _VERSION_SEGMENT.match(segment.lower()):
            return segment
    return None


@criterion("api_design.versioning_strategy", consumes=(Fact.ROUTES, Fact.SPECS))
def one_versioning_scheme_covers_every_route(ctx: Context) -> Outcome:
    """Versioning strategy established.

    Why: clients pin a version; without one scheme (a path prefix such as /v1, a version header
    or a versioned media type) applied to every route, a breaking change breaks them all, and
    a mix of versioned and unversioned routes means some of the API cannot evolve safely.
    Health, metrics and docs paths are exempt (`operational_routes`).
    Fix: put every route under the version prefix, or declare the version header or media type
    in the spec.
    """
    if ctx.specs is None:
        return Outcome(Status.ERROR, "API specs were not discovered in this run")
    api = api_inventory(ctx)
    tally = _Tally()
    patterns = ctx.config.operational_routes
    judged = 0
    graphql: list[str] = []
    for svc in _web_services(api):
        if _graphql_only(svc):
            graphql.append(svc.service.name)
            continue
        gap = _code_gap(svc)
        routes = _served(svc, patterns) if gap is None else []
        ops = _declared(svc, patterns)
        if gap is not None and not ops:
            tally.gaps.append(gap)
            continue
        items = [(r.url_path, r.file, r.line, _route_name(r)) for r in routes] + [
            (op.full_paths()[0], op.file, op.line, _op_name(op)) for op in ops
        ]
        if not items:
            continue
        judged += 1
        other = _header_or_media_versioning(svc.operations)
        if other is not None:
            tally.cite(*other)
            continue
        versioned = [item for item in items if _version_of(item[0])]
        if not versioned:
            path, file, line, name = min(items, key=lambda i: (i[1], i[2]))
            tally.findings.append(
                _finding(
                    NO_VERSIONING,
                    file,
                    line,
                    f"service {svc.service.name}: none of its {len(items)} route(s) and "
                    f"operation(s) is versioned (first: {name})",
                )
            )
            continue
        versions = sorted({_version_of(i[0]) or "" for i in versioned})
        for path, file, line, _name in versioned[:3]:
            tally.cite(file, line, f"{path}: version {_version_of(path)}")
        for path, file, line, name in items:
            if _version_of(path) is None:
                tally.findings.append(
                    _finding(
                        ROUTE_NOT_VERSIONED,
                        file,
                        line,
                        f"{name} has no version prefix while {len(versioned)} other(s) use "
                        f"{', '.join(versions)}",
                    )
                )
    if not judged and not tally.gaps:
        if graphql:
            return Outcome(Status.NOT_APPLICABLE, _GRAPHQL_VERSIONING.format(", ".join(graphql)))
        return Outcome(Status.NOT_APPLICABLE, "no route or spec operation to version")
    return tally.outcome(ctx, "every route is under one versioning scheme")


_GRAPHQL_VERSIONING = (
    "GraphQL service(s) {}: a GraphQL API evolves one schema (deprecating fields) instead of "
    "versioning paths"
)
_GRAPHQL_PAGINATION = (
    "GraphQL service(s) {}: GraphQL lists page through connections (edges, pageInfo), which "
    "gatekeeper does not read yet"
)


def _graphql_only(svc: ServiceApi) -> bool:
    """A GraphQL service with no REST routes or spec operations of its own."""
    return "graphql" in svc.api_styles and not svc.routes and not svc.operations


def _header_or_media_versioning(ops: Sequence[SpecOperation]) -> tuple[str, int, str] | None:
    for op in ops:
        header = next((h for h in op.header_params if "version" in h.lower()), None)
        if header is not None:
            return op.file, op.line, f"{_op_name(op)} takes the version header {header}"
        media = next((m for m in op.media_types if _VERSION_MEDIA.search(m)), None)
        if media is not None:
            return op.file, op.line, f"{_op_name(op)} uses the versioned media type {media}"
    return None


# ---------------------------------------------------------------------------- rate limiting

_LIMITER_NAME = re.compile(r"rate.?limit|throttl|slowapi|limiter|ratelimit", re.IGNORECASE)
_LIMITER_IMPORTS = (
    "slowapi",
    "flask_limiter",
    "django_ratelimit",
    "ratelimit",
    "fastapi_limiter",
    "limits",
    "express-rate-limit",
    "rate-limiter-flexible",
    "express-slow-down",
    "@nestjs/throttler",
    "@fastify/rate-limit",
    "koa-ratelimit",
    "golang.org/x/time/rate",
    "github.com/ulule/limiter",
    "github.com/didip/tollbooth",
    "github.com/JGLTechnologies/gin-rate-limit",
    "io.github.bucket4j",
    "com.github.bucket4j",
    "io.github.resilience4j.ratelimiter",
    "com.google.common.util.concurrent.RateLimiter",
)
# Gateway and proxy configuration that limits request rates, one pattern per line read.
_GATEWAY = (
    (re.compile(r"^\s*limit_req(?:_zone)?\s"), "nginx limit_req"),
    (re.compile(r"limit-rps|limit-rpm|limit-connections"), "ingress-nginx rate-limit annotation"),
    (re.compile(r"^\s*-?\s*name:\s*['\"]?rate-limiting"), "Kong rate-limiting plugin"),
    (re.compile(r"UsagePlan|ThrottlingRateLimit|throttling_rate_limit"), "API Gateway throttling"),
    (re.compile(r"^\s*throttle:\s*$|^\s*throttle_settings\s*\{"), "API Gateway throttling"),
    (re.compile(r"^\s*rateLimit:\s*$|^\s*ratelimit:\s*$"), "proxy rateLimit middleware"),
    (re.compile(r"local_ratelimit|envoy\.filters\.http\.ratelimit"), "Envoy rate limit filter"),
)
_GATEWAY_SUFFIXES = (".conf", ".yaml", ".yml", ".tf", ".toml", ".template")


@criterion("api_design.rate_limiting_rules", consumes=(Fact.ROUTES, Fact.SPECS))
def requests_are_rate_limited(ctx: Context) -> Outcome:
    """Rate limiting rules specified.

    Why: an API without limits lets one client exhaust it (CWE-770) and makes credential
    stuffing cheap. The limit may live in code (a limiter decorator, middleware or throttle
    class), at the gateway (nginx limit_req, Kong, API Gateway usage plans), in the spec (429
    responses, rate-limit headers), or elsewhere by a declared delegation.
    Fix: add a limiter, configure one at the gateway, or declare `rate_limiting.delegated_to`
    with the document that says where it lives.
    """
    if ctx.specs is None:
        return Outcome(Status.ERROR, "API specs were not discovered in this run")
    api = api_inventory(ctx)
    web = _web_services(api)
    if not web:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    tally = _Tally()
    repo_wide = _delegation(ctx, tally) + _gateway_limits(ctx, tally)
    for svc in web:
        found = _code_limits(ctx, svc) + _spec_limits(svc)
        for ev in found:
            tally.cite(ev.path, ev.line, ev.what)
        if found or repo_wide:
            continue
        gap = _code_gap(svc)
        if gap is not None:  # a limiter on its routes would not have been seen
            tally.gaps.append(gap)
            continue
        tally.findings.append(
            _finding(
                NO_RATE_LIMITING,
                _manifest_of(svc.service),
                None,
                f"service {svc.service.name}: no limiter in code, no 429 or rate-limit header "
                "in its spec, no gateway limit in the repository",
            )
        )
    return tally.outcome(ctx, "rate limiting is specified")


def _delegation(ctx: Context, tally: _Tally) -> int:
    target = ctx.config.rate_limiting_delegated_to
    if target is None:
        return 0
    where = ctx.loaded.path or "configuration"
    if ctx.index.get(target) is None:
        tally.findings.append(
            _finding(
                NO_RATE_LIMITING,
                where if ctx.index.get(where) else target,
                None,
                f"rate_limiting.delegated_to names {target}, which is not a file in the repository",
            )
        )
        return 0
    tally.cite(target, 1, "rate limiting delegated to this document (configuration)")
    return 1


def _gateway_limits(ctx: Context, tally: _Tally) -> int:
    def match(_path: str, line: str) -> str | None:
        return next((what for pattern, what in _GATEWAY if pattern.search(line)), None)

    found = first_matching_lines(ctx, lambda p: p.lower().endswith(_GATEWAY_SUFFIXES), match)
    for ev in found:
        tally.cite(ev.path, ev.line, ev.what)
    return len(found)


def _code_limits(ctx: Context, svc: ServiceApi) -> list[Evidence]:
    found: list[Evidence] = []
    for hook in svc.hooks:
        if hook.kind == "rate_limit" or (
            hook.kind == "middleware" and _LIMITER_NAME.search(hook.name)
        ):
            found.append(Evidence(hook.file, hook.line, f"{hook.kind} {hook.name}"))
    for route in svc.routes:
        names = [n for n in (*route.decorators, *route.dependencies) if _LIMITER_NAME.search(n)]
        if names:
            found.append(
                Evidence(route.file, route.line, f"{_route_name(route)} limited by {names[0]}")
            )
    services = ctx.services
    for path, facts in sorted(ctx.file_facts.items()):
        if is_test_path(path) or inventory.service_for(path, services) is not svc.service:
            continue
        for fact in facts.values():
            if not isinstance(fact, FileImports):
                continue
            for imp in fact.imports:
                if any(
                    imp.module == lib
                    or imp.module.startswith(lib + ".")
                    or imp.module.startswith(lib + "/")
                    for lib in _LIMITER_IMPORTS
                ):
                    found.append(Evidence(path, imp.line, f"rate limiter {imp.module} imported"))
    return found


def limits_every_route(ctx: Context, svc: ServiceApi) -> list[Evidence]:
    """Rate limits that apply to every route of the service: an app-level limiter or
    middleware, a gateway limit in the repository, or a declared delegation to a file that
    exists. (An imported limiter library alone says nothing about a given route.)"""
    found = [
        Evidence(hook.file, hook.line, f"{hook.kind} {hook.name}")
        for hook in svc.hooks
        if hook.kind == "rate_limit"
        or (hook.kind == "middleware" and _LIMITER_NAME.search(hook.name))
    ]
    target = ctx.config.rate_limiting_delegated_to
    if target is not None and ctx.index.get(target) is not None:
        found.append(Evidence(target, 1, "rate limiting delegated to this document"))

    def gateway() -> list[Evidence]:
        scratch = _Tally()
        _gateway_limits(ctx, scratch)
        return scratch.evidence

    return found + ctx.cached("gateway_rate_limits", gateway)


def route_limiter(route: Route) -> str | None:
    """The limiter decorator or dependency on the route itself, if any."""
    return next(
        (n for n in (*route.decorators, *route.dependencies) if _LIMITER_NAME.search(n)), None
    )


def _spec_limits(svc: ServiceApi) -> list[Evidence]:
    return [
        Evidence(op.file, op.line, f"{_op_name(op)} documents {', '.join(op.rate_limit)}")
        for op in svc.operations
        if op.rate_limit
    ]


# ---------------------------------------------------------------------------- error handling


@criterion("api_design.error_handling_patterns", consumes=(Fact.ROUTES, Fact.SPECS))
def errors_follow_one_pattern(ctx: Context) -> Outcome:
    """Error handling patterns defined.

    Why: clients need errors in one predictable shape. That takes a global error handler in
    the code (so unexpected exceptions do not leak stack traces, CWE-209) and documented 4xx
    and 5xx responses with an error schema in the spec (application/problem+json is best).
    Fix: register a global handler (FastAPI exception_handler, Flask errorhandler, DRF
    EXCEPTION_HANDLER, Django handler404/handler500) and document error responses on every
    operation with a shared schema.
    """
    if ctx.specs is None:
        return Outcome(Status.ERROR, "API specs were not discovered in this run")
    api = api_inventory(ctx)
    web = _web_services(api)
    if not web:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    tally = _Tally()
    patterns = ctx.config.operational_routes
    for svc in web:
        gap = _code_gap(svc)
        if gap is not None:
            tally.gaps.append(gap)
        else:
            handlers = [h for h in svc.hooks if _handles_errors(h)]
            for hook in handlers:
                what = "error handler for" if hook.kind == "error_handler" else "error middleware"
                tally.cite(hook.file, hook.line, f"{what} {hook.name}")
            if not handlers and (svc.routes or svc.operations):
                tally.findings.append(
                    _finding(
                        NO_ERROR_HANDLER,
                        _manifest_of(svc.service),
                        None,
                        f"service {svc.service.name} ({', '.join(svc.frameworks)}) registers "
                        "no global error handler",
                    )
                )
        for op in _declared(svc, patterns):
            if not op.error_codes:
                tally.findings.append(
                    _finding(
                        OPERATION_WITHOUT_ERRORS,
                        op.file,
                        op.line,
                        f"{_op_name(op)} documents no 4xx, 5xx or default response",
                    )
                )
            elif not op.error_schema:
                tally.findings.append(
                    _finding(
                        ERRORS_WITHOUT_SCHEMA,
                        op.file,
                        op.line,
                        f"{_op_name(op)}: error responses {', '.join(op.error_codes)} have no "
                        "schema",
                    )
                )
            elif op.problem_json:
                tally.cite(op.file, op.line, f"{_op_name(op)} returns application/problem+json")
    return tally.outcome(ctx, "errors are handled globally and documented")


_ERROR_MIDDLEWARE = re.compile(r"error|exception|problem|fault", re.IGNORECASE)


def _handles_errors(hook: AppHook) -> bool:
    """An error handler registration, or a middleware named for the errors it turns into
    responses (aiohttp and ASGI apps have no other way to register one)."""
    if hook.kind == "error_handler":
        return True
    return hook.kind == "middleware" and bool(_ERROR_MIDDLEWARE.search(hook.name[:200]))


# ---------------------------------------------------------------------------- pagination

PAGE_PARAMS = frozenset(
    {
        "limit",
        "offset",
        "page",
        "size",
        "page_size",
        "pagesize",
        "per_page",
        "perpage",
        "cursor",
        "after",
        "before",
        "first",
        "last",
        "skip",
        "take",
        "top",
        "page_token",
        "pagetoken",
        "next_token",
        "nexttoken",
        "starting_after",
        "ending_before",
        "max_results",
        "maxresults",
        "pagenumber",
        "page_number",
    }
)


def _is_collection_path(path: str) -> bool:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return bool(last) and not last.startswith("{")


def _paged(params: Iterable[str]) -> str | None:
    return next((p for p in sorted(params) if p.lower().replace("-", "_") in PAGE_PARAMS), None)


@criterion("api_design.pagination", consumes=(Fact.ROUTES, Fact.SPECS), seed=False)
def collections_are_paginated(ctx: Context) -> Outcome:
    """Collection endpoints are paginated.

    Why: a list endpoint without pagination returns the whole table; it gets slower as data
    grows and lets one request exhaust the database (CWE-770). A collection is a GET whose last
    path segment is not a parameter and whose declared response is a list.
    Fix: accept limit/offset, page/size or a cursor, cap the page size, and return next links
    or a cursor.
    """
    if ctx.specs is None:
        return Outcome(Status.ERROR, "API specs were not discovered in this run")
    api = api_inventory(ctx)
    tally = _Tally()
    patterns = ctx.config.operational_routes
    collections = 0
    unknown = 0
    graphql: list[str] = []
    for svc in _web_services(api):
        if _graphql_only(svc):
            graphql.append(svc.service.name)
            continue
        default_pagination = [h for h in svc.hooks if h.kind == "pagination"]
        gap = _code_gap(svc)
        if gap is not None:
            tally.gaps.append(gap)
        by_key = _keys(svc.operations)
        for route in _served(svc, patterns) if svc.covered else []:
            if route.method not in ("GET", ANY_METHOD) or not _is_collection_path(route.url_path):
                continue
            op = _route_match(route, by_key)
            is_list = (
                route.response_is_list
                or (op is not None and op.response_is_list)
                or _paged(route.query_params) is not None  # takes page parameters: a list
            )
            if not is_list:
                unknown += route.response_is_list is None and op is None
                continue
            collections += 1
            param = _paged(route.query_params) or (op and _paged(op.query_params))
            if param:
                tally.cite(route.file, route.line, f"{_route_name(route)} pages with {param}")
            elif op is not None and op.paged_envelope:
                tally.cite(op.file, op.line, f"{_op_name(op)} returns a paged envelope")
            elif route.framework == "drf" and default_pagination:
                hook = default_pagination[0]
                tally.cite(hook.file, hook.line, f"{_route_name(route)} paged by {hook.name}")
            else:
                tally.findings.append(_unpaged(route.file, route.line, _route_name(route)))
        served = {(r.method, path_key(r.url_path)) for r in svc.routes} if svc.covered else set()
        for op in _declared(svc, patterns):
            if op.method != "GET" or not op.response_is_list:
                continue
            if not _is_collection_path(op.path):
                continue
            if any(("GET", k) in served for k in inventory.operation_keys(op)):
                continue  # judged with its route above
            collections += 1
            param = _paged(op.query_params)
            if param or op.paged_envelope:
                tally.cite(op.file, op.line, f"{_op_name(op)} pages with {param or 'an envelope'}")
            else:
                tally.findings.append(_unpaged(op.file, op.line, _op_name(op)))
    if not collections and not tally.gaps:
        if graphql:
            return Outcome(Status.NOT_APPLICABLE, _GRAPHQL_PAGINATION.format(", ".join(graphql)))
        detail = f" ({unknown} GET route(s) with an undeclared response type)" if unknown else ""
        return Outcome(Status.NOT_APPLICABLE, f"no collection endpoint identified{detail}")
    return tally.outcome(ctx, f"all {collections} collection endpoint(s) are paginated")


def _unpaged(path: str, line: int, name: str) -> Finding:
    return _finding(
        COLLECTION_NOT_PAGINATED,
        path,
        line,
        f"{name} returns a list but takes no limit, page or cursor parameter",
    )


# ---------------------------------------------------------------------------- inventory rows


def inventory_rows(ctx: Context) -> tuple[tuple[RouteRow, ...], tuple[SpecRow, ...]]:
    """The report's `inventory.routes[]` and `inventory.specs[]`."""
    api = api_inventory(ctx)
    routes: list[RouteRow] = []
    for svc in api.services:
        by_key = _keys(svc.operations)
        for route in svc.routes:
            in_spec = (_route_match(route, by_key) is not None) if svc.operations else None
            routes.append(_row(route, svc.service.root, in_spec))
    routes.extend(_row(route, "", None) for route in api.orphans)
    specs = tuple(
        SpecRow(
            path=s.path,
            kind=str(s.candidate.kind),
            version=s.candidate.version,
            status=str(s.result.status),
            operations=len(s.document.operations),
            errors=len(s.result.errors),
            ref_problems=len(s.result.ref_problems),
            message=s.document.error or s.result.message,
        )
        for s in api.specs
    )
    return tuple(sorted(routes)), specs


def _row(route: Route, service: str, in_spec: bool | None) -> RouteRow:
    return RouteRow(
        file=route.file,
        line=route.line,
        method=route.method,
        url_path=route.url_path,
        handler=route.handler,
        framework=route.framework,
        service=service,
        in_spec=in_spec,
        mounts=tuple(
            f"{m.file}:{m.line} {m.prefix or '/'} ({m.how})"
            + (f" only when {m.condition}" if m.condition else "")
            for m in route.mounts
        ),
    )


PHASE = Phase(
    1,
    "api_design",
    "API Design",
    (
        every_endpoint_has_a_contract,
        one_versioning_scheme_covers_every_route,
        requests_are_rate_limited,
        errors_follow_one_pattern,
        collections_are_paginated,
    ),
    produces=(Fact.ROUTES, Fact.SPECS),
    consumes=(Fact.STACK,),
)
