"""Spring routes declared in code instead of annotations: WebFlux and WebMvc.fn RouterFunctions
(`route(GET("/x"), h)`, the `route()` builder, `nest(path(...))` and `.path("/api", b -> ...)`
prefixes) and Spring Cloud Gateway route locators (`r.path(...).and().method(...).uri(...)`),
read from the text of the methods the inventory rules point at; gateway routes declared in a
module's application.yml or application.properties too.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.routes.model import ANY_METHOD, HTTP_METHODS, Mount, Route, join_paths
from gatekeeper.routes.model import normalize_path as _normalize
from gatekeeper.routes.sgtext import EngineRoutes, joined_string, split_args, string_literal
from gatekeeper.stack import is_test_path
from gatekeeper.yamlsafe import DataFormatError, load_yaml_all_with_lines

FUNCTIONAL = "gk-routes-java-functional"
GATEWAY = "gk-routes-java-gateway"
FRAMEWORK = "spring"
# Gateway routes would be labelled "spring-cloud-gateway", once the inventory keeps that label
# in a Spring Boot service; until then they carry the Spring label (see ENGINE_FRAMEWORKS).
GATEWAY_FRAMEWORK = "spring"
MAX_METHOD_LINES = 600
MAX_TEXT_CHARS = 60_000
MAX_CALLS = 5_000
MAX_CONFIG_LINES = 5_000
MAX_HANDLER_CHARS = 80

_VERBS = frozenset(HTTP_METHODS)
_CALL_START = re.compile(r"[\w$.]{1,200}\s{0,20}\(")
_COMBINERS = frozenset({"and", "or"})
_ROUTE_CALLS = frozenset({"route", "andRoute"})
_NESTS = frozenset({"nest", "andNest"})
_IDENT = re.compile(r"[A-Za-z_$][\w$]{0,100}")
_VERB_WORD = re.compile(r"\b(" + "|".join(HTTP_METHODS) + r")\b")
_CONFIG_KEYS = ("spring.cloud.gateway.routes", "spring.cloud.gateway.server.webflux.routes")
_PROPERTY = re.compile(
    r"^\s{0,20}spring\.cloud\.gateway(?:\.server\.webflux)?\.routes\[(\d{1,4})\]"
    r"\.(predicates\[\d{1,4}\]|uri)\s{0,20}[=:]\s{0,20}(\S.{0,500}?)\s{0,20}$"
)
_CONFIG_FILES = ("application.yml", "application.yaml", "application.properties")
_Found = Iterator[tuple[Route | None, tuple[str, int, str] | None]]  # a route or a problem


@dataclass(frozen=True, slots=True)
class _Call:
    """One call `qualifier.name(args)` in a method's text, with offsets into that text."""

    name: str
    qualifier: str  # the receiver when it is a plain name ("RequestPredicates", "r"), else ""
    chained: bool  # called on something (`x.name(`, `).name(`)
    start: int  # offset of the name
    args: tuple[tuple[int, int], ...]  # spans of the top-level arguments
    parent: int  # index of the innermost call whose parentheses hold this one, -1 for none


@dataclass(frozen=True, slots=True)
class _Source:
    """A method's text (comments blanked) and the line its first character is on."""

    file: str
    text: str
    first_line: int
    newlines: tuple[int, ...]

    def line(self, offset: int) -> int:
        return self.first_line + bisect.bisect_right(self.newlines, offset - 1)

    def arg(self, call: _Call, index: int) -> str:
        start, end = call.args[index]
        return self.text[start:end].strip()


def resolve(
    rules: Mapping[str, list[InventoryMatch]],
    constants: Mapping[str, str],
    lines_of: Callable[[str], Sequence[str] | None],
) -> EngineRoutes:
    """Functional and gateway routes of the methods the two rules matched (test files left
    out), and gateway routes in the config of each @SpringBootApplication module."""
    routes: set[Route] = set()
    problems: set[tuple[str, int, str]] = set()
    for rule, reader in ((FUNCTIONAL, _functional), (GATEWAY, _gateway)):
        for match in rules.get(rule, ()):
            if is_test_path(match.path) or match.get("METHOD") is None:
                continue
            source = _source(match, lines_of)
            if source is not None:
                for route, problem in reader(source, constants):
                    if route is not None:
                        routes.add(route)
                    if problem is not None:
                        problems.add(problem)
    modules = {
        m.path.partition("src/main/java/")[0]
        for m in rules.get(GATEWAY, ())
        if m.get("APP") is not None and "src/main/java/" in m.path and not is_test_path(m.path)
    }
    for module in sorted(modules):
        for route, problem in _config_routes(module, lines_of):
            if route is not None:
                routes.add(route)
            if problem is not None:
                problems.add(problem)
    return EngineRoutes(tuple(sorted(routes)), (), tuple(sorted(problems)))


def _source(
    match: InventoryMatch, lines_of: Callable[[str], Sequence[str] | None]
) -> _Source | None:
    lines = lines_of(match.path)
    if lines is None:
        return None
    end = min(match.end_line, match.line + MAX_METHOD_LINES, len(lines))
    text = _blank_comments("\n".join(lines[match.line - 1 : end])[:MAX_TEXT_CHARS])
    newlines = tuple(i for i, ch in enumerate(text) if ch == "\n")
    return _Source(match.path, text, match.line, newlines)


def _blank_comments(text: str) -> str:
    """`//` and `/* */` comments as spaces (newlines kept), string and char literals as is."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            i += 1
            while i < n and text[i] != ch and text[i] != "\n":
                i += 2 if text[i] == "\\" else 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            stop = n if close < 0 else close + 2
            for j in range(i, stop):
                out[j] = out[j] if text[j] == "\n" else " "
            i = stop
            continue
        i += 1
    return "".join(out)


def _calls(text: str) -> list[_Call]:
    """Every `name(...)` call in `text`, in order of its opening parenthesis."""
    calls: list[_Call] = []
    frames: list[tuple[int, str, str, bool, int, list[tuple[int, int]], int, int]] = []
    closers: list[str] = []
    i, n = 0, len(text)
    while i < n and len(calls) < MAX_CALLS:
        ch = text[i]
        if ch in "\"'":
            i += 1
            while i < n and text[i] != ch and text[i] != "\n":
                i += 2 if text[i] == "\\" else 1
        elif ch == "(":
            name, qualifier, chained, start = _callee(text, i)
            parent = frames[-1][0] if frames else -1
            frames.append((len(calls), name, qualifier, chained, start, [], i + 1, parent))
            calls.append(_Call(name, qualifier, chained, start, (), parent))
            closers.append(")")
        elif ch in "[{":
            closers.append("]" if ch == "[" else "}")
        elif closers and ch == closers[-1]:
            closers.pop()
            if ch == ")" and frames:
                index, name, qualifier, chained, start, args, arg_start, parent = frames.pop()
                if text[arg_start:i].strip():
                    args.append((arg_start, i))
                calls[index] = _Call(name, qualifier, chained, start, tuple(args), parent)
        elif ch == "," and frames and closers and closers[-1] == ")":
            frame = frames[-1]
            frame[5].append((frame[6], i))
            frames[-1] = (*frame[:6], i + 1, frame[7])
        i += 1
    return calls


def _callee(text: str, paren: int) -> tuple[str, str, bool, int]:
    """The name before an opening parenthesis, its plain-name receiver, whether it is called
    on something, and where the name starts; ("", "", False, paren) for a bare `(`."""
    end = paren
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$"):
        start -= 1
    name = text[start:end]
    if not _IDENT.fullmatch(name):
        return "", "", False, paren
    before = start
    while before > 0 and text[before - 1].isspace():
        before -= 1
    if before == 0 or text[before - 1] != ".":
        return name, "", False, start
    q_end = before - 1
    while q_end > 0 and text[q_end - 1].isspace():
        q_end -= 1
    q_start = q_end
    while q_start > 0 and (text[q_start - 1].isalnum() or text[q_start - 1] in "_$"):
        q_start -= 1
    qualifier = text[q_start:q_end] if q_start == 0 or text[q_start - 1] != "." else ""
    return name, qualifier if _IDENT.fullmatch(qualifier) else "", True, start


def _arg_of(calls: Sequence[_Call], call: int, inner: int) -> int:
    """Which argument of `calls[call]` holds the call `inner`; -1 when none does."""
    start = calls[inner].start
    for index, (a, b) in enumerate(calls[call].args):
        if a <= start < b:
            return index
    return -1


def _within(calls: Sequence[_Call], call: int, position: int) -> list[int]:
    """The calls inside argument `position` of `calls[call]`, at any depth."""
    start, end = calls[call].args[position]
    out: list[int] = []
    for index in range(call + 1, len(calls)):
        if calls[index].start >= end:
            break
        if calls[index].start >= start:
            out.append(index)
    return out


def _ancestors(calls: Sequence[_Call], index: int) -> Iterator[int]:
    seen = 0
    parent = calls[index].parent
    while parent >= 0 and seen < 200:
        yield parent
        parent = calls[parent].parent
        seen += 1


def _handler(text: str) -> str:
    """A handler as written (`orders::get`, `handler`), an inline lambda (anonymous)."""
    if "->" in text:
        return "(anonymous)"
    return re.sub(r"\s+", "", text)[:MAX_HANDLER_CHARS] or "(anonymous)"


# ---------------------------------------------------------------- functional endpoints


def _functional(source: _Source, constants: Mapping[str, str]) -> _Found:
    calls = _calls(source.text)
    for index, call in enumerate(calls):
        predicate = not call.chained or call.qualifier == "RequestPredicates"
        if call.name in _VERBS and not predicate:
            yield from _builder_route(source, calls, index, constants)
        elif predicate and (call.name in _VERBS or call.name == "path"):
            yield from _predicate_route(source, calls, index, constants)


def _builder_route(
    source: _Source, calls: Sequence[_Call], index: int, constants: Mapping[str, str]
) -> _Found:
    """`route().GET("/x", h)`, `b.POST("/y", accept(JSON), h)`, `b.GET(h)` (the prefix itself)."""
    call = calls[index]
    if not call.args:
        return
    path = ""
    if len(call.args) > 1:
        first = source.arg(call, 0)
        value = joined_string(first, constants)
        if value is None and (_CALL_START.match(first) is None or "+" in first):
            yield None, _unknown(source, call, first)  # a path, but not one we can read
            return
        path = value or ""  # else a request predicate: the route serves the prefix
    yield _route(source, calls, index, call.name, path, source.arg(call, -1), constants)


def _predicate_route(
    source: _Source, calls: Sequence[_Call], index: int, constants: Mapping[str, str]
) -> _Found:
    """`route(GET("/x").and(accept(JSON)), h)`, `.andRoute(POST("/y"), h)`,
    `route(path("/z").and(method(HttpMethod.PUT)), h)`: the handler is the next argument."""
    call = calls[index]
    owner, through = -1, index
    for ancestor in _ancestors(calls, index):
        if calls[ancestor].name in _ROUTE_CALLS:
            owner = ancestor
            break
        if calls[ancestor].name not in _COMBINERS:
            return
        through = ancestor
    position = _arg_of(calls, owner, through) if owner >= 0 else -1
    if position < 0 or position + 1 >= len(calls[owner].args) or len(call.args) != 1:
        return
    first = source.arg(call, 0)
    path = joined_string(first, constants)
    if path is None:
        yield None, _unknown(source, call, first)
        return
    handler = source.arg(calls[owner], position + 1)
    verbs = [call.name]
    if call.name == "path":
        verbs = _predicate_methods(source, calls, owner, position)
    for verb in verbs:
        yield _route(source, calls, index, verb, path, handler, constants)


def _predicate_methods(
    source: _Source, calls: Sequence[_Call], owner: int, position: int
) -> list[str]:
    """The methods `method(HttpMethod.X)` calls in the same route predicate name, else ANY."""
    found: set[str] = set()
    for index in _within(calls, owner, position):
        call = calls[index]
        if call.name == "method":
            found.update(
                _VERB_WORD.findall(" ".join(source.arg(call, i) for i in range(len(call.args))))
            )
    return sorted(found) or [ANY_METHOD]


def _route(
    source: _Source,
    calls: Sequence[_Call],
    index: int,
    verb: str,
    path: str,
    handler: str,
    constants: Mapping[str, str],
) -> tuple[Route | None, tuple[str, int, str] | None]:
    prefixes: list[tuple[str, int, str]] = []
    for ancestor in _ancestors(calls, index):
        found = _prefix(source, calls, ancestor, index, constants)
        if found is not None:
            prefixes.append(found)
    prefixes.reverse()
    mounts = tuple(
        Mount(source.file, line, _normalize(prefix, "openapi"), how)
        for prefix, line, how in prefixes
    )
    full = join_paths(*(p for p, _, _ in prefixes), path)
    line = source.line(calls[index].start)
    route = Route(
        file=source.file,
        line=line,
        method=verb,
        url_path=_normalize(full, "openapi"),
        handler=_handler(handler),
        framework=FRAMEWORK,
        mounts=mounts,
        raw_path=path,
    )
    return route, None


def _prefix(
    source: _Source, calls: Sequence[_Call], ancestor: int, inner: int, constants: Mapping[str, str]
) -> tuple[str, int, str] | None:
    """The prefix an enclosing `nest(path("/api"), ...)` or builder `.path("/api", b -> ...)`
    adds to the routes in its second argument."""
    call = calls[ancestor]
    if _arg_of(calls, ancestor, inner) < 1:
        return None
    if call.name == "path" and call.chained and len(call.args) == 2:
        value = joined_string(source.arg(call, 0), constants)
        return None if value is None else (value, source.line(call.start), "path")
    if call.name in _NESTS or (call.name == "nest" and call.chained):
        for index in range(ancestor + 1, len(calls)):
            first = calls[index]
            if _arg_of(calls, ancestor, index) != 0:
                continue
            if first.start >= call.args[0][1]:
                break
            if (
                first.name == "path"
                and first.qualifier in ("", "RequestPredicates")
                and (len(first.args) == 1)
            ):
                value = joined_string(source.arg(first, 0), constants)
                if value is not None:
                    return value, source.line(first.start), call.name
    return None


def _unknown(source: _Source, call: _Call, text: str) -> tuple[str, int, str]:
    return (
        source.file,
        source.line(call.start),
        f"route path {text[:80]} is not a literal or a known constant",
    )


# ---------------------------------------------------------------- Spring Cloud Gateway


def _gateway(source: _Source, constants: Mapping[str, str]) -> _Found:
    """`.route(r -> r.path("/a", "/b").and().method("POST").uri(...))` and `.route("id", r -> ...)`:
    each path of each route, for its methods (any when none is named)."""
    calls = _calls(source.text)
    for index, call in enumerate(calls):
        if call.name != "route" or not call.chained or not call.args:
            continue
        if "->" not in source.arg(call, -1):
            continue
        inside = _within(calls, index, len(call.args) - 1)
        verbs: set[str] = set()
        uri = ""
        for i in inside:
            args = " ".join(source.arg(calls[i], k) for k in range(len(calls[i].args)))
            if calls[i].name == "method" and calls[i].chained:
                verbs.update(_VERB_WORD.findall(args.upper()))
            elif calls[i].name == "uri" and calls[i].chained:
                uri = string_literal(args) or re.sub(r"\s+", "", args)
        handler = f"proxy to {uri[:MAX_HANDLER_CHARS] or 'an unknown uri'}"
        for i in inside:
            if calls[i].name != "path" or not calls[i].chained:
                continue
            for k in range(len(calls[i].args)):
                text = source.arg(calls[i], k)
                path = joined_string(text, constants)
                if path is None:
                    yield None, _unknown(source, calls[i], text)
                    continue
                for verb in sorted(verbs) or [ANY_METHOD]:
                    yield (
                        _gateway_route(
                            source.file, source.line(calls[i].start), verb, path, handler
                        ),
                        None,
                    )


def _gateway_route(file: str, line: int, verb: str, path: str, handler: str) -> Route:
    return Route(
        file=file,
        line=line,
        method=verb,
        url_path=_normalize(path, "openapi"),
        handler=handler,
        framework=GATEWAY_FRAMEWORK,
        raw_path=path,
    )


def _config_routes(module: str, lines_of: Callable[[str], Sequence[str] | None]) -> _Found:
    """Gateway routes a module's application.yml/.yaml/.properties declares."""
    for name in _CONFIG_FILES:
        path = f"{module}src/main/resources/{name}"
        lines = lines_of(path)
        if lines is None:
            continue
        if name.endswith(".properties"):
            yield from ((r, None) for r in _property_routes(path, lines[:MAX_CONFIG_LINES]))
        else:
            yield from _yaml_routes(path, lines[:MAX_CONFIG_LINES])


def _yaml_routes(path: str, lines: Sequence[str]) -> _Found:
    text = "\n".join(lines)
    try:
        documents = load_yaml_all_with_lines(text, path=path)
    except DataFormatError as exc:
        if "gateway" in text:  # its gateway routes, if any, are unknown
            yield None, (path, exc.line or 1, f"gateway routes not read: {exc.message[:200]}")
        return
    for document, where in documents[:20]:
        for key in _CONFIG_KEYS:
            node: object = document
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, list):
                continue
            for number, entry in enumerate(node[:500]):
                if not isinstance(entry, dict):
                    continue
                predicates = entry.get("predicates")
                if not isinstance(predicates, list):
                    continue
                items = [_predicate_text(p) for p in predicates[:50]]
                at: tuple[str | int, ...] = (*key.split("."), number, "predicates")
                lines_at = [where.get((*at, k), 0) for k in range(len(items))]
                uri = str(entry.get("uri", ""))
                yield from ((r, None) for r in _config_route(path, items, lines_at, uri))


def _predicate_text(predicate: object) -> str:
    """`Path=/a/**,/b` as written, or the long form `{name: Path, args: {...}}` in that shape."""
    if isinstance(predicate, str):
        return predicate
    if isinstance(predicate, dict):
        args = predicate.get("args")
        values = args.values() if isinstance(args, dict) else [args] if args else []
        flat = [str(v) for value in values for v in (value if isinstance(value, list) else [value])]
        return f"{predicate.get('name', '')}={','.join(flat)}"
    return ""


def _property_routes(path: str, lines: Sequence[str]) -> Iterator[Route]:
    entries: dict[str, tuple[list[str], list[int], list[str]]] = {}
    for number, line in enumerate(lines, 1):
        found = _PROPERTY.match(line)
        if found is None:
            continue
        items, at, uri = entries.setdefault(found.group(1), ([], [], []))
        if found.group(2) == "uri":
            uri.append(found.group(3))
        else:
            items.append(found.group(3))
            at.append(number)
    for items, at, uri in entries.values():
        yield from _config_route(path, items, at, uri[0] if uri else "")


def _config_route(
    path: str, items: Sequence[str], lines: Sequence[int], uri: str
) -> Iterator[Route]:
    verbs: set[str] = set()
    paths: list[tuple[str, int]] = []
    for item, line in zip(items, lines, strict=False):
        name, _, value = item.partition("=")
        if name.strip() == "Method":
            verbs.update(_VERB_WORD.findall(value.upper()))
        elif name.strip() == "Path":
            paths += [(p.strip(), line) for p in split_args(value) if p.strip().startswith("/")]
    handler = f"proxy to {uri[:MAX_HANDLER_CHARS] or 'an unknown uri'}"
    for value, line in paths:
        for verb in sorted(verbs) or [ANY_METHOD]:
            yield _gateway_route(path, line or 1, verb, value, handler)
