"""Phase 3, authentication and the route x auth matrix: decisions, findings, whole audits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.model import Detection, Evidence, Report, Service
from gatekeeper.routes.auth import Auth, matrix
from gatekeeper.routes.inventory import ServiceApi
from gatekeeper.routes.model import AppHook, Route

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
OWASP = "security.owasp_top10_addressed"


def route(method: str, path: str, framework: str = "fastapi", **kw: object) -> Route:
    base: dict[str, object] = dict(
        file="app.py", line=3, method=method, url_path=path, handler="h", framework=framework
    )
    base.update(kw)
    return Route(**base)  # type: ignore[arg-type]


def service_api(
    *routes: Route, hooks: tuple[AppHook, ...] = (), framework: str = "fastapi"
) -> ServiceApi:
    ev = (Evidence("pyproject.toml", 1, "x"),)
    svc = Service(".", "api", ("pyproject.toml",), (Detection("framework", framework, ev),))
    covered = framework in ("fastapi", "flask", "django", "aiohttp")
    return ServiceApi(svc, routes, hooks, (), covered, (framework,), ())


def decide(svc: ServiceApi, public: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    return [
        (
            d.route.method,
            d.route.url_path,
            d.auth.value + (f": {d.evidence.what}" if d.evidence else ""),
        )
        for d in matrix(svc, public)
    ]


def test_dependencies_decorators_and_public_routes() -> None:
    svc = service_api(
        route("POST", "/v1/orders", dependencies=("get_current_user",)),
        route("DELETE", "/v1/orders/{id}", decorators=("login_required",)),
        route("POST", "/v1/limited", decorators=("limiter.limit",)),  # a limit is not auth
        route("GET", "/v1/catalog"),
        route("POST", "/v1/webhook"),
    )
    assert decide(svc, ("GET /v1/catalog*", "/v1/webhook")) == [
        ("POST", "/v1/orders", "required: checked by get_current_user"),
        ("DELETE", "/v1/orders/{id}", "required: checked by login_required"),
        ("POST", "/v1/limited", "none"),
        ("GET", "/v1/catalog", "public: public_routes 'GET /v1/catalog*'"),
        ("POST", "/v1/webhook", "public: public_routes '/v1/webhook'"),
    ]


def test_drf_permission_classes_and_defaults() -> None:
    default = AppHook(
        "proj/settings.py", 40, "auth_default", "rest_framework.permissions.IsAuthenticated", "drf"
    )
    svc = service_api(
        route("GET", "/a/", "drf", dependencies=("permission_classes:AllowAny",)),
        route("GET", "/b/", "drf", dependencies=("permission_classes:IsAuthenticatedOrReadOnly",)),
        route("POST", "/b/", "drf", dependencies=("permission_classes:IsAuthenticatedOrReadOnly",)),
        route("POST", "/c/", "drf", dependencies=("throttle_classes:UserRateThrottle",)),
        route("GET", "/admin/", "django", handler="admin.site.urls"),
        hooks=(default,),
        framework="django",
    )
    assert decide(svc) == [
        ("GET", "/a/", "public: permission_classes AllowAny"),
        ("GET", "/b/", "public: IsAuthenticatedOrReadOnly (read-only)"),
        ("POST", "/b/", "required: IsAuthenticatedOrReadOnly"),
        ("POST", "/c/", "required: DEFAULT_PERMISSION_CLASSES " + default.name),
        ("GET", "/admin/", "required: Django admin site login"),
    ]


def test_app_wide_guards_and_unknown_frameworks() -> None:
    guard = AppHook("app.py", 9, "middleware", "require_token", "flask")
    flask = service_api(route("POST", "/x", "flask"), hooks=(guard,), framework="flask")
    assert decide(flask) == [("POST", "/x", "required: app-wide require_token")]
    django = AppHook(
        "s.py", 5, "middleware", "django.contrib.auth.middleware.LoginRequiredMiddleware", "django"
    )
    views = service_api(route("POST", "/y/", "django"), hooks=(django,), framework="django")
    assert decide(views)[0][2].startswith("required: app-wide")
    express = service_api(route("POST", "/z", "express"), framework="express")
    assert [d.auth for d in matrix(express, ())] == [Auth.UNKNOWN]


# ---------------------------------------------------------------------------- whole audits


def audit(root: Path) -> tuple[dict[str, str], list[tuple[str, str, int | None]], Report]:
    report = api.audit(root, api.Options(engines=False, phases=("security",))).report
    (phase,) = [p for p in report.phases if p.id == "security"]
    statuses = {c.id.split(".", 1)[1]: c.status.value for c in phase.criteria}
    found = sorted(
        (
            (f.rule_id, f.location.path, f.location.line)
            for f in report.findings
            if f.criterion_id != OWASP  # the OWASP scan has its own tests
        ),
        key=lambda f: (f[0], f[1], f[2] or 0),
    )
    return statuses, found, report


def copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest)
    return dest


def test_example_checks_the_caller_on_every_route_that_changes_data(tmp_path: Path) -> None:
    statuses, found, report = audit(copy("example", tmp_path))
    assert statuses["authentication_implemented"] == "pass"
    assert statuses["authorization_rules"] == "pass"
    assert found == []
    auth = {(r.method, r.url_path): r.auth for r in report.routes}
    assert auth == {
        ("GET", "/health"): "none",
        ("GET", "/v1/orders"): "required",
        ("GET", "/v1/orders/{order_id}"): "required",
        ("POST", "/v1/orders"): "required",
    }


def test_unauthenticated_service_fails_both_criteria(tmp_path: Path) -> None:
    statuses, found, _ = audit(copy("routes-aiohttp", tmp_path))
    assert statuses["authentication_implemented"] == "fail"
    assert statuses["authorization_rules"] == "fail"
    assert found == [
        ("GK301", "pyproject.toml", None),
        ("GK311", "tracker/api/routes.py", 18),
        ("GK311", "tracker/app.py", 12),
        ("GK311", "tracker/app.py", 12),
        ("GK312", "tracker/app.py", 22),
        ("GK321", "tracker/api/routes.py", 18),  # await request.json(), unvalidated
        ("GK321", "tracker/app.py", 12),
    ]


def test_declared_auth_method_must_match_the_code(tmp_path: Path) -> None:
    root = copy("example", tmp_path)
    text = (
        (root / "pyproject.toml")
        .read_text()
        .replace('auth_method = "jwt"', 'auth_method = "session"')
    )
    (root / "pyproject.toml").write_text(text)
    statuses, found, _ = audit(root)
    assert statuses["authentication_implemented"] == "fail"
    assert found == [("GK302", "pyproject.toml", None)]


@pytest.mark.parametrize("path", ["/v1/users/register", "/auth/token", "/login"])
def test_entry_points_are_public_by_nature(path: str, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("fastapi\npyjwt\n")
    (tmp_path / "app.py").write_text(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n"
        f'@app.post("{path}")\ndef enter() -> dict:\n    return {{}}\n\n'
        '@app.post("/v1/debug")\ndef debug() -> dict:\n    return {}\n'
    )
    _, found, _ = audit(tmp_path)
    assert found == [("GK312", "app.py", 9)]  # the debug route, not the entry point


def test_request_bodies_must_be_validated(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask\nflask-login\nmarshmallow\n")
    (tmp_path / "app.py").write_text(
        "from flask import Flask, request\n"
        "from flask_login import login_required\n"
        "from schemas import NoteSchema\n"
        "from models import Note\n\n"
        "app = Flask(__name__)\n\n"
        '@app.post("/v1/raw")\n'
        "@login_required\n"
        "def raw():\n"
        "    return {'title': request.get_json()['title']}\n\n"
        '@app.post("/v1/checked")\n'
        "@login_required\n"
        "def checked():\n"
        "    return NoteSchema().load(request.json)\n\n"
        '@app.put("/v1/spread")\n'
        "@login_required\n"
        "def spread():\n"
        "    return Note(**request.json).save()\n"
    )
    report = api.audit(tmp_path, api.Options(engines=False, phases=("security",))).report
    (crit,) = [c for p in report.phases for c in p.criteria if c.id == "security.input_validation"]
    assert crit.status.value == "fail"
    found = sorted(
        (f.rule_id, f.location.line, f.message) for f in report.findings if f.criterion_id != OWASP
    )
    assert found == [
        ("GK321", 8, "POST /v1/raw (app.raw) reads request.get_json without validating it"),
        ("GK321", 18, "PUT /v1/spread (app.spread) reads request.json without validating it"),
        ("GK322", 18, "PUT /v1/spread (app.spread) spreads request data into Note(**request.json)"),
    ]
    assert any("validated in the handler (load)" in e.what for e in crit.evidence)


def test_example_validates_its_bodies_with_models(tmp_path: Path) -> None:
    report = api.audit(copy("example", tmp_path), api.Options(engines=False, phases=("security",)))
    (crit,) = [
        c for p in report.report.phases for c in p.criteria if c.id == "security.input_validation"
    ]
    assert crit.status.value == "pass"
    assert [e.what for e in crit.evidence] == [
        "POST /v1/orders (app.main.create_order): request model OrderIn"
    ]


def test_object_level_authorization(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("fastapi\npyjwt\n")
    (tmp_path / "app.py").write_text(
        "from fastapi import Depends, FastAPI\n"
        "from db import Order, session, current_user\n\n"
        "app = FastAPI()\n\n"
        '@app.delete("/v1/orders/{order_id}")\n'
        "def anyones(order_id: int, user=Depends(current_user)) -> None:\n"
        "    session.delete(session.get(Order, order_id))\n\n"
        '@app.put("/v1/mine/{order_id}")\n'
        "def mine(order_id: int, user=Depends(current_user)) -> None:\n"
        "    order = session.get(Order, order_id)\n"
        "    if order.owner_id != user.id:\n"
        "        raise PermissionError\n\n"
        '@app.patch("/v1/scoped/{order_id}")\n'
        "def scoped(order_id: int, user=Depends(current_user)) -> None:\n"
        "    owner = user.account\n"
        "    order = session.get(Order, order_id)\n"
        "    owner.touch(order)\n"
    )
    report = api.audit(tmp_path, api.Options(engines=False, phases=("security",))).report
    found = [(f.rule_id, f.location.line) for f in report.findings if f.rule_id == "GK313"]
    assert found == [("GK313", 6)]  # the lookup nobody compares with the caller
    (crit,) = [
        c for p in report.phases for c in p.criteria if c.id == "security.authorization_rules"
    ]
    # medium severity (low confidence): it fails the gate unless suppressed with a reason
    assert crit.status.value == "fail"


def test_optional_auth_middleware_is_not_a_check() -> None:
    svc = service_api(route("POST", "/api/articles", "fastapi", dependencies=("auth.optional",)))
    assert decide(svc) == [("POST", "/api/articles", "none")]


def test_spring_security_on_the_classpath_is_the_default_check() -> None:
    ev = (Evidence("pom.xml", 30, "spring-boot-starter-security"),)
    svc = Service(
        ".",
        "api",
        ("pom.xml",),
        (Detection("framework", "spring-boot", ev), Detection("auth", "spring-security", ev)),
    )
    api_ = ServiceApi(
        svc,
        (
            route("DELETE", "/api/users/{id}", "spring-boot"),
            route("GET", "/api/me", "spring-boot", decorators=("PreAuthorize",)),
        ),
        (),
        (),
        True,
        ("spring-boot",),
        (),
    )
    decisions = decide(api_)
    assert decisions[0][2].startswith("required: Spring Security authenticates every request")
    assert decisions[1] == ("GET", "/api/me", "required: checked by PreAuthorize")


def test_a_failed_security_gate_comes_with_an_ordered_plan(tmp_path: Path) -> None:
    report = api.audit(
        copy("routes-aiohttp", tmp_path), api.Options(engines=False, phases=("security",))
    ).report
    remediation = report.remediation
    assert remediation.status.value == "open" and remediation.target_phase == "security"
    plan = [(s.rule_id, s.where.path, s.where.line) for s in remediation.plan]
    assert plan == [  # high first, then by place; medium after
        ("GK301", "pyproject.toml", None),
        ("GK311", "tracker/api/routes.py", 18),
        ("GK311", "tracker/app.py", 12),
        ("GK311", "tracker/app.py", 12),
        ("GK312", "tracker/app.py", 22),
        ("GK321", "tracker/api/routes.py", 18),
        ("GK321", "tracker/app.py", 12),
    ]
    assert remediation.plan[0].how.startswith("Add authentication")
    assert remediation.plan[0].gates == ("security", "validation")
    assert {s.fingerprint for s in remediation.plan} <= {f.fingerprint for f in report.findings}


def test_no_plan_when_security_passes(tmp_path: Path) -> None:
    report = api.audit(copy("example", tmp_path), api.Options(engines=False)).report
    assert report.remediation.status.value == "not_needed" and report.remediation.plan == ()


def test_routes_mounted_only_in_development_are_reported_at_low(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("fastapi==0.110.0\n")
    (tmp_path / "main.py").write_text(
        "from fastapi import APIRouter, FastAPI\n"
        "from config import settings\n"
        "app = FastAPI()\n"
        "private = APIRouter(prefix='/private')\n"
        "public = APIRouter(prefix='/public')\n"
        "@private.post('/users')\n"
        "def make_user(body: UserIn):\n    return {}\n"
        "@public.post('/notes')\n"
        "def make_note(body: NoteIn):\n    return {}\n"
        "app.include_router(public)\n"
        "if settings.ENVIRONMENT == 'local':\n"
        "    app.include_router(private)\n"
    )
    report = api.audit(tmp_path, api.Options(engines=False, phases=("security",))).report
    found = {
        (f.rule_id, f.location.line or 0): (f.severity.value, f.message)
        for f in report.findings
        if f.rule_id == "GK311"
    }
    severity, message = found[("GK311", 6)]
    assert severity == "low"
    assert message.endswith("mounted only when settings.ENVIRONMENT == 'local' (main.py:14)")
    assert found[("GK311", 9)][0] == "high"  # always served: full severity
    routes = {r.url_path: r.mounts for r in report.routes}
    assert routes["/private/users"][0].endswith("only when settings.ENVIRONMENT == 'local'")


SPEC_WITH_SECURITY = """openapi: 3.0.3
info: {title: reports, version: "1"}
security:
  - bearerAuth: []
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
paths:
  /reports:
    get:
      responses:
        "200": {description: the caller's reports}
  /health:
    get:
      security: []
      responses:
        "200": {description: up}
"""

APP_WITHOUT_CHECKS = """from fastapi import FastAPI

app = FastAPI()


@app.get("/reports")
def reports():
    return []


@app.get("/health")
def health():
    return {"ok": True}
"""


def test_a_spec_that_requires_auth_is_held_to_it(tmp_path: Path) -> None:
    """The document-wide `security` requirement covers /reports; `security: []` makes /health
    public. Code that checks no caller on /reports breaks the contract (GK314)."""
    (tmp_path / "openapi.yaml").write_text(SPEC_WITH_SECURITY)
    (tmp_path / "requirements.txt").write_text("fastapi==0.115.0\npyjwt==2.9.0\n")
    (tmp_path / "main.py").write_text(APP_WITHOUT_CHECKS)
    opts = api.Options(phases=("api_design", "security"), engines=False)
    report = api.audit(tmp_path, opts).report
    gk314 = [
        (f.location.path, f.location.line, f.message)
        for f in report.findings
        if f.rule_id == "GK314"
    ]
    assert gk314 == [
        (
            "main.py",
            6,
            "GET /reports (main.reports): openapi.yaml:10 requires an authenticated caller, "
            "and nothing in the code checks one",
        )
    ]
    checked = APP_WITHOUT_CHECKS.replace(
        "from fastapi import FastAPI",
        "from fastapi import Depends, FastAPI\nfrom auth import current_user",
    ).replace("def reports():", "def reports(user=Depends(current_user)):")
    (tmp_path / "main.py").write_text(checked)
    again = api.audit(tmp_path, opts).report
    assert not [f for f in again.findings if f.rule_id == "GK314"]


def test_a_route_the_spec_calls_public_but_the_code_protects_is_drift(tmp_path: Path) -> None:
    """`security: []` on /health while the code requires a caller there: GK315 (low), citing
    both places; the protected /reports the spec also protects is no finding."""
    (tmp_path / "openapi.yaml").write_text(SPEC_WITH_SECURITY)
    (tmp_path / "requirements.txt").write_text("fastapi==0.115.0\npyjwt==2.9.0\n")
    protected = (
        APP_WITHOUT_CHECKS.replace(
            "from fastapi import FastAPI",
            "from fastapi import Depends, FastAPI\nfrom auth import current_user",
        )
        .replace("def reports():", "def reports(user=Depends(current_user)):")
        .replace("def health():", "def health(user=Depends(current_user)):")
    )
    (tmp_path / "main.py").write_text(protected)
    opts = api.Options(phases=("api_design", "security"), engines=False)
    report = api.audit(tmp_path, opts).report
    drift = [
        (f.location.path, f.location.line, f.severity.value, f.message)
        for f in report.findings
        if f.rule_id == "GK315"
    ]
    assert drift == [
        (
            "main.py",
            12,
            "low",
            "GET /health (main.health): openapi.yaml:14 declares it public, and the code "
            "requires a caller (checked by current_user)",
        )
    ]
    (tmp_path / "main.py").write_text(
        protected.replace("def health(user=Depends(current_user)):", "def health():")
    )
    again = api.audit(tmp_path, opts).report
    assert not [f for f in again.findings if f.rule_id in ("GK314", "GK315")]


def test_security_of_reads_openapi_requirements() -> None:
    from gatekeeper.routes.spec import security_of

    assert security_of([{"bearerAuth": []}]) == "required"
    assert security_of([]) == "public"
    assert security_of([{"apiKey": []}, {}]) == "public"  # anonymous is one alternative
    assert security_of(None) is None and security_of("bearer") is None


def test_a_spec_first_framework_enforces_the_specs_security_itself(tmp_path: Path) -> None:
    """connexion checks an operation's `security` before the handler runs: no GK314."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "routes-connexion", repo)
    spec = repo / "spec" / "openapi.yaml"
    spec.write_text(spec.read_text().replace("paths:\n", "security:\n  - apiKey: []\npaths:\n", 1))
    opts = api.Options(phases=("api_design", "security"), engines=False)
    report = api.audit(repo, opts).report
    assert not [f for f in report.findings if f.rule_id in ("GK314", "GK311")]
    connexion = [r for r in report.routes if r.framework == "connexion"]
    assert connexion and {r.auth for r in connexion} == {"required"}
    # `security: []` on one operation: connexion lets anyone in, and the matrix says so
    spec.write_text(
        spec.read_text().replace(
            "operationId: petstore.pets.search\n",
            "operationId: petstore.pets.search\n      security: []\n",
            1,
        )
    )
    again = api.audit(repo, opts).report
    listing = next(r for r in again.routes if r.method == "GET" and r.url_path == "/v1/pets")
    assert listing.auth == "public"
