"""Fastify autoload and fastify-plugin, NestJS RouterModule and forRoutes middleware: fixture
audits with the real semgrep, then resolution over hand-built matches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.engines import semgrep
from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.routes import nestjs, node
from gatekeeper.routes.model import AppHook
from gatekeeper.routes.sgtext import EngineRoutes
from tests.test_routes_semgrep import copy_fixture, m, one, table

JS_ROUTER, JS_CALL, JS_MODULE, JS_PLUGIN = node.ROUTER, node.CALL, node.MODULE, node.PLUGIN
NEST_CLASS, NEST_METHOD, NEST_MODULE = nestjs.CLASS, nestjs.METHOD, nestjs.MODULE

AUTOLOAD = [
    ("DELETE", "/api/admin/users/{id}", "(anonymous)"),
    ("GET", "/api", "(anonymous)"),
    ("GET", "/api/admin/reports", "(anonymous)"),
    ("GET", "/api/orders", "(anonymous)"),
    ("GET", "/api/orders/{orderId}/items", "(anonymous)"),
    ("GET", "/api/users", "listUsers"),
    ("GET", "/api/users/{id}", "showUser"),
    ("GET", "/health", "(anonymous)"),
    ("GET", "/metrics", "(anonymous)"),
    ("POST", "/api/users", "createUser"),
]
NEST_ROUTER = [
    ("DELETE", "/api/admin/reports/{id}", "ReportsController.remove"),
    ("GET", "/api/admin/reports/daily", "ReportsController.daily"),
    ("GET", "/api/admin/stats", "AdminController.stats"),
    ("GET", "/api/admin/users", "UsersController.list"),
    ("GET", "/api/admin/users/{id}", "UsersController.show"),
    ("GET", "/api/health", "HealthController.check"),
    ("GET", "/api/shop/items", "ShopController.items"),
    ("POST", "/api/admin/users/login", "UsersController.login"),
]
EXPECTED = {
    "routes-fastify-autoload": (AUTOLOAD, "fastify"),
    "routes-nestjs-router": (NEST_ROUTER, "nestjs"),
}


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, api.Audit]:
    out = {}
    for name in EXPECTED:
        root = copy_fixture(name, tmp_path_factory.mktemp(name))
        out[name] = api.audit(root, api.Options(phases=("api_design",)))
    return out


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EngineRoutes]:
    """Each fixture's inventory matches from the real semgrep, resolved into Route objects
    (the report's rows do not carry a route's middleware)."""
    out: dict[str, EngineRoutes] = {}
    for name in EXPECTED:
        root = copy_fixture(name, tmp_path_factory.mktemp(name))
        files = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.suffix in (".js", ".mjs", ".ts")
        )
        run = semgrep.run_semgrep(
            root,
            files,
            rules=semgrep.default_rules() / "routes",
            timeout=300,
            max_target_bytes=1_000_000,
        )
        matches = semgrep.inventory_facts(run).matches

        def lines(path: str, root: Path = root) -> list[str]:
            return (root / path).read_text().splitlines()

        if name.startswith("routes-fastify"):
            out[name] = node.resolve(matches, files, lines)
        else:
            out[name] = nestjs.resolve(matches, lines)
    return out


@pytest.mark.engines
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_inventory_is_exact(audits: dict[str, api.Audit], name: str) -> None:
    expected, framework = EXPECTED[name]
    rows = audits[name].report.routes
    assert sorted((r.method, r.url_path, r.handler) for r in rows) == expected
    assert {r.framework for r in rows} == {framework}
    [run] = audits[name].report.engines
    assert run.engine == "semgrep" and run.ok and dict(run.stats)["matches"] == 0


@pytest.mark.engines
def test_autoload_fixture_mounts_folders_and_fastify_plugin(audits: dict[str, api.Audit]) -> None:
    rows = {(r.method, r.url_path): r for r in audits["routes-fastify-autoload"].report.routes}
    assert rows["GET", "/api/orders/{orderId}/items"].file == "src/routes/orders/items.mjs"
    assert rows["GET", "/api/orders/{orderId}/items"].mounts == (
        "src/app.js:9 /api/orders (autoload)",
    )
    # fastify-plugin: the plugin has no scope of its own, so register's prefix is ignored.
    assert rows["GET", "/metrics"].mounts == ("src/app.js:15 / (fastify-plugin)",)
    served = {path for _method, path in rows}
    # `_helpers` is skipped by the ignorePattern; a folder's other files yield to its index.
    assert not any("dump" in p or "never" in p or "internal" in p for p in served)


@pytest.mark.engines
def test_autoload_fixture_hooks_reach_their_scope(resolved: dict[str, EngineRoutes]) -> None:
    out = resolved["routes-fastify-autoload"]
    # The fp-wrapped auth plugin's onRequest hook runs for the whole app.
    assert one(out.routes, "GET", "/health").dependencies == ("verifyToken",)
    assert one(out.routes, "GET", "/api/users").dependencies == ("verifyToken",)
    # admin/ is its own scope: its preHandler runs there, not in admin/reports/ beside it.
    admin = one(out.routes, "DELETE", "/api/admin/users/{id}")
    assert admin.dependencies == ("verifyToken", "requireAdmin")
    assert one(out.routes, "GET", "/api/admin/reports").dependencies == ("verifyToken",)
    assert AppHook("src/plugins/auth.js", 11, "middleware", "verifyToken", "fastify") in out.hooks
    assert out.problems == ()


@pytest.mark.engines
def test_router_module_fixture_prefixes_and_middleware(
    audits: dict[str, api.Audit], resolved: dict[str, EngineRoutes]
) -> None:
    rows = {(r.method, r.url_path): r for r in audits["routes-nestjs-router"].report.routes}
    assert rows["GET", "/api/admin/users/{id}"].mounts == (
        "src/main.ts:6 /api (setGlobalPrefix)",
        "src/app.module.ts:23 /admin/users (RouterModule)",
    )
    # A bare child module takes its parent's path.
    assert rows["GET", "/api/admin/reports/daily"].mounts == (
        "src/main.ts:6 /api (setGlobalPrefix)",
        "src/app.module.ts:23 /admin (RouterModule)",
        "src/reports/reports.controller.ts:3 /reports (@Controller)",
    )
    out = resolved["routes-nestjs-router"]
    deps = {(r.method, r.url_path): r.dependencies for r in out.routes}
    both = ("LoggerMiddleware", "AuthMiddleware")
    assert deps["GET", "/api/admin/users/{id}"] == both  # forRoutes(UsersController)
    assert deps["GET", "/api/admin/reports/daily"] == both  # { path: 'admin/reports/*', GET }
    assert deps["POST", "/api/admin/users/login"] == ("LoggerMiddleware",)  # excluded
    assert deps["DELETE", "/api/admin/reports/{id}"] == ("LoggerMiddleware",)  # not GET
    assert deps["GET", "/api/shop/items"] == ("LoggerMiddleware",)  # forRoutes('*')
    assert out.problems == ()


# ------------------------------------------------------------------ Fastify, hand-built


def _autoload_app(options: str, files: Sequence[str]) -> tuple[list[InventoryMatch], list[str]]:
    """src/app.js registering autoload with `options`, and one plugin per file under
    src/routes that serves GET / on the instance it is given."""
    matches = [
        m(JS_ROUTER, "src/app.js", 1, 7, NAME="app", INIT="Fastify()"),
        m(JS_PLUGIN, "src/app.js", 2, LOCAL="AutoLoad", SOURCE="@fastify/autoload"),
        m(JS_CALL, "src/app.js", 3, APP="app", METHOD="register", FIRST="AutoLoad", LAST=options),
    ]
    for file in files:
        matches.append(m(JS_PLUGIN, file, 1, INST="fastify"))
        matches.append(m(JS_CALL, file, 2, APP="fastify", METHOD="get", FIRST="'/'", LAST="h"))
    return matches, ["src/app.js", *files]


def _served(out: EngineRoutes) -> list[tuple[str, str]]:
    return sorted((r.url_path, r.file) for r in out.routes)


def test_autoload_defaults_load_every_folder_under_its_name() -> None:
    files = [
        "src/routes/root.ts",
        "src/routes/_helpers/debug.js",  # autoload skips nothing by default
        "src/routes/users/index.js",
        "src/routes/users/schema.js",  # yields to index.js
        "src/routes/users/admin/list.cjs",
        "src/routes/users/autohooks.js",  # a hook file, not a plugin
        "src/routes/types.d.ts",
        "src/other/outside.js",  # not under dir: served as written
    ]
    matches, exists = _autoload_app("{ dir: path.join(__dirname, 'routes') }", files)
    assert _served(node.resolve(matches, exists)) == [
        ("/", "src/other/outside.js"),
        ("/", "src/routes/root.ts"),
        ("/_helpers", "src/routes/_helpers/debug.js"),
        ("/users", "src/routes/users/index.js"),
        ("/users/admin", "src/routes/users/admin/list.cjs"),
    ]


def test_autoload_options_prefix_ignore_pattern_and_auto_prefix() -> None:
    files = ["src/routes/_helpers/debug.js", "src/routes/v2/items.js", "src/routes/users/x.js"]
    matches, exists = _autoload_app(
        "{ dir: join(__dirname, 'routes'), dirNameRoutePrefix: false, ignorePattern: /^_/, "
        "options: Object.assign({ prefix: '/api/' }, opts) }",
        files,
    )
    matches.append(m(JS_PLUGIN, "src/routes/v2/items.js", 9, VALUE="/items"))
    out = node.resolve(matches, exists)
    assert _served(out) == [("/api", "src/routes/users/x.js"), ("/api/items", files[1])]
    assert [(x.prefix, x.how) for x in one(out.routes, "GET", "/api/items").mounts] == [
        ("/api/items", "autoload")
    ]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ("{ dir: '../../etc' }", "directory not read"),
        ("{ dir: path.join(__dirname, '..', '..', 'x') }", "directory not read"),
        ("{ dir: path.join(__dirname, 'routes'), ignorePattern: /(a+)+$/ }", "ignorePattern"),
        ("{ dir: path.join(__dirname, 'routes'), options: { prefix: config.prefix } }", "prefix"),
        ("{ dir: path.join(__dirname, 'routes'), routeParams: true }", "routeParams not applied"),
    ],
)
def test_autoload_options_it_cannot_read_are_problems(options: str, problem: str) -> None:
    matches, exists = _autoload_app(options, ["src/routes/users/index.js"])
    out = node.resolve(matches, exists)
    [(file, line, message)] = out.problems
    assert (file, line) == ("src/app.js", 3) and problem in message


def test_fastify_plugin_ignores_prefix_and_lends_its_hooks_to_the_parent() -> None:
    out = node.resolve(
        (
            m(JS_ROUTER, "src/app.ts", 1, 7, NAME="app", INIT="Fastify()"),
            m(JS_MODULE, "src/app.ts", 4, LOCAL="auth", SOURCE="./auth"),
            m(JS_MODULE, "src/app.ts", 5, LOCAL="items", SOURCE="./items"),
            m(JS_CALL, "src/app.ts", 4, APP="app", METHOD="register", ONLY="auth"),
            m(
                JS_CALL,
                "src/app.ts",
                5,
                APP="app.register(auth)",  # register() returns the instance
                METHOD="register",
                FIRST="items",
                LAST="{ prefix: '/items' }",
            ),
            m(JS_CALL, "src/app.ts", 6, APP="app", METHOD="get", FIRST="'/health'", LAST="ok"),
            # auth.ts: fp-wrapped, an onRequest hook and a route of its own.
            m(JS_PLUGIN, "src/auth.ts", 1, LOCAL="fp", SOURCE="fastify-plugin"),
            m(JS_PLUGIN, "src/auth.ts", 3, WRAP="fp", INST="server"),
            m(
                JS_CALL,
                "src/auth.ts",
                4,
                APP="server",
                METHOD="addHook",
                FIRST="'onRequest'",
                LAST="jwt",
            ),
            m(
                JS_CALL,
                "src/auth.ts",
                5,
                APP="server",
                METHOD="post",
                FIRST="'/login'",
                LAST="login",
            ),
            # items.ts: an ordinary plugin; its preHandler stays in its own scope.
            m(JS_PLUGIN, "src/items.ts", 1, INST="instance"),
            m(
                JS_CALL,
                "src/items.ts",
                2,
                APP="instance",
                METHOD="addHook",
                FIRST="'preHandler'",
                LAST="audit",
            ),
            m(JS_CALL, "src/items.ts", 3, APP="instance", METHOD="get", FIRST="'/'", LAST="list"),
            # Not a hook that can stop a request: not a dependency.
            m(
                JS_CALL,
                "src/items.ts",
                4,
                APP="instance",
                METHOD="addHook",
                FIRST="'onSend'",
                LAST="x",
            ),
        ),
        ("src/app.ts", "src/auth.ts", "src/items.ts"),
    )
    assert table(out.routes) == [
        ("GET", "/health", "ok"),
        ("GET", "/items", "list"),
        ("POST", "/login", "login"),
    ]
    assert one(out.routes, "GET", "/health").dependencies == ("jwt",)
    assert one(out.routes, "GET", "/items").dependencies == ("jwt", "audit")
    assert one(out.routes, "POST", "/login").dependencies == ("jwt",)
    assert [(h.file, h.kind, h.name) for h in out.hooks] == [("src/auth.ts", "middleware", "jwt")]


def test_a_wrapper_that_is_not_fastify_plugin_keeps_the_prefix() -> None:
    out = node.resolve(
        (
            m(JS_ROUTER, "src/app.ts", 1, 7, NAME="app", INIT="Fastify()"),
            m(JS_MODULE, "src/app.ts", 2, LOCAL="items", SOURCE="./items"),
            m(
                JS_CALL,
                "src/app.ts",
                2,
                APP="app",
                METHOD="register",
                FIRST="items",
                LAST="{ prefix: '/v1' }",
            ),
            m(JS_PLUGIN, "src/items.ts", 3, WRAP="withTracing", INST="fastify"),
            m(JS_CALL, "src/items.ts", 4, APP="fastify", METHOD="get", FIRST="'/items'", LAST="h"),
        ),
        ("src/app.ts", "src/items.ts"),
    )
    assert table(out.routes) == [("GET", "/v1/items", "h")]


# ------------------------------------------------------------------ NestJS, hand-built


def _nest_controller(path: str, cls: str, prefix: str, verb: str = "Get") -> list[InventoryMatch]:
    return [
        m(NEST_CLASS, path, 1, end=(20, 2), CLASS=cls, DECORATOR="Controller", ARGS=prefix),
        m(NEST_METHOD, path, 3, end=(5, 3), CLASS=cls, DECORATOR=verb, METHOD="run"),
    ]


def test_router_module_paths_nest_and_unreadable_ones_are_problems() -> None:
    mod = "src/app.module.ts"
    out = nestjs.resolve(
        (
            *_nest_controller("src/a/a.controller.ts", "AController", "'a'"),
            *_nest_controller("src/b/b.controller.ts", "BController", ""),
            *_nest_controller("src/c/c.controller.ts", "CController", "'c'"),
            m(NEST_MODULE, "src/a/a.module.ts", 3, CLASS="AModule", CONTROLLERS="[AController]"),
            m(NEST_MODULE, "src/b/b.module.ts", 3, CLASS="BModule", CONTROLLERS="[BController]"),
            m(NEST_MODULE, "src/c/c.module.ts", 3, CLASS="CModule", CONTROLLERS="[CController]"),
            # [{ path: 'v1', module: AModule, children: [{ path: ':tenant', module: BModule }] },
            #  { path: PREFIX, module: CModule }]
            m(NEST_MODULE, mod, 5, 7, (9, 8), PATH="'v1'", MODULE="AModule"),
            m(NEST_MODULE, mod, 8, 20, (8, 60), PATH="':tenant'", MODULE="BModule"),
            m(NEST_MODULE, mod, 10, 7, (10, 40), PATH="PREFIX", MODULE="CModule"),
        )
    )
    assert table(out.routes) == [
        ("GET", "/c", "CController.run"),
        ("GET", "/v1/a", "AController.run"),
        ("GET", "/v1/{tenant}", "BController.run"),
    ]
    assert out.problems == ((mod, 10, "RouterModule path of CModule: not a literal"),)


def test_for_routes_binds_middleware_by_controller_path_and_method() -> None:
    out = nestjs.resolve(
        (
            *_nest_controller("src/users.controller.ts", "UsersController", "'users'"),
            *_nest_controller("src/items.controller.ts", "ItemsController", "'items'", "Post"),
            m(
                NEST_MODULE,
                "src/app.module.ts",
                9,
                CLASS="AppModule",
                MIDDLEWARE="AuthMiddleware, cors()",
                ROUTES="UsersController, { path: 'items', method: RequestMethod.GET }",
            ),
            m(
                NEST_MODULE,
                "src/app.module.ts",
                10,
                CLASS="AppModule",
                MIDDLEWARE="Audit",
                EXCLUDE="{ path: 'users', method: RequestMethod.ALL }",
                ROUTES="'*', routesFromConfig",
            ),
        )
    )
    assert one(out.routes, "GET", "/users").dependencies == ("AuthMiddleware", "cors")
    assert one(out.routes, "POST", "/items").dependencies == ("Audit",)
    assert out.problems == (
        ("src/app.module.ts", 10, "forRoutes(routesFromConfig): not a controller or path"),
    )


def test_routes_of_modules_without_router_module_are_unchanged() -> None:
    out = nestjs.resolve(
        (
            *_nest_controller("src/x.controller.ts", "X", "'x'"),
            m(NEST_MODULE, "src/x.module.ts", 3, CLASS="XModule", CONTROLLERS="[X]"),
        )
    )
    [route] = out.routes
    assert (route.url_path, route.dependencies, len(route.mounts)) == ("/x", (), 1)
