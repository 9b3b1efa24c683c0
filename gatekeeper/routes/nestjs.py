"""NestJS routes from semgrep's inventory matches: @Controller prefixes joined with each handler's
@Get/@Post/... path under the app's setGlobalPrefix and the RouterModule path of the module that
declares the controller, guards (global, controller, method) and the middleware a module binds
with `consumer.apply(...).forRoutes(...)` as the route's dependencies, @Query names, and @Catch
filters as error handlers.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.routes.model import ANY_METHOD, AppHook, Mount, Route, join_paths, normalize_path
from gatekeeper.routes.sgtext import (
    EngineRoutes,
    by_rule,
    callee,
    dotted,
    first_line_with,
    split_args,
    string_literal,
)
from gatekeeper.stack import is_test_path

FRAMEWORK = "nestjs"
RULE_PREFIX = "gk-routes-js-nest-"
CLASS = "gk-routes-js-nest-class"
METHOD = "gk-routes-js-nest-method"
MODULE = "gk-routes-js-nest-module"
MAX_ROUTES = 20_000
MAX_TREE_DEPTH = 16

_VERBS = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "Head": "HEAD",
    "Options": "OPTIONS",
    "All": ANY_METHOD,
}
_GUARDS = frozenset({"UseGuards"})
_LIMITER = re.compile(r"(?i)throttl|rate.?limit|limiter")
_QUERY = re.compile(r"@Query\s{0,20}\(\s{0,20}(['\"`])([^'\"`\n]{1,200})\1")
_PATH_KEY = re.compile(r"^\s{0,20}path\s{0,20}:\s{0,20}([\s\S]{0,2000})$")
_BODY = re.compile(
    r"@Body\s{0,20}\([^()]{0,200}\)\s{0,20}[A-Za-z_$][\w$]{0,100}\??\s{0,20}:\s{0,20}"
    r"([A-Za-z_$][\w$.]{0,200}(?:<[^<>()]{0,200}>)?(?:\[\])?)"
)
# The return type written after a one-line signature: `name(...): Promise<UserDto[]> {`.
_RETURNS = re.compile(r"\)\s{0,20}:\s{0,20}([^{};=]{1,300}?)\s{0,20}\{\s{0,20}$")
_WRAPPER = re.compile(r"(?:Promise|Observable)\s{0,20}<([^{};=]{1,300})>")
_UNTYPED = frozenset({"any", "unknown", "void", "object", "string", "Record<string, unknown>"})
_REQUEST_METHOD = re.compile(r"^\s{0,20}(?:RequestMethod\s{0,20}\.\s{0,20})?([A-Z]{3,7})\s{0,20}$")
_OBJECT_KEY = re.compile(r"^\s{0,20}(path|method)\s{0,20}:\s{0,20}([\s\S]{0,400})$")


class _Span(NamedTuple):
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def holds(self, other: _Span) -> bool:
        return (
            self.file == other.file
            and self != other
            and (self.line, self.column) <= (other.line, other.column)
            and (other.end_line, other.end_column) <= (self.end_line, self.end_column)
        )


@dataclass(frozen=True, slots=True)
class _TreeEntry:
    """One entry of a RouterModule tree: `{ path, module }`, or a bare child module (path "")."""

    span: _Span
    path: str | None  # the literal path; None when it is not one
    module: str
    bare: bool = False  # a module listed in `children` without a path of its own


@dataclass(frozen=True, slots=True)
class _RouteSpec:
    """What forRoutes()/exclude() names: a controller, or a path pattern and a method."""

    controller: str = ""
    pattern: re.Pattern[str] | None = None
    method: str = ""  # "" for every method


@dataclass(frozen=True, slots=True)
class _Binding:
    """consumer.apply(middleware).exclude(...).forRoutes(...) in a module's configure()."""

    file: str
    line: int
    middleware: tuple[str, ...]
    routes: tuple[_RouteSpec, ...]
    excluded: tuple[_RouteSpec, ...]


@dataclass(slots=True)
class _Controller:
    name: str
    file: str
    line: int
    end_line: int
    decorators: dict[str, str] = field(default_factory=dict)  # name -> arguments as written


@dataclass(slots=True)
class _Handler:
    cls: str
    name: str
    file: str
    line: int
    end_line: int
    params: str
    decorators: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _AppCall:
    file: str
    line: int
    call: str
    args: str


def resolve(
    matches: Iterable[InventoryMatch],
    lines_of: Callable[[str], Sequence[str] | None] = lambda _path: None,
) -> EngineRoutes:
    """NestJS routes and hooks from the inventory matches (test files left out); `lines_of`
    reads a file's lines, to point each route at its verb decorator."""
    return _Resolver(by_rule(matches, RULE_PREFIX), lines_of).run()


def _paths(args: str) -> list[str] | None:
    """The paths a decorator's arguments name: none (""), a literal, an array of literals, or
    the `path` of an options object (`@Controller({ path: 'users', version: '1' })`)."""
    parts = split_args(args)
    if not parts:
        return [""]
    first = parts[0].strip()
    if first.startswith("{") and first.endswith("}"):
        for item in split_args(first[1:-1]):
            found = _PATH_KEY.match(item)
            if found:
                return _paths(found.group(1))
        return [""]
    items = split_args(first[1:-1]) if first.startswith("[") and first.endswith("]") else [first]
    out: list[str] = []
    for item in items:
        value = string_literal(item)
        if value is None:
            return None
        out.append(value)
    return out or [""]


def _path_pattern(path: str) -> re.Pattern[str]:
    """A forRoutes() path as a pattern over normalized route paths: `*` matches anything,
    `:id` one segment; the leading slash and a trailing one are optional, as in NestJS."""
    out: list[str] = []
    for piece in re.split(r"(\*|:[A-Za-z_]\w{0,80}|\{[^{}/]{0,80}\})", path.strip("/")[:500]):
        if piece == "*":
            out.append(".*")
        elif piece.startswith((":", "{")):
            out.append("[^/]+")
        else:
            out.append(re.escape(piece))
    return re.compile("/" + "".join(out) + "/?")


def _selects(spec: _RouteSpec, controller: str, method: str, path: str) -> bool:
    if spec.controller:
        return spec.controller == controller
    if spec.method and method not in (spec.method, ANY_METHOD):
        return False
    return spec.pattern is not None and spec.pattern.fullmatch(path) is not None


def _names(args: str) -> list[str]:
    """What each argument of @UseGuards(...) / useGlobalGuards(...) names."""
    return [callee(arg) for arg in split_args(args)]


def _common_dir(a: str, b: str) -> int:
    """How many leading directories two files share."""
    count = 0
    for x, y in zip(posixpath.dirname(a).split("/"), posixpath.dirname(b).split("/"), strict=False):
        if x != y or not x:
            break
        count += 1
    return count


class _Resolver:
    def __init__(
        self,
        rules: Mapping[str, list[InventoryMatch]],
        lines_of: Callable[[str], Sequence[str] | None],
    ) -> None:
        self.lines_of = lines_of
        self.classes: dict[tuple[str, str], _Controller] = {}
        self.handlers: dict[tuple[str, str, str, int], _Handler] = {}
        self.app_calls: list[_AppCall] = []
        self.routes: set[Route] = set()
        self.hooks: set[AppHook] = set()
        self.problems: set[tuple[str, int, str]] = set()
        self.module_controllers: dict[tuple[str, str], list[str]] = {}  # (file, module) -> names
        self.tree: list[_TreeEntry] = []
        self.bindings: list[_Binding] = []
        self.prefixes: dict[str, tuple[str, Mount]] = {}
        for match in rules.get(MODULE, ()):
            if not is_test_path(match.path):
                self._read_module_fact(match)
        for match in rules.get(CLASS, ()):
            if is_test_path(match.path):
                continue
            call, name = match.get("CALL"), match.get("CLASS")
            if call is not None:
                self.app_calls.append(
                    _AppCall(match.path, match.line, call, match.get("ARGS") or "")
                )
            elif name is not None:
                cls = self.classes.setdefault(
                    (match.path, name), _Controller(name, match.path, match.line, match.end_line)
                )
                cls.decorators[match.get("DECORATOR") or ""] = match.get("ARGS") or ""
        for match in rules.get(METHOD, ()):
            cls_name, name = match.get("CLASS"), match.get("METHOD")
            if cls_name is None or name is None or is_test_path(match.path):
                continue
            handler = self.handlers.setdefault(
                (match.path, cls_name, name, match.line),
                _Handler(
                    cls_name,
                    name,
                    match.path,
                    match.line,
                    match.end_line,
                    match.get("PARAMS") or "",
                ),
            )
            handler.decorators[match.get("DECORATOR") or ""] = match.get("ARGS") or ""

    def _read_module_fact(self, match: InventoryMatch) -> None:
        span = _Span(match.path, match.line, match.column, match.end_line, match.end_column)
        cls, controllers = match.get("CLASS"), match.get("CONTROLLERS")
        module, child = match.get("MODULE"), match.get("CHILD")
        middleware, routes = match.get("MIDDLEWARE"), match.get("ROUTES")
        if cls is not None and controllers is not None:
            inner = controllers.strip().removeprefix("[").removesuffix("]")
            names = [n for n in (dotted(a) for a in split_args(inner)) if n is not None]
            self.module_controllers.setdefault((match.path, cls), []).extend(names)
        elif module is not None and dotted(module) is not None:
            path = string_literal(match.get("PATH") or "")
            self.tree.append(_TreeEntry(span, path, module.strip()))
            if path is None:
                self.problems.add(
                    (
                        match.path,
                        match.line,
                        f"RouterModule path of {module.strip()}: not a literal",
                    )
                )
        elif child is not None:
            self.tree.append(_TreeEntry(span, "", child.strip(), bare=True))
        elif middleware is not None and routes is not None:
            specs = [self._route_spec(match, arg) for arg in split_args(routes)]
            excluded = [
                self._route_spec(match, arg) for arg in split_args(match.get("EXCLUDE") or "")
            ]
            self.bindings.append(
                _Binding(
                    match.path,
                    match.line,
                    tuple(callee(a) for a in split_args(middleware)),
                    tuple(x for x in specs if x is not None),
                    tuple(x for x in excluded if x is not None),
                )
            )

    def _route_spec(self, match: InventoryMatch, text: str) -> _RouteSpec | None:
        """A forRoutes()/exclude() argument: a controller class, 'path/*', or { path, method }."""
        text = text.strip()
        literal = string_literal(text)
        if literal is not None:
            return _RouteSpec(pattern=_path_pattern(literal))
        if text.startswith("{") and text.endswith("}"):
            keys = {}
            for item in split_args(text[1:-1]):
                found = _OBJECT_KEY.match(item)
                if found:
                    keys[found.group(1)] = found.group(2).strip()
            path = string_literal(keys.get("path", ""))
            verb = _REQUEST_METHOD.match(keys.get("method", "ALL"))
            if path is not None and verb is not None:
                method = verb.group(1)
                return _RouteSpec(
                    pattern=_path_pattern(path), method="" if method == "ALL" else method
                )
        elif dotted(text) is not None:
            return _RouteSpec(controller=text.rsplit(".", 1)[-1])
        self.problems.add(
            (match.path, match.line, f"forRoutes({text[:60]}): not a controller or path")
        )
        return None

    def _module_prefixes(self) -> dict[str, tuple[str, Mount]]:
        """module name -> (its RouterModule path, parents' paths first; the mount that adds it).
        An entry whose own or a parent's path is not a literal gives its module no prefix."""
        out: dict[str, tuple[str, Mount]] = {}
        for entry in self.tree:
            prefix = self._tree_path(entry)
            if prefix is None or prefix == "/" or entry.module in out:
                continue
            span = entry.span
            mount = Mount(span.file, span.line, normalize_path(prefix, "colon"), "RouterModule")
            out[entry.module] = (prefix, mount)
        return out

    def _tree_path(self, entry: _TreeEntry) -> str | None:
        parts: list[str] = []
        at: _TreeEntry | None = entry
        for _ in range(MAX_TREE_DEPTH):
            if at is None:
                return join_paths(*reversed(parts))
            if at.path is None:
                return None
            parts.append(at.path)
            at = self._parent(at)
        return None

    def _parent(self, entry: _TreeEntry) -> _TreeEntry | None:
        """The innermost `{ path, module }` entry whose children hold `entry`."""
        around = [
            e for e in self.tree if not e.bare and e.span.holds(entry.span) and e is not entry
        ]
        if not around:
            return None
        return min(
            around, key=lambda e: (e.span.end_line - e.span.line, e.span.end_column - e.span.column)
        )

    def _module_of(self, cls: _Controller) -> str | None:
        """The module whose `controllers` list this controller (the closest such module file
        when two modules list a controller of that name)."""
        owners = [
            (file, module)
            for (file, module), names in self.module_controllers.items()
            if cls.name in names
        ]
        if not owners:
            return None
        return max(owners, key=lambda o: (_common_dir(o[0], cls.file), o[0]))[1]

    def _middleware(self, cls: _Controller, method: str, path: str) -> list[str]:
        """The middleware bound to a route (path below the global prefix) by forRoutes()."""
        out: list[str] = []
        for binding in self.bindings:
            if any(_selects(s, cls.name, method, path) for s in binding.excluded):
                continue
            if any(_selects(s, cls.name, method, path) for s in binding.routes):
                out.extend(binding.middleware)
        return out

    def run(self) -> EngineRoutes:
        self.prefixes = self._module_prefixes()
        controllers = {c.name for c in self.classes.values() if "Controller" in c.decorators}
        for binding in self.bindings:
            for spec in (*binding.routes, *binding.excluded):
                if spec.controller and spec.controller not in controllers:
                    self.problems.add(
                        (
                            binding.file,
                            binding.line,
                            f"forRoutes({spec.controller}): not a controller or path",
                        )
                    )
        for call in self.app_calls:
            if call.call == "useGlobalFilters":
                for name in _names(call.args):
                    self.hooks.add(AppHook(call.file, call.line, "error_handler", name, FRAMEWORK))
            elif call.call == "useGlobalGuards":
                for name in _names(call.args):
                    kind = "rate_limit" if _LIMITER.search(name) else "middleware"
                    self.hooks.add(AppHook(call.file, call.line, kind, name, FRAMEWORK))
        for cls in self.classes.values():
            if "Catch" in cls.decorators:
                caught = ", ".join(_names(cls.decorators["Catch"])) or "every exception"
                name = f"@Catch {cls.name} ({caught})"
                self.hooks.add(AppHook(cls.file, cls.line, "error_handler", name, FRAMEWORK))
        for key in sorted(self.handlers):
            handler = self.handlers[key]
            owner = self._owner(handler)
            if owner is not None and "Controller" in owner.decorators:
                self._routes(owner, handler)
        return EngineRoutes(
            tuple(sorted(self.routes)), tuple(sorted(self.hooks)), tuple(sorted(self.problems))
        )

    def _owner(self, handler: _Handler) -> _Controller | None:
        """The controller a handler is declared in: the innermost decorated class around it."""
        around = [
            c
            for c in self.classes.values()
            if c.file == handler.file and c.line <= handler.line <= c.end_line
        ]
        if not around:
            return None
        inner = min(around, key=lambda c: c.end_line - c.line)
        return inner if inner.name == handler.cls else None

    def _global(self, file: str, call: str) -> list[_AppCall]:
        """The app-wide calls of the bootstrap closest to `file` (the one sharing the most
        directories with it), so each app of a monorepo keeps its own."""
        calls = [c for c in self.app_calls if c.call == call]
        if not calls:
            return []
        best = max(_common_dir(c.file, file) for c in calls)
        return [c for c in calls if _common_dir(c.file, file) == best]

    def _prefix(self, file: str) -> tuple[str, tuple[Mount, ...]]:
        calls = self._global(file, "setGlobalPrefix")
        values = {(c.file, c.line): _paths(c.args) for c in calls}
        known = {tuple(v) for v in values.values() if v is not None and len(v) == 1}
        if len(known) != 1 or len(values) != len(calls):
            for c in calls:
                self.problems.add(
                    (c.file, c.line, f"setGlobalPrefix({c.args[:80]}): prefix not known")
                )
            return "", ()
        [(prefix,)] = known
        first = min(calls, key=lambda c: (c.file, c.line))
        if not prefix.strip("/"):
            return "", ()
        mount = Mount(first.file, first.line, normalize_path(prefix, "colon"), "setGlobalPrefix")
        return prefix, (mount,)

    def _response(self, handler: _Handler, line: int) -> tuple[str | None, bool | None]:
        """The declared return type of the handler's signature, Promise<...> looked through;
        None when it is not written on the signature's one line or says nothing."""
        lines = self.lines_of(handler.file)
        at = first_line_with(lines, line, handler.end_line, handler.name + "(", anywhere=True)
        if lines is None or at == line or at > len(lines):
            return None, None
        found = _RETURNS.search(lines[at - 1][:1000])
        if found is None:
            return None, None
        text = found.group(1).strip()
        wrapped = _WRAPPER.fullmatch(text)
        if wrapped is not None:
            text = wrapped.group(1).strip()
        if not text or text in _UNTYPED or text.startswith("{"):
            return None, None
        return text, text.endswith("[]") or text.startswith("Array<")

    def _routes(self, cls: _Controller, handler: _Handler) -> None:
        verbs = [d for d in handler.decorators if d in _VERBS]
        if not verbs:
            return
        decorator = verbs[0]
        line = first_line_with(
            self.lines_of(handler.file), handler.line, handler.end_line, "@" + decorator
        )
        paths = _paths(handler.decorators[decorator])
        prefixes = _paths(cls.decorators.get("Controller", ""))
        if paths is None or prefixes is None:
            self.problems.add(
                (handler.file, line, f"@{decorator} path is not a literal string or array")
            )
            return
        base, base_mounts = self._prefix(handler.file)
        module = self._module_of(cls)
        module_prefix, module_mount = self.prefixes.get(module or "", ("", None))
        if module_mount is not None:
            base_mounts = (*base_mounts, module_mount)
        guards = [
            *(n for c in self._global(handler.file, "useGlobalGuards") for n in _names(c.args)),
            *_names(cls.decorators.get("UseGuards", "")),
            *_names(handler.decorators.get("UseGuards", "")),
        ]
        own = tuple(d for d in handler.decorators if d not in _VERBS)
        limits = tuple(d for d in cls.decorators if d == "Throttle")
        query = tuple(dict.fromkeys(m.group(2) for m in _QUERY.finditer(handler.params)))
        body = _BODY.search(handler.params)
        model, is_list = self._response(handler, line)
        for prefix in prefixes:
            mounts = base_mounts
            if prefix.strip("/"):
                mount = Mount(cls.file, cls.line, normalize_path(prefix, "colon"), "@Controller")
                mounts = (*mounts, mount)
            for path in paths:
                if len(self.routes) >= MAX_ROUTES:
                    return
                below = join_paths(module_prefix, prefix, path)
                full = join_paths(base, below)
                bound = self._middleware(cls, _VERBS[decorator], normalize_path(below, "colon"))
                self.routes.add(
                    Route(
                        file=handler.file,
                        line=line,
                        method=_VERBS[decorator],
                        url_path=normalize_path(full, "colon"),
                        handler=f"{cls.name}.{handler.name}",
                        framework=FRAMEWORK,
                        mounts=mounts,
                        query_params=query,
                        request_model=body.group(1) if body else None,
                        response_model=model,
                        response_is_list=is_list,
                        decorators=own,
                        dependencies=tuple(dict.fromkeys([*bound, *guards, *limits])),
                        raw_path=path,
                    )
                )
