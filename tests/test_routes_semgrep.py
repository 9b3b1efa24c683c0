"""Express, Gin and Spring routes: semgrep's inventory rules, the facts they become, and the
resolution into full routes. Fixture audits run the real semgrep; the rest is hand-built."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.engines import scan, semgrep
from gatekeeper.engines.semgrep import EngineFacts, InventoryMatch
from gatekeeper.errors import EngineError
from gatekeeper.model import Status, Unanalyzed
from gatekeeper.repo import RepoIndex
from gatekeeper.routes import golang, inventory, java, node
from gatekeeper.routes.model import ANY_METHOD, AppHook, Route
from gatekeeper.routes.sgtext import EngineRoutes
from gatekeeper.stack import detect_services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
API_CRITERIA = (
    "api_design.endpoints_have_contracts",
    "api_design.versioning_strategy",
    "api_design.rate_limiting_rules",
    "api_design.error_handling_patterns",
    "api_design.pagination",
)


def copy_fixture(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def m(
    rule: str, path: str, line: int, col: int = 1, end: tuple[int, int] | None = None, **bound: str
) -> InventoryMatch:
    end_line, end_col = end or (line, 200)
    return InventoryMatch(path, line, col, end_line, end_col, rule, tuple(bound.items()))


def table(routes: Sequence[Route]) -> list[tuple[str, str, str]]:
    return sorted((r.method, r.url_path, r.handler) for r in routes)


def one(routes: Sequence[Route], method: str, path: str) -> Route:
    [found] = [r for r in routes if r.method == method and r.url_path == path]
    return found


# ------------------------------------------------------------------ fixtures, real semgrep

EXPRESS = [
    ("DELETE", "/api/v1/users/{id}", "usersController.remove"),
    ("GET", "/api/v1/orders", "orders.list"),
    ("GET", "/api/v1/orders/{orderId}/items", "orders.items"),
    ("GET", "/api/v1/users", "usersController.list"),
    ("GET", "/api/v1/users/{id}", "usersController.show"),
    ("GET", "/health", "(anonymous)"),
    ("POST", "/api/v1/orders", "orders.create"),
    ("POST", "/api/v1/users", "usersController.create"),
    ("PUT", "/api/v1/users/{id}", "usersController.update"),
]
GIN = [
    ("DELETE", "/api/v1/users/{id}", "handlers.DeleteUser"),
    ("GET", "/api/v1/orders", "orders.List"),
    ("GET", "/api/v1/orders/{id}/items", "orders.Items"),
    ("GET", "/api/v1/users", "handlers.ListUsers"),
    ("GET", "/api/v1/users/{id}", "handlers.GetUser"),
    ("GET", "/healthz", "health"),
    ("POST", "/api/v1/login", "handlers.Login"),
    ("POST", "/api/v1/orders", "orders.Create"),
]
SPRING = [
    ("DELETE", "/api/v1/users/{id}", "UserController.delete"),
    ("GET", "/api/v1/orders", "OrderController.list"),
    ("GET", "/api/v1/orders/{id}/items", "OrderController.items"),
    ("GET", "/api/v1/users", "UserController.list"),
    ("GET", "/api/v1/users/{id}", "UserController.getUser"),
    ("PATCH", "/api/v1/orders/{id}", "OrderController.update"),
    ("POST", "/api/v1/users", "UserController.create"),
    ("PUT", "/api/v1/orders/{id}", "OrderController.replace"),
]
# One nested route per fixture, with the chain of mounts that puts it under its full path.
NESTED = {
    "routes-express": (
        ("GET", "/api/v1/orders/{orderId}/items"),
        ("src/app.js:13 /api/v1 (use)", "src/routes/index.js:9 /orders (use)"),
    ),
    "routes-gin": (
        ("GET", "/api/v1/orders/{id}/items"),
        ("main.go:19 /api (Group)", "main.go:21 /v1 (Group)", "main.go:33 /orders (Group)"),
    ),
    "routes-spring": (
        ("GET", "/api/v1/orders/{id}/items"),
        (
            "src/main/java/com/acme/shop/orders/OrderController.java:14 /api/v1/orders "
            "(@RequestMapping)",
        ),
    ),
}


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, api.Audit]:
    """Each routes fixture audited once with the engines on (one real semgrep run each)."""
    out = {}
    for name in ("routes-express", "routes-gin", "routes-spring"):
        root = copy_fixture(name, tmp_path_factory.mktemp(name))
        out[name] = api.audit(root, api.Options(phases=("api_design",)))
    return out


def statuses(audit: api.Audit) -> dict[str, Status]:
    [phase] = [p for p in audit.report.phases if p.id == "api_design"]
    return {c.id: c.status for c in phase.criteria}


def evidence(audit: api.Audit, criterion: str) -> list[str]:
    [phase] = [p for p in audit.report.phases if p.id == "api_design"]
    [crit] = [c for c in phase.criteria if c.id == criterion]
    return [f"{e.path}:{e.line} {e.what}" for e in crit.evidence]


@pytest.mark.engines
@pytest.mark.parametrize(
    ("name", "expected"),
    [("routes-express", EXPRESS), ("routes-gin", GIN), ("routes-spring", SPRING)],
)
def test_fixture_inventory_is_exact(
    audits: dict[str, api.Audit], name: str, expected: list[tuple[str, str, str]]
) -> None:
    rows = audits[name].report.routes
    assert sorted((r.method, r.url_path, r.handler) for r in rows) == expected
    (method, path), mounts = NESTED[name]
    [nested] = [r for r in rows if (r.method, r.url_path) == (method, path)]
    assert nested.mounts == mounts
    framework = {"routes-express": "express", "routes-gin": "gin", "routes-spring": "spring"}
    assert {r.framework for r in rows} == {framework[name]}
    [run] = audits[name].report.engines
    assert run.engine == "semgrep" and run.ok and dict(run.stats)["matches"] == 0


@pytest.mark.engines
def test_express_fixture_hooks_and_criteria(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-express"]
    assert statuses(audit)["api_design.error_handling_patterns"] == Status.PASS
    assert "src/app.js:15 error handler for errorHandler" in evidence(
        audit, "api_design.error_handling_patterns"
    )
    limits = evidence(audit, "api_design.rate_limiting_rules")
    assert "src/app.js:10 rate_limit limiter" in limits
    assert statuses(audit)["api_design.versioning_strategy"] == Status.PASS  # /health exempt


@pytest.mark.engines
def test_gin_fixture_hooks_and_criteria(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-gin"]
    handlers = evidence(audit, "api_design.error_handling_patterns")
    assert "main.go:15 error handler for gin.CustomRecovery" in handlers
    assert "main.go:20 rate_limit middleware.RateLimiter" in evidence(
        audit, "api_design.rate_limiting_rules"
    )


@pytest.mark.engines
def test_spring_fixture_hooks_and_criteria(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-spring"]
    handlers = evidence(audit, "api_design.error_handling_patterns")
    base = "src/main/java/com/acme/shop/web/ApiExceptionHandler.java"
    assert f"{base}:9 error handler for @RestControllerAdvice ApiExceptionHandler" in handlers
    assert f"{base}:12 error handler for NoSuchElementException" in handlers
    # Typed return values are the contract (springdoc publishes them); the paged lists pass,
    # the unpaged item list does not.
    found = statuses(audit)
    assert found["api_design.endpoints_have_contracts"] == Status.PASS
    assert found["api_design.pagination"] == Status.FAIL
    paged = evidence(audit, "api_design.pagination")
    assert any("GET /api/v1/users pages with page" in e for e in paged)
    assert any("GET /api/v1/orders pages with page" in e for e in paged)


@pytest.mark.engines
@pytest.mark.parametrize(
    ("name", "framework"),
    [("routes-express", "express"), ("routes-gin", "gin"), ("routes-spring", "spring-boot")],
)
def test_without_engines_the_routes_are_unknown_and_the_criteria_err(
    tmp_path: Path, name: str, framework: str
) -> None:
    root = copy_fixture(name, tmp_path)
    audit = api.audit(root, api.Options(phases=("api_design",), engines=False))
    assert audit.report.routes == ()
    found = statuses(audit)
    for criterion in API_CRITERIA:
        [message] = [
            c.message for p in audit.report.phases for c in p.criteria if c.id == criterion
        ]
        if criterion == "api_design.rate_limiting_rules" and found[criterion] == Status.PASS:
            # A limiter library imported is evidence the workers read without semgrep.
            assert all("imported" in e for e in evidence(audit, criterion))
            continue
        assert found[criterion] == Status.ERROR, criterion
        assert f"routes of {framework} are unknown" in message and "--no-engines" in message


# ---------------------------------------------------------------------------- plumbing


def test_inventory_messages_become_bindings_and_unbound_ones_are_dropped() -> None:
    message = "\x1fAPP=router\x1fMETHOD=get\x1fMID=$...MID\x1fLAST=$LAST\x1fFIRST='/a=b'"
    assert semgrep.bindings(message) == (("APP", "router"), ("METHOD", "get"), ("FIRST", "'/a=b'"))
    long = "\x1fX=" + "y" * 5000
    assert semgrep.bindings(long) == (("X", "y" * semgrep.MAX_METAVAR_CHARS),)
    params = "\x1fPARAMS=" + "p" * 5000
    assert semgrep.bindings(params) == (("PARAMS", "p" * semgrep.MAX_LONG_METAVAR_CHARS),)


def _result(rule: str, line: int, message: str, category: str) -> dict[str, object]:
    return {
        "check_id": f"tmp.rules.routes.{rule}",
        "path": "app.js",
        "start": {"line": line, "col": 1},
        "end": {"line": line, "col": 20},
        "extra": {"message": message, "severity": "INFO", "metadata": {"category": category}},
    }


def test_one_run_splits_into_findings_and_inventory_facts() -> None:
    output = {
        "version": "1.185.0",
        "results": [
            _result("gk-routes-js-call", 3, "\x1fAPP=app\x1fMETHOD=get\x1fFIRST='/x'", "inventory"),
            {
                **_result("gk-js-hardcoded-secret", 5, "A credential is hard-coded.", "security"),
                "extra": {
                    "message": "A credential is hard-coded.",
                    "severity": "ERROR",
                    "metadata": {"category": "security", "cwe": "CWE-798: x"},
                },
            },
        ],
        "errors": [],
        "paths": {"scanned": ["app.js"], "skipped": []},
    }
    run = semgrep.parse_json(json.dumps(output).encode(), ["app.js"])
    [finding] = scan.semgrep_findings(run)
    assert finding.rule_id == "GK3901"
    facts = semgrep.inventory_facts(run)
    assert facts.error is None and not facts.capped
    assert facts.matches == (
        InventoryMatch(
            "app.js",
            3,
            1,
            3,
            20,
            "gk-routes-js-call",
            (("APP", "app"), ("METHOD", "get"), ("FIRST", "'/x'")),
        ),
    )
    assert dict(run.engine_run().stats) == {"matches": 1, "inventory_matches": 1, "unanalyzed": 0}


def test_a_semgrep_failure_leaves_the_facts_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app.js").write_text("app.get('/x', h);\n")

    def fail(*_args: object, **_kw: object) -> semgrep.SemgrepRun:
        raise EngineError("semgrep", "exited with 2 (fatal error): boom")

    monkeypatch.setattr(semgrep, "run_semgrep", fail)
    out = scan.semgrep_scan(tmp_path, RepoIndex.build(tmp_path), jobs=1, timeout=10)
    assert out.facts.error is not None and "boom" in out.facts.error
    assert out.facts.matches == ()


def _express_service(root: Path) -> tuple[RepoIndex, list[object]]:
    (root / "package.json").write_text('{"dependencies": {"express": "^4.19.2"}}\n')
    (root / "app.js").write_text("const app = express();\napp.get('/x', h);\n")
    index = RepoIndex.build(root)

    def read(path: str) -> str | None:
        return index.read_text(path).text

    return index, list(detect_services([e.path for e in index.files], read, {}).services)


APP_FACTS = (
    m("gk-routes-js-router", "app.js", 1, 7, NAME="app", INIT="express()"),
    m("gk-routes-js-call", "app.js", 2, APP="app", METHOD="get", FIRST="'/x'", LAST="h"),
)


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        (None, "semgrep did not run"),
        (EngineFacts(error="semgrep failed: boom"), "semgrep failed: boom"),
        (EngineFacts(APP_FACTS, capped=True), "matched more than"),
    ],
)
def test_unknown_facts_make_the_service_uncovered(
    tmp_path: Path, facts: EngineFacts | None, why: str
) -> None:
    index, services = _express_service(tmp_path)
    built = inventory.build(index, services, {}, (), facts)  # type: ignore[arg-type]
    [svc] = built.services
    assert not svc.covered and svc.routes == ()
    assert (
        svc.gap is not None
        and svc.gap.startswith("routes of express are unknown")
        and why in svc.gap
    )


def test_known_facts_cover_the_service_and_unread_files_are_gaps(tmp_path: Path) -> None:
    index, services = _express_service(tmp_path)
    facts = EngineFacts(
        APP_FACTS, unscanned=(Unanalyzed("app.js", "semgrep PartialParsing: x", "semgrep"),)
    )
    built = inventory.build(index, services, {}, (), facts)  # type: ignore[arg-type]
    [svc] = built.services
    assert svc.covered and svc.gap is None
    assert table(svc.routes) == [("GET", "/x", "h")]
    assert built.unparsed == (("app.js", "semgrep did not read it: semgrep PartialParsing: x"),)


def test_routes_of_a_framework_the_service_does_not_use_are_dropped(tmp_path: Path) -> None:
    index, services = _express_service(tmp_path)
    gin = m(
        "gk-routes-go-route",
        "main.go",
        3,
        FUNC="main",
        GROUP="r",
        METHOD="GET",
        PATH='"/x"',
        HANDLER="h",
    )
    built = inventory.build(index, services, {}, (), EngineFacts((*APP_FACTS, gin)))  # type: ignore[arg-type]
    assert {r.framework for r in built.services[0].routes} == {"express"}


# ---------------------------------------------------------------------------- Express


def express(*matches: InventoryMatch, files: Sequence[str] = ()) -> EngineRoutes:
    exists = {x.path for x in matches} | set(files)
    return node.resolve(matches, exists)


JS_CALL, JS_ROUTER, JS_MODULE, JS_ERROR, JS_CONST = (
    node.CALL,
    node.ROUTER,
    node.MODULE,
    node.ERROR_HANDLER,
    node.CONST,
)


def test_express_esm_modules_and_chained_routers() -> None:
    """The RealWorld layout: controllers `export default router`, an index builds
    `Router().use(a).use(b)` and exports `Router().use('/api', api)`, main.ts mounts it."""
    out = express(
        m(JS_ROUTER, "src/main.ts", 3, 7, NAME="app", INIT="express()"),
        m(JS_MODULE, "src/main.ts", 4, LOCAL="routes", SOURCE="./routes"),
        m(JS_CALL, "src/main.ts", 4, APP="app", METHOD="use", ONLY="routes"),
        m(JS_ROUTER, "src/routes/index.ts", 3, 7, (5, 30), NAME="api", INIT="Router()\n.use(tags)"),
        m(JS_MODULE, "src/routes/index.ts", 3, 13, LOCAL="tags", SOURCE="./tag/tag.controller"),
        m(
            JS_MODULE,
            "src/routes/index.ts",
            3,
            13,
            LOCAL="users",
            IMPORTED="users",
            SOURCE="./users",
        ),
        m(
            JS_CALL,
            "src/routes/index.ts",
            3,
            13,
            (4, 12),
            APP="Router()",
            METHOD="use",
            ONLY="tags",
        ),
        m(
            JS_CALL,
            "src/routes/index.ts",
            3,
            13,
            (5, 12),
            APP="Router()\n.use(tags)",
            METHOD="use",
            ONLY="users",
        ),
        m(
            JS_ROUTER,
            "src/routes/index.ts",
            7,
            8,
            (7, 40),
            NAME="default",
            INIT="Router().use('/api', api)",
        ),
        m(
            JS_CALL,
            "src/routes/index.ts",
            7,
            16,
            APP="Router()",
            METHOD="use",
            FIRST="'/api'",
            LAST="api",
        ),
        m(JS_ROUTER, "src/routes/tag/tag.controller.ts", 2, 7, NAME="router", INIT="Router()"),
        m(
            JS_CALL,
            "src/routes/tag/tag.controller.ts",
            4,
            APP="router",
            METHOD="get",
            FIRST="'/tags'",
            MID="auth.optional",
            LAST="async (req, res) => {}",
        ),
        m(JS_MODULE, "src/routes/tag/tag.controller.ts", 9, EXPORT="router"),
        m(JS_ROUTER, "src/routes/users.ts", 2, 14, NAME="usersRouter", INIT="Router()"),
        m(
            JS_CALL,
            "src/routes/users.ts",
            3,
            APP="usersRouter",
            METHOD="post",
            FIRST="'/users/login'",
            LAST="login",
        ),
    )
    assert table(out.routes) == [
        ("GET", "/api/tags", "(anonymous)"),
        ("POST", "/api/users/login", "login"),
    ]
    tags = one(out.routes, "GET", "/api/tags")
    assert tags.dependencies == ("auth.optional",)
    assert [(x.file, x.line, x.prefix) for x in tags.mounts] == [
        ("src/main.ts", 4, ""),
        ("src/routes/index.ts", 7, "/api"),
        ("src/routes/index.ts", 3, ""),
    ]


def test_express_commonjs_prefixes_and_middleware_order() -> None:
    out = express(
        m(JS_ROUTER, "app.js", 1, 7, NAME="app", INIT="express()"),
        m(JS_CONST, "app.js", 2, NAME="API", VALUE="/api/v2"),
        m(JS_MODULE, "app.js", 9, LOCAL="users", SOURCE="./routes/users"),
        m(JS_CALL, "app.js", 5, APP="app", METHOD="get", FIRST="'/early'", LAST="early"),
        m(JS_CALL, "app.js", 6, APP="app", METHOD="use", ONLY="helmet()"),
        m(JS_CALL, "app.js", 7, APP="app", METHOD="use", FIRST="'/admin'", LAST="requireAdmin"),
        m(JS_CALL, "app.js", 8, APP="app", METHOD="all", FIRST="'/admin/stats'", LAST="stats"),
        m(
            JS_CALL,
            "app.js",
            9,
            APP="app",
            METHOD="use",
            FIRST="`${API}/users`",
            MID="requireAuth",
            LAST="users",
        ),
        m(JS_CALL, "app.js", 10, APP="app", METHOD="get", FIRST="['/a', '/b']", LAST="ab"),
        m(JS_CALL, "app.js", 11, APP="axios", METHOD="get", FIRST="'/remote'", LAST="config"),
        m(JS_CALL, "app.js", 12, APP="cache", METHOD="get", FIRST="key", LAST="fallback"),
        m(JS_ROUTER, "routes/users.js", 1, 7, NAME="router", INIT="express.Router()"),
        m(JS_CALL, "routes/users.js", 2, APP="router", METHOD="use", ONLY="audit"),
        m(JS_CALL, "routes/users.js", 3, APP="router.route('/:id')", METHOD="get", ONLY="show"),
        m(
            JS_CALL,
            "routes/users.js",
            3,
            end=(3, 60),
            APP="router.route('/:id').get(show)",
            METHOD="delete",
            FIRST="requireOwner",
            LAST="remove",
        ),
        m(JS_MODULE, "routes/users.js", 5, EXPORT="router"),
    )
    assert table(out.routes) == [
        ("ANY", "/admin/stats", "stats"),
        ("DELETE", "/api/v2/users/{id}", "remove"),
        ("GET", "/a", "ab"),
        ("GET", "/api/v2/users/{id}", "show"),
        ("GET", "/b", "ab"),
        ("GET", "/early", "early"),
    ]
    assert one(out.routes, "GET", "/early").dependencies == ()
    # helmet runs for everything after it; requireAdmin only under /admin.
    assert one(out.routes, "GET", "/a").dependencies == ("helmet",)
    assert one(out.routes, "ANY", "/admin/stats").dependencies == ("helmet", "requireAdmin")
    assert one(out.routes, "DELETE", "/api/v2/users/{id}").dependencies == (
        "helmet",
        "requireAuth",
        "audit",
        "requireOwner",
    )
    assert one(out.routes, "ANY", "/admin/stats").method == ANY_METHOD
    # app-wide middleware is a hook; a path's middleware is not.
    assert AppHook("app.js", 6, "middleware", "helmet", "express") in out.hooks
    assert not [h for h in out.hooks if h.name == "requireAdmin"]


def test_express_router_factories_and_middleware_arrays() -> None:
    """`app.use('/api', api({ db }))` with api a module whose default export makes and returns
    a router; `[auth, validate]` passed where one middleware goes."""
    out = express(
        m(JS_ROUTER, "src/index.js", 1, 7, NAME="app", INIT="express()"),
        m(JS_MODULE, "src/index.js", 3, LOCAL="api", SOURCE="./api"),
        m(JS_CALL, "src/index.js", 3, APP="app", METHOD="use", FIRST="'/api'", LAST="api({ db })"),
        m(JS_ROUTER, "src/api/index.js", 2, 6, NAME="api", INIT="Router()"),
        m(
            JS_CALL,
            "src/api/index.js",
            3,
            APP="api",
            METHOD="post",
            FIRST="'/facets'",
            MID="[auth, validate(schema)]",
            LAST="facets.create",
        ),
        files=["src/api/index.js"],
    )
    [route] = out.routes
    assert (route.method, route.url_path, route.handler) == ("POST", "/api/facets", "facets.create")
    assert route.dependencies == ("auth", "validate")


def test_express_paths_it_cannot_read_are_problems() -> None:
    out = express(
        m(JS_ROUTER, "app.js", 1, 7, NAME="app", INIT="express()"),
        m(JS_ROUTER, "app.js", 2, 7, NAME="router", INIT="express.Router()"),
        m(JS_CALL, "app.js", 3, APP="router", METHOD="get", FIRST="'/x'", LAST="x"),
        m(JS_CALL, "app.js", 4, APP="router", METHOD="get", FIRST="ROUTES.ME", LAST="me"),
        m(JS_CALL, "app.js", 5, APP="app", METHOD="use", FIRST="config.API_PREFIX", LAST="router"),
    )
    # Mounted without the prefix it could not read; said so, as for the route's own path.
    assert table(out.routes) == [("GET", "/x", "x")]
    assert out.problems == (
        ("app.js", 4, "route path ROUTES.ME is not a literal /path"),
        ("app.js", 5, "use(config.API_PREFIX, ...): prefix is not a literal /path"),
    )


def test_express_error_middleware_and_rate_limiters() -> None:
    out = express(
        m(JS_ROUTER, "app.js", 1, 7, NAME="app", INIT="express()"),
        m(JS_MODULE, "app.js", 8, LOCAL="handle", SOURCE="./errors"),
        m(JS_CALL, "app.js", 3, APP="app", METHOD="use", ONLY="rateLimit({ max: 100 })"),
        m(JS_CALL, "app.js", 4, APP="app", METHOD="get", FIRST="'/x'", LAST="x"),
        m(JS_CALL, "app.js", 7, APP="app", METHOD="use", ONLY="(err, req, res, next) => {}"),
        m(JS_ERROR, "app.js", 7, ERR="err"),
        m(JS_CALL, "app.js", 8, APP="app", METHOD="use", ONLY="handle"),
        m(JS_ERROR, "errors.js", 1, NAME="handleProblems", ERR="err"),
        m(JS_MODULE, "errors.js", 4, EXPORT="handleProblems"),
    )
    kinds = sorted((h.line, h.kind, h.name) for h in out.hooks)
    assert kinds == [
        (3, "rate_limit", "rateLimit"),
        (7, "error_handler", "(err, req, res, next)"),
        (8, "error_handler", "handle"),
    ]


def test_express_test_files_cycles_and_unmounted_routers() -> None:
    out = express(
        m(JS_ROUTER, "a.js", 1, 7, NAME="a", INIT="Router()"),
        m(JS_ROUTER, "a.js", 2, 7, NAME="b", INIT="Router()"),
        m(JS_CALL, "a.js", 3, APP="a", METHOD="use", FIRST="'/b'", LAST="b"),
        m(JS_CALL, "a.js", 4, APP="b", METHOD="use", FIRST="'/a'", LAST="a"),
        m(JS_CALL, "a.js", 5, APP="b", METHOD="get", FIRST="'/x'", LAST="x"),
        m(JS_ROUTER, "lonely.js", 1, 7, NAME="router", INIT="Router()"),
        m(JS_CALL, "lonely.js", 2, APP="router", METHOD="get", FIRST="'/alone'", LAST="alone"),
        m(JS_ROUTER, "test/app.test.js", 1, 7, NAME="app", INIT="express()"),
        m(JS_CALL, "test/app.test.js", 2, APP="app", METHOD="get", FIRST="'/fake'", LAST="fake"),
    )
    # a and b mount each other: nothing is a root, so the loop is never entered; the lonely
    # router is served as written; the test's app is not the service's.
    assert table(out.routes) == [("GET", "/alone", "alone")]


# ---------------------------------------------------------------------------- Gin


GO_ROUTE, GO_GROUP, GO_USE, GO_FUNC, GO_CALL = (
    golang.ROUTE,
    golang.GROUP,
    golang.USE,
    golang.FUNC,
    golang.CALL,
)


def test_gin_nested_groups_and_use_in_registration_order() -> None:
    out = golang.resolve(
        [
            m(GO_GROUP, "main.go", 2, FUNC="main", NAME="r", NEW="Default"),
            m(GO_GROUP, "main.go", 3, FUNC="main", NAME="v1", PARENT="r", PREFIX='"/api/v1"'),
            m(
                GO_GROUP,
                "main.go",
                4,
                FUNC="main",
                PARENT="v1",
                PREFIX='"/public"',
                CALLEE="public.Register",
            ),
            m(GO_USE, "main.go", 5, FUNC="main", GROUP="v1", MID="auth.Required()"),
            m(
                GO_GROUP,
                "main.go",
                6,
                FUNC="main",
                NAME="users",
                PARENT="v1",
                PREFIX='"/users"',
                MID="audit.Log()",
            ),
            m(
                GO_ROUTE,
                "main.go",
                7,
                FUNC="main",
                GROUP="users",
                METHOD="GET",
                PATH='"/:id"',
                HANDLER="handlers.GetUser",
            ),
            m(
                GO_ROUTE,
                "main.go",
                8,
                FUNC="main",
                GROUP="users",
                METHOD="Any",
                PATH='"/*rest"',
                HANDLER="func(c *gin.Context) {}",
            ),
            m(
                GO_ROUTE,
                "main.go",
                9,
                FUNC="main",
                GROUP="v1",
                VERB='"POST"',
                PATH='"/login"',
                HANDLER="login",
            ),
            m(GO_CALL, "main.go", 10, FUNC="main", CALLEE="routes.Setup", ARG="r"),
            m(GO_FUNC, "public/routes.go", 3, FUNC="Register", PARAM="rg", TYPE="RouterGroup"),
            m(
                GO_ROUTE,
                "public/routes.go",
                4,
                FUNC="Register",
                GROUP="rg",
                METHOD="GET",
                PATH='"/"',
                HANDLER="Index",
            ),
            m(GO_FUNC, "routes/setup.go", 3, FUNC="Setup", PARAM="engine", TYPE="Engine"),
            m(
                GO_ROUTE,
                "routes/setup.go",
                4,
                FUNC="Setup",
                GROUP="engine",
                METHOD="GET",
                PATH='"/metrics"',
                HANDLER="metrics",
            ),
            m(
                GO_ROUTE,
                "main_test.go",
                4,
                FUNC="TestX",
                GROUP="r",
                METHOD="GET",
                PATH='"/fake"',
                HANDLER="fake",
            ),
        ]
    )
    assert table(out.routes) == [
        ("ANY", "/api/v1/users/{rest}", "(anonymous)"),
        ("GET", "/api/v1/public/", "public.Index"),
        ("GET", "/api/v1/users/{id}", "handlers.GetUser"),
        ("GET", "/metrics", "routes.metrics"),
        ("POST", "/api/v1/login", "login"),
    ]
    # The public group was made before v1.Use(auth): gin copied v1's middleware then.
    assert one(out.routes, "GET", "/api/v1/public/").dependencies == ("gin.Logger", "gin.Recovery")
    assert one(out.routes, "GET", "/api/v1/users/{id}").dependencies == (
        "gin.Logger",
        "gin.Recovery",
        "auth.Required",
        "audit.Log",
    )
    assert [(x.line, x.prefix) for x in one(out.routes, "GET", "/api/v1/users/{id}").mounts] == [
        (3, "/api/v1"),
        (6, "/users"),
    ]
    assert AppHook("main.go", 2, "error_handler", "gin.Recovery (gin.Default)", "gin") in out.hooks


def test_gin_uncalled_registration_functions_and_unknown_receivers_are_served_as_written() -> None:
    out = golang.resolve(
        [
            m(GO_FUNC, "api/routes.go", 3, FUNC="Routes", PARAM="r", TYPE="IRouter"),
            m(
                GO_ROUTE,
                "api/routes.go",
                4,
                FUNC="Routes",
                GROUP="r",
                METHOD="GET",
                PATH='"/a"',
                HANDLER="A",
            ),
            m(
                GO_ROUTE,
                "api/server.go",
                9,
                FUNC="start",
                GROUP="s.router",
                METHOD="DELETE",
                PATH="`/b`",
                HANDLER="s.b",
            ),
            m(
                GO_USE,
                "api/server.go",
                8,
                FUNC="start",
                GROUP="s.router",
                MID="gin.CustomRecovery(onPanic), limiter.New(store)",
            ),
            m(
                GO_ROUTE,
                "api/server.go",
                10,
                FUNC="start",
                GROUP="s.router",
                METHOD="GET",
                PATH="prefix + x",
                HANDLER="h",
            ),
        ]
    )
    assert table(out.routes) == [("DELETE", "/b", "s.b"), ("GET", "/a", "api.A")]
    assert sorted((h.kind, h.name) for h in out.hooks) == [
        ("error_handler", "gin.CustomRecovery"),
        ("rate_limit", "limiter.New"),
    ]
    assert out.problems == (("api/server.go", 10, "route prefix + x: not a literal path"),)


# ---------------------------------------------------------------------------- Spring

J_CONTROLLER, J_MAPPING, J_CONST = java.CONTROLLER, java.MAPPING, java.CONST


def test_spring_prefixes_methods_params_and_return_types() -> None:
    f = "src/main/java/a/UserController.java"
    lines = {
        f: [
            "",
            "",
            "",
            "",
            "",
            '    @PreAuthorize("x")',
            '    @RequestMapping(value = {"/a", "/b"})',
            "",
        ]
    }
    out = java.resolve(
        [
            m(J_CONST, "src/main/java/a/Paths.java", 3, NAME="USERS", VALUE="/api/users"),
            m(J_CONTROLLER, f, 1, end=(40, 1), CLASS="UserController", ANNOTATION="RestController"),
            m(
                J_CONTROLLER,
                f,
                1,
                end=(40, 1),
                CLASS="UserController",
                ANNOTATION="RequestMapping",
                ARGS="Paths.USERS",
            ),
            m(
                J_CONTROLLER,
                f,
                1,
                end=(40, 1),
                CLASS="UserController",
                ANNOTATION="PreAuthorize",
                ARGS='"isAuthenticated()"',
            ),
            m(
                J_MAPPING,
                f,
                3,
                end=(4, 5),
                CLASS="UserController",
                ANNOTATION="GetMapping",
                RETURNS="ResponseEntity<Page<UserDto>>",
                METHOD="list",
                PARAMS='@RequestParam(value = "q", required = false) String q, Pageable pageable',
            ),
            m(
                J_MAPPING,
                f,
                6,
                end=(9, 5),
                CLASS="UserController",
                ANNOTATION="PreAuthorize",
                ARGS='"x"',
                RETURNS="void",
                METHOD="any",
                PARAMS="",
            ),
            m(
                J_MAPPING,
                f,
                6,
                end=(9, 5),
                CLASS="UserController",
                ANNOTATION="RequestMapping",
                ARGS='value = {"/a", "/b"}',
                RETURNS="void",
                METHOD="any",
                PARAMS="",
            ),
            m(
                J_MAPPING,
                f,
                11,
                end=(12, 5),
                CLASS="UserController",
                ANNOTATION="RequestMapping",
                ARGS='path = "{id}", method = {RequestMethod.PUT, RequestMethod.PATCH}',
                RETURNS="Mono<UserDto>",
                METHOD="put",
                PARAMS="@RequestParam int version",
            ),
            m(
                J_MAPPING,
                f,
                20,
                end=(21, 5),
                CLASS="Inner",
                ANNOTATION="GetMapping",
                ARGS='"/inner"',
                RETURNS="String",
                METHOD="inner",
            ),
            m(
                J_MAPPING,
                f,
                20,
                end=(21, 5),
                CLASS="UserController",
                ANNOTATION="GetMapping",
                ARGS='"/inner"',
                RETURNS="String",
                METHOD="inner",
            ),
            m(
                J_MAPPING,
                f,
                30,
                end=(31, 5),
                CLASS="UserController",
                ANNOTATION="ExceptionHandler",
                ARGS="{A.class, B.class}",
                RETURNS="void",
                METHOD="onError",
            ),
            m(
                J_MAPPING,
                "src/main/java/a/Client.java",
                3,
                CLASS="Client",
                ANNOTATION="GetMapping",
                ARGS='"/remote"',
                RETURNS="String",
                METHOD="call",
            ),
        ],
        lambda path: lines.get(path),
    )
    assert table(out.routes) == [
        ("ANY", "/api/users/a", "UserController.any"),
        ("ANY", "/api/users/b", "UserController.any"),
        ("GET", "/api/users", "UserController.list"),
        ("PATCH", "/api/users/{id}", "UserController.put"),
        ("PUT", "/api/users/{id}", "UserController.put"),
    ]
    listed = one(out.routes, "GET", "/api/users")
    assert listed.query_params == ("q", "page", "size", "sort")
    assert (listed.response_model, listed.response_is_list) == ("Page<UserDto>", True)
    assert listed.dependencies == ("PreAuthorize",)
    put = one(out.routes, "PUT", "/api/users/{id}")
    assert (put.response_model, put.response_is_list, put.query_params) == (
        "UserDto",
        False,
        ("version",),
    )
    anything = one(out.routes, "ANY", "/api/users/a")
    assert anything.line == 7 and anything.decorators == ("PreAuthorize",)
    assert (anything.response_model, anything.response_is_list) == (None, None)
    assert AppHook(f, 30, "error_handler", "A, B", "spring") in out.hooks


def test_spring_unresolved_prefix_is_a_problem_not_a_guess() -> None:
    f = "src/main/java/a/X.java"
    out = java.resolve(
        [
            m(J_CONTROLLER, f, 1, end=(20, 1), CLASS="X", ANNOTATION="RestController"),
            m(
                J_CONTROLLER,
                f,
                1,
                end=(20, 1),
                CLASS="X",
                ANNOTATION="RequestMapping",
                ARGS="Unknown.PATH",
            ),
            m(
                J_MAPPING,
                f,
                3,
                end=(4, 5),
                CLASS="X",
                ANNOTATION="GetMapping",
                RETURNS="String",
                METHOD="get",
            ),
            m(J_CONTROLLER, f, 30, end=(40, 1), CLASS="Advice", ANNOTATION="ControllerAdvice"),
        ]
    )
    assert out.routes == ()
    assert out.problems == (
        (f, 3, "mapping path Unknown.PATH is not a literal or a known constant"),
    )
    assert out.hooks == (AppHook(f, 30, "error_handler", "@ControllerAdvice Advice", "spring"),)
