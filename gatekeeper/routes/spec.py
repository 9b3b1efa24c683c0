"""The operations an OpenAPI or Swagger document declares, read in the parent with the safe loader.

Validation runs in a bounded subprocess (engines/openapi.py); this module only reads what the
API phase compares with the code: paths, methods, parameters, bodies and responses. `$ref`s
are followed inside the document and into other files under the root, never beyond it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from gatekeeper import yamlsafe
from gatekeeper.errors import GatekeeperError
from gatekeeper.routes.model import HTTP_METHODS, join_paths, normalize_path

MAX_OPERATIONS = 5000
MAX_REF_DEPTH = 16
MAX_REF_DOCUMENTS = 50
MAX_DEREFS = 200_000

_RATE_LIMIT_HEADER = re.compile(r"^(?:x-)?rate-?limit|^retry-after$", re.IGNORECASE)
_VERSION_HEADER = re.compile(r"version", re.IGNORECASE)
_NO_BODY_CODES = frozenset({"201", "202", "204", "205"})
_LIST_PROPERTIES = ("items", "results", "data", "content", "records", "entries", "values")
_PAGE_PROPERTIES = frozenset(
    {
        "next",
        "next_cursor",
        "nextcursor",
        "cursor",
        "next_page",
        "nextpage",
        "page",
        "total",
        "total_count",
        "totalcount",
        "count",
        "offset",
        "limit",
        "has_more",
        "hasmore",
        "pageinfo",
        "next_token",
        "nexttoken",
        "links",
        "_links",
        "page_info",
    }
)


@dataclass(frozen=True, slots=True, order=True)
class SpecOperation:
    """One operation of a spec document, with what the API criteria look at."""

    file: str  # the file the operation is written in (the spec, or a file it `$ref`s)
    line: int
    method: str
    path: str  # normalized template form, without the servers' base path
    spec: str  # the root spec document this operation belongs to
    base_paths: tuple[str, ...] = ()  # from `servers` (3.x) or `basePath` (2.0)
    operation_id: str | None = None
    request_body: bool = False
    request_schema: bool = False
    success_codes: tuple[str, ...] = ()
    response_schema: bool = False  # a 2xx response has a schema (or needs none: 204, HEAD)
    error_codes: tuple[str, ...] = ()  # documented 4xx, 5xx and `default` responses
    error_schema: bool = False  # one of those has a schema
    problem_json: bool = False  # an error response is application/problem+json
    query_params: tuple[str, ...] = ()
    header_params: tuple[str, ...] = ()
    response_is_list: bool | None = None
    paged_envelope: bool = False  # the success schema carries next/cursor/total ... fields
    rate_limit: tuple[str, ...] = ()  # "429", rate-limit header names
    media_types: tuple[str, ...] = ()
    # `x-gatekeeper-ignore` on the operation or its path item: (rule or criterion id, reason)
    ignores: tuple[tuple[str, str], ...] = ()
    # What the contract says about callers: "required" (a security requirement applies),
    # "public" (`security: []`, or an empty requirement `{}` among the alternatives), or None
    # (the document says nothing)
    security: str | None = None

    def full_paths(self) -> tuple[str, ...]:
        """The path as served under each base path (the bare path when there is none)."""
        if not self.base_paths:
            return (self.path,)
        return tuple(join_paths(b, self.path) for b in self.base_paths)


@dataclass(frozen=True, slots=True)
class SpecDocument:
    path: str
    operations: tuple[SpecOperation, ...]
    base_paths: tuple[str, ...] = ()
    problems: tuple[tuple[str, int | None, str], ...] = ()  # (file, line, message)
    error: str | None = None  # the document could not be read at all
    truncated: bool = False


# ---------------------------------------------------------------------------- loading

Reader = Callable[[str], str]  # root-relative path -> text; raises for anything unreadable


@dataclass(slots=True)
class _Docs:
    """The documents one spec reaches through `$ref`, loaded once each, with their line maps."""

    read: Reader
    loaded: dict[str, tuple[object, dict[yamlsafe.KeyPath, int]]] = field(default_factory=dict)
    problems: list[tuple[str, int | None, str]] = field(default_factory=list)
    derefs: int = 0

    def load(self, path: str) -> tuple[object, dict[yamlsafe.KeyPath, int]]:
        if path not in self.loaded:
            if len(self.loaded) >= MAX_REF_DOCUMENTS:
                raise _RefError(f"more than {MAX_REF_DOCUMENTS} documents reached through $ref")
            self.loaded[path] = _parse(path, self.read(path))
        return self.loaded[path]


class _RefError(Exception):
    pass


def _parse(path: str, text: str) -> tuple[object, dict[yamlsafe.KeyPath, int]]:
    try:
        return yamlsafe.load_yaml_with_lines(text, path=path)
    except yamlsafe.DataFormatError:
        if not path.lower().endswith(".json"):
            raise
    # JSON that YAML's scanner refuses (tabs in odd places ...): no line numbers then.
    return yamlsafe.load_json(text, path), {}


def load_spec(path: str, read: Reader) -> SpecDocument:
    """The operations of the spec at `path`; any unreadable part is a problem, never a crash."""
    docs = _Docs(read)
    try:
        data, lines = docs.load(path)
    except (GatekeeperError, OSError, ValueError, RecursionError) as exc:
        return SpecDocument(path, (), error=f"{path}: {exc}")
    if not isinstance(data, Mapping):
        return SpecDocument(path, (), error=f"{path}: the document is not a mapping")
    base_paths = _base_paths(data)
    operations: list[SpecOperation] = []
    truncated = False
    paths = data.get("paths")
    if paths is not None and not isinstance(paths, Mapping):
        docs.problems.append((path, lines.get(("paths",)), "`paths` is not a mapping"))
        paths = None
    global_security = data.get("security")
    for raw_path, item in (paths or {}).items():
        if not isinstance(raw_path, str):
            continue
        item_line = lines.get(("paths", raw_path))
        try:
            item, item_file, item_lines, item_prefix = _deref(
                docs, item, path, lines, ("paths", raw_path)
            )
        except _RefError as exc:
            docs.problems.append((path, item_line, f"paths {raw_path}: {exc}"))
            continue
        if not isinstance(item, Mapping):
            continue
        shared_params = item.get("parameters")
        for key, op in item.items():
            if not isinstance(key, str) or key.upper() not in HTTP_METHODS:
                continue
            if not isinstance(op, Mapping):
                continue
            if len(operations) >= MAX_OPERATIONS:
                truncated = True
                break
            line = item_lines.get((*item_prefix, key)) or item_line or 1
            operations.append(
                _operation(
                    docs,
                    op,
                    method=key.upper(),
                    raw_path=raw_path,
                    file=item_file,
                    line=line,
                    spec=path,
                    base_paths=base_paths,
                    shared_params=shared_params,
                    swagger="swagger" in data,
                    global_produces=data.get("produces"),
                    ignores=spec_ignores(item.get(IGNORE_KEY)) + spec_ignores(op.get(IGNORE_KEY)),
                    security=security_of(op.get("security", global_security)),
                )
            )
    return SpecDocument(
        path,
        tuple(sorted(operations)),
        base_paths,
        tuple(sorted(docs.problems, key=lambda p: (p[0], p[1] or 0, p[2]))),
        None,
        truncated,
    )


IGNORE_KEY = "x-gatekeeper-ignore"
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def spec_ignores(value: object) -> tuple[tuple[str, str], ...]:
    """`x-gatekeeper-ignore: {GK104: reason}` or a list of `{id: GK104, reason: ...}`: the
    suppressions a spec declares for one operation (JSON specs have no comments). An entry
    without a reason is dropped: like an inline comment, it suppresses nothing."""
    pairs: list[tuple[object, object]] = []
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = [(v.get("id"), v.get("reason")) for v in value[:50] if isinstance(v, Mapping)]
    out = []
    for ident, reason in pairs[:50]:
        if isinstance(ident, str) and _ID.match(ident) and isinstance(reason, str):
            text = " ".join(reason.split())[:200]
            if text:
                out.append((ident, text))
    return tuple(sorted(set(out)))


def _base_paths(data: Mapping[object, object]) -> tuple[str, ...]:
    found: set[str] = set()
    base = data.get("basePath")
    if isinstance(base, str) and base.strip("/"):
        found.add(normalize_path(base, "openapi").rstrip("/"))
    servers = data.get("servers")
    if isinstance(servers, list):
        for server in servers:
            url = server.get("url") if isinstance(server, Mapping) else None
            if not isinstance(url, str):
                continue
            try:
                part = urlsplit(url).path if "://" in url else url
            except ValueError:
                continue
            part = part.strip()
            if part.strip("/"):
                found.add(normalize_path(part, "openapi").rstrip("/"))
    return tuple(sorted(found))


def _operation(
    docs: _Docs,
    op: Mapping[object, object],
    *,
    method: str,
    raw_path: str,
    file: str,
    line: int,
    spec: str,
    base_paths: tuple[str, ...],
    shared_params: object,
    swagger: bool,
    global_produces: object,
    ignores: tuple[tuple[str, str], ...] = (),
    security: str | None = None,
) -> SpecOperation:
    query: set[str] = set()
    headers: set[str] = set()
    request_body = request_schema = False
    for param in [*_as_list(shared_params), *_as_list(op.get("parameters"))]:
        param = _resolved(docs, param, file)
        if not isinstance(param, Mapping):
            continue
        name, where = param.get("name"), param.get("in")
        if not isinstance(name, str):
            continue
        if where == "query":
            query.add(name)
        elif where == "header":
            headers.add(name)
        elif where == "body":  # Swagger 2.0
            request_body = True
            request_schema = request_schema or isinstance(param.get("schema"), Mapping)
    body = _resolved(docs, op.get("requestBody"), file)
    if isinstance(body, Mapping):
        request_body = True
        request_schema = request_schema or any(
            isinstance(m, Mapping) and isinstance(m.get("schema"), Mapping) for m in _media(body)
        )
    success: list[str] = []
    errors: list[str] = []
    response_schema = method == "HEAD"
    error_schema = problem_json = paged = unschematized = False
    response_is_list: bool | None = None
    rate_limit: set[str] = set()
    media_types: set[str] = set()
    if isinstance(global_produces, list):
        media_types.update(m for m in global_produces if isinstance(m, str))
    produces = op.get("produces")
    if isinstance(produces, list):
        media_types.update(m for m in produces if isinstance(m, str))
    responses = op.get("responses")
    for code, response in responses.items() if isinstance(responses, Mapping) else ():
        code_text = str(code)
        response = _resolved(docs, response, file)
        if not isinstance(response, Mapping):
            continue
        schemas: list[object] = []
        if swagger:
            if isinstance(response.get("schema"), Mapping):
                schemas.append(response["schema"])
        else:
            for media_type, media in _media_items(response):
                media_types.add(media_type)
                if isinstance(media, Mapping) and isinstance(media.get("schema"), Mapping):
                    schemas.append(media["schema"])
                    if code_text[:1] in ("4", "5") or code_text == "default":
                        problem_json = problem_json or "problem+json" in media_type
        response_headers = response.get("headers")
        if isinstance(response_headers, Mapping):
            rate_limit.update(
                h for h in response_headers if isinstance(h, str) and _RATE_LIMIT_HEADER.search(h)
            )
        if code_text == "429":
            rate_limit.add("429")
        if code_text.startswith("2"):
            success.append(code_text)
            has_content = (swagger and "schema" in response) or "content" in response
            if schemas or (not has_content and code_text in _NO_BODY_CODES):
                response_schema = True
            elif has_content:
                unschematized = True
            for schema in schemas:
                is_list, envelope = _list_shape(docs, schema, file)
                if is_list:
                    response_is_list = True
                elif response_is_list is None:
                    response_is_list = False
                paged = paged or envelope
        elif code_text[:1] in ("4", "5") or code_text == "default":
            errors.append(code_text)
            error_schema = error_schema or bool(schemas)
    op_id = op.get("operationId")
    return SpecOperation(
        file=file,
        line=line,
        method=method,
        path=normalize_path(raw_path, "openapi"),
        spec=spec,
        base_paths=base_paths,
        operation_id=op_id if isinstance(op_id, str) else None,
        request_body=request_body,
        request_schema=request_schema,
        success_codes=tuple(sorted(success)),
        response_schema=response_schema and not unschematized,
        error_codes=tuple(sorted(errors)),
        error_schema=error_schema,
        problem_json=problem_json,
        query_params=tuple(sorted(query)),
        header_params=tuple(sorted(headers)),
        response_is_list=response_is_list,
        paged_envelope=paged,
        rate_limit=tuple(sorted(rate_limit)),
        media_types=tuple(sorted(media_types)),
        ignores=ignores,
        security=security,
    )


def security_of(value: object) -> str | None:
    """An OpenAPI `security` value (operation or document level) as required, public or None:
    a list of alternative requirement objects, where an empty object allows anonymous calls."""
    if not isinstance(value, list):
        return None
    if not value or any(isinstance(r, Mapping) and not r for r in value):
        return "public"
    if any(isinstance(r, Mapping) and r for r in value):
        return "required"
    return None


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _media(node: Mapping[object, object]) -> Iterator[object]:
    for _, media in _media_items(node):
        yield media


def _media_items(node: Mapping[object, object]) -> Iterator[tuple[str, object]]:
    content = node.get("content")
    if isinstance(content, Mapping):
        for media_type, media in content.items():
            if isinstance(media_type, str):
                yield media_type.lower(), media


def _list_shape(docs: _Docs, schema: object, file: str) -> tuple[bool, bool]:
    """(the schema is a collection, it is a paginated envelope) after one level of `$ref`s."""
    schema = _resolved(docs, schema, file)
    if not isinstance(schema, Mapping):
        return False, False
    kind = schema.get("type")
    if kind == "array" or (isinstance(kind, list) and "array" in kind):
        return True, False
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        return False, False
    names = {k.lower() for k in props if isinstance(k, str)}
    envelope = bool(names & _PAGE_PROPERTIES)
    for name in _LIST_PROPERTIES:
        inner = _resolved(docs, props.get(name), file)
        if isinstance(inner, Mapping) and inner.get("type") == "array":
            return True, envelope
    return False, False


def _resolved(docs: _Docs, node: object, file: str) -> object:
    """`node` with its `$ref` followed (chains too); a refused `$ref` is a problem, not a crash."""
    try:
        _, lines = docs.load(file)
    except (GatekeeperError, OSError, ValueError, RecursionError, _RefError):
        return node
    try:
        return _deref(docs, node, file, lines, ())[0]
    except _RefError as exc:
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        docs.problems.append((file, None, f"$ref {str(ref)[:200]!r}: {exc}"))
        return None


def _deref(
    docs: _Docs,
    node: object,
    file: str,
    lines: dict[yamlsafe.KeyPath, int],
    prefix: yamlsafe.KeyPath,
) -> tuple[object, str, dict[yamlsafe.KeyPath, int], yamlsafe.KeyPath]:
    """Follow `$ref` chains from `node`: (target, its file, that file's lines, its key path)."""
    for _ in range(MAX_REF_DEPTH):
        if not isinstance(node, Mapping) or not isinstance(node.get("$ref"), str):
            return node, file, lines, prefix
        docs.derefs += 1
        if docs.derefs > MAX_DEREFS:
            raise _RefError(f"more than {MAX_DEREFS} $ref resolutions")
        ref = str(node["$ref"])
        target_file, pointer = _split(ref, file)
        try:
            data, lines = docs.load(target_file)
        except (GatekeeperError, OSError, ValueError, RecursionError) as exc:
            raise _RefError(f"cannot read {target_file}: {exc}") from exc
        node, prefix = _pointer(data, pointer)
        file = target_file
    raise _RefError(f"$ref chain longer than {MAX_REF_DEPTH}")


def _split(ref: str, file: str) -> tuple[str, str]:
    target, _, fragment = ref.partition("#")
    if not target:
        return file, fragment
    if "://" in target or target.startswith(("/", "\\")) or ":" in target.split("/")[0]:
        raise _RefError("not a relative file inside the repository; not followed")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(file), unquote(target)))
    if joined.startswith("../") or joined == "..":
        raise _RefError("points outside the repository; not followed")
    return joined, fragment


def _pointer(data: object, pointer: str) -> tuple[object, yamlsafe.KeyPath]:
    node = data
    path: list[str | int] = []
    if not pointer or pointer == "/":
        return node, ()
    for raw in pointer.lstrip("/").split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            path.append(int(part))
        else:
            raise _RefError(f"#{pointer[:200]} does not exist")
    return node, tuple(path)
