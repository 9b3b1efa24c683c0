"""Express routers made by factory functions, modules that register routes on the app they are
given, and checks of the caller written at the top of a handler: the fixture audited with the
real semgrep, then resolution over hand-built matches."""

from __future__ import annotations

import pytest

from gatekeeper import api
from gatekeeper.engines import semgrep
from gatekeeper.routes import node
from gatekeeper.routes.sgtext import EngineRoutes
from tests.test_routes_semgrep import copy_fixture, m, one, table

FIXTURE = "routes-express-factory"
FACTORY, HAND = node.FACTORY, node.HAND_CHECK

PAGES, ACCOUNTS, REGISTER = (
    "src/routes/pages.js",
    "src/routes/accounts.js",
    "src/routes/register.js",
)
AT_APP, AT_API = "src/app.js:11 /app (use)", "src/app.js:18 /api (use)"
AT_ACCOUNTS = "src/app.js:14 /accounts (use)"
# (method, path, handler, file, line, mounts)
INVENTORY = [
    ("DELETE", "/accounts/{id}", "closeAccount", ACCOUNTS, 7, (AT_ACCOUNTS,)),
    ("GET", "/accounts", "listAccounts", ACCOUNTS, 6, (AT_ACCOUNTS,)),
    ("GET", "/api/items", "items.list", REGISTER, 4, (AT_API,)),
    ("GET", "/app", "sessionHandler.displayWelcomePage", PAGES, 7, (AT_APP,)),
    ("GET", "/app/about", "sessionHandler.displayAbout", PAGES, 8, (AT_APP,)),
    ("GET", "/app/menu", "sessionHandler.displayMenu", PAGES, 9, (AT_APP,)),
    ("GET", "/app/settings", "(anonymous)", PAGES, 10, (AT_APP,)),
    ("GET", "/status/ping", "(anonymous)", "src/app.js", 23, ("src/app.js:26 /status (use)",)),
    ("POST", "/api/items", "items.create", REGISTER, 5, (AT_API,)),
]

# The handler's own check, as the route's last dependency (None: the handler checks nothing).
HAND_CHECKS = {
    ("DELETE", "/accounts/{id}"): "auth:hand-checked !token: 401 authentication required"
    " (src/handlers/accounts.js:8)",
    ("GET", "/accounts"): None,
    ("GET", "/api/items"): None,
    ("GET", "/app"): "auth:hand-checked !req.session.userId: login redirect"
    " (src/handlers/session.js:5)",
    ("GET", "/app/about"): None,  # an `if` at the top, but not on auth material
    ("GET", "/app/menu"): None,  # on the session, but nothing is turned away
    ("GET", "/app/settings"): "auth:hand-checked !req.user: 401 authentication required (line 11)",
    ("GET", "/status/ping"): None,
    ("POST", "/api/items"): "auth:hand-checked !req.isAuthenticated(): throws"
    " (src/handlers/items.js:7)",
}


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> api.Audit:
    root = copy_fixture(FIXTURE, tmp_path_factory.mktemp(FIXTURE))
    return api.audit(root, api.Options(phases=("api_design", "security")))


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> EngineRoutes:
    """The fixture's inventory matches from the real semgrep, resolved into Route objects
    (the report's rows do not carry a route's dependencies)."""
    root = copy_fixture(FIXTURE, tmp_path_factory.mktemp(FIXTURE))
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.js"))
    run = semgrep.run_semgrep(
        root, files, rules=semgrep.default_rules() / "routes", timeout=300, max_target_bytes=10**6
    )

    def lines(path: str) -> list[str]:
        return (root / path).read_text().splitlines()

    return node.resolve(semgrep.inventory_facts(run).matches, files, lines)


@pytest.mark.engines
def test_factory_and_register_routes_are_inventoried_under_their_mounts(
    audit: api.Audit,
) -> None:
    rows = audit.report.routes
    found = sorted((r.method, r.url_path, r.handler, r.file, r.line, r.mounts) for r in rows)
    assert found == INVENTORY
    # A module handed the app or router is part of it, not a Fastify plugin.
    assert {r.framework for r in rows} == {"express"}


@pytest.mark.engines
def test_hand_checks_are_dependencies_of_their_routes(resolved: EngineRoutes) -> None:
    assert table(resolved.routes) == sorted((m_, p, h) for m_, p, h, *_ in INVENTORY)
    for (method, path), check in HAND_CHECKS.items():
        deps = one(resolved.routes, method, path).dependencies
        # The app-wide session middleware comes first; the handler's own check last.
        assert deps == (("session", check) if check else ("session",))


@pytest.mark.engines
def test_hand_checked_routes_require_auth_and_cite_the_check(audit: api.Audit) -> None:
    decided = {(r.method, r.url_path): r.auth for r in audit.report.routes}
    assert decided == {k: ("required" if v else "none") for k, v in HAND_CHECKS.items()}
    [crit] = [
        c for p in audit.report.phases for c in p.criteria if c.id == "security.authorization_rules"
    ]
    cited = {(e.path, e.line, e.what) for e in crit.evidence}
    assert (
        "src/routes/pages.js",
        7,
        "GET /app: required (checked by hand-checked !req.session.userId: login redirect"
        " (src/handlers/session.js:5))",
    ) in cited
    # Unchecked routes that change data are findings; the hand-checked DELETE and POST are not.
    flagged = {
        f.location.path + f" {f.message}" for f in audit.report.findings if f.rule_id == "GK311"
    }
    assert not any("/accounts/{id}" in f or "POST /api/items" in f for f in flagged)


# ------------------------------------------------------------------ hand-built matches

APP, ROUTER, CALL, MODULE = node.ROUTER, node.ROUTER, node.CALL, node.MODULE
FILES = ["server.js", "app/routes/index.js", "app/routes/session.js"]


def _register_style(*, call_before_use: bool) -> EngineRoutes:
    """NodeGoat's shape: server.js calls `routes(app, db)`; app/routes/index.js exports
    `(app, db) => { app.get('/', ...) }`."""
    use_line, call_line = (30, 20) if call_before_use else (20, 30)
    matches = [
        m(APP, "server.js", 5, NAME="app", INIT="express()"),
        m(CALL, "server.js", use_line, APP="app", METHOD="use", ONLY="requireLogin"),
        m(FACTORY, "server.js", call_line, SOURCE="./app/routes", CALLEE="routes", ARG="app"),
        m(FACTORY, "app/routes/index.js", 40, FN="index", PARAM="app"),
        m(CALL, "app/routes/index.js", 12, APP="app", METHOD="get", FIRST="'/'", LAST="home"),
    ]
    return node.resolve(matches, FILES)


def test_register_style_module_adds_its_routes_to_the_app_it_is_given() -> None:
    out = _register_style(call_before_use=False)
    route = one(out.routes, "GET", "/")
    assert (route.file, route.line, route.framework) == ("app/routes/index.js", 12, "express")
    # The app's middleware added before the call runs for the module's routes ...
    assert route.dependencies == ("requireLogin",)
    # ... and middleware added after it does not.
    assert one(_register_style(call_before_use=True).routes, "GET", "/").dependencies == ()


def test_a_call_with_something_else_than_an_app_registers_nothing() -> None:
    matches = [
        m(FACTORY, "server.js", 3, SOURCE="./core/passport", ARG="passport"),
        m(FACTORY, "core/passport.js", 1, FN="module.exports", PARAM="passport"),
        m(CALL, "core/passport.js", 4, APP="passport", METHOD="use", ONLY="strategy"),
    ]
    assert node.resolve(matches, ["server.js", "core/passport.js"]).routes == ()


INLINE = "require('./routes/app')()"


def test_inline_factory_call_mounts_the_router_the_module_returns() -> None:
    matches = [
        m(APP, "server.js", 1, NAME="app", INIT="express()"),
        m(CALL, "server.js", 9, APP="app", METHOD="use", FIRST="'/app'", LAST=INLINE),
        m(ROUTER, "routes/app.js", 1, NAME="router", INIT="require('express').Router()"),
        m(ROUTER, "routes/app.js", 3, NAME="other", INIT="express.Router()"),
        m(FACTORY, "routes/app.js", 2, FN="module.exports", RET="router"),
        m(CALL, "routes/app.js", 4, APP="router", METHOD="get", FIRST="'/ping'", LAST="ping"),
        m(CALL, "routes/app.js", 5, APP="other", METHOD="get", FIRST="'/else'", LAST="other"),
    ]
    out = node.resolve(matches, ["server.js", "routes/app.js"])
    # The module has two routers; its function returns `router`, which is what is mounted.
    assert table(out.routes) == [("GET", "/app/ping", "ping"), ("GET", "/else", "other")]


AUTH_401 = "401 authentication required"


@pytest.mark.parametrize(
    ("cond", "then", "expected"),
    [
        ("!req.session.user", "return res.redirect('/login');", "login redirect"),
        ("!req.user", "return res.sendStatus(403);", "403 permission denied"),
        ("!req.headers.authorization", "throw new Error('no');", "throws"),
        ("!req.get('Authorization')", "return next(createError(401));", AUTH_401),
        ("!req.session.user", "return res.redirect('/');", None),
        ("!req.user", "res.locals.anonymous = true;", None),
    ],
)
def test_only_a_branch_that_turns_the_caller_away_is_a_check(
    cond: str, then: str, expected: str | None
) -> None:
    matches = [
        m(APP, "app.js", 1, NAME="app", INIT="express()"),
        m(CALL, "app.js", 3, APP="app", METHOD="get", FIRST="'/me'", LAST="show"),
        m(HAND, "app.js", 8, end=(12, 2), NAME="show", COND=cond, THEN=then),
    ]
    deps = one(node.resolve(matches, ["app.js"]).routes, "GET", "/me").dependencies
    assert deps == ((f"auth:hand-checked {cond}: {expected} (line 8)",) if expected else ())


DENY = "return res.sendStatus(401);"


def test_a_check_is_found_through_the_handlers_module_not_by_name_alone() -> None:
    matches = [
        m(APP, "app.js", 1, NAME="app", INIT="express()"),
        m(HAND, "app.js", 2, LOCAL="users", SOURCE="./users"),
        m(HAND, "app.js", 3, LOCAL="posts", SOURCE="./posts"),
        m(CALL, "app.js", 5, APP="app", METHOD="get", FIRST="'/users/:id'", LAST="users.show"),
        m(CALL, "app.js", 6, APP="app", METHOD="get", FIRST="'/posts/:id'", LAST="posts.show"),
        m(HAND, "users.js", 4, NAME="exports.show", COND="!req.user", THEN=DENY),
    ]
    out = node.resolve(matches, ["app.js", "users.js", "posts.js"])
    assert one(out.routes, "GET", "/users/{id}").dependencies == (
        "auth:hand-checked !req.user: 401 authentication required (users.js:4)",
    )
    assert one(out.routes, "GET", "/posts/{id}").dependencies == ()


@pytest.mark.parametrize(
    "cond",
    [
        "!_.isObject(body.user) || !body.user.email",  # validating the request, not the caller
        "!req.query.token",  # a reset token in the query string
        "req.params.id !== '1'",
    ],
)
def test_a_check_on_what_the_request_carries_is_not_a_check_of_the_caller(cond: str) -> None:
    matches = [
        m(APP, "app.js", 1, NAME="app", INIT="express()"),
        m(CALL, "app.js", 3, APP="app", METHOD="post", FIRST="'/login'", LAST="login"),
        m(HAND, "app.js", 8, NAME="login", COND=cond, THEN="throw new ValidationError(401);"),
    ]
    assert one(node.resolve(matches, ["app.js"]).routes, "POST", "/login").dependencies == ()


CONTROLLER = """module.exports = {
  del: async (ctx) => {
    await ctx.state.article.destroy();
  },
  comments: {
    del: async (ctx) => {
      if (ctx.state.comment.author !== ctx.state.user.id) {
        ctx.throw(403);
      }
    },
  },
};
"""


def test_a_handler_name_defined_twice_in_its_module_is_not_judged() -> None:
    """`del` is both the unchecked article delete and the checked comment delete: which one a
    route names through `ctrl.del` is not known, so no check is credited."""
    route = "'/articles/:slug'"
    cond = "ctx.state.comment.author !== ctx.state.user.id"
    matches = [
        m(APP, "app.js", 1, NAME="app", INIT="express()"),
        m(HAND, "app.js", 2, LOCAL="ctrl", SOURCE="./ctrl"),
        m(CALL, "app.js", 5, APP="app", METHOD="delete", FIRST=route, LAST="ctrl.del"),
        m(HAND, "ctrl.js", 1, end=(12, 2), NAME="del", COND=cond, THEN="ctx.throw(403);"),
    ]
    files = {"ctrl.js": CONTROLLER.splitlines(), "app.js": []}
    out = node.resolve(matches, sorted(files), files.get)
    assert one(out.routes, "DELETE", "/articles/{slug}").dependencies == ()
    # With one definition the check is credited, at the line of its `if`.
    files["ctrl.js"] = CONTROLLER.replace("del:", "remove:", 1).splitlines()
    out = node.resolve(matches, sorted(files), files.get)
    assert one(out.routes, "DELETE", "/articles/{slug}").dependencies == (
        "auth:hand-checked ctx.state.comment.author !== ctx.state.user.id: 403 permission denied"
        " (ctrl.js:7)",
    )
