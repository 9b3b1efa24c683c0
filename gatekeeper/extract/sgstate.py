"""Process-local state in JavaScript/TypeScript, Go and Java services, from semgrep's inventory
matches (rules/observability/gk-obs-{js,go,java}-{state,upload}.yaml, gk-obs-js-session.yaml).
The same facts the Python side gives (`StateSighting`), so the scaling criterion judges all alike:

- "session": express-session set up without a `store`, which keeps every session in its
  MemoryStore inside one process.
- "mutation": a request handler changes state that outlives the request, which each replica
  (and each worker) holds apart: a module-level `const X = {}` / `[]` / `new Map()` /
  `new Set()` or `let n = 0` (column 0) changed in an inline route handler, a NestJS route
  method, or a function of the same file that a route names; a Go package-level map, slice,
  sync.Map or counter changed in a function taking `*gin.Context` or
  `(http.ResponseWriter, *http.Request)`; a field of a Spring @RestController/@Controller (a
  singleton, so instance and static fields alike) holding a mutable collection or a counter,
  changed in a @...Mapping method. The rules find the change inside a handler; whether the
  name is such a declaration is read here from the file, so locals, per-request objects,
  injected fields (no initializer, @Autowired/@Value/@Inject) and immutable values
  (`List.of`, `const` numbers) are not state.
- "upload": an uploaded file written to the local disk (multer disk storage, formidable
  `uploadDir`, busboy into `fs.createWriteStream`; gin `SaveUploadedFile`, `io.Copy` into
  `os.Create`; `MultipartFile.transferTo`, `Files.copy(file.getInputStream(), ...)`).

Test files and browser code are skipped. Every file's text is read once and capped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.extract.sgobservability import RULE_PREFIX, skipped
from gatekeeper.extract.statefulness import StateSighting
from gatekeeper.routes.sgtext import by_rule

JS_SESSION = "gk-obs-js-session"
JS_STATE = "gk-obs-js-state"
JS_UPLOAD = "gk-obs-js-upload"
GO_STATE = "gk-obs-go-state"
GO_UPLOAD = "gk-obs-go-upload"
JAVA_STATE = "gk-obs-java-state"
JAVA_UPLOAD = "gk-obs-java-upload"
MAX_PER_FILE = 10
MAX_TEXT = 200_000
MAX_LINES = 20_000
# `const session = require('express-session')`, `import session from "express-session"`.
_IMPORTED = re.compile(
    r"""(?:const|let|var|import)\s+([A-Za-z_$][\w$]{0,60})\s*(?:=\s*require\(\s*['"]express-session['"]\s*\)|from\s+['"]express-session['"])"""
)
# A `store` key in the options literal: `store: new RedisStore(...)`, or shorthand `{ store }`.
_STORE = re.compile(r"(?:^|[{,\s])store\s*(?::|,|\})")

# Module-level (column 0) JavaScript containers and counters: name, keyword, initializer.
_JS_SHARED = re.compile(
    r"^(?:export\s+)?(const|let|var)\s+([A-Za-z_$][\w$]{0,60})\s*(?::[^=\n]{1,160})?=\s*"
    r"(\{\s*\}|\[\s*\]|new\s+(?:Map|Set|WeakMap|WeakSet)\b|-?\d+(?:\.\d+)?\s*;?\s*$)",
    re.MULTILINE,
)
# `import multer from 'multer'`, `import * as multer from "multer"`, `const m = require('multer')`.
_JS_IMPORT = (
    r"""(?:const|let|var|import)\s+(?:\*\s+as\s+)?([A-Za-z_$][\w$]{0,60})\s*"""
    r"""(?:=\s*require\(\s*['"]{0}['"]\s*\)|from\s+['"]{0}['"])"""
)
_MULTER = re.compile(_JS_IMPORT.replace("{0}", "multer"))
_FORMIDABLE = re.compile(_JS_IMPORT.replace("{0}", "formidable"))
_BUSBOY = re.compile(r"""(?:require\(\s*|from\s+)['"](?:@fastify/)?busboy['"]""")
_JS_VERBS = r"(?:get|post|put|patch|delete|del|all)"
_QUOTES = "'\"`"

# Go: `var X = map[...]...{}` / `make(map...)` / `[]T{}` / `make([]T, 0)` / `sync.Map{}` / a
# number, or `var X map[..]..` / `[]T` / `sync.Map` / `atomic.Int64` / `int`, alone or in a
# `var ( ... )` block.
_GO_DECL = re.compile(r"^([A-Za-z_]\w{0,60})\s*([^=]{0,160}?)\s*(?:=\s*(.{0,200}))?$")
_GO_INTS = re.compile(r"^(?:u?int(?:8|16|32|64)?|float(?:32|64)|atomic\.\w+)$")

# Java field declarations: annotations, modifiers, type, name, initializer.
_JAVA_FIELD = re.compile(
    r"^[ \t]*((?:@[\w.]+(?:\([^)\n]{0,200}\))?\s+){0,6})"
    r"((?:(?:public|protected|private|static|final|volatile|transient)\s+){0,5})"
    r"([\w.]{1,80}(?:<[^;=\n]{0,200}>)?)\s+([A-Za-z_$][\w$]{0,60})\s*(?:=\s*([^;]{0,300}))?;",
    re.MULTILINE,
)
_JAVA_INJECTED = re.compile(r"@(?:Autowired|Value|Inject|Resource)\b")
_JAVA_COUNTERS = frozenset({"int", "long", "short", "Integer", "Long", "double", "Double"})
_JAVA_MUTABLE = re.compile(
    r"^new\s+(?:java\.util\.(?:concurrent\.(?:atomic\.)?)?)?(?:HashMap|LinkedHashMap|TreeMap|"
    r"ConcurrentHashMap|ConcurrentSkipListMap|ArrayList|LinkedList|HashSet|LinkedHashSet|"
    r"TreeSet|CopyOnWriteArrayList|CopyOnWriteArraySet|ArrayDeque|ConcurrentLinkedQueue|"
    r"ConcurrentLinkedDeque|LinkedBlockingQueue|ArrayBlockingQueue|PriorityQueue|Vector|"
    r"Hashtable|EnumMap|WeakHashMap|IdentityHashMap|Stack|AtomicInteger|AtomicLong|"
    r"AtomicReference|AtomicBoolean|LongAdder|DoubleAdder)\b"
    r"|^Collections\.synchronized\w+\(|^ConcurrentHashMap\.newKeySet\("
)


@dataclass(frozen=True, slots=True)
class _Shared:
    """A declaration that outlives the request: what it holds, and whether it can be rebound."""

    kind: str  # "object", "array", "Map", "map", "slice", "counter", "HashMap" ...
    rebindable: bool


class _Files:
    """Each file's text and module-level declarations, read once."""

    def __init__(self, text_of: Callable[[str], str | None]) -> None:
        self._text_of = text_of
        self._texts: dict[str, str] = {}
        self._shared: dict[str, dict[str, _Shared]] = {}
        self._lines: dict[str, list[str]] = {}

    def text(self, path: str) -> str:
        if path not in self._texts:
            self._texts[path] = (self._text_of(path) or "")[:MAX_TEXT]
        return self._texts[path]

    def shared(self, path: str, read: Callable[[str], dict[str, _Shared]]) -> dict[str, _Shared]:
        if path not in self._shared:
            self._shared[path] = read(self.text(path))
        return self._shared[path]

    def snippet(self, match: InventoryMatch) -> str:
        """The matched text on its first line."""
        if match.path not in self._lines:
            self._lines[match.path] = self.text(match.path).splitlines()[:MAX_LINES]
        lines = self._lines[match.path]
        if not 0 < match.line <= len(lines):
            return ""
        line = lines[match.line - 1]
        end = match.end_column - 1 if match.end_line == match.line else len(line)
        return line[max(match.column - 1, 0) : end][:200]


def resolve(
    matches: Iterable[InventoryMatch], text_of: Callable[[str], str | None]
) -> tuple[tuple[str, StateSighting], ...]:
    rules = by_rule(matches, RULE_PREFIX)
    files = _Files(text_of)
    found: list[tuple[str, StateSighting]] = []
    readers: tuple[tuple[str, Callable[[InventoryMatch, _Files], StateSighting | None]], ...] = (
        (JS_SESSION, _js_session),
        (JS_STATE, _js_state),
        (JS_UPLOAD, _js_upload),
        (GO_STATE, _go_state),
        (GO_UPLOAD, _go_upload),
        (JAVA_STATE, _java_state),
        (JAVA_UPLOAD, _java_upload),
    )
    for rule, read in readers:
        per_file: dict[str, int] = {}
        for path, sighting in _first_per_place(rules.get(rule, ()), files, read):
            if per_file.get(path, 0) < MAX_PER_FILE:
                per_file[path] = per_file.get(path, 0) + 1
                found.append((path, sighting))
    return tuple(sorted(set(found)))


def _first_per_place(
    matches: Iterable[InventoryMatch],
    files: _Files,
    read: Callable[[InventoryMatch, _Files], StateSighting | None],
) -> Iterator[tuple[str, StateSighting]]:
    """One sighting per matched place: semgrep reports a place once per set of bindings (an
    inline handler inside a named function), and the first that reads as state wins."""
    done: set[tuple[str, int, int]] = set()
    for match in matches:
        place = (match.path, match.line, match.column)
        if place in done or skipped(match.path):
            continue
        sighting = read(match, files)
        if sighting is not None:
            done.add(place)
            yield match.path, sighting


def _js_session(match: InventoryMatch, files: _Files) -> StateSighting | None:
    options = (match.get("OPTS") or "").strip()
    if match.get("FUNC") not in _IMPORTED.findall(files.text(match.path)):
        return None
    if not options.startswith("{") or not options.endswith("}"):
        return None  # not a literal, or cut at the metavariable cap: a store may follow
    if _STORE.search(options):
        return None
    return StateSighting(
        match.line,
        "session",
        "",
        "express-session keeps sessions in its in-process MemoryStore (no store option)",
    )


def _how(match: InventoryMatch, files: _Files, name: str) -> str:
    """What the matched statement does to `name`, in the Python side's words."""
    method = match.get("M")
    text = files.snippet(match).strip()
    if text.startswith("atomic."):
        return "changes"
    if method and not method.startswith("$"):
        return f"calls .{method}() on"
    if text.startswith("delete"):
        return "deletes from"
    rest = text.removeprefix("this.").removeprefix(name).lstrip()
    if rest.startswith(("++", "--", "+=", "-=")) or text.startswith(("++", "--")):
        return "changes"
    if rest.startswith(("[", ".")):
        return "writes to"
    if "append(" in rest:
        return "appends to"
    return "reassigns"


def _js_shared(text: str) -> dict[str, _Shared]:
    found: dict[str, _Shared] = {}
    for keyword, name, value in _JS_SHARED.findall(text):
        if value[0].isdigit() or value.startswith("-"):
            if keyword != "const":
                found[name] = _Shared("counter", True)
            continue
        kind = {"{": "object", "[": "array"}.get(value[0]) or value.split()[-1]
        found[name] = _Shared(kind, keyword != "const")
    return found


def _js_state(match: InventoryMatch, files: _Files) -> StateSighting | None:
    name = match.get("X") or ""
    shared = files.shared(match.path, _js_shared).get(name)
    if shared is None:
        return None
    how = _how(match, files, name)
    if how == "reassigns" and not shared.rebindable:
        return None
    what = f"{how} module-level {shared.kind} {name}"
    verb, route = match.get("VERB"), match.get("PATH")
    if verb and route:
        where = f"{verb.upper()} {route.strip(_QUOTES)} handler"
        return StateSighting(match.line, "mutation", "", f"{where} {what}")
    func = match.get("FUNC") or ""
    if not func or func.startswith("$"):
        return None
    if match.get("DEC") or _named_by_route(files.text(match.path), func):
        return StateSighting(match.line, "mutation", func, what)
    return None


def _named_by_route(text: str, func: str) -> bool:
    """A route of the same file names `func`: `app.get('/x', auth, func)`."""
    pattern = (
        rf"\.{_JS_VERBS}\(\s*['\"`][^'\"`\n]{{0,200}}['\"`]\s*,[^;]{{0,400}}?"
        rf"(?<![\w$.]){re.escape(func)}(?![\w$])"
    )
    return re.search(pattern, text) is not None


def _js_upload(match: InventoryMatch, files: _Files) -> StateSighting | None:
    func, key = match.get("FUNC") or "", match.get("KEY") or ""
    text = files.text(match.path)
    if key in {"dest", "diskStorage"} and func in _MULTER.findall(text):
        detail = f"multer writes uploads to the local disk ({key})"
    elif key == "uploadDir" and func in _FORMIDABLE.findall(text):
        detail = "formidable writes uploads to the local disk (uploadDir)"
    elif key == "createWriteStream" and _BUSBOY.search(text):
        detail = "busboy's uploaded file is piped into fs.createWriteStream (local disk)"
    else:
        return None
    return StateSighting(match.line, "upload", "", detail)


def _go_shared(text: str) -> dict[str, _Shared]:
    found: dict[str, _Shared] = {}
    in_block = False
    for line in text.splitlines()[:MAX_LINES]:
        if in_block:
            if line.startswith(")"):
                in_block = False
                continue
            decl = line.strip()
        elif re.match(r"^var\s*\(\s*$", line):
            in_block = True
            continue
        elif line.startswith("var "):
            decl = line[4:].strip()
        else:
            continue
        hit = _GO_DECL.match(decl.split("//")[0].strip())
        if hit is not None and (kind := _go_kind(hit.group(2), hit.group(3) or "")):
            found[hit.group(1)] = _Shared(kind, True)
    return found


def _go_kind(type_: str, value: str) -> str | None:
    value = value.lstrip("&")
    if value:
        if value.startswith(("map[", "make(map[")):
            return "map"
        if value.startswith(("[]", "make([]")):
            return "slice"
        if value.startswith("sync.Map{"):
            return "sync.Map"
        return "counter" if re.match(r"^-?\d", value) else None
    if type_.startswith("map["):
        return "map"
    if type_.startswith("[]"):
        return "slice"
    if type_ == "sync.Map":
        return "sync.Map"
    return "counter" if _GO_INTS.match(type_) else None


def _go_state(match: InventoryMatch, files: _Files) -> StateSighting | None:
    name = match.get("X") or ""
    shared = files.shared(match.path, _go_shared).get(name)
    if shared is None:
        return None
    what = f"{_how(match, files, name)} package-level {shared.kind} {name}"
    func = match.get("FUNC") or ""
    if not func or func.startswith("$"):
        return StateSighting(match.line, "mutation", "", f"handler func literal {what}")
    return StateSighting(match.line, "mutation", func, what)


def _go_upload(match: InventoryMatch, files: _Files) -> StateSighting | None:
    call = match.get("CALL") or ""
    detail = (
        "c.SaveUploadedFile() writes the upload to the local disk"
        if call == "SaveUploadedFile"
        else f"io.{call}() writes the uploaded file into a local file (os.Create)"
    )
    return StateSighting(match.line, "upload", match.get("FUNC") or "", detail)


def _java_shared(text: str) -> dict[str, _Shared]:
    """Fields of the file's top-level class: declarations at brace depth 1 (not locals)."""
    found: dict[str, _Shared] = {}
    depth = _brace_depths(text)
    for hit in _JAVA_FIELD.finditer(text):
        annotations, modifiers, type_, name, value = hit.groups(default="")
        line = text.count("\n", 0, hit.start(3))
        if line >= len(depth) or depth[line] != 1 or _JAVA_INJECTED.search(annotations):
            continue
        if type_ in {"return", "new", "throw"}:
            continue
        base = type_.split("<")[0].rsplit(".", 1)[-1]
        value = value.strip()
        if base in _JAVA_COUNTERS and "final" not in modifiers.split():
            found[name] = _Shared("counter", True)
        elif value and _JAVA_MUTABLE.match(value):
            found[name] = _Shared(base, "final" not in modifiers.split())
    return found


_JAVA_NOISE = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|//.*$')


def _brace_depths(text: str) -> list[int]:
    """The brace depth at the start of each line (strings and line comments ignored)."""
    depths: list[int] = []
    depth = 0
    for line in text.splitlines()[:MAX_LINES]:
        depths.append(depth)
        bare = _JAVA_NOISE.sub("", line)
        depth = max(depth + bare.count("{") - bare.count("}"), 0)
    return depths


def _java_state(match: InventoryMatch, files: _Files) -> StateSighting | None:
    name = match.get("X") or ""
    shared = files.shared(match.path, _java_shared).get(name)
    if shared is None:
        return None
    how = _how(match, files, name)
    if how == "reassigns" and not shared.rebindable:
        return None
    cls, func = match.get("CLASS") or "", match.get("FUNC") or ""
    where = f"{cls}.{func}" if cls and not cls.startswith("$") else func
    return StateSighting(match.line, "mutation", where, f"{how} field {shared.kind} {name}")


def _java_upload(match: InventoryMatch, files: _Files) -> StateSighting | None:
    call, file = match.get("CALL") or "", match.get("FILE") or "file"
    detail = (
        f"{file}.transferTo() writes the upload to the local disk"
        if call == "transferTo"
        else f"Files.copy({file}.getInputStream(), ...) writes the upload to the local disk"
    )
    return StateSighting(match.line, "upload", match.get("FUNC") or "", detail)
