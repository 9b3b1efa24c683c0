"""The OpenAPI engine: discovery by prefix, validation, and `$ref`s that must never leave the root.

Every hostile spec is generated in tmp_path. Most tests call the subprocess's logic in-process
for speed; the ones about hangs, the network and the sandbox go through the real subprocess.
"""

from __future__ import annotations

import json
import os
import socketserver
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from gatekeeper.engines import openapi, proc
from gatekeeper.engines.openapi import (
    RefProblem,
    SpecCandidate,
    SpecError,
    SpecKind,
    SpecResult,
    SpecStatus,
)
from gatekeeper.errors import UnsafePathError
from gatekeeper.repo import RepoIndex, safe_read

T = TypeVar("T")
# A hang in the code under test fails the test after this long instead of blocking the suite.
GUARD_SECONDS = 60
SECRET = "GK-SECRET-7f3a9c-do-not-leak"
INFO = {"title": "Pets", "version": "1"}


class Plain(yaml.SafeDumper):
    """Writes repeated objects out in full: gatekeeper refuses YAML with many aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def guarded(call: Callable[[], T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=GUARD_SECONDS)


def write(root: Path, rel: str, content: str | dict[str, Any]) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        content = json.dumps(content) if rel.endswith(".json") else yaml.dump(content, Dumper=Plain)
    path.write_text(content, encoding="utf-8")
    return path


def validate(root: Path, rel: str = "openapi.yaml") -> SpecResult:
    """The subprocess's work done in-process, parsed as the parent parses it."""
    data = guarded(lambda: openapi._validate_in_process(root, rel, 1024 * 1024))
    return openapi.result_from_json(rel, json.loads(json.dumps(data)))


def line_of(path: Path, text: str, after: int = 0) -> int:
    """The 1-based line of the first line equal to `text` past line `after`."""
    lines = path.read_text().splitlines()
    return lines.index(text, after) + 1


def spec30(schemas: dict[str, Any] | None = None, **paths: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"openapi": "3.0.3", "info": INFO, "paths": paths}
    if schemas is not None:
        spec["components"] = {"schemas": schemas}
    return spec


def get_returning(schema: dict[str, Any]) -> dict[str, Any]:
    """A path item whose GET answers 200 with `schema` as JSON."""
    content = {"application/json": {"schema": schema}}
    return {"get": {"responses": {"200": {"description": "ok", "content": content}}}}


@pytest.fixture
def canary() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that counts every connection and answers with a secret schema."""
    hits: list[str] = []
    body = f"a:\n  type: string\n  description: {SECRET}\n".encode()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            header = b"HTTP/1.0 200 OK\r\nContent-Type: application/yaml\r\n\r\n"
            self.request.sendall(header + body)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True

        def verify_request(self, request: Any, client_address: Any) -> bool:
            hits.append(repr(client_address))  # counted as soon as the connection is accepted
            return True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file next to (not inside) the audited root, holding a secret and valid YAML."""
    return write(tmp_path, "outside/creds.yaml", f"a:\n  type: string\n  description: {SECRET}\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    return path


# ---------------------------------------------------------------------------- valid and invalid


@pytest.mark.parametrize(
    ("rel", "spec", "version"),
    [
        (
            "openapi.yaml",
            spec30(
                {"Pet": {"type": "object"}},
                **{"/pets": get_returning({"$ref": "#/components/schemas/Pet"})},
            ),
            "3.0.3",
        ),
        (
            "api/openapi.json",
            {
                "openapi": "3.1.0",
                "info": INFO,
                "paths": {"/pets": get_returning({"type": ["string", "null"], "default": None})},
            },
            "3.1.0",
        ),
        (
            "swagger.yaml",
            {
                "swagger": "2.0",
                "info": INFO,
                "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok"}}}}},
            },
            "2.0",
        ),
    ],
)
def test_valid_specs_of_each_version_are_valid(
    root: Path, rel: str, spec: dict[str, Any], version: str
) -> None:
    write(root, rel, spec)
    result = validate(root, rel)
    assert result.status == SpecStatus.VALID, result.message
    assert (result.path, result.version, result.errors, result.ref_problems) == (
        rel,
        version,
        (),
        (),
    )


def test_missing_required_field_is_invalid_with_pointer_and_line(root: Path) -> None:
    write(
        root,
        "openapi.yaml",
        "openapi: 3.0.3\ninfo:\n  title: Pets\npaths:\n  /pets:\n    get:\n"
        "      responses:\n        '200': {description: ok}\n",
    )
    result = validate(root)
    assert result.status == SpecStatus.INVALID
    assert result.errors == (SpecError("/info", "'version' is a required property", 2),)
    assert result.message == "openapi.yaml: 1 error"


def test_a_bad_nested_schema_is_reported_at_its_own_pointer(root: Path) -> None:
    write(root, "openapi.json", spec30({"Pet": {"properties": {"id": {"type": "strin"}}}}))
    result = validate(root, "openapi.json")
    assert result.status == SpecStatus.INVALID
    # The meta-schema pinpoints it; the library's own schema check reports the schema.
    assert [(error.pointer, error.message[:30], error.line) for error in result.errors] == [
        ("/components/schemas/Pet", "'strin' is not valid under any", None),  # JSON: no lines
        ("/components/schemas/Pet/properties/id/type", "'strin' is not one of ['array'", None),
    ]


def test_the_librarys_own_checks_are_located_in_the_spec(root: Path) -> None:
    # openapi-spec-validator reports these without a location; gatekeeper adds the path.
    operation = {"operationId": "list", "responses": {"200": {"description": "ok"}}}
    write(root, "openapi.yaml", spec30(**{"/a": {"get": operation}, "/b": {"get": operation}}))
    result = validate(root)
    assert result.status == SpecStatus.INVALID
    line = line_of(root / "openapi.yaml", "    get:", line_of(root / "openapi.yaml", "  /b:"))
    assert result.errors == (
        SpecError("/paths/~1b/get", "Operation ID 'list' for 'get' in '/b' is not unique", line),
    )


def test_a_referenced_file_that_is_not_a_schema_is_reported_where_it_is_used(
    root: Path,
) -> None:
    write(root, "list.yaml", "[1, 2]\n")
    write(root, "openapi.yaml", spec30({"Pet": {"$ref": "list.yaml"}}))
    result = validate(root)
    assert result.status == SpecStatus.INVALID
    line = line_of(root / "openapi.yaml", "    Pet:")
    assert result.errors == (
        SpecError("/components/schemas/Pet", "[1, 2] is not of type 'object', 'boolean'", line),
    )


def test_malformed_parameter_is_an_error_message_not_an_exception(root: Path) -> None:
    # openapi-spec-validator raises a bare KeyError('in') on this once it has reported it.
    write(
        root,
        "openapi.yaml",
        "openapi: 3.0.3\ninfo: {title: Pets, version: '1'}\npaths:\n  /pets:\n    get:\n"
        "      parameters:\n        - name: id\n          schema: {type: string}\n"
        "      responses:\n        '200': {description: ok}\n",
    )
    result = validate(root)
    assert result.status == SpecStatus.INVALID
    assert result.errors == (
        SpecError("/paths/~1pets/get/parameters/0", "'in' is a required property", 7),
    )
    assert "further checks stopped (KeyError: 'in')" in result.message


def test_a_library_crash_with_no_structural_error_is_an_error_result(root: Path) -> None:
    # The meta-schema only sees the $ref; the library then meets the broken parameter and
    # raises KeyError: that must come back as an error naming the failure.
    write(root, "params.yaml", {"Id": {"name": "id", "schema": {"type": "string"}}})
    responses = {"200": {"description": "ok"}}
    operation = {"parameters": [{"$ref": "params.yaml#/Id"}], "responses": responses}
    write(root, "openapi.yaml", spec30(**{"/pets": {"get": operation}}))
    result = validate(root)
    assert result.status == SpecStatus.ERROR
    assert "the validator failed on this spec (KeyError: 'in')" in result.message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("openapi: 4.0.0\ninfo: {}\n", "declares version '4.0.0'"),
        ("- openapi\n", "the top level is not a mapping"),
        ("info: {}\n", "declares no version"),
        ("openapi: [unclosed\n", "openapi.yaml:2: invalid YAML"),
    ],
)
def test_documents_that_cannot_be_validated_are_errors(
    root: Path, content: str, expected: str
) -> None:
    write(root, "openapi.yaml", content)
    result = validate(root)
    assert result.status == SpecStatus.ERROR
    assert expected in result.message


def test_a_missing_spec_file_is_an_error(root: Path) -> None:
    result = validate(root, "gone.yaml")
    assert (result.status, result.message) == (SpecStatus.ERROR, "gone.yaml: no such file")


def test_error_list_is_capped_and_says_so(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openapi, "MAX_ERRORS", 1)
    write(root, "openapi.yaml", {"openapi": "3.0.3", "paths": {"/a": {"get": {}}}})
    result = validate(root)
    assert result.status == SpecStatus.INVALID
    assert len(result.errors) == 1
    assert "(the first 1 are listed)" in result.message


# ---------------------------------------------------------------------------- $ref resolution


def test_an_in_root_relative_ref_is_resolved_and_validated(root: Path) -> None:
    # The default does not match the referenced schema: only a followed $ref can tell.
    write(root, "components.yaml", {"Pet": {"type": "integer", "default": "abc"}})
    write(
        root, "openapi.yaml", spec30(**{"/pets": get_returning({"$ref": "components.yaml#/Pet"})})
    )
    result = validate(root)
    assert result.ref_problems == ()
    assert result.status == SpecStatus.INVALID
    schema = "/paths/~1pets/get/responses/200/content/application~1json/schema"
    [error] = result.errors
    assert error.line is not None
    assert error.message == (
        "a default value does not match its schema: 'abc' is not of type 'integer'"
    )
    # The path through the $ref, and the line of the schema in the spec that leads there.
    assert error.pointer == f"{schema}/default"
    lines = (root / "openapi.yaml").read_text().splitlines()
    assert lines[error.line - 1 : error.line + 1] == [
        "              schema:",
        "                $ref: components.yaml#/Pet",
    ]


def test_refs_outside_the_root_are_refused_and_never_read(
    root: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real_read = safe_read

    def recording_read(base: Path, rel: str, max_bytes: int) -> bytes:
        reads.append(rel)
        return real_read(base, rel, max_bytes)

    monkeypatch.setattr(openapi, "safe_read", recording_read)
    refs = {
        "FileUri": f"{outside.as_uri()}#/a",
        "EtcPasswd": "/etc/passwd",
        "Absolute": f"{outside}#/a",
        "DotDot": "../outside/creds.yaml#/a",
        "DeepDotDot": "sub/../../../../../../etc/passwd",
        "Ftp": "ftp://127.0.0.1/x.yaml",
        "Data": "data:application/json,{}",
        "Urn": "urn:example:pet",
        "Scheme": "gopher://127.0.0.1:70/x",
    }
    write(root, "openapi.yaml", spec30({name: {"$ref": ref} for name, ref in refs.items()}))
    result = validate(root)
    assert result.status == SpecStatus.VALID, result.message  # empty schemas took their place
    assert reads == ["openapi.yaml"]
    assert {problem.pointer for problem in result.ref_problems} == {
        f"/components/schemas/{name}/$ref" for name in refs
    }
    assert all(problem.file == "openapi.yaml" for problem in result.ref_problems)
    reasons = {problem.ref: problem.reason for problem in result.ref_problems}
    assert "leaves the audited root" in reasons["/etc/passwd"]
    assert "never fetches" in reasons["urn:example:pet"]
    assert "9 $refs not followed" in result.message
    assert SECRET not in repr(result)
    assert "root:" not in repr(result)


def test_a_symlink_inside_the_root_pointing_outside_is_refused(root: Path, outside: Path) -> None:
    (root / "creds.yaml").symlink_to(outside)
    write(root, "openapi.yaml", spec30({"Pet": {"$ref": "creds.yaml#/a"}}))
    result = validate(root)
    [problem] = result.ref_problems
    assert (problem.pointer, problem.ref) == ("/components/schemas/Pet/$ref", "creds.yaml#/a")
    assert "symbolic link" in problem.reason
    assert SECRET not in repr(result)


@pytest.mark.parametrize(
    ("ref", "files", "reason"),
    [
        ("missing.yaml", {}, "missing.yaml: no such file in the repository"),
        ("#/components/schemas/Nope", {}, "points to nothing in openapi.yaml: no key 'Nope'"),
        ("list.yaml#/items/7", {"list.yaml": "items: [1]\n"}, "no item 7"),
        ("list.yaml#/items/x", {"list.yaml": "items: [1]\n"}, "no item x"),
        ("list.yaml#/items/0/deeper", {"list.yaml": "items: [1]\n"}, "points into a plain value"),
        ("broken.yaml", {"broken.yaml": "a: [\n"}, "broken.yaml:2: invalid YAML"),
        ("README.md", {"README.md": "# hi\n"}, "not a .yaml, .yml or .json file"),
        (".git/config.yaml", {".git/config.yaml": f"a: {SECRET}\n"}, "hidden file or directory"),
        ("comp%6fnents.yaml", {"components.yaml": "a: 1\n"}, "percent-encoded path"),
        ("components.yaml?x=1", {"components.yaml": "a: 1\n"}, "has a query string"),
        ("http://[::1", {}, "not a valid URI reference"),
        ("#pet", {}, "a plain-name fragment ($anchor)"),
        ("//gatekeeper-root/x.yaml", {}, "leaves the audited root"),
    ],
)
def test_refs_that_name_nothing_usable_are_reported(
    root: Path, ref: str, files: dict[str, str], reason: str
) -> None:
    for rel, content in files.items():
        write(root, rel, content)
    write(root, "openapi.yaml", spec30({"Pet": {"$ref": ref}}))
    result = validate(root)
    assert [(p.pointer, p.ref) for p in result.ref_problems] == [
        ("/components/schemas/Pet/$ref", ref)
    ]
    assert reason in result.ref_problems[0].reason
    assert SECRET not in repr(result)


def test_a_ref_in_a_referenced_file_is_reported_in_that_file(root: Path, outside: Path) -> None:
    write(root, "schemas/pet.yaml", {"Pet": {"properties": {"owner": {"$ref": str(outside)}}}})
    write(root, "schemas/ok.yaml", {"Ok": {"type": "string"}})
    write(
        root,
        "openapi.yaml",
        spec30({"Pet": {"$ref": "schemas/pet.yaml#/Pet"}, "Ok": {"$ref": "./schemas/ok.yaml#/Ok"}}),
    )
    result = validate(root)
    assert result.ref_problems == (
        RefProblem(
            "/Pet/properties/owner/$ref",
            str(outside),
            "leaves the audited root (an absolute path, a file: URI or too many '..'); only "
            "files inside the repository are read",
            "schemas/pet.yaml",
        ),
    )
    assert result.status == SpecStatus.VALID


def test_the_number_of_referenced_files_is_capped(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openapi, "MAX_DOCUMENTS", 2)
    write(root, "a.yaml", {"A": {"type": "string"}})
    write(root, "b.yaml", {"B": {"type": "string"}})
    write(root, "openapi.yaml", spec30({"A": {"$ref": "a.yaml#/A"}, "B": {"$ref": "b.yaml#/B"}}))
    result = validate(root)
    [problem] = result.ref_problems
    assert "already pulls in 2 files" in problem.reason


def test_a_ref_only_reachable_through_id_is_refused_while_validating(root: Path) -> None:
    # The vetting resolves "other.yaml" against the file; with $id, jsonschema resolves it
    # against https://example.com/ and asks the registry's retriever, which fetches nothing.
    write(root, "other.yaml", {"type": "string"})
    inner = {"$id": "https://example.com/pet", "$ref": "other.yaml"}
    schema = {"properties": {"a": inner}, "default": {"a": "x"}}
    spec = {"openapi": "3.1.0", "info": INFO, "paths": {"/pets": get_returning(schema)}}
    write(root, "openapi.yaml", spec)
    result = validate(root)
    assert (
        RefProblem(
            "",
            "https://example.com/other.yaml",
            "reached while validating (through $id or an anchor); gatekeeper does not fetch "
            "references, so an empty schema was used",
        )
        in result.ref_problems
    )


def test_an_http_ref_is_refused_in_process_without_a_connection(
    root: Path, canary: tuple[int, list[str]]
) -> None:
    port, hits = canary
    write(root, "openapi.yaml", spec30({"Pet": {"$ref": f"http://127.0.0.1:{port}/x.yaml#/a"}}))
    result = validate(root)
    [problem] = result.ref_problems
    assert "a remote or non-file reference (http:)" in problem.reason
    assert hits == []
    assert SECRET not in repr(result)


# ---------------------------------------------------------------------------- hostile structure


def test_a_ref_bomb_is_stopped_by_the_expansion_limit(root: Path) -> None:
    fan_out = [{"$ref": "#/components/schemas/L1"}] * 10
    schemas: dict[str, Any] = {
        f"L{level}": {"allOf": [{"$ref": f"#/components/schemas/L{level + 1}"}] * 10}
        for level in range(1, 9)
    }
    schemas["L0"] = {"allOf": fan_out}
    schemas["L9"] = {"type": "object", "properties": {"x": {"type": "string"}}}
    write(root, "openapi.yaml", spec30(schemas))
    assert (root / "openapi.yaml").stat().st_size < 4096
    result = validate(root)
    assert result.status == SpecStatus.ERROR
    assert "ref expansion limit: more than 10000 $ref resolutions" in result.message


@pytest.mark.parametrize(
    "schemas",
    [
        {"A": {"$ref": "#/components/schemas/A"}},
        {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}},
        {"A": {"allOf": [{"$ref": "#/components/schemas/A"}]}},
    ],
)
def test_a_ref_cycle_ends_cleanly(root: Path, schemas: dict[str, Any]) -> None:
    write(root, "openapi.yaml", spec30(schemas))
    result = validate(root)
    assert result.status in (SpecStatus.ERROR, SpecStatus.VALID)
    if result.status == SpecStatus.ERROR:
        assert "recursive $ref cycle / schema too deep at openapi.yaml#/components/schemas/" in (
            result.message
        )


def test_a_recursive_but_legal_schema_is_valid(root: Path) -> None:
    node = {
        "type": "object",
        "properties": {
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
        },
    }
    write(
        root,
        "openapi.yaml",
        spec30({"Node": node}, **{"/tree": get_returning({"$ref": "#/components/schemas/Node"})}),
    )
    assert validate(root).status == SpecStatus.VALID


def test_a_5000_deep_nested_schema_is_an_error_naming_the_file(root: Path) -> None:
    depth = 5000
    schema = '{"type": "object", "properties": {"a": ' * depth + "{}" + "}}" * depth
    write(
        root, "openapi.json", f'{{"openapi": "3.0.3", "info": {{}}, "paths": {{}}, "x": {schema}}}'
    )
    result = validate(root, "openapi.json")
    assert result.status == SpecStatus.ERROR
    assert result.message.startswith("openapi.json:1: JSON nested deeper than")


def test_a_5000_long_ref_chain_is_an_error_not_a_crash(root: Path) -> None:
    chain: dict[str, Any] = {
        f"C{i}": {"$ref": f"#/components/schemas/C{i + 1}"} for i in range(5000)
    }
    chain["C5000"] = {"type": "string"}
    write(root, "openapi.json", spec30(chain))
    result = validate(root, "openapi.json")
    assert result.status == SpecStatus.ERROR
    assert "recursive $ref cycle / schema too deep at openapi.json#/components/schemas/C" in (
        result.message
    )


def test_billion_laughs_yaml_is_an_error_naming_the_file(root: Path) -> None:
    lines = ["openapi: 3.0.3", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join(f'*a{i - 1}' for _ in range(9))}]" for i in range(1, 10)]
    write(root, "openapi.yaml", "\n".join(lines) + "\n")
    assert (root / "openapi.yaml").stat().st_size < 1024
    result = validate(root)
    assert result.status == SpecStatus.ERROR
    assert result.message.startswith("openapi.yaml:")
    assert "billion laughs" in result.message


# ---------------------------------------------------------------------------- the subprocess


def test_validate_spec_runs_the_subprocess_and_refuses_http_refs(
    root: Path, canary: tuple[int, list[str]]
) -> None:
    port, hits = canary
    write(root, "openapi.yaml", spec30({"Pet": {"$ref": f"http://127.0.0.1:{port}/x.yaml"}}))
    result = guarded(lambda: openapi.validate_spec(RepoIndex.build(root), "openapi.yaml"))
    assert result.status == SpecStatus.VALID, result.message
    [problem] = result.ref_problems
    assert problem.pointer == "/components/schemas/Pet/$ref"
    assert hits == []
    assert SECRET not in repr(result)


def test_validate_spec_ends_a_ref_bomb_with_an_error(root: Path) -> None:
    schemas: dict[str, Any] = {
        f"L{level}": {"allOf": [{"$ref": f"#/components/schemas/L{level + 1}"}] * 12}
        for level in range(12)
    }
    schemas["L12"] = {"type": "string"}
    write(root, "openapi.yaml", spec30(schemas))
    result = guarded(lambda: openapi.validate_spec(RepoIndex.build(root), "openapi.yaml"))
    assert result.status == SpecStatus.ERROR
    assert "ref expansion limit" in result.message


def test_validate_spec_stops_at_the_timeout(root: Path) -> None:
    write(root, "openapi.yaml", spec30())
    result = guarded(
        lambda: openapi.validate_spec(RepoIndex.build(root), "openapi.yaml", timeout=0.01)
    )
    assert result.status == SpecStatus.ERROR
    assert "did not finish within 0.01 s" in result.message


def test_validate_spec_refuses_a_file_the_index_does_not_hold(root: Path) -> None:
    result = openapi.validate_spec(RepoIndex.build(root), "../etc/passwd")
    assert result.status == SpecStatus.ERROR
    assert "not an indexed file" in result.message


def _proc(stdout: bytes = b"", **changes: Any) -> proc.ProcResult:
    fields: dict[str, Any] = {
        "returncode": 0,
        "stdout": stdout,
        "stderr": b"",
        "timed_out": False,
        "memory_exceeded": False,
        "duration": 0.1,
    }
    fields.update(changes)
    return proc.ProcResult(**fields)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (_proc(memory_exceeded=True, returncode=-9), "needed more than 64 MiB of memory"),
        (_proc(stderr=b"MemoryError\n", returncode=1), "needed more than 64 MiB of memory"),
        (_proc(stdout_truncated=True), "more output than gatekeeper keeps"),
        (_proc(returncode=-11, stderr=b"boom\x1b[2J"), "killed by signal 11 without a usable"),
        (_proc(b'{"status": "valid", "errors": 5}'), "exited with 0 without a usable result"),
        (_proc(b'{"status": "fine"}'), "without a usable result"),
        (_proc(b'{"status": "valid", "version": 3}'), "without a usable result"),
        (
            _proc(b'{"status": "valid", "errors": [{"pointer": "", "message": "m", "line": 0}]}'),
            "usable",
        ),
        (_proc(b"[]"), "without a usable result"),
    ],
)
def test_a_failed_or_garbled_subprocess_is_an_error_result(
    result: proc.ProcResult, expected: str
) -> None:
    spec = openapi.result_from_process("api.yaml", result, timeout=1, memory_bytes=64 * 2**20)
    assert spec.status == SpecStatus.ERROR
    assert expected in spec.message
    assert "\x1b" not in spec.message


def test_subprocess_output_is_clipped_and_escaped() -> None:
    data = {
        "status": "invalid",
        "version": "3.0.3",
        "errors": [{"pointer": "/a", "message": "x\x1b[31m" + "y" * 1000, "line": 3}],
        "ref_problems": [{"pointer": "/b", "ref": "r" * 1000, "reason": "why\n", "file": "f"}],
        "message": "m",
    }
    result = openapi.result_from_json("api.yaml", data)
    [error] = result.errors
    assert error.message.startswith("x\\x1b[31myyy") and error.message.endswith("...")
    assert len(error.message) < openapi.MAX_MESSAGE_CHARS + 20
    assert result.ref_problems[0].reason == "why"
    assert len(result.ref_problems[0].ref) <= openapi.MAX_REF_CHARS + 3


def test_main_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert openapi.main(["only-one"]) == 2
    assert openapi.main(["root", "rel", "not-a-number"]) == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("event", "args", "refused"),
    [
        ("socket.connect", (None, ("127.0.0.1", 80)), True),
        ("socket.getaddrinfo", ("example.com", 80, 0, 0, 0), True),
        ("urllib.Request", ("file:///etc/passwd", None, {}, "GET"), True),
        ("subprocess.Popen", ("sh", ["sh"], None, None), True),
        ("os.system", (b"id",), True),
        ("open", ("/etc/passwd", "r", 0), True),
        ("open", (b"/root/x/../../etc/passwd", "r", 0), True),
        ("open", ("/root/x/spec.yaml", "r", 0), False),
        ("open", ("spec.yaml", "r", 0), False),
        ("open", (3, "r", 0), False),
        ("open", (object(), "r", 0), True),
        ("os.listdir", ("/",), False),
    ],
)
def test_the_subprocess_guard_refuses_network_processes_and_outside_files(
    event: str, args: tuple[Any, ...], refused: bool
) -> None:
    reason = openapi.audit_refusal(event, args, ("/root/x",))
    assert (reason is not None) == refused


def test_the_installed_guard_blocks_a_real_connection(
    tmp_path: Path, canary: tuple[int, list[str]]
) -> None:
    port, hits = canary
    code = (
        "from gatekeeper.engines import openapi\n"
        f"openapi._install_guard({str(tmp_path)!r})\n"
        "import urllib.request\n"
        "for target in ('http://127.0.0.1:%d/x' % PORT, 'file:///etc/passwd'):\n"
        "    try:\n"
        "        urllib.request.urlopen(target, timeout=5)\n"
        "    except PermissionError as exc:\n"
        "        print('refused', exc)\n"
        "try:\n"
        "    open('/etc/hostname').read()\n"
        "except PermissionError as exc:\n"
        "    print('refused', exc)\n"
    ).replace("PORT", str(port))
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=GUARD_SECONDS
    )
    assert done.stdout.count("refused gatekeeper:") == 3, done.stderr
    assert hits == []


# ---------------------------------------------------------------------------- discovery


def test_discover_specs_finds_yaml_and_json_specs_and_ignores_other_files(root: Path) -> None:
    write(root, "openapi.yaml", "# API\nopenapi: 3.0.3 # the version\ninfo: {}\n")
    write(root, "api/swagger.json", '{\n  "swagger": "2.0",\n  "info": {}\n}\n')
    write(root, "api/v31.json", json.dumps({"info": {"title": "t"}, "openapi": "3.1.0"}, indent=2))
    write(root, "quoted.yml", "---\n'openapi': '3.2.0'\n")
    write(root, "future.yaml", 'openapi: "4.0"\n')
    write(
        root, "k8s/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  openapi: 3.0.0\n"
    )
    write(root, "docker-compose.yml", "services:\n  api:\n    image: openapi:3.0.3\n")
    write(root, "config.yaml", "openapi:\n  enabled: true\n")
    write(root, "package.json", '{"scripts": {"openapi": "3.0.0"}, "name": "x"}')
    write(root, "nested.json", '[{"openapi": "3.0.0"}]')
    write(root, "app.py", "openapi: 3.0.0\n")
    found = openapi.discover_specs(RepoIndex.build(root))
    assert found == (
        SpecCandidate("api/swagger.json", SpecKind.SWAGGER_2_0, "2.0"),
        SpecCandidate("api/v31.json", SpecKind.OPENAPI_3_1, "3.1.0"),
        SpecCandidate("future.yaml", SpecKind.UNKNOWN, "4.0"),
        SpecCandidate("openapi.yaml", SpecKind.OPENAPI_3_0, "3.0.3"),
        SpecCandidate("quoted.yml", SpecKind.OPENAPI_3_2, "3.2.0"),
    )


def test_discovery_reads_only_the_head_of_a_large_file(root: Path) -> None:
    big = write(root, "openapi.yaml", "openapi: 3.1.0\n" + "x: " + "y" * (3 * 1024 * 1024) + "\n")
    write(root, "late.yaml", "a: " + "b" * 5000 + "\nopenapi: 3.0.0\n")
    index = RepoIndex.build(root)
    assert openapi.read_head(index.root, "openapi.yaml", 64) == big.read_bytes()[:64]
    assert [c.path for c in openapi.discover_specs(index)] == ["openapi.yaml"]


@pytest.mark.parametrize(
    ("head", "truncated", "expected"),
    [
        (b"\xef\xbb\xbfswagger: '2.0'\n", False, ("swagger", "2.0")),
        (b'"openapi": "3.0.1"\n', False, ("openapi", "3.0.1")),
        (b"openapi: 3.0", True, None),  # a cut last line may hold a cut version
        (b"openapi: '3.0\n", False, None),
        (b"openapi: 3.0\0", False, None),
        (b'{"a": [1, {"openapi": "3.0.0"}], "openapi": 3.1}', False, ("openapi", "3.1")),
        (b'{"a": 1}\n{"openapi": "3.0.0"}', False, None),
        (b'{"\\u006fpenapi": "3.0.0"}', False, ("openapi", "3.0.0")),
        (b'{"openapi": {"v": "3"}}', False, None),
        (b"}", False, None),
    ],
)
def test_sniff_spec_reads_top_level_keys_only(
    head: bytes, truncated: bool, expected: tuple[str, str] | None
) -> None:
    assert openapi.sniff_spec(head, truncated=truncated) == expected


def test_read_head_refuses_links_and_fifos(root: Path, outside: Path) -> None:
    (root / "link.yaml").symlink_to(outside)
    os.mkfifo(root / "fifo.yaml")
    with pytest.raises(UnsafePathError):
        openapi.read_head(root, "link.yaml", 10)
    with pytest.raises(UnsafePathError):
        openapi.read_head(root, "fifo.yaml", 10)


@pytest.mark.parametrize(
    ("key", "version", "kind"),
    [
        ("openapi", "3.0.0", SpecKind.OPENAPI_3_0),
        ("openapi", "3.1", SpecKind.OPENAPI_3_1),
        ("openapi", "3.10.0", SpecKind.UNKNOWN),
        ("openapi", "2.0", SpecKind.UNKNOWN),
        ("swagger", "2.0", SpecKind.SWAGGER_2_0),
        ("swagger", "3.0.0", SpecKind.UNKNOWN),
        ("openapi", None, SpecKind.UNKNOWN),
    ],
)
def test_spec_kind(key: str, version: str | None, kind: SpecKind) -> None:
    assert openapi.spec_kind(key, version) == kind
