"""The route inventory's facts: one Route per (method, path) a service serves, whatever the
framework, plus the app-level facts (error handlers, middleware) the API phase weighs.

Per-file declarations come from the workers; the mount chains that join them into full paths
are resolved in the parent, where every file's declarations are known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")
ANY_METHOD = "ANY"  # a route that accepts every method (Flask add_url_rule without methods ...)


@dataclass(frozen=True, slots=True, order=True)
class Mount:
    """One step of the chain that puts a route under its full path (outermost first)."""

    file: str
    line: int
    prefix: str  # the path prefix this step adds, normalized ("" when it adds none)
    how: str  # "include_router", "register_blueprint", "include", "APIRouter(prefix=)" ...
    # the test of an `if` the step runs under when that test selects a development or test
    # environment (`settings.ENVIRONMENT == "local"`); "" for a step that always runs
    condition: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Route:
    """One operation a service serves, as written in its code."""

    file: str  # where the handler is bound to the path (decorator, path(), add_get ...)
    line: int
    method: str  # one of HTTP_METHODS, or ANY_METHOD
    url_path: str  # full path as served, normalized by normalize_path: "/api/v1/users/{id}"
    handler: str  # "module.function", "Class.method", "UserViewSet.list" ... as best known
    framework: str  # "fastapi", "flask", "django", "drf", "aiohttp", "express", "gin", "spring"
    mounts: tuple[Mount, ...] = ()
    # Declared contract, as written (a model class name, "list[User]" ...); None when absent.
    request_model: str | None = None
    response_model: str | None = None
    response_is_list: bool | None = None  # the declared response is a collection (None: unknown)
    # Query parameters the handler declares (FastAPI arguments, DRF pagination ...).
    query_params: tuple[str, ...] = ()
    # Decorators on the handler and per-route dependencies, as dotted names without arguments
    # ("login_required", "limiter.limit", "Depends(get_current_user)" -> "get_current_user").
    decorators: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()
    raw_path: str = ""  # the last path segment as written before normalization, for messages
    # Request data the handler reads without a declared model ("request.json" ...), the
    # validation calls it makes, and calls it spreads request data into (mass assignment).
    raw_inputs: tuple[str, ...] = ()
    validations: tuple[str, ...] = ()
    mass_assignments: tuple[str, ...] = ()
    # Object-level authorization: lookups by an argument (an id from the path), and whether
    # the handler compares the object with the caller or asks for a permission.
    object_lookups: tuple[str, ...] = ()
    owner_checked: bool = False


@dataclass(frozen=True, slots=True, order=True)
class AppHook:
    """An app-level registration the API phase weighs: an error handler or a middleware."""

    file: str
    line: int
    kind: str  # "error_handler" or "middleware"
    name: str  # what was registered: "HTTPException", "404", "SlowAPIMiddleware" ...
    framework: str


# ---------------------------------------------------------------------------- path forms

_FLASK_PARAM = re.compile(
    r"<(?:[A-Za-z_][A-Za-z0-9_]{0,40}(?:\([^)<>]{0,80}\))?:)?([A-Za-z_]\w{0,80})>"
)
_BRACE_PARAM = re.compile(r"\{([A-Za-z_][\w.\-]{0,80})(?::[^{}]{0,200})?\}")
_COLON_PARAM = re.compile(r"(?<=/)[:*]([A-Za-z_]\w{0,80})\??")
_NAMED_GROUP = re.compile(
    r"\(\?P<([A-Za-z_]\w{0,80})>[^()]{0,200}(?:\([^()]{0,200}\)[^()]{0,200}){0,4}\)"
)
_UNNAMED_GROUP = re.compile(r"\((?!\?)[^()]{0,200}\)")
_MULTI_SLASH = re.compile(r"/{2,}")
_ANY_PARAM = re.compile(r"\{[^{}/]{0,200}\}")
MAX_PATH_CHARS = 2000


def join_paths(*parts: str) -> str:
    """Join prefixes and a path the way routers do: one slash between parts, leading slash."""
    joined = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    trailing = bool(parts) and parts[-1].endswith("/") and len(parts[-1]) > 1
    out = "/" + joined
    if trailing and out != "/":
        out += "/"
    return out


def normalize_path(raw: str, style: str) -> str:
    """A path in OpenAPI template form ("/users/{id}") from a framework's own syntax.

    `style`: "openapi" (also FastAPI, Spring: `{id}`, `{id:regex}`), "flask" (`<int:id>`),
    "django" (`path()` converters), "regex" (Django `re_path`, `^users/(?P<pk>\\d+)/$`),
    "colon" (Express, Gin: `:id`, `*path`). Parameter names are kept; converters and regexes
    are dropped.
    """
    path = raw[:MAX_PATH_CHARS].strip()
    if style in ("flask", "django"):
        path = _FLASK_PARAM.sub(r"{\1}", path)
    elif style == "regex":
        path = path.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        path = _NAMED_GROUP.sub(r"{\1}", path)
        path = _UNNAMED_GROUP.sub("{param}", path)
        path = path.replace("\\", "").replace("?", "")
    elif style == "colon":
        path = _COLON_PARAM.sub(r"{\1}", path)
    path = _BRACE_PARAM.sub(r"{\1}", path)
    path = _MULTI_SLASH.sub("/", path)
    if not path.startswith("/"):
        path = "/" + path
    return path


# Route.dependencies entries saying a spec-first framework enforces the operation's `security`
# (connexion): "spec-security:FILE:LINE what" requires a caller, "spec-public:..." does not.
SPEC_REQUIRED = "spec-security:"
SPEC_PUBLIC = "spec-public:"


def path_key(path: str) -> str:
    """The form two normalized paths are compared in: parameters unnamed, no trailing slash."""
    key = _ANY_PARAM.sub("{}", path)
    if len(key) > 1:
        key = key.rstrip("/") or "/"
    return key
