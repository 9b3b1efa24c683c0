"""The API inventory of one audit: routes from the code, operations from the specs, and which
of them match, per service. Built once (Context.cached) and shared by every phase that needs it.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from gatekeeper.engines.openapi import SpecCandidate, SpecResult, SpecStatus
from gatekeeper.engines.semgrep import MAX_INVENTORY_MATCHES, EngineFacts
from gatekeeper.errors import GatekeeperError
from gatekeeper.model import Evidence, Service
from gatekeeper.repo import RepoIndex
from gatekeeper.routes import golang, java, nestjs, node, objectlookups
from gatekeeper.routes import python as pyroutes
from gatekeeper.routes.model import (
    SPEC_PUBLIC,
    SPEC_REQUIRED,
    AppHook,
    Mount,
    Route,
    join_paths,
    path_key,
)
from gatekeeper.routes.python import SPEC_BASE_SEPARATOR
from gatekeeper.routes.sgtext import EngineRoutes
from gatekeeper.routes.spec import SpecDocument, SpecOperation, load_spec
from gatekeeper.stack import is_test_path

# Frameworks whose routes gatekeeper extracts; a service on another one has an unknown surface.
ROUTE_FRAMEWORKS = frozenset(
    {
        "fastapi",
        "flask",
        "django",
        "aiohttp",
        "connexion",
        "express",
        "gin",
        "spring-boot",
        "nestjs",
        "echo",
        "chi",
        "gorilla-mux",
        "httprouter",
        "net/http",
        "koa",
        "fastify",
        "jax-rs",
    }
)
# Those read from the semgrep run's inventory rules (rules/routes/): the stack's framework name,
# the label its routes carry, and the languages of the files they are read from.
ENGINE_FRAMEWORKS: Mapping[str, tuple[str, frozenset[str]]] = {
    "express": (node.FRAMEWORK, frozenset({"javascript", "typescript"})),
    "gin": (golang.FRAMEWORK, frozenset({"go"})),
    "spring-boot": (java.FRAMEWORK, frozenset({"java"})),
    "jax-rs": (java.JAXRS, frozenset({"java"})),
    "nestjs": (nestjs.FRAMEWORK, frozenset({"typescript"})),
    "koa": (node.KOA, frozenset({"javascript", "typescript"})),
    "fastify": (node.FASTIFY, frozenset({"javascript", "typescript"})),
    "echo": (golang.ECHO, frozenset({"go"})),
    "chi": (golang.CHI, frozenset({"go"})),
    "gorilla-mux": (golang.MUX, frozenset({"go"})),
    "httprouter": (golang.HTTPROUTER, frozenset({"go"})),
    "net/http": (golang.NET_HTTP, frozenset({"go"})),
}
PYTHON_ROUTES = "routes.python"  # the extractor whose per-file facts hold Python declarations
MAX_SCHEMA_FILES = 200


@dataclass(frozen=True, slots=True)
class Spec:
    """One spec document: where it was found, how validation ended, what it declares."""

    candidate: SpecCandidate
    result: SpecResult
    document: SpecDocument

    @property
    def path(self) -> str:
        return self.candidate.path

    @property
    def usable(self) -> bool:
        """Validation finished (valid or invalid) and the document could be read."""
        return self.result.status != SpecStatus.ERROR and self.document.error is None


@dataclass(frozen=True, slots=True)
class ServiceApi:
    """What one service serves and declares."""

    service: Service
    routes: tuple[Route, ...]
    hooks: tuple[AppHook, ...]
    specs: tuple[Spec, ...]  # its own specs, or the repository's shared ones
    covered: bool  # gatekeeper extracts routes for (one of) its frameworks
    frameworks: tuple[str, ...]
    api_styles: tuple[str, ...]
    gap: str | None = None  # why its routes are unknown when they could be read (semgrep ...)

    @property
    def operations(self) -> tuple[SpecOperation, ...]:
        return tuple(op for s in self.specs if s.usable for op in s.document.operations)


@dataclass(frozen=True, slots=True)
class ApiInventory:
    services: tuple[ServiceApi, ...]
    specs: tuple[Spec, ...]
    problems: tuple[tuple[str, int, str], ...]  # (file, line, message) from route resolution
    unparsed: tuple[tuple[str, str], ...]  # (file, reason): route files that could not be read
    schema_files: tuple[Evidence, ...]  # GraphQL schemas and .proto services
    orphans: tuple[Route, ...] = ()  # routes in no detected service (no manifest above them)


def service_for(path: str, services: Sequence[Service]) -> Service | None:
    """The service whose root is the longest directory prefix of `path`."""
    best: Service | None = None
    for service in services:
        root = service.root
        inside = root in ("", ".") or path == root or path.startswith(root.rstrip("/") + "/")
        if inside and (best is None or len(root.strip(".")) > len(best.root.strip("."))):
            best = service
    return best


def build(
    index: RepoIndex,
    services: Sequence[Service],
    file_facts: Mapping[str, Mapping[str, object]],
    specs: Sequence[tuple[SpecCandidate, SpecResult]],
    engine_facts: EngineFacts | None = None,
) -> ApiInventory:
    """The inventory; `engine_facts` are the semgrep run's inventory matches, without which
    (None, or an `error`) the routes of services on ENGINE_FRAMEWORKS are unknown."""
    decls = {
        path: facts[PYTHON_ROUTES]
        for path, facts in file_facts.items()
        if PYTHON_ROUTES in facts and facts[PYTHON_ROUTES] is not None
    }
    resolved = pyroutes.resolve_python(decls)  # type: ignore[arg-type]
    unparsed = tuple(sorted(pyroutes.unparsed_files(decls)))  # type: ignore[arg-type]

    def read(path: str) -> str:
        if index.get(path) is None:
            raise GatekeeperError(f"{path}: not an indexed file (excluded, ignored or missing)")
        return index.read_text(path).text

    loaded = tuple(
        Spec(candidate, result, load_spec(candidate.path, read))
        for candidate, result in sorted(specs, key=lambda pair: pair[0].path)
    )
    spec_routes, spec_problems, mounted = _spec_bound_routes(resolved.hooks, loaded)
    # A spec mounted under a base path (connexion `base_path=`) is served under it instead
    # of its `servers`: compare the code with it there.
    loaded = tuple(_rebased(s, mounted[s.path]) if s.path in mounted else s for s in loaded)
    engine, unknown = _engine_routes(index, services, engine_facts)
    all_routes = (*resolved.routes, *spec_routes, *engine.routes)
    all_hooks = (*resolved.hooks, *engine.hooks)
    unparsed = tuple(sorted({*unparsed, *_unscanned(index, services, engine_facts)}))
    per_service: list[ServiceApi] = []
    for service in sorted(services, key=lambda s: s.root):
        mine = [r for r in all_routes if service_for(r.file, services) is service]
        hooks = [h for h in all_hooks if service_for(h.file, services) is service]
        own = [s for s in loaded if service_for(s.path, services) is service]
        shared = [s for s in loaded if service_for(s.path, services) is None]
        frameworks = service.names("framework")
        unread = sorted(set(frameworks) & ENGINE_FRAMEWORKS.keys()) if unknown else []
        per_service.append(
            ServiceApi(
                service=service,
                routes=tuple(sorted(mine)),
                hooks=tuple(sorted(hooks)),
                specs=tuple(own or shared),
                covered=bool(set(frameworks) & ROUTE_FRAMEWORKS) and not unread,
                frameworks=frameworks,
                api_styles=service.names("api_style"),
                gap=f"routes of {', '.join(unread)} are unknown ({unknown})" if unread else None,
            )
        )
    return ApiInventory(
        tuple(per_service),
        loaded,
        tuple(sorted((*resolved.problems, *spec_problems, *engine.problems))),
        unparsed,
        _schema_files(index),
        tuple(sorted(r for r in all_routes if service_for(r.file, services) is None)),
    )


def _engine_routes(
    index: RepoIndex, services: Sequence[Service], facts: EngineFacts | None
) -> tuple[EngineRoutes, str | None]:
    """Node, Go and Java routes from the inventory matches, each kept only in a service that
    uses its framework (or in none); and why they are unknown, when they are."""
    if facts is None:
        return EngineRoutes(), "semgrep did not run"
    if facts.error is not None:
        return EngineRoutes(), facts.error
    if facts.capped:
        return EngineRoutes(), (
            f"semgrep's inventory rules matched more than {MAX_INVENTORY_MATCHES} times; "
            "the rest were not kept"
        )
    lines_of = _lines_reader(index)
    parts = (
        node.resolve(facts.matches, (e.path for e in index.files), lines_of),
        golang.resolve(facts.matches, lines_of),
        java.resolve(facts.matches, lines_of),
        nestjs.resolve(facts.matches, lines_of),
    )
    labels = {label: name for name, (label, _) in ENGINE_FRAMEWORKS.items()}

    def wanted(path: str, *label: str) -> bool:
        service = service_for(path, services)
        return service is None or any(labels[x] in service.names("framework") for x in label)

    # Each resolver's problems concern any of the frameworks it reads.
    read_by = (
        (node.FRAMEWORK, node.KOA, node.FASTIFY),
        (golang.FRAMEWORK, golang.ECHO, golang.CHI, golang.MUX, golang.HTTPROUTER, golang.NET_HTTP),
        (java.FRAMEWORK, java.JAXRS),
        (nestjs.FRAMEWORK,),
    )
    return EngineRoutes(
        objectlookups.attach(
            tuple(r for part in parts for r in part.routes if wanted(r.file, r.framework)),
            facts.matches,
            lambda path: service_for(path, services),
        ),
        tuple(h for part in parts for h in part.hooks if wanted(h.file, h.framework)),
        tuple(
            p
            for part, frameworks in zip(parts, read_by, strict=True)
            for p in part.problems
            if wanted(p[0], *frameworks)
        ),
    ), None


def _unscanned(
    index: RepoIndex, services: Sequence[Service], facts: EngineFacts | None
) -> list[tuple[str, str]]:
    """(file, reason) for each source file semgrep did not read in a service whose framework's
    routes come from it: its routes may be missing."""
    if facts is None or facts.error is not None:
        return []
    out: list[tuple[str, str]] = []
    for unread in facts.unscanned:
        entry = index.get(unread.path)
        service = service_for(unread.path, services)
        if entry is None or service is None or is_test_path(unread.path):
            continue
        for name in set(service.names("framework")) & ENGINE_FRAMEWORKS.keys():
            if entry.language in ENGINE_FRAMEWORKS[name][1]:
                out.append((unread.path, f"semgrep did not read it: {unread.reason}"))
                break
    return out


def _lines_reader(index: RepoIndex) -> Callable[[str], Sequence[str] | None]:
    cache: dict[str, Sequence[str] | None] = {}

    def lines_of(path: str) -> Sequence[str] | None:
        if path not in cache:
            try:
                cache[path] = index.read_text(path).text.splitlines() if index.get(path) else None
            except (GatekeeperError, OSError, ValueError):
                cache[path] = None
        return cache[path]

    return lines_of


def _rebased(spec: Spec, bases: set[str]) -> Spec:
    ops = tuple(replace(op, base_paths=tuple(sorted(bases))) for op in spec.document.operations)
    return replace(spec, document=replace(spec.document, operations=ops))


def _spec_bound_routes(
    hooks: Sequence[AppHook], specs: Sequence[Spec]
) -> tuple[list[Route], list[tuple[str, int, str]], dict[str, set[str]]]:
    """Routes of spec-first apps (connexion `add_api("openapi.yaml")`): one per operation.

    connexion resolves the file against the app's `specification_dir`; the spec is taken as
    the discovered one in the calling file's directory tree whose path ends with that name.
    """
    routes: list[Route] = []
    problems: list[tuple[str, int, str]] = []
    mounted: dict[str, set[str]] = {}
    readable = [s for s in specs if s.document.error is None]
    for hook in hooks:
        if hook.kind != "spec_api":
            continue
        name, _, base = hook.name.partition(SPEC_BASE_SEPARATOR)
        here = posixpath.dirname(hook.file)
        wanted = posixpath.normpath(posixpath.join(here, name)) if name else ""
        under = [
            s
            for s in readable
            if s.path == wanted
            or (
                (not here or s.path.startswith(here + "/"))
                and s.path.endswith("/" + name.lstrip("./"))
            )
        ]
        if not under:
            problems.append(
                (hook.file, hook.line, f"add_api({name!r}): no readable spec by that name here")
            )
            continue
        spec = min(under, key=lambda s: (len(s.path), s.path))
        mount = Mount(hook.file, hook.line, base or "", "add_api")
        if base:
            mounted.setdefault(spec.path, set()).add(base)
        for op in spec.document.operations:
            prefix = base or (op.base_paths[0] if op.base_paths else "")
            routes.append(
                Route(
                    file=op.file,
                    line=op.line,
                    method=op.method,
                    url_path=join_paths(prefix, op.path) if prefix else op.path,
                    handler=op.operation_id or "(resolver)",
                    framework="connexion",
                    mounts=(mount,),
                    request_model="requestBody" if op.request_schema else None,
                    response_model="spec" if op.response_schema else None,
                    response_is_list=op.response_is_list,
                    query_params=op.query_params,
                    # connexion enforces the operation's security requirement before the
                    # handler runs, and lets `security: []` through: the spec is the check
                    dependencies=_spec_security(op, spec.path),
                )
            )
    return routes, problems, mounted


def _spec_security(op: SpecOperation, spec: str) -> tuple[str, ...]:
    if op.security == "required":
        return (f"{SPEC_REQUIRED}{spec}:{op.line} security requirement",)
    if op.security == "public":
        return (f"{SPEC_PUBLIC}{spec}:{op.line} security: []",)
    return ()


def _schema_files(index: RepoIndex) -> tuple[Evidence, ...]:
    """GraphQL SDL files and .proto files that declare a service: the contracts of those styles."""
    found: list[Evidence] = []
    for entry in index.files:
        lowered = entry.path.lower()
        if lowered.endswith((".graphql", ".gql", ".graphqls")):
            marker, what = ("type query", "GraphQL schema")
        elif lowered.endswith(".proto"):
            marker, what = ("service ", "protobuf service")
        else:
            continue
        if len(found) >= MAX_SCHEMA_FILES:
            break
        try:
            text = index.read_text(entry.path).text
        except (GatekeeperError, OSError, ValueError):
            continue
        for number, line in enumerate(text.splitlines()[:20_000], 1):
            if line.lstrip().lower().startswith(marker):
                found.append(Evidence(entry.path, number, f"{what}: {line.strip()[:80]}"))
                break
    return tuple(sorted(found))


# ---------------------------------------------------------------------------- matching


def operation_keys(op: SpecOperation) -> frozenset[str]:
    """The comparison keys under which code may serve `op`: with and without the base path."""
    return frozenset(path_key(p) for p in (*op.full_paths(), op.path))


def is_operational(path: str, patterns: Sequence[str]) -> bool:
    """Health, metrics, docs and admin paths, exempt from versioning and drift (config list)."""
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)
