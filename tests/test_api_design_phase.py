"""Phase 1, API design: spec reading, and each criterion on hand-built routes and specs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper import config as cfg
from gatekeeper.engines.openapi import (
    RefProblem,
    SpecCandidate,
    SpecError,
    SpecKind,
    SpecResult,
    SpecStatus,
)
from gatekeeper.model import Detection, Evidence, Report, Service, Status
from gatekeeper.phases import api_design
from gatekeeper.phases.base import Context
from gatekeeper.routes import inventory
from gatekeeper.routes.inventory import ApiInventory, ServiceApi, Spec
from gatekeeper.routes.model import AppHook, Route
from gatekeeper.routes.spec import SpecDocument, SpecOperation, load_spec
from tests.test_phases import make_ctx

# ---------------------------------------------------------------------------- reading specs

SPEC = """\
openapi: 3.0.3
info: {title: t, version: "1"}
servers:
  - url: https://api.example.com/api/v1
paths:
  /users:
    get:
      parameters:
        - $ref: '#/components/parameters/Limit'
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/UserPage'}
        "429": {description: slow down}
        default:
          description: err
          content:
            application/problem+json:
              schema: {type: object}
    post:
      requestBody:
        content:
          application/json: {}
      responses:
        "201": {description: created}
  /users/{id}:
    $ref: 'paths/user.yaml'
  /evil:
    $ref: '../../etc/passwd'
components:
  parameters:
    Limit: {name: limit, in: query}
  schemas:
    UserPage:
      type: object
      properties:
        items: {type: array, items: {type: object}}
        next: {type: string}
"""

USER = """\
get:
  responses:
    "200":
      description: ok
      content:
        application/json:
          schema: {type: object}
    "404": {description: no}
"""


def _reader(root: Path):  # type: ignore[no-untyped-def]
    return lambda p: (root / p).read_text()


def test_spec_operations_follow_refs_inside_the_root_only(tmp_path: Path) -> None:
    (tmp_path / "paths").mkdir()
    (tmp_path / "openapi.yaml").write_text(SPEC)
    (tmp_path / "paths" / "user.yaml").write_text(USER)
    doc = load_spec("openapi.yaml", _reader(tmp_path))
    assert doc.error is None
    assert doc.base_paths == ("/api/v1",)
    ops = {(op.method, op.path): op for op in doc.operations}
    assert set(ops) == {("GET", "/users"), ("POST", "/users"), ("GET", "/users/{id}")}
    listing = ops["GET", "/users"]
    assert listing.line == 7 and listing.query_params == ("limit",)
    assert listing.response_is_list and listing.paged_envelope
    assert listing.rate_limit == ("429",) and listing.problem_json and listing.error_schema
    assert listing.full_paths() == ("/api/v1/users",)
    create = ops["POST", "/users"]
    assert create.request_body and not create.request_schema
    assert create.response_schema  # 201 without a body needs no schema
    detail = ops["GET", "/users/{id}"]
    assert detail.file == "paths/user.yaml" and detail.line == 1
    assert detail.error_codes == ("404",) and not detail.error_schema
    assert [p[2] for p in doc.problems] == [
        "paths /evil: points outside the repository; not followed"
    ]


def test_swagger_2_body_and_base_path(tmp_path: Path) -> None:
    spec = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "basePath": "/v2",
        "paths": {
            "/pets": {
                "post": {
                    "parameters": [{"in": "body", "name": "b", "schema": {"type": "object"}}],
                    "responses": {"200": {"description": "ok", "schema": {"type": "array"}}},
                }
            }
        },
    }
    (tmp_path / "swagger.json").write_text(json.dumps(spec))
    doc = load_spec("swagger.json", _reader(tmp_path))
    (op,) = doc.operations
    assert op.request_body and op.request_schema and op.response_schema
    assert op.response_is_list and op.full_paths() == ("/v2/pets",)


def test_unreadable_spec_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text("openapi: 3.0.0\npaths: [unclosed\n")
    doc = load_spec("openapi.yaml", _reader(tmp_path))
    assert doc.operations == () and doc.error is not None and "openapi.yaml" in doc.error


def test_ref_cycles_end(tmp_path: Path) -> None:
    text = "openapi: 3.0.0\npaths:\n  /a:\n    $ref: '#/x'\nx:\n  $ref: '#/y'\ny:\n  $ref: '#/x'\n"
    (tmp_path / "openapi.yaml").write_text(text)
    doc = load_spec("openapi.yaml", _reader(tmp_path))
    assert doc.operations == ()
    assert "chain longer" in doc.problems[0][2]


# ---------------------------------------------------------------------------- criteria

FASTAPI = (("language", "python"), ("framework", "fastapi"))


def svc(*detections: tuple[str, str], root: str = ".", name: str = "api") -> Service:
    ev = (Evidence("pyproject.toml", 1, "x"),)
    return Service(
        root, name, ("pyproject.toml",), tuple(Detection(k, n, ev) for k, n in detections)
    )


def route(method: str, path: str, line: int = 1, **kw: object) -> Route:
    base: dict[str, object] = dict(
        file="app/main.py",
        line=line,
        method=method,
        url_path=path,
        handler="h",
        framework="fastapi",
    )
    base.update(kw)
    return Route(**base)  # type: ignore[arg-type]


def op(method: str, path: str, line: int = 1, **kw: object) -> SpecOperation:
    base: dict[str, object] = dict(
        file="openapi.yaml",
        line=line,
        method=method,
        path=path,
        spec="openapi.yaml",
        success_codes=("200",),
        response_schema=True,
        error_codes=("default",),
        error_schema=True,
    )
    base.update(kw)
    return SpecOperation(**base)  # type: ignore[arg-type]


def spec(*ops: SpecOperation, status: SpecStatus = SpecStatus.VALID, **kw: object) -> Spec:
    fields: dict[str, object] = {
        "version": "3.0.3",
        "errors": (),
        "ref_problems": (),
        "message": "",
    }
    fields.update(kw)
    result = SpecResult("openapi.yaml", status, **fields)  # type: ignore[arg-type]
    return Spec(
        SpecCandidate("openapi.yaml", SpecKind.OPENAPI_3_0, "3.0.3"),
        result,
        SpecDocument("openapi.yaml", tuple(ops)),
    )


def ctx_with(
    tmp_path: Path,
    routes: tuple[Route, ...] = (),
    specs: tuple[Spec, ...] = (),
    hooks: tuple[AppHook, ...] = (),
    service: Service | None = None,
    config: cfg.Config | None = None,
    files: dict[str, str] | None = None,
    schema_files: tuple[Evidence, ...] = (),
) -> Context:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    service = service or svc(*FASTAPI)
    ctx = make_ctx(
        tmp_path,
        services=(service,),
        loaded=cfg.LoadedConfig(config or cfg.Config(), None, False),
        specs=(),
    )
    api = ApiInventory(
        (
            ServiceApi(
                service,
                routes,
                hooks,
                specs,
                covered=bool(set(service.names("framework")) & inventory.ROUTE_FRAMEWORKS),
                frameworks=service.names("framework"),
                api_styles=service.names("api_style"),
            ),
        ),
        specs,
        (),
        (),
        schema_files,
    )
    ctx.cached("api_inventory", lambda: api)
    return ctx


def run(crit: object, ctx: Context):  # type: ignore[no-untyped-def]
    out = crit.check(ctx)  # type: ignore[attr-defined]
    return out, sorted((f.rule_id, f.location.path, f.location.line) for f in out.findings)


CONTRACTS = api_design.every_endpoint_has_a_contract


def test_contracts_pass_when_code_and_spec_agree(tmp_path: Path) -> None:
    ctx = ctx_with(
        tmp_path,
        (route("GET", "/api/v1/users/{user_id}"), route("GET", "/health", 9)),
        (spec(op("GET", "/users/{id}", 5, base_paths=("/api/v1",))),),
    )
    out, found = run(CONTRACTS, ctx)
    assert out.status == Status.PASS, out.message
    assert found == []
    assert any("openapi.yaml:5" in e.what for e in out.evidence)


def test_drift_is_found_in_both_directions(tmp_path: Path) -> None:
    ctx = ctx_with(
        tmp_path,
        (route("GET", "/users"), route("DELETE", "/users/{id}", 7)),
        (spec(op("GET", "/users", 3), op("POST", "/users", 12)),),
    )
    out, found = run(CONTRACTS, ctx)
    assert out.status == Status.FAIL
    assert found == [("GK106", "app/main.py", 7), ("GK107", "openapi.yaml", 12)]


def test_any_method_route_serves_every_method_of_its_path(tmp_path: Path) -> None:
    ctx = ctx_with(
        tmp_path,
        (route("ANY", "/users", framework="django"),),
        (spec(op("GET", "/users", 3), op("POST", "/users", 12)),),
        service=svc(("framework", "django")),
    )
    out, found = run(CONTRACTS, ctx)
    assert out.status == Status.PASS and found == []


def test_code_first_routes_need_a_response_model(tmp_path: Path) -> None:
    ctx = ctx_with(
        tmp_path,
        (route("GET", "/users", 3, response_model="list[User]"), route("POST", "/users", 8)),
    )
    out, found = run(CONTRACTS, ctx)
    assert found == [("GK101", "app/main.py", 8)]
    assert any("declares response model list[User]" in e.what for e in out.evidence)


def test_invalid_spec_and_refused_refs_fail(tmp_path: Path) -> None:
    bad = spec(
        op("GET", "/users"),
        status=SpecStatus.INVALID,
        version="3.0.3",
        errors=(SpecError("/paths/~1users/get", "'responses' is a required property", 6),),
        ref_problems=(
            RefProblem("/paths/~1x/$ref", "http://evil/x.yaml", "network", "openapi.yaml"),
        ),
        message="",
    )
    ctx = ctx_with(tmp_path, (route("GET", "/users"),), (bad,))
    out, found = run(CONTRACTS, ctx)
    assert out.status == Status.FAIL
    assert found == [("GK102", "openapi.yaml", 6), ("GK103", "openapi.yaml", None)]


def test_spec_that_could_not_be_validated_is_an_error(tmp_path: Path) -> None:
    broken = spec(
        status=SpecStatus.ERROR, version=None, errors=(), ref_problems=(), message="timed out"
    )
    out, _ = run(
        CONTRACTS, ctx_with(tmp_path, (route("GET", "/users", response_model="U"),), (broken,))
    )
    assert out.status == Status.ERROR and "timed out" in out.message


def test_operations_without_schemas_fail(tmp_path: Path) -> None:
    ctx = ctx_with(
        tmp_path,
        (route("GET", "/a"), route("POST", "/a")),
        (spec(op("GET", "/a", 2, response_schema=False), op("POST", "/a", 9, request_body=True)),),
    )
    _, found = run(CONTRACTS, ctx)
    assert found == [("GK104", "openapi.yaml", 2), ("GK105", "openapi.yaml", 9)]


def test_uncovered_framework_is_an_error_not_a_pass(tmp_path: Path) -> None:
    ctx = ctx_with(tmp_path, service=svc(("language", "java"), ("framework", "micronaut")))
    out, _ = run(CONTRACTS, ctx)
    assert out.status == Status.ERROR and "issue 6" in out.message


def test_web_service_without_routes_or_spec_fails(tmp_path: Path) -> None:
    out, found = run(CONTRACTS, ctx_with(tmp_path))
    assert out.status == Status.FAIL and found == [("GK108", "pyproject.toml", None)]


def test_unresolved_routes_and_unparsed_files(tmp_path: Path) -> None:
    ctx = ctx_with(tmp_path, (route("GET", "/a", response_model="A"),))
    api = api_design.api_inventory(ctx)
    ctx._cache["api_inventory"] = ApiInventory(
        api.services,
        (),
        (("app/x.py", 4, "path is not a literal"),),
        (("app/y.py", "libcst only"),),
        (),
    )
    out, found = run(CONTRACTS, ctx)
    assert found == [("GK109", "app/x.py", 4)]  # low: reported, not failing
    assert out.status == Status.ERROR and "app/y.py" in out.message


VERSIONING = api_design.one_versioning_scheme_covers_every_route


def test_versioning_pass_mixed_and_absent(tmp_path: Path) -> None:
    good = ctx_with(tmp_path / "a", (route("GET", "/api/v1/users"), route("GET", "/healthz")))
    out, found = run(VERSIONING, good)
    assert out.status == Status.PASS and found == []
    mixed = ctx_with(tmp_path / "b", (route("GET", "/v1/users"), route("GET", "/users", 5)))
    out, found = run(VERSIONING, mixed)
    assert out.status == Status.FAIL and found == [("GK112", "app/main.py", 5)]
    absent = ctx_with(tmp_path / "c", (route("GET", "/users", 3), route("GET", "/items", 5)))
    out, found = run(VERSIONING, absent)
    assert found == [("GK111", "app/main.py", 3)]


def test_version_header_in_the_spec_is_a_scheme(tmp_path: Path) -> None:
    ctx = ctx_with(
        tmp_path,
        (route("GET", "/users"),),
        (spec(op("GET", "/users", 4, header_params=("X-API-Version",))),),
    )
    out, _ = run(VERSIONING, ctx)
    assert out.status == Status.PASS
    assert "X-API-Version" in out.evidence[0].what


def test_operational_routes_come_from_config(tmp_path: Path) -> None:
    conf = cfg.Config(operational_routes=("/internal/*",))
    ctx = ctx_with(
        tmp_path, (route("GET", "/v1/users"), route("GET", "/internal/ping", 4)), config=conf
    )
    assert run(VERSIONING, ctx)[0].status == Status.PASS


RATE = api_design.requests_are_rate_limited


def test_rate_limit_sources(tmp_path: Path) -> None:
    none = ctx_with(tmp_path / "none", (route("GET", "/v1/a"),))
    out, found = run(RATE, none)
    assert out.status == Status.FAIL and found == [("GK121", "pyproject.toml", None)]
    decorated = ctx_with(tmp_path / "deco", (route("GET", "/v1/a", decorators=("limiter.limit",)),))
    assert run(RATE, decorated)[0].status == Status.PASS
    spec429 = ctx_with(tmp_path / "spec", (), (spec(op("GET", "/a", 3, rate_limit=("429",))),))
    out, _ = run(RATE, spec429)
    assert out.status == Status.PASS and out.evidence[0].line == 3
    nginx = ctx_with(
        tmp_path / "nginx",
        (route("GET", "/v1/a"),),
        files={
            "deploy/nginx.conf": "http {\n"
            "  limit_req_zone $binary_remote_addr zone=one:10m rate=1r/s;\n}\n"
        },
    )
    out, _ = run(RATE, nginx)
    assert out.status == Status.PASS
    assert (out.evidence[0].path, out.evidence[0].line) == ("deploy/nginx.conf", 2)


def test_rate_limit_delegation_must_name_a_real_document(tmp_path: Path) -> None:
    conf = cfg.Config(rate_limiting_delegated_to="docs/gateway.md")
    missing = ctx_with(tmp_path / "m", (route("GET", "/v1/a"),), config=conf)
    out, found = run(RATE, missing)
    assert out.status == Status.FAIL and "not a file" in out.findings[0].message
    assert [rule for rule, _, _ in found] == ["GK121", "GK121"]  # the delegation, the service
    present = ctx_with(
        tmp_path / "p", (route("GET", "/v1/a"),), config=conf, files={"docs/gateway.md": "# Kong\n"}
    )
    assert run(RATE, present)[0].status == Status.PASS


ERRORS = api_design.errors_follow_one_pattern


def test_error_handling(tmp_path: Path) -> None:
    handler = AppHook("app/main.py", 20, "error_handler", "HTTPException", "fastapi")
    good = ctx_with(tmp_path / "g", (route("GET", "/v1/a"),), hooks=(handler,))
    out, found = run(ERRORS, good)
    assert out.status == Status.PASS and out.evidence[0].line == 20
    missing = ctx_with(tmp_path / "m", (route("GET", "/v1/a"),))
    out, found = run(ERRORS, missing)
    assert found == [("GK131", "pyproject.toml", None)]
    cors = AppHook("app/main.py", 5, "middleware", "CORSMiddleware", "fastapi")
    assert run(ERRORS, ctx_with(tmp_path / "c", (route("GET", "/v1/a"),), hooks=(cors,)))[1] == [
        ("GK131", "pyproject.toml", None)
    ]
    aiohttp = AppHook("app/app.py", 7, "middleware", "error_middleware", "aiohttp")
    out, _ = run(ERRORS, ctx_with(tmp_path / "a", (route("GET", "/v1/a"),), hooks=(aiohttp,)))
    assert out.status == Status.PASS and out.evidence[0].what == "error middleware error_middleware"
    undocumented = ctx_with(
        tmp_path / "u",
        (route("GET", "/a"), route("GET", "/b")),
        (spec(op("GET", "/a", 3, error_codes=()), op("GET", "/b", 9, error_schema=False)),),
        hooks=(handler,),
    )
    out, found = run(ERRORS, undocumented)
    assert found == [("GK132", "openapi.yaml", 3), ("GK133", "openapi.yaml", 9)]
    assert out.status == Status.FAIL  # GK132 is medium; GK133 alone would not fail


PAGES = api_design.collections_are_paginated


def test_pagination(tmp_path: Path) -> None:
    paged = ctx_with(
        tmp_path / "p",
        (route("GET", "/v1/users", response_is_list=True, query_params=("limit", "offset")),),
    )
    out, _ = run(PAGES, paged)
    assert out.status == Status.PASS and "limit" in out.evidence[0].what
    unpaged = ctx_with(tmp_path / "u", (route("GET", "/v1/users", 6, response_is_list=True),))
    out, found = run(PAGES, unpaged)
    assert found == [("GK141", "app/main.py", 6)]
    detail = ctx_with(tmp_path / "d", (route("GET", "/v1/users/{id}", response_is_list=True),))
    assert run(PAGES, detail)[0].status == Status.NOT_APPLICABLE
    from_spec = ctx_with(
        tmp_path / "s",
        (route("GET", "/v1/users"),),
        (spec(op("GET", "/v1/users", 4, response_is_list=True, paged_envelope=True)),),
    )
    out, _ = run(PAGES, from_spec)
    assert out.status == Status.PASS and "envelope" in out.evidence[0].what


@pytest.mark.parametrize(
    ("raw", "style", "expected"),
    [
        ("/users/<int:id>", "flask", "/users/{id}"),
        ("users/<slug:slug>/", "django", "/users/{slug}/"),
        (r"^users/(?P<pk>[0-9]+)/$", "regex", "/users/{pk}/"),
        ("/users/:id", "colon", "/users/{id}"),
        ("/users/{id:[0-9]+}", "openapi", "/users/{id}"),
    ],
)
def test_paths_from_every_framework_compare_equal(raw: str, style: str, expected: str) -> None:
    from gatekeeper.routes.model import normalize_path, path_key

    assert normalize_path(raw, style) == expected
    assert path_key(expected) == "/users/{}"


# ---------------------------------------------------------------------------- whole audits

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def audit_api(root: Path) -> tuple[dict[str, str], list[tuple[str, str, int | None]], Report]:
    report = api.audit(root, api.Options(engines=False, phases=("api_design",))).report
    (phase,) = [p for p in report.phases if p.id == "api_design"]
    statuses = {c.id.split(".", 1)[1]: c.status.value for c in phase.criteria}
    found = sorted((f.rule_id, f.location.path, f.location.line) for f in report.findings)
    return statuses, found, report


def copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest)
    return dest


ALL_PASS = {
    "endpoints_have_contracts": "pass",
    "versioning_strategy": "pass",
    "rate_limiting_rules": "pass",
    "error_handling_patterns": "pass",
    "pagination": "pass",
}


@pytest.mark.parametrize("name", ["api-spec-good", "routes-connexion", "example"])
def test_fixtures_that_pass_every_api_criterion(name: str, tmp_path: Path) -> None:
    statuses, found, report = audit_api(copy(name, tmp_path))
    assert statuses == ALL_PASS, found
    served = [r for r in report.routes if not r.url_path.startswith(("/health", "/healthz"))]
    assert served and all(r.in_spec is not False for r in served)


def test_spec_and_code_drift_fixture_fails_every_api_criterion(tmp_path: Path) -> None:
    statuses, found, report = audit_api(copy("api-spec-drift", tmp_path))
    assert set(statuses.values()) == {"fail"}
    assert found == [
        ("GK103", "openapi.yaml", None),  # $ref ../../outside.yaml: not followed
        ("GK105", "openapi.yaml", 17),
        ("GK106", "users.py", 17),  # DELETE /users/{user_id} is served, not declared
        ("GK107", "openapi.yaml", 17),  # POST /users is declared, nothing serves it
        ("GK111", "openapi.yaml", 7),
        ("GK121", "requirements.txt", None),
        ("GK131", "requirements.txt", None),
        ("GK132", "openapi.yaml", 7),
        ("GK132", "openapi.yaml", 17),
        ("GK133", "openapi.yaml", 29),
        ("GK141", "users.py", 7),
    ]
    in_spec = {(r.method, r.url_path): r.in_spec for r in report.routes}
    assert in_spec == {
        ("GET", "/health"): False,  # operational: listed as not in the spec, never a finding
        ("GET", "/users/"): True,
        ("GET", "/users/{user_id}"): True,
        ("DELETE", "/users/{user_id}"): False,
    }
    (spec_row,) = report.specs
    assert (spec_row.path, spec_row.status, spec_row.operations) == ("openapi.yaml", "valid", 3)


def test_connexion_routes_are_the_mounted_spec(tmp_path: Path) -> None:
    _, _, report = audit_api(copy("routes-connexion", tmp_path))
    assert [(r.method, r.url_path, r.handler, r.file, r.line) for r in report.routes] == [
        ("GET", "/v1/pets", "petstore.pets.search", "spec/openapi.yaml", 7),
        ("POST", "/v1/pets", "petstore.pets.create", "spec/openapi.yaml", 21),
        ("GET", "/v1/pets/{pet_id}", "petstore.pets.get", "spec/openapi.yaml", 35),
    ]
    assert report.routes[0].mounts == ("app.py:4 /v1 (add_api)",)


def test_settings_object_prefixes_resolve(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "s"\nversion = "1"\ndependencies = ["fastapi"]\n',
        "app/core/config.py": (
            "from pydantic_settings import BaseSettings\n\n"
            "class Settings(BaseSettings):\n"
            '    API_V1_STR: str = "/api/v1"\n\n'
            "class Legacy(Settings):\n"
            "    DEBUG: bool = False\n\n"
            "settings = Settings()\n\n"
            "def get_legacy() -> Legacy:\n"
            "    return Legacy()\n"
        ),
        "app/main.py": (
            "from fastapi import APIRouter, FastAPI\n"
            "from app.core.config import get_legacy, settings\n\n"
            "app = FastAPI()\n"
            "users = APIRouter()\n"
            "legacy = get_legacy()\n\n"
            '@users.get("/users")\n'
            "def list_users() -> list[int]:\n"
            "    return []\n\n"
            "app.include_router(users, prefix=settings.API_V1_STR)\n"
            'app.include_router(users, prefix=legacy.API_V1_STR + "/old")\n'
        ),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    _, found, report = audit_api(tmp_path)
    # a BaseSettings default, read through an instance, a typed factory and a subclass
    assert sorted(r.url_path for r in report.routes) == ["/api/v1/old/users", "/api/v1/users"]
    assert not [f for f in found if f[0] == "GK109"]


# ---------------------------------------------------------------------------- real-world forms


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


FASTAPI_MANIFEST = '[project]\nname = "s"\nversion = "1"\ndependencies = ["fastapi"]\n'


def test_newer_syntax_in_a_route_file_is_read_after_a_same_line_rewrite(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": FASTAPI_MANIFEST,
            "app/main.py": (
                "from typing import Annotated\n"
                "from fastapi import Depends, FastAPI\n\n"
                "app = FastAPI()\n"
                "type Db = Annotated[object, Depends(lambda: None)]\n\n"
                '@app.get("/v1/items", response_model=list[str])\n'
                "def items(db: Db, skip: int = 0, limit: int = 10):\n"
                "    try:\n"
                "        return []\n"
                "    except KeyError, ValueError:\n"
                "        return []\n"
            ),
        },
    )
    statuses, _, report = audit_api(root)
    assert [(r.method, r.url_path, r.line) for r in report.routes] == [("GET", "/v1/items", 7)]
    assert statuses["endpoints_have_contracts"] == "pass"  # no "routes not read" gap
    assert statuses["pagination"] == "pass"


def test_flask_forms_seen_in_public_apps(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "requirements.txt": "flask\nflask-apispec\n",
            "app.py": (
                "from flask import Flask\n"
                "from flask_apispec import marshal_with\n\n"
                "app = Flask(__name__)\n\n"
                "class Invalid(Exception):\n    pass\n\n"
                "def handle(error):\n    return {'error': str(error)}, 422\n\n"
                "def register(app):\n"
                "    app.errorhandler(Invalid)(handle)\n\n"
                '@app.get("/v1/tags")\n'
                "@marshal_with(object)\n"
                "def tags():\n    return []\n\n"
                '@app.delete("/v1/tags/<name>")\n'
                "def drop(name):\n    return '', 204\n"
            ),
        },
    )
    statuses, found, _ = audit_api(root)
    assert statuses["error_handling_patterns"] == "pass"  # the decorator applied by hand
    assert statuses["endpoints_have_contracts"] == "pass", found  # @marshal_with; DELETE


def test_graphql_service_contract_is_its_schema_file(tmp_path: Path) -> None:
    graphql = svc(("language", "python"), ("framework", "fastapi"), ("api_style", "graphql"))
    with_schema = ctx_with(
        tmp_path / "s",
        service=graphql,
        schema_files=(Evidence("schema.graphql", 1, "GraphQL schema: type Query {"),),
    )
    out, found = run(CONTRACTS, with_schema)
    assert out.status == Status.PASS and found == []
    assert out.evidence[0].path == "schema.graphql"
    out, _ = run(VERSIONING, with_schema)
    assert out.status == Status.NOT_APPLICABLE and "evolves one schema" in out.message
    assert "connections" in run(PAGES, with_schema)[0].message
    without = ctx_with(tmp_path / "n", service=graphql)
    out, found = run(CONTRACTS, without)
    assert found == [("GK108", "pyproject.toml", None)]


def test_graphql_schema_files_are_found_by_the_audit(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "requirements.txt": "fastapi\nstrawberry-graphql\n",
            "app.py": "from fastapi import FastAPI\nimport strawberry\n\napp = FastAPI()\n",
            "api/schema.graphql": "# the contract\ntype Query {\n  me: String\n}\n",
        },
    )
    statuses, found, _ = audit_api(root)
    assert statuses["endpoints_have_contracts"] == "pass", found
    assert statuses["versioning_strategy"] == "not_applicable"


def test_x_gatekeeper_ignore_suppresses_findings_on_its_operation(tmp_path: Path) -> None:
    import json

    (tmp_path / "requirements.txt").write_text("flask==3.0.0\n")
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/reports": {
                "post": {
                    "x-gatekeeper-ignore": {
                        "GK107": "served by the reporting service behind the same gateway",
                        "GK132": "",
                    },
                    "responses": {"201": {"description": "made"}},
                }
            }
        },
    }
    (tmp_path / "openapi.json").write_text(json.dumps(spec, indent=2))
    report = api.audit(tmp_path, api.Options(engines=False, phases=("api_design",))).report
    on_op = {f.rule_id: f for f in report.findings if f.location.path == "openapi.json"}
    assert on_op["GK107"].state == "suppressed"
    assert on_op["GK107"].suppression is not None
    assert on_op["GK107"].suppression.kind == "x-gatekeeper-ignore"
    assert on_op["GK107"].suppression.reason.startswith("served by the reporting service")
    assert on_op["GK132"].state == "open"  # no reason given: nothing is suppressed


def test_spec_ignores_accepts_a_mapping_or_a_list_and_needs_reasons() -> None:
    from gatekeeper.routes.spec import spec_ignores

    assert spec_ignores({"GK107": "elsewhere", "GK105": " ", "bad id!": "x"}) == (
        ("GK107", "elsewhere"),
    )
    assert spec_ignores([{"id": "api_design.rate_limiting_rules", "reason": "at the gateway"}]) == (
        ("api_design.rate_limiting_rules", "at the gateway"),
    )
    assert spec_ignores("GK107") == ()
