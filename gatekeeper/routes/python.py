"""Python route declarations (FastAPI, Flask, Django + DRF, aiohttp) read from one file's ast.

`EXTRACTOR` runs in the workers and returns a PyRouteDecls per file; `resolve_python` runs in
the parent and joins every file's declarations into full routes (see pyresolve).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gatekeeper.extract.pyparse import statements
from gatekeeper.routes.model import HTTP_METHODS
from gatekeeper.routes.pyfacts import (
    AIOHTTP_APP,
    AIOHTTP_LIST,
    AIOHTTP_TABLE,
    BLUEPRINT,
    DRF_ROUTER,
    FASTAPI_APP,
    FASTAPI_ROUTER,
    FLASK_API,
    FLASK_APP,
    KIND_FRAMEWORK,
    LITERAL,
    MAX_DECLARATIONS,
    NAME,
    PyAction,
    PyAlias,
    PyAttr,
    PyClass,
    PyConst,
    PyFunction,
    PyHook,
    PyImport,
    PyMount,
    PyObject,
    PyParam,
    PyRegister,
    PyRoute,
    PyRouteDecls,
    PyStr,
    PyUrlEntry,
    PyUrlList,
)
from gatekeeper.routes.pyresolve import PythonRoutes, resolve_python, unparsed_files

if TYPE_CHECKING:
    from gatekeeper.extract.base import ParsedFile

__all__ = [
    "EXTRACTOR",
    "MAX_DECLARATIONS",
    "PythonRoutes",
    "RouteExtractor",
    "resolve_python",
    "unparsed_files",
]

SPEC_BASE_SEPARATOR = "\t"  # between a connexion spec and its base_path in a spec_api hook
MAX_TEXT = 200  # characters of an expression kept for messages and type names
_MAX_PIECES = 50
_MAX_UNWRAP = 8

# A file that names none of these declares no route, app hook or Django setting we read.
_MARKERS = re.compile(
    "fastapi|FastAPI|APIRouter|flask|Flask|Blueprint|django|rest_framework|urlpatterns|aiohttp"
    "|RouteTableDef|route|ROOT_URLCONF|MIDDLEWARE|REST_FRAMEWORK|add_get|add_url_rule|Limiter"
    "|exception_handler|errorhandler|add_middleware|add_api|add_error_handler"
)
_NEWLINE = re.compile(r"\r\n?|\n")
_ERROR_DECORATORS = frozenset({"errorhandler", "app_errorhandler", "exception_handler"})
# An `if` whose test selects a development or test environment: what it mounts is not served
# in production (`settings.ENVIRONMENT == "local"`, `app.debug`, `settings.DEBUG`).
_DEV_ONLY = re.compile(
    r"""(?:==|\bin\b)\s*[\[(]?\s*["'](?:local|dev|development|test|testing|debug)["']|"""
    r"""\.(?:debug|DEBUG)\s*$|^(?:DEBUG|settings\.DEBUG|app\.debug)$"""
)

_VERBS = tuple(method.lower() for method in HTTP_METHODS)
_HTTP = frozenset(HTTP_METHODS)

_CONSTRUCTORS = {
    "fastapi.FastAPI": FASTAPI_APP,
    "fastapi.applications.FastAPI": FASTAPI_APP,
    "fastapi.APIRouter": FASTAPI_ROUTER,
    "fastapi.routing.APIRouter": FASTAPI_ROUTER,
    "flask.Flask": FLASK_APP,
    "flask.app.Flask": FLASK_APP,
    "apiflask.APIFlask": FLASK_APP,
    "flask.Blueprint": BLUEPRINT,
    "flask.blueprints.Blueprint": BLUEPRINT,
    "flask_smorest.Blueprint": BLUEPRINT,
    "apiflask.APIBlueprint": BLUEPRINT,
    "flask_smorest.Api": FLASK_API,
    "aiohttp.web.Application": AIOHTTP_APP,
    "aiohttp.web_app.Application": AIOHTTP_APP,
    "aiohttp.web.RouteTableDef": AIOHTTP_TABLE,
    "aiohttp.web_routedef.RouteTableDef": AIOHTTP_TABLE,
    "rest_framework.routers.DefaultRouter": DRF_ROUTER,
    "rest_framework.routers.SimpleRouter": DRF_ROUTER,
}
# Distinctive enough to recognise when not imported by name (a star import, a re-export).
_BARE_CONSTRUCTORS = {
    "FastAPI": FASTAPI_APP,
    "APIRouter": FASTAPI_ROUTER,
    "Flask": FLASK_APP,
    "Blueprint": BLUEPRINT,
    "RouteTableDef": AIOHTTP_TABLE,
    "DefaultRouter": DRF_ROUTER,
    "SimpleRouter": DRF_ROUTER,
}
_IMPORT_FRAMEWORKS = {
    "fastapi": "fastapi",
    "starlette": "fastapi",
    "slowapi": "fastapi",
    "flask": "flask",
    "flask_smorest": "flask",
    "flask_limiter": "flask",
    "flask_login": "flask",
    "apiflask": "flask",
    "django": "django",
    "rest_framework": "drf",
    "aiohttp": "aiohttp",
}

_PRIMITIVES = frozenset(
    [
        "int",
        "str",
        "float",
        "bool",
        "bytes",
        "UUID",
        "UUID4",
        "datetime",
        "date",
        "time",
        "timedelta",
        "Decimal",
        "EmailStr",
        "HttpUrl",
        "AnyUrl",
        "AnyHttpUrl",
        "SecretStr",
        "PositiveInt",
        "NonNegativeInt",
        "Any",
        "None",
        "object",
        "Literal",
    ]
)
_SPECIAL_TYPES = frozenset(
    [
        "Request",
        "Response",
        "BackgroundTasks",
        "WebSocket",
        "HTTPConnection",
        "SecurityScopes",
        "Session",
        "AsyncSession",
        "Connection",
        "AsyncConnection",
        "UploadFile",
        "HTTPAuthorizationCredentials",
        "OAuth2PasswordRequestForm",
    ]
)
_NOT_MODELS = frozenset(
    [
        "dict",
        "Dict",
        "Mapping",
        "Response",
        "JSONResponse",
        "HTMLResponse",
        "PlainTextResponse",
        "RedirectResponse",
        "StreamingResponse",
        "FileResponse",
        "ORJSONResponse",
        "UJSONResponse",
    ]
)
_LIST_TYPES = frozenset(
    {"list", "List", "Sequence", "Iterable", "set", "Set", "frozenset", "tuple", "Tuple"}
)
_PARAM_MARKERS = {
    "Depends": "depends",
    "Security": "depends",
    "Query": "query",
    "Path": "path",
    "Body": "body",
    "Form": "other",
    "File": "other",
    "Header": "special",
    "Cookie": "special",
}
_QUERY_SOURCES = (".args", ".GET", ".query_params", ".query", ".values")
_REQUEST_NAMES = frozenset({"request", "req", "self.request", "flask.request", "request.rel_url"})
_QUERY_GETTERS = frozenset({"get", "getlist", "getone", "getall", "get_all"})
# Request bodies read raw: Flask json/get_json/form/values, DRF data, Django POST/body,
# aiohttp and Starlette json()/post()/body().
_RAW_BODY = frozenset({"json", "get_json", "form", "values", "data", "POST", "body", "post"})
_VALIDATING_CALLS = frozenset(
    {
        "is_valid",
        "validate",
        "model_validate",
        "model_validate_json",
        "parse_obj",
        "parse_raw",
        "validate_python",
        "load",
        "validate_json",
    }
)
_CLASS_ATTRS = frozenset(
    [
        "serializer_class",
        "pagination_class",
        "permission_classes",
        "authentication_classes",
        "throttle_classes",
        "lookup_field",
        "lookup_url_kwarg",
        "http_method_names",
        "methods",
        "decorators",
        "page_query_param",
        "page_size_query_param",
        "limit_query_param",
        "offset_query_param",
        "cursor_query_param",
        "filterset_fields",
        "search_fields",
        "ordering_fields",
        "filter_backends",
    ]
)
_DRF_CLASS_DECORATORS = ("permission_classes", "authentication_classes", "throttle_classes")
_DJANGO_METHOD_DECORATORS = {
    "require_GET": ("GET",),
    "require_POST": ("POST",),
    "require_safe": ("GET", "HEAD"),
}
_REST_FRAMEWORK_HOOKS = {
    "EXCEPTION_HANDLER": "error_handler",
    "DEFAULT_THROTTLE_CLASSES": "rate_limit",
    "DEFAULT_PAGINATION_CLASS": "pagination",
    "DEFAULT_PERMISSION_CLASSES": "auth_default",
    "DEFAULT_AUTHENTICATION_CLASSES": "auth_default",
}
_ERROR_HANDLER_SETTINGS = {"handler400": "400", "handler403": "403", "handler404": "404"}
_ERROR_HANDLER_SETTINGS["handler500"] = "500"
_AIOHTTP_ADDERS = {f"add_{v}": v.upper() for v in _VERBS if v != "trace"}


def _extract(pf: ParsedFile) -> PyRouteDecls | None:
    is_package = pf.path.endswith("__init__.py")
    looks_routed = _MARKERS.search(pf.text) is not None
    if not looks_routed and not is_package:
        return _settings_only(pf)
    tree = pf.readable_tree
    if tree is None:
        if not looks_routed:
            return None
        return PyRouteDecls(
            pf.path,
            unanalyzed_reason=(
                "routes not analyzed: the file uses syntax newer than the Python that runs "
                "gatekeeper and was parsed with libcst, which the route extractor does not read"
            ),
        )
    collector = _Collector(pf.path, pf.text, tree)
    collector.run()
    return collector.fact()


def _settings_only(pf: ParsedFile) -> PyRouteDecls | None:
    """For a file with no route markers: only the module-level string constants, `x = Cls()`
    instances and the string defaults of classes, which route prefixes are often read from
    (`prefix=settings.API_V1_STR`). The walk stays at the top level and in class bodies."""
    if pf.tree is None or _SETTINGS_HINT.search(pf.text) is None:
        return None
    kept: list[ast.stmt] = []
    for stmt in pf.tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom) or (
            isinstance(stmt, ast.Assign | ast.AnnAssign)
            and isinstance(
                stmt.value, ast.Constant | ast.JoinedStr | ast.BinOp | ast.Call | ast.Name
            )
        ):
            kept.append(stmt)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.returns:
            # `def get_settings() -> Settings:` gives its caller a Settings instance.
            kept.append(
                ast.FunctionDef(
                    name=stmt.name,
                    args=ast.arguments(
                        posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]
                    ),
                    body=[ast.Pass()],
                    decorator_list=[],
                    returns=stmt.returns,
                    lineno=stmt.lineno,
                    col_offset=stmt.col_offset,
                    end_lineno=stmt.end_lineno,
                    end_col_offset=stmt.end_col_offset,
                )
            )
        elif isinstance(stmt, ast.ClassDef):
            body: list[ast.stmt] = [
                b for b in stmt.body if isinstance(b, ast.Assign | ast.AnnAssign)
            ]
            kept.append(
                ast.ClassDef(
                    name=stmt.name,
                    bases=stmt.bases,
                    keywords=[],
                    body=body or [ast.Pass()],
                    decorator_list=[],
                    lineno=stmt.lineno,
                    col_offset=stmt.col_offset,
                    end_lineno=stmt.end_lineno,
                    end_col_offset=stmt.end_col_offset,
                )
            )
    collector = _Collector(pf.path, pf.text, ast.Module(body=kept, type_ignores=[]))
    collector.run()
    fact = collector.fact()
    return fact if fact is not None and (fact.consts or fact.functions) else None


_SETTINGS_HINT = re.compile(
    r"(?m)^\s*[A-Za-z_]\w{0,80}\s*(?::[^=\n]{0,80})?=\s*f?[\"']/|[Ss]ettings|[Cc]onfig"
)


@dataclass(frozen=True, slots=True)
class RouteExtractor:
    """gatekeeper.extract.base's Extractor protocol, met without importing that package: it
    registers this module, so importing it from here would make the import order matter."""

    name: str = "routes.python"
    languages: frozenset[str] = frozenset({"python"})
    needs_cst: bool = False

    def extract(self, pf: ParsedFile) -> PyRouteDecls | None:
        return _extract(pf)


EXTRACTOR = RouteExtractor()


# ---------------------------------------------------------------------------- expressions


class _Source:
    """Source text of nodes, by the offsets ast gives (columns are UTF-8 byte offsets)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        # Per line: None when ASCII (a byte column is a character column), else its bytes;
        # computed once, so a minified one-line file does not cost a pass per node.
        self.encoded: dict[int, bytes | None] = {}

    def _offset(self, line: int, column: int) -> int:
        if line < 1 or line > len(self.starts):
            return len(self.text)
        start = self.starts[line - 1]
        if line not in self.encoded:
            end = self.starts[line] if line < len(self.starts) else len(self.text)
            row = self.text[start:end]
            self.encoded[line] = None if row.isascii() else row.encode("utf-8", "replace")
        encoded = self.encoded[line]
        if encoded is None:
            return start + column
        return start + len(encoded[:column].decode("utf-8", "replace"))

    def segment(self, node: ast.AST, limit: int = MAX_TEXT) -> str:
        line = getattr(node, "lineno", None)
        end_line = getattr(node, "end_lineno", None)
        if line is None or end_line is None:
            return ""
        begin = self._offset(line, getattr(node, "col_offset", 0))
        end = self._offset(end_line, getattr(node, "end_col_offset", 0) or 0)
        raw = self.text[begin : min(end, begin + 4 * limit)]
        text = " ".join(raw.split())
        return text if len(text) <= limit and end <= begin + 4 * limit else text[:limit] + "..."


def _dotted(node: ast.AST | None) -> str | None:
    """`a.b.c` for a Name or a chain of attributes on one; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _last(dotted: str | None) -> str:
    return "" if dotted is None else dotted.rsplit(".", 1)[-1]


def _ref(node: ast.AST | None) -> str | None:
    """A dotted name, or "factory()" for the result of calling one."""
    if isinstance(node, ast.Call):
        name = _dotted(node.func)
        return None if name is None else name + "()"
    return _dotted(node)


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _strings(node: ast.AST | None) -> list[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [s for s in (_string(e) for e in node.elts) if s is not None]
    single = _string(node)
    return [] if single is None else [single]


def _arg(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    if index >= 0 and len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return None


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return _arg(call, -1, name)


def _is_call_to(node: ast.AST | None, *names: str) -> bool:
    return isinstance(node, ast.Call) and _last(_dotted(node.func)) in names


def _elements(node: ast.AST | None) -> list[ast.expr]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return list(node.elts)
    return [] if node is None or not isinstance(node, ast.expr) else [node]


# Nested functions, classes and lambdas: their bodies are not the handler's own reads.
_NESTED_SCOPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})


def _child_nodes(node: ast.AST) -> Iterator[ast.AST]:
    return ast.iter_child_nodes(node)


class _Collector:
    """One pass over a module's statements (an explicit stack, never recursion)."""

    def __init__(self, path: str, text: str, tree: ast.Module) -> None:
        self.path = path
        self.src = _Source(text)
        self.tree = tree
        self.count = 0
        self.capped_at: int | None = None
        self.qualified: dict[str, str] = {}
        self.frameworks: set[str] = set()
        self.local_kinds: dict[str, str] = {}
        self.imports: list[PyImport] = []
        self.objects: list[PyObject] = []
        self.routes: list[PyRoute] = []
        self.mounts: list[PyMount] = []
        self.dev_blocks: list[tuple[int, int, str]] = []  # (first, last line, if test)
        self.url_lists: list[PyUrlList] = []
        self.url_list_names: set[str] = set()
        self.registers: list[PyRegister] = []
        self.classes: list[PyClass] = []
        self.functions: list[PyFunction] = []
        self.aliases: list[PyAlias] = []
        self.consts: list[PyConst] = []
        self.hooks: list[PyHook] = []
        self.root_urlconf: tuple[str, int] | None = None
        self.problems: list[tuple[int, str]] = []
        self.pending_lists: list[tuple[str, ast.expr]] = []

    # ------------------------------------------------------------------ bookkeeping

    def room(self, line: int) -> bool:
        """Whether one more declaration fits under the cap; records where the cap was hit."""
        if self.capped_at is not None:
            return False
        if self.count >= MAX_DECLARATIONS:
            self.capped_at = line
            return False
        self.count += 1
        return True

    def fact(self) -> PyRouteDecls | None:
        if not (
            self.imports
            or self.objects
            or self.routes
            or self.mounts
            or self.url_lists
            or self.registers
            or self.hooks
            or self.root_urlconf
            or self.problems
            or self.capped_at
        ):
            return None  # classes and functions alone, with no import: nothing to resolve
        return PyRouteDecls(
            path=self.path,
            frameworks=tuple(sorted(self.frameworks)),
            imports=tuple(self.imports),
            objects=tuple(self.objects),
            routes=tuple(self.routes),
            mounts=tuple(self.mounts),
            url_lists=tuple(self.url_lists),
            registers=tuple(self.registers),
            classes=tuple(self.classes),
            functions=tuple(self.functions),
            aliases=tuple(self.aliases),
            consts=tuple(self.consts),
            hooks=tuple(self.hooks),
            root_urlconf=self.root_urlconf,
            problems=tuple(self.problems),
            capped_at=self.capped_at,
        )

    def text(self, node: ast.AST | None) -> str:
        return "" if node is None else self.src.segment(node)

    def qualify(self, dotted: str | None) -> str:
        if dotted is None:
            return ""
        head, dot, rest = dotted.partition(".")
        base = self.qualified.get(head)
        if base is None:
            return dotted
        return f"{base}{dot}{rest}"

    def hint(self, *preferred: str) -> str:
        """The framework a declaration belongs to, when the file imports just one candidate."""
        candidates = [f for f in preferred if f in self.frameworks]
        return candidates[0] if len(candidates) == 1 else ""

    def target_hint(self, target: str, *preferred: str) -> str:
        kind = self.local_kinds.get(target.split(".", 1)[0])
        if kind is not None:
            return KIND_FRAMEWORK[kind]
        return self.hint(*preferred)

    # ------------------------------------------------------------------ walk

    def run(self) -> None:
        for node in statements(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".", 1)[0]
                    self.qualified[local] = alias.name if alias.asname else local
                    self._framework_of(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                self._framework_of(node.module)
                for alias in node.names:
                    if alias.name != "*":
                        self.qualified[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        stack: list[tuple[Sequence[ast.stmt], str, bool]] = [(self.tree.body, "", False)]
        while stack and self.capped_at is None:
            body, scope, in_class = stack.pop()
            for stmt in body:
                if self.capped_at is not None:
                    break
                self._statement(stmt, scope, in_class, stack)
        while self.pending_lists and self.capped_at is None:
            name, node = self.pending_lists.pop()
            self._url_list("", name, node.lineno, node, extend=False)

    def _framework_of(self, module: str) -> None:
        framework = _IMPORT_FRAMEWORKS.get(module.split(".", 1)[0])
        if framework is not None:
            self.frameworks.add(framework)
            if framework == "drf":
                self.frameworks.add("django")

    def _statement(
        self,
        stmt: ast.stmt,
        scope: str,
        in_class: bool,
        stack: list[tuple[Sequence[ast.stmt], str, bool]],
    ) -> None:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            self._import(stmt, scope)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            qualname = f"{scope}.{stmt.name}" if scope else stmt.name
            self._function(stmt, scope, in_class)
            stack.append((stmt.body, qualname, False))
        elif isinstance(stmt, ast.ClassDef):
            qualname = f"{scope}.{stmt.name}" if scope else stmt.name
            self._class(stmt, scope)
            stack.append((stmt.body, qualname, True))
        elif in_class:
            # Other class attributes are read by _class; string defaults become constants so
            # `settings.API_PREFIX` (a pydantic BaseSettings field) resolves to its value.
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(
                stmt.value, ast.Constant
            ):
                self._class_const(stmt, scope)
            return
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            self._assign(stmt, scope)
        elif isinstance(stmt, ast.AugAssign):
            self._augmented(stmt, scope)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._call(stmt.value, scope)
        else:
            if isinstance(stmt, ast.If) and stmt.body:
                test = self.text(stmt.test)
                if _DEV_ONLY.search(test) and not isinstance(stmt.test, ast.UnaryOp):
                    last = getattr(stmt.body[-1], "end_lineno", None) or stmt.body[-1].lineno
                    self.dev_blocks.append((stmt.body[0].lineno, last, test))
            for field in ("body", "orelse", "finalbody"):
                block = getattr(stmt, field, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    stack.append((block, scope, False))
            for handler in getattr(stmt, "handlers", ()):
                stack.append((handler.body, scope, False))
            for case in getattr(stmt, "cases", ()):
                stack.append((case.body, scope, False))

    def _import(self, stmt: ast.Import | ast.ImportFrom, scope: str) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if self.room(stmt.lineno):
                    local = alias.asname or alias.name.split(".", 1)[0]
                    module = alias.name if alias.asname else local
                    self.imports.append(PyImport(scope, local, module, 0, None, stmt.lineno))
            return
        for alias in stmt.names:
            if self.room(stmt.lineno):
                local = alias.asname or alias.name
                self.imports.append(
                    PyImport(scope, local, stmt.module or "", stmt.level, alias.name, stmt.lineno)
                )

    # ------------------------------------------------------------------ strings

    def pystr(self, node: ast.AST | None) -> PyStr:
        """A string expression as literal pieces and constant names, or unknown."""
        if node is None:
            return PyStr((), "", known=False)
        text = self.text(node)
        pieces: list[tuple[str, str]] = []
        todo: list[ast.AST] = [node]
        while todo:
            item = todo.pop()
            if len(pieces) > _MAX_PIECES:
                return PyStr((), text, known=False)
            literal = _string(item)
            if literal is not None:
                pieces.append((LITERAL, literal))
            elif isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
                todo.extend((item.right, item.left))
            elif isinstance(item, ast.JoinedStr):
                todo.extend(reversed(item.values))
            elif (
                isinstance(item, ast.FormattedValue)
                and item.conversion == -1
                and item.format_spec is None
                and _dotted(item.value) is not None
            ):
                pieces.append((NAME, _dotted(item.value) or ""))
            elif _dotted(item) is not None:
                pieces.append((NAME, _dotted(item) or ""))
            else:
                return PyStr((), text, known=False)
        return PyStr(tuple(pieces), text)

    # ------------------------------------------------------------------ functions

    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: str, in_class: bool
    ) -> None:
        qualname = f"{scope}.{node.name}" if scope else node.name
        decorators: list[str] = []
        info: dict[str, object] = {}
        for dec in node.decorator_list:
            if self._route_decorator(dec, scope, qualname, node.name, handler_is_class=False):
                continue
            if not self._function_decorator(dec, info):
                decorators.append(self._decorator_name(dec))
        params = self._params(node.args, skip_first=in_class)
        returns, returns_is_list = self._return_model(node.returns)
        query, return_ref, body = self._scan_body(node)
        if not self.room(node.lineno):
            return
        checked = _hand_check(node)
        if checked is not None:
            decorators.append(f"auth:{checked}")
        action = info.get("action")
        methods = info.get("methods")
        self.functions.append(
            PyFunction(
                scope=scope,
                name=node.name,
                line=node.lineno,
                decorators=tuple(decorators),
                params=params,
                returns=returns,
                returns_is_list=returns_is_list,
                return_ref=return_ref,
                raw_inputs=body.raw,
                validations=body.validations,
                mass_assignments=body.mass,
                object_lookups=body.lookups,
                owner_checked=body.owner_checked,
                query_params=tuple(dict.fromkeys((*query, *_str_tuple(info.get("query"))))),
                http_methods=methods if isinstance(methods, tuple) else None,
                api_view=bool(info.get("api_view")),
                dependencies=_str_tuple(info.get("dependencies")),
                request_model=_opt_str(info.get("request_model")),
                response_model=_opt_str(info.get("response_model")),
                response_is_list=_opt_bool(info.get("response_is_list")),
                action=action if isinstance(action, PyAction) else None,
            )
        )

    def _decorator_name(self, dec: ast.expr) -> str:
        if isinstance(dec, ast.Call):
            name = _dotted(dec.func)
            if _last(name) == "method_decorator" and dec.args:
                inner = dec.args[0]
                return _dotted(inner.func if isinstance(inner, ast.Call) else inner) or self.text(
                    inner
                )
            return name or self.text(dec.func)
        return _dotted(dec) or self.text(dec)

    def _function_decorator(self, dec: ast.expr, info: dict[str, object]) -> bool:
        """Read Django, DRF and flask-smorest decorators that change what a view serves; True
        for DRF's @action, which binds a route rather than wrapping the handler."""
        call = dec if isinstance(dec, ast.Call) else None
        name = _last(_dotted(call.func if call is not None else dec))
        if name in _DJANGO_METHOD_DECORATORS:
            info["methods"] = _DJANGO_METHOD_DECORATORS[name]
        elif name == "require_http_methods" and call is not None:
            info["methods"] = tuple(
                m.upper() for m in _strings(_arg(call, 0, "request_method_list"))
            )
        elif name == "api_view":
            listed = _strings(_arg(call, 0, "http_method_names")) if call is not None else []
            info["methods"] = tuple(m.upper() for m in listed) or ("GET",)
            info["api_view"] = True
        elif name in _DRF_CLASS_DECORATORS and call is not None:
            found = list(_str_tuple(info.get("dependencies")))
            for element in _elements(call.args[0] if call.args else None):
                found.append(f"{name}:{_last(_dotted(element)) or self.text(element)}")
            info["dependencies"] = tuple(found)
        elif name == "action" and call is not None:
            info["action"] = self._action(call)
            return True
        elif name == "arguments" and call is not None and call.args:
            location = _string(_kw(call, "location")) or "json"
            if location in ("json", "form", "files"):
                info["request_model"] = self._schema_name(call.args[0])
        elif name == "response" and call is not None:
            schema = _arg(call, 1, "schema")
            if schema is not None:
                info["response_model"] = self._schema_name(schema)
                many = isinstance(schema, ast.Call) and any(
                    k.arg == "many" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in schema.keywords
                )
                info["response_is_list"] = many
        elif name == "paginate" and call is not None:
            info["query"] = ("page", "page_size")
        return False

    def _schema_name(self, node: ast.expr) -> str:
        if isinstance(node, ast.Call):
            return _dotted(node.func) or self.text(node)
        return _dotted(node) or self.text(node)

    def _action(self, call: ast.Call) -> PyAction:
        detail = _kw(call, "detail")
        methods = tuple(m.upper() for m in _strings(_kw(call, "methods"))) or ("GET",)
        url_path = _string(_kw(call, "url_path")) or ""
        deps: list[str] = []
        for key in _DRF_CLASS_DECORATORS:
            for element in _elements(_kw(call, key)):
                deps.append(f"{key}:{_last(_dotted(element)) or self.text(element)}")
        serializer = _kw(call, "serializer_class")
        return PyAction(
            detail=isinstance(detail, ast.Constant) and detail.value is True,
            methods=methods,
            url_path=url_path,
            dependencies=tuple(deps),
            serializer=None
            if serializer is None
            else (_dotted(serializer) or self.text(serializer)),
        )

    def _params(self, args: ast.arguments, *, skip_first: bool) -> tuple[PyParam, ...]:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults.extend(args.defaults)
        pairs = list(zip(positional, defaults, strict=True))
        pairs.extend(zip(args.kwonlyargs, args.kw_defaults, strict=True))
        if skip_first and positional:
            pairs = pairs[1:]
        return tuple(self._param(arg, default) for arg, default in pairs)

    def _param(self, arg: ast.arg, default: ast.expr | None) -> PyParam:
        kind = ""
        dependency = ""
        core: ast.expr | None = arg.annotation
        markers: list[ast.Call] = [default] if isinstance(default, ast.Call) else []
        for _ in range(_MAX_UNWRAP):
            if isinstance(core, ast.Subscript):
                container = _last(_dotted(core.value))
                if container == "Annotated" and isinstance(core.slice, ast.Tuple):
                    markers.extend(e for e in core.slice.elts[1:] if isinstance(e, ast.Call))
                    core = core.slice.elts[0]
                    continue
                if container == "Optional":
                    core = core.slice
                    continue
                if container == "Union" and isinstance(core.slice, ast.Tuple):
                    core = next((e for e in core.slice.elts if not _is_none(e)), None)
                    continue
            if isinstance(core, ast.BinOp) and isinstance(core.op, ast.BitOr):
                core = core.right if _is_none(core.left) else core.left
                continue
            break
        for marker in markers:
            found = _PARAM_MARKERS.get(_last(_dotted(marker.func)))
            if found is None:
                continue
            kind = found
            if found == "depends":
                target = marker.args[0] if marker.args else _kw(marker, "dependency")
                optional = ""
                if isinstance(target, ast.Call):  # Depends(get_current_user_authorizer())
                    # (required=False) / (auto_error=False): anonymous callers get through
                    optional = "(optional)" if _lets_anonymous_in(target) else ""
                    target = target.func
                dependency = (_dotted(target) or _dotted(core) or self.text(target or core)) + (
                    optional
                )
            break
        annotation = self.text(core)
        if not kind:
            kind = _type_kind(core)
        return PyParam(arg.arg, kind, annotation, dependency)

    def _return_model(self, node: ast.expr | None) -> tuple[str | None, bool | None]:
        core = _unwrap_optional(node)
        if core is None or _type_kind(core) != "model":
            return None, None
        return self.text(core), _is_list_type(core)

    def _scan_body(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> tuple[list[str], str | None, _BodyReads]:
        """Query parameters the body reads from the request, what a factory returns, and the
        raw request data it reads, validates or spreads into a call."""
        request_names = set(_REQUEST_NAMES)
        first = (node.args.posonlyargs + node.args.args)[:2]
        request_names.update(a.arg for a in first if a.arg not in ("self", "cls"))
        query: list[str] = []
        raw: set[str] = set()
        validations: set[str] = set()
        mass: set[str] = set()
        # Object-level authorization: an object looked up by an argument of the handler, and
        # whether anything compares it with the caller or asks for a permission.
        arguments = {
            a.arg
            for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
            if a.arg not in ("self", "cls", "request", "req")
        }
        lookups: set[str] = set()
        owner_checked = False
        callers: set[str] = set()  # `profile = current_user.profile`: names for the caller
        passed: set[str] = set()  # names passed to calls
        return_ref: str | None = None
        todo: list[ast.AST] = list(node.body)
        # One pass over the body; branches test the node's exact type (a parsed tree has no
        # subclasses of the ast classes), the cheap way on every handler of a large project.
        while todo:
            item = todo.pop()
            kind = type(item)
            if kind is ast.Call:
                call: ast.Call = item  # type: ignore[assignment]
                if _looks_up_by(call, arguments):
                    lookups.add(_dotted(call.func) or "a lookup")
                if not owner_checked and _checks_owner(call):
                    owner_checked = True
                # the caller passed in, or acting: `profile.unfavorite(article)`
                passed.update(
                    a.id
                    for a in (*call.args, *(k.value for k in call.keywords))
                    if type(a) is ast.Name
                )
                func = call.func
                if type(func) is ast.Attribute:
                    if type(func.value) is ast.Name:
                        passed.add(func.value.id)
                    if func.attr in _QUERY_GETTERS and call.args:
                        name = _string(call.args[0])
                        if name is not None and _is_query_source(func.value, request_names):
                            query.append(name)
                    if func.attr in _VALIDATING_CALLS:
                        validations.add(func.attr)
                for keyword in call.keywords:
                    spread = (
                        _raw_source(keyword.value, request_names) if keyword.arg is None else None
                    )
                    if spread is not None:
                        callee = _dotted(call.func) or "a call"
                        mass.add(f"{callee}(**{spread})")
            elif kind in _NESTED_SCOPES:
                continue
            elif kind is ast.Compare:
                if not owner_checked and _checks_owner(item):
                    owner_checked = True
            elif kind is ast.Assign:
                assign: ast.Assign = item  # type: ignore[assignment]
                if _OWNER_WORDS.search(_dotted(_unsubscript(assign.value)) or ""):
                    callers.update(t.id for t in assign.targets if type(t) is ast.Name)
            elif kind is ast.Return:
                if return_ref is None:
                    return_ref = _ref(item.value)  # type: ignore[attr-defined]
            elif kind is ast.Subscript:
                sub: ast.Subscript = item  # type: ignore[assignment]
                if _is_query_source(sub.value, request_names):
                    name = _string(sub.slice)
                    if name is not None:
                        query.append(name)
            elif kind is ast.Attribute:
                attr: ast.Attribute = item  # type: ignore[assignment]
                if attr.attr in _RAW_BODY:
                    owner = _dotted(attr.value)
                    if owner is not None and owner in request_names:
                        raw.add(f"{owner}.{attr.attr}")
            todo.extend(_child_nodes(item))
        owner_checked = owner_checked or bool(callers & passed)
        reads = _BodyReads(
            tuple(sorted(raw)),
            tuple(sorted(validations)),
            tuple(sorted(mass)),
            tuple(sorted(lookups)),
            owner_checked,
        )
        return list(dict.fromkeys(sorted(query))), return_ref, reads

    # ------------------------------------------------------------------ route decorators

    def _route_decorator(
        self, dec: ast.expr, scope: str, handler: str, name: str, *, handler_is_class: bool
    ) -> bool:
        """Record a route or app hook made by this decorator; False when it is neither."""
        if not isinstance(dec, ast.Call):
            return self._bare_hook_decorator(dec, scope, name)
        if not isinstance(dec.func, ast.Attribute):
            return False
        target = _dotted(dec.func.value)
        if target is None:
            return False
        meth = dec.func.attr
        line = dec.lineno
        if meth in ("exception_handler", "errorhandler", "app_errorhandler"):
            if dec.args:
                kind_hint = "fastapi" if meth == "exception_handler" else "flask"
                self._hook(scope, target, "error_handler", self.text(dec.args[0]), line, kind_hint)
            return True
        if meth == "middleware" and _string(dec.args[0] if dec.args else None) == "http":
            self._hook(scope, target, "middleware", name, line, "fastapi")
            return True
        methods: tuple[str, ...]
        if meth in _VERBS:
            path_node = _arg(dec, 0, "path", "rule")
            methods = (meth.upper(),)
            hint = self.target_hint(target, "fastapi", "flask", "aiohttp")
        elif meth == "route":
            first = _string(dec.args[0]) if dec.args else None
            if (
                len(dec.args) >= 2
                and first is not None
                and (first.upper() in _HTTP or first == "*")
            ):
                path_node = dec.args[1]
                methods = ("ANY",) if first == "*" else (first.upper(),)
                hint = "aiohttp"
            else:
                path_node = _arg(dec, 0, "rule", "path")
                methods = tuple(m.upper() for m in _strings(_kw(dec, "methods")))
                hint = self.target_hint(target, "flask", "aiohttp")
        elif meth == "api_route":
            path_node = _arg(dec, 0, "path")
            methods = tuple(m.upper() for m in _strings(_kw(dec, "methods")))
            hint = "fastapi"
        elif meth == "view" and handler_is_class:
            path_node = _arg(dec, 0, "path")
            methods = ()
            hint = "aiohttp"
        else:
            return False
        if path_node is None:
            return False
        path = self.pystr(path_node)
        literal = path.literal
        if literal is not None and literal and not literal.startswith("/"):
            # `@cache.get("key")` and the like: a route path starts with a slash (or is empty).
            return False
        if literal is None and not (self.frameworks or target in self.local_kinds):
            return False
        if not self.room(line):
            return True
        response = _kw(dec, "response_model")
        model, is_list = (None, None)
        if response is not None and not _is_none(response):
            model, is_list = self.text(response), _is_list_type(response)
        self.routes.append(
            PyRoute(
                scope=scope,
                target=target,
                how="decorator",
                framework_hint=hint,
                line=line,
                path=path,
                methods=methods,
                handler=handler,
                handler_kind="local",
                response_model=model,
                response_is_list=is_list,
                response_model_set=response is not None,
                dependencies=self._depends_list(_kw(dec, "dependencies")),
            )
        )
        return True

    def _bare_hook_decorator(self, dec: ast.expr, scope: str, name: str) -> bool:
        dotted = _dotted(dec)
        if dotted is None:
            return False
        qualified = self.qualify(dotted)
        if qualified in ("aiohttp.web.middleware", "aiohttp.web_middlewares.middleware"):
            self._hook(scope, "", "middleware", name, dec.lineno, "aiohttp")
            return True
        head, _, meth = dotted.rpartition(".")
        if head and meth in ("before_request", "after_request", "before_app_request"):
            self._hook(scope, head, "middleware", name, dec.lineno, "flask")
            return True
        return False

    def _depends_list(self, node: ast.expr | None) -> tuple[str, ...]:
        found: list[str] = []
        for element in _elements(node):
            if _is_call_to(element, "Depends", "Security"):
                assert isinstance(element, ast.Call)
                target = element.args[0] if element.args else _kw(element, "dependency")
                found.append(_dotted(target) or self.text(target))
            else:
                found.append(_dotted(element) or self.text(element))
        return tuple(found)

    def _hook(self, scope: str, target: str, kind: str, name: str, line: int, hint: str) -> None:
        if name and self.room(line):
            self.hooks.append(PyHook(scope, target, kind, name, line, hint))

    # ------------------------------------------------------------------ classes

    def _class(self, node: ast.ClassDef, scope: str) -> None:
        qualname = f"{scope}.{node.name}" if scope else node.name
        decorators: list[str] = []
        for dec in node.decorator_list:
            if not self._route_decorator(dec, scope, qualname, node.name, handler_is_class=True):
                decorators.append(self._decorator_name(dec))
        bases = tuple(b for b in (_dotted(base) for base in node.bases) if b is not None)
        methods: list[str] = []
        attrs: list[PyAttr] = []
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                methods.append(stmt.name)
                continue
            targets: list[ast.expr] = []
            if isinstance(stmt, ast.Assign):
                targets = list(stmt.targets)
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets = [stmt.target]
            value = getattr(stmt, "value", None)
            for target in targets:
                if isinstance(target, ast.Name) and target.id in _CLASS_ATTRS:
                    attrs.append(self._attr(target.id, value, stmt.lineno))
        if self.room(node.lineno):
            self.classes.append(
                PyClass(
                    scope=scope,
                    name=node.name,
                    line=node.lineno,
                    bases=bases,
                    methods=tuple(methods),
                    attrs=tuple(attrs),
                    decorators=tuple(decorators),
                )
            )

    def _attr(self, name: str, value: ast.expr | None, line: int) -> PyAttr:
        elements = _elements(value)
        literals = [s for s in (_string(e) for e in elements) if s is not None]
        if literals and len(literals) == len(elements):
            return PyAttr(name, tuple(literals), True, line)
        values: list[str] = []
        for element in elements:
            if isinstance(element, ast.Constant) and element.value is None:
                continue
            if isinstance(element, ast.Call):
                element = element.func  # `decorators = [limiter.limit("1/s")]`
            values.append(_dotted(element) or self.text(element))
        return PyAttr(name, tuple(values), False, line)

    # ------------------------------------------------------------------ assignments

    def _assign(self, stmt: ast.Assign | ast.AnnAssign, scope: str) -> None:
        value = stmt.value
        if value is None:
            return
        targets = list(stmt.targets) if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name):
                self._assign_name(target.id, value, scope, stmt.lineno)
            elif (
                isinstance(target, ast.Attribute)
                and target.attr == "wsgi_app"
                and isinstance(value, ast.Call)
            ):
                name = _dotted(value.func)
                if name is not None:
                    owner = _dotted(target.value) or ""
                    self._hook(scope, owner, "middleware", name, stmt.lineno, "flask")
        if isinstance(value, ast.Call) and not self._constructor_kind(value):
            self._call(value, scope)

    def _assign_name(self, name: str, value: ast.expr, scope: str, line: int) -> None:
        if scope == "" and self._setting(name, value, line):
            return
        if self._url_list(scope, name, line, value, extend=False):
            return
        if isinstance(value, ast.Call):
            kind = self._constructor_kind(value)
            if kind:
                self._object(name, kind, value, scope, line)
                return
            if isinstance(value.func, ast.Attribute) and value.func.attr == "as_view":
                cls = _dotted(value.func.value)
                if cls is not None and self.room(line):
                    self.aliases.append(PyAlias(scope, name, line, "as_view", cls))
                return
            factory = _ref(value)
            if factory is not None and self.room(line):
                self.aliases.append(PyAlias(scope, name, line, "ref", factory))
            return
        if isinstance(value, ast.List | ast.Tuple) and self._route_defs(value, scope, name):
            return
        dotted = _dotted(value)
        if dotted is not None:
            if self.room(line):
                self.aliases.append(PyAlias(scope, name, line, "ref", dotted))
            return
        if isinstance(value, ast.Subscript) and _last(_dotted(value.value)) == "Annotated":
            param = self._param(ast.arg(arg=name, annotation=value), None)
            if param.kind in ("depends", "query", "path", "special", "body") and self.room(line):
                self.aliases.append(
                    PyAlias(scope, name, line, "annotated", "", param.kind, param.dependency)
                )
            return
        if scope == "" and isinstance(value, ast.Constant | ast.JoinedStr | ast.BinOp):
            text = self.pystr(value)
            if text.known and self.room(line):
                self.consts.append(PyConst(scope, name, line, text))

    def _class_const(self, stmt: ast.Assign | ast.AnnAssign, scope: str) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if not isinstance(stmt.value, ast.Constant) or not isinstance(stmt.value.value, str):
            return
        text = self.pystr(stmt.value)
        for target in targets:
            if isinstance(target, ast.Name) and text.known and self.room(stmt.lineno):
                self.consts.append(PyConst(scope, target.id, stmt.lineno, text))

    def _augmented(self, stmt: ast.AugAssign, scope: str) -> None:
        if not isinstance(stmt.op, ast.Add) or not isinstance(stmt.target, ast.Name):
            return
        name = stmt.target.id
        if scope == "" and name in ("MIDDLEWARE", "MIDDLEWARE_CLASSES"):
            self._middleware_setting(stmt.value)
        elif name in self.url_list_names or name == "urlpatterns":
            self._url_list(scope, name, stmt.lineno, stmt.value, extend=True)

    def _constructor_kind(self, call: ast.Call) -> str:
        dotted = _dotted(call.func)
        if dotted is None:
            return ""
        kind = _CONSTRUCTORS.get(self.qualify(dotted))
        if kind is None and "." not in dotted and dotted not in self.qualified:
            kind = _BARE_CONSTRUCTORS.get(dotted)
        return kind or ""

    def _maybe_limiter(self, call: ast.Call, scope: str) -> None:
        dotted = _dotted(call.func)
        if _last(dotted) != "Limiter":
            return
        qualified = self.qualify(dotted)
        hint = "fastapi" if qualified.startswith("slowapi") else ""
        hint = "flask" if qualified.startswith("flask_limiter") else hint
        self._hook(
            scope, "", "rate_limit", "Limiter", call.lineno, hint or self.hint("fastapi", "flask")
        )

    def _object(self, name: str, kind: str, call: ast.Call, scope: str, line: int) -> None:
        self.local_kinds[name] = kind
        prefix_node = _kw(call, "prefix" if kind == FASTAPI_ROUTER else "url_prefix")
        prefix = None
        if prefix_node is not None and not _is_none(prefix_node):
            prefix = self.pystr(prefix_node)
        trailing = _kw(call, "trailing_slash")
        default_router = _last(self.qualify(_dotted(call.func))) == "DefaultRouter"
        if not self.room(line):
            return
        self.objects.append(
            PyObject(
                scope=scope,
                name=name,
                kind=kind,
                line=line,
                prefix=prefix,
                dependencies=self._depends_list(_kw(call, "dependencies")),
                trailing_slash=not (isinstance(trailing, ast.Constant) and not trailing.value),
                default_router=default_router,
            )
        )
        framework = KIND_FRAMEWORK[kind]
        if kind == FASTAPI_APP:
            for element in _elements(_kw(call, "middleware")):
                if _is_call_to(element, "Middleware"):
                    assert isinstance(element, ast.Call)
                    inner = _dotted(element.args[0]) if element.args else None
                    if inner is not None:
                        self._hook(scope, name, "middleware", inner, element.lineno, framework)
            handlers = _kw(call, "exception_handlers")
            if isinstance(handlers, ast.Dict):
                for key in handlers.keys:
                    if key is not None:
                        self._hook(
                            scope, name, "error_handler", self.text(key), key.lineno, framework
                        )
        elif kind == AIOHTTP_APP:
            for element in _elements(_kw(call, "middlewares")):
                label = _ref(element) or self.text(element)
                self._hook(scope, name, "middleware", label, element.lineno, framework)
        elif kind == FLASK_API:
            app = _ref(_arg(call, 0, "app"))
            if app is not None and self.room(line):
                self.mounts.append(PyMount(scope, app, name, "Api(app)", line, None))

    # ------------------------------------------------------------------ django settings

    def _setting(self, name: str, value: ast.expr, line: int) -> bool:
        if name == "ROOT_URLCONF":
            module = _string(value)
            if module is not None:
                self.root_urlconf = (module, line)
            return module is not None
        if name in ("MIDDLEWARE", "MIDDLEWARE_CLASSES") and isinstance(value, ast.List | ast.Tuple):
            self._middleware_setting(value)
            return True
        if name == "REST_FRAMEWORK" and isinstance(value, ast.Dict):
            self._rest_framework(value)
            return True
        if name in _ERROR_HANDLER_SETTINGS:
            self._hook("", "", "error_handler", _ERROR_HANDLER_SETTINGS[name], line, "django")
            return True
        return False

    def _middleware_setting(self, value: ast.expr) -> None:
        for element in _elements(value):
            entry = _string(element)
            if entry is not None:
                self._hook("", "", "middleware", entry, element.lineno, "django")

    def _rest_framework(self, value: ast.Dict) -> None:
        for key, item in zip(value.keys, value.values, strict=True):
            setting = _string(key)
            if setting is None:
                continue
            kind = _REST_FRAMEWORK_HOOKS.get(setting)
            if kind is not None:
                for element in _elements(item):
                    entry = _string(element) or _dotted(element)
                    if entry:
                        self._hook("", "", kind, entry, element.lineno, "drf")
            elif setting == "DEFAULT_THROTTLE_RATES" and isinstance(item, ast.Dict):
                for scope_key, rate in zip(item.keys, item.values, strict=True):
                    label = _string(scope_key)
                    if label is not None and scope_key is not None:
                        text = _string(rate) or self.text(rate)
                        self._hook(
                            "",
                            "",
                            "rate_limit",
                            f"throttle_rate:{label}={text}",
                            scope_key.lineno,
                            "drf",
                        )

    # ------------------------------------------------------------------ django url lists

    def _url_list(self, scope: str, name: str, line: int, value: ast.expr, *, extend: bool) -> bool:
        """Record `name` as a Django URL list when `value` is one; False when it is not."""
        entries: list[PyUrlEntry] = []
        is_urls = name == "urlpatterns" or extend or name.startswith("<inline")
        todo: list[ast.expr] = [value]
        steps = 0
        while todo and steps < 10_000:
            steps += 1
            item = todo.pop()
            if isinstance(item, ast.List | ast.Tuple):
                for element in item.elts:
                    if isinstance(element, ast.Starred):
                        ref = _dotted(element.value)
                        if ref is not None and ref != name:
                            entries.append(self._splice(ref, element.lineno))
                            is_urls = True
                        continue
                    entry = self._url_call(element)
                    if entry is not None:
                        entries.append(entry)
                        is_urls = True
            elif isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
                todo.extend((item.right, item.left))
            elif isinstance(item, ast.Call):
                called = _last(_dotted(item.func))
                if called == "format_suffix_patterns" and item.args:
                    todo.append(item.args[0])
                elif called == "i18n_patterns":
                    todo.append(ast.List(elts=list(item.args)))
            else:
                ref = _dotted(item)
                if ref is not None and ref != name and (is_urls or ref.endswith(".urls")):
                    entries.append(self._splice(ref, getattr(item, "lineno", line)))
                    is_urls = True
        if not is_urls:
            return False
        if self.room(line):
            self.url_lists.append(PyUrlList(scope, name, line, tuple(entries)))
            self.url_list_names.add(name)
        return True

    def _splice(self, ref: str, line: int) -> PyUrlEntry:
        """A list spliced in whole (`+ router.urls`, `*extra`): an include at the empty route."""
        return PyUrlEntry(line, PyStr(((LITERAL, ""),), '""'), "django", "include", ref)

    def _url_call(self, node: ast.expr) -> PyUrlEntry | None:
        if not isinstance(node, ast.Call):
            return None
        dotted = _dotted(node.func)
        called = _last(dotted)
        if called not in ("path", "re_path", "url"):
            return None
        qualified = self.qualify(dotted)
        if not (
            qualified.startswith("django.") or (dotted == called and "django" in self.frameworks)
        ):
            return None
        style = "django" if called == "path" else "regex"
        route = self.pystr(_arg(node, 0, "route", "regex"))
        view = _arg(node, 1, "view")
        decorators: list[str] = []
        for _ in range(_MAX_UNWRAP):
            # login_required(view), csrf_exempt(View.as_view()), cache_page(60)(view)
            if not isinstance(view, ast.Call) or _last(_dotted(view.func)) in (
                "include",
                "as_view",
            ):
                break
            if isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
                break
            wrapper = view.func.func if isinstance(view.func, ast.Call) else view.func
            decorators.append(_dotted(wrapper) or self.text(wrapper))
            view = view.args[-1] if view.args else None
        line = node.lineno
        if isinstance(view, ast.Call) and _last(_dotted(view.func)) == "include":
            return self._include(view, route, style, line)
        if (
            isinstance(view, ast.Call)
            and isinstance(view.func, ast.Attribute)
            and view.func.attr == "as_view"
        ):
            cls = _dotted(view.func.value) or self.text(view.func.value)
            actions: list[tuple[str, str]] = []
            mapping = view.args[0] if view.args else None
            if isinstance(mapping, ast.Dict):
                for key, item in zip(mapping.keys, mapping.values, strict=True):
                    verb, action = _string(key), _string(item)
                    if verb is not None and action is not None:
                        actions.append((verb.upper(), action))
            return PyUrlEntry(line, route, style, "as_view", cls, tuple(actions), tuple(decorators))
        ref = _dotted(view)
        if ref is not None:
            return PyUrlEntry(line, route, style, "view", ref, (), tuple(decorators))
        self.problems.append(
            (line, f"URL pattern view is not a name gatekeeper can follow: {self.text(view)}")
        )
        return None

    def _include(self, call: ast.Call, route: PyStr, style: str, line: int) -> PyUrlEntry | None:
        target = call.args[0] if call.args else _kw(call, "arg")
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[0]  # include((patterns, "app_name"))
        module = _string(target)
        if module is not None:
            return PyUrlEntry(line, route, style, "include_module", module)
        if isinstance(target, ast.List | ast.Tuple):
            name = f"<inline {target.lineno}:{target.col_offset}>"
            self.pending_lists.append((name, target))
            return PyUrlEntry(line, route, style, "include", name)
        ref = _dotted(target)
        if ref is not None:
            return PyUrlEntry(line, route, style, "include", ref)
        self.problems.append(
            (line, f"include() of something gatekeeper cannot follow: {self.text(target)}")
        )
        return None

    # ------------------------------------------------------------------ aiohttp route lists

    def _route_defs(self, value: ast.List | ast.Tuple, scope: str, name: str) -> bool:
        """`routes = [web.get("/", h), ...]`: a route list object added later by add_routes."""
        defs = [e for e in value.elts if self._route_def(e) is not None]
        if not defs:
            return False
        if self.room(value.lineno):
            self.objects.append(PyObject(scope, name, AIOHTTP_LIST, value.lineno))
            self.local_kinds[name] = AIOHTTP_LIST
        for element in defs:
            self._add_route_def(element, scope, name)
        return True

    def _route_def(self, node: ast.expr) -> str | None:
        """The verb of `web.get(...)`, `web.route(...)`, `web.view(...)`; None otherwise."""
        if not isinstance(node, ast.Call):
            return None
        dotted = _dotted(node.func)
        qualified = self.qualify(dotted)
        verb = _last(dotted)
        if verb not in (*_VERBS, "route", "view"):
            return None
        if qualified.startswith("aiohttp.") or (dotted or "").startswith("web."):
            return verb
        return None

    def _add_route_def(self, node: ast.expr, scope: str, target: str) -> None:
        verb = self._route_def(node)
        if verb is None or not isinstance(node, ast.Call):
            return
        if verb == "route":
            method = _string(_arg(node, 0, "method")) or ""
            path, handler = _arg(node, 1, "path"), _arg(node, 2, "handler")
            methods = ("ANY",) if method == "*" else ((method.upper(),) if method else ())
        else:
            path, handler = _arg(node, 0, "path"), _arg(node, 1, "handler")
            methods = () if verb == "view" else (verb.upper(),)
        self._route_call(
            scope, target, f"web.{verb}", "aiohttp", node.lineno, path, methods, handler
        )

    def _route_call(
        self,
        scope: str,
        target: str,
        how: str,
        hint: str,
        line: int,
        path: ast.expr | None,
        methods: tuple[str, ...],
        handler: ast.expr | None,
        call: ast.Call | None = None,
    ) -> None:
        kind = "ref"
        if (
            isinstance(handler, ast.Call)
            and isinstance(handler.func, ast.Attribute)
            and handler.func.attr == "as_view"
        ):
            kind, handler = "view_class", handler.func.value
        ref = _dotted(handler)
        if ref is None or path is None:
            if handler is not None or path is not None:
                self.problems.append(
                    (
                        line,
                        f"{how}: handler is not a name gatekeeper can follow: {self.text(handler)}",
                    )
                )
            return
        response = _kw(call, "response_model") if call is not None else None
        model, is_list = (None, None)
        if response is not None and not _is_none(response):
            model, is_list = self.text(response), _is_list_type(response)
        deps = self._depends_list(_kw(call, "dependencies")) if call is not None else ()
        if self.room(line):
            self.routes.append(
                PyRoute(
                    scope=scope,
                    target=target,
                    how=how,
                    framework_hint=hint,
                    line=line,
                    path=self.pystr(path),
                    methods=methods,
                    handler=ref,
                    handler_kind=kind,
                    response_model=model,
                    response_is_list=is_list,
                    response_model_set=response is not None,
                    dependencies=deps,
                )
            )

    # ------------------------------------------------------------------ calls

    def _call(self, call: ast.Call, scope: str) -> None:
        self._maybe_limiter(call, scope)
        inner = call.func
        if (
            isinstance(inner, ast.Call)
            and isinstance(inner.func, ast.Attribute)
            and inner.func.attr in _ERROR_DECORATORS
            and inner.args
        ):
            # `app.errorhandler(InvalidUsage)(handler)`: the decorator applied by hand.
            applied_on = _dotted(inner.func.value) or ""
            hint = "fastapi" if inner.func.attr == "exception_handler" else "flask"
            name = self.text(inner.args[0])
            self._hook(scope, applied_on, "error_handler", name, call.lineno, hint)
            return
        if not isinstance(call.func, ast.Attribute):
            return
        meth = call.func.attr
        owner = _dotted(call.func.value)
        if owner is None:
            return
        line = call.lineno
        if meth in _AIOHTTP_ADDERS or meth in ("add_route", "add_view", "add_routes"):
            target = owner.removesuffix(".router") if owner.endswith(".router") else owner
            if meth in _AIOHTTP_ADDERS:
                path, handler = _arg(call, 0, "path"), _arg(call, 1, "handler")
                methods: tuple[str, ...] = (_AIOHTTP_ADDERS[meth],)
                self._route_call(scope, target, meth, "aiohttp", line, path, methods, handler)
            elif meth == "add_route":
                method = _string(_arg(call, 0, "method")) or ""
                path, handler = _arg(call, 1, "path"), _arg(call, 2, "handler")
                methods = ("ANY",) if method == "*" else ((method.upper(),) if method else ())
                self._route_call(scope, target, meth, "aiohttp", line, path, methods, handler)
            elif meth == "add_view":
                path, handler = _arg(call, 0, "path"), _arg(call, 1, "handler")
                self._route_call(scope, target, meth, "aiohttp", line, path, (), handler)
            else:
                routes = _arg(call, 0, "routes")
                if isinstance(routes, ast.List | ast.Tuple):
                    for element in routes.elts:
                        self._add_route_def(element, scope, target)
                elif _ref(routes) is not None and self.room(line):
                    self.mounts.append(PyMount(scope, target, _ref(routes) or "", meth, line, None))
            return
        if meth == "add_api":
            # connexion: the spec is the route table; the inventory reads it (inventory.py).
            spec = _string(_arg(call, 0, "specification"))
            if spec is not None:
                base = _string(_kw(call, "base_path"))
                name = spec if base is None else f"{spec}{SPEC_BASE_SEPARATOR}{base}"
                self._hook(scope, owner, "spec_api", name, line, "connexion")
            return
        if meth == "add_api_route":
            path, handler = _arg(call, 0, "path"), _arg(call, 1, "endpoint")
            methods = tuple(m.upper() for m in _strings(_kw(call, "methods")))
            self._route_call(scope, owner, meth, "fastapi", line, path, methods, handler, call)
        elif meth == "add_url_rule":
            path, handler = _arg(call, 0, "rule"), _arg(call, 2, "view_func")
            if handler is None:
                return  # an endpoint bound elsewhere with @app.endpoint
            methods = tuple(m.upper() for m in _strings(_kw(call, "methods")))
            self._route_call(scope, owner, meth, "flask", line, path, methods, handler)
        elif meth in ("include_router", "register_blueprint", "add_subapp", "mount"):
            self._mount(call, scope, owner, meth)
        elif meth == "register":
            self._register(call, scope, owner)
        elif (
            meth in ("add_exception_handler", "register_error_handler", "add_error_handler")
            and call.args
        ):
            hint = {"add_exception_handler": "fastapi", "add_error_handler": "connexion"}.get(
                meth, "flask"
            )
            self._hook(scope, owner, "error_handler", self.text(call.args[0]), line, hint)
        elif meth == "add_middleware" and call.args:
            name = _dotted(call.args[0]) or self.text(call.args[0])
            self._hook(scope, owner, "middleware", name, line, "fastapi")
        elif meth in ("before_request", "after_request", "before_app_request") and call.args:
            name = _dotted(call.args[0]) or self.text(call.args[0])
            self._hook(scope, owner, "middleware", name, line, "flask")
        elif meth in ("append", "insert", "extend"):
            self._append(call, scope, owner, meth)

    def _mount(self, call: ast.Call, scope: str, owner: str, meth: str) -> None:
        if meth == "add_subapp":
            prefix_node, child_node = _arg(call, 0, "prefix"), _arg(call, 1, "subapp")
        elif meth == "mount":
            prefix_node, child_node = _arg(call, 0, "path"), _arg(call, 1, "app")
            if _ref(child_node) is None or isinstance(child_node, ast.Call):
                return  # StaticFiles(...) and other ASGI apps serve no routes we list
        else:
            key = "prefix" if meth == "include_router" else "url_prefix"
            prefix_node, child_node = _kw(call, key), _arg(call, 0, "router", "blueprint")
        child = _ref(child_node)
        if child is None:
            self.problems.append(
                (call.lineno, f"{meth}: cannot follow {self.text(child_node) or 'its argument'}")
            )
            return
        prefix = None if prefix_node is None or _is_none(prefix_node) else self.pystr(prefix_node)
        deps = self._depends_list(_kw(call, "dependencies"))
        condition = next(
            (test for first, last, test in self.dev_blocks if first <= call.lineno <= last), ""
        )
        if self.room(call.lineno):
            self.mounts.append(
                PyMount(scope, owner, child, meth, call.lineno, prefix, deps, condition)
            )

    def _register(self, call: ast.Call, scope: str, owner: str) -> None:
        prefix_node, viewset_node = _arg(call, 0, "prefix"), _arg(call, 1, "viewset")
        if prefix_node is None or viewset_node is None:
            return
        is_string = isinstance(prefix_node, ast.JoinedStr) or _string(prefix_node) is not None
        if not is_string and self.local_kinds.get(owner) != DRF_ROUTER:
            return  # admin.site.register(Model, Admin) and friends
        viewset = _dotted(viewset_node)
        if viewset is not None and self.room(call.lineno):
            self.registers.append(
                PyRegister(scope, owner, call.lineno, self.pystr(prefix_node), viewset)
            )

    def _append(self, call: ast.Call, scope: str, owner: str, meth: str) -> None:
        value = call.args[-1] if call.args else None
        if value is None:
            return
        if owner.endswith(".middlewares") and meth in ("append", "insert"):
            name = _ref(value) or self.text(value)
            self._hook(
                scope,
                owner.removesuffix(".middlewares"),
                "middleware",
                name,
                call.lineno,
                "aiohttp",
            )
        elif owner in ("MIDDLEWARE", "MIDDLEWARE_CLASSES") and scope == "":
            self._middleware_setting(value)
        elif owner in self.url_list_names or owner == "urlpatterns":
            wrapped = value if meth == "extend" else ast.List(elts=[value])
            self._url_list(scope, owner, call.lineno, wrapped, extend=True)


# ---------------------------------------------------------------------------- type helpers


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _unwrap_optional(node: ast.expr | None) -> ast.expr | None:
    for _ in range(_MAX_UNWRAP):
        if isinstance(node, ast.Subscript) and _last(_dotted(node.value)) in (
            "Optional",
            "Annotated",
        ):
            node = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            node = node.right if _is_none(node.left) else node.left
        else:
            break
    return node


def _is_list_type(node: ast.expr | None) -> bool:
    core = _unwrap_optional(node)
    return isinstance(core, ast.Subscript) and _last(_dotted(core.value)) in _LIST_TYPES


def _type_kind(core: ast.expr | None) -> str:
    """How FastAPI reads a parameter of this (unwrapped) type when nothing else says."""
    in_list = False
    for _ in range(_MAX_UNWRAP):
        if isinstance(core, ast.Subscript):
            container = _last(_dotted(core.value))
            if container in _LIST_TYPES and not in_list:
                element = core.slice.elts[0] if isinstance(core.slice, ast.Tuple) else core.slice
                core, in_list = _unwrap_optional(element), True
                continue
        break
    kind = _scalar_kind(core)
    if in_list:
        return "model" if kind == "model" else "other"  # a list is a body unless Query() says
    return kind


def _scalar_kind(core: ast.expr | None) -> str:
    if core is None:
        return "simple"
    if isinstance(core, ast.Constant):
        return "simple" if core.value is None else "other"  # a string annotation: unknown
    if isinstance(core, ast.Subscript):
        return "simple" if _last(_dotted(core.value)) == "Literal" else "other"
    name = _last(_dotted(core))
    if not name:
        return "other"
    if name in _PRIMITIVES:
        return "simple"
    if name in _SPECIAL_TYPES:
        return "special"
    if name in _NOT_MODELS:
        return "other"
    return "model"


@dataclass(frozen=True, slots=True)
class _BodyReads:
    raw: tuple[str, ...]
    validations: tuple[str, ...]
    mass: tuple[str, ...]
    lookups: tuple[str, ...]
    owner_checked: bool


_LOOKUPS = frozenset(
    {
        "get",
        "get_or_404",
        "get_object_or_404",
        "first_or_404",
        "one_or_none",
        "filter",
        "filter_by",
        "find_one",
        "find_by_id",
        "get_by_id",
        "scalar",
        "fetchrow",
    }
)
_OWNER_WORDS = re.compile(r"user|owner|author|creator|created_by|account|tenant|current", re.I)
_PERMISSION_CALLS = re.compile(
    r"has_perm|has_object_permission|check_object_permissions|authorize|permission|is_owner"
    r"|can_(?:edit|view|delete|change|access)|check_access|ensure_owner",
    re.IGNORECASE,
)


def _looks_up_by(call: ast.Call, arguments: set[str]) -> bool:
    """`session.get(Order, order_id)`, `Order.objects.get(pk=pk)`, `get_object_or_404(...)`."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else _dotted(call.func)
    if name not in _LOOKUPS or not arguments:
        return False
    values = [*call.args, *(k.value for k in call.keywords)]
    return any(isinstance(v, ast.Name) and v.id in arguments for v in values)


def _checks_owner(node: ast.AST) -> bool:
    """A comparison with the caller, a filter by owner, or a permission call."""
    if isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        return any(_OWNER_WORDS.search(_dotted(_unsubscript(s)) or "") for s in sides)
    if isinstance(node, ast.Call):
        name = _dotted(node.func) or ""
        if _PERMISSION_CALLS.search(name[-80:]):
            return True
        if any(k.arg is not None and _OWNER_WORDS.search(k.arg) for k in node.keywords):
            return True
        # `article.unfavourite(current_user.profile)`: the caller takes part in the change.
        return any(
            _OWNER_WORDS.search(_dotted(_unsubscript(a)) or "")
            for a in (*node.args, *(k.value for k in node.keywords))
        )
    return False


def _unsubscript(node: ast.expr) -> ast.expr:
    """`user["sub"]` -> `user`, so a claim read from a token counts as the caller."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node


def _raw_source(node: ast.AST, request_names: set[str]) -> str | None:
    """`request.json`, `request.get_json()`, `request.data` ... as written, or None."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute) and node.attr in _RAW_BODY:
        owner = _dotted(node.value)
        if owner is not None and owner in request_names:
            return f"{owner}.{node.attr}"
    return None


def _is_query_source(node: ast.AST, request_names: set[str]) -> bool:
    dotted = _dotted(node)
    if dotted is None:
        return False
    for suffix in _QUERY_SOURCES:
        if dotted.endswith(suffix) and dotted.removesuffix(suffix) in request_names:
            return True
    return False


def _str_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return value
    return ()


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _opt_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _lets_anonymous_in(call: ast.Call) -> bool:
    """A dependency factory told not to insist on a caller: `required=False`,
    `auto_error=False` (FastAPI's security classes), or a lone `False`."""
    for kw in call.keywords:
        if kw.arg in ("required", "auto_error") and _is_false(kw.value):
            return True
    return len(call.args) == 1 and not call.keywords and _is_false(call.args[0])


def _is_false(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


# A check of the caller written by hand at the top of a handler: an `if` on auth material
# whose body turns the request away (401/403, a redirect to the login page).
_HAND_CHECK_STATEMENTS = 8  # the first statements of the handler are looked at
_AUTH_MATERIAL = re.compile(
    r"authorization|bearer|token|jwt|session|is_authenticated|current_user|logged_?in|api_?key"
    r"|g\.user|request\.user",
    re.IGNORECASE,
)
_REJECT_CALLS = frozenset(
    {"abort", "HTTPException", "PermissionDenied", "Unauthorized", "Forbidden", "NotAuthenticated"}
)


def _hand_check(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """`if not request.headers.get("Authorization"): abort(401)` and the like among the first
    statements: what is checked and where, or None."""
    for statement in node.body[:_HAND_CHECK_STATEMENTS]:
        if not isinstance(statement, ast.If):
            continue
        try:
            test = ast.unparse(statement.test)[:300]
        except RecursionError:  # hostile nesting: not judged
            continue
        material = _AUTH_MATERIAL.search(test)
        if material is None or not _rejects(statement.body):
            continue
        return f"hand-checked {material.group(0)} (line {statement.lineno})"
    return None


def _rejects(body: list[ast.stmt]) -> bool:
    """Whether a block turns the request away: 401/403, an auth exception, a login redirect."""
    for statement in body[:6]:
        for item in ast.walk(statement):
            if isinstance(item, ast.Constant) and item.value in (401, 403):
                return True
            if isinstance(item, ast.Call):
                name = (_dotted(item.func) or "").rpartition(".")[2]
                if name in _REJECT_CALLS:
                    return True
                if name == "redirect" and "login" in ast.unparse(item).lower():
                    return True
    return False
