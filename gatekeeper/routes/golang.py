"""Gin routes from semgrep's inventory matches: engines, groups and nested groups, `Use`
middleware in registration order, and groups handed to registration functions
(`users.Register(v1.Group("/users"))`, `routes.Setup(r)`), followed across packages.

Each function's registrations are replayed in source order. A group copies its parent's
middleware when it is made and `Use` adds to it from then on, as gin does.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.routes.model import ANY_METHOD, AppHook, Mount, Route, join_paths, normalize_path
from gatekeeper.routes.sgtext import (
    ANONYMOUS,
    EngineRoutes,
    by_rule,
    callee,
    dotted,
    handler_name,
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
    "Any": ANY_METHOD,
}
_DEFAULT_MIDDLEWARE = ("gin.Logger", "gin.Recovery")  # what gin.Default() adds
_RECOVERY = re.compile(r"(?i)recover|error|exception|panic")
_LIMITER = re.compile(r"(?i)rate.?limit|limiter|throttl|tollbooth")
_INLINE_GROUP = re.compile(
    r"(?P<parent>[A-Za-z_]\w{0,100}(?:\.[A-Za-z_]\w{0,100}){0,4})\s{0,20}\.\s{0,20}Group\("
    r"\s{0,20}(?P<prefix>\"[^\"\n]{0,300}\"|`[^`\n]{0,300}`)\s{0,20}\)"
)

Scope = tuple[str, str]  # (file, function name)


@dataclass(slots=True)
class _Group:
    """An engine or group while one function is replayed (shared with the functions it calls,
    as gin shares the *RouterGroup)."""

    prefix: str
    middleware: list[str]
    mounts: tuple[Mount, ...]
    root: bool  # an engine, or a group of unknown origin: its Use is app-wide


@dataclass(slots=True)
class _Function:
    scope: Scope
    events: list[InventoryMatch] = field(default_factory=list)
    params: list[str] = field(default_factory=list)  # names of its gin parameters, in order


def resolve(matches: Iterable[InventoryMatch]) -> EngineRoutes:
    """Gin routes and hooks from the Go inventory matches (test files left out)."""
    return _Resolver(by_rule(matches, RULE_PREFIX)).run()


def _package(path: str) -> str:
    return posixpath.basename(posixpath.dirname(path))


def _go_string(text: str) -> str | None:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in '"`':
        body = text[1:-1]
        return None if text[0] == '"' and '"' in body else body
    return None


class _Resolver:
    def __init__(self, rules: Mapping[str, list[InventoryMatch]]) -> None:

        self.functions: dict[Scope, _Function] = {}
        self.by_name: dict[str, list[Scope]] = defaultdict(list)
        self.called: set[Scope] = set()
        self.routes: set[Route] = set()
        self.hooks: set[AppHook] = set()
        self.problems: set[tuple[str, int, str]] = set()
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
                else:
                    fn.events.append(match)
        for fn in self.functions.values():
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
        for scope in sorted(self.functions):
            if scope not in self.called:
                fn = self.functions[scope]
                params = {p: _Group("", [], (), True) for p in fn.params}
                self._replay(scope, params, (scope,))
        return EngineRoutes(
            tuple(sorted(self.routes)), tuple(sorted(self.hooks)), tuple(sorted(self.problems))
        )

    def _callees(self, path: str, text: str) -> list[Scope]:
        """The functions with gin parameters a call may reach: `pkg.Func` in a directory named
        pkg, a bare `Func` in the same directory, `h.Method` anywhere if only one has that name."""
        name = dotted(text)
        if name is None:
            return []
        qualifier, _, last = name.rpartition(".")
        found = [s for s in self.by_name.get(last, ()) if self.functions[s].params]
        if not qualifier:
            same = [s for s in found if posixpath.dirname(s[0]) == posixpath.dirname(path)]
            return same or found[:1]
        package = [s for s in found if _package(s[0]) == qualifier.rsplit(".", 1)[-1]]
        return package or (found if len(found) == 1 else [])

    # ------------------------------------------------------------------ replay

    def _replay(self, scope: Scope, groups: dict[str, _Group], stack: tuple[Scope, ...]) -> None:
        fn = self.functions[scope]
        for match in fn.events:
            if match.rule == GROUP:
                self._group(match, groups, stack)
            elif match.rule == USE:
                group = self._lookup(match, match.get("GROUP") or "", groups)
                names = [callee(arg) for arg in split_args(match.get("MID") or "")]
                group.middleware.extend(names)
                for name in names:
                    self._hook(match, name, app_wide=group.root)
            elif match.rule == ROUTE:
                self._route(match, groups)
            elif match.rule == CALL:
                arg = match.get("ARG") or ""
                if arg in groups:
                    self._call(match, match.get("CALLEE") or "", groups[arg], stack)

    def _lookup(self, match: InventoryMatch, text: str, groups: dict[str, _Group]) -> _Group:
        """The group a name denotes here; an inline `r.Group("/x")` is made on the spot; a
        name this function did not make (a package variable, a struct field) is a root."""
        name = text.strip()
        if name in groups:
            return groups[name]
        inline = _INLINE_GROUP.fullmatch(name)
        if inline:
            parent = self._lookup(match, inline.group("parent"), groups)
            return self._child(match, parent, inline.group("prefix"), [])
        groups[name] = _Group("", [], (), True)
        return groups[name]

    def _child(
        self, match: InventoryMatch, parent: _Group, raw: str, middleware: list[str]
    ) -> _Group:
        prefix = _go_string(raw)
        if prefix is None:
            self.problems.add((match.path, match.line, f"Group({raw[:80]}): not a literal prefix"))
            prefix = ""
        return _Group(
            join_paths(parent.prefix, prefix) if prefix else parent.prefix,
            [*parent.middleware, *middleware],
            (
                *parent.mounts,
                Mount(match.path, match.line, normalize_path(prefix, "colon"), "Group"),
            ),
            False,
        )

    def _group(
        self, match: InventoryMatch, groups: dict[str, _Group], stack: tuple[Scope, ...]
    ) -> None:
        name = match.get("NAME")
        made = match.get("NEW")
        if made is not None and name is not None:
            middleware = list(_DEFAULT_MIDDLEWARE) if made == "Default" else []
            groups[name] = _Group("", middleware, (), True)
            if made == "Default":
                self.hooks.add(
                    AppHook(
                        match.path,
                        match.line,
                        "error_handler",
                        "gin.Recovery (gin.Default)",
                        FRAMEWORK,
                    )
                )
            return
        parent = self._lookup(match, match.get("PARENT") or "", groups)
        own = [callee(arg) for arg in split_args(match.get("MID") or "")]
        child = self._child(match, parent, match.get("PREFIX") or "", own)
        if name is not None:
            groups[name] = child
        target = match.get("CALLEE")
        if target is not None:
            self._call(match, target, child, stack)

    def _call(
        self, match: InventoryMatch, target: str, group: _Group, stack: tuple[Scope, ...]
    ) -> None:
        for scope in self._callees(match.path, target):
            if scope in stack or len(stack) > MAX_DEPTH:
                continue
            fn = self.functions[scope]
            index = len(split_args(match.get("BEFORE") or ""))
            # The argument's position picks the parameter when the callee takes several groups.
            param = fn.params[index] if index < len(fn.params) else fn.params[0]
            self._replay(scope, {param: group}, (*stack, scope))

    def _route(self, match: InventoryMatch, groups: dict[str, _Group]) -> None:
        verb = match.get("VERB")
        method = _METHODS.get(match.get("METHOD") or "")
        if verb is not None:
            literal = _go_string(verb)
            method = literal.upper() if literal else None
            if method is None and verb.startswith("http.Method"):
                method = verb.removeprefix("http.Method").upper()
        raw = match.get("PATH") or ""
        path = _go_string(raw)
        if method is None or path is None:
            self.problems.add((match.path, match.line, f"route {raw[:80]}: not a literal path"))
            return
        group = self._lookup(match, match.get("GROUP") or "", groups)
        own = [callee(arg) for arg in split_args(match.get("MID") or "")]
        handler = handler_name(match.get("HANDLER") or "")
        if handler != ANONYMOUS and "." not in handler and _package(match.path):
            handler = f"{_package(match.path)}.{handler}"
        if len(self.routes) >= MAX_ROUTES:
            return
        full = join_paths(group.prefix, path) if group.prefix else path or "/"
        if path.endswith("/") and not full.endswith("/"):
            full += "/"  # gin keeps a trailing slash: Group("/users") + "/" is /users/
        url = normalize_path(full, "colon")
        self.routes.add(
            Route(
                file=match.path,
                line=match.line,
                method=method,
                url_path=url,
                handler=handler,
                framework=FRAMEWORK,
                mounts=group.mounts,
                dependencies=tuple(dict.fromkeys([*group.middleware, *own])),
                raw_path=path.rsplit("/", 1)[-1],
            )
        )

    def _hook(self, match: InventoryMatch, name: str, *, app_wide: bool) -> None:
        if _RECOVERY.search(name):
            kind = "error_handler"
        elif _LIMITER.search(name):
            kind = "rate_limit"
        elif app_wide:
            kind = "middleware"
        else:
            return
        self.hooks.add(AppHook(match.path, match.line, kind, name, FRAMEWORK))
