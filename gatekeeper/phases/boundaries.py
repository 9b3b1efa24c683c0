"""Import graphs of JavaScript/TypeScript, Go and Java services, for scalability.service_boundaries.

Each graph has the service's first-level packages as nodes and an edge wherever a file of one
imports a file of another, cited at its first import; route files importing a database driver are
listed too. Built from the workers' import facts and a few manifests, never by running the code.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from gatekeeper.errors import GatekeeperError
from gatekeeper.extract.imports import FileImports
from gatekeeper.phases.base import Context
from gatekeeper.routes import inventory
from gatekeeper.routes.inventory import ENGINE_FRAMEWORKS, ServiceApi
from gatekeeper.stack import is_test_path
from gatekeeper.yamlsafe import load_json

MAX_FILES = 20_000  # source files per service and language; more and the graph is not judged
MAX_IMPORTS_PER_FILE = 2_000
_MAX_CONFIG_BYTES = 256 * 1024

# Database drivers and clients, not ORMs or query builders (the meaning of Python's _DRIVERS).
JS_DRIVERS = (
    "pg",
    "pg-promise",
    "postgres",
    "mysql",
    "mysql2",
    "mongodb",
    "sqlite3",
    "better-sqlite3",
    "node:sqlite",
    "oracledb",
    "mssql",
    "tedious",
    "@aws-sdk/client-dynamodb",
    "@aws-sdk/lib-dynamodb",
)
GO_DRIVERS = (
    "database/sql",
    "github.com/jackc/pgx",
    "github.com/lib/pq",
    "go.mongodb.org/mongo-driver",
    "github.com/go-sql-driver/mysql",
    "github.com/mattn/go-sqlite3",
    "github.com/aws/aws-sdk-go-v2/service/dynamodb",
    "github.com/aws/aws-sdk-go/service/dynamodb",
)
JAVA_DRIVERS = (
    "java.sql",
    "javax.sql",
    "com.mongodb",
    "org.postgresql",
    "com.mysql",
    "software.amazon.awssdk.services.dynamodb",
    "com.amazonaws.services.dynamodbv2",
)

_JS_EXTENSIONS = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
# TypeScript's ESM convention: `./user.js` in the source names `user.ts`.
_JS_TWINS = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
# Go directories that group packages rather than being one: their children are first-level.
_GO_GROUPS = frozenset({"internal", "pkg", "cmd"})
# Maven/Gradle source sets other than main (component-test, integration-test ...) are not the
# service's code, whatever their directory is called.
_OTHER_SOURCE_SET = re.compile(r"(?:^|/)src/(?!main/)[^/]+/(?:java|kotlin)/")
_GO_MODULE = re.compile(r"^\s*module\s+\"?([^\s\"]+)\"?", re.MULTILINE)
_JSONC_NOISE = re.compile(r'("(?:[^"\\\n]|\\.)*")|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)
_TRAILING_COMMA = re.compile(r'("(?:[^"\\\n]|\\.)*")|,(\s*[}\]])')


@dataclass(frozen=True, slots=True)
class PackageGraph:
    """First-level packages of one language of a service, and the imports between them."""

    language: str  # "JavaScript/TypeScript", "Go", "Java" or "Python"
    graph: nx.DiGraph
    sites: Mapping[tuple[str, str], tuple[str, int]]  # edge -> first import (file, line)


@dataclass(frozen=True, slots=True, order=True)
class DriverImport:
    path: str
    line: int
    module: str


@dataclass(frozen=True, slots=True)
class Boundaries:
    graphs: tuple[PackageGraph, ...]
    drivers: tuple[DriverImport, ...]  # route files that import a driver, first import each
    gaps: tuple[str, ...]  # why part of the service could not be judged


@dataclass(frozen=True, slots=True)
class _Source:
    path: str
    imports: tuple[tuple[str, int], ...]
    package: str  # Java's package declaration


def judge(ctx: Context, svc: ServiceApi) -> Boundaries:
    """The graphs and route-file driver imports of the service's JS/TS, Go and Java code.

    Judged: the languages its web frameworks' routes are read from (Express: JS/TS), or, in a
    service without such a framework and without Python, every one of them it is written in.
    A Django app's static JavaScript is not its code structure. When the service's routes are
    unknown (semgrep did not run), driver imports in route files are a gap.
    """
    languages = _judged_languages(svc)
    graphs: list[PackageGraph] = []
    drivers: list[DriverImport] = []
    gaps: list[str] = []
    builders: tuple[tuple[frozenset[str], str, _Builder, tuple[str, ...]], ...] = (
        (frozenset({"javascript", "typescript"}), "JavaScript/TypeScript", _js_graph, JS_DRIVERS),
        (frozenset({"go"}), "Go", _go_graph, GO_DRIVERS),
        (frozenset({"java"}), "Java", _java_graph, JAVA_DRIVERS),
    )
    route_files = {r.file for r in svc.routes}
    for wanted, label, build, driver_names in builders:
        if not languages & wanted:
            continue
        suffixes = _SUFFIXES[label]
        sources = _sources(ctx, svc, suffixes)
        if len(sources) > MAX_FILES:
            gaps.append(
                f"service {svc.service.name}: more than {MAX_FILES} {label} source files; "
                "the import graph was not built"
            )
            continue
        graph, sites = build(ctx, svc, sources)
        graphs.append(PackageGraph(label, graph, sites))
        drivers.extend(_drivers(sources, route_files, driver_names, label))
    if svc.gap is not None and graphs:
        gaps.append(
            f"service {svc.service.name}: {svc.gap}, so route files importing a driver are unknown"
        )
    return Boundaries(tuple(graphs), tuple(sorted(drivers)), tuple(gaps))


def _judged_languages(svc: ServiceApi) -> set[str]:
    languages = set(svc.service.names("language"))
    served = {
        language
        for framework in svc.frameworks
        if framework in ENGINE_FRAMEWORKS
        for language in ENGINE_FRAMEWORKS[framework][1]
    }
    if served:
        return languages & served
    return set() if "python" in languages else languages


_Builder = Callable[
    [Context, ServiceApi, list[_Source]],
    tuple[nx.DiGraph, dict[tuple[str, str], tuple[str, int]]],
]
_SUFFIXES = {
    "JavaScript/TypeScript": _JS_EXTENSIONS,
    "Go": (".go",),
    "Java": (".java", ".kt"),
}


def _sources(ctx: Context, svc: ServiceApi, suffixes: tuple[str, ...]) -> list[_Source]:
    """The service's non-test files with those suffixes that the workers read, sorted."""
    found: list[_Source] = []
    for path in sorted(ctx.file_facts):
        if (
            not path.endswith(suffixes)
            or path.endswith(".d.ts")
            or is_test_path(path)
            or _OTHER_SOURCE_SET.search(path)
            or inventory.service_for(path, ctx.services) is not svc.service
        ):
            continue
        for fact in ctx.file_facts[path].values():
            if isinstance(fact, FileImports):
                pairs = tuple((i.module, i.line) for i in fact.imports[:MAX_IMPORTS_PER_FILE])
                found.append(_Source(path, pairs, fact.package))
                break
    return found


def _drivers(
    sources: Iterable[_Source], route_files: set[str], names: tuple[str, ...], label: str
) -> list[DriverImport]:
    separator = "." if label == "Java" else "/"
    found: list[DriverImport] = []
    for source in sources:
        if source.path not in route_files:
            continue
        for module, line in source.imports:
            if any(module == n or module.startswith(n + separator) for n in names):
                found.append(DriverImport(source.path, line, module))
                break
    return found


def _add_edges(
    sources: Iterable[_Source],
    node_of: Callable[[_Source], str | None],
    target_of: Callable[[_Source, str], str | None],
) -> tuple[nx.DiGraph, dict[tuple[str, str], tuple[str, int]]]:
    graph: nx.DiGraph = nx.DiGraph()
    sites: dict[tuple[str, str], tuple[str, int]] = {}
    for source in sources:
        node = node_of(source)
        if node is None:
            continue
        graph.add_node(node)
        for module, line in source.imports:
            target = target_of(source, module)
            if target is not None and target != node:
                graph.add_edge(node, target)
                sites.setdefault((node, target), (source.path, line))
    return graph, sites


def _root_of(svc: ServiceApi) -> str:
    root = svc.service.root
    return "" if root in ("", ".") else root.rstrip("/") + "/"


def _below(path: str, root: str) -> str | None:
    return path[len(root) :] if path.startswith(root) else None


# ---------------------------------------------------------------------------- JavaScript/TypeScript


def _js_graph(
    ctx: Context, svc: ServiceApi, sources: list[_Source]
) -> tuple[nx.DiGraph, dict[tuple[str, str], tuple[str, int]]]:
    """Nodes: the directories (and files) directly under the source root, `src/` when present.

    When every directory of code there sits in one directory (`src/app/...`), the first level
    is that directory's children, as under Python's single top-level package.
    """
    root = _root_of(svc)
    base = f"{root}src/" if any(s.path.startswith(f"{root}src/") for s in sources) else root
    inside = [rest for s in sources if (rest := _below(s.path, base)) is not None]
    dirs = {rest.split("/")[0] for rest in inside if "/" in rest}
    loose = any("/" not in rest for rest in inside)
    if len(dirs) == 1 and not loose:
        base = f"{base}{dirs.pop()}/"
    aliases = _ts_aliases(ctx, root)

    def first_level(path: str) -> str | None:
        rest = _below(path, base)
        if rest is None:
            return None
        head = rest.split("/")[0]
        return head if "/" in rest else _strip_extension(head)

    def target(source: _Source, module: str) -> str | None:
        resolved = _resolve_js(ctx, source.path, module, aliases, root)
        return None if resolved is None else first_level(resolved)

    return _add_edges(sources, lambda s: first_level(s.path), target)


def _strip_extension(name: str) -> str:
    for suffix in _JS_EXTENSIONS:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True, slots=True)
class _Aliases:
    base_url: str | None  # repo-relative directory ("" for the root), None when not set
    paths: tuple[tuple[str, tuple[str, ...]], ...]  # pattern -> targets, repo-relative


def _ts_aliases(ctx: Context, root: str) -> _Aliases:
    """compilerOptions.baseUrl and paths of the service's tsconfig.json (no `extends`)."""
    path = f"{root}tsconfig.json"
    entry = ctx.index.get(path)
    if entry is None or entry.size > _MAX_CONFIG_BYTES:
        return _Aliases(None, ())
    try:
        data = load_json(_strip_jsonc(ctx.index.read_text(path).text), path)
    except (GatekeeperError, OSError, ValueError):
        return _Aliases(None, ())
    options = data.get("compilerOptions") if isinstance(data, dict) else None
    if not isinstance(options, dict):
        return _Aliases(None, ())
    base_url = options.get("baseUrl")
    base = _join(root, base_url) if isinstance(base_url, str) else None
    paths = options.get("paths")
    table: list[tuple[str, tuple[str, ...]]] = []
    if isinstance(paths, dict):
        for pattern, targets in list(paths.items())[:200]:
            if isinstance(targets, list):
                where = base if base is not None else root
                joined = (_join(where, t) for t in targets[:20] if isinstance(t, str))
                table.append((pattern, tuple(j for j in joined if j is not None)))
    return _Aliases(base, tuple(table))


def _strip_jsonc(text: str) -> str:
    """tsconfig.json is JSON with comments and trailing commas."""
    text = _JSONC_NOISE.sub(lambda m: m.group(1) or "", text)
    return _TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text)


def _join(directory: str, relative: str) -> str | None:
    """`directory` + `relative`, normalized; None when it leaves the repository."""
    if relative.startswith("/") or "\\" in relative:
        return None
    joined = posixpath.normpath(posixpath.join(directory or ".", relative))
    if joined == ".":
        return ""
    return None if joined.startswith("../") or joined == ".." else joined


def _resolve_js(
    ctx: Context, importer: str, module: str, aliases: _Aliases, root: str
) -> str | None:
    """The service file a relative or aliased import names, else None (a package)."""
    candidates: list[str] = []
    if module.startswith(("./", "../")) or module in (".", ".."):
        joined = _join(posixpath.dirname(importer), module)
        candidates = [] if joined is None else [joined]
    else:
        for pattern, targets in aliases.paths:
            star = _alias_match(pattern, module)
            if star is not None:
                candidates.extend(t.replace("*", star, 1) for t in targets)
        if not candidates and aliases.base_url is not None:
            joined = _join(aliases.base_url, module)
            candidates = [] if joined is None else [joined]
    for candidate in candidates:
        found = _js_file(ctx, candidate)
        if found is not None and found.startswith(root):
            return found
    return None


def _alias_match(pattern: str, module: str) -> str | None:
    """What `*` stands for when `module` matches the paths pattern ("" for an exact match)."""
    if "*" not in pattern:
        return "" if module == pattern else None
    prefix, _, suffix = pattern.partition("*")
    fits = module.startswith(prefix) and module.endswith(suffix)
    if fits and len(module) >= len(prefix) + len(suffix):
        return module[len(prefix) : len(module) - len(suffix)]
    return None


def _js_file(ctx: Context, path: str) -> str | None:
    """Node's and TypeScript's resolution of a file path: as is, + extension, /index.*."""
    stem, extension = posixpath.splitext(path)
    tries = [path] if extension else []
    tries += [stem + twin for twin in _JS_TWINS.get(extension, ())]
    tries += [path + ext for ext in _JS_EXTENSIONS]
    tries += [f"{path}/index{ext}" for ext in _JS_EXTENSIONS]
    return next((t for t in tries if ctx.index.get(t) is not None), None)


# ---------------------------------------------------------------------------- Go


def _go_graph(
    ctx: Context, svc: ServiceApi, sources: list[_Source]
) -> tuple[nx.DiGraph, dict[tuple[str, str], tuple[str, int]]]:
    """Nodes: the first directory under the module root (`.` for the root package).

    Under internal/, pkg/ and cmd/ the first level is one deeper (internal/orders): those
    directories group a module's packages by convention, and as one node they would hide
    every cycle among them.
    """
    modules = _go_modules(ctx, svc)

    def module_of(path: str) -> tuple[str, str] | None:
        # the deepest go.mod directory that holds the file
        holders = [(d, m) for d, m in modules if path.startswith(d)]
        return max(holders, key=lambda h: len(h[0])) if holders else None

    def first_level(directory: str, module_dir: str) -> str:
        parts = [p for p in directory.split("/") if p]
        depth = 2 if parts and parts[0] in _GO_GROUPS and len(parts) > 1 else 1
        level = "/".join(parts[:depth])
        shown = (module_dir + level).removeprefix(_root_of(svc)).strip("/")
        return shown or "."

    def node(source: _Source) -> str | None:
        held = module_of(source.path)
        if held is None:
            return None
        return first_level(posixpath.dirname(source.path[len(held[0]) :]), held[0])

    def target(source: _Source, module: str) -> str | None:
        held = module_of(source.path)
        if held is None:
            return None
        directory, name = held
        if module == name:
            return first_level("", directory)
        if not module.startswith(name + "/"):
            return None
        return first_level(module[len(name) + 1 :], directory)

    return _add_edges(sources, node, target)


def _go_modules(ctx: Context, svc: ServiceApi) -> list[tuple[str, str]]:
    """(directory with a trailing slash or "", module path) of each go.mod in the service."""
    found: list[tuple[str, str]] = []
    for entry in ctx.index.find_names("go.mod"):
        if entry.size > _MAX_CONFIG_BYTES:
            continue
        if inventory.service_for(entry.path, ctx.services) is not svc.service:
            continue
        try:
            text = ctx.index.read_text(entry.path).text
        except (GatekeeperError, OSError, ValueError):
            continue
        match = _GO_MODULE.search(text)
        if match is not None:
            directory = posixpath.dirname(entry.path)
            found.append((f"{directory}/" if directory else "", match.group(1)))
    return found


# ---------------------------------------------------------------------------- Java


def _java_graph(
    _ctx: Context, _svc: ServiceApi, sources: list[_Source]
) -> tuple[nx.DiGraph, dict[tuple[str, str], tuple[str, int]]]:
    """Nodes: the base package (the longest common prefix of the declared packages) and one
    segment more (com.acme.shop.orders). An import (single-type, static or `.*`) of a class in
    another first-level package is an edge; references within a package need no import and
    are not seen, nor are fully qualified names written in the code."""
    declared = {s.package for s in sources if s.package}
    if not declared:
        return nx.DiGraph(), {}
    split = [p.split(".") for p in sorted(declared)]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    base = ".".join(common)

    def first_level(package: str) -> str | None:
        if package == base:
            return base or None
        if base and not package.startswith(base + "."):
            return None
        rest = package[len(base) + 1 :] if base else package
        head = rest.split(".")[0]
        return f"{base}.{head}" if base else head

    def target(_source: _Source, module: str) -> str | None:
        parts = module.removesuffix(".*").split(".")
        for size in range(len(parts), 0, -1):
            prefix = ".".join(parts[:size])
            if prefix in declared:
                return first_level(prefix)
        return None

    return _add_edges(sources, lambda s: first_level(s.package) if s.package else None, target)
