"""Finds OpenAPI/Swagger specs and validates each in a bounded subprocess.

Every `$ref` is resolved by gatekeeper itself: only regular files inside the root are read
(through safe_read and yamlsafe), nothing is ever fetched, and resolution work is capped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import warnings
import weakref
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import GeneratorType
from typing import IO, Any, cast
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from referencing import Registry, Resource
from referencing._core import Resolved, Resolver
from referencing.exceptions import Unresolvable

from gatekeeper import repo
from gatekeeper.engines import proc
from gatekeeper.errors import GatekeeperError
from gatekeeper.repo import RepoIndex, decode_source, display_path, safe_read
from gatekeeper.yamlsafe import DataFormatError, KeyPath, load_json, load_yaml_with_lines

ENGINE = "openapi"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY_BYTES = 1024 * 1024 * 1024
HEAD_BYTES = 4096
# A legitimate spec needs about 1.3 lookups per `$ref` (measured); a "ref bomb" needs millions.
MIN_REF_RESOLUTIONS = 10_000
REF_RESOLUTIONS_PER_REF = 10
MAX_DOCUMENTS = 100  # files a spec may pull in through `$ref`, itself included
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # summed size of those files (the spec itself always loads)
MAX_ERRORS = 200
MAX_SPECS = 50  # validated per audit; each is one subprocess
MAX_REF_PROBLEMS = 200
MAX_MESSAGE_CHARS = 300
MAX_REF_CHARS = 200
_RESOLVED_CACHE_SIZE = 128  # openapi-spec-validator's own default

# The virtual base URI of the audited root. Refs are joined against it exactly as `referencing`
# joins them, so the registry keys we compute are the ones the library will look up.
_ROOT_PATH = "/gatekeeper-root/"
_ROOT_URI = "file://" + _ROOT_PATH
_REF_SUFFIXES = (".yaml", ".yml", ".json")


class SpecKind(StrEnum):
    OPENAPI_3_0 = "openapi-3.0"
    OPENAPI_3_1 = "openapi-3.1"
    OPENAPI_3_2 = "openapi-3.2"
    SWAGGER_2_0 = "swagger-2.0"
    UNKNOWN = "unknown"


class SpecStatus(StrEnum):
    VALID = "valid"  # the validator finished and found nothing (ref_problems may remain)
    INVALID = "invalid"  # it finished and found errors
    ERROR = "error"  # it could not finish: timeout, memory, recursion, unloadable file ...


@dataclass(frozen=True, slots=True, order=True)
class SpecCandidate:
    path: str
    kind: SpecKind
    version: str | None  # as written near the top of the file, when cheaply seen


@dataclass(frozen=True, slots=True, order=True)
class SpecError:
    pointer: str  # JSON pointer in the spec ("" when the validator gives no location)
    message: str  # escaped, at most MAX_MESSAGE_CHARS
    line: int | None = None  # line in the spec file, when the pointer maps to one (YAML)


@dataclass(frozen=True, slots=True, order=True)
class RefProblem:
    """A `$ref` gatekeeper did not follow; validation went on with an empty schema in its place."""

    pointer: str  # JSON pointer of the `$ref` member inside `file` ("" when not known)
    ref: str  # the `$ref` text, escaped and truncated
    reason: str
    file: str = ""  # root-relative file holding the `$ref`


@dataclass(frozen=True, slots=True)
class SpecResult:
    path: str
    status: SpecStatus
    version: str | None
    errors: tuple[SpecError, ...]
    ref_problems: tuple[RefProblem, ...]
    message: str


# ---------------------------------------------------------------------------- discovery

_KEYS = ("openapi", "swagger")
# A top-level YAML key at column 0 (plain or quoted) with a scalar on the same line.
_YAML_KEY = re.compile(
    r"""^(?:"(?P<dq>openapi|swagger)"|'(?P<sq>openapi|swagger)'|(?P<plain>openapi|swagger))"""
    r"""[ \t]*:[ \t]+(?P<value>\S.*)$"""
)
_JSON_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:)?|[\[\]{}]')
_JSON_SCALAR = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([-+0-9.eE]+))')
_VERSION = re.compile(r"(\d+)\.(\d+)(?:[.\-+]|$)")


def discover_specs(index: RepoIndex) -> tuple[SpecCandidate, ...]:
    """The indexed JSON/YAML files that declare `openapi` or `swagger` at their top level.

    Only the first HEAD_BYTES of each file are read and scanned (no parse): a YAML key at
    column 0, or a key of the outermost JSON object, whose scalar value starts with a digit.
    """
    found: list[SpecCandidate] = []
    for entry in index.files:
        if entry.language not in ("json", "yaml"):
            continue
        try:
            head = read_head(index.root, entry.path, HEAD_BYTES)
        except (GatekeeperError, OSError):
            continue  # vanished or swapped since the walk; the index already accounts for it
        sniffed = sniff_spec(head, truncated=len(head) >= HEAD_BYTES)
        if sniffed is not None:
            key, version = sniffed
            found.append(SpecCandidate(entry.path, spec_kind(key, version), version))
    return tuple(sorted(found))


def read_head(root: Path, rel: str, limit: int) -> bytes:
    """At most `limit` bytes from the start of the regular file `rel`, with safe_read's checks."""
    return repo.safe_read_head(root, rel, limit)


def sniff_spec(head: bytes, *, truncated: bool = False) -> tuple[str, str | None] | None:
    """("openapi" | "swagger", version) when the head declares one at the top level, else None.

    `truncated`: the head was cut at HEAD_BYTES, so its last line may be partial and is ignored.
    """
    if b"\0" in head:
        return None
    text = head.decode("utf-8", "replace").removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        return _sniff_json(text)
    lines = text.splitlines()
    if truncated and lines:
        lines.pop()
    for line in lines:
        match = _YAML_KEY.match(line)
        if match is None:
            continue
        version = _yaml_scalar(match.group("value"))
        if version and version[0].isdigit():
            return match.group("dq") or match.group("sq") or match.group("plain"), version
    return None


def _yaml_scalar(value: str) -> str | None:
    value = value.strip()
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else None
    value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
    return value or None


def _sniff_json(text: str) -> tuple[str, str | None] | None:
    stack: list[str] = []
    for match in _JSON_TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{", "["):
            stack.append(token)
        elif token in ("}", "]"):
            if not stack:
                return None
            stack.pop()
            if not stack:
                return None  # the outermost object ended without the key
        elif match.group(2) is not None and stack == ["{"]:
            key = _json_string(match.group(1))
            if key not in _KEYS:
                continue
            scalar = _JSON_SCALAR.match(text, match.end())
            if scalar is None:
                continue
            version = _json_string(scalar.group(1)) if scalar.group(1) is not None else None
            version = version if version is not None else scalar.group(2)
            if version and version[0].isdigit():
                return key, version
    return None


def _json_string(body: str) -> str | None:
    try:
        value = json.loads(f'"{body}"')
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def spec_kind(key: str, version: str | None) -> SpecKind:
    """The kind a top-level `openapi`/`swagger` value declares."""
    match = _VERSION.match(version or "")
    if match is None:
        return SpecKind.UNKNOWN
    major_minor = (match.group(1), match.group(2))
    if key == "swagger":
        return SpecKind.SWAGGER_2_0 if major_minor == ("2", "0") else SpecKind.UNKNOWN
    if major_minor[0] != "3":
        return SpecKind.UNKNOWN
    by_minor = {"0": SpecKind.OPENAPI_3_0, "1": SpecKind.OPENAPI_3_1, "2": SpecKind.OPENAPI_3_2}
    return by_minor.get(major_minor[1], SpecKind.UNKNOWN)


# ---------------------------------------------------------------------------- the parent side


def validate_spec(
    index: RepoIndex,
    path: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
) -> SpecResult:
    """Load and validate one indexed spec in a subprocess bounded in time and address space.

    Never raises for anything in the target: a crash, a hang or a blow-up becomes an `error`
    result naming what happened.
    """
    entry = index.get(path)
    if entry is None:
        return _error(path, f"{display_path(path)}: not an indexed file; nothing validated")
    argv = [
        sys.executable,
        "-I",
        "-m",
        "gatekeeper.engines.openapi",
        str(index.root),
        path,
        str(index.cap_for(entry)),
    ]
    scratch = Path(tempfile.mkdtemp(prefix="gatekeeper-openapi-"))
    try:
        result = proc.run(argv, cwd=scratch, timeout=timeout, rlimit_as_bytes=memory_bytes)
    except OSError as exc:
        return _error(path, f"could not start the validator process: {exc.strerror or exc}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result_from_process(path, result, timeout=timeout, memory_bytes=memory_bytes)


def validate_all(
    index: RepoIndex,
    candidates: Sequence[SpecCandidate],
    *,
    jobs: int = 2,
    timeout: float = DEFAULT_TIMEOUT,
    limit: int = MAX_SPECS,
) -> tuple[SpecResult, ...]:
    """Validate every candidate, `jobs` subprocesses at a time; past `limit`, each is `error`."""
    from concurrent.futures import ThreadPoolExecutor

    chosen = [c.path for c in candidates[:limit]]
    skipped = [
        _error(
            c.path,
            f"{display_path(c.path)}: not validated; gatekeeper validates at most {limit} "
            "specs per audit (exclude generated or vendored copies)",
        )
        for c in candidates[limit:]
    ]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = list(pool.map(lambda p: validate_spec(index, p, timeout=timeout), chosen))
    return tuple(sorted([*done, *skipped], key=lambda r: r.path))


def result_from_process(
    path: str, result: proc.ProcResult, *, timeout: float, memory_bytes: int
) -> SpecResult:
    """The SpecResult a finished (or killed) validator process stands for."""
    shown = display_path(path)
    if result.timed_out:
        return _error(
            path,
            f"{shown}: validation did not finish within {timeout:g} s and was stopped "
            "(a $ref explosion or a very large spec?)",
        )
    out_of_memory = (
        f"{shown}: validation needed more than {memory_bytes // 2**20} MiB of memory and was "
        "stopped"
    )
    if result.memory_exceeded:
        return _error(path, out_of_memory)
    if result.stdout_truncated:
        return _error(path, f"{shown}: the validator wrote more output than gatekeeper keeps")
    try:
        data = json.loads(result.stdout)
        return result_from_json(path, data)
    except (ValueError, TypeError, KeyError) as exc:
        if b"MemoryError" in result.stderr:
            return _error(path, out_of_memory)
        detail = proc.short_text(result.stderr, 300) or "no message"
        how = (
            f"was killed by signal {-result.returncode}"
            if result.returncode < 0
            else f"exited with {result.returncode}"
        )
        return _error(
            path, f"{shown}: the validator {how} without a usable result ({exc}): {detail}"
        )


def result_from_json(path: str, data: object) -> SpecResult:
    """Rebuild a SpecResult from the subprocess's JSON, checking every field's type.

    The subprocess has just read hostile input, so its output is re-checked and re-clipped.
    Raises ValueError, TypeError or KeyError when it is not in the expected shape.
    """
    if not isinstance(data, dict):
        raise TypeError("result is not an object")
    status = SpecStatus(data["status"])
    version = data.get("version")
    if version is not None and not isinstance(version, str):
        raise TypeError("version is not a string")
    errors = tuple(
        SpecError(
            _clip(_text(item["pointer"])),
            _clip(_text(item["message"])),
            _line(item.get("line")),
        )
        for item in _items(data.get("errors", []))[:MAX_ERRORS]
    )
    problems = tuple(
        RefProblem(
            _clip(_text(item["pointer"])),
            _clip(_text(item["ref"]), MAX_REF_CHARS),
            _clip(_text(item["reason"])),
            _clip(_text(item.get("file", ""))),
        )
        for item in _items(data.get("ref_problems", []))[:MAX_REF_PROBLEMS]
    )
    return SpecResult(
        path=path,
        status=status,
        version=_clip(version, 40) if version is not None else None,
        errors=tuple(sorted(set(errors), key=_error_key)),
        ref_problems=tuple(sorted(set(problems))),
        message=_clip(_text(data.get("message", "")), 2000),
    )


def _error_key(error: SpecError) -> tuple[str, str, int]:
    return (error.pointer, error.message, error.line or 0)


def _items(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise TypeError("expected a list of objects")
    return cast(list[dict[str, Any]], value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _line(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    raise TypeError("line is not a positive integer")


def _error(path: str, message: str) -> SpecResult:
    return SpecResult(path, SpecStatus.ERROR, None, (), (), _clip(message, 2000))


def _clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """One line of `text` with control characters escaped, cut to about `limit` characters."""
    shown = proc.short_text(text[:limit], limit * 4)  # escaping only: the head is already short
    return shown + "..." if len(text) > limit else shown


# ---------------------------------------------------------------------------- the subprocess


class _RefLimitExceeded(Exception):
    pass


@dataclass(slots=True)
class _Budget:
    """Counts `$ref` lookups; past the limit every further lookup fails."""

    limit: int
    used: int = 0
    exceeded: bool = False
    last: tuple[str, str] | None = None  # (base URI, ref) of the latest lookup

    def charge(self, base_uri: str, ref: str) -> None:
        self.used += 1
        self.last = (base_uri, ref)
        if self.used > self.limit:
            self.exceeded = True
            raise _RefLimitExceeded(ref)


# referencing's attrs fields are invisible to mypy, hence the call-arg ignores below.
class _CountedResolver:
    """Stands in for a referencing Resolver and charges each lookup to a budget.

    `referencing` forbids subclassing its Resolver, so this wraps one instead, re-wrapping every
    resolver it hands out; it implements what jsonschema and jsonschema-path call on one.
    """

    __slots__ = ("_budget", "_inner")

    def __init__(self, inner: Resolver[Any], budget: _Budget) -> None:
        self._inner = inner
        self._budget = budget

    def _wrap(self, resolver: Resolver[Any]) -> Resolver[Any]:
        if isinstance(resolver, _CountedResolver):
            return resolver
        return cast(Resolver[Any], _CountedResolver(resolver, self._budget))

    def lookup(self, ref: str) -> Resolved[Any]:
        self._budget.charge(self._inner._base_uri, ref)
        resolved = self._inner.lookup(ref)
        wrapped = self._wrap(resolved.resolver)
        return Resolved(contents=resolved.contents, resolver=wrapped)  # type: ignore[call-arg]

    def in_subresource(self, subresource: Resource[Any]) -> Resolver[Any]:
        return self._wrap(self._inner.in_subresource(subresource))

    def dynamic_scope(self) -> Iterable[tuple[str, Registry[Any]]]:
        return self._inner.dynamic_scope()

    def _evolve(self, base_uri: str, **kwargs: Any) -> Resolver[Any]:
        return self._wrap(self._inner._evolve(base_uri, **kwargs))

    @property
    def _base_uri(self) -> str:
        return self._inner._base_uri

    @property
    def _registry(self) -> Registry[Any]:
        return self._inner._registry


@dataclass(slots=True)
class _Ref:
    file: str  # root-relative file the `$ref` is written in
    parts: KeyPath  # path to the object holding it
    text: str
    holder: dict[str, object]


@dataclass(slots=True)
class _Loaded:
    contents: object = None
    problem: str | None = None  # why the file is not used (then contents is None)


@dataclass(slots=True)
class _Refs:
    """Loads the spec and every in-root file its `$ref`s name, and vets each `$ref` up front.

    A `$ref` that would leave the root, use a network or other scheme, or point at nothing is
    recorded and removed, so the validator never resolves it and meets an empty schema instead.
    """

    root: Path
    max_bytes: int
    loaded: dict[str, _Loaded] = field(default_factory=dict)
    problems: list[RefProblem] = field(default_factory=list)
    problem_count: int = 0
    ref_count: int = 0
    where: dict[tuple[str, str], str] = field(default_factory=dict)  # (base URI, ref) -> place
    bytes_loaded: int = 0

    def load_all(self, rel: str, spec: object) -> None:
        self.loaded[rel] = _Loaded(spec)
        queue = [rel]
        refs: list[_Ref] = []
        while queue:
            current = queue.pop(0)
            for ref in _collect_refs(current, self.loaded[current].contents):
                refs.append(ref)
                target = self._target_file(ref)
                if isinstance(target, str) and target not in self.loaded:
                    self.loaded[target] = self._load(target)
                    if self.loaded[target].problem is None:
                        queue.append(target)
        self.ref_count = len(refs)
        # Vet every ref before removing any, so removals cannot change what a pointer reaches.
        refused = [(ref, reason) for ref in refs if (reason := self._vet(ref)) is not None]
        for ref, reason in refused:
            self._record(
                RefProblem(
                    _pointer((*ref.parts, "$ref")),
                    _clip(ref.text, MAX_REF_CHARS),
                    reason,
                    display_path(ref.file),
                )
            )
            ref.holder.pop("$ref", None)
        for ref in refs:
            self.where.setdefault(
                (_uri_for(ref.file), ref.text),
                f"{display_path(ref.file)}#{_pointer((*ref.parts, '$ref'))}",
            )

    def resources(self) -> list[tuple[str, Resource[Any]]]:
        # Opaque, not JSON Schema 2020-12 as the library would: an `$id` inside a file then
        # never moves the base its refs resolve against (the vetting assumed the file's own
        # URI), and referencing never crawls a hostile document looking for ids and anchors.
        return [
            (_uri_for(rel), Resource.opaque(doc.contents))
            for rel, doc in sorted(self.loaded.items())
            if doc.problem is None
        ]

    def refuse(self, uri: str) -> Resource[Any]:
        """The registry's retriever: claims every URI it is asked for and fetches none."""
        # Only refs the vetting could not foresee get here ($id or $anchor changing the base).
        self._record(
            RefProblem(
                "",
                _clip(uri, MAX_REF_CHARS),
                "reached while validating (through $id or an anchor); gatekeeper does not fetch "
                "references, so an empty schema was used",
            )
        )
        return Resource.opaque({})

    def _record(self, problem: RefProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REF_PROBLEMS:
            self.problems.append(problem)

    def _target_file(self, ref: _Ref) -> str | _Refused:
        """The root-relative file a ref names, or why it is not followed."""
        try:
            uri, _fragment = _split_ref(_uri_for(ref.file), ref.text)
        except ValueError:
            return _Refused("not a valid URI reference")
        rel = _file_of(uri)
        if isinstance(rel, _Refused) or rel in self.loaded:
            return rel
        # Files the spec pulls in must look like spec files: never .git/config, a CI-written
        # credentials file's dot-directory, or other text a validator message could echo.
        if any(part.startswith(".") for part in rel.split("/")):
            return _Refused("names a hidden file or directory (such as .git); not followed")
        if not rel.lower().endswith(_REF_SUFFIXES):
            return _Refused("not a .yaml, .yml or .json file; not followed")
        return rel

    def _load(self, rel: str) -> _Loaded:
        if len(self.loaded) >= MAX_DOCUMENTS:
            return _Loaded(problem=f"not read: the spec already pulls in {MAX_DOCUMENTS} files")
        try:
            data = safe_read(self.root, rel, self.max_bytes)
            self.bytes_loaded += len(data)
            if self.bytes_loaded > MAX_TOTAL_BYTES:
                return _Loaded(
                    problem=f"not read: referenced files exceed {MAX_TOTAL_BYTES // 2**20} MiB"
                )
            contents, _lines = _parse(rel, data)
        except FileNotFoundError:
            return _Loaded(problem="no such file in the repository")
        except OSError as exc:
            return _Loaded(problem=f"could not be read: {exc.strerror or type(exc).__name__}")
        except GatekeeperError as exc:  # a link, too large, binary, unparsable YAML/JSON
            return _Loaded(problem=f"could not be loaded: {exc}")
        return _Loaded(contents)

    def _vet(self, ref: _Ref) -> str | None:
        """Why `ref` must not be resolved, or None when it names something in the root."""
        target = self._target_file(ref)
        if isinstance(target, _Refused):
            return target.reason
        loaded = self.loaded[target]
        if loaded.problem is not None:
            return f"{display_path(target)}: {loaded.problem}"
        _uri, fragment = _split_ref(_uri_for(ref.file), ref.text)
        return _pointer_problem(loaded.contents, fragment, target)


@dataclass(frozen=True, slots=True)
class _Refused:
    reason: str


def _uri_for(rel: str) -> str:
    """The URI of a root-relative file: the one form in which a `$ref` may name it."""
    # Only what would change the URI's structure is escaped; everything else stays as written,
    # which is also how urljoin leaves a ref's text.
    return _ROOT_URI + "".join(_uri_char(char) for char in rel)


def _uri_char(char: str) -> str:
    if char in "%#?" or (ord(char) < 0x80 and not char.isprintable()):
        return f"%{ord(char):02X}"
    return char


def _split_ref(base_uri: str, ref: str) -> tuple[str, str]:
    """(document URI, fragment) of a ref, computed exactly as referencing computes them."""
    if ref.startswith("#"):
        return base_uri, ref[1:]
    uri, fragment = urldefrag(urljoin(base_uri, ref))
    return uri, fragment


def _file_of(uri: str) -> str | _Refused:
    split = urlsplit(uri)
    if split.scheme != "file":
        scheme = f"{split.scheme}:" if split.scheme else "a scheme-less URI"
        return _Refused(
            f"a remote or non-file reference ({_clip(scheme, 40)}); gatekeeper never fetches "
            "references, only files inside the repository are read"
        )
    if split.netloc or not split.path.startswith(_ROOT_PATH):
        return _Refused(
            "leaves the audited root (an absolute path, a file: URI or too many '..'); only "
            "files inside the repository are read"
        )
    if split.query:
        return _Refused("has a query string; only plain relative file paths are followed")
    rel = unquote(split.path[len(_ROOT_PATH) :])
    if _uri_for(rel) != uri:
        return _Refused("a percent-encoded path; write the file's path as it is")
    return rel


def _pointer_problem(contents: object, fragment: str, rel: str) -> str | None:
    # Mirrors referencing's Resource.pointer, which raises on a missing key or a bad index.
    if not fragment:
        return None  # the whole document
    if not fragment.startswith("/"):
        return (
            "a plain-name fragment ($anchor); gatekeeper follows JSON pointers only, such as "
            "#/components/schemas/Pet"
        )
    node = contents
    for segment in unquote(fragment[1:]).split("/"):
        if isinstance(node, list):
            try:
                node = node[int(segment)]
            except (ValueError, IndexError):
                return f"points to nothing in {display_path(rel)}: no item {_clip(segment, 60)}"
        elif isinstance(node, dict):
            key = segment.replace("~1", "/").replace("~0", "~")
            if key not in node:
                return f"points to nothing in {display_path(rel)}: no key {_clip(key, 60)!r}"
            node = node[key]
        else:
            return f"points into a plain value in {display_path(rel)}"
    return None


def _collect_refs(rel: str, contents: object) -> Iterator[_Ref]:
    stack: list[tuple[object, KeyPath]] = [(contents, ())]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, dict):
            text = node.get("$ref")
            if isinstance(text, str):  # jsonschema-path follows string $refs anywhere
                yield _Ref(rel, parts, text, node)
            children: Iterable[tuple[str | int, object]] = node.items()
        elif isinstance(node, list):
            children = enumerate(node)
        else:
            continue
        stack.extend(
            (value, (*parts, key))
            for key, value in reversed(list(children))
            if isinstance(value, (dict, list))
        )


def _pointer(parts: Iterable[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _parse(rel: str, data: bytes) -> tuple[object, dict[KeyPath, int]]:
    """A spec file's data with JSON's string keys, and its line map (YAML only)."""
    shown = display_path(rel)
    if rel.lower().endswith(".json"):
        text = decode_source(data, "json").text
        return _jsonable(load_json(text, shown), {}), {}
    text = decode_source(data, "yaml").text
    contents, lines = load_yaml_with_lines(text, path=shown)
    return _jsonable(contents, {}), lines


def _jsonable(value: object, memo: dict[int, object]) -> object:
    # JSON has only string keys; YAML's `200:` is an int. The library would round-trip through
    # json.dumps, which re-expands every alias: this keeps shared nodes shared instead.
    if isinstance(value, dict):
        done = memo.get(id(value))
        if done is None:
            converted: dict[str, object] = {}
            memo[id(value)] = converted
            for key, item in value.items():
                converted[_json_key(key)] = _jsonable(item, memo)
            done = converted
        return done
    if isinstance(value, list):
        done = memo.get(id(value))
        if done is None:
            items: list[object] = []
            memo[id(value)] = items
            items.extend(_jsonable(item, memo) for item in value)
            done = items
        return done
    return value


def _json_key(key: object) -> str:
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return json.dumps(key)
    return str(key)


def _validator_class(spec: Mapping[str, object]) -> tuple[Any, str | None]:
    """(validator class or None, declared version) — `swagger` first, as the library does."""
    from openapi_spec_validator.validation import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
        OpenAPIV31SpecValidator,
        OpenAPIV32SpecValidator,
    )

    for key in ("swagger", "openapi"):
        if key not in spec:
            continue
        version = str(spec[key])
        kind = spec_kind(key, version)
        by_kind: dict[SpecKind, Any] = {
            SpecKind.SWAGGER_2_0: OpenAPIV2SpecValidator,
            SpecKind.OPENAPI_3_0: OpenAPIV30SpecValidator,
            SpecKind.OPENAPI_3_1: OpenAPIV31SpecValidator,
            SpecKind.OPENAPI_3_2: OpenAPIV32SpecValidator,
        }
        return by_kind.get(kind), version
    return None, None


def _validate_in_process(root: str | Path, rel: str, max_bytes: int) -> dict[str, Any]:
    """The subprocess's work: load, vet `$ref`s, validate; a JSON-ready result dict.

    Public callers use validate_spec, which runs this in a bounded subprocess.
    """
    shown = display_path(rel)
    try:
        data = safe_read(Path(root), rel, max_bytes)
        spec, lines = _parse(rel, data)
    except FileNotFoundError:
        return _error_dict(f"{shown}: no such file")
    except OSError as exc:
        return _error_dict(f"{shown}: could not be read: {exc.strerror or type(exc).__name__}")
    except DataFormatError as exc:  # names the file and the line
        return _error_dict(f"{exc}")
    except GatekeeperError as exc:  # a link, too large, binary
        return _error_dict(f"{shown}: could not be loaded: {exc}")
    if not isinstance(spec, dict):
        return _error_dict(f"{shown}: not an OpenAPI document (the top level is not a mapping)")
    cls, version = _validator_class(spec)
    if cls is None:
        declared = f"version {_clip(version, 40)!r}" if version is not None else "no version"
        return _error_dict(
            f"{shown}: declares {declared}; gatekeeper validates swagger 2.0 and openapi "
            "3.0, 3.1 and 3.2 documents",
            version=version,
        )
    refs = _Refs(Path(root), max_bytes)
    refs.load_all(rel, spec)
    limit = max(MIN_REF_RESOLUTIONS, REF_RESOLUTIONS_PER_REF * refs.ref_count)
    run = _Run(shown, spec, lines, refs, limit)
    status, message = run.validate(cls, _uri_for(rel))
    return {
        "status": str(status),
        "version": _clip(version, 40) if version is not None else None,
        "errors": [
            {"pointer": e.pointer, "message": e.message, "line": e.line} for e in run.errors
        ],
        "ref_problems": [
            {"pointer": p.pointer, "ref": p.ref, "reason": p.reason, "file": p.file}
            for p in refs.problems
        ],
        "message": message,
    }


class _Run:
    """One validation: two stages, errors collected, failures turned into messages."""

    def __init__(
        self,
        shown: str,
        spec: dict[str, object],
        lines: Mapping[KeyPath, int],
        refs: _Refs,
        ref_limit: int,
    ) -> None:
        self.shown = shown
        self.spec = spec
        self.lines = lines
        self.refs = refs
        self.budget = _Budget(ref_limit)
        self.errors: list[SpecError] = []
        self.error_count = 0

    def validate(self, cls: Any, base_uri: str) -> tuple[SpecStatus, str]:
        from jsonschema_path import SchemaPath
        from jsonschema_path.accessors import SchemaAccessor
        from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

        registry: Registry[Any] = Registry(retrieve=self.refs.refuse)  # type: ignore[call-arg]
        registry = registry.with_resources(self.refs.resources())
        resolver = _CountedResolver(registry.resolver(base_uri), self.budget)
        accessor = SchemaAccessor(
            self.spec,
            cast(Resolver[Any], resolver),
            resolved_cache_maxsize=_RESOLVED_CACHE_SIZE,
        )
        places: _Places = weakref.WeakKeyDictionary()
        try:
            validator = _locating_validator(cls, places)(SchemaPath(accessor))
            # Stage 1: the document against the OpenAPI meta-schema ($refs are plain data here).
            for error in validator.schema_validator.iter_errors(validator.schema):
                closest = _closest(error)
                self._add(_pointer(closest.absolute_path), closest.message)
            structural = self.error_count
            # Stage 2: the library's checks that follow $refs (schemas, defaults, parameters).
            try:
                checks = validator.root_validator(validator.schema_path)
                for error in checks:
                    place = _place_of(checks, places) if len(self.errors) < MAX_ERRORS else ()
                    message = error.message
                    if not isinstance(error, OpenAPIValidationError):
                        place = (*place, "default", *error.absolute_path)
                        message = f"a default value does not match its schema: {message}"
                    self._add(_pointer(place), message)
            except (_RefLimitExceeded, RecursionError, MemoryError):
                raise
            except Exception as exc:
                if self.budget.exceeded:
                    raise _RefLimitExceeded(str(exc)) from exc
                if not structural:
                    raise
                # Its checks assume a well-formed document; the errors above explain the crash.
                return SpecStatus.INVALID, (
                    f"{self._summary()}; further checks stopped ({_exception_text(exc)}), "
                    "most likely because of these errors"
                )
        except _RefLimitExceeded:
            return SpecStatus.ERROR, (
                f"{self.shown}: ref expansion limit: more than {self.budget.limit} $ref "
                "resolutions (a '$ref bomb': references fanning out to references?); "
                "validation stopped"
            )
        except MemoryError:
            raise
        except RecursionError:
            return SpecStatus.ERROR, (
                f"{self.shown}: recursive $ref cycle / schema too deep at {self._last_place()}; "
                "validation stopped. Fix: break the cycle of $refs."
            )
        except Unresolvable as exc:
            return SpecStatus.ERROR, (
                f"{self.shown}: unresolvable $ref {_clip(str(exc.ref), MAX_REF_CHARS)!r} "
                f"at {self._last_place()}"
            )
        except Exception as exc:
            return SpecStatus.ERROR, (
                f"{self.shown}: the validator failed on this spec ({_exception_text(exc)}); "
                "the spec is probably malformed where the library did not expect it"
            )
        if self.budget.exceeded:  # raised where some library code caught it
            return SpecStatus.ERROR, (
                f"{self.shown}: ref expansion limit: more than {self.budget.limit} $ref "
                "resolutions; validation stopped"
            )
        if self.error_count:
            return SpecStatus.INVALID, self._summary()
        return SpecStatus.VALID, f"{self.shown}: valid{self._problem_note()}"

    def _add(self, pointer: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(SpecError(_clip(pointer), _clip(message), self._line_of(pointer)))

    def _line_of(self, pointer: str) -> int | None:
        """The line of the deepest node on the pointer's path that the line map knows.

        A pointer that goes on through a `$ref` stops at the line of the `$ref`'s holder.
        """
        node: object = self.spec
        path: list[str | int] = []
        found = None
        for part in pointer.split("/")[1:]:
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                path.append(int(key))
                node = node[int(key)]
            elif isinstance(node, dict) and key in node:
                path.append(key)
                node = node[key]
            else:
                break
            found = self.lines.get(tuple(path), found)
        return found

    def _summary(self) -> str:
        shown = f" (the first {MAX_ERRORS} are listed)" if self.error_count > MAX_ERRORS else ""
        plural = "s" if self.error_count != 1 else ""
        return f"{self.shown}: {self.error_count} error{plural}{shown}{self._problem_note()}"

    def _problem_note(self) -> str:
        count = self.refs.problem_count
        if not count:
            return ""
        return f"; {count} $ref{'s' if count != 1 else ''} not followed"

    def _last_place(self) -> str:
        if self.budget.last is None:
            return "the spec's top level"
        place = self.refs.where.get(self.budget.last)
        return place or f"$ref {_clip(self.budget.last[1], MAX_REF_CHARS)!r}"


# Generator -> the spec path its keyword validator was checking (see _locating_validator).
_Places = weakref.WeakKeyDictionary[Generator[Any, None, None], KeyPath]


def _locating_validator(cls: Any, places: _Places) -> Any:
    """`cls` whose keyword validators record, for each error generator, the path it checks.

    The library's own checks (duplicate operationId, bad schemas, defaults) yield errors with
    no location. Its validators are looked up by name in `keyword_validators`, the library's
    extension point; each wrapped one returns the library's generator untouched (no extra
    frame, so no deeper recursion than the library's own) after noting it in `places`.
    """
    located = {name: _locating(kind, places) for name, kind in cls.keyword_validators.items()}
    return type(cls.__name__, (cls,), {"keyword_validators": located})


def _locating(kind: Any, places: _Places) -> Any:
    from jsonschema_path import SchemaPath

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = kind.__call__(self, *args, **kwargs)
        place = next((arg for arg in args if isinstance(arg, SchemaPath)), None)
        if place is not None and isinstance(result, GeneratorType):
            places[result] = tuple(place.parts)
        return result

    return type(kind.__name__, (kind,), {"__call__": __call__})


def _place_of(top: Generator[Any, None, None], places: _Places) -> KeyPath:
    """The path of the innermost located generator in the `yield from` chain under `top`."""
    found: KeyPath = ()
    current: object = top
    while isinstance(current, GeneratorType):
        found = places.get(current, found)
        current = current.gi_yieldfrom
    return found


def _closest(error: Any) -> Any:
    """The most specific cause of a meta-schema error ("not valid under any of ..." says little).

    Follows the deepest sub-error, skipping the "'$ref' is a required property" of the
    Reference alternative that every OpenAPI object may also be.
    """
    best = error
    while best.context:
        causes = [
            cause
            for cause in best.context
            if not (cause.validator == "required" and cause.validator_value == ["$ref"])
        ]
        if not causes:
            break
        best = max(causes, key=lambda cause: len(cause.absolute_path))
    return best


def _exception_text(exc: BaseException) -> str:
    return _clip(f"{type(exc).__name__}: {exc}", 200)


def _error_dict(message: str, *, version: str | None = None) -> dict[str, Any]:
    return {
        "status": str(SpecStatus.ERROR),
        "version": _clip(version, 40) if version is not None else None,
        "errors": [],
        "ref_problems": [],
        "message": _clip(message, 2000),
    }


# ---------------------------------------------------------------------------- subprocess guard

_NETWORK_EVENTS = ("socket.", "urllib.Request", "http.client.", "ftplib.", "smtplib.")
_SPAWN_EVENTS = (
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.fork",
    "os.forkpty",
    "pty.spawn",
)


def allowed_prefixes(root: str) -> tuple[str, ...]:
    """Where the subprocess may open files: the root and Python's own installation."""
    candidates = [root, sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    candidates += [entry for entry in sys.path if os.path.isabs(entry)]
    prefixes = {os.path.normpath(c) for c in candidates if c and os.path.isdir(c)}
    prefixes.discard("/")
    return tuple(sorted(prefixes))


def audit_refusal(event: str, args: tuple[Any, ...], prefixes: Sequence[str]) -> str | None:
    """Why the validator subprocess must not do `event`, or None to let it happen."""
    if event.startswith(_NETWORK_EVENTS):
        return "network access is disabled while validating specs"
    if event.startswith(_SPAWN_EVENTS):
        return "starting processes is disabled while validating specs"
    if event == "open" and args:
        target = args[0]
        if isinstance(target, int):
            return None
        try:
            name = os.fsdecode(os.fspath(target))
        except TypeError:
            return "an unexpected open() argument"
        if not os.path.isabs(name):
            return None  # relative to a directory fd safe_read opened, or to the empty cwd
        normal = os.path.normpath(name)
        if not any(normal == p or normal.startswith(p.rstrip("/") + "/") for p in prefixes):
            return "reading files outside the audited root is disabled while validating specs"
    return None


def _install_guard(root: str) -> None:
    # Defence in depth: the vetting above never hands the library a URI it could fetch, but a
    # library update could add a code path that does; this makes such a path fail instead.
    prefixes = allowed_prefixes(root)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        reason = audit_refusal(event, args, prefixes)
        if reason is not None:
            raise PermissionError(f"gatekeeper: {reason} ({event})")

    sys.addaudithook(hook)


def _preload() -> None:
    # The meta-schemas load lazily through urllib's file: handler, and the validator's modules
    # are imported on first use: do both before the guard, which would refuse the first.
    import jsonschema_path.accessors  # noqa: F401
    import openapi_spec_validator.validation  # noqa: F401
    from openapi_spec_validator import schemas

    for validator in (
        schemas.openapi_v2_schema_validator,
        schemas.openapi_v30_schema_validator,
        schemas.openapi_v31_schema_validator,
        schemas.openapi_v32_schema_validator,
    ):
        validator.__wrapped__  # noqa: B018 -- forces the lazy proxy to load now


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: `python -I -m gatekeeper.engines.openapi ROOT REL MAX_BYTES`, JSON on stdout."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3 or not args[2].isdigit():
        print("usage: python -I -m gatekeeper.engines.openapi ROOT REL MAX_BYTES", file=sys.stderr)
        return 2
    root, rel, max_bytes = args[0], args[1], int(args[2])
    out: IO[str] = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    # Whatever a library prints must never corrupt the one JSON object we write.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    warnings.simplefilter("ignore")
    _preload()
    _install_guard(root)
    try:
        result = _validate_in_process(root, rel, max_bytes)
    except MemoryError:
        result = _error_dict(f"{display_path(rel)}: validation ran out of memory")
    out.write(json.dumps(result))
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
