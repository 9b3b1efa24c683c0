"""Phase 3, Authentication & Security: authentication, authorization, input validation, OWASP.

Authorization is decided per route (routes/auth.py): a route that changes data with nothing
checking the caller, and not declared public, is a finding.
"""

from __future__ import annotations

import re
from dataclasses import replace

from gatekeeper import config as cfg
from gatekeeper.model import Confidence, Evidence, Finding, Location, Severity, Status
from gatekeeper.phases import api_design, owasp
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
)
from gatekeeper.repo import display_path
from gatekeeper.routes import auth
from gatekeeper.routes.auth import Auth, RouteAuth
from gatekeeper.routes.inventory import ServiceApi
from gatekeeper.routes.model import Route

PHASE_ID = "security"
MAX_EVIDENCE = 20
_A07 = ("A07:2021 - Identification and Authentication Failures",)
_A01 = ("A01:2021 - Broken Access Control",)

NO_AUTHENTICATION = Rule(
    "GK301",
    "no-authentication",
    "security.authentication_implemented",
    Severity.HIGH,
    Confidence.MEDIUM,
    "A web service serves routes but no authentication mechanism was found: no auth library, "
    "no route that checks the caller.",
    "Add authentication (JWT, OAuth2/OIDC, sessions or API keys) and check it on every route "
    "that is not public.",
    ("CWE-306",),
    _A07,
)
AUTH_METHOD_DIFFERS = Rule(
    "GK302",
    "auth-method-differs",
    "security.authentication_implemented",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The declared auth_method is not the mechanism the code uses.",
    "Correct `auth_method` in the configuration, or implement the declared mechanism.",
)
MUTATING_ROUTE_WITHOUT_AUTH = Rule(
    "GK311",
    "mutating-route-without-auth",
    "security.authorization_rules",
    Severity.HIGH,
    Confidence.MEDIUM,
    "A route that changes data (POST, PUT, PATCH, DELETE) runs with nothing checking the caller, "
    "and is not declared public.",
    "Add the auth dependency, decorator or middleware to the route (or its router); if it is "
    "meant to be public, list it in `public_routes`.",
    ("CWE-862",),
    _A01,
)
SENSITIVE_ROUTE_WITHOUT_AUTH = Rule(
    "GK312",
    "sensitive-route-without-auth",
    "security.authorization_rules",
    Severity.HIGH,
    Confidence.MEDIUM,
    "An admin, debug, internal or maintenance route runs with nothing checking the caller.",
    "Protect it with an admin-only check, or remove it from production builds.",
    ("CWE-306",),
    _A01,
)

SPEC_AUTH_NOT_ENFORCED = Rule(
    "GK314",
    "spec-requires-auth-code-checks-none",
    "security.authorization_rules",
    Severity.HIGH,
    Confidence.MEDIUM,
    "The API spec says the operation needs an authenticated caller (a `security` requirement), "
    "but nothing in the code checks the caller on the route that serves it: clients and "
    "reviewers trust a contract the code does not keep.",
    "Add the auth dependency, decorator or middleware the spec's security scheme stands for; "
    "if the operation is public, say so in the spec (`security: []`).",
    ("CWE-306",),
    _A01,
)
SPEC_PUBLIC_CODE_REQUIRES_AUTH = Rule(
    "GK315",
    "spec-public-code-requires-auth",
    "security.authorization_rules",
    Severity.LOW,
    Confidence.MEDIUM,
    "The API spec declares the operation public (`security: []`, or an empty requirement among "
    "the alternatives), but the code requires an authenticated caller: the contract is out of "
    "date, and clients and generated SDKs built from it call without credentials.",
    "If the route is meant to be protected, give the operation the spec's security "
    "requirement; if it is meant to be public, remove the check from the code.",
    ("CWE-1059",),
    (),
)
OBJECT_NOT_AUTHORIZED = Rule(
    "GK313",
    "object-level-authorization-missing",
    "security.authorization_rules",
    Severity.MEDIUM,
    Confidence.LOW,
    "A route loads an object by an id from its path and returns or changes it without comparing "
    "it with the caller or asking for a permission: any signed-in user may reach anyone's "
    "object (OWASP API1:2023, broken object-level authorization).",
    "Filter the lookup by the caller (owner=current_user) or check the object's owner or a "
    "permission before using it.",
    ("CWE-639",),
    _A01,
)
UNVALIDATED_INPUT = Rule(
    "GK321",
    "unvalidated-request-body",
    "security.input_validation",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A route reads the request body raw (request.json, request.data, request.POST ...) with no "
    "declared request model, no validation decorator and no validation call in the handler.",
    "Validate the body with a schema: a pydantic model parameter, a DRF serializer's "
    "is_valid(), marshmallow load() or @use_kwargs/@arguments.",
    ("CWE-20",),
    ("A03:2021 - Injection",),
)
MASS_ASSIGNMENT = Rule(
    "GK322",
    "mass-assignment",
    "security.input_validation",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "Request data is spread wholesale into a call (Model(**request.json)): a caller can set "
    "any field, privileged ones included.",
    "Copy only the fields the route accepts, through a schema that lists them.",
    ("CWE-915",),
    _A01,
)

RULES = (
    NO_AUTHENTICATION,
    AUTH_METHOD_DIFFERS,
    MUTATING_ROUTE_WITHOUT_AUTH,
    SENSITIVE_ROUTE_WITHOUT_AUTH,
    SPEC_AUTH_NOT_ENFORCED,
    SPEC_PUBLIC_CODE_REQUIRES_AUTH,
    OBJECT_NOT_AUTHORIZED,
    UNVALIDATED_INPUT,
    MASS_ASSIGNMENT,
)

_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE", "ANY"})
# Spec-first frameworks that enforce an operation's `security` themselves (connexion calls the
# scheme's x-*InfoFunc before the handler).
_SPEC_ENFORCED = frozenset({"connexion"})
# A whole path segment naming an admin, debug or maintenance surface.
_SENSITIVE = re.compile(
    r"/(?:admin|debug|internal|_debug|__debug__|console|actuator|maintenance|reset|flush|"
    r"shutdown|seed|dump|reset-db|resetdb)(?:/|$)",
    re.IGNORECASE,
)
# Login, registration and recovery routes are public by nature.
_ENTRY_POINTS = re.compile(
    r"/(?:login|logout|signin|sign-in|signup|sign-up|register|registration|token|tokens|refresh|"
    r"password-reset|password-recovery|reset-password|forgot-password|verify|webhooks?|"
    r"callback|oauth|auth|(?:forgot|reset|recover)[-_]?(?:pw|pass|password))(?:/|$|\{|-)",
    re.IGNORECASE,
)
# Routes load balancers, crawlers and monitors call without credentials: health and readiness
# probes, robots.txt, favicon, metrics scrapes.
_PROBES = re.compile(
    r"^/(?:_?health(?:z|check)?|_?livez|_?readyz|ready|ping|status|robots\.txt|favicon\.ico|"
    r"metrics)$",
    re.IGNORECASE,
)
# The handler's own name (its last dotted part), snake_case or camelCase: `register_user`,
# `UsersRegistration`, `loginHandler`, `forgotPassword`.
_ENTRY_HANDLER = re.compile(
    r"(?:^|[._])[A-Za-z0-9]*?(?:log_?in|log_?out|sign_?in|sign_?up|(?<!un)regist(?:er|ration)|"
    r"(?:create|obtain|refresh)_?token|(?:forgot|reset|recover)_?(?:pw|pass(?:word)?))"
    r"(?:_?(?:user|handler|view|endpoint|action))?$",
    re.IGNORECASE,
)


_ADMIN_ONLY = re.compile(r"admin|superuser|staff", re.IGNORECASE)
_CHANGES_AN_OBJECT = frozenset({"PUT", "PATCH", "DELETE"})


def _object_unchecked(decision: RouteAuth) -> str | None:
    """A signed-in route that loads an object by a path id and never checks whose it is:
    "change" when it updates or deletes it, "read" when it returns it, else None."""
    route = decision.route
    if decision.auth != Auth.REQUIRED or "{" not in route.url_path:
        return None
    if decision.evidence is not None and _ADMIN_ONLY.search(decision.evidence.what):
        return None  # only administrators get in: they may reach every object
    if not route.object_lookups or route.owner_checked:
        return None
    if route.method in _CHANGES_AN_OBJECT:
        return "change"
    return "read" if route.method in ("GET", "ANY") else None


def _unknown_methods(route: Route) -> bool:
    """An ANY route served by a class from outside the repository (a third-party view such
    as a schema or GraphQL view): which methods change data is not known, so it is not judged."""
    return route.method == "ANY" and "." not in route.handler and route.handler[:1].isupper()


def route_auth(ctx: Context) -> dict[str, list[RouteAuth]]:
    """The route x auth matrix per service root, built once per audit."""

    def build() -> dict[str, list[RouteAuth]]:
        public = ctx.config.public_routes
        return {svc.service.root: auth.matrix(svc, public) for svc in api_inventory(ctx).services}

    return ctx.cached("route_auth", build)


def _development_only(route: Route, finding: Finding) -> Finding:
    """A route mounted only under a development condition is reported at low, saying so."""
    condition = next((m.condition for m in route.mounts if m.condition), "")
    if not condition:
        return finding
    where = next(m for m in route.mounts if m.condition)
    return replace(
        finding,
        severity=Severity.LOW,
        message=f"{finding.message}; mounted only when {condition} "
        f"({display_path(where.file)}:{where.line})",
    )


def _finding(rule: Rule, path: str, line: int | None, message: str) -> Finding:
    return make_finding(rule, Location(path, line), message, phase=PHASE_ID)


def _web(ctx: Context) -> list[ServiceApi]:
    return [s for s in api_inventory(ctx).services if s.frameworks or s.routes]


@criterion("security.authentication_implemented", consumes=(Fact.STACK, Fact.ROUTES))
def an_authentication_mechanism_is_implemented(ctx: Context) -> Outcome:
    """Authentication mechanism implemented.

    Why: every route that is not public needs to know who is calling. The evidence is an auth
    library the service depends on or imports (JWT, OAuth2/OIDC, sessions) and routes whose
    dependencies, decorators or middleware check the caller; a declared `auth_method` must be
    the mechanism the code uses.
    Fix: implement the declared mechanism and check it on the routes that need it.
    """
    if ctx.specs is None:
        return Outcome(Status.ERROR, "routes were not collected in this run")
    services = _web(ctx)
    if not services:
        return Outcome(Status.NOT_APPLICABLE, "no web service in the repository")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    matrix = route_auth(ctx)
    declared = ctx.config.auth_method if "auth_method" in ctx.config.origins else None
    for svc in services:
        libraries = [d for d in svc.service.detections if d.kind == "auth"]
        for detection in libraries:
            evidence.extend(
                Evidence(e.path, e.line, f"{svc.service.name}: {detection.name} ({e.what})")
                for e in detection.evidence[:2]
            )
        checked = [r for r in matrix.get(svc.service.root, []) if r.auth == Auth.REQUIRED]
        evidence.extend(r.evidence for r in checked[:3] if r.evidence is not None)
        methods = {cfg.auth_method_of(d.name) for d in libraries} - {None}
        if declared is not None and methods and declared not in methods:
            origin = ctx.config.origins["auth_method"].split(" ")[0]
            findings.append(
                _finding(
                    AUTH_METHOD_DIFFERS,
                    origin,
                    None,
                    f"auth_method = {declared!r} is declared, but service {svc.service.name} "
                    f"uses {', '.join(sorted(m for m in methods if m))}",
                )
            )
        if libraries or checked or not svc.routes:
            continue
        manifest = svc.service.manifests[0] if svc.service.manifests else svc.service.root
        findings.append(
            _finding(
                NO_AUTHENTICATION,
                manifest,
                None,
                f"service {svc.service.name} serves {len(svc.routes)} route(s) with no auth "
                "library and no route that checks the caller",
            )
        )
    if not evidence and not findings:
        return Outcome(Status.NOT_APPLICABLE, "no web service serves routes")
    return outcome_from_findings(
        ctx,
        findings,
        pass_message="an authentication mechanism is implemented",
        evidence=evidence[:MAX_EVIDENCE],
    )


@criterion("security.authorization_rules", consumes=(Fact.ROUTES,))
def every_route_that_changes_data_checks_the_caller(ctx: Context) -> Outcome:
    """Authorization rules defined.

    Why: broken access control is the most common API flaw (OWASP API1/API5 2023), and it is an
    absence: a route with no check. Every route is classified required, public or none from
    its dependencies, decorators, permission classes and app-wide middleware; a route that
    changes data, or an admin/debug route, with no check and not declared public is a finding.
    Login, registration and token routes are public by nature. Where an OpenAPI spec describes
    the route, the two must agree: the spec requires a caller and the code checks none (high),
    or the spec declares the route public (`security: []`) and the code requires a caller (low,
    the contract is out of date).
    Fix: add the check to the route or its router, or declare the route in `public_routes`.
    """
    if ctx.specs is None:
        return Outcome(Status.ERROR, "routes were not collected in this run")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    gaps: list[str] = []
    unchecked_reads: list[Evidence] = []
    judged = 0
    contracts = {
        svc.service.root: api_design.operations_by_key(svc.operations)
        for svc in api_inventory(ctx).services
    }
    for root, decisions in sorted(route_auth(ctx).items()):
        for decision in decisions:
            route = decision.route
            if decision.auth == Auth.UNKNOWN:
                gaps.append(f"routes of service {root or '.'} are not read yet (issue 6)")
                break
            judged += 1
            unchecked = _object_unchecked(decision)
            if unchecked is not None:
                object_finding = _finding(
                    OBJECT_NOT_AUTHORIZED,
                    route.file,
                    route.line,
                    f"{route.method} {route.url_path} ({route.handler}) loads an object "
                    f"with {route.object_lookups[0]} by a path id and never compares it with "
                    "the caller or checks a permission"
                    + (" before returning it" if unchecked == "read" else ""),
                )
                if unchecked == "read":  # reads are often of objects every user may see
                    object_finding = replace(object_finding, severity=Severity.LOW)
                findings.append(object_finding)
            if decision.auth != Auth.NONE:
                if (
                    decision.auth == Auth.REQUIRED
                    and route.framework not in _SPEC_ENFORCED
                    and (op := api_design.spec_operation(route, contracts.get(root, {})))
                    is not None
                    and op.security == "public"
                ):
                    findings.append(
                        _finding(
                            SPEC_PUBLIC_CODE_REQUIRES_AUTH,
                            route.file,
                            route.line,
                            f"{route.method} {route.url_path} ({route.handler}): "
                            f"{display_path(op.file)}:{op.line} declares it public, and the code "
                            f"requires a caller"
                            + (f" ({decision.evidence.what})" if decision.evidence else ""),
                        )
                    )
                if decision.evidence is not None and len(evidence) < MAX_EVIDENCE:
                    seen = decision.evidence
                    what = f"{route.method} {route.url_path}: {decision.auth} ({seen.what})"
                    evidence.append(Evidence(seen.path, seen.line, what))
                continue
            name = f"{route.method} {route.url_path} ({route.handler})"
            if (
                _ENTRY_POINTS.search(route.url_path)
                or _ENTRY_HANDLER.search(route.handler)
                or _PROBES.search(route.url_path)
            ):
                continue  # login, registration, token, recovery and probe routes are public
            if _SENSITIVE.search(route.url_path):
                findings.append(
                    _development_only(
                        route,
                        _finding(
                            SENSITIVE_ROUTE_WITHOUT_AUTH,
                            route.file,
                            route.line,
                            f"{name} is an admin, debug or maintenance route and nothing checks "
                            "the caller",
                        ),
                    )
                )
            elif route.method in _MUTATING and not _unknown_methods(route):
                findings.append(
                    _development_only(
                        route,
                        _finding(
                            MUTATING_ROUTE_WITHOUT_AUTH,
                            route.file,
                            route.line,
                            f"{name} changes data and nothing checks the caller",
                        ),
                    )
                )
            elif (
                route.framework not in _SPEC_ENFORCED  # there the framework checks the spec
                and (op := api_design.spec_operation(route, contracts.get(root, {}))) is not None
                and op.security == "required"
            ):
                findings.append(
                    _development_only(
                        route,
                        _finding(
                            SPEC_AUTH_NOT_ENFORCED,
                            route.file,
                            route.line,
                            f"{name}: {display_path(op.file)}:{op.line} requires an authenticated "
                            "caller, and nothing in the code checks one",
                        ),
                    )
                )
            else:
                unchecked_reads.append(
                    Evidence(route.file, route.line, f"{name}: reads only, no check")
                )
    if gaps and not findings:
        return Outcome(Status.ERROR, "; ".join(sorted(set(gaps))), tuple(evidence))
    if not judged and not gaps:
        return Outcome(Status.NOT_APPLICABLE, "no route found")
    out = outcome_from_findings(
        ctx,
        findings,
        pass_message=f"every route that changes data checks the caller ({judged} routes)"
        if evidence
        else "no route that changes data goes unchecked; "
        f"{len(unchecked_reads)} read-only route(s) check no caller",
        evidence=evidence or unchecked_reads[:MAX_EVIDENCE],
    )
    if gaps and out.status == Status.FAIL:
        message = f"{out.message}; also: {'; '.join(sorted(set(gaps)))}"
        return Outcome(out.status, message, out.evidence, out.findings)
    return out


# Decorators that validate the request against a schema (flask-apispec, flask-smorest,
# flask-restx, webargs, Flask-Pydantic, connexion's own validation).
_VALIDATING_DECORATORS = re.compile(
    r"(?:^|\.)(?:use_kwargs|use_args|arguments|expect|validate|validate_json|validate_request|"
    r"input|body|schema)$",
    re.IGNORECASE,
)
_WRITES = frozenset({"POST", "PUT", "PATCH", "ANY"})


@criterion("security.input_validation", consumes=(Fact.ROUTES,))
def request_bodies_are_validated(ctx: Context) -> Outcome:
    """Input validation present.

    Why: a handler that reads the body raw trusts whatever the caller sends: wrong types,
    missing fields, oversized values, fields the caller must not set (CWE-20, CWE-915). A
    route is validated when it declares a request model (a pydantic parameter, a DRF
    serializer, a spec-bound operation), carries a validating decorator, or calls a validator
    (is_valid, model_validate, schema load) on what it reads.
    Fix: validate the body with a schema that lists the fields the route accepts.
    """
    if ctx.specs is None:
        return Outcome(Status.ERROR, "routes were not collected in this run")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    gaps: list[str] = []
    judged = 0
    for svc in _web(ctx):
        if not svc.covered:
            if svc.routes or svc.frameworks:
                gaps.append(f"routes of service {svc.service.name} are not read yet (issue 6)")
            continue
        for route in svc.routes:
            if route.method not in _WRITES:
                continue
            name = f"{route.method} {route.url_path} ({route.handler})"
            for spread in route.mass_assignments:
                findings.append(
                    _finding(
                        MASS_ASSIGNMENT,
                        route.file,
                        route.line,
                        f"{name} spreads request data into {spread}",
                    )
                )
            how = _validated_by(route)
            if how is not None:
                judged += 1
                if len(evidence) < MAX_EVIDENCE:
                    evidence.append(Evidence(route.file, route.line, f"{name}: {how}"))
                continue
            if not route.raw_inputs:
                continue  # reads no body we can see
            judged += 1
            findings.append(
                _finding(
                    UNVALIDATED_INPUT,
                    route.file,
                    route.line,
                    f"{name} reads {', '.join(route.raw_inputs)} without validating it",
                )
            )
    if gaps and not findings:
        return Outcome(Status.ERROR, "; ".join(sorted(set(gaps))), tuple(evidence))
    if not judged and not findings:
        return Outcome(Status.NOT_APPLICABLE, "no route that takes a request body was found")
    return outcome_from_findings(
        ctx,
        findings,
        pass_message=f"{judged} route(s) that take a body validate it",
        evidence=evidence,
    )


def _validated_by(route: Route) -> str | None:
    if route.request_model is not None:
        return f"request model {route.request_model}"
    decorator = next((d for d in route.decorators if _VALIDATING_DECORATORS.search(d[:200])), None)
    if decorator is not None:
        return f"@{decorator}"
    if route.validations and route.raw_inputs:
        return f"validated in the handler ({', '.join(route.validations)})"
    return None


PHASE = Phase(
    3,
    "security",
    "Authentication & Security",
    (
        an_authentication_mechanism_is_implemented,
        every_route_that_changes_data_checks_the_caller,
        request_bodies_are_validated,
        owasp.owasp_top10_is_addressed,
    ),
    consumes=(Fact.STACK, Fact.ROUTES),
)
