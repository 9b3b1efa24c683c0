"""NestJS, chi, echo, gorilla/mux, net/http ... routes from semgrep's inventory rules: fixture
audits with the real semgrep, then resolution over hand-built matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.model import Status
from gatekeeper.routes import golang, java, nestjs, node
from gatekeeper.routes.model import AppHook
from tests.test_routes_semgrep import copy_fixture, evidence, m, one, statuses, table

JS_ROUTER, JS_CALL, JS_MODULE = node.ROUTER, node.CALL, node.MODULE
J_CONTROLLER, J_MAPPING = java.CONTROLLER, java.MAPPING
NEST_CLASS = nestjs.CLASS
NEST_METHOD = nestjs.METHOD

NESTJS = [
    ("DELETE", "/api/v1/users/{id}", "UsersController.remove"),
    ("GET", "/api/v1/health", "HealthController.check"),
    ("GET", "/api/v1/orders", "OrdersController.list"),
    ("GET", "/api/v1/orders/{id}/items", "OrdersController.items"),
    ("GET", "/api/v1/orders/{id}/lines", "OrdersController.items"),
    ("GET", "/api/v1/users", "UsersController.list"),
    ("GET", "/api/v1/users/{id}", "UsersController.show"),
    ("PATCH", "/api/v1/orders/{id}", "OrdersController.update"),
    ("POST", "/api/v1/users", "UsersController.create"),
]
CHI = [
    ("DELETE", "/api/v1/sessions/{id}", "logout"),
    ("GET", "/api/v1/orders", "listOrders"),
    ("GET", "/api/v1/orders/{orderID}", "getOrder"),
    ("GET", "/api/v1/users", "users.list"),
    ("GET", "/api/v1/users/{userID}", "users.show"),
    ("GET", "/healthz", "health"),
    ("POST", "/api/v1/orders", "createOrder"),
    ("POST", "/api/v1/users", "users.create"),
]
ECHO = [
    ("DELETE", "/api/v1/users/{id}", "handlers.DeleteUser"),
    ("GET", "/api/v1/orders", "handlers.ListOrders"),
    ("GET", "/api/v1/orders/{id}/items", "handlers.OrderItems"),
    ("GET", "/api/v1/users", "handlers.ListUsers"),
    ("GET", "/api/v1/users/{id}", "handlers.GetUser"),
    ("GET", "/healthz", "health"),
    ("POST", "/api/v1/orders", "handlers.CreateOrder"),
]
GORILLA = [
    ("DELETE", "/api/v1/users/{id}", "deleteUser"),
    ("GET", "/api/v1/orders", "api.listOrders"),
    ("GET", "/api/v1/users", "listUsers"),
    ("GET", "/api/v1/users/{id}", "getUser"),
    ("GET", "/healthz", "health"),
    ("HEAD", "/healthz", "health"),
    ("PATCH", "/api/v1/orders/{id}", "api.updateOrder"),
    ("PUT", "/api/v1/orders/{id}", "api.updateOrder"),
]
KOA = [
    ("DELETE", "/api/v1/users/{id}", "controller.remove"),
    ("GET", "/api/v1/health", "(anonymous)"),
    ("GET", "/api/v1/orders", "orders.list"),
    ("GET", "/api/v1/orders/{orderId}/items", "orders.items"),
    ("GET", "/api/v1/users", "controller.list"),
    ("GET", "/api/v1/users/{id}", "controller.show"),
    ("POST", "/api/v1/users", "controller.create"),
]
FASTIFY = [
    ("DELETE", "/api/v1/users/{id}", "removeUser"),
    ("GET", "/api/v1/orders", "orders.list"),
    ("GET", "/api/v1/users", "(anonymous)"),
    ("GET", "/api/v1/users/{id}", "(anonymous)"),
    ("GET", "/health", "(anonymous)"),
    ("PATCH", "/api/v1/orders/{orderId}", "orders.update"),
    ("POST", "/api/v1/orders", "orders.create"),
    ("PUT", "/api/v1/orders/{orderId}", "orders.update"),
]
JAXRS = [
    ("DELETE", "/api/v1/users/{id}", "UserResource.delete"),
    ("GET", "/api/v1/users", "UserResource.list"),
    ("GET", "/api/v1/users/{id}", "UserResource.get"),
    ("GET", "/api/v1/users/{id}/orders", "OrderResource.list"),
    ("POST", "/api/v1/users", "UserResource.register"),
    ("PUT", "/api/v1/users/{id}/orders/{orderId}", "OrderResource.replace"),
]
EXPECTED = {
    "routes-nestjs": (NESTJS, "nestjs"),
    "routes-jaxrs": (JAXRS, "jax-rs"),
    "routes-fastify": (FASTIFY, "fastify"),
    "routes-koa": (KOA, "koa"),
    "routes-chi": (CHI, "chi"),
    "routes-echo": (ECHO, "echo"),
    "routes-gorilla-mux": (GORILLA, "gorilla-mux"),
}


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, api.Audit]:
    out = {}
    for name in EXPECTED:
        root = copy_fixture(name, tmp_path_factory.mktemp(name))
        out[name] = api.audit(root, api.Options(phases=("api_design",)))
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
def test_nestjs_fixture_mounts_hooks_and_criteria(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-nestjs"]
    [items] = [r for r in audit.report.routes if r.url_path == "/api/v1/orders/{id}/items"]
    assert items.mounts == (
        "src/main.ts:7 /api/v1 (setGlobalPrefix)",
        "src/orders/orders.controller.ts:4 /orders (@Controller)",
    )
    found = statuses(audit)
    assert found["api_design.error_handling_patterns"] == Status.PASS
    assert (
        "src/common/http-error.filter.ts:3 error handler for @Catch HttpErrorFilter (HttpException)"
        in evidence(audit, "api_design.error_handling_patterns")
    )
    assert "src/users/users.controller.ts:23 POST /api/v1/users limited by ThrottlerGuard" in (
        evidence(audit, "api_design.rate_limiting_rules")
    )
    assert found["api_design.pagination"] == Status.PASS  # @Query('limit') on the list


@pytest.mark.engines
def test_chi_fixture_closures_mounts_and_middleware(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-chi"]
    rows = {(r.method, r.url_path): r for r in audit.report.routes}
    assert rows["GET", "/api/v1/users/{userID}"].mounts == (
        "main.go:18 /api/v1 (Route)",
        "main.go:20 /users (Mount)",
    )
    assert rows["POST", "/api/v1/orders"].mounts == (
        "main.go:18 /api/v1 (Route)",
        "main.go:21 /orders (Route)",
    )
    found = statuses(audit)
    assert found["api_design.error_handling_patterns"] == Status.PASS
    assert "main.go:19 rate_limit httprate.LimitByIP" in evidence(
        audit, "api_design.rate_limiting_rules"
    )


@pytest.mark.engines
def test_echo_and_gorilla_fixture_mounts_and_hooks(audits: dict[str, api.Audit]) -> None:
    echo = {(r.method, r.url_path): r for r in audits["routes-echo"].report.routes}
    assert echo["GET", "/api/v1/users/{id}"].mounts == (
        "main.go:17 /api (Group)",
        "main.go:18 /v1 (Group)",
        "main.go:19 /users (Group)",
    )
    assert "main.go:13 error handler for middleware.Recover" in evidence(
        audits["routes-echo"], "api_design.error_handling_patterns"
    )
    mux = {(r.method, r.url_path): r for r in audits["routes-gorilla-mux"].report.routes}
    assert mux["PUT", "/api/v1/orders/{id}"].mounts == (
        "main.go:15 /api/v1 (PathPrefix)",
        "api/orders.go:11 /orders (PathPrefix)",
    )


@pytest.mark.engines
def test_koa_fixture_router_prefixes_and_middleware(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-koa"]
    rows = {(r.method, r.url_path): r for r in audit.report.routes}
    assert rows["GET", "/api/v1/orders/{orderId}/items"].mounts == (
        "src/app.js:9 / (use)",
        "src/routes/index.js:5 /api/v1 (Router({prefix}))",
        "src/routes/index.js:10 / (use)",
        "src/routes/orders.js:4 /orders (Router({prefix}))",
    )
    assert "src/app.js:8 rate_limit ratelimit" in evidence(audit, "api_design.rate_limiting_rules")


@pytest.mark.engines
def test_fastify_fixture_plugins_hooks_and_error_handler(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-fastify"]
    rows = {(r.method, r.url_path): r for r in audit.report.routes}
    assert rows["PUT", "/api/v1/orders/{orderId}"].mounts == (
        "src/server.js:8 /api/v1/orders (use)",
    )
    assert "src/server.js:9 error handler for (anonymous)" in evidence(
        audit, "api_design.error_handling_patterns"
    )
    assert "src/server.js:5 rate_limit @fastify/rate-limit" in evidence(
        audit, "api_design.rate_limiting_rules"
    )


def test_fastify_route_options_become_dependencies_and_handlers() -> None:
    out = node.resolve(
        (
            m(JS_ROUTER, "src/app.ts", 1, 7, NAME="app", INIT="Fastify({ logger: true })"),
            m(
                JS_CALL,
                "src/app.ts",
                2,
                APP="app",
                METHOD="get",
                FIRST="'/me'",
                MID="{ onRequest: [app.authenticate], schema: { response: {} } }",
                LAST="async (req) => req.user",
            ),
            m(
                JS_CALL,
                "src/app.ts",
                3,
                APP="app",
                METHOD="route",
                ONLY="{ method: 'DELETE', url: `/me`, preHandler: verify, handler: drop }",
            ),
            m(JS_CALL, "src/app.ts", 4, APP="app", METHOD="route", ONLY="{ method: m, url: '/x' }"),
            # route({...}) is Fastify's alone: any receiver of it is an instance.
            m(
                JS_CALL,
                "src/plugin.ts",
                2,
                APP="server",
                METHOD="route",
                ONLY="{ method: 'GET', url: '/tags', handler: onGetTags }",
            ),
        ),
        ("src/app.ts", "src/plugin.ts"),
    )
    assert sorted((r.method, r.url_path, r.handler, r.framework) for r in out.routes) == [
        ("DELETE", "/me", "drop", "fastify"),
        ("GET", "/me", "(anonymous)", "fastify"),
        ("GET", "/tags", "onGetTags", "fastify"),
    ]
    assert one(out.routes, "GET", "/me").dependencies == ("app.authenticate",)
    assert one(out.routes, "DELETE", "/me").dependencies == ("verify",)
    assert [p[2] for p in out.problems] == ["route({url: '/x'}): not a literal method and path"]


@pytest.mark.engines
def test_jaxrs_fixture_locators_roles_and_mappers(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-jaxrs"]
    base = "src/main/java/com/acme/shop"
    rows = {(r.method, r.url_path): r for r in audit.report.routes}
    assert rows["PUT", "/api/v1/users/{id}/orders/{orderId}"].mounts == (
        f"{base}/ShopApplication.java:6 /api (@ApplicationPath)",
        f"{base}/UserResource.java:10 /v1/users (@Path)",
        f"{base}/UserResource.java:38 /{{id}}/orders (@Path)",
    )
    found = statuses(audit)
    assert found["api_design.error_handling_patterns"] == Status.PASS
    assert f"{base}/NotFoundMapper.java:9 error handler for ExceptionMapper NotFoundMapper" in (
        evidence(audit, "api_design.error_handling_patterns")
    )
    assert any(
        "GET /api/v1/users pages with page" in e for e in evidence(audit, "api_design.pagination")
    )


def test_jaxrs_roles_are_dependencies() -> None:
    f = "src/main/java/a/ItemResource.java"
    out = java.resolve(
        [
            m(
                J_CONTROLLER,
                f,
                3,
                end=(30, 1),
                CLASS="ItemResource",
                ANNOTATION="Path",
                ARGS='"items"',
            ),
            m(
                J_CONTROLLER,
                f,
                3,
                end=(30, 1),
                CLASS="ItemResource",
                ANNOTATION="RolesAllowed",
                ARGS='"user"',
            ),
            *(
                m(
                    J_MAPPING,
                    f,
                    6,
                    end=(9, 5),
                    CLASS="ItemResource",
                    ANNOTATION=a,
                    ARGS=args,
                    RETURNS="Item",
                    METHOD="get",
                    PARAMS='@PathParam("id") long id',
                )
                for a, args in (("GET", ""), ("Path", '"{id}"'), ("RolesAllowed", '"admin"'))
            ),
        ]
    )
    [route] = out.routes
    assert (route.method, route.url_path, route.framework) == ("GET", "/items/{id}", "jax-rs")
    assert route.dependencies == ("RolesAllowed",)
    assert route.response_model == "Item"


def test_jaxrs_under_quarkus_takes_its_path_from_application_properties() -> None:
    f = "svc/src/main/java/a/TagResource.java"
    props = "svc/src/main/resources/application.properties"
    lines = {props: ["quarkus.datasource.db-kind=postgresql", "quarkus.resteasy.path = /api"]}
    out = java.resolve(
        [
            m(
                J_CONTROLLER,
                f,
                3,
                end=(20, 1),
                CLASS="TagResource",
                ANNOTATION="Path",
                ARGS='"/tags"',
            ),
            m(J_MAPPING, f, 5, end=(8, 3), CLASS="TagResource", ANNOTATION="GET", METHOD="all"),
        ],
        lines.get,
    )
    [route] = out.routes
    assert route.url_path == "/api/tags"
    assert [(x.file, x.line, x.prefix, x.how) for x in route.mounts] == [
        (props, 2, "/api", "quarkus.resteasy.path"),
        (f, 3, "/tags", "@Path"),
    ]


def test_fastify_plugin_parameters_serve_under_the_instance_that_registers_them() -> None:
    out = node.resolve(
        (
            m(JS_ROUTER, "src/server.ts", 1, 7, NAME="server", INIT="Fastify()"),
            m(JS_MODULE, "src/server.ts", 3, LOCAL="items", SOURCE="./items"),
            m(
                JS_CALL,
                "src/server.ts",
                3,
                APP="server",
                METHOD="register",
                FIRST="items",
                LAST="{ prefix: '/items' }",
            ),
            # The plugin names its instance `app`; an Express app would be made, not received.
            m(JS_CALL, "src/items.ts", 2, APP="app", METHOD="get", FIRST="'/:id'", LAST="show"),
            m(JS_CALL, "src/items.ts", 3, APP="app", METHOD="route", ONLY="'/x'"),
        ),
        ("src/server.ts", "src/items.ts"),
    )
    assert sorted((r.method, r.url_path, r.handler, r.framework) for r in out.routes) == [
        ("GET", "/items/{id}", "show", "fastify")
    ]


# ------------------------------------------------------------------ Go routers, hand-built

G_ROUTE, G_GROUP, G_USE, G_MOUNT = golang.ROUTE, golang.GROUP, golang.USE, golang.MOUNT


def test_echo_route_middleware_follows_the_handler() -> None:
    lines = {"main.go": ['import "github.com/labstack/echo/v4"']}
    out = golang.resolve(
        [
            m(G_GROUP, "main.go", 3, FUNC="main", NAME="e", PKG="echo", NEW="New"),
            m(G_GROUP, "main.go", 4, FUNC="main", NAME="g", PARENT="e", PREFIX='"/admin"'),
            m(G_USE, "main.go", 5, FUNC="main", GROUP="g", MID="requireAdmin"),
            m(
                G_ROUTE,
                "main.go",
                6,
                FUNC="main",
                GROUP="g",
                METHOD="POST",
                PATH='"/users"',
                MID="createUser",
                HANDLER="audit",
            ),
        ],
        lines.get,
    )
    [route] = out.routes
    assert (route.method, route.url_path, route.handler, route.framework) == (
        "POST",
        "/admin/users",
        "createUser",
        "echo",
    )
    assert route.dependencies == ("requireAdmin", "audit")
    assert out.hooks == ()  # echo.New() adds no recovery, unlike gin.Default()


def test_net_http_method_patterns_and_chi_routers_mounted_by_name() -> None:
    out = golang.resolve(
        [
            m(
                G_GROUP,
                "cmd/api/main.go",
                3,
                FUNC="main",
                NAME="mux",
                PKG="http",
                NEW="NewServeMux",
            ),
            m(
                G_ROUTE,
                "cmd/api/main.go",
                4,
                FUNC="main",
                GROUP="mux",
                METHOD="HandleFunc",
                PATH='"GET /items/{id}"',
                HANDLER="getItem",
            ),
            m(
                G_ROUTE,
                "cmd/api/main.go",
                5,
                FUNC="main",
                GROUP="http",
                METHOD="Handle",
                PATH='"/static/"',
                HANDLER="files",
            ),
            # Not routers: a cache's Get and a map-like Handle with no path.
            m(
                G_ROUTE,
                "cmd/api/main.go",
                6,
                FUNC="main",
                GROUP="cache",
                METHOD="Get",
                PATH="ctx",
                HANDLER="key",
            ),
            m(G_GROUP, "web/routes.go", 3, FUNC="Routes", NAME="r", PKG="chi", NEW="NewRouter"),
            m(G_GROUP, "web/routes.go", 4, FUNC="Routes", NAME="admin", PKG="chi", NEW="NewRouter"),
            m(G_USE, "web/routes.go", 5, FUNC="Routes", GROUP="admin", MID="adminOnly"),
            m(
                G_ROUTE,
                "web/routes.go",
                6,
                FUNC="Routes",
                GROUP="admin",
                METHOD="Delete",
                PATH='"/users/{id}"',
                HANDLER="dropUser",
            ),
            m(
                G_MOUNT,
                "web/routes.go",
                7,
                FUNC="Routes",
                PARENT="r",
                HOW="Mount",
                PREFIX='"/admin"',
                SUB="admin",
            ),
        ]
    )
    assert sorted((r.method, r.url_path, r.handler, r.framework) for r in out.routes) == [
        ("ANY", "/static/", "api.files", "net/http"),
        ("DELETE", "/admin/users/{id}", "web.dropUser", "chi"),
        ("GET", "/items/{id}", "api.getItem", "net/http"),
    ]
    dropped = one(out.routes, "DELETE", "/admin/users/{id}")
    assert dropped.dependencies == ("adminOnly",)
    assert [(x.prefix, x.how) for x in dropped.mounts] == [("/admin", "Mount")]
    assert out.problems == ()


# ------------------------------------------------------------------ NestJS, hand-built


def _controller(
    path: str, line: int, end: int, cls: str, **decorators: str
) -> list[InventoryMatch]:
    return [
        m(NEST_CLASS, path, line, end=(end, 2), CLASS=cls, DECORATOR=name, ARGS=args)
        for name, args in decorators.items()
    ]


def test_nestjs_joins_global_prefix_controller_and_method_paths_with_guards() -> None:
    src = "apps/shop/src"
    out = nestjs.resolve(
        (
            m(NEST_CLASS, f"{src}/main.ts", 4, APP="app", CALL="setGlobalPrefix", ARGS="'api'"),
            m(NEST_CLASS, f"{src}/main.ts", 5, APP="app", CALL="useGlobalGuards", ARGS="new Jwt()"),
            *_controller(
                f"{src}/users/users.controller.ts",
                3,
                40,
                "UsersController",
                Controller="{ path: 'users', version: '2' }",
                UseGuards="RolesGuard",
            ),
            m(
                NEST_METHOD,
                f"{src}/users/users.controller.ts",
                8,
                end=(10, 3),
                CLASS="UsersController",
                DECORATOR="Get",
                METHOD="list",
                PARAMS="@Query('page') page: number, @Query() filter: Filter",
            ),
            m(
                NEST_METHOD,
                f"{src}/users/users.controller.ts",
                12,
                end=(15, 3),
                CLASS="UsersController",
                DECORATOR="Put",
                ARGS="[':id', ':id/profile']",
                METHOD="update",
                PARAMS="@Param('id') id: string, @Body() dto: UpdateUserDto",
            ),
            m(
                NEST_METHOD,
                f"{src}/users/users.controller.ts",
                12,
                end=(15, 3),
                CLASS="UsersController",
                DECORATOR="UseGuards",
                ARGS="AuthGuard('jwt'), OwnerGuard",
                METHOD="update",
                PARAMS="@Param('id') id: string, @Body() dto: UpdateUserDto",
            ),
            # A class without @Controller serves nothing.
            *_controller("apps/shop/src/x.ts", 1, 9, "Helper", UseGuards="X"),
            m(NEST_METHOD, "apps/shop/src/x.ts", 3, CLASS="Helper", DECORATOR="Get", METHOD="y"),
        )
    )
    assert table(out.routes) == [
        ("GET", "/api/users", "UsersController.list"),
        ("PUT", "/api/users/{id}", "UsersController.update"),
        ("PUT", "/api/users/{id}/profile", "UsersController.update"),
    ]
    listed = one(out.routes, "GET", "/api/users")
    assert listed.query_params == ("page",)
    assert listed.dependencies == ("Jwt", "RolesGuard")
    update = one(out.routes, "PUT", "/api/users/{id}")
    assert update.dependencies == ("Jwt", "RolesGuard", "AuthGuard", "OwnerGuard")
    assert update.request_model == "UpdateUserDto"
    assert [(x.file, x.prefix, x.how) for x in update.mounts] == [
        (f"{src}/main.ts", "/api", "setGlobalPrefix"),
        (f"{src}/users/users.controller.ts", "/users", "@Controller"),
    ]
    assert out.hooks == (AppHook(f"{src}/main.ts", 5, "middleware", "Jwt", "nestjs"),)


def test_nestjs_each_app_of_a_monorepo_keeps_its_own_global_prefix() -> None:
    matches = [
        m(NEST_CLASS, "apps/a/src/main.ts", 3, APP="app", CALL="setGlobalPrefix", ARGS="'a'"),
        m(NEST_CLASS, "apps/b/src/main.ts", 3, APP="app", CALL="setGlobalPrefix", ARGS="`b`"),
    ]
    for app in ("a", "b"):
        path = f"apps/{app}/src/items.controller.ts"
        matches += _controller(path, 1, 20, "Items", Controller="'items'")
        matches.append(m(NEST_METHOD, path, 3, CLASS="Items", DECORATOR="Delete", METHOD="rm"))
    out = nestjs.resolve(matches)
    assert table(out.routes) == [
        ("DELETE", "/a/items", "Items.rm"),
        ("DELETE", "/b/items", "Items.rm"),
    ]


def test_nestjs_unreadable_paths_are_problems_and_filters_are_error_handlers() -> None:
    out = nestjs.resolve(
        (
            *_controller("src/c.ts", 1, 20, "C", Controller="PREFIX"),
            m(NEST_METHOD, "src/c.ts", 3, CLASS="C", DECORATOR="Get", METHOD="x"),
            *_controller("src/f.ts", 1, 9, "AllErrors", Catch=""),
            m(NEST_CLASS, "src/main.ts", 6, APP="app", CALL="useGlobalFilters", ARGS="new F()"),
            # Test files are left out.
            *_controller("src/c.spec.ts", 1, 20, "T", Controller="'t'"),
            m(NEST_METHOD, "src/c.spec.ts", 3, CLASS="T", DECORATOR="Get", METHOD="x"),
        )
    )
    assert out.routes == ()
    assert out.problems == (("src/c.ts", 3, "@Get path is not a literal string or array"),)
    assert [(h.file, h.kind, h.name) for h in out.hooks] == [
        ("src/f.ts", "error_handler", "@Catch AllErrors (every exception)"),
        ("src/main.ts", "error_handler", "F"),
    ]


@pytest.mark.engines
def test_nestjs_service_without_engines_is_unknown(tmp_path: Path) -> None:
    root = copy_fixture("routes-nestjs", tmp_path)
    audit = api.audit(root, api.Options(phases=("api_design",), engines=False))
    assert audit.report.routes == ()
    assert statuses(audit)["api_design.endpoints_have_contracts"] == Status.ERROR
