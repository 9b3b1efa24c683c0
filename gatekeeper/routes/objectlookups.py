"""Object-level authorization facts for JavaScript/TypeScript, Go and Java routes: whether a
route's handler looks an object up by a path parameter, and whether it mentions the caller.

The gk-routes-{js,go,java}-object inventory rules report both per function; they are attached
to the routes whose handler is that function (same name, and class for Java and NestJS, in the
same service). A name that stands for two functions is left alone: a wrong attachment would be
a false finding. A route that reads a user's profile by its handle (`FindOneUser`,
`findByUsername`, `getProfile`) shows what every signed-in user may see; only changes count there.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.routes.model import ANY_METHOD, Route, normalize_path, path_key
from gatekeeper.routes.sgtext import ANONYMOUS, string_literal
from gatekeeper.stack import is_test_path

JS_OBJECT = "gk-routes-js-object"
GO_OBJECT = "gk-routes-go-object"
JAVA_OBJECT = "gk-routes-java-object"
RULES = frozenset({JS_OBJECT, GO_OBJECT, JAVA_OBJECT})
MAX_FUNCTIONS = 20_000
MAX_LOOKUPS = 8  # lookups kept per function (the first one names the finding)
MAX_LOOKUP_CHARS = 120
# Frameworks whose handler names are "Class.method" with the class as declared.
_CLASS_QUALIFIED = frozenset({"nestjs", "spring", "jax-rs"})
_VERBS = {"del": "DELETE", "all": ANY_METHOD}
_SPACE = re.compile(r"\s+")
# A lookup of the user record itself, by its public handle: FindOneUser, findByUsername.
_PROFILE_LOOKUP = re.compile(
    r"(?:user|profile|account|member)s?$|by_?(?:user_?name|login|handle|nickname)$", re.IGNORECASE
)
_READS = frozenset({"GET", "HEAD"})

ServiceOf = Callable[[str], object]


@dataclass(frozen=True, slots=True)
class HandlerFacts:
    """What the object rules saw in one function (or one inline route handler)."""

    file: str
    name: str  # the function's own name; "" for an inline handler
    cls: str  # its class (Java, TypeScript classes, Go receiver type), else ""
    lookups: tuple[str, ...]
    checked: bool  # the function mentions the caller
    verb: str = ""  # inline handler: the registration's verb and path as written
    path: str = ""
    line: int = 0  # first line of a match in it


@dataclass(slots=True)
class _Group:
    classes: set[str]
    lookups: dict[str, None]
    checked: bool = False
    line: int = 0


def collect(matches: Iterable[InventoryMatch]) -> list[HandlerFacts]:
    """One HandlerFacts per function the object rules matched in, outside test files; a name
    seen with two classes (or receivers) in one file is dropped."""
    groups: dict[tuple[str, str, str, str], _Group] = {}
    for match in matches:
        if match.rule not in RULES or is_test_path(match.path):
            continue
        name = (match.get("FUNC") or "").rsplit(".", 1)[-1].strip()
        verb = path = ""
        if not name:
            verb, path = (match.get("VERB") or "").strip(), (match.get("PATH") or "").strip()
            if not verb or not path:
                continue
        key = (match.path, name, verb, path)
        group = groups.get(key)
        if group is None:
            if len(groups) >= MAX_FUNCTIONS:
                continue
            group = groups[key] = _Group(set(), {}, line=match.line)
        owner = (match.get("CLASS") or match.get("RTYPE") or "").lstrip("*").strip()
        if owner:
            group.classes.add(owner)
        group.line = min(group.line, match.line)
        lookup = match.get("LOOKUP")
        if lookup and len(group.lookups) < MAX_LOOKUPS:
            group.lookups[_SPACE.sub("", lookup)[:MAX_LOOKUP_CHARS]] = None
        if match.get("CALLER"):
            group.checked = True
    out: list[HandlerFacts] = []
    for (file, name, verb, path), group in sorted(groups.items()):
        if len(group.classes) > 1:
            continue  # two functions of one name in one file: which is the handler is unknown
        cls = next(iter(group.classes), "")
        lookups = tuple(group.lookups)
        out.append(HandlerFacts(file, name, cls, lookups, group.checked, verb, path, group.line))
    return out


def attach(
    routes: Sequence[Route], matches: Iterable[InventoryMatch], service_of: ServiceOf
) -> tuple[Route, ...]:
    """`routes` with `object_lookups` and `owner_checked` set from their handler's facts."""
    facts = collect(matches)
    if not facts:
        return tuple(routes)
    named: dict[tuple[object, str, str], list[HandlerFacts]] = defaultdict(list)
    inline: dict[str, list[HandlerFacts]] = defaultdict(list)
    for seen in facts:
        if seen.name:
            named[(service_of(seen.file), _language(seen.file), seen.name)].append(seen)
        else:
            inline[seen.file].append(seen)
    registrations: dict[str, list[int]] = defaultdict(list)  # lines routes are bound at, per file
    for route in routes:
        registrations[route.file].append(route.line)
    for lines in registrations.values():
        lines.sort()
    out: list[Route] = []
    for route in routes:
        fact: HandlerFacts | None
        if route.handler == ANONYMOUS:
            fact = _inline_handler(route, registrations, inline.get(route.file, ()))
        else:
            name = route.handler.rsplit(".", 1)[-1]
            candidates = named.get((service_of(route.file), _language(route.file), name), [])
            fact = _named_handler(route, candidates)
        if fact is None:
            out.append(route)
            continue
        lookups = fact.lookups
        if route.method in _READS:
            lookups = tuple(x for x in lookups if not _PROFILE_LOOKUP.search(x.rsplit(".", 1)[-1]))
        out.append(replace(route, object_lookups=lookups, owner_checked=fact.checked))
    return tuple(out)


def _language(path: str) -> str:
    if path.endswith(".go"):
        return "go"
    return "java" if path.endswith(".java") else "js"


def _named_handler(route: Route, candidates: Sequence[HandlerFacts]) -> HandlerFacts | None:
    """The one function `route.handler` names: by class and name where handlers are written
    `Class.method`, in the handler's package for a qualified Go handler, else by name alone."""
    qualifier, _, _ = route.handler.rpartition(".")
    if route.framework in _CLASS_QUALIFIED or route.file.endswith(".java"):
        if not qualifier:
            return None
        candidates = [c for c in candidates if c.cls == qualifier.rsplit(".", 1)[-1]]
    elif route.file.endswith(".go") and qualifier:
        in_package = [c for c in candidates if _package(c.file) == qualifier]
        candidates = in_package or candidates
    return candidates[0] if len(candidates) == 1 else None


def _package(path: str) -> str:
    return posixpath.basename(posixpath.dirname(path))


def _inline_handler(
    route: Route, registrations: Mapping[str, Sequence[int]], facts: Sequence[HandlerFacts]
) -> HandlerFacts | None:
    """The inline handler registered by `route`: written with its verb and path, after the
    registration line and before the next registration in the same file."""
    mine = [f for f in facts if _same_registration(route, f)]
    if len(mine) != 1 or mine[0].line < route.line:
        return None
    lines = registrations.get(route.file, ())
    following = bisect.bisect_right(lines, route.line)
    if following < len(lines) and lines[following] <= mine[0].line:
        return None  # the handler belongs to a later registration
    return mine[0]


def _same_registration(route: Route, fact: HandlerFacts) -> bool:
    method = _VERBS.get(fact.verb.lower(), fact.verb.upper())
    literal = string_literal(fact.path)
    if method != route.method or literal is None:
        return False
    written = path_key(normalize_path(literal, "colon"))
    served = path_key(route.url_path)
    return served == written or (written != "/" and served.endswith(written))
