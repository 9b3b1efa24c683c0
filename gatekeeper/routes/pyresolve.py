"""Joins every Python file's route declarations into full routes, in the parent process: names
resolved across modules by path, every route under each mount chain above it (include_router,
register_blueprint, add_subapp, include()), class-based views and viewsets one route per method.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gatekeeper.routes.model import (
    ANY_METHOD,
    HTTP_METHODS,
    AppHook,
    Mount,
    Route,
    normalize_path,
)
from gatekeeper.routes.pyfacts import (
    BLUEPRINT,
    DRF_ROUTER,
    FASTAPI_ROUTER,
    KIND_FRAMEWORK,
    LITERAL,
    MAX_DECLARATIONS,
    PyAction,
    PyAttr,
    PyClass,
    PyFunction,
    PyMount,
    PyObject,
    PyRegister,
    PyRoute,
    PyRouteDecls,
    PyStr,
    PyUrlEntry,
)

MAX_CHAINS = 32  # mount chains followed per object (a router included in many places)
MAX_DEPTH = 16  # nesting of mounts and includes
MAX_HOPS = 40  # name lookups (imports, aliases) per reference
MAX_BASES = 32  # classes visited per class hierarchy

_OWN_PREFIX_HOW = {FASTAPI_ROUTER: "APIRouter(prefix=)", BLUEPRINT: "Blueprint(url_prefix=)"}
_WEB_FRAMEWORKS = ("fastapi", "flask", "aiohttp")
_VERBS = tuple(method.lower() for method in HTTP_METHODS)
_MULTI_SLASH = re.compile(r"/{2,}")
_TEMPLATE_PARAM = re.compile(r"\{([A-Za-z_]\w{0,80})\}")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w{0,200}")

# Methods served by base classes that live outside the repository, by class name.
_VIEW_VERBS: dict[str, tuple[str, ...]] = {
    "TemplateView": ("GET",),
    "ListView": ("GET",),
    "DetailView": ("GET",),
    "RedirectView": (ANY_METHOD,),
    "FormView": ("GET", "POST"),
    "CreateView": ("GET", "POST"),
    "UpdateView": ("GET", "POST"),
    "DeleteView": ("GET", "POST"),
    "LoginView": ("GET", "POST"),
    "LogoutView": ("POST",),
    "PasswordChangeView": ("GET", "POST"),
    "PasswordResetView": ("GET", "POST"),
    "ListAPIView": ("GET",),
    "CreateAPIView": ("POST",),
    "RetrieveAPIView": ("GET",),
    "DestroyAPIView": ("DELETE",),
    "UpdateAPIView": ("PUT", "PATCH"),
    "ListCreateAPIView": ("GET", "POST"),
    "RetrieveUpdateAPIView": ("GET", "PUT", "PATCH"),
    "RetrieveDestroyAPIView": ("GET", "DELETE"),
    "RetrieveUpdateDestroyAPIView": ("GET", "PUT", "PATCH", "DELETE"),
    "ObtainAuthToken": ("POST",),
    "TokenObtainPairView": ("POST",),
    "TokenRefreshView": ("POST",),
    "TokenVerifyView": ("POST",),
}
_LIST_VIEWS = frozenset({"ListAPIView", "ListCreateAPIView"})
_ALL_ACTIONS = ("list", "create", "retrieve", "update", "partial_update", "destroy")
_VIEWSET_ACTIONS: dict[str, tuple[str, ...]] = {
    "ModelViewSet": _ALL_ACTIONS,
    "ReadOnlyModelViewSet": ("list", "retrieve"),
    "GenericViewSet": (),
    "ViewSet": (),
    "ViewSetMixin": (),
}
_MIXIN_ACTIONS: dict[str, tuple[str, ...]] = {
    "ListModelMixin": ("list",),
    "CreateModelMixin": ("create",),
    "RetrieveModelMixin": ("retrieve",),
    "UpdateModelMixin": ("update", "partial_update"),
    "DestroyModelMixin": ("destroy",),
}
_DRF_BASES = frozenset(
    {"APIView", "GenericAPIView", *_VIEWSET_ACTIONS, *_MIXIN_ACTIONS}
    | {name for name in _VIEW_VERBS if name.endswith("APIView")}
    | {"ObtainAuthToken", "TokenObtainPairView", "TokenRefreshView", "TokenVerifyView"}
)
_LIST_ROUTE = (("GET", "list"), ("POST", "create"))
_DETAIL_ROUTE = (
    ("GET", "retrieve"),
    ("PUT", "update"),
    ("PATCH", "partial_update"),
    ("DELETE", "destroy"),
)
_WRITES = frozenset({"POST", "PUT", "PATCH"})
_AUTH_MIXINS = frozenset({"LoginRequiredMixin", "PermissionRequiredMixin", "UserPassesTestMixin"})
_AUTH_MIXIN_NAME = re.compile(r"(?:Login|Permission|Auth|Staff|Superuser|Token)\w{0,40}Mixin$")


def _is_auth_mixin(name: str) -> bool:
    """Django's auth mixins, and project ones named like them (NetBox's
    ObjectPermissionRequiredMixin) that are bases of the view outside what was read."""
    return name in _AUTH_MIXINS or bool(_AUTH_MIXIN_NAME.search(name[:100]))


_ENUMS = frozenset({"Enum", "IntEnum", "StrEnum", "IntFlag", "Flag"})
_CLASS_DEPENDENCIES = ("permission_classes", "authentication_classes", "throttle_classes")


@dataclass(frozen=True, slots=True)
class PythonRoutes:
    """Every Python route and app hook of a repository, with what could not be resolved."""

    routes: tuple[Route, ...]
    hooks: tuple[AppHook, ...]
    problems: tuple[tuple[str, int, str], ...]  # (file, line, message)


def unparsed_files(decls: Mapping[str, PyRouteDecls]) -> tuple[tuple[str, str], ...]:
    """(file, reason) for each route-bearing file whose declarations are missing or cut short."""
    found: list[tuple[str, str]] = []
    for path, fact in decls.items():
        if fact.unanalyzed_reason is not None:
            found.append((path, fact.unanalyzed_reason))
        elif fact.capped_at is not None:
            found.append(
                (
                    path,
                    f"routes partly analyzed: more than {MAX_DECLARATIONS} route declarations; "
                    f"those from line {fact.capped_at} on are not listed",
                )
            )
    return tuple(sorted(found))


def resolve_python(decls: Mapping[str, PyRouteDecls]) -> PythonRoutes:
    """Full routes, app hooks and resolution problems from every file's declarations."""
    return _Resolver(decls).run()


# ---------------------------------------------------------------------------- symbols


@dataclass(frozen=True, slots=True)
class _Sym:
    """Something a name resolves to; for a module, `file` is its path stem."""

    kind: str  # object class function urls alias module
    file: str
    scope: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class _Miss:
    reason: str  # "" when the name is simply not ours (a parameter, a library)


_Found = _Sym | _Miss


class _Table:
    """One file's declarations, indexed by (scope, name)."""

    def __init__(self, path: str, fact: PyRouteDecls) -> None:
        self.fact = fact
        self.defs: dict[tuple[str, str], _Sym] = {}
        self.objects = {(o.scope, o.name): o for o in reversed(fact.objects)}
        self.classes = {(c.scope, c.name): c for c in reversed(fact.classes)}
        self.functions = {(f.scope, f.name): f for f in reversed(fact.functions)}
        self.aliases = {(a.scope, a.name): a for a in reversed(fact.aliases)}
        self.consts = {(c.scope, c.name): c for c in reversed(fact.consts)}
        self.url_lists: dict[tuple[str, str], list[PyUrlEntry]] = defaultdict(list)
        for url_list in fact.url_lists:
            self.url_lists[(url_list.scope, url_list.name)].extend(url_list.entries)
        for key in self.objects:
            self.defs.setdefault(key, _Sym("object", path, *key))
        for key in self.url_lists:
            self.defs.setdefault(key, _Sym("urls", path, *key))
        for key in self.classes:
            self.defs.setdefault(key, _Sym("class", path, *key))
        for key in self.functions:
            self.defs.setdefault(key, _Sym("function", path, *key))
        for key in self.consts:
            self.defs.setdefault(key, _Sym("const", path, *key))
        for key in self.aliases:
            self.defs.setdefault(key, _Sym("alias", path, *key))
        self.imports = {(i.scope, i.local): i for i in reversed(fact.imports) if i.local != "*"}
        self.stars = [i for i in fact.imports if i.local == "*" and i.scope == ""]


def _scopes(scope: str) -> list[str]:
    """The scopes a name used in `scope` may come from, innermost first."""
    found = [scope]
    while scope:
        scope = scope.rpartition(".")[0]
        found.append(scope)
    return found


def _stem(path: str) -> str:
    stem = path.removesuffix(".py")
    if stem == "__init__":
        return ""
    return stem.removesuffix("/__init__")


def _module_name(path: str) -> str:
    return _stem(path).replace("/", ".")


@dataclass
class _ClassInfo:
    name: str
    file: str
    methods: dict[str, tuple[str, PyFunction | None]] = field(default_factory=dict)
    known: list[str] = field(default_factory=list)  # names of bases outside the repository
    lineage: list[str] = field(default_factory=list)  # names of the classes in the repository
    attrs: dict[str, tuple[str, PyAttr]] = field(default_factory=dict)
    decorators: list[str] = field(default_factory=list)

    def attr(self, name: str) -> tuple[str, ...] | None:
        found = self.attrs.get(name)
        return None if found is None else found[1].values

    @property
    def is_drf(self) -> bool:
        return any(k in _DRF_BASES or k.endswith("ViewSet") for k in self.known)

    @property
    def is_viewset(self) -> bool:
        return any(k in _VIEWSET_ACTIONS or k.endswith("ViewSet") for k in self.known)

    @property
    def is_list_view(self) -> bool:
        return any(k in _LIST_VIEWS for k in self.known)


@dataclass(frozen=True, slots=True)
class _Edge:
    parent: _Sym | None
    child: _Sym
    file: str
    decl: PyMount


@dataclass(frozen=True, slots=True)
class _Handler:
    """One (method, handler) a route declaration expands to."""

    method: str
    name: str
    function: PyFunction | None = None
    function_file: str = ""
    info: _ClassInfo | None = None
    action: str = ""  # DRF action or the class method name


class _Resolver:
    def __init__(self, decls: Mapping[str, PyRouteDecls]) -> None:
        self.facts = {p: f for p, f in sorted(decls.items()) if f.unanalyzed_reason is None}
        self.tables = {p: _Table(p, f) for p, f in self.facts.items()}
        self.stems: dict[str, str | None] = {}
        self.by_dotted: dict[str, list[str]] = defaultdict(list)
        self._index_modules()
        web = {fw for f in self.facts.values() for fw in f.frameworks if fw in _WEB_FRAMEWORKS}
        self.only_framework = next(iter(web)) if len(web) == 1 else ""
        self.routes: set[Route] = set()
        self.hooks: set[AppHook] = set()
        self.problems: set[tuple[str, int, str]] = set()
        self.edges: dict[_Sym, list[_Edge]] = defaultdict(list)
        self.class_infos: dict[_Sym, _ClassInfo] = {}
        self.resolved: dict[tuple[str, str, str], _Found] = {}
        self.chain_cache: dict[_Sym, list[tuple[_Edge, ...]]] = {}
        # Names found, whatever hop budget found them: resolution is deterministic, so a name
        # found once is found again; misses are not kept (a smaller budget may have caused them).
        self.found_names: dict[tuple[str, str, str], _Sym] = {}
        self.registers: dict[_Sym, list[tuple[str, PyRegister]]] = defaultdict(list)
        # Routes and hooks in tests are the tests' own apps, not the service's surface; their
        # declarations still resolve names for the other files.
        from gatekeeper.stack import is_test_path  # the parent's module; workers never need it

        self.served = {path for path in self.facts if not is_test_path(path)}

    def _custom_routers(self) -> None:
        """`router = ProjectRouter()` where ProjectRouter subclasses a DRF router (NetBox's
        NetBoxRouter): the instance is a router like a DefaultRouter() would be."""
        added = False
        for path, table in self.tables.items():
            for (scope, name), alias in list(table.aliases.items()):
                if alias.kind != "ref" or not alias.ref.endswith("()"):
                    continue
                found = self.resolve(path, scope, alias.ref.removesuffix("()"))
                if not isinstance(found, _Sym) or found.kind != "class":
                    continue
                known = self.class_info(found).known
                if not {"DefaultRouter", "SimpleRouter"} & set(known):
                    continue
                table.objects[(scope, name)] = PyObject(
                    scope, name, DRF_ROUTER, alias.line, default_router="DefaultRouter" in known
                )
                table.defs[(scope, name)] = _Sym("object", path, scope, name)
                added = True
        if added:
            self.resolved.clear()  # names resolved before the routers were known
            self.found_names.clear()

    def problem(self, file: str, line: int, message: str) -> None:
        self.problems.add((file, line, message))

    # ------------------------------------------------------------------ modules

    def _index_modules(self) -> None:
        for path in self.facts:
            stem = _stem(path)
            self.stems[stem] = path
            directory = posixpath.dirname(stem)
            while directory and directory not in self.stems:
                self.stems[directory] = None
                directory = posixpath.dirname(directory)
        for stem in self.stems:
            parts = stem.split("/")
            for start in range(len(parts)):
                tail = parts[start:]
                if all(_IDENTIFIER.fullmatch(p) for p in tail):
                    self.by_dotted[".".join(tail)].append(stem)

    def find_module(self, dotted: str, importer: str) -> str | _Miss:
        """The stem of module `dotted` as seen from `importer`: its longest unambiguous match."""
        candidates = self.by_dotted.get(dotted, [])
        if not candidates:
            return _Miss(f"module {dotted} is not among the files gatekeeper read for routes")
        if len(candidates) == 1:
            return candidates[0]
        importer_dirs = importer.split("/")[:-1]

        def rank(stem: str) -> tuple[int, int]:
            parts = stem.split("/")
            shared = 0
            for mine, theirs in zip(parts, importer_dirs, strict=False):
                if mine != theirs:
                    break
                shared += 1
            return (-shared, len(parts))

        ranked = sorted(candidates, key=lambda s: (rank(s), s))
        if rank(ranked[0]) == rank(ranked[1]):
            return _Miss(f"module {dotted} is ambiguous: {ranked[0]} or {ranked[1]}")
        return ranked[0]

    def module_of(self, file: str, level: int, dotted: str) -> _Found:
        if level == 0:
            found = self.find_module(dotted, file)
            return found if isinstance(found, _Miss) else _Sym("module", found)
        base = posixpath.dirname(file)
        for _ in range(level - 1):
            if not base:
                return _Miss(f"relative import {'.' * level}{dotted} goes above the repository")
            base = posixpath.dirname(base)
        stem = "/".join(p for p in (base, dotted.replace(".", "/")) if p)
        if stem in self.stems or stem == base:
            return _Sym("module", stem)
        return _Miss(f"module {'.' * level}{dotted} (from {file}) is not among the files read")

    # ------------------------------------------------------------------ names

    def resolve(self, file: str, scope: str, ref: str, hops: int = 0) -> _Found:
        """What the dotted reference `ref`, used in `scope` of `file`, names."""
        if hops == 0:
            key = (file, scope, ref)
            cached = self.resolved.get(key)
            if cached is None:
                cached = self.resolved[key] = self._resolve(file, scope, ref, 1)
            return cached
        return self._resolve(file, scope, ref, hops)

    def _resolve(self, file: str, scope: str, ref: str, hops: int) -> _Found:
        if hops > MAX_HOPS or not ref:
            return _Miss("")
        called = ref.endswith("()")
        parts = ref.removesuffix("()").split(".")
        found = self.lookup(file, scope, parts[0], hops + 1)
        for attr in parts[1:]:
            if isinstance(found, _Miss):
                return found
            found = self.member(found, attr, hops + 1)
        if not called or isinstance(found, _Miss):
            return found
        if found.kind == "function":
            function = self.tables[found.file].functions[(found.scope, found.name)]
            if function.return_ref:
                returned = self.resolve(
                    found.file, function.qualname, function.return_ref, hops + 1
                )
                if isinstance(returned, _Sym) or not function.returns:
                    return returned
            if function.returns:  # `def get_settings() -> Settings`: an instance of it
                declared = self.resolve(found.file, found.scope, function.returns, hops + 1)
                if isinstance(declared, _Sym) and declared.kind == "class":
                    return _Sym("instance", declared.file, declared.scope, declared.name)
        if found.kind == "class":
            # An instance: its attributes are the class's (a settings object's defaults).
            return _Sym("instance", found.file, found.scope, found.name)
        return _Miss("")

    def lookup(self, file: str, scope: str, name: str, hops: int) -> _Found:
        key = (file, scope, name)
        known = self.found_names.get(key)
        if known is not None:
            return known
        found = self._lookup(file, scope, name, hops)
        if isinstance(found, _Sym):
            self.found_names[key] = found
        return found

    def _lookup(self, file: str, scope: str, name: str, hops: int) -> _Found:
        table = self.tables.get(file)
        if table is None or hops > MAX_HOPS:
            return _Miss("")
        for where in _scopes(scope):
            sym = table.defs.get((where, name))
            if sym is not None:
                if sym.kind != "alias":
                    return sym
                alias = table.aliases[(where, name)]
                if alias.kind == "annotated":
                    return sym
                return self.resolve(file, where, alias.ref, hops + 1)
            imported = table.imports.get((where, name))
            if imported is not None:
                module = self.module_of(file, imported.level, imported.module)
                if isinstance(module, _Miss) or imported.name is None:
                    return module
                return self.member(module, imported.name, hops + 1)
        for star in table.stars:
            module = self.module_of(file, star.level, star.module)
            if isinstance(module, _Sym):
                found = self.member(module, name, hops + 1)
                if isinstance(found, _Sym):
                    return found
        return _Miss("")

    def member(self, sym: _Sym, attr: str, hops: int) -> _Found:
        if sym.kind == "module":
            path = self.stems.get(sym.file)
            if path is not None:
                found = self.lookup(path, "", attr, hops)
                if isinstance(found, _Sym):
                    return found
            sub = f"{sym.file}/{attr}" if sym.file else attr
            if sub in self.stems:
                return _Sym("module", sub)
            dotted = sym.file.replace("/", ".")
            return _Miss(f"{dotted}.{attr} is not among the files gatekeeper read for routes")
        if sym.kind == "object" and attr in ("router", "urls"):
            return sym  # aiohttp app.router, DRF router.urls
        if sym.kind in ("instance", "class"):
            qualname = f"{sym.scope}.{sym.name}" if sym.scope else sym.name
            const = self.tables[sym.file].defs.get((qualname, attr))
            if const is not None and const.kind == "const":
                return const
            cls = self.tables[sym.file].classes.get((sym.scope, sym.name))
            for base in cls.bases if cls is not None else ():
                parent = self.resolve(sym.file, sym.scope, base, hops + 1)
                if isinstance(parent, _Sym) and parent.kind == "class":
                    inherited = self.member(parent, attr, hops + 1)
                    if isinstance(inherited, _Sym):
                        return inherited
        return _Miss("")

    def object_of(self, sym: _Sym) -> PyObject:
        return self.tables[sym.file].objects[(sym.scope, sym.name)]

    def string(self, file: str, scope: str, value: PyStr, hops: int = 0) -> str | None:
        """The value of a string expression, following module-level constants."""
        if not value.known or hops > MAX_HOPS:
            return None
        out: list[str] = []
        for kind, piece in value.pieces:
            if kind == LITERAL:
                out.append(piece)
                continue
            found = self.resolve(file, scope, piece)
            if not isinstance(found, _Sym) or found.kind != "const":
                return None
            const = self.tables[found.file].consts[(found.scope, found.name)]
            text = self.string(found.file, found.scope, const.value, hops + 1)
            if text is None:
                return None
            out.append(text)
        return "".join(out)

    # ------------------------------------------------------------------ classes

    def class_info(self, sym: _Sym) -> _ClassInfo:
        cached = self.class_infos.get(sym)
        if cached is not None:
            return cached
        top = self.tables[sym.file].classes[(sym.scope, sym.name)]
        info = _ClassInfo(top.name, sym.file)
        seen: set[_Sym] = set()
        todo = [sym]
        while todo and len(seen) < MAX_BASES:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.add(current)
            table = self.tables[current.file]
            cls: PyClass = table.classes[(current.scope, current.name)]
            info.lineage.append(cls.name)
            for method in cls.methods:
                function = table.functions.get((cls.qualname, method))
                info.methods.setdefault(method, (current.file, function))
            for attr in cls.attrs:
                info.attrs.setdefault(attr.name, (current.file, attr))
            info.decorators.extend(d for d in cls.decorators if d not in info.decorators)
            bases: list[_Sym] = []
            for base in cls.bases:
                found = self.resolve(current.file, cls.scope, base)
                if isinstance(found, _Sym) and found.kind == "class":
                    bases.append(found)
                else:
                    info.known.append(base.rsplit(".", 1)[-1])
            todo[0:0] = bases  # depth first, left to right: close to Python's MRO
        self.class_infos[sym] = info
        return info

    def class_verbs(self, info: _ClassInfo, framework: str) -> list[str]:
        verbs = [v.upper() for v in _VERBS if v in info.methods]
        for known in info.known:
            verbs.extend(v for v in _VIEW_VERBS.get(known, ()) if v not in verbs)
        if framework == "flask" and not verbs and "MethodView" not in info.known:
            listed = info.attr("methods")
            verbs = [m.upper() for m in listed] if listed else ["GET"]
        allowed = info.attr("http_method_names")
        if allowed:
            verbs = [v for v in verbs if v.lower() in allowed or v == ANY_METHOD]
        return verbs

    def viewset_actions(self, info: _ClassInfo) -> set[str]:
        actions = {m for m in info.methods if m in _ALL_ACTIONS}
        for known in info.known:
            actions.update(_VIEWSET_ACTIONS.get(known, ()))
            actions.update(_MIXIN_ACTIONS.get(known, ()))
        return actions

    # ------------------------------------------------------------------ run

    def run(self) -> PythonRoutes:
        for path, fact in self.facts.items():
            for line, message in fact.problems:
                self.problem(path, line, message)
        self._custom_routers()
        self._build_edges()
        for path, fact in self.facts.items():
            for register in fact.registers:
                found = self.resolve(path, register.scope, register.router)
                if isinstance(found, _Sym) and found.kind == "object":
                    self.registers[found].append((path, register))
            if path in self.served:
                for route in fact.routes:
                    self._route(path, route)
        self._django()
        self._hooks()
        return PythonRoutes(
            tuple(sorted(self.routes)), tuple(sorted(self.hooks)), tuple(sorted(self.problems))
        )

    def _hooks(self) -> None:
        for path, fact in self.facts.items():
            for hook in fact.hooks if path in self.served else ():
                framework = hook.framework_hint
                if hook.target:
                    found = self.resolve(path, hook.scope, hook.target)
                    if isinstance(found, _Sym) and found.kind == "object":
                        framework = KIND_FRAMEWORK[self.object_of(found).kind]
                if not framework:
                    web = [f for f in fact.frameworks if f in _WEB_FRAMEWORKS]
                    framework = web[0] if web else self.only_framework or "python"
                self.hooks.add(AppHook(path, hook.line, hook.kind, hook.name, framework))

    # ------------------------------------------------------------------ mounts

    def _build_edges(self) -> None:
        for path, fact in self.facts.items():
            for mount in fact.mounts:
                child = self.resolve(path, mount.scope, mount.child)
                if not isinstance(child, _Sym) or child.kind != "object":
                    if mount.how != "mount":
                        why = child.reason if isinstance(child, _Miss) and child.reason else ""
                        self.problem(
                            path,
                            mount.line,
                            f"{mount.how}: `{mount.child}` could not be resolved"
                            + (f" ({why})" if why else "")
                            + "; the routes under it are listed without this mount",
                        )
                    continue
                parent = self.resolve(path, mount.scope, mount.parent) if mount.parent else None
                parent_sym = (
                    parent if isinstance(parent, _Sym) and parent.kind == "object" else None
                )
                if parent_sym == child:
                    continue
                self.edges[child].append(_Edge(parent_sym, child, path, mount))

    def chains(self, target: _Sym) -> list[tuple[_Edge, ...]]:
        """Every mount chain from a root down to `target`, outermost edge first."""
        cached = self.chain_cache.get(target)
        if cached is None:
            cached = self.chain_cache[target] = self._chains(target)
        return cached

    def _chains(self, target: _Sym) -> list[tuple[_Edge, ...]]:
        done: list[tuple[_Edge, ...]] = []
        todo: list[tuple[_Sym, tuple[_Edge, ...]]] = [(target, ())]
        while todo and len(done) < MAX_CHAINS:
            current, below = todo.pop()
            incoming = self.edges.get(current, [])
            visited = {e.child for e in below} | {target}
            usable = [e for e in incoming if e.parent is None or e.parent not in visited]
            if not usable or len(below) >= MAX_DEPTH:
                done.append(below)
                continue
            for edge in reversed(usable):
                if edge.parent is None:
                    done.append((edge, *below))
                else:
                    todo.append((edge.parent, (edge, *below)))
        return sorted(set(done), key=lambda c: [(e.file, e.decl.line) for e in c]) or [()]

    def _prefix_steps(
        self, chain: tuple[_Edge, ...], target: _Sym | None
    ) -> tuple[list[tuple[str, Mount]], list[str]]:
        """The (piece, Mount) steps and the inherited dependencies of one chain."""
        steps: list[tuple[str, Mount]] = []
        deps: list[str] = []

        def own(sym: _Sym | None, overridden: bool) -> None:
            if sym is None:
                return
            obj = self.object_of(sym)
            deps.extend(obj.dependencies)
            if obj.prefix is None or overridden:
                return
            raw = self.string(sym.file, obj.scope, obj.prefix)
            if raw is None:
                self.problem(
                    sym.file,
                    obj.line,
                    f"prefix is not a string gatekeeper can evaluate: {obj.prefix.text}; "
                    "routes under it are listed without it",
                )
                return
            if raw:
                how = _OWN_PREFIX_HOW.get(obj.kind, "prefix")
                steps.append((raw, Mount(sym.file, obj.line, normalize_path(raw, "openapi"), how)))

        own(chain[0].parent if chain else target, False)
        for edge in chain:
            decl = edge.decl
            raw = ""
            if decl.prefix is not None:
                value = self.string(edge.file, decl.scope, decl.prefix)
                if value is None:
                    self.problem(
                        edge.file,
                        decl.line,
                        f"{decl.how} prefix is not a string gatekeeper can evaluate: "
                        f"{decl.prefix.text}; routes under it are listed without it",
                    )
                else:
                    raw = value
            prefix = normalize_path(raw, "openapi") if raw else ""
            steps.append((raw, Mount(edge.file, decl.line, prefix, decl.how, decl.condition)))
            deps.extend(decl.dependencies)
            overridden = decl.how == "register_blueprint" and decl.prefix is not None
            own(edge.child, overridden)
        return steps, deps

    # ------------------------------------------------------------------ fastapi, flask, aiohttp

    def _route(self, path: str, route: PyRoute) -> None:
        target: _Sym | None = None
        if route.target:
            found = self.resolve(path, route.scope, route.target)
            if isinstance(found, _Sym) and found.kind == "object":
                target = found
            elif isinstance(found, _Miss) and found.reason:
                self.problem(
                    path,
                    route.line,
                    f"`{route.target}` could not be resolved ({found.reason}); the route is "
                    "listed without the prefixes above it",
                )
        framework = KIND_FRAMEWORK[self.object_of(target).kind] if target else ""
        framework = framework or route.framework_hint or self.only_framework
        if framework not in _WEB_FRAMEWORKS:
            self.problem(path, route.line, f"cannot tell which framework `{route.target}` is")
            return
        raw = self.string(path, route.scope, route.path)
        if raw is None:
            self.problem(
                path,
                route.line,
                f"route path is not a string gatekeeper can evaluate: {route.path.text}; "
                "the route is not listed",
            )
            return
        style = "flask" if framework == "flask" else "openapi"
        handlers = self._handlers(path, route, framework)
        for chain in self.chains(target) if target else [()]:
            steps, deps = self._prefix_steps(chain, target)
            pieces = [normalize_path(p, style) for p, _ in steps if p]
            pieces.append(normalize_path(raw, style) if raw else "")
            url = _join(pieces, flask=framework == "flask")
            mounts = tuple(m for _, m in steps)
            for handler in handlers:
                self._emit(path, route, framework, url, raw, mounts, deps, handler)

    def _handlers(self, path: str, route: PyRoute, framework: str) -> list[_Handler]:
        default = (ANY_METHOD,) if framework == "aiohttp" and route.how == "add_view" else ("GET",)
        methods = route.methods or default
        table = self.tables[path]
        sym: _Found
        if route.handler_kind == "local":
            scope, _, name = route.handler.rpartition(".")
            sym = table.defs.get((scope, name)) or _Miss("")
        else:
            sym = self.resolve(path, route.scope, route.handler)
        if isinstance(sym, _Sym) and sym.kind == "function":
            function = self.tables[sym.file].functions[(sym.scope, sym.name)]
            name = f"{_module_name(sym.file)}.{function.qualname}"
            return [_Handler(m, name, function, sym.file) for m in methods]
        if isinstance(sym, _Sym) and sym.kind == "class":
            info = self.class_info(sym)
            verbs = list(route.methods) if route.methods else self.class_verbs(info, framework)
            found: list[_Handler] = []
            for verb in verbs or [ANY_METHOD]:
                method = info.methods.get(verb.lower())
                if method is None and framework == "flask":
                    method = info.methods.get("dispatch_request")
                defined = method[1] if method else None
                action = defined.name if defined else ""
                label = f"{info.name}.{action}" if action else info.name
                found.append(_Handler(verb, label, defined, method[0] if method else "", info))
            return found
        return [_Handler(m, route.handler) for m in methods]

    def _emit(
        self,
        path: str,
        route: PyRoute,
        framework: str,
        url: str,
        raw: str,
        mounts: tuple[Mount, ...],
        chain_deps: list[str],
        handler: _Handler,
    ) -> None:
        function = handler.function
        request = response = None
        is_list: bool | None = None
        query: list[str] = []
        decorators: list[str] = []
        deps = [*chain_deps, *route.dependencies]
        if handler.info is not None:
            decorators.extend(handler.info.decorators)
            decorators.extend(handler.info.attr("decorators") or ())
        if function is not None:
            decorators.extend(function.decorators)
            query.extend(function.query_params)
            request, response = function.request_model, function.response_model
            is_list = function.response_is_list
        if framework == "fastapi" and function is not None:
            body, params, depends = self._fastapi_params(handler.function_file, function, url)
            request = body
            query.extend(params)
            deps.extend(depends)
            if route.response_model_set:
                response, is_list = route.response_model, route.response_is_list
            elif function.returns is not None:
                response, is_list = function.returns, function.returns_is_list
        self.routes.add(
            Route(
                file=path,
                line=route.line,
                method=handler.method,
                url_path=url,
                handler=handler.name,
                framework=framework,
                mounts=mounts,
                request_model=request,
                response_model=response,
                response_is_list=is_list,
                query_params=tuple(dict.fromkeys(query)),
                decorators=tuple(dict.fromkeys(decorators)),
                dependencies=tuple(dict.fromkeys(d for d in deps if d)),
                raw_inputs=function.raw_inputs if function else (),
                validations=function.validations if function else (),
                mass_assignments=function.mass_assignments if function else (),
                object_lookups=function.object_lookups if function else (),
                owner_checked=function.owner_checked if function else False,
                raw_path=raw,
            )
        )

    def _fastapi_params(
        self, file: str, function: PyFunction, url: str
    ) -> tuple[str | None, list[str], list[str]]:
        """(request model, query parameters, dependencies) of a FastAPI handler."""
        in_path = set(_TEMPLATE_PARAM.findall(url))
        body: str | None = None
        query: list[str] = []
        deps: list[str] = []
        for param in function.params:
            kind, dependency = param.kind, param.dependency
            if kind == "model" and param.annotation:
                found = self.resolve(file, function.qualname, param.annotation)
                if isinstance(found, _Sym) and found.kind == "alias":
                    alias = self.tables[found.file].aliases[(found.scope, found.name)]
                    kind, dependency = alias.param_kind, alias.dependency
                elif (
                    isinstance(found, _Sym)
                    and found.kind == "class"
                    and any(k in _ENUMS for k in self.class_info(found).known)
                ):
                    kind = "simple"
            if param.name in in_path or kind == "path":
                continue
            if kind == "depends":
                deps.append(dependency)
            elif kind in ("simple", "query"):
                query.append(param.name)
            elif kind in ("model", "body") and body is None and param.annotation:
                body = param.annotation
        return body, query, deps

    # ------------------------------------------------------------------ django

    def _django(self) -> None:
        roots: list[_Sym] = []
        for path, fact in self.facts.items():
            if fact.root_urlconf is None or path not in self.served:
                continue
            module, line = fact.root_urlconf
            found = self.find_module(module, path)
            urls = None
            if isinstance(found, str) and self.stems.get(found):
                file = self.stems[found] or ""
                if ("", "urlpatterns") in self.tables[file].url_lists:
                    urls = _Sym("urls", file, "", "urlpatterns")
            if urls is None:
                self.problem(
                    path, line, f"ROOT_URLCONF {module!r}: no module with urlpatterns found"
                )
            elif urls not in roots:
                roots.append(urls)
        if not roots:
            included: set[_Sym] = set()
            for path, table in self.tables.items():
                for (scope, _), entries in table.url_lists.items():
                    for entry in entries:
                        if entry.kind.startswith("include"):
                            target = self._include_target(path, scope, entry)
                            if isinstance(target, _Sym):
                                included.add(target)
            for path, table in self.tables.items():
                if path in self.served and ("", "urlpatterns") in table.url_lists:
                    sym = _Sym("urls", path, "", "urlpatterns")
                    if sym not in included:
                        roots.append(sym)
        for root in roots:
            self._walk_urls(root)

    def _include_target(self, path: str, scope: str, entry: PyUrlEntry) -> _Found:
        if entry.kind == "include_module":
            stem = self.find_module(entry.target, path)
            if isinstance(stem, _Miss):
                return stem
            file = self.stems.get(stem)
            if file is None or ("", "urlpatterns") not in self.tables[file].url_lists:
                return _Miss(f"module {entry.target} has no urlpatterns gatekeeper read")
            return _Sym("urls", file, "", "urlpatterns")
        found = self.resolve(path, scope, entry.target)
        if isinstance(found, _Sym) and found.kind == "module":
            file = self.stems.get(found.file)
            if file is None or ("", "urlpatterns") not in self.tables[file].url_lists:
                return _Miss(f"module {found.file.replace('/', '.')} has no urlpatterns")
            return _Sym("urls", file, "", "urlpatterns")
        if isinstance(found, _Sym) and found.kind == "object":
            if self.object_of(found).kind != DRF_ROUTER:
                return _Miss(f"`{entry.target}` is not a URL list")
        elif isinstance(found, _Sym) and found.kind != "urls":
            return _Miss(f"`{entry.target}` is not a URL list")
        return found

    def _walk_urls(self, root: _Sym) -> None:
        todo: list[tuple[_Sym, tuple[str, ...], tuple[Mount, ...], frozenset[_Sym]]] = [
            (root, (), (), frozenset({root}))
        ]
        while todo:
            urls, pieces, mounts, seen = todo.pop()
            table = self.tables[urls.file]
            for entry in table.url_lists[(urls.scope, urls.name)]:
                raw = self.string(urls.file, urls.scope, entry.route)
                if raw is None and entry.kind.startswith("include"):
                    # A computed prefix (NetBox's settings.BASE_PATH): list what is under it
                    # without that prefix, as for other frameworks' mounts, and say so.
                    self.problem(
                        urls.file,
                        entry.line,
                        f"URL prefix is not a string gatekeeper can evaluate: {entry.route.text}; "
                        "the routes under it are listed without it",
                    )
                    raw = ""
                elif raw is None:
                    self.problem(
                        urls.file,
                        entry.line,
                        f"URL pattern is not a string gatekeeper can evaluate: {entry.route.text}; "
                        "it is not listed",
                    )
                    continue
                piece = _django_piece(raw, entry.style)
                if not entry.kind.startswith("include"):
                    url = _django_url((*pieces, piece))
                    self._django_view(urls, entry, url, raw, mounts)
                    continue
                target = self._include_target(urls.file, urls.scope, entry)
                if isinstance(target, _Miss):
                    why = f" ({target.reason})" if target.reason else ""
                    self.problem(
                        urls.file,
                        entry.line,
                        f"include of `{entry.target}` could not be resolved{why}; "
                        "the routes under it are not listed",
                    )
                    continue
                prefix = normalize_path(raw, entry.style) if raw.strip("^$") else ""
                step = Mount(urls.file, entry.line, prefix, "include")
                if target in seen or len(mounts) >= MAX_DEPTH:
                    continue
                if target.kind == "object":
                    self._router_routes(target, (*pieces, piece), (*mounts, step))
                else:
                    todo.append((target, (*pieces, piece), (*mounts, step), seen | {target}))

    def _django_view(
        self,
        urls: _Sym,
        entry: PyUrlEntry,
        url: str,
        raw: str,
        mounts: tuple[Mount, ...],
    ) -> None:
        file = urls.file
        found = self.resolve(file, urls.scope, entry.target)
        base = Route(
            file=file,
            line=entry.line,
            method=ANY_METHOD,
            url_path=url,
            handler=entry.target,
            framework="django",
            mounts=mounts,
            decorators=entry.decorators,
            raw_path=raw,
        )
        if isinstance(found, _Sym) and found.kind == "function" and entry.kind == "view":
            function = self.tables[found.file].functions[(found.scope, found.name)]
            for method in function.http_methods or (ANY_METHOD,):
                self.routes.add(
                    dataclasses.replace(
                        base,
                        method=method,
                        handler=f"{_module_name(found.file)}.{function.qualname}",
                        framework="drf" if function.api_view else "django",
                        query_params=function.query_params,
                        decorators=tuple(dict.fromkeys((*entry.decorators, *function.decorators))),
                        dependencies=function.dependencies,
                        raw_inputs=function.raw_inputs if function else (),
                        validations=function.validations if function else (),
                        mass_assignments=function.mass_assignments if function else (),
                        object_lookups=function.object_lookups if function else (),
                        owner_checked=function.owner_checked if function else False,
                    )
                )
            return
        if isinstance(found, _Sym) and found.kind == "class":
            info = self.class_info(found)
            if entry.actions:
                for verb, action in entry.actions:
                    self.routes.add(self._drf_route(base, info, verb, action, None))
                return
            verbs = self.class_verbs(info, "django") or [ANY_METHOD]
            for verb in verbs:
                self.routes.add(self._view_route(base, info, verb))
            return
        if entry.kind == "as_view":
            name = entry.target.rsplit(".", 1)[-1]
            for verb in _VIEW_VERBS.get(name, (ANY_METHOD,)):
                handler = f"{name}.{verb.lower()}" if verb != ANY_METHOD else entry.target
                framework = "drf" if name in _DRF_BASES else "django"
                self.routes.add(
                    dataclasses.replace(base, method=verb, handler=handler, framework=framework)
                )
            return
        self.routes.add(base)

    def _view_route(self, base: Route, info: _ClassInfo, verb: str) -> Route:
        method = info.methods.get(verb.lower())
        function = method[1] if method else None
        handler = f"{info.name}.{verb.lower()}" if verb != ANY_METHOD else info.name
        if info.is_drf:
            action = "list" if verb == "GET" and info.is_list_view else ""
            route = self._drf_route(base, info, verb, action, None, method_name=verb.lower())
            return dataclasses.replace(route, handler=handler)
        decorators = [*base.decorators, *info.decorators]
        if function is not None:
            decorators.extend(function.decorators)
        deps = [f"mixin:{k}" for k in (*info.lineage, *info.known) if _is_auth_mixin(k)]
        return dataclasses.replace(
            base,
            method=verb,
            handler=handler,
            query_params=function.query_params if function else (),
            raw_inputs=function.raw_inputs if function else (),
            validations=function.validations if function else (),
            mass_assignments=function.mass_assignments if function else (),
            object_lookups=function.object_lookups if function else (),
            owner_checked=function.owner_checked if function else False,
            decorators=tuple(dict.fromkeys(decorators)),
            dependencies=tuple(deps),
        )

    def _drf_route(
        self,
        base: Route,
        info: _ClassInfo,
        verb: str,
        action: str,
        extra: PyAction | None,
        *,
        method_name: str = "",
    ) -> Route:
        """A DRF view or viewset action, with its serializer, pagination and permissions."""
        method_name = method_name or action or verb.lower()
        method = info.methods.get(method_name)
        function = method[1] if method else None
        serializer_values = info.attr("serializer_class")
        serializer = serializer_values[0] if serializer_values else None
        if extra is not None and extra.serializer:
            serializer = extra.serializer
        request = serializer if verb in _WRITES else None
        response = None if verb == "DELETE" or action == "destroy" else serializer
        is_list: bool | None = None
        query: list[str] = []
        if action == "list":
            is_list = True
            query.extend(self._pagination(info))
            query.extend(_filter_params(info))
        elif response is not None and extra is None:
            is_list = False
        if function is not None:
            query.extend(function.query_params)
        deps: list[str] = []
        for key in _CLASS_DEPENDENCIES:
            override = [d for d in (extra.dependencies if extra else ()) if d.startswith(key + ":")]
            if override:
                deps.extend(override)
            else:
                deps.extend(f"{key}:{v.rsplit('.', 1)[-1]}" for v in info.attr(key) or ())
        deps.extend(f"mixin:{k}" for k in (*info.lineage, *info.known) if _is_auth_mixin(k))
        decorators = [*base.decorators, *info.decorators]
        if function is not None:
            decorators.extend(function.decorators)
        handler = base.handler if not action else f"{info.name}.{action}"
        return dataclasses.replace(
            base,
            method=verb,
            handler=handler,
            framework="drf",
            request_model=request,
            response_model=response,
            response_is_list=is_list,
            query_params=tuple(dict.fromkeys(query)),
            decorators=tuple(dict.fromkeys(decorators)),
            dependencies=tuple(dict.fromkeys(deps)),
            raw_inputs=function.raw_inputs if function else (),
            validations=function.validations if function else (),
            mass_assignments=function.mass_assignments if function else (),
            object_lookups=function.object_lookups if function else (),
            owner_checked=function.owner_checked if function else False,
        )

    def _pagination(self, info: _ClassInfo) -> list[str]:
        found = info.attrs.get("pagination_class")
        if found is None or not found[1].values:
            return []
        file, attr = found
        name = attr.values[0]
        short = name.rsplit(".", 1)[-1]
        params: dict[str, str] = {}
        resolved = self.resolve(file, "", name)
        if isinstance(resolved, _Sym) and resolved.kind == "class":
            paginator = self.class_info(resolved)
            known = set(paginator.known)
            for key, (_, value) in paginator.attrs.items():
                if value.literal and value.values:
                    params[key] = value.values[0]
        else:
            known = {short}
        if "LimitOffsetPagination" in known:
            return [
                params.get("limit_query_param", "limit"),
                params.get("offset_query_param", "offset"),
            ]
        if "CursorPagination" in known:
            names = [params.get("cursor_query_param", "cursor")]
        else:  # PageNumberPagination, or a paginator gatekeeper cannot see: assume a page number
            names = [params.get("page_query_param", "page")]
        if "page_size_query_param" in params:
            names.append(params["page_size_query_param"])
        return names

    def _router_routes(
        self, router: _Sym, pieces: tuple[str, ...], mounts: tuple[Mount, ...]
    ) -> None:
        obj = self.object_of(router)
        slash = "/" if obj.trailing_slash else ""
        if obj.default_router:
            self.routes.add(
                Route(
                    file=router.file,
                    line=obj.line,
                    method="GET",
                    url_path=_django_url(pieces),
                    handler="APIRootView",
                    framework="drf",
                    mounts=mounts,
                    raw_path="",
                )
            )
        for path, register in self.registers.get(router, []):
            prefix = self.string(path, register.scope, register.prefix)
            if prefix is None:
                self.problem(
                    path,
                    register.line,
                    f"router prefix is not a string gatekeeper can evaluate: "
                    f"{register.prefix.text}; its routes are not listed",
                )
                continue
            viewset = self.resolve(path, register.scope, register.viewset)
            if not isinstance(viewset, _Sym) or viewset.kind != "class":
                why = viewset.reason if isinstance(viewset, _Miss) else ""
                self.problem(
                    path,
                    register.line,
                    f"viewset `{register.viewset}` could not be resolved"
                    + (f" ({why})" if why else "")
                    + "; its routes are not listed",
                )
                continue
            info = self.class_info(viewset)
            self._viewset_routes(path, register.line, prefix, info, pieces, mounts, slash)

    def _viewset_routes(
        self,
        path: str,
        line: int,
        prefix: str,
        info: _ClassInfo,
        pieces: tuple[str, ...],
        mounts: tuple[Mount, ...],
        slash: str,
    ) -> None:
        actions = self.viewset_actions(info)
        lookup_values = info.attr("lookup_url_kwarg") or info.attr("lookup_field") or ("pk",)
        lookup = f"(?P<{lookup_values[0]}>[^/.]+)"
        prefix = prefix.strip("/")
        lead = f"{prefix}/" if prefix else ""
        shapes: list[tuple[str, str, str, PyAction | None]] = []
        for verb, action in _LIST_ROUTE:
            if action in actions:
                shapes.append((f"{prefix}{slash}", verb, action, None))
        for verb, action in _DETAIL_ROUTE:
            if action in actions:
                shapes.append((f"{lead}{lookup}{slash}", verb, action, None))
        for name, (_, function) in sorted(info.methods.items()):
            extra = function.action if function is not None else None
            if extra is None:
                continue
            segment = extra.url_path or name
            where = (
                f"{lead}{lookup}/{segment}{slash}" if extra.detail else f"{lead}{segment}{slash}"
            )
            for verb in extra.methods:
                shapes.append((where, verb, name, extra))
        for raw, verb, action, extra in shapes:
            url = _django_url((*pieces, _django_piece(raw, "regex")))
            base = Route(
                file=path,
                line=line,
                method=verb,
                url_path=url,
                handler=f"{info.name}.{action}",
                framework="drf",
                mounts=mounts,
                raw_path=raw,
            )
            self.routes.add(self._drf_route(base, info, verb, action, extra))


# ---------------------------------------------------------------------------- paths


def _join(pieces: Iterable[str], *, flask: bool) -> str:
    """Prefixes and a path joined as the framework does: literally, or Flask's one-slash join."""
    out = ""
    for piece in pieces:
        if not piece:
            continue
        out = f"{out.rstrip('/')}/{piece.lstrip('/')}" if flask and out else out + piece
    out = _MULTI_SLASH.sub("/", out)
    return out if out.startswith("/") else "/" + out


def _django_piece(raw: str, style: str) -> str:
    """One Django route in template form, without the leading slash normalize_path adds."""
    if not raw.strip("^$"):
        return ""
    body = raw.removeprefix("^") if style == "regex" else raw
    normalized = normalize_path(raw, style)
    return normalized if body.startswith("/") else normalized[1:]


def _django_url(pieces: Iterable[str]) -> str:
    """Django concatenates the routes of every include level as they are."""
    return _MULTI_SLASH.sub("/", "/" + "".join(pieces))


def _filter_params(info: _ClassInfo) -> list[str]:
    found = list(info.attr("filterset_fields") or ())
    backends = [b.rsplit(".", 1)[-1] for b in info.attr("filter_backends") or ()]
    if "SearchFilter" in backends and info.attr("search_fields"):
        found.append("search")
    if "OrderingFilter" in backends:
        found.append("ordering")
    return found
