"""Express, Koa and Fastify routes from semgrep's inventory matches: apps and routers
(koa-router's `new Router({ prefix })`, Fastify instances and the `fastify` a plugin receives),
the routes and middleware registered on them, and `use(prefix, router)` /
`use(router.routes())` / `register(plugin, { prefix })` mounts followed across modules
(require/import of the repository's own files, `module.exports` and `export default`).
Fastify specifics: @fastify/autoload's directory walk (each file a plugin under its folder's
prefix), fastify-plugin's `fp(...)` (no prefix of its own; its hooks reach the parent scope) and
`addHook` hooks as the routes' middleware. Routers made by functions (`require('./x')()`,
`routes(db)`, a local `makeRouter()`) stand for the router the function returns; a module whose
exported function registers routes on the app or router it is given (`require('./x')(app)`)
adds them to that object, in the order of the call. A handler whose first statements turn an
unauthenticated caller away (`if (!req.session.userId) return res.redirect('/login')`) gets
an `auth:hand-checked ...` dependency.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.routes.model import (
    ANY_METHOD,
    HTTP_METHODS,
    AppHook,
    Mount,
    Route,
    join_paths,
    normalize_path,
)
from gatekeeper.routes.sgtext import (
    EngineRoutes,
    by_rule,
    callee,
    dotted,
    first_line_with,
    handler_name,
    is_function,
    joined_string,
    split_args,
    string_literal,
)
from gatekeeper.stack import is_test_path

FRAMEWORK = "express"
KOA = "koa"
FASTIFY = "fastify"
RULE_PREFIX = "gk-routes-js-"
CALL = "gk-routes-js-call"
ROUTER = "gk-routes-js-router"
MODULE = "gk-routes-js-module"
ERROR_HANDLER = "gk-routes-js-error-handler"
CONST = "gk-routes-js-const"
PLUGIN = "gk-routes-js-plugin"
FACTORY = "gk-routes-js-factory"
HAND_CHECK = "gk-routes-js-hand-check"
MAX_DEPTH = 16
MAX_ROUTES = 20_000

_VERBS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "del": "DELETE",
    "head": "HEAD",
    "options": "OPTIONS",
    "all": ANY_METHOD,
}
_EXTENSIONS = (".ts", ".js", ".mjs", ".cjs", ".tsx", ".jsx", ".mts", ".cts")
_DEFAULT_NAMES = frozenset({"default", "module.exports", "exports.default"})
# express(), express.Router(), Router(), require('express')(), require('express').Router()
_CREATES = re.compile(
    r"(?:express|Router|express\s{0,20}\.\s{0,20}Router"
    r"|require\(\s{0,20}['\"]express['\"]\s{0,20}\)(?:\s{0,20}\.\s{0,20}Router)?"
    r"|new\s{1,20}(?:Router|KoaRouter|Koa)|[Ff]astify|require\(\s{0,20}['\"]fastify['\"]\s{0,20}\))"
    r"\s{0,20}\("
)
_CREATES_FASTIFY = re.compile(
    r"(?:[Ff]astify|require\(\s{0,20}['\"]fastify['\"]\s{0,20}\))\s{0,20}\("
)
# Fastify route options: `{ preHandler: [auth], handler }`, `route({ method, url, handler })`.
_OPTION = re.compile(
    r"^\s{0,20}['\"]?([A-Za-z_$][\w$]{0,60})['\"]?\s{0,20}(?::\s{0,20}([\s\S]{0,4000}))?$"
)
_HOOK_OPTIONS = ("onRequest", "preParsing", "preValidation", "preHandler")
AUTOLOAD_PACKAGES = frozenset({"@fastify/autoload", "fastify-autoload"})
FASTIFY_PLUGIN = "fastify-plugin"
MAX_AUTOLOAD_FILES = 2_000
# @fastify/autoload's defaults: which files are plugins, which one stands for its folder, and
# which are hook files rather than plugins (README "Global Configuration").
_AUTOLOAD_SCRIPT = re.compile(r"(?i)(?:(?<!\.d)\.ts|\.js|\.cjs|\.mjs)$")
_AUTOLOAD_INDEX = re.compile(r"(?i)^index\.(?:ts|js|cjs|mjs)$")
_AUTOLOAD_HOOKS = re.compile(r"(?i)^[_.]?auto_?hooks\.(?:ts|js|cjs|mjs)$")
_DIRNAME = r"(?:__dirname|import\.meta\.dirname)"
# `path.join(__dirname, 'routes')`, `join(__dirname, '..', 'routes')`, `path.resolve(...)`.
_DIR_CALL = re.compile(
    r"(?:path\s{0,20}\.\s{0,20})?(?:join|resolve)\s{0,20}\(\s{0,20}"
    + _DIRNAME
    + r"\s{0,20},([^()]{0,600})\)"
)
# `${__dirname}/routes` and `__dirname + '/routes'`.
_DIR_TEXT = re.compile(
    r"`\$\{" + _DIRNAME + r"\}/([^`$]{0,300})`"
    r"|" + _DIRNAME + r"\s{0,20}\+\s{0,20}(['\"])/([^'\"]{0,300})\2"
)
# A receiver that is a chain of Fastify calls, each returning the instance:
# `server.register(cors).register(autoLoad, {...})`.
_FASTIFY_CHAIN = re.compile(
    r"([A-Za-z_$][\w$]{0,100})\s{0,20}\.\s{0,20}(?:register|addHook|decorate\w{0,30})\s{0,20}\("
)
# A JavaScript regex literal of the simple kind read here: no group that repeats, few
# quantifiers, so that matching a file name cannot backtrack for long.
_REGEX_LITERAL = re.compile(r"/((?:[^/\\\n]|\\.){1,200})/([a-z]{0,6})")
_NESTED_REPEAT = re.compile(r"\)[*+?{]")
# koa-router and Koa itself: `new Router({ prefix: '/users' })`, `new Koa()`.
_CREATES_KOA = re.compile(r"new\s{1,20}(?:Router|KoaRouter|Koa)\s{0,20}\(")
_KOA_PREFIX = re.compile(r"\bprefix\s{0,20}:\s{0,20}(['\"`])([^'\"`\n]{0,300})\1")
# What koa-router hands to use(): `router.routes()`, `router.middleware()`.
_KOA_MOUNT = re.compile(
    r"([\s\S]{1,300}?)\s{0,20}\.\s{0,20}(?:routes|middleware)\s{0,20}\(\s{0,20}\)"
)
_CREATES_APP = re.compile(r"(?:express|require\(\s{0,20}['\"]express['\"]\s{0,20}\))\s{0,20}\(")
_ROUTE_CHAIN = re.compile(
    r"(?P<root>[\s\S]{1,300}?)\s{0,20}\.\s{0,20}route\s{0,20}\(\s{0,20}"
    r"(?P<path>'[^'\n]{0,500}'|\"[^\"\n]{0,500}\"|`[^`\n]{0,500}`|[A-Za-z_$][\w$.]{0,100})"
    r"\s{0,20}\)"
)
_INLINE_REQUIRE = re.compile(
    r"require\(\s{0,20}(['\"])(?P<source>[^'\"\n]{1,300})\1\s{0,20}\)"
    r"(?:\s{0,20}\.\s{0,20}(?P<member>[A-Za-z_$][\w$]{0,100}))?"
)
# Receivers taken for an app or router although nothing here creates them: the parameter of
# `module.exports = (app) => {...}`, a router handed in by the caller.
_APP_LIKE = re.compile(r"(?i)(?:app|application|routes?|\w{0,60}router|fastify)")
_LIMITER = re.compile(r"(?i)rate.?limit|limiter|throttl|slow.?down")
_ERROR_NAME = re.compile(r"(?i)error|exception")
# A router factory called in place: `use('/api', api({ db }))`.
_FACTORY_CALL = re.compile(r"([A-Za-z_$][\w$]{0,100})\s{0,20}\([\s\S]{0,400}\)")
# A router factory required and called in place: `require('./routes/app')()`, `require('./x')(db)`.
_INLINE_FACTORY = re.compile(
    r"require\(\s{0,20}(['\"])(?P<source>[^'\"\n]{1,300})\1\s{0,20}\)"
    r"(?:\s{0,20}\.\s{0,20}(?P<member>[A-Za-z_$][\w$]{0,100}))?\s{0,20}\([\s\S]{0,400}\)"
)
# Names a module's own function goes by: `module.exports = function () {}`, `export default`.
_EXPORT_NAMES = frozenset(
    {"module.exports", "default", "exports.default", "module.exports.default"}
)
# What a hand check must test to be about the caller: the session, a token, the Authorization
# header, the user an auth middleware set (`req.user`, `ctx.state.user`, `res.locals.user`) ...
_AUTH_MATERIAL = re.compile(
    r"(?i)authorization|bearer|token|jwt|\bsession\b|isAuthenticated|logged_?in|signed_?in"
    r"|api_?key|currentUser|\b(?:req|request|ctx|ctx\.state|res\.locals|this)\.user\b"
)
# ... and not what the request carries in its body, query or path (a password-reset token).
_REQUEST_DATA = re.compile(
    r"(?i)\b(?:(?:req|request|ctx(?:\.request)?)\.)?(?:body|query|params)\b(?:\s{0,20}\.\s{0,20}"
    r"[\w$]{1,100}|\[[^\]]{0,100}\]){0,8}"
)
# A hand check's branch that turns the caller away, and how it says so (in words the auth
# matrix reads as a check: routes/auth.py).
_REJECTS = (
    (re.compile(r"redirect\s{0,20}\([^)]{0,200}login", re.IGNORECASE), "login redirect"),
    (
        re.compile(r"(?<![\w.])401(?!\w)|Unauthori[sz]ed|Unauthenticated"),
        "401 authentication required",
    ),
    (re.compile(r"(?<![\w.])403(?!\w)|Forbidden"), "403 permission denied"),
    (re.compile(r"\bthrow\b"), "throws"),
)
MAX_CHECK_TEXT = 80
MAX_FILE_LINES = 50_000  # lines of one file searched for a handler's definition
# A first argument meant as a path that is not a literal: a template, a CONSTANT, config.PREFIX.
_PATH_LIKE = re.compile(
    r"['\"`]|[A-Z][A-Z0-9_]{0,60}$|[\w$.]{1,100}\.[A-Z][A-Z0-9_]{0,60}$|process\.env"
)

Key = tuple[str, str]  # (file, name) of a named object, (file, "@line:col") of an anonymous one


@dataclass(slots=True)
class _Event:
    """A registration on an app or router, in source order."""

    match: InventoryMatch
    method: str  # HTTP method, ANY_METHOD, or "use"
    paths: tuple[str, ...]  # the paths as written, constants resolved (empty: none)
    args: tuple[str, ...]  # middleware (and for use: routers) in order; no handler
    handler: str = ""
    line: int = 0  # where the route is registered, when not where the match starts
    how: str = "use"  # how a mount is made: "use", "autoload"
    checked: str = ""  # the handler's own check of the caller, as an `auth:` dependency


@dataclass(slots=True)
class _Object:
    key: Key
    is_app: bool = False
    events: list[_Event] = field(default_factory=list)
    framework: str = FRAMEWORK
    prefix: str = ""  # koa-router's own `prefix` option
    made_at: int = 0  # the line it is made on
    made: bool = False  # created here (express(), new Router(), Fastify()), not just named


@dataclass(frozen=True, slots=True)
class _Check:
    """A handler's check of the caller written at its top: what, and where the `if` is."""

    what: str  # `!req.session.userId: login redirect`
    path: str
    line: int

    def dependency(self, route_file: str) -> str:
        where = f"line {self.line}" if route_file == self.path else f"{self.path}:{self.line}"
        return f"auth:hand-checked {self.what} ({where})"


@dataclass(slots=True)
class _File:
    decls: dict[str, InventoryMatch] = field(default_factory=dict)  # name -> creation
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (source, name)
    default_export: str | None = None
    constants: dict[str, str] = field(default_factory=dict)
    error_functions: set[str] = field(default_factory=set)
    packages: dict[str, str] = field(default_factory=dict)  # local -> autoload/fastify-plugin
    wrappers: set[str] = field(default_factory=set)  # what the exported plugin is wrapped in
    instances: set[str] = field(default_factory=set)  # the exported plugin's instance parameter
    auto_prefix: str | None = None  # the plugin's `autoPrefix`
    factories: dict[str, str] = field(default_factory=dict)  # function -> the name it returns
    param: str | None = None  # the first parameter of the function the module exports
    checks: dict[str, _Check] = field(default_factory=dict)  # handler function -> its hand check
    handler_imports: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # local -> (source, name)
    made_from: dict[str, str] = field(default_factory=dict)  # `x = new Local(...)`: x -> Local


def resolve(
    matches: Iterable[InventoryMatch],
    exists: Iterable[str],
    lines_of: Callable[[str], Sequence[str] | None] = lambda _path: None,
) -> EngineRoutes:
    """Express routes and hooks from the JS/TS inventory matches; `exists` lists the
    repository's files, to resolve imports; `lines_of` reads a file's lines, to point a
    route() chain's methods at their own lines. Test files are left out, as for Python."""
    return _Resolver(by_rule(matches, RULE_PREFIX), frozenset(exists), lines_of).run()


class _Resolver:
    def __init__(
        self,
        rules: Mapping[str, list[InventoryMatch]],
        exists: frozenset[str],
        lines_of: Callable[[str], Sequence[str] | None],
    ) -> None:

        self.lines_of = lines_of
        self.rules = {
            rule: [m for m in found if not is_test_path(m.path)] for rule, found in rules.items()
        }
        self.exists = exists
        self.files: dict[str, _File] = defaultdict(_File)
        self.objects: dict[Key, _Object] = {}
        self.children: set[Key] = set()
        self.mounts: dict[Key, list[tuple[_Event, int, Key]]] = defaultdict(list)
        self.routes: set[Route] = set()
        self.hooks: set[AppHook] = set()
        self.problems: set[tuple[str, int, str]] = set()
        # Files under an autoload `dir`, and those autoload loads: the others serve nothing
        # unless something registers them by hand.
        self.autoload_seen: set[str] = set()
        self.autoload_loaded: set[str] = set()
        # The parameter a registering module's function receives (file, name), and the app or
        # router it is called with, with the call; events on that parameter go to that object.
        self.aliases: dict[Key, tuple[Key, InventoryMatch]] = {}
        self.inline_checks: dict[tuple[str, int, int, int, int], _Check] = {}
        self.sites: dict[tuple[Key, str], InventoryMatch | None] = {}  # see _registered_at

    # ------------------------------------------------------------------ facts per file

    def run(self) -> EngineRoutes:
        self._read_files()
        for match in self.rules.get(CALL, ()):
            self._read_call(match)
        for match in self.rules.get(ERROR_HANDLER, ()):
            if match.get("NAME") is None:  # inline in use(...)
                self.hooks.add(
                    AppHook(
                        match.path, match.line, "error_handler", "(err, req, res, next)", FRAMEWORK
                    )
                )
        self._walk_all()
        return EngineRoutes(
            tuple(sorted(self.routes)), tuple(sorted(self.hooks)), tuple(sorted(self.problems))
        )

    def _read_files(self) -> None:
        for match in self.rules.get(ROUTER, ()):
            name, init = match.get("NAME"), match.get("INIT") or ""
            if name is None:
                continue
            name = re.sub(r"\s+", "", name)
            if name.startswith("this."):
                name = name[5:]
            self.files[match.path].decls[name] = match
            key = self._named(match.path, name)
            obj = self._object(key)
            obj.made = True
            obj.is_app |= bool(_CREATES_APP.match(init))
            if _CREATES_FASTIFY.match(init):
                obj.framework = FASTIFY
                obj.is_app = True
            if _CREATES_KOA.match(init):
                obj.framework = KOA
                obj.made_at = match.line
                own = _KOA_PREFIX.search(init[:2000])
                obj.prefix = own.group(2) if own else ""
        for match in self.rules.get(MODULE, ()):
            info = self.files[match.path]
            exported = match.get("EXPORT")
            if exported is not None:
                info.default_export = exported
                continue
            source = match.get("SOURCE")
            local, imported = match.get("LOCAL"), match.get("IMPORTED")
            if source is None:
                continue
            if local is not None and imported is None:
                info.imports[local] = (source, "default")  # default, namespace or require
            elif local is not None and imported is not None:
                info.imports.setdefault(local, (source, imported))
            elif imported is not None:
                info.imports.setdefault(imported, (source, imported))
        for match in self.rules.get(CONST, ()):
            name, value = match.get("NAME"), match.get("VALUE")
            if name is not None and value is not None:
                self.files[match.path].constants[name] = value
        for match in self.rules.get(ERROR_HANDLER, ()):
            name = match.get("NAME")
            if name is not None:
                self.files[match.path].error_functions.add(name.rsplit(".", 1)[-1])
        for match in self.rules.get(PLUGIN, ()):
            self._read_plugin(match)
        for match in self.rules.get(FACTORY, ()):
            self._read_factory(match)
        for match in self.rules.get(HAND_CHECK, ()):
            self._read_hand_check(match)
        for match in self.rules.get(FACTORY, ()):
            self._read_registration(match)

    def _read_factory(self, match: InventoryMatch) -> None:
        """A function that returns a name (a router, when that name is one), and the first
        parameter of the function the module exports."""
        info = self.files[match.path]
        fn, ret, param = match.get("FN"), match.get("RET"), match.get("PARAM")
        if fn is not None and ret is not None:
            name = re.sub(r"\s+", "", fn)
            name = "default" if name in _EXPORT_NAMES else name
            info.factories.setdefault(name, ret.strip())
        if param is not None and dotted(param) is not None:
            info.param = param.strip()

    def _read_registration(self, match: InventoryMatch) -> None:
        """`require('./routes')(app)` / `routes(app, db)`: the module's function registers its
        routes on `app`, so its parameter is that object."""
        source, arg = match.get("SOURCE"), match.get("ARG")
        if source is None or arg is None:
            return
        target = self._module_file(match.path, source)
        name = dotted(arg)
        if target is None or name is None:
            return
        param = self.files[target].param
        if param is None:
            return
        info = self.files[match.path]
        if name in info.decls:
            parent: Key | None = self._named(match.path, name)
        elif name in info.imports:
            parent = self._imported(match.path, name)
        elif _APP_LIKE.fullmatch(name.rsplit(".", 1)[-1]):
            parent = self._named(match.path, name)
        else:
            parent = None
        child = (target, param)
        if parent is not None and parent != child and child not in self.aliases:
            self.aliases[child] = (parent, match)

    def _alias(self, key: Key) -> Key | None:
        """The object a registering module's parameter stands for, through nested
        registrations; None when it is not one."""
        found = None
        for _ in range(MAX_DEPTH):
            if key not in self.aliases:
                break
            key = self.aliases[key][0]
            found = key
        return found

    def _read_hand_check(self, match: InventoryMatch) -> None:
        """Handlers that check the caller by hand, by name or (inline on a route) by position,
        and the imports that say which module a handler comes from."""
        info = self.files[match.path]
        source = match.get("SOURCE")
        if source is not None:
            self._read_handler_import(info, match, source)
            return
        name = match.get("NAME")
        if name is not None:
            bare = re.sub(r"\s+", "", name)
            bare = "default" if bare in _EXPORT_NAMES else bare.rsplit(".", 1)[-1]
            start = match.line
            if bare != "default":
                # Two functions of that name in the file (`del` in two objects): which one a
                # route runs is not known here, so neither counts.
                found = self._definitions(match.path, bare)
                if found is not None and len(found) != 1:
                    return
                start = found[0] if found else match.line
            checked = self._hand_check(match, start)
            if checked is not None:
                info.checks.setdefault(bare, checked)
        elif match.get("VERB") is not None:
            checked = self._hand_check(match, match.line)
            where = (match.path, match.line, match.column, match.end_line, match.end_column)
            if checked is not None:
                self.inline_checks.setdefault(where, checked)

    def _definitions(self, path: str, name: str) -> list[int] | None:
        """The lines that define a function or method called `name` in the file (None when the
        file cannot be read)."""
        lines = self.lines_of(path)
        if lines is None or not re.fullmatch(r"[A-Za-z_$][\w$]{0,100}", name):
            return None
        n = re.escape(name)
        pattern = re.compile(
            rf"\bfunction\s{{0,20}}\*?\s{{0,20}}{n}\s{{0,20}}\("
            rf"|(?:^|[\s,{{;])(?:async\s{{1,20}}|static\s{{1,20}}|public\s{{1,20}}|private\s{{1,20}})*"
            rf"{n}\s{{0,20}}\([^()]{{0,300}}\)\s{{0,20}}(?::[^={{;]{{0,200}})?\{{"
            rf"|(?:^|[\s,{{])['\"]?{n}['\"]?\s{{0,20}}:\s{{0,20}}(?:async\s{{1,20}})?"
            rf"(?:function\b|\([^()]{{0,300}}\)\s{{0,20}}(?::[^=]{{0,200}})?=>|[\w$]{{1,100}}\s{{0,20}}=>)"
            rf"|(?:\.|\b(?:const|let|var)\s{{1,20}}|^\s{{0,200}}){n}\s{{0,20}}=\s{{0,20}}(?:async\s{{1,20}})?"
            rf"(?:function\b|\(|[\w$]{{1,100}}\s{{0,20}}=>)"
        )
        return [
            i + 1 for i, text in enumerate(lines[:MAX_FILE_LINES]) if pattern.search(text[:2000])
        ]

    def _read_handler_import(self, info: _File, match: InventoryMatch, source: str) -> None:
        local, imported, made = match.get("LOCAL"), match.get("IMPORTED"), match.get("INST")
        if made is not None and local is not None:
            info.made_from.setdefault(made.strip(), local.strip())
            return
        if local is not None and local.strip().startswith("{"):
            # `const { list, show: display } = require('./ctrl')`
            for part in split_args(local.strip()[1:-1]):
                name, _, alias = part.partition(":")
                if dotted(name) and (not alias or dotted(alias)):
                    key = (alias or name).strip()
                    info.handler_imports.setdefault(key, (source, name.strip()))
        elif local is not None and dotted(local) is not None:
            info.handler_imports.setdefault(local.strip(), (source, imported or "default"))
        elif imported is not None:
            info.handler_imports.setdefault(imported.strip(), (source, imported.strip()))

    def _hand_check(self, match: InventoryMatch, start: int) -> _Check | None:
        """`if (!req.session.userId) return res.redirect('/login')` as what is checked and how
        the caller is turned away (`!req.session.userId: login redirect`) at the if's line, or
        None when the branch does not turn the caller away. `start` is the function's line."""
        cond, then = match.get("COND"), match.get("THEN")
        if cond is None or then is None:
            return None
        if not _AUTH_MATERIAL.search(_REQUEST_DATA.sub(" ", cond[:400])):
            return None
        kind = next((word for pattern, word in _REJECTS if pattern.search(then)), None)
        if kind is None:
            return None
        text = " ".join(cond.split())[:MAX_CHECK_TEXT]
        head = re.sub(r"\s+", "", cond.strip().splitlines()[0] if cond.strip() else "")[:20]
        line = start
        lines = self.lines_of(match.path)
        if lines is not None and head:
            for number in range(start, min(match.end_line, start + 40, len(lines)) + 1):
                squeezed = re.sub(r"\s+", "", lines[number - 1][:2000])
                if "if(" in squeezed and head in squeezed:
                    line = number
                    break
        return _Check(f"{text}: {kind}", match.path, line)

    def _handler_check(self, match: InventoryMatch, last: str) -> str:
        """The hand check of a route's handler: an inline function checked at its top, or a
        named one (`show`, `ctrl.show`, `sessionHandler.show` made by `new SessionHandler()`)
        whose module defines it with a check; "" when there is none or it is not found."""
        found = self._find_check(match, last)
        return found.dependency(match.path) if found is not None else ""

    def _find_check(self, match: InventoryMatch, last: str) -> _Check | None:
        where = (match.path, match.line, match.column, match.end_line, match.end_column)
        if is_function(last):
            return self.inline_checks.get(where)
        name = handler_name(last)
        if dotted(name) is None:
            return None
        owner, _, attr = name.rpartition(".")
        info = self.files[match.path]
        if not owner:
            if name in info.handler_imports:
                source, imported = info.handler_imports[name]
                return self._check_in(match.path, source, imported)
            return info.checks.get(name)
        root = owner.split(".", 1)[0]
        root = info.made_from.get(root, root)
        if root in info.handler_imports:
            source, _imported = info.handler_imports[root]
            return self._check_in(match.path, source, attr)
        return info.checks.get(attr) if "." not in owner else None

    def _check_in(self, importer: str, source: str, name: str) -> _Check | None:
        target = self._module_file(importer, source)
        if target is None:
            return None
        info = self.files[target]
        if name == "default":
            exported = info.default_export
            return info.checks.get(exported or "default", info.checks.get("default"))
        return info.checks.get(name)

    def _read_plugin(self, match: InventoryMatch) -> None:
        """Imports of autoload and fastify-plugin, and the shape of the plugin a module exports."""
        info = self.files[match.path]
        local, source = match.get("LOCAL"), match.get("SOURCE")
        if local is not None and source is not None:
            info.packages[local] = source
        wrap, instance = match.get("WRAP"), match.get("INST")
        if wrap is not None and dotted(wrap) is not None:
            info.wrappers.add(re.sub(r"\s+", "", wrap))
        if instance is not None and dotted(instance) is not None:
            info.instances.add(instance.strip())
        value = match.get("VALUE")
        if value is not None:
            info.auto_prefix = value

    def _fp_wrapped(self, path: str) -> bool:
        """The module exports its plugin wrapped in fastify-plugin: it gets no scope (and no
        prefix) of its own."""
        info = self.files[path]
        return any(info.packages.get(w) == FASTIFY_PLUGIN for w in info.wrappers)

    def _named(self, path: str, name: str) -> Key:
        """The object a name in `path` denotes; `default`/`module.exports` are the module's own."""
        if name in _DEFAULT_NAMES:
            return (path, "default")
        return (path, name)

    def _object(self, key: Key) -> _Object:
        if key not in self.objects:
            self.objects[key] = _Object(key)
        return self.objects[key]

    # ------------------------------------------------------------------ calls

    def _read_call(self, match: InventoryMatch) -> None:
        receiver = (match.get("APP") or "").strip()
        method = (match.get("METHOD") or "").strip()
        only = match.get("ONLY")
        args = [only] if only is not None else []
        if only is None:
            args = [
                match.get("FIRST") or "",
                *split_args(match.get("MID") or ""),
                match.get("LAST") or "",
            ]
        # `[auth, validate]` in place of one middleware is the same as listing them.
        args = [args[0], *_flatten(args[1:])] if args else args
        chain = _ROUTE_CHAIN.match(receiver)
        if chain and not _CREATES.match(receiver):
            key = self._receiver(match, chain.group("root").strip())
            if key is None or method not in _VERBS:
                return
            paths = self._paths(match.path, chain.group("path"))
            if paths is None:
                self.problems.add(
                    (
                        match.path,
                        match.line,
                        f"route({chain.group('path')[:80]}): not a literal path",
                    )
                )
                return
            # The chain starts at its router; this method's own line is further down.
            line = first_line_with(
                self.lines_of(match.path), match.line, match.end_line, f".{method}(", anywhere=True
            )
            event = _Event(
                match, _VERBS[method], paths, tuple(args[:-1]), handler_name(args[-1]), line
            )
            event.checked = self._handler_check(match, args[-1])
            self._object(key).events.append(event)
            return
        chained = _FASTIFY_CHAIN.match(receiver)
        if chained and not _CREATES.match(receiver):
            receiver = chained.group(1)  # register() and addHook() return the instance
        key = self._receiver(match, receiver)
        declared = method == "route" and len(args) == 1 and args[0].strip().startswith("{")
        if key is None and declared and dotted(receiver) is not None:
            # route({ method, url }) is Fastify's own form: whatever it is called on is an
            # instance (`server.route(...)` in a plugin), however it is named.
            key = self._named(match.path, re.sub(r"\s+", "", receiver))
            self._object(key).framework = FASTIFY
        if key is None:
            return
        if method == "addHook":
            if len(args) >= 2 and string_literal(args[0]) in _HOOK_OPTIONS:
                self._object(key).events.append(_Event(match, "hook", (), (args[-1],)))
            return
        if method in ("register", "route"):
            self._fastify(match, key, method, args)
            return
        if method == "setErrorHandler":
            name = callee(args[0]) if args else ""
            self.hooks.add(AppHook(match.path, match.line, "error_handler", name, FASTIFY))
            return
        if method == "use":
            self._object(key).events.append(_Event(match, "use", (), tuple(args)))
            return
        if len(args) < 2:
            return
        paths = self._paths(match.path, args[0])
        if paths is None:
            if _PATH_LIKE.match(args[0]):
                self.problems.add(
                    (match.path, match.line, f"route path {args[0][:80]} is not a literal /path")
                )
            return  # or not a path at all: a Map's get(key, fallback) ...
        middle, last = list(args[1:-1]), args[-1]
        if self._object(key).framework == FASTIFY:
            # fastify.get(path, { preHandler: [...] }, handler) or (path, { handler, ... })
            options = [_options(a) for a in (*middle, last) if a.strip().startswith("{")]
            middle = [a for a in middle if not a.strip().startswith("{")]
            for found in options:
                middle.extend(_hooks_of(found))
                last = found.get("handler", last)
        event = _Event(match, _VERBS[method], paths, tuple(middle), handler_name(last))
        event.checked = self._handler_check(match, last)
        self._object(key).events.append(event)

    def _fastify(self, match: InventoryMatch, key: Key, method: str, args: list[str]) -> None:
        """Fastify's register(plugin, { prefix }) as a mount, route({ method, url }) as routes
        (Express's route('/path') chains are read elsewhere)."""
        declared = len(args) == 1 and args[0].strip().startswith("{")
        if method == "route" and not declared:
            return
        if method == "register":
            plugin = args[0] if args else ""
            package = _INLINE_REQUIRE.fullmatch(plugin.strip())
            if package and not package.group("source").startswith((".", "@/", "~/")):
                plugin = package.group("source")  # a library plugin: named by its package
            loaded = self.files[match.path].packages.get(plugin.strip(), plugin.strip())
            if loaded in AUTOLOAD_PACKAGES:
                self._autoload(match, key, args[1] if len(args) > 1 else "")
                return
            options = _options(args[1]) if len(args) > 1 and args[1].strip()[:1] == "{" else {}
            prefix = options.get("prefix")
            event_args = (prefix, plugin) if prefix is not None else (plugin,)
            self._object(key).events.append(_Event(match, "use", (), event_args))
            return
        options = _options(args[0])
        url = options.get("url") or options.get("path") or ""
        paths = self._paths(match.path, url)
        verbs = options.get("method", "")
        listed = split_args(verbs[1:-1]) if verbs.strip().startswith("[") else [verbs]
        methods = [v.upper() for v in (string_literal(x) for x in listed) if v]
        if paths is None or not methods:
            self.problems.add(
                (
                    match.path,
                    match.line,
                    f"route({{url: {url[:60]}}}): not a literal method and path",
                )
            )
            return
        handler = handler_name(options.get("handler", ""))
        for verb in methods:
            verb = verb if verb in HTTP_METHODS else ANY_METHOD
            event = _Event(match, verb, paths, tuple(_hooks_of(options)), handler)
            self._object(key).events.append(event)

    def _autoload(self, match: InventoryMatch, key: Key, text: str) -> None:
        """register(autoLoad, { dir, options: { prefix } }): every plugin file under `dir`
        mounted as @fastify/autoload registers it. Read: its defaults (a folder's index file
        stands for the folder, else each script file is a plugin; a subfolder adds its name to
        the prefix), dirNameRoutePrefix: false, ignorePattern, maxDepth, options.prefix and each
        file's autoPrefix. Not read: autoHooks, routeParams, match/ignore filters,
        prefixOverride (a problem names the option when it is set)."""
        options = _options(text)
        where = f"register(autoload, {{ dir: {options.get('dir', '')[:60]} }})"
        base = _autoload_dir(match.path, options.get("dir", ""))
        if base is None:
            self.problems.add((match.path, match.line, f"{where}: directory not read"))
            return
        for unread in ("matchFilter", "ignoreFilter", "indexPattern", "routeParams", "autoHooks"):
            if unread in options:
                self.problems.add((match.path, match.line, f"{where}: {unread} not applied"))
        ignore = None
        if "ignorePattern" in options:
            ignore = _js_regex(options["ignorePattern"])
            if ignore is None:
                self.problems.add((match.path, match.line, f"{where}: ignorePattern not read"))
        naming = options.get("dirNameRoutePrefix", "true").strip()
        if naming not in ("true", "false"):
            self.problems.add((match.path, match.line, f"{where}: dirNameRoutePrefix not read"))
        depth = options.get("maxDepth", "").strip()
        prefix = self._autoload_prefix(match, options.get("options", ""), where)
        if prefix is None:
            return
        under = [p for p in self.exists if not base or p.startswith(base + "/")]
        self.autoload_seen.update(under[:MAX_AUTOLOAD_FILES])
        plugins = _autoload_plugins(
            base,
            under,
            dir_prefix=naming != "false",
            ignore=ignore,
            max_depth=int(depth) if depth.isdigit() else None,
        )
        for plugin, folder in plugins:
            self.autoload_loaded.add(plugin)
            own = self.files[plugin].auto_prefix
            full = prefix + (own or folder)
            source = "./" + posixpath.relpath(plugin, posixpath.dirname(match.path))
            if "'" in full or "'" in source:
                continue
            event = _Event(match, "use", (), (f"'{full}'", f"require('{source}')"), how="autoload")
            self._object(key).events.append(event)

    def _autoload_prefix(self, match: InventoryMatch, text: str, where: str) -> str | None:
        """The `prefix` autoload's `options` give every plugin ("" when none is given), None
        when it is given but not readable."""
        text = text.strip()
        if "prefix" not in text:
            return ""
        if text.startswith("{"):
            value = _options(text).get("prefix")
            found = self._path(match.path, value) if value is not None else None
        else:  # Object.assign({ prefix: '/api' }, opts)
            literal = _KOA_PREFIX.search(text[:2000])
            found = literal.group(2) if literal else None
        if found is None:
            self.problems.add((match.path, match.line, f"{where}: options.prefix not read"))
            return None
        return found.rstrip("/")

    def _lent_hooks(self, key: Key, seen: frozenset[Key]) -> list[_Event]:
        """Hooks added inside fastify-plugin-wrapped plugins registered on `key`: they belong
        to `key`'s scope (fastify-plugin gives its plugin no scope of its own)."""
        out: list[_Event] = []
        for event, _index, child in self.mounts.get(key, ()):
            if child in seen or len(seen) > MAX_DEPTH or not self._shares_scope(event, child):
                continue
            out.extend(e for e in self.objects[child].events if e.method == "hook")
            out.extend(self._lent_hooks(child, seen | {child}))
        return out

    def _shares_scope(self, event: _Event, child: Key) -> bool:
        """A Fastify plugin registered (by hand or by autoload) that fastify-plugin wraps."""
        registered = event.how == "autoload" or event.match.get("METHOD") == "register"
        return registered and self._fp_wrapped(child[0])

    def _receiver(self, match: InventoryMatch, text: str) -> Key | None:
        """The app or router a call is made on, or None when it is not one."""
        if _CREATES.match(text):
            return self._anonymous(match)
        name = dotted(text)
        if name is None:
            return None
        name = name.removeprefix("this.")
        info = self.files[match.path]
        aliased = self._alias((match.path, name))
        if aliased is not None:  # the app or router a registering module was called with
            return aliased
        if name in info.decls or (name in _DEFAULT_NAMES and "default" in info.decls):
            return self._named(match.path, name)
        if name in info.imports:
            return self._imported(match.path, name)
        if name in info.instances:  # the instance an exported plugin function receives
            key = self._named(match.path, name)
            self._object(key).framework = FASTIFY
            return key
        if _APP_LIKE.fullmatch(name.rsplit(".", 1)[-1]):
            key = self._named(match.path, name)
            if name.rsplit(".", 1)[-1] == "fastify":
                self._object(key).framework = FASTIFY  # the instance a plugin receives
            return key
        return None

    def _anonymous(self, match: InventoryMatch) -> Key:
        """A chain on a router made in place (`Router().use(...)`): the name it is assigned to
        (`const api = Router()...`, `export default Router()...`), else its position."""
        for name, decl in self.files[match.path].decls.items():
            if (
                (decl.line, decl.column)
                <= (match.line, match.column)
                <= (
                    decl.end_line,
                    decl.end_column,
                )
            ):
                return self._named(match.path, name)
        key = (match.path, f"@{match.line}:{match.column}")
        self._object(key)
        return key

    def _paths(self, path: str, text: str) -> tuple[str, ...] | None:
        """The path(s) a route or mount is registered under: a literal, an array of them, or
        constants joined with literals; None when the argument is not a path."""
        text = text.strip()
        if text.startswith("[") and text.endswith("]"):
            items = [self._path(path, item) for item in split_args(text[1:-1])]
            found = tuple(p for p in items if p is not None)
            return found or None
        one = self._path(path, text)
        return (one,) if one is not None else None

    def _path(self, path: str, text: str) -> str | None:
        value = joined_string(text, self.files[path].constants)
        if value is None and text.startswith("`") and text.endswith("`"):
            value = self._template(path, text[1:-1])
        if value is None or not (value.startswith("/") or value in ("", "*")):
            return None
        return value

    def _template(self, path: str, body: str) -> str | None:
        """`${API}/users` with API a known constant."""
        constants = self.files[path].constants
        out: list[str] = []
        rest = body
        for _ in range(16):
            head, sep, tail = rest.partition("${")
            out.append(head)
            if not sep:
                return "".join(out)
            name, close, rest = tail.partition("}")
            value = constants.get(name.strip())
            if not close or value is None:
                return None
            out.append(value)
        return None

    # ------------------------------------------------------------------ modules

    def _module_file(self, importer: str, source: str) -> str | None:
        if source.startswith(("@/", "~/")):
            candidates = [posixpath.join("src", source[2:]), source[2:]]
        else:
            candidates = [posixpath.normpath(posixpath.join(posixpath.dirname(importer), source))]
        for base in candidates:
            stem = (
                base.removesuffix(posixpath.splitext(base)[1])
                if base.endswith(_EXTENSIONS)
                else base
            )
            for option in (
                base,
                *(stem + ext for ext in _EXTENSIONS),
                *(posixpath.join(base, "index" + ext) for ext in _EXTENSIONS),
            ):
                if option in self.exists:
                    return option
        return None

    def _imported(
        self, importer: str, local: str, depth: int = 0, *, plugin: bool = False
    ) -> Key | None:
        source, name = self.files[importer].imports[local]
        return self._export_of(importer, source, name, depth, plugin=plugin)

    def _export_of(
        self, importer: str, source: str, name: str, depth: int = 0, *, plugin: bool = False
    ) -> Key | None:
        """The router a module exports under `name` ("default" for its default export)."""
        target = self._module_file(importer, source)
        if target is None or depth > MAX_DEPTH:
            return None
        info = self.files[target]
        if name != "default" and name in info.decls:
            return (target, name)
        wanted = (info.default_export or "default") if name == "default" else name
        made = info.factories.get(wanted)
        if made is None and name == "default":
            made = info.factories.get("default")
        if made is not None and made in info.decls:
            return (target, made)  # the module's function returns that router
        if name in info.imports:  # re-exported
            return self._imported(target, name, depth + 1)
        exported = info.default_export
        if "default" in info.decls:
            return (target, "default")
        if exported is not None and exported in info.decls:
            return (target, exported)
        if exported is not None and exported in info.imports:
            return self._imported(target, exported, depth + 1)
        routers = [n for n in info.decls if not self._object((target, n)).is_app]
        if len(routers) == 1:  # a module whose one router is what callers take
            return (target, routers[0])
        # A Fastify plugin: the module's function registers on the instance it is given.
        given = [
            k
            for k, o in self.objects.items()
            if k[0] == target and not o.made and (plugin or o.framework == FASTIFY)
        ]
        if not info.decls and len(given) == 1:
            return given[0]
        return None

    def _router_arg(self, path: str, text: str, *, plugin: bool = False) -> Key | None:
        """The router a use() argument is, or None when it is a middleware."""
        text = text.strip()
        koa = _KOA_MOUNT.fullmatch(text)
        if koa:
            text = koa.group(1).strip()
        inline = _INLINE_REQUIRE.fullmatch(text) or _INLINE_FACTORY.fullmatch(text)
        if inline:
            key = self._export_of(
                path, inline.group("source"), inline.group("member") or "default", plugin=plugin
            )
        elif _CREATES.match(text):
            return None
        else:
            # A router factory called in place (`use('/api', api({ db }))`) stands for the
            # router its module makes.
            factory = _FACTORY_CALL.fullmatch(text)
            name = dotted(factory.group(1) if factory else text)
            if name is None:
                return None
            info = self.files[path]
            made = info.factories.get(name) if factory else None
            if made is not None and made in info.decls:
                key = self._named(path, made)  # a function of this file that returns a router
            elif name in info.decls:
                key = self._named(path, name)
            elif name in info.imports:
                key = self._imported(path, name, plugin=plugin)
            else:
                return None
        return key

    def _is_error_function(self, path: str, text: str) -> bool:
        name = dotted(text)
        if name is None:
            return False
        info = self.files[path]
        if name in info.error_functions:
            return True
        if name in info.imports:
            source, imported = info.imports[name]
            target = self._module_file(path, source)
            if target is not None:
                there = self.files[target]
                wanted = there.default_export if imported == "default" else imported
                return wanted is not None and wanted in there.error_functions
        return False

    # ------------------------------------------------------------------ mounts

    def _walk_all(self) -> None:
        for obj in self.objects.values():
            obj.events.sort(key=functools.partial(self._order, obj.key))
            for event in obj.events:
                if event.method != "use":
                    continue
                for index, arg in enumerate(event.args):
                    plugin = event.match.get("METHOD") == "register"
                    child = self._router_arg(event.match.path, arg, plugin=plugin)
                    if child is not None and child != obj.key:
                        self.mounts[obj.key].append((event, index, child))
                        self.children.add(child)
        unloaded = self.autoload_seen - self.autoload_loaded
        roots = sorted(
            key
            for key, obj in self.objects.items()
            if key not in self.children and (obj.made or key[0] not in unloaded)
        )
        for key in roots:
            self._walk(key, "", (), (), frozenset({key}), root=True)

    def _order(self, key: Key, event: _Event) -> tuple[str, int, int, int, int, int, str, int, int]:
        """Where an event comes in its object's sequence: a registering module's events at the
        call that registers them (on this object), others where they are written."""
        match = event.match
        own = (match.path, match.line, match.column)
        call = None
        if match.path != key[0] and self.aliases:
            if (key, match.path) not in self.sites:
                self.sites[key, match.path] = self._registered_at(key, match.path)
            call = self.sites[key, match.path]
        if call is not None:
            return (call.path, call.line, call.column, call.end_line, call.end_column, 1, *own)
        return (*own, match.end_line, match.end_column, 0, "", 0, 0)

    def _registered_at(self, key: Key, path: str) -> InventoryMatch | None:
        """The call on `key` through which the registering module `path` adds its events."""
        for child, (parent, call) in self.aliases.items():
            if child[0] != path:
                continue
            for _ in range(MAX_DEPTH):  # nested registrations: the call made on `key` itself
                if parent == key:
                    return call
                if parent not in self.aliases:
                    break
                parent, call = self.aliases[parent]
        return None

    def _walk(
        self,
        key: Key,
        prefix: str,
        chain: tuple[Mount, ...],
        inherited: tuple[tuple[str, str], ...],
        seen: frozenset[Key],
        *,
        root: bool,
        framework: str = FRAMEWORK,
    ) -> None:
        """Every route under `key` mounted at `prefix`; `inherited` holds (scope, middleware)
        pairs, the scope being the full path prefix a use(prefix, mw) limits it to. A router
        nothing here creates (a plugin's or a module function's parameter) serves under the
        framework of what mounts it."""
        obj = self.objects[key]
        if obj.made or obj.framework != FRAMEWORK or root:
            framework = obj.framework
        if obj.prefix.strip("/"):
            prefix = join_paths(prefix, obj.prefix)
            how = "Router({prefix})"
            chain = (*chain, Mount(key[0], obj.made_at, normalize_path(obj.prefix, "colon"), how))
        middleware = list(inherited)
        # Fastify hooks run for every route of their scope, whatever the order they are added in.
        hooks = [e for e in obj.events if e.method == "hook"] + self._lent_hooks(key, seen)
        for hook in hooks:
            name = callee(hook.args[0])
            middleware.append((prefix, name))
            if root:
                self._hook(hook.match, hook.args[0], name, app_wide=True, framework=framework)
        mounted = {(id(event), index): child for event, index, child in self.mounts.get(key, ())}
        for event in obj.events:
            match = event.match
            if event.method == "hook":
                continue
            if event.method != "use":
                self._emit(event, prefix, chain, middleware, framework)
                continue
            args = list(event.args)
            scope = prefix
            mount_prefixes = [""]
            paths = self._paths(match.path, args[0]) if args else None
            offset = 0
            if paths is not None:
                mount_prefixes = list(paths)
                scope = join_paths(prefix, paths[0]) if paths[0] else prefix
                args, offset = args[1:], 1
            elif len(args) > 1 and (id(event), 0) not in mounted and _PATH_LIKE.match(args[0]):
                self.problems.add(
                    (
                        match.path,
                        match.line,
                        f"use({args[0][:80]}, ...): prefix is not a literal /path",
                    )
                )
                args, offset = args[1:], 1  # mounted without it: the paths lack that prefix
            before: list[tuple[str, str]] = []
            for index, arg in enumerate(args):
                child = mounted.get((id(event), index + offset))
                if child is None and event.how == "autoload":
                    continue  # a file autoload loads that registers no route
                if child is None:
                    name = callee(arg)
                    before.append((scope, name))
                    self._hook(
                        match, arg, name, app_wide=root and paths is None, framework=framework
                    )
                    continue
                if child in seen or len(seen) > MAX_DEPTH:
                    self.problems.add(
                        (
                            match.path,
                            match.line,
                            f"use({arg[:80]}): the mounts loop or nest too deep",
                        )
                    )
                    continue
                shared = self._shares_scope(event, child)
                for raw in [""] if shared else mount_prefixes:
                    self._walk(
                        child,
                        join_paths(prefix, raw) if raw else prefix,
                        (
                            *chain,
                            Mount(
                                match.path,
                                match.line,
                                normalize_path(raw, "colon") if raw else "",
                                "fastify-plugin" if shared else event.how,
                            ),
                        ),
                        (*middleware, *before),
                        seen | {child},
                        root=False,
                        framework=framework,
                    )
            middleware.extend(before)

    def _hook(
        self,
        match: InventoryMatch,
        arg: str,
        name: str,
        *,
        app_wide: bool,
        framework: str = FRAMEWORK,
    ) -> None:
        """Error handlers and rate limiters wherever they are used; other middleware only when
        the whole app runs it (a router's or a path's middleware is on its routes instead)."""
        if self._is_error_function(match.path, arg):
            kind = "error_handler"
        elif _LIMITER.search(name):
            kind = "rate_limit"
        elif is_function(arg):
            return  # inline middleware; an error one is reported by its own rule
        elif _ERROR_NAME.search(name):
            kind = "error_handler"
        elif app_wide:
            kind = "middleware"
        else:
            return
        self.hooks.add(AppHook(match.path, match.line, kind, name, framework))

    def _emit(
        self,
        event: _Event,
        prefix: str,
        chain: tuple[Mount, ...],
        middleware: Sequence[tuple[str, str]],
        framework: str = FRAMEWORK,
    ) -> None:
        match = event.match
        own = tuple(callee(arg) for arg in event.args) + ((event.checked,) if event.checked else ())
        for value in event.paths:
            full = join_paths(prefix, value) if prefix else value or "/"
            url = normalize_path(full, "colon")
            deps = (
                tuple(
                    dict.fromkeys(
                        name
                        for scope, name in middleware
                        if not scope or _under(url, normalize_path(scope, "colon"))
                    )
                )
                + own
            )
            if len(self.routes) >= MAX_ROUTES:
                return
            self.routes.add(
                Route(
                    file=match.path,
                    line=event.line or match.line,
                    method=event.method,
                    url_path=url,
                    handler=event.handler,
                    framework=framework,
                    mounts=chain,
                    dependencies=deps,
                    raw_path=value.rsplit("/", 1)[-1] if value else "",
                )
            )


def _autoload_dir(importer: str, text: str) -> str | None:
    """The folder autoload's `dir` names, relative to the repository root; None when it is not
    `join(__dirname, 'a', 'b')` or the like, or leaves the repository."""
    text = text.strip()
    parts: list[str] = []
    call = _DIR_CALL.fullmatch(text)
    joined = _DIR_TEXT.fullmatch(text)
    if call:
        for item in split_args(call.group(1)):
            value = string_literal(item)
            if value is None:
                return None
            parts.append(value)
    elif joined:
        parts.append(joined.group(1) or joined.group(3) or "")
    else:
        return None
    if any(p.startswith("/") for p in parts):
        return None
    folder = posixpath.normpath(posixpath.join(posixpath.dirname(importer), *parts))
    if folder == ".":
        return ""
    if folder.startswith("../") or folder == "..":
        return None
    return folder


def _js_regex(text: str) -> re.Pattern[str] | None:
    """A JavaScript regex literal of the simple kind (no repeated group, at most two
    quantifiers) as a Python pattern, so that testing a file name stays quick; else None."""
    found = _REGEX_LITERAL.fullmatch(text.strip())
    if found is None or set(found.group(2)) - {"i", "u"}:
        return None
    body = found.group(1)
    if _NESTED_REPEAT.search(body) or len(re.findall(r"(?<!\\)[*+?{]", body)) > 2:
        return None
    try:
        return re.compile(body, re.IGNORECASE if "i" in found.group(2) else 0)
    except re.error:
        return None


def _autoload_plugins(
    base: str,
    paths: Iterable[str],
    *,
    dir_prefix: bool,
    ignore: re.Pattern[str] | None,
    max_depth: int | None,
) -> list[tuple[str, str]]:
    """(file, folder prefix) of each plugin @fastify/autoload loads from `base`: a folder's
    index file alone when it has one (its subfolders still load), else each script file but
    autohooks; a subfolder adds "/name" to the prefix when `dir_prefix`; names matching
    `ignore` are skipped (an index file is loaded all the same, as autoload does)."""
    files: dict[str, set[str]] = defaultdict(set)
    dirs: dict[str, set[str]] = defaultdict(set)
    for count, path in enumerate(sorted(paths)):
        if count >= MAX_AUTOLOAD_FILES:
            break
        parts = (path[len(base) + 1 :] if base else path).split("/")
        if len(parts) > MAX_DEPTH:
            continue
        for depth in range(len(parts) - 1):
            dirs["/".join(parts[:depth])].add(parts[depth])
        files["/".join(parts[:-1])].add(parts[-1])
    out: list[tuple[str, str]] = []

    def visit(folder: str, prefix: str, depth: int) -> None:
        here = files.get(folder, set())
        subdirs = dirs.get(folder, set())
        index = next((n for n in sorted(here) if _AUTOLOAD_INDEX.match(n)), None)
        if index is not None:
            out.append((posixpath.join(base, folder, index), prefix))
        deepest = max_depth is not None and max_depth <= depth
        for name in sorted(here | subdirs):
            if ignore is not None and ignore.search(name[:255]):
                continue
            if name in subdirs:
                if not deepest and depth < MAX_DEPTH:
                    visit(
                        posixpath.join(folder, name),
                        f"{prefix}/{name}" if dir_prefix else prefix,
                        depth + 1,
                    )
                continue
            if index is None and _AUTOLOAD_SCRIPT.search(name) and not _AUTOLOAD_HOOKS.match(name):
                out.append((posixpath.join(base, folder, name), prefix))

    visit("", "", 0)
    return out


def _options(text: str) -> dict[str, str]:
    """The top-level keys of an object literal, each with its value as written (a shorthand
    `handler` is its own value)."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return {}
    out: dict[str, str] = {}
    for part in split_args(text[1:-1]):
        found = _OPTION.match(part)
        if found:
            out[found.group(1)] = (found.group(2) or found.group(1)).strip()
    return out


def _hooks_of(options: Mapping[str, str]) -> list[str]:
    """The functions a Fastify route's hook options run before its handler."""
    out: list[str] = []
    for name in _HOOK_OPTIONS:
        value = options.get(name)
        if value is not None:
            out.extend(_flatten([value]))
    return out


def _under(path: str, scope: str) -> bool:
    scope = scope.rstrip("/")
    return not scope or path == scope or path.startswith(scope + "/")


def _flatten(args: Sequence[str]) -> list[str]:
    out: list[str] = []
    for arg in args:
        text = arg.strip()
        if text.startswith("[") and text.endswith("]"):
            out.extend(split_args(text[1:-1]))
        else:
            out.append(arg)
    return out
