"""Go routes from semgrep's inventory matches, for gin, echo, chi, gorilla/mux, httprouter and
net/http: routers, groups and nested groups, `Use` middleware in registration order, chi's
Route/Group closures and Mount, gorilla's PathPrefix().Subrouter() and Methods(), Go 1.22
"GET /x" patterns, net/http sub-muxes served through `http.StripPrefix`, and routers handed to
registration functions, followed across packages.

Each function's registrations are replayed in source order. A group copies its parent's
middleware when it is made and `Use` adds to it from then on, as gin does. Which framework a
route is served by is taken from how its router was made, else from its file's imports.

A registration function's other parameters are bound to what its call passes: a path given as
a literal or a package constant (`register(r, "/users", list)`, extended in the callee with
`path += "/"`) resolves, and a handler parameter is named by the caller's argument. A handler
wrapped in calls (`auth(h)`, the only middleware net/http and httprouter have) is named by the
innermost one and the wrappers become the route's dependencies, outermost first, in every Go
framework; conversions such as `http.HandlerFunc(f)` are not dependencies.
"""

from __future__ import annotations

import posixpath
import re
from collections import ChainMap, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.routes.model import ANY_METHOD, AppHook, Mount, Route, join_paths, normalize_path
from gatekeeper.routes.sgtext import (
    ANONYMOUS,
    EngineRoutes,
    by_rule,
    callee,
    dotted,
    handler_name,
    is_function,
    joined_string,
    split_args,
)
from gatekeeper.stack import is_test_path

FRAMEWORK = "gin"
RULE_PREFIX = "gk-routes-go-"
ROUTE = "gk-routes-go-route"
GROUP = "gk-routes-go-group"
USE = "gk-routes-go-use"
FUNC = "gk-routes-go-func"
CALL = "gk-routes-go-call"
MOUNT = "gk-routes-go-mount"
CONST = "gk-routes-go-const"
ASSIGN = "gk-routes-go-assign"
ECHO, CHI, MUX, NET_HTTP, HTTPROUTER = "echo", "chi", "gorilla-mux", "net/http", "httprouter"
MAX_DEPTH = 12  # registration functions calling each other
MAX_ROUTES = 20_000

_METHODS = {
    "GET": "GET",
    "POST": "POST",
    "PUT": "PUT",
    "PATCH": "PATCH",
    "DELETE": "DELETE",
    "HEAD": "HEAD",
    "OPTIONS": "OPTIONS",
    "CONNECT": "CONNECT",
    "TRACE": "TRACE",
    "Any": ANY_METHOD,
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "Head": "HEAD",
    "Options": "OPTIONS",
    "Connect": "CONNECT",
    "Trace": "TRACE",
    "Handle": ANY_METHOD,
    "HandleFunc": ANY_METHOD,
    "ServeFiles": "GET",  # httprouter's file server under a "/x/*filepath" path
}
# Registrations that only some routers have, and that other Go values share the name of
# (cache.Get(ctx, key), fs.Handle(...)): kept only on a known router or with a "/..." path.
_AMBIGUOUS = frozenset(
    {"Get", "Post", "Put", "Patch", "Delete", "Head", "Options", "Connect", "Trace"}
    | {"Handle", "HandleFunc", "Method", "MethodFunc", "Handler", "HandlerFunc", "ServeFiles"}
)
# The package a router is made with or typed by, and the framework it stands for.
_PACKAGES = {
    "gin": FRAMEWORK,
    "echo": ECHO,
    "chi": CHI,
    "mux": MUX,
    "http": NET_HTTP,
    "httprouter": HTTPROUTER,
}
_IMPORTS = (
    ('"github.com/gin-gonic/gin', FRAMEWORK),
    ('"github.com/labstack/echo', ECHO),
    ('"github.com/go-chi/chi', CHI),
    ('"github.com/gorilla/mux', MUX),
    ('"github.com/julienschmidt/httprouter', HTTPROUTER),
)
_IMPORT_LINES = 300  # the import block is near the top of a Go file
_PATTERN_VERB = re.compile(r"^([A-Z]{3,7})\s{1,20}(/[\s\S]{0,2000})$")  # Go 1.22 "GET /x"
_WITH = re.compile(
    r"(?P<parent>[A-Za-z_]\w{0,100}(?:\.[A-Za-z_]\w{0,100}){0,4})\s{0,20}\.\s{0,20}With\("
    r"(?P<args>[^()]{0,400}(?:\([^()]{0,400}\)[^()]{0,400}){0,8})\)"
)
_DEFAULT_MIDDLEWARE = ("gin.Logger", "gin.Recovery")  # what gin.Default() adds
_RECOVERY = re.compile(r"(?i)recover|error|exception|panic")
_LIMITER = re.compile(r"(?i)rate.?limit|limiter|throttl|tollbooth")
# `http.StripPrefix("/api", sub)`: a net/http sub-mux (or a function making one) served under a
# prefix, as chi's Mount does.
_STRIP = re.compile(
    r"http\s{0,20}\.\s{0,20}StripPrefix\(\s{0,20}(?P<prefix>\"[^\"\n]{0,300}\"|`[^`\n]{0,300}`)"
    r"\s{0,20},\s{0,20}(?P<sub>[\s\S]{1,400})\)"
)
# A handler wrapped in a call of one argument (`auth(h)`, `mw.Limit(handlers.List)`).
_WRAP = re.compile(
    r"(?P<callee>[A-Za-z_]\w{0,100}(?:\s{0,20}\.\s{0,20}[A-Za-z_]\w{0,100}){0,5})\s{0,20}"
    r"\((?P<inner>[\s\S]{1,4000})\)"
)
# Adapters that change a handler's type and add no behaviour.
_CONVERSIONS = frozenset(
    {"http.HandlerFunc", "http.Handler", "httprouter.Handle"}
    | {"gin.WrapF", "gin.WrapH", "echo.WrapHandler"}
)
MAX_WRAPPERS = 8
_INLINE_GROUP = re.compile(
    r"(?P<parent>[A-Za-z_]\w{0,100}(?:\.[A-Za-z_]\w{0,100}){0,4})\s{0,20}\.\s{0,20}Group\("
    r"\s{0,20}(?P<prefix>\"[^\"\n]{0,300}\"|`[^`\n]{0,300}`)\s{0,20}\)"
)

Scope = tuple[str, str]  # (file, function name)


@dataclass(frozen=True, slots=True)
class _Bound:
    """What a call passed for one parameter of a registration function."""

    text: str  # the argument as written at the call
    path: str  # the file of the call, whose package names a bare handler
    value: str | None  # its string value, when it is a literal or a known constant


Bindings = dict[str, _Bound]
Waiting = list[tuple[InventoryMatch, Bindings]]


@dataclass(slots=True)
class _Group:
    """An engine or group while one function is replayed (shared with the functions it calls,
    as gin shares the *RouterGroup)."""

    prefix: str
    middleware: list[str]
    mounts: tuple[Mount, ...]
    root: bool  # an engine, or a group of unknown origin: its Use is app-wide
    kind: str = ""  # the framework it was made or typed with; "" when unknown
    # A router made here and mounted further down (chi `Mount("/x", sub)`): its routes wait
    # for the mount that gives them their prefix.
    waiting: Waiting | None = None


@dataclass(slots=True)
class _Function:
    scope: Scope
    events: list[InventoryMatch] = field(default_factory=list)
    params: list[str] = field(default_factory=list)  # names of its router parameters, in order
    kinds: list[str] = field(default_factory=list)  # the framework of each parameter's type
    signature: tuple[str, ...] = ()  # every parameter's name, in order


def resolve(
    matches: Iterable[InventoryMatch],
    lines_of: Callable[[str], Sequence[str] | None] = lambda _path: None,
) -> EngineRoutes:
    """Go routes and hooks from the inventory matches (test files left out); `lines_of` reads
    a file's lines, for the router imports that tell which framework serves its routes."""
    return _Resolver(by_rule(matches, RULE_PREFIX), lines_of).run()


def _package(path: str) -> str:
    return posixpath.basename(posixpath.dirname(path))


def _go_string(text: str) -> str | None:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in '"`':
        body = text[1:-1]
        return None if text[0] == '"' and '"' in body else body
    return None


def _parameters(before: str | None, param: str, after: str | None) -> tuple[str, ...]:
    """Parameter names in order from a signature's text around one parameter; `a, b string`
    names two."""
    parts = [*split_args(before or ""), param, *split_args(after or "")]
    return tuple(part.split(None, 1)[0] for part in parts if part.strip())


def _unwrap(text: str) -> tuple[str, list[str]]:
    """A handler as written without the calls wrapping it, and those wrappers (outermost
    first); a conversion (`http.HandlerFunc(f)`) is peeled but is no wrapper."""
    wrappers: list[str] = []
    text = text.strip()
    for _ in range(MAX_WRAPPERS):
        match = _WRAP.fullmatch(text)
        if match is None:
            break
        inner = split_args(match.group("inner"))
        if len(inner) != 1 or not (
            dotted(inner[0]) or is_function(inner[0]) or _WRAP.fullmatch(inner[0])
        ):
            break
        name = re.sub(r"\s+", "", match.group("callee"))
        if name not in _CONVERSIONS:
            wrappers.append(name)
        text = inner[0]
    return text, wrappers


def _stripped(match: InventoryMatch) -> tuple[str, str] | None:
    """The prefix and the handler of a `Handle(path, http.StripPrefix(prefix, h))`."""
    if match.rule != ROUTE or match.get("METHOD") not in ("Handle", "HandleFunc"):
        return None
    found = _STRIP.fullmatch((match.get("HANDLER") or "").strip())
    return (found.group("prefix"), found.group("sub").strip()) if found else None


def _verb(text: str) -> str | None:
    """An HTTP method written as a literal ("GET") or a net/http constant (http.MethodGet)."""
    literal = _go_string(text)
    if literal:
        return literal.upper()
    text = text.strip()
    if text.startswith("http.Method"):
        return text.removeprefix("http.Method").upper() or None
    return None


class _Resolver:
    def __init__(
        self,
        rules: Mapping[str, list[InventoryMatch]],
        lines_of: Callable[[str], Sequence[str] | None] = lambda _path: None,
    ) -> None:
        self.lines_of = lines_of
        self.imported: dict[str, str] = {}  # file -> the router framework it imports, or ""
        self.functions: dict[Scope, _Function] = {}
        self.by_name: dict[str, list[Scope]] = defaultdict(list)
        self.called: set[Scope] = set()
        self.routes: set[Route] = set()
        self.hooks: set[AppHook] = set()
        self.problems: set[tuple[str, int, str]] = set()
        # Path constants by directory (a Go package), and the maps routes resolve them through.
        self.constants: dict[str, dict[str, str]] = defaultdict(dict)
        self._qualified: dict[str, str] | None = None
        for match in rules.get(CONST, ()):
            name, value = match.get("NAME"), match.get("VALUE")
            if name is not None and value is not None and not is_test_path(match.path):
                self.constants[posixpath.dirname(match.path)].setdefault(name, value)
        for rule, found in rules.items():
            for match in found:
                name = match.get("FUNC")
                if is_test_path(match.path) or name is None:
                    continue
                fn = self._function((match.path, name))
                if rule == FUNC:
                    param = match.get("PARAM")
                    if param is not None and param not in fn.params:
                        fn.params.append(param)
                        fn.kinds.append(_PACKAGES.get(match.get("PKG") or "", ""))
                        fn.signature = fn.signature or _parameters(
                            match.get("BEFORE"), param, match.get("AFTER")
                        )
                else:
                    fn.events.append(match)
        # gorilla's HandleFunc(path, h).Methods(...) also matches as a bare HandleFunc(path, h).
        chained = {
            (m.path, m.line, m.column) for m in rules.get(ROUTE, ()) if m.get("VERBS") is not None
        }
        for fn in self.functions.values():
            fn.events = [
                m
                for m in fn.events
                if not (
                    m.rule == ROUTE
                    and m.get("VERBS") is None
                    and (m.path, m.line, m.column) in chained
                )
            ]
            fn.events.sort(key=lambda m: (m.line, m.column, m.end_line, m.end_column, m.rule))

    def _function(self, scope: Scope) -> _Function:
        if scope not in self.functions:
            self.functions[scope] = _Function(scope)
            self.by_name[scope[1]].append(scope)
        return self.functions[scope]

    def run(self) -> EngineRoutes:
        # Which functions are called with a group: those are replayed from their callers.
        for fn in self.functions.values():
            for match in fn.events:
                target = match.get("CALLEE")
                if target is not None and match.rule in (GROUP, CALL):
                    self.called.update(self._callees(match.path, target))
                sub = match.get("SUB") if match.rule == MOUNT else None
                strip = _stripped(match)
                sub = strip[1] if strip is not None else sub
                if sub is not None and sub.endswith(")"):
                    self.called.update(self._makers(match.path, sub))
        for path in sorted({scope[0] for scope in self.functions}):
            self._imports(path)
        for scope in sorted(self.functions):
            if scope not in self.called:
                fn = self.functions[scope]
                pairs = zip(fn.params, fn.kinds, strict=True)
                params = {p: _Group("", [], (), True, kind) for p, kind in pairs}
                self._replay(scope, params, (scope,), {})
        return EngineRoutes(
            tuple(sorted(self.routes)), tuple(sorted(self.hooks)), tuple(sorted(self.problems))
        )

    def _callees(self, path: str, text: str, *, makers: bool = False) -> list[Scope]:
        """The functions with router parameters a call may reach (with `makers`, those that
        register routes at all): `pkg.Func` in a directory named pkg, a bare `Func` in the same
        directory, `h.Method` anywhere if only one has that name."""
        name = dotted(text)
        if name is None:
            return []
        qualifier, _, last = name.rpartition(".")
        found = [
            s
            for s in self.by_name.get(last, ())
            if (self.functions[s].events if makers else self.functions[s].params)
        ]
        if not qualifier:
            same = [s for s in found if posixpath.dirname(s[0]) == posixpath.dirname(path)]
            return same or found[:1]
        package = [s for s in found if _package(s[0]) == qualifier.rsplit(".", 1)[-1]]
        return package or (found if len(found) == 1 else [])

    def _makers(self, path: str, sub: str) -> list[Scope]:
        """The functions a mounted `sub(...)` call names that make a router of their own."""
        head = sub.split("(", 1)[0]
        return [
            s
            for s in self._callees(path, head, makers=True)
            if any(e.rule == GROUP and e.get("NEW") for e in self.functions[s].events)
        ]

    def _framework(self, path: str, group: _Group) -> str:
        """Which framework serves a route: its router's, else its file's router import, else
        the one router the repository imports, else gin."""
        if group.kind and group.kind != NET_HTTP:
            return group.kind
        own = self._imports(path)
        if own:
            return own
        found = {kind for kind in self.imported.values() if kind}
        if len(found) == 1:
            return next(iter(found))
        return group.kind or FRAMEWORK

    def _string(self, text: str, path: str, bound: Bindings) -> str | None:
        """A string written as literals, bound parameters and path constants (its package's
        by name, another's as `pkg.Name`) joined with `+`."""
        literal = _go_string(text)
        if literal is not None:
            return literal
        if self._qualified is None:
            self._qualified = {
                f"{posixpath.basename(directory)}.{name}": value
                for directory, names in sorted(self.constants.items())
                for name, value in names.items()
            }
        values = {k: b.value for k, b in bound.items() if b.value is not None}
        own = self.constants.get(posixpath.dirname(path), {})
        return joined_string(text, ChainMap(values, own, self._qualified))

    def _imports(self, path: str) -> str:
        if path not in self.imported:
            lines = self.lines_of(path) or ()
            found = ""
            for line in lines[:_IMPORT_LINES]:
                found = next((kind for needle, kind in _IMPORTS if needle in line), "")
                if found:
                    break
            self.imported[path] = found
        return self.imported[path]

    # ------------------------------------------------------------------ replay

    def _replay(
        self,
        scope: Scope,
        groups: dict[str, _Group],
        stack: tuple[Scope, ...],
        given: Bindings,
        adopt: _Group | None = None,
    ) -> None:
        fn = self.functions[scope]
        bound = dict(given)  # `path += "/"` rebinds a parameter from here on
        # Routers mounted further down by name wait for their mount (chi `Mount("/x", sub)`,
        # net/http `Handle("/x/", http.StripPrefix("/x", sub))`).
        mounted = {e.get("SUB") or "" for e in fn.events if e.rule == MOUNT and e.get("PREFIX")}
        mounted |= {strip[1] for e in fn.events if (strip := _stripped(e)) is not None}
        # chi closures (`r.Route("/x", func(r chi.Router) {...})`) rebind a name for a span.
        closing: list[tuple[tuple[int, int], str, _Group | None]] = []
        for match in fn.events:
            at = (match.line, match.column)
            while closing and closing[-1][0] < at:
                _, name, previous = closing.pop()
                if previous is None:
                    groups.pop(name, None)
                else:
                    groups[name] = previous
            if match.rule == GROUP:
                adopt = self._group(match, groups, stack, bound, adopt, mounted)
            elif match.rule == USE:
                group = self._lookup(match, match.get("GROUP") or "", groups, bound)
                names = [callee(arg) for arg in split_args(match.get("MID") or "")]
                group.middleware.extend(names)
                for name in names:
                    self._hook(match, name, group)
            elif match.rule == ROUTE:
                self._registration(match, groups, stack, bound)
            elif match.rule == CALL:
                arg = match.get("ARG") or ""
                if arg in groups:
                    self._call(match, match.get("CALLEE") or "", groups[arg], stack, bound)
            elif match.rule == ASSIGN:
                self._extend(match, bound)
            elif match.rule == MOUNT:
                closure = self._mount(match, groups, stack, bound)
                if closure is not None:
                    param = match.get("PARAM") or ""
                    closing.append(((match.end_line, match.end_column), param, groups.get(param)))
                    closing.sort(key=lambda item: item[0], reverse=True)
                    groups[param] = closure

    def _extend(self, match: InventoryMatch, bound: Bindings) -> None:
        """`path += "/"` on a parameter bound to a known string."""
        name = match.get("NAME") or ""
        given = bound.get(name)
        suffix = self._string(match.get("VALUE") or "", match.path, bound)
        if given is not None and given.value is not None and suffix is not None:
            bound[name] = replace(given, value=given.value + suffix)

    def _registration(
        self,
        match: InventoryMatch,
        groups: dict[str, _Group],
        stack: tuple[Scope, ...],
        bound: Bindings,
    ) -> None:
        """A route; a net/http sub-mux served through StripPrefix is a mount instead, and a
        router handed to another router's Handle serves its own routes."""
        group = self._lookup(match, match.get("GROUP") or "", groups, bound)
        strip = _stripped(match)
        if strip is not None:
            raw, sub = strip
            child = self._child(match, group, raw, [], bound, "StripPrefix")
            if self._serve(match, child, sub, groups, stack):
                return
        handler = (match.get("HANDLER") or "").strip()
        delegate = groups.get(handler)
        if match.get("METHOD") in ("Handle", "HandleFunc") and delegate and delegate.kind:
            return  # mux.Handle("/", r): r's routes carry their own full paths
        if group.waiting is not None:
            group.waiting.append((match, bound))
        else:
            self._route(match, group, bound)

    def _mount(
        self,
        match: InventoryMatch,
        groups: dict[str, _Group],
        stack: tuple[Scope, ...],
        bound: Bindings,
    ) -> _Group | None:
        """chi's Route and Group give a closure its router (returned); Mount serves a router
        made elsewhere, by name or by the function that makes it, under a prefix."""
        parent_name = match.get("PARENT") or ""
        if parent_name not in groups and _WITH.fullmatch(parent_name) is None:
            return None  # not a router this function knows
        parent = self._lookup(match, parent_name, groups, bound)
        how = match.get("HOW")
        raw = match.get("PREFIX")
        child = (
            self._child(match, parent, raw, [], bound, how or "Route")
            if raw
            else _Group(parent.prefix, list(parent.middleware), parent.mounts, False, parent.kind)
        )
        if how != "Mount":
            return child
        self._serve(match, child, (match.get("SUB") or "").strip(), groups, stack)
        return None

    def _serve(
        self,
        match: InventoryMatch,
        child: _Group,
        sub: str,
        groups: dict[str, _Group],
        stack: tuple[Scope, ...],
    ) -> bool:
        """Serve under `child` the router `sub` names (made here and waiting for this mount)
        or makes (`users.Routes()`); False when it is neither."""
        waiting = groups.get(sub)
        if waiting is not None and waiting.waiting is not None:
            routes, waiting.waiting = waiting.waiting, None
            # Routes registered on it after the mount are served under the mount too.
            waiting.prefix, waiting.mounts = child.prefix, child.mounts
            waiting.middleware[:0] = child.middleware
            waiting.kind = waiting.kind or child.kind
            for route, bound in routes:
                self._route(route, waiting, bound)
            return True
        makers = self._makers(match.path, sub) if sub.endswith(")") else []
        for scope in makers:
            if scope not in stack and len(stack) <= MAX_DEPTH:
                self._replay(scope, {}, (*stack, scope), {}, adopt=child)
        return bool(makers)

    def _lookup(
        self, match: InventoryMatch, text: str, groups: dict[str, _Group], bound: Bindings
    ) -> _Group:
        """The group a name denotes here; an inline `r.Group("/x")` or chi `r.With(mw)` is made
        on the spot; a name this function did not make (a package variable, a struct field) is
        a root."""
        name = text.strip()
        if name in groups:
            return groups[name]
        inline = _INLINE_GROUP.fullmatch(name)
        if inline:
            parent = self._lookup(match, inline.group("parent"), groups, bound)
            return self._child(match, parent, inline.group("prefix"), [], bound)
        with_ = _WITH.fullmatch(name)
        if with_:
            parent = self._lookup(match, with_.group("parent"), groups, bound)
            own = [callee(arg) for arg in split_args(with_.group("args"))]
            return _Group(
                parent.prefix, [*parent.middleware, *own], parent.mounts, False, parent.kind
            )
        # `http.HandleFunc(...)` registers on net/http's DefaultServeMux.
        groups[name] = _Group("", [], (), True, NET_HTTP if name == "http" else "")
        return groups[name]

    def _child(
        self,
        match: InventoryMatch,
        parent: _Group,
        raw: str,
        middleware: list[str],
        bound: Bindings,
        how: str = "Group",
    ) -> _Group:
        prefix = self._string(raw, match.path, bound)
        if prefix is None:
            self.problems.add((match.path, match.line, f"{how}({raw[:80]}): not a literal prefix"))
            prefix = ""
        return _Group(
            join_paths(parent.prefix, prefix) if prefix else parent.prefix,
            [*parent.middleware, *middleware],
            (
                *parent.mounts,
                Mount(match.path, match.line, normalize_path(prefix, "colon"), how),
            ),
            False,
            parent.kind,
        )

    def _group(
        self,
        match: InventoryMatch,
        groups: dict[str, _Group],
        stack: tuple[Scope, ...],
        bound: Bindings,
        adopt: _Group | None,
        mounted: set[str],
    ) -> _Group | None:
        """Record a router or group made here; returns `adopt` until a router made here
        takes its place (the router a mounted function makes is the mount's group)."""
        name = match.get("NAME")
        made = match.get("NEW")
        if made is not None and name is not None:
            kind = _PACKAGES.get(match.get("PKG") or "gin", FRAMEWORK)
            if adopt is not None:
                groups[name] = adopt
                adopt.kind = adopt.kind or kind
                return None
            middleware = (
                list(_DEFAULT_MIDDLEWARE) if made == "Default" and kind == FRAMEWORK else []
            )
            groups[name] = _Group("", middleware, (), True, kind)
            if name in mounted:
                groups[name].waiting = []
                groups[name].root = False
            if made == "Default" and kind == FRAMEWORK:
                self.hooks.add(
                    AppHook(
                        match.path,
                        match.line,
                        "error_handler",
                        "gin.Recovery (gin.Default)",
                        FRAMEWORK,
                    )
                )
            return adopt
        parent = self._lookup(match, match.get("PARENT") or "", groups, bound)
        own = [callee(arg) for arg in split_args(match.get("MID") or "")]
        how = "PathPrefix" if parent.kind == MUX else "Group"
        child = self._child(match, parent, match.get("PREFIX") or "", own, bound, how)
        if name is not None:
            groups[name] = child
        target = match.get("CALLEE")
        if target is not None:
            self._call(match, target, child, stack, bound)
        return adopt

    def _call(
        self,
        match: InventoryMatch,
        target: str,
        group: _Group,
        stack: tuple[Scope, ...],
        bound: Bindings,
    ) -> None:
        before = split_args(match.get("BEFORE") or "")
        args = [*before, match.get("ARG") or "", *split_args(match.get("AFTER") or "")]
        index = len(before)
        for scope in self._callees(match.path, target):
            if scope in stack or len(stack) > MAX_DEPTH:
                continue
            fn = self.functions[scope]
            # The argument's position picks the parameter when the callee takes several groups.
            if index < len(fn.signature) and fn.signature[index] in fn.params:
                at = fn.params.index(fn.signature[index])
            else:
                at = index if index < len(fn.params) else 0
            param = fn.params[at]
            if at < len(fn.kinds) and fn.kinds[at] and not group.kind:
                group.kind = fn.kinds[at]
            passed = self._bind(match.path, fn, args, bound)
            self._replay(scope, {param: group}, (*stack, scope), passed)

    def _bind(self, path: str, fn: _Function, args: Sequence[str], bound: Bindings) -> Bindings:
        """The callee's non-router parameters bound to the call's arguments, by position; an
        argument that is itself a bound parameter of the caller passes that binding on."""
        out: Bindings = {}
        for name, text in zip(fn.signature, args, strict=False):
            if name in fn.params or name == "_" or text.endswith("..."):
                continue
            out[name] = bound.get(text) or _Bound(text, path, self._string(text, path, bound))
        return out

    def _route(self, match: InventoryMatch, group: _Group, bound: Bindings) -> None:
        name = match.get("METHOD") or ""
        verb = match.get("VERB")
        verbs = match.get("VERBS")
        raw = match.get("PATH") or ""
        path = self._string(raw, match.path, bound)
        ambiguous = name in _AMBIGUOUS
        routed = (path or "")[:1] == "/" or bool(path and _PATTERN_VERB.match(path))
        if ambiguous and group.root and not group.kind and not routed:
            return  # a Get/Handle of something that is not a router
        framework = self._framework(match.path, group)
        methods: list[str] = []
        if verbs is not None:
            methods = sorted({v for v in map(_verb, split_args(verbs)) if v}) or [ANY_METHOD]
        elif verb is not None:
            method = _verb(verb)
            methods = [method] if method else []
        elif name in _METHODS:
            methods = [_METHODS[name]]
        if path is not None and name in ("Handle", "HandleFunc"):
            pattern = _PATTERN_VERB.match(path)
            if pattern is not None and methods == [ANY_METHOD]:
                methods, path = [pattern.group(1)], pattern.group(2)
        if not methods or path is None:
            self.problems.add((match.path, match.line, f"route {raw[:80]}: not a literal path"))
            return
        args = [*split_args(match.get("MID") or ""), match.get("HANDLER") or ""]
        if framework == ECHO:
            # echo takes the handler first and route middleware after it: e.GET(path, h, m...).
            handler_text, own_text = args[0], args[1:]
        else:
            handler_text, own_text = args[-1], args[:-1]
        own = [callee(arg) for arg in own_text]
        handler, wrappers = self._handler(handler_text, match.path, bound)
        full = join_paths(group.prefix, path) if group.prefix else path or "/"
        if path.endswith("/") and not full.endswith("/") and not (framework == CHI and path == "/"):
            # gin keeps a trailing slash (Group("/users") + "/" is /users/); chi serves "/" of a
            # sub-router at the mount point itself.
            full += "/"
        url = normalize_path(full, "colon")
        for method in methods:
            if len(self.routes) >= MAX_ROUTES:
                return
            self.routes.add(
                Route(
                    file=match.path,
                    line=match.line,
                    method=method,
                    url_path=url,
                    handler=handler,
                    framework=framework,
                    mounts=group.mounts,
                    dependencies=tuple(dict.fromkeys([*group.middleware, *own, *wrappers])),
                    raw_path=path.rsplit("/", 1)[-1],
                )
            )

    def _handler(self, text: str, path: str, bound: Bindings) -> tuple[str, list[str]]:
        """A route's handler name (`pkg.name` for a bare one, the caller's package for a
        handler passed in as a parameter) and the calls wrapping it."""
        text, wrappers = _unwrap(text)
        given = bound.get(text)
        if given is not None:
            text, outer = _unwrap(given.text)
            wrappers = [*outer, *wrappers]
            path = given.path
        handler = handler_name(text)
        if handler != ANONYMOUS and "." not in handler and _package(path):
            handler = f"{_package(path)}.{handler}"
        return handler, wrappers

    def _hook(self, match: InventoryMatch, name: str, group: _Group) -> None:
        if _RECOVERY.search(name):
            kind = "error_handler"
        elif _LIMITER.search(name):
            kind = "rate_limit"
        elif group.root:
            kind = "middleware"
        else:
            return
        framework = self._framework(match.path, group)
        self.hooks.add(AppHook(match.path, match.line, kind, name, framework))
