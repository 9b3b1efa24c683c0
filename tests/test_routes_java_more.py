"""Spring routes declared in code: WebFlux RouterFunctions and Spring Cloud Gateway route
locators (and gateway routes in application.yml/.properties), from a fixture audit with the
real semgrep, then resolution over hand-built matches and file texts."""

from __future__ import annotations

import pytest

from gatekeeper import api
from gatekeeper.routes import java, javafunctional
from gatekeeper.routes.sgtext import EngineRoutes
from tests.test_routes_semgrep import copy_fixture, m

FUNCTIONAL, GATEWAY = javafunctional.FUNCTIONAL, javafunctional.GATEWAY
BASE = "src/main/java/com/acme/edge"
ORDERS, USERS, PROXY = (
    f"{BASE}/orders/OrderRoutes.java",
    f"{BASE}/users/UserRoutes.java",
    (f"{BASE}/proxy/GatewayRoutes.java"),
)
YML = "src/main/resources/application.yml"
WEBFLUX = [
    (ORDERS, 23, "GET", "/api/orders/{orderId}", "orders::get"),
    (ORDERS, 24, "POST", "/api/orders", "orders::create"),
    (ORDERS, 29, "GET", "/health", "(anonymous)"),
    (PROXY, 15, "ANY", "/inventory/**", "proxy to lb://inventory"),
    (PROXY, 15, "ANY", "/stock/**", "proxy to lb://inventory"),
    (PROXY, 18, "GET", "/catalog/{sku}", "proxy to lb://catalog"),
    (PROXY, 20, "POST", "/payments", "proxy to paymentsUrl()"),
    (PROXY, 20, "PUT", "/payments", "proxy to paymentsUrl()"),
    (USERS, 20, "GET", "/api/v2/users", "users::list"),
    (USERS, 21, "GET", "/api/v2/users/{id}", "users::get"),
    (USERS, 22, "DELETE", "/api/v2/users/{id}", "users::delete"),
    (USERS, 23, "POST", "/signup", "users::signup"),
    (YML, 12, "GET", "/reviews/**", "proxy to lb://reviews"),
    (YML, 12, "POST", "/reviews/**", "proxy to lb://reviews"),
    (YML, 17, "ANY", "/search/**", "proxy to lb://search"),
]


@pytest.fixture(scope="module")
def webflux(tmp_path_factory: pytest.TempPathFactory) -> api.Audit:
    root = copy_fixture("routes-webflux", tmp_path_factory.mktemp("webflux"))
    return api.audit(root, api.Options(phases=("api_design",)))


@pytest.mark.engines
def test_webflux_fixture_inventory_is_exact(webflux: api.Audit) -> None:
    rows = webflux.report.routes
    found = sorted(
        (r.file, r.line, r.method, r.url_path, r.handler) for r in rows
    )  # the route in src/test/ and the one in a comment are not served
    assert found == sorted(WEBFLUX)
    [run] = webflux.report.engines
    assert run.engine == "semgrep" and run.ok


@pytest.mark.engines
def test_webflux_fixture_prefixes_are_mounts(webflux: api.Audit) -> None:
    rows = {(r.method, r.url_path): r for r in webflux.report.routes}
    assert rows["POST", "/api/orders"].mounts == (f"{ORDERS}:22 /api (nest)",)
    assert rows["DELETE", "/api/v2/users/{id}"].mounts == (f"{USERS}:19 /api/v2 (path)",)
    assert rows["POST", "/signup"].mounts == ()


def _resolve(rule: str, path: str, text: str, **bound: str) -> EngineRoutes:
    lines = text.splitlines()
    match = m(rule, path, 1, end=(len(lines), 1), METHOD="routes", **bound)
    return java.resolve([match], {path: lines}.get)


def test_builder_nest_and_predicate_methods() -> None:
    text = """RouterFunction<ServerResponse> routes(H h) {
        return route()
            .nest(path("/api"), b -> b
                .GET(h::all)
                .PUT("/{id}", h::put))
            .andRoute(path("/raw").and(method(HttpMethod.PATCH)), h::raw)
            .build();
    }"""
    out = _resolve(FUNCTIONAL, "src/main/java/a/R.java", text, RETURNS="RouterFunction<?>")
    assert sorted((r.line, r.method, r.url_path, r.handler) for r in out.routes) == [
        (4, "GET", "/api", "h::all"),
        (5, "PUT", "/api/{id}", "h::put"),
        (6, "PATCH", "/raw", "h::raw"),
    ]


def test_a_path_that_is_not_a_literal_is_a_problem_not_a_route() -> None:
    text = """RouterFunction<ServerResponse> routes(H h) {
        return route(GET(props.base() + "/x"), h::x).andRoute(GET(UNKNOWN), h::y);
    }"""
    out = _resolve(FUNCTIONAL, "src/main/java/a/R.java", text, RETURNS="RouterFunction<?>")
    assert out.routes == ()
    assert [p[1:] for p in out.problems] == [
        (2, "route path UNKNOWN is not a literal or a known constant"),
        (2, 'route path props.base() + "/x" is not a literal or a known constant'),
    ]


def test_test_files_and_gateway_routes_without_a_path_are_left_out() -> None:
    text = """RouteLocator routes(RouteLocatorBuilder b) {
        return b.routes().route(r -> r.host("*.acme.com").uri("lb://web")).build();
    }"""
    assert _resolve(GATEWAY, "src/main/java/a/G.java", text, RETURNS="RouteLocator").routes == ()
    flux = 'RouterFunction<?> r(H h) { return route(GET("/x"), h::x); }'
    assert (
        _resolve(FUNCTIONAL, "src/test/java/a/R.java", flux, RETURNS="RouterFunction").routes == ()
    )


def test_gateway_routes_in_application_properties() -> None:
    app = "edge/src/main/java/a/App.java"
    props = "edge/src/main/resources/application.properties"
    lines = {
        app: ["@SpringBootApplication", "class App {}"],
        props: [
            "spring.cloud.gateway.routes[0].id=orders",
            "spring.cloud.gateway.routes[0].uri=lb://orders",
            "spring.cloud.gateway.routes[0].predicates[0]=Path=/orders/**,/carts/**",
            "spring.cloud.gateway.routes[0].predicates[1]=Method=DELETE",
        ],
    }
    out = java.resolve([m(GATEWAY, app, 1, end=(2, 12), APP="App")], lines.get)
    assert sorted((r.file, r.line, r.method, r.url_path, r.handler) for r in out.routes) == [
        (props, 3, "DELETE", "/carts/**", "proxy to lb://orders"),
        (props, 3, "DELETE", "/orders/**", "proxy to lb://orders"),
    ]


def test_an_application_yml_that_cannot_be_read_is_a_problem() -> None:
    app = "src/main/java/a/App.java"
    yml = "src/main/resources/application.yml"
    lines = {
        app: ["@SpringBootApplication", "class App {}"],
        yml: ["spring:", "  cloud:", "    gateway:", "      routes: []", "spring: {}"],
    }
    out = java.resolve([m(GATEWAY, app, 1, end=(2, 12), APP="App")], lines.get)
    assert out.routes == ()
    [(file, line, message)] = out.problems
    assert (file, line) == (yml, 5) and message.startswith("gateway routes not read: ")
