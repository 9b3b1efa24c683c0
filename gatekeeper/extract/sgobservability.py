"""Outbound HTTP calls and log sightings in JavaScript/TypeScript, Go and Java code, from
semgrep's inventory rules in rules/observability/, as the same facts the Python extractors
give (`OutboundCall`, `LogSighting`) so the scalability and observability criteria judge every
language alike. A call whose options cannot be read (a variable, a spread) counts as bounded:
a finding must be certain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gatekeeper.engines.semgrep import MAX_METAVAR_CHARS, InventoryMatch
from gatekeeper.extract.logging_calls import MAX_SIGHTINGS, LogSighting
from gatekeeper.extract.outbound import MAX_CALLS, OutboundCall
from gatekeeper.routes.sgtext import by_rule, dotted, is_function, split_args, string_literal
from gatekeeper.stack import is_test_path

RULE_PREFIX = "gk-obs-"
JS_OUTBOUND = "gk-obs-js-outbound"
JS_LOG = "gk-obs-js-log"
JS_SWALLOWED = "gk-obs-js-swallowed"
GO_OUTBOUND = "gk-obs-go-outbound"
GO_LOG = "gk-obs-go-log"
GO_SWALLOWED = "gk-obs-go-swallowed"
JAVA_OUTBOUND = "gk-obs-java-outbound"
JAVA_LOG = "gk-obs-java-log"
JAVA_SWALLOWED = "gk-obs-java-swallowed"

# Files a browser runs, not the service: their fetch and console calls are not the backend's.
_BROWSER_DIRS = frozenset({"public", "static", "assets", "client", "frontend", "www", "vendor"})
_BROWSER_SUFFIXES = (".jsx", ".tsx", ".vue", ".min.js")
_JS_IMPORTS = {
    "axios": ("axios",),
    "got": ("got",),
    "http": ("http", "node:http"),
    "https": ("https", "node:https"),
}
_FETCH_IMPORTS = ("node-fetch", "undici", "cross-fetch", "isomorphic-fetch")
_URL_NAME = re.compile(r"(?i)(?:url|uri|href|endpoint|link|address)\w{0,40}$")
_TIMEOUT_KEY = re.compile(r"\b(?:timeout|signal)\b")
_JAVA_TIMEOUT_TEXT = re.compile(r"\.timeout\(|responseTimeout\(")
# Secrets by the last word of a name (camelCase, snake_case): accessToken, user.password,
# JWT_SECRET, apiKey; tokenCount or passwordHint are not secrets.
_SECRET_WORDS = frozenset(
    {"password", "passwd", "passphrase", "secret", "token", "authorization", "credential"}
    | {"credentials"}
)
_SECRET_PAIRS = frozenset({"apikey", "privatekey"})
_WORDS = re.compile(r"[A-Z]{2,}(?=[A-Z][a-z]|\b|_|\d)|[A-Z]?[a-z]+|[A-Z]+|\d+")
_KEY_LITERAL = re.compile(r"[A-Za-z_][\w.-]{0,60}")
_TEMPLATE_PART = re.compile(r"\$\{([^{}]{1,200})\}")
_GO_VERB = re.compile(r"%[-+# 0-9.]{0,8}[vTtbcdoOqxXUeEfFgGsp]")
_MAX_PARTS = 64
_IGNORED_NAME = re.compile(r"_|ignored?|expected|_ignored?")
_BLOCK_LINES = 6  # lines read after an empty handler's line for a comment in its block


@dataclass(frozen=True, slots=True)
class EngineObservability:
    """Per file (sorted by path): outbound calls and log sightings read from semgrep's matches."""

    calls: tuple[tuple[str, tuple[OutboundCall, ...]], ...] = ()
    logs: tuple[tuple[str, tuple[LogSighting, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class _Sources:
    imports: Callable[[str], frozenset[str]]  # modules a file imports, as written
    text_of: Callable[[str], str | None]  # a file's text, None when unreadable


def resolve(
    matches: Iterable[InventoryMatch],
    imports: Callable[[str], frozenset[str]],
    text_of: Callable[[str], str | None],
) -> EngineObservability:
    """The calls and sightings of the observability inventory matches (test files left out)."""
    rules = by_rule(matches, RULE_PREFIX)
    src = _Sources(imports, text_of)
    calls: dict[str, dict[tuple[int, str], OutboundCall]] = {}
    axios_default = bool(_setters(rules.get(JS_OUTBOUND, ())))
    go_default = bool(_setters(rules.get(GO_OUTBOUND, ())))
    readers: tuple[tuple[str, Callable[[InventoryMatch], OutboundCall | None]], ...] = (
        (JS_OUTBOUND, lambda m: _js_call(m, src, axios_default)),
        (GO_OUTBOUND, lambda m: _go_call(m, src, go_default)),
        (JAVA_OUTBOUND, lambda m: _java_call(m, src)),
    )
    for rule, read in readers:
        for match in rules.get(rule, ()):
            if skipped(match.path):
                continue
            call = read(match)
            if call is None:
                continue
            mine = calls.setdefault(match.path, {})
            key = (call.line, call.callee)
            if len(mine) < MAX_CALLS and (key not in mine or call.timeout):
                mine[key] = call  # a bounded reading of the same call wins
    logs: dict[str, set[LogSighting]] = {}
    sighters: tuple[tuple[str, Callable[[InventoryMatch], list[LogSighting]]], ...] = (
        (JS_LOG, _js_log),
        (GO_LOG, _go_log),
        (JAVA_LOG, _java_log),
        (JS_SWALLOWED, lambda m: _swallowed(m, src)),
        (GO_SWALLOWED, lambda m: _swallowed(m, src)),
        (JAVA_SWALLOWED, lambda m: _swallowed(m, src)),
    )
    for rule, sight in sighters:
        for match in rules.get(rule, ()):
            if skipped(match.path):
                continue
            found = logs.setdefault(match.path, set())
            script = rule == JS_LOG and (src.text_of(match.path) or "").startswith("#!")
            for sighting in sight(match):
                if script and sighting.kind in ("print", "interpolated"):
                    continue  # a node script run from the shell prints by design
                if len(found) < MAX_SIGHTINGS:
                    found.add(LogSighting(sighting.line, sighting.kind, sighting.detail[:120]))
    return EngineObservability(
        calls=tuple(
            (path, tuple(sorted(found.values()))) for path, found in sorted(calls.items()) if found
        ),
        logs=tuple((path, tuple(sorted(found))) for path, found in sorted(logs.items()) if found),
    )


def skipped(path: str) -> bool:
    """Test files, and files a browser runs: neither is the service's own code. Browser code
    lives under public/, static/ (and Django-style project-static/, staticfiles/), assets/ ...,
    or is a component (.jsx/.tsx/.vue) or a minified bundle."""
    if is_test_path(path):
        return True
    if not path.endswith((".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue")):
        return False
    *dirs, name = path.split("/")
    return (
        bool(_BROWSER_DIRS & set(dirs))
        or any(d.endswith(("-static", "_static")) or d.startswith("static") for d in dirs)
        or name.endswith(_BROWSER_SUFFIXES)
    )


def _setters(matches: Sequence[InventoryMatch]) -> list[InventoryMatch]:
    """`axios.defaults.timeout = ...` / `http.DefaultClient.Timeout = ...` outside tests."""
    return [m for m in matches if m.get("SET") is not None and not skipped(m.path)]


# ---------------------------------------------------------------------------- outbound


def _imports_any(src: _Sources, path: str, modules: Sequence[str]) -> bool:
    return any(name == m or name.startswith(m + "/") for name in src.imports(path) for m in modules)


def _literal(text: str) -> bool:
    text = text.strip()
    return bool(text) and text[0] in "'\"`"


def _url_like(text: str) -> bool:
    """A URL as an argument: a literal, `new URL(...)`, or a name that says it is one."""
    text = text.strip()
    name = dotted(text)
    if name is not None:
        return bool(_URL_NAME.search(name.rsplit(".", 1)[-1]))
    return _literal(text) or text.startswith("new URL(")


def _options_bound(text: str | None) -> bool | None:
    """Whether an options argument sets a timeout or signal: None when it cannot be read (a
    variable, a spread, cut short by the binding cap); no options at all is False."""
    if text is None or is_function(text):
        return False
    text = text.strip()
    if not text.startswith("{"):
        return None
    if "..." in text or len(text) >= MAX_METAVAR_CHARS:
        return None
    return bool(_TIMEOUT_KEY.search(text))


def _js_call(match: InventoryMatch, src: _Sources, axios_default: bool) -> OutboundCall | None:
    client, verb = match.get("CLIENT"), match.get("VERB")
    if client is None:
        return None  # the defaults setter
    url, opts = match.get("URL"), match.get("OPTS")
    if client == "fetch":
        fetched = url is not None and _url_like(url)
        if not fetched and not _imports_any(src, match.path, _FETCH_IMPORTS):
            return None  # a function of the app's own named fetch
        if url is None:
            return None
        if _literal(url) and url.strip()[1:2] in ("/", "."):
            return None  # a relative URL ('/api/items', `/api/${id}`): browser code
        bound = _options_bound(opts)
    else:
        if not _imports_any(src, match.path, _JS_IMPORTS.get(client, ())):
            return None
        if url is not None and url.strip().startswith("{"):
            url, opts = None, url  # axios(config), http.request(options, callback)
        if client in ("http", "https") and opts is not None and is_function(opts):
            opts = None
        if url is not None and opts is None and verb is None and not _url_like(url):
            return None  # axios(config) / got(options) from a variable
        if client in ("http", "https") and url is not None and not _url_like(url):
            return None  # request(options, ...) from a variable
        bound = _options_bound(opts)
        if client == "axios" and axios_default:
            bound = True
    if bound is None:
        bound = True  # unreadable options: not reported, still a call
    callee = client if verb is None else f"{client}.{verb}"
    return OutboundCall(match.line, callee, bound)


def _go_call(match: InventoryMatch, src: _Sources, default_set: bool) -> OutboundCall | None:
    client = match.get("CLIENT")
    if client is None or not _imports_any(src, match.path, ("net/http",)):
        return None
    if client == "http.Client":
        bound = match.get("TIMEOUT") is not None or _go_context_deadlines(src, match.path)
        return OutboundCall(match.line, "http.Client{...}", bound)
    verb = match.get("VERB") or ""
    return OutboundCall(match.line, f"{client}.{verb}", default_set)


def _go_context_deadlines(src: _Sources, path: str) -> bool:
    """Requests made with a context that has a deadline: the client's calls are bounded."""
    text = src.text_of(path) or ""
    return "NewRequestWithContext" in text and (
        "context.WithTimeout" in text or "context.WithDeadline" in text
    )


def _java_call(match: InventoryMatch, src: _Sources) -> OutboundCall | None:
    client = match.get("CLIENT") or ""
    timeout, factory = match.get("TIMEOUT"), match.get("FACTORY")
    if client == "RestTemplate":
        return OutboundCall(match.line, "new RestTemplate()", factory is not None)
    if client not in ("WebClient", "HttpClient"):
        return OutboundCall(match.line, "RestTemplateBuilder.build()", timeout is not None)
    text = src.text_of(match.path) or ""
    line = _line(text, match.line)[max(match.column - 1, 0) :]
    if client == "WebClient":
        callee = "WebClient.create()" if "create" in line[:40] else "WebClient.builder().build()"
        bound = factory is not None or bool(_JAVA_TIMEOUT_TEXT.search(text))
        return OutboundCall(match.line, callee, bound)
    made = "newHttpClient()" if "newHttpClient" in line[:40] else "newBuilder().build()"
    callee = f"HttpClient.{made}"
    # a connect timeout on the client, or request timeouts in the same file
    bound = timeout is not None or bool(_JAVA_TIMEOUT_TEXT.search(text))
    return OutboundCall(match.line, callee, bound)


def _line(text: str, number: int) -> str:
    start = 0
    for _ in range(number - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)]


# ---------------------------------------------------------------------------- logging


def _closed_templates(text: str) -> str:
    """semgrep's binding of arguments that end with a template literal stops at the template's
    last value (`` `a ${b`` for `` `a ${b}` ``): the brackets it cut are put back."""
    if text.count("`") % 2 == 0:
        return text
    tail = text[text.rfind("`") :]
    return text + ("}`" if tail.count("${") > tail.count("}") else "`")


def _js_log(match: InventoryMatch) -> list[LogSighting]:
    owner, level = match.get("OWNER") or "", match.get("LEVEL") or ""
    args = split_args(_closed_templates(match.get("ARGS") or ""))
    name = f"{owner}.{level}"
    found: list[LogSighting] = []
    if owner == "console":
        if level in ("log", "info", "debug"):
            found.append(LogSighting(match.line, "print", f"{name}(...)"))
    else:
        message = args[1] if len(args) > 1 and args[0].startswith("{") else next(iter(args), "")
        if message.startswith("`") and "${" in message:
            found.append(LogSighting(match.line, "interpolated", f"{name}(`...${{}}...`)"))
        elif _concatenated(message):
            found.append(LogSighting(match.line, "interpolated", f'{name}("..." + ...)'))
    found.extend(_secret(match, name, args))
    return found


def _go_log(match: InventoryMatch) -> list[LogSighting]:
    owner, level = match.get("OWNER") or "", match.get("LEVEL") or ""
    printer = match.get("PRINT")
    args = split_args(match.get("ARGS") or "")
    name = printer or f"{owner}.{level}"
    found: list[LogSighting] = []
    if printer is not None or owner == "fmt":
        found.append(LogSighting(match.line, "print", f"{name}(...)"))
    else:
        message = next(iter(args), "")
        if level.endswith("f") and len(args) > 1 and _GO_VERB.search(message):
            found.append(LogSighting(match.line, "interpolated", f'{name}("...%v...", ...)'))
        elif message.startswith("fmt.Sprint"):
            found.append(LogSighting(match.line, "interpolated", f"{name}(fmt.Sprintf(...))"))
        elif _concatenated(message):
            found.append(LogSighting(match.line, "interpolated", f'{name}("..." + ...)'))
    found.extend(_secret(match, name, args))
    return found


def _java_log(match: InventoryMatch) -> list[LogSighting]:
    owner, level = match.get("OWNER") or "", match.get("LEVEL") or ""
    args = split_args(match.get("ARGS") or "")
    name = f"{owner}.{level}"
    if level == "printStackTrace":
        return [LogSighting(match.line, "print", f"{name}()")]
    found: list[LogSighting] = []
    if owner.startswith("System."):
        found.append(LogSighting(match.line, "print", f"{name}(...)"))
    else:
        message = next(iter(args), "")
        if message.startswith("String.format(") or ".formatted(" in message:
            found.append(LogSighting(match.line, "interpolated", f"{name}(String.format(...))"))
        elif _concatenated(message):
            found.append(LogSighting(match.line, "interpolated", f'{name}("..." + ...)'))
    found.extend(_secret(match, name, args))
    return found


def _explained(src: _Sources, match: InventoryMatch) -> bool:
    """An empty handler that says why it is empty (a comment in the block, or a caught name
    such as `ignored`): a decision, like a narrowed except, not an accident."""
    name = match.get("NAME") or match.get("CAUGHT") or ""
    if _IGNORED_NAME.fullmatch(name):
        return True
    text = src.text_of(match.path)
    if text is None:
        return False
    window = "\n".join(_line(text, n) for n in range(match.line, match.line + _BLOCK_LINES))
    start = window.find("{")
    end = window.find("}", start + 1)
    block = window[start + 1 : end] if start >= 0 and end > start else ""
    return "//" in block or "/*" in block


def _swallowed(match: InventoryMatch, src: _Sources) -> list[LogSighting]:
    if _explained(src, match):
        return []
    caught, promise, err = match.get("CAUGHT"), match.get("PROMISE"), match.get("ERR")
    if match.get("RECOVER") is not None:
        detail = "defer func() { recover() }()"
    elif err is not None:
        detail = f"if {err} != nil {{}}"
    elif promise is not None:
        detail = ".catch(() => {})"
    elif caught is not None and match.get("NAME") is not None:
        detail = f"catch ({caught} {match.get('NAME')}) {{}}"
    elif caught is not None and caught != "catch":
        detail = f"catch ({caught}) {{}}"
    else:
        detail = "catch {}"
    return [LogSighting(match.line, "swallowed", detail)]


def _split_top(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside brackets and string literals (bounded)."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    i = 0
    while i < len(text) and len(parts) < _MAX_PARTS:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == separator and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    parts.append(text[start:].strip())
    return parts


def _concatenated(message: str) -> bool:
    """A message joined with `+` from a literal and something that is not one."""
    pieces = _split_top(message, "+")
    return len(pieces) > 1 and any(map(_literal, pieces)) and not all(map(_literal, pieces))


def _is_secret(name: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(name.rsplit(".", 1)[-1])]
    if not words:
        return False
    return words[-1] in _SECRET_WORDS or "".join(words[-2:]) in _SECRET_PAIRS


def _named_values(arg: str, *, first: bool) -> list[str]:
    """The names an argument passes: itself, the keys and values of an object literal, the
    `${...}` parts of a template, the names and key literals given to a field constructor
    (zap.String("token", t)); a string literal message passes none."""
    arg = arg.strip()
    name = dotted(arg)
    if name is not None:
        return [name]
    if arg.startswith("`"):
        return [n for part in _TEMPLATE_PART.findall(arg) if (n := dotted(part)) is not None]
    if _literal(arg):
        literal = string_literal(arg)
        keyed = not first and literal is not None and _KEY_LITERAL.fullmatch(literal)
        return [literal] if keyed and literal is not None else []
    if arg.startswith("{") and arg.endswith("}"):
        out: list[str] = []
        for field in split_args(arg[1:-1]):
            key, _, value = field.partition(":")
            out.extend(n for n in (dotted(key.strip("'\" ")), dotted(value)) if n is not None)
        return out
    inner = re.fullmatch(r"[\w.]{1,100}\(([\s\S]*)\)", arg)
    parts = split_args(inner.group(1)) if inner else []
    if parts and _literal(parts[0]):  # a field: zap.String("token", t), slog.Any("k", v)
        keys = _named_values(parts[0], first=False)
        return keys + [n for part in parts[1:] if (n := dotted(part)) is not None]
    return []


def _secret(match: InventoryMatch, name: str, args: Sequence[str]) -> list[LogSighting]:
    for index, arg in enumerate(args[:_MAX_PARTS]):
        for value in _named_values(arg, first=index == 0):
            if _is_secret(value):
                return [LogSighting(match.line, "secret", f"{name}(..., {value})")]
    return []
