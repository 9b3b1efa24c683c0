"""The route x auth matrix: for every route, is authentication required, declared public, absent,
or unknown, and on what evidence. Pure functions over the inventory; no file is read here.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from gatekeeper.model import Evidence
from gatekeeper.routes.inventory import ServiceApi
from gatekeeper.routes.java import SECURITY_RULE
from gatekeeper.routes.model import SPEC_PUBLIC, SPEC_REQUIRED, AppHook, Route


class Auth(StrEnum):
    REQUIRED = "required"  # a check runs before the handler (dependency, decorator, guard ...)
    PUBLIC = "public"  # declared public: `public_routes`, DRF AllowAny, a read-only allowance
    NONE = "none"  # nothing found that checks the caller
    UNKNOWN = "unknown"  # the service's routes are not read (issue 6 frameworks)


@dataclass(frozen=True, slots=True)
class RouteAuth:
    route: Route
    auth: Auth
    evidence: Evidence | None  # what the decision rests on (None for NONE)


# Names of dependencies, decorators and middleware that check who is calling.
_AUTH_NAME = re.compile(
    r"auth|login|logged_?in|token|jwt|permission|current_user|current_active|require_user"
    r"|requires_|verify|session_user|oauth|bearer|api_?key|guard|protect|admin_required"
    r"|staff_member|superuser|role|scope|secur|passport|credential|signed_in|is_user",
    re.IGNORECASE,
)
# Names that match the pattern above but do not check the caller (Express `auth.optional`
# lets anonymous callers through).
_NOT_AUTH = re.compile(
    r"rate|limit|throttl|csrf|cors|token_?bucket|refresh_session|optional|maybe|anonymous"
    r"|not_?auth|not_?logged|unauth|guest|passport\.(?:initialize|session)\b",
    re.IGNORECASE,
)
_PUBLIC_PERMISSIONS = ("AllowAny",)
_SPRING = frozenset({"spring", "spring-boot"})
_SPRING_OPEN = frozenset({"permitAll", "anonymous"})
_READ_ONLY_PERMISSIONS = ("IsAuthenticatedOrReadOnly", "DjangoModelPermissionsOrAnonReadOnly")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_AUTH_MIDDLEWARE = re.compile(r"LoginRequiredMiddleware|AuthenticationRequired", re.IGNORECASE)
_FLASK_GUARD = re.compile(r"auth|login|token|jwt|verify|require", re.IGNORECASE)


def is_auth_name(name: str) -> bool:
    name = name[:200]
    return bool(_AUTH_NAME.search(name)) and not _NOT_AUTH.search(name)


def is_public(route: Route, patterns: Sequence[str]) -> str | None:
    """The `public_routes` pattern that declares this route public: `/health`, `/docs*`, or
    with a method, `GET /articles*`."""
    for pattern in patterns:
        method, _, path = pattern.partition(" ") if " " in pattern else ("", "", pattern)
        if method and method.upper() != route.method:
            continue
        if fnmatch.fnmatchcase(route.url_path, path.strip()):
            return pattern
    return None


def matrix(svc: ServiceApi, public_routes: Sequence[str]) -> list[RouteAuth]:
    """Every route of the service with its authentication decision."""
    if not svc.covered:
        return [RouteAuth(r, Auth.UNKNOWN, None) for r in svc.routes]
    defaults = [h for h in svc.hooks if h.kind == "auth_default"]
    guards = [h for h in svc.hooks if _is_guard(h)]
    spring = _spring_security(svc)
    decided = [_decide(route, defaults, guards, public_routes) for route in svc.routes]
    rules = [h for h in svc.hooks if h.kind == SECURITY_RULE]
    if spring is None and not rules:
        return decided
    # Spring Security on the classpath authenticates every request unless its filter chain
    # permits it: the first of its rules whose matcher fits the route decides, and a route no
    # rule fits keeps Spring's default.
    out = []
    for d in decided:
        if d.auth != Auth.NONE or d.route.framework not in _SPRING:
            out.append(d)
            continue
        rule = next((r for r in rules if _spring_rule_fits(r.name, d.route)), None)
        if rule is not None:
            kind = rule.name.split(" ", 1)[0]
            auth = Auth.PUBLIC if kind in _SPRING_OPEN else Auth.REQUIRED
            what = f"Spring Security {rule.name.replace(' ANY ', ' ')}"
            out.append(RouteAuth(d.route, auth, Evidence(rule.file, rule.line, what)))
        elif spring is not None:
            out.append(RouteAuth(d.route, Auth.REQUIRED, spring))
        else:
            out.append(d)
    return out


def _spring_rule_fits(name: str, route: Route) -> bool:
    """Whether a rule "KIND METHOD PATTERN..." fits the route: its method (or ANY), and an
    Ant pattern (`**` any number of segments, `*` one, `{x}` one) that every value of the
    route's path matches."""
    _, method, *patterns = name.split(" ")
    if method != "ANY" and method != route.method:
        return False
    segments = [s for s in route.url_path.split("/") if s]
    return any(_ant(p.split("/")[1:] if p != "/**" else ["**"], segments) for p in patterns)


def _ant(pattern: Sequence[str], path: Sequence[str]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_ant(rest, path[i:]) for i in range(len(path) + 1))
    if not path:
        return False
    segment = path[0]
    variable = segment.startswith("{") and segment.endswith("}")
    if head == "*" or (head.startswith("{") and head.endswith("}")):
        fits = True
    elif variable:
        fits = False  # a literal pattern segment does not hold for every value of a variable
    else:
        fits = fnmatch.fnmatchcase(segment, head)
    return fits and _ant(rest, path[1:])


def _spring_security(svc: ServiceApi) -> Evidence | None:
    for detection in svc.service.detections:
        if detection.kind == "auth" and detection.name.startswith("spring-security"):
            where = detection.evidence[0] if detection.evidence else None
            return Evidence(
                where.path if where else svc.service.root,
                where.line if where else None,
                "Spring Security authenticates every request by default (its filter chain "
                "matchers are not read)",
            )
    return None


def _is_guard(hook: AppHook) -> bool:
    """App-wide checks: Django's LoginRequiredMiddleware, a Flask before_request that
    checks a token, an auth middleware on the whole app."""
    if hook.kind != "middleware":
        return False
    if hook.framework == "django":
        return bool(_AUTH_MIDDLEWARE.search(hook.name))
    return is_auth_name(hook.name) and bool(_FLASK_GUARD.search(hook.name))


def _decide(
    route: Route, defaults: Sequence[AppHook], guards: Sequence[AppHook], public: Sequence[str]
) -> RouteAuth:
    where = Evidence(route.file, route.line, "")
    if route.handler.endswith("site.urls"):  # the Django admin asks for its own login
        return RouteAuth(route, Auth.REQUIRED, _with(where, "Django admin site login"))
    declared = is_public(route, public)
    if declared is not None:
        return RouteAuth(route, Auth.PUBLIC, _with(where, f"public_routes {declared!r}"))
    for name in route.dependencies:
        if name.startswith(SPEC_REQUIRED):
            return RouteAuth(route, Auth.REQUIRED, _with(where, name[len(SPEC_REQUIRED) :]))
        if name.startswith(SPEC_PUBLIC):
            return RouteAuth(route, Auth.PUBLIC, _with(where, name[len(SPEC_PUBLIC) :]))
    permissions = [d.split(":", 1)[1] for d in route.dependencies if d.startswith("permission")]
    if permissions:
        return _from_permissions(route, permissions, where)
    for name in (*route.dependencies, *route.decorators):
        bare = name.split(":", 1)[1] if name.startswith(("mixin:", "auth:")) else name
        if name.startswith(("throttle_classes:", "authentication_classes:")):
            continue  # authenticating without a permission check lets anonymous callers in
        if bare.startswith("hand-checked ") or is_auth_name(bare):
            # a check written at the top of the handler (routes/python.py, routes/node.py)
            return RouteAuth(route, Auth.REQUIRED, _with(where, f"checked by {bare}"))
    if route.framework == "drf" and defaults:
        names = [d.name for d in defaults]
        hook = defaults[0]
        if any(n.endswith(_PUBLIC_PERMISSIONS) for n in names):
            return RouteAuth(route, Auth.NONE, None)
        evidence = Evidence(hook.file, hook.line, f"DEFAULT_PERMISSION_CLASSES {hook.name}")
        return RouteAuth(route, Auth.REQUIRED, evidence)
    for hook in guards:
        if hook.framework in (route.framework, "drf" if route.framework == "django" else ""):
            return RouteAuth(
                route, Auth.REQUIRED, Evidence(hook.file, hook.line, f"app-wide {hook.name}")
            )
    return RouteAuth(route, Auth.NONE, None)


def _from_permissions(route: Route, permissions: Sequence[str], where: Evidence) -> RouteAuth:
    if all(p.endswith(_PUBLIC_PERMISSIONS) for p in permissions):
        return RouteAuth(route, Auth.PUBLIC, _with(where, "permission_classes AllowAny"))
    if all(p.endswith(_READ_ONLY_PERMISSIONS) for p in permissions):
        if route.method in _SAFE_METHODS:
            return RouteAuth(route, Auth.PUBLIC, _with(where, f"{permissions[0]} (read-only)"))
        return RouteAuth(route, Auth.REQUIRED, _with(where, permissions[0]))
    checks = [p for p in permissions if not p.endswith(_PUBLIC_PERMISSIONS)]
    return RouteAuth(route, Auth.REQUIRED, _with(where, f"permission_classes {checks[0]}"))


def _with(evidence: Evidence, what: str) -> Evidence:
    return Evidence(evidence.path, evidence.line, what)
