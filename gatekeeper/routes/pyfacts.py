"""Per-file route declarations of Python web frameworks, as the workers send them to the parent.

Plain picklable values only: names are dotted references as written in the file, to be
resolved across modules by `pyresolve`; nothing here holds a syntax tree.
"""

from __future__ import annotations

from dataclasses import dataclass

# A file's declarations stop here; the rest of the file is reported as not analyzed.
MAX_DECLARATIONS = 5000

# Piece kinds of a PyStr: a literal, or the dotted name of a string constant to look up.
LITERAL = "lit"
NAME = "ref"

# PyObject kinds.
FASTAPI_APP = "fastapi_app"
FASTAPI_ROUTER = "fastapi_router"
FLASK_APP = "flask_app"
BLUEPRINT = "blueprint"
FLASK_API = "flask_api"  # flask-smorest Api(app): blueprints registered on it go on the app
AIOHTTP_APP = "aiohttp_app"
AIOHTTP_TABLE = "aiohttp_table"  # web.RouteTableDef()
AIOHTTP_LIST = "aiohttp_list"  # a list of web.get(...) route definitions
DRF_ROUTER = "drf_router"
KIND_FRAMEWORK = {
    FASTAPI_APP: "fastapi",
    FASTAPI_ROUTER: "fastapi",
    FLASK_APP: "flask",
    BLUEPRINT: "flask",
    FLASK_API: "flask",
    AIOHTTP_APP: "aiohttp",
    AIOHTTP_TABLE: "aiohttp",
    AIOHTTP_LIST: "aiohttp",
    DRF_ROUTER: "drf",
}


@dataclass(frozen=True, slots=True)
class PyStr:
    """A string expression gatekeeper can evaluate without running code, or why it cannot.

    `pieces` joined in order give the string; a NAME piece names a module-level constant.
    `known` is False for anything else (a call, an attribute of an instance ...).
    """

    pieces: tuple[tuple[str, str], ...]
    text: str  # as written, for messages
    known: bool = True

    @property
    def literal(self) -> str | None:
        """The value when the expression is plain literals."""
        if not self.known or any(kind != LITERAL for kind, _ in self.pieces):
            return None
        return "".join(value for _, value in self.pieces)


@dataclass(frozen=True, slots=True)
class PyImport:
    scope: str  # "" at module level, else the enclosing function's qualified name
    local: str  # the name bound; "*" for a star import
    module: str  # without the leading dots of a relative import; "" for `from . import x`
    level: int  # number of leading dots
    name: str | None  # the imported attribute of `from m import name`; None for `import m`
    line: int


@dataclass(frozen=True, slots=True)
class PyObject:
    """A framework object built here: an app, router, blueprint, route table, DRF router."""

    scope: str
    name: str
    kind: str  # one of the OBJECT_* kinds in pyresolve
    line: int
    prefix: PyStr | None = None  # APIRouter(prefix=), Blueprint(url_prefix=)
    dependencies: tuple[str, ...] = ()  # names inside Depends(...) of dependencies=[...]
    trailing_slash: bool = True  # DRF routers
    default_router: bool = False  # DRF DefaultRouter (serves an API root view)


@dataclass(frozen=True, slots=True)
class PyParam:
    """One handler parameter, classified the way FastAPI reads it."""

    name: str
    kind: str  # simple model query path depends special body other
    annotation: str  # the type without Optional/Annotated wrappers, as written ("" if none)
    dependency: str = ""  # for kind "depends": the name inside Depends(...)


@dataclass(frozen=True, slots=True)
class PyAction:
    """DRF @action(...) on a ViewSet method."""

    detail: bool
    methods: tuple[str, ...]
    url_path: str
    dependencies: tuple[str, ...] = ()  # "permission_classes:IsAdminUser" ...
    serializer: str | None = None


@dataclass(frozen=True, slots=True)
class PyFunction:
    scope: str  # the enclosing function or class qualified name; "" at module level
    name: str
    line: int
    decorators: tuple[str, ...] = ()  # dotted names without arguments, route decorators excluded
    params: tuple[PyParam, ...] = ()
    returns: str | None = None  # return annotation, when it names a model
    returns_is_list: bool | None = None
    return_ref: str | None = None  # `return app` in a factory: the dotted name returned
    query_params: tuple[str, ...] = ()  # request.args / GET / query_params / query accesses
    http_methods: tuple[str, ...] | None = None  # require_http_methods, require_GET, api_view
    api_view: bool = False  # DRF @api_view
    dependencies: tuple[str, ...] = ()  # DRF @permission_classes([...]) ...
    request_model: str | None = None  # flask-smorest @blp.arguments(Schema)
    response_model: str | None = None  # flask-smorest @blp.response(200, Schema(many=True))
    response_is_list: bool | None = None
    action: PyAction | None = None
    # What the body reads from the request unvalidated ("request.json", "request.data" ...),
    # the validation calls it makes ("is_valid", "model_validate" ...), and request data it
    # spreads into a call ("User(**request.json)").
    raw_inputs: tuple[str, ...] = ()
    validations: tuple[str, ...] = ()
    mass_assignments: tuple[str, ...] = ()
    object_lookups: tuple[str, ...] = ()  # lookups by a handler argument (an id from the path)
    owner_checked: bool = False  # compares with the caller, filters by owner, asks permission

    @property
    def qualname(self) -> str:
        return f"{self.scope}.{self.name}" if self.scope else self.name


@dataclass(frozen=True, slots=True)
class PyAttr:
    """A class attribute the resolver reads: serializer_class, permission_classes, methods ..."""

    name: str
    values: tuple[str, ...]  # dotted names, or string values when `literal`
    literal: bool
    line: int


@dataclass(frozen=True, slots=True)
class PyClass:
    scope: str
    name: str
    line: int
    bases: tuple[str, ...]  # dotted names as written
    methods: tuple[str, ...]  # names of the functions defined in the class body
    attrs: tuple[PyAttr, ...] = ()
    decorators: tuple[str, ...] = ()

    @property
    def qualname(self) -> str:
        return f"{self.scope}.{self.name}" if self.scope else self.name


@dataclass(frozen=True, slots=True)
class PyRoute:
    """A path bound to a handler on a framework object, by a decorator or a call."""

    scope: str
    target: str  # the object it is declared on, as written ("app", "users.router"); "" if none
    how: str  # "decorator", "add_api_route", "add_url_rule", "add_get", "web.get", ...
    framework_hint: str  # from the call's shape and the file's imports; "" when unknown
    line: int
    path: PyStr
    methods: tuple[str, ...]  # upper case; () for the framework's default
    handler: str  # a qualified name in this file (decorated here) or a dotted reference
    handler_kind: str  # "local" (decorated here), "ref" (a reference), "view_class" (as_view)
    response_model: str | None = None
    response_is_list: bool | None = None
    response_model_set: bool = False  # response_model= was written, even as None
    dependencies: tuple[str, ...] = ()  # dependencies=[Depends(x)] on the decorator


@dataclass(frozen=True, slots=True)
class PyMount:
    """One object put under another: include_router, register_blueprint, add_subapp ..."""

    scope: str
    parent: str  # as written; "" when not on an object
    child: str  # as written; "factory()" for a call's result
    how: str
    line: int
    prefix: PyStr | None  # None when the call gives no prefix
    dependencies: tuple[str, ...] = ()
    # the `if` test the call sits under when it only runs in development ("" otherwise)
    condition: str = ""


@dataclass(frozen=True, slots=True)
class PyUrlEntry:
    """One element of a Django URL list: path()/re_path()/url(), or a list spliced in."""

    line: int
    route: PyStr
    style: str  # "django" (path) or "regex" (re_path, url, router prefixes)
    kind: str  # "view", "as_view", "include_module" (a dotted string), "include" (a reference)
    target: str  # the view, class, module string or reference, as written
    actions: tuple[tuple[str, str], ...] = ()  # as_view({"get": "list"})
    decorators: tuple[str, ...] = ()  # login_required(view) wrappers


@dataclass(frozen=True, slots=True)
class PyUrlList:
    scope: str
    name: str  # "urlpatterns", a helper list's name, or "<inline LINE:COL>"
    line: int
    entries: tuple[PyUrlEntry, ...]


@dataclass(frozen=True, slots=True)
class PyRegister:
    """DRF router.register(prefix, ViewSet)."""

    scope: str
    router: str
    line: int
    prefix: PyStr
    viewset: str


@dataclass(frozen=True, slots=True)
class PyAlias:
    """`name = other.name`, `name = factory()`, `view = Cls.as_view()` or an Annotated alias."""

    scope: str
    name: str
    line: int
    kind: str  # "ref", "as_view", "annotated"
    ref: str = ""
    param_kind: str = ""  # for "annotated": the PyParam kind it gives a parameter
    dependency: str = ""


@dataclass(frozen=True, slots=True)
class PyConst:
    scope: str
    name: str
    line: int
    value: PyStr


@dataclass(frozen=True, slots=True)
class PyHook:
    scope: str
    target: str  # the object it is registered on, as written; "" when none
    kind: str  # error_handler middleware rate_limit pagination auth_default
    name: str
    line: int
    framework_hint: str


@dataclass(frozen=True, slots=True)
class PyRouteDecls:
    """Everything route-related one Python file declares."""

    path: str
    frameworks: tuple[str, ...] = ()  # the web frameworks this file imports
    imports: tuple[PyImport, ...] = ()
    objects: tuple[PyObject, ...] = ()
    routes: tuple[PyRoute, ...] = ()
    mounts: tuple[PyMount, ...] = ()
    url_lists: tuple[PyUrlList, ...] = ()
    registers: tuple[PyRegister, ...] = ()
    classes: tuple[PyClass, ...] = ()
    functions: tuple[PyFunction, ...] = ()
    aliases: tuple[PyAlias, ...] = ()
    consts: tuple[PyConst, ...] = ()
    hooks: tuple[PyHook, ...] = ()
    root_urlconf: tuple[str, int] | None = None  # Django settings: (dotted module, line)
    problems: tuple[tuple[int, str], ...] = ()  # (line, message)
    unanalyzed_reason: str | None = None  # the file was not analyzed for routes (libcst only)
    capped_at: int | None = None  # the declaration cap was reached at this line
