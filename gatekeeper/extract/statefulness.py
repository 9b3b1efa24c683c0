"""State a Python web service keeps in its own process or on its own disk, which breaks as soon
as it runs as more than one replica.

Per file, from the shared ast:
- module-level names bound to a mutable container (`CACHE = {}`, `seen = set()`,
  `counts = defaultdict(int)`) and the functions that change them (`CACHE[k] = v`,
  `seen.add(x)`, `del CACHE[k]`, `global counter; counter += 1`);
- uploaded files written to the local disk (`request.files["f"].save(...)`, a FastAPI
  `UploadFile` copied into `open(path, "wb")` or with `shutil.copyfileobj`);
- sessions kept in process or on local disk (Flask-Session `SESSION_TYPE = "filesystem"`,
  Django `SESSION_ENGINE = "django.contrib.sessions.backends.file"`).

The phase decides which of those functions serve requests (from the route inventory).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.extract.pyparse import dotted

MAX_ITEMS = 200
_CONTAINERS = frozenset(
    {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque", "WeakValueDictionary"}
)
_MUTATORS = frozenset(
    {
        "append",
        "extend",
        "add",
        "update",
        "pop",
        "popitem",
        "setdefault",
        "clear",
        "remove",
        "discard",
        "insert",
        "appendleft",
    }
)
_MARKERS = (
    "{}",
    "[]",
    "set(",
    "dict(",
    "defaultdict",
    "Counter",
    "deque",
    "global ",
    "files",
    "UploadFile",
    "SESSION_",
)
_FILE_SESSIONS = {
    "SESSION_TYPE": ("filesystem", "Flask-Session stores sessions on the local disk"),
    "SESSION_ENGINE": (
        "django.contrib.sessions.backends.file",
        "Django stores sessions in files on the local disk",
    ),
}


@dataclass(frozen=True, slots=True, order=True)
class StateSighting:
    line: int
    kind: str  # mutation | upload | session
    function: str  # the function it happens in ("" at module level)
    detail: str


@dataclass(frozen=True, slots=True)
class StateFacts:
    path: str
    sightings: tuple[StateSighting, ...]


def _extract(pf: ParsedFile) -> StateFacts | None:
    if pf.tree is None or not any(marker in pf.text for marker in _MARKERS):
        return None
    found: list[StateSighting] = []
    shared = _module_containers(pf.tree)
    found.extend(_sessions(pf.tree))
    # Uploads come from `request.files` or an `UploadFile` parameter: without either word in
    # the file no function is walked for them (most files; the walks were most of the cost).
    uploads = "UploadFile" in pf.text or ".files" in pf.text
    for node in pf.tree.body:
        for func in _functions(node):
            if len(found) >= MAX_ITEMS:
                break
            found.extend(_mutations(func, shared))
            if uploads:
                found.extend(_uploads(func))
    if not found:
        return None
    return StateFacts(pf.path, tuple(sorted(set(found))[:MAX_ITEMS]))


def _functions(node: ast.stmt) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Top-level functions and the methods of top-level classes (views)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return [node]
    if isinstance(node, ast.ClassDef):
        return [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    return []


def _module_containers(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if value is not None and _is_container(value):
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        # a module-level counter changed through `global` is state too
        if isinstance(value, ast.Constant) and isinstance(value.value, int | float):
            names.update(f"global:{t.id}" for t in targets if isinstance(t, ast.Name))
    return names


def _is_container(value: ast.expr) -> bool:
    if isinstance(value, ast.Dict | ast.List | ast.Set):
        return True
    if isinstance(value, ast.Call):
        name = (dotted(value.func) or "").rpartition(".")[2]
        return name in _CONTAINERS
    return False


def _mutations(
    func: ast.FunctionDef | ast.AsyncFunctionDef, shared: set[str]
) -> list[StateSighting]:
    if not shared:
        return []
    declared_global = {
        name for node in ast.walk(func) if isinstance(node, ast.Global) for name in node.names
    }
    local = {
        t.id
        for node in ast.walk(func)
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name) and t.id not in declared_global
    }
    found: list[StateSighting] = []
    for node in ast.walk(func):
        name, how = _changed(node, shared, declared_global)
        if name is not None and name not in local and isinstance(node, ast.stmt | ast.expr):
            found.append(StateSighting(node.lineno, "mutation", func.name, f"{how} {name}"))
            if len(found) >= 20:
                break
    return found


def _changed(node: ast.AST, shared: set[str], declared_global: set[str]) -> tuple[str | None, str]:
    if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
        targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id in shared
            ):
                verb = "deletes from" if isinstance(node, ast.Delete) else "writes to"
                return target.value.id, verb
            if (
                isinstance(target, ast.Name)
                and target.id in declared_global
                and (target.id in shared or f"global:{target.id}" in shared)
                and not isinstance(node, ast.Delete)
            ):
                return target.id, "reassigns"
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _MUTATORS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in shared
    ):
        return node.func.value.id, f"calls .{node.func.attr}() on"
    return None, ""


def _uploads(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[StateSighting]:
    uploads = {
        a.arg
        for a in (*func.args.args, *func.args.kwonlyargs)
        if a.annotation is not None and "UploadFile" in (dotted(_unwrap(a.annotation)) or "")
    }
    files: set[str] = set()  # names bound from request.files
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and _from_request_files(node.value, files):
            files.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and _from_request_files(node.iter, files)
        ):
            files.add(node.target.id)
    found: list[StateSighting] = []
    for node in ast.walk(func):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "save" and _from_request_files(node.func.value, files):
            found.append(StateSighting(node.lineno, "upload", func.name, "saves an uploaded file"))
        elif (
            dotted(node.func) == "shutil.copyfileobj"
            and node.args
            and _upload_stream(node.args[0], uploads)
        ):
            found.append(
                StateSighting(node.lineno, "upload", func.name, "copies an uploaded file to disk")
            )
    return found[:10]


def _unwrap(node: ast.expr) -> ast.expr:
    return node.slice if isinstance(node, ast.Subscript) else node


def _from_request_files(node: ast.expr, files: set[str]) -> bool:
    """`request.files["f"]`, `request.files.get("f")`, `request.files.getlist("f")`, or a name
    bound from one of them."""
    if isinstance(node, ast.Name):
        return node.id in files
    if isinstance(node, ast.Subscript):
        return (dotted(node.value) or "").endswith("request.files")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("get", "getlist") and (dotted(node.func.value) or "").endswith(
            "request.files"
        )
    return False


def _upload_stream(node: ast.expr, uploads: set[str]) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "file"
        and isinstance(node.value, ast.Name)
        and node.value.id in uploads
    )


def _sessions(tree: ast.Module) -> list[StateSighting]:
    """Session settings made unconditionally: at module level or in a top-level function such
    as create_app() (one under an `if` depends on how the service is configured)."""
    found: list[StateSighting] = []
    statements = list(tree.body)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            statements.extend(node.body)
    for node in statements:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
            continue
        for target in node.targets:
            key = target.id if isinstance(target, ast.Name) else None
            if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                key = str(target.slice.value)
            if key in _FILE_SESSIONS and node.value.value == _FILE_SESSIONS[key][0]:
                found.append(StateSighting(node.lineno, "session", "", _FILE_SESSIONS[key][1]))
    return found[:5]


PYTHON = FunctionExtractor("statefulness.python", frozenset({"python"}), _extract)
