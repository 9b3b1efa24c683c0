"""Go routes beyond gin, chi, echo and gorilla/mux: plain net/http (Go 1.22 patterns, sub-muxes
served through http.StripPrefix), julienschmidt/httprouter, registration functions handed a
path or a handler, and handlers wrapped in middleware calls. Fixture audits with the real
semgrep, then resolution over hand-built matches."""

from __future__ import annotations

import pytest

from gatekeeper import api
from gatekeeper.routes import golang
from gatekeeper.routes.model import Route
from tests.test_routes_semgrep import copy_fixture, m, one

G_ROUTE, G_GROUP, G_CALL, G_FUNC = golang.ROUTE, golang.GROUP, golang.CALL, golang.FUNC
G_CONST, G_ASSIGN = golang.CONST, golang.ASSIGN

NET_HTTP = [
    ("ANY", "/debug/vars", "vars"),
    ("ANY", "/static/", "http.StripPrefix"),
    ("ANY", "/version", "version"),  # a package variable's default prefix ("")
    ("DELETE", "/admin/users/{id}", "dropUser"),
    ("GET", "/api/orders", "orders.list"),
    ("GET", "/api/orders/{id}", "orders.show"),
    ("GET", "/healthz", "health"),
    ("GET", "/items/{id}", "getItem"),
    ("POST", "/items", "createItem"),
]
HTTPROUTER = [
    ("DELETE", "/api/v1/orders/{id}", "cancelOrder"),
    ("GET", "/api/v1/orders", "listOrders"),
    ("GET", "/api/v1/users", "users.list"),
    ("GET", "/api/v1/users/{id}", "users.show"),
    ("GET", "/assets/{filepath}", "http.Dir"),
    ("GET", "/healthz", "health"),
    ("POST", "/api/v1/orders", "createOrder"),
    ("PUT", "/api/v1/users/{id}", "users.update"),
]


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, api.Audit]:
    out = {}
    for name in ("routes-nethttp", "routes-httprouter", "routes-gin"):
        root = copy_fixture(name, tmp_path_factory.mktemp(name))
        out[name] = api.audit(root, api.Options(phases=("api_design",)))
    return out


def _rows(audit: api.Audit) -> list[tuple[str, str, str]]:
    return sorted((r.method, r.url_path, r.handler) for r in audit.report.routes)


@pytest.mark.engines
def test_net_http_fixture_inventory_is_exact(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-nethttp"]
    assert _rows(audit) == NET_HTTP
    assert {r.framework for r in audit.report.routes} == {"net/http"}
    rows = {(r.method, r.url_path): r for r in audit.report.routes}
    # Served through http.StripPrefix: a sub-mux another package makes, one made in place.
    assert rows["GET", "/api/orders/{id}"].mounts == ("main.go:20 /api (StripPrefix)",)
    assert rows["GET", "/api/orders/{id}"].file == "orders/routes.go"
    assert rows["DELETE", "/admin/users/{id}"].mounts == ("main.go:24 /admin (StripPrefix)",)
    # register(mux, healthPath, health): the helper's line, the caller's constant.
    assert (rows["GET", "/healthz"].file, rows["GET", "/healthz"].line) == ("main.go", 35)
    # basePath+"/version": a package variable's initial value ("") is the prefix.
    assert (rows["ANY", "/version"].file, rows["ANY", "/version"].line) == ("main.go", 27)
    [run] = audit.report.engines
    assert run.engine == "semgrep" and run.ok and dict(run.stats)["matches"] == 0


@pytest.mark.engines
def test_httprouter_fixture_inventory_is_exact(audits: dict[str, api.Audit]) -> None:
    audit = audits["routes-httprouter"]
    assert _rows(audit) == HTTPROUTER
    assert {r.framework for r in audit.report.routes} == {"httprouter"}
    rows = {(r.method, r.url_path): r for r in audit.report.routes}
    assert (rows["PUT", "/api/v1/users/{id}"].file, rows["PUT", "/api/v1/users/{id}"].line) == (
        "users/routes.go",
        13,
    )


@pytest.mark.engines
def test_stack_names_net_http_and_httprouter_but_not_under_another_router(
    audits: dict[str, api.Audit],
) -> None:
    def frameworks(name: str) -> list[tuple[str, ...]]:
        return [s.names("framework") for s in audits[name].report.services]

    assert frameworks("routes-nethttp") == [("net/http",)]
    assert frameworks("routes-httprouter") == [("httprouter",)]
    assert frameworks("routes-gin") == [("gin",)]  # gin's files import net/http too


# ------------------------------------------------------------------ hand-built matches


def _table(routes: tuple[Route, ...]) -> list[tuple[str, str, str, str]]:
    return sorted((r.method, r.url_path, r.handler, r.framework) for r in routes)


def test_paths_and_handlers_passed_to_a_registration_function_resolve() -> None:
    lines = {"web/routes.go": ['import "github.com/go-chi/chi/v5"']}
    out = golang.resolve(
        [
            m(G_CONST, "web/paths.go", 3, NAME="UsersPath", VALUE="/users"),
            m(G_GROUP, "web/routes.go", 3, FUNC="Routes", NAME="r", PKG="chi", NEW="NewRouter"),
            m(
                G_CALL,
                "web/routes.go",
                4,
                FUNC="Routes",
                CALLEE="register",
                ARG="r",
                AFTER='"/orders", listOrders',
            ),
            m(
                G_CALL,
                "web/routes.go",
                5,
                FUNC="Routes",
                CALLEE="register",
                ARG="r",
                AFTER="UsersPath, auth(listUsers)",
            ),
            # A path only known at run time stays unknown, with the line that hides it.
            m(G_CALL, "web/routes.go", 6, FUNC="Routes", CALLEE="register", ARG="r", AFTER="p, h"),
            m(
                G_FUNC,
                "web/register.go",
                3,
                FUNC="register",
                PARAM="r",
                PKG="chi",
                TYPE="Router",
                AFTER="path string, h http.HandlerFunc",
            ),
            m(
                G_ROUTE,
                "web/register.go",
                4,
                FUNC="register",
                GROUP="r",
                METHOD="Get",
                PATH="path",
                HANDLER="h",
            ),
            m(G_ASSIGN, "web/register.go", 5, FUNC="register", NAME="path", VALUE='"/"'),
            m(
                G_ROUTE,
                "web/register.go",
                6,
                FUNC="register",
                GROUP="r",
                METHOD="Post",
                PATH='path + "{id}"',
                HANDLER="h",
            ),
        ],
        lines.get,
    )
    assert _table(out.routes) == [
        ("GET", "/orders", "web.listOrders", "chi"),
        ("GET", "/users", "web.listUsers", "chi"),
        ("POST", "/orders/{id}", "web.listOrders", "chi"),
        ("POST", "/users/{id}", "web.listUsers", "chi"),
    ]
    assert one(out.routes, "GET", "/users").dependencies == ("auth",)
    assert one(out.routes, "GET", "/orders").line == 4
    assert sorted(p[2] for p in out.problems) == [
        'route path + "{id}": not a literal path',
        "route path: not a literal path",
    ]


def test_httprouter_registrations_catch_alls_and_wrapped_handlers() -> None:
    lines = {"main.go": ['import "github.com/julienschmidt/httprouter"']}
    route = {"FUNC": "main", "GROUP": "router"}
    out = golang.resolve(
        [
            m(G_GROUP, "main.go", 3, FUNC="main", NAME="router", PKG="httprouter", NEW="New"),
            m(G_ROUTE, "main.go", 4, METHOD="GET", PATH='"/users/:id"', HANDLER="show", **route),
            m(
                G_ROUTE,
                "main.go",
                5,
                METHOD="Handle",
                VERB='"POST"',
                PATH='"/users"',
                HANDLER="requireAuth(limit(create))",
                **route,
            ),
            m(
                G_ROUTE,
                "main.go",
                6,
                METHOD="HandlerFunc",
                VERB="http.MethodPatch",
                PATH='"/users/:id"',
                HANDLER="update",
                **route,
            ),
            m(
                G_ROUTE,
                "main.go",
                7,
                METHOD="Handler",
                VERB="http.MethodDelete",
                PATH='"/users/:id"',
                HANDLER="http.HandlerFunc(drop)",
                **route,
            ),
            m(
                G_ROUTE,
                "main.go",
                8,
                METHOD="ServeFiles",
                PATH='"/static/*filepath"',
                HANDLER='http.Dir("public")',
                **route,
            ),
            # Not a router: a Handler(a, b, c) of something else, with no path.
            m(
                G_ROUTE,
                "main.go",
                9,
                FUNC="main",
                GROUP="tmpl",
                METHOD="Handler",
                VERB='"x"',
                PATH='"page"',
                HANDLER="data",
            ),
        ],
        lines.get,
    )
    assert _table(out.routes) == [
        ("DELETE", "/users/{id}", "drop", "httprouter"),
        ("GET", "/static/{filepath}", "http.Dir", "httprouter"),
        ("GET", "/users/{id}", "show", "httprouter"),
        ("PATCH", "/users/{id}", "update", "httprouter"),
        ("POST", "/users", "create", "httprouter"),
    ]
    assert one(out.routes, "POST", "/users").dependencies == ("requireAuth", "limit")
    assert one(out.routes, "DELETE", "/users/{id}").dependencies == ()  # a conversion
    assert out.problems == ()


def test_net_http_strip_prefix_mounts_sub_muxes_and_delegation_is_no_route() -> None:
    mux = {"FUNC": "main", "GROUP": "mux"}
    out = golang.resolve(
        [
            m(G_GROUP, "main.go", 3, FUNC="main", NAME="mux", PKG="http", NEW="NewServeMux"),
            m(G_GROUP, "main.go", 4, FUNC="main", NAME="api", PKG="http", NEW="NewServeMux"),
            m(
                G_ROUTE,
                "main.go",
                5,
                FUNC="main",
                GROUP="api",
                METHOD="HandleFunc",
                PATH='"GET /users"',
                HANDLER="listUsers",
            ),
            m(
                G_ROUTE,
                "main.go",
                6,
                METHOD="Handle",
                PATH='"/api/"',
                HANDLER='http.StripPrefix("/api", api)',
                **mux,
            ),
            # Registered on the sub-mux after it was mounted: still under /api.
            m(
                G_ROUTE,
                "main.go",
                7,
                FUNC="main",
                GROUP="api",
                METHOD="HandleFunc",
                PATH='"DELETE /users/{id}"',
                HANDLER="dropUser",
            ),
            m(
                G_ROUTE,
                "main.go",
                8,
                METHOD="Handle",
                PATH='"/files/"',
                HANDLER='http.StripPrefix("/files/", http.FileServer(root))',
                **mux,
            ),
            # The whole mux handed to the default one: its routes carry their own paths.
            m(
                G_ROUTE,
                "main.go",
                9,
                FUNC="main",
                GROUP="http",
                METHOD="Handle",
                PATH='"/"',
                HANDLER="mux",
            ),
        ]
    )
    assert _table(out.routes) == [
        ("ANY", "/files/", "http.StripPrefix", "net/http"),
        ("DELETE", "/api/users/{id}", "dropUser", "net/http"),
        ("GET", "/api/users", "listUsers", "net/http"),
    ]
    users = one(out.routes, "GET", "/api/users")
    assert [(x.file, x.line, x.prefix, x.how) for x in users.mounts] == [
        ("main.go", 6, "/api", "StripPrefix")
    ]
    assert one(out.routes, "DELETE", "/api/users/{id}").mounts == users.mounts


def test_gin_and_chi_wrapped_handlers_name_the_inner_handler() -> None:
    lines = {"main.go": ['import "github.com/gin-gonic/gin"']}
    out = golang.resolve(
        [
            m(G_GROUP, "main.go", 3, FUNC="main", NAME="r", PKG="gin", NEW="New"),
            m(
                G_ROUTE,
                "main.go",
                4,
                FUNC="main",
                GROUP="r",
                METHOD="GET",
                PATH='"/ping"',
                MID="cors()",
                HANDLER="gin.WrapF(timed(ping))",
            ),
            # A factory call with a literal argument is the handler itself.
            m(
                G_ROUTE,
                "main.go",
                5,
                FUNC="main",
                GROUP="r",
                METHOD="GET",
                PATH='"/page"',
                HANDLER='render("page.html")',
            ),
        ],
        lines.get,
    )
    assert _table(out.routes) == [
        ("GET", "/page", "render", "gin"),
        ("GET", "/ping", "ping", "gin"),
    ]
    assert one(out.routes, "GET", "/ping").dependencies == ("cors", "timed")
    assert one(out.routes, "GET", "/page").dependencies == ()
