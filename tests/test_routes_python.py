"""The Python route inventory: the per-file extractor and the resolver, on the routes-* fixture
repositories (exact inventories) and on small generated sources for the tricky cases.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from gatekeeper.extract import EXTRACTORS, pyparse
from gatekeeper.extract.base import ParsedFile
from gatekeeper.routes import python as pyroutes
from gatekeeper.routes.model import Mount, Route
from gatekeeper.routes.pyfacts import MAX_DECLARATIONS, PyRouteDecls
from gatekeeper.routes.pyresolve import PythonRoutes
from gatekeeper.workers import Task, WorkerPool

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def extract(path: str, text: str) -> PyRouteDecls | None:
    tree, cst = pyparse.parse(text)
    return pyroutes.EXTRACTOR.extract(ParsedFile(path, "python", text, tree=tree, cst=cst))


def decls_of(files: Mapping[str, str]) -> dict[str, PyRouteDecls]:
    found = {}
    for path, text in files.items():
        fact = extract(path, textwrap.dedent(text))
        if fact is not None:
            found[path] = fact
    return found


def resolve(files: Mapping[str, str]) -> PythonRoutes:
    return pyroutes.resolve_python(decls_of(files))


def fixture_files(name: str) -> dict[str, str]:
    root = FIXTURES / name
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.py"))
    }


def inventory(result: PythonRoutes) -> list[tuple[str, str, str]]:
    return [(r.method, r.url_path, r.handler) for r in result.routes]


def route(result: PythonRoutes, method: str, url_path: str) -> Route:
    found = [r for r in result.routes if (r.method, r.url_path) == (method, url_path)]
    assert len(found) == 1, f"{method} {url_path}: {found}"
    return found[0]


def hooks(result: PythonRoutes) -> list[tuple[str, int, str, str]]:
    return [(h.file, h.line, h.kind, h.name) for h in result.hooks]


# ---------------------------------------------------------------------------- fastapi

FASTAPI_ROUTES = [
    ("GET", "/api/v1/admin/reports/daily", "app.api.routes.admin.daily_report"),
    ("GET", "/api/v1/items/", "app.api.routes.items.list_items"),
    ("GET", "/api/v1/items/{item_id}", "app.api.routes.items.get_item"),
    ("POST", "/api/v1/items/", "app.api.routes.items.create_item"),
    ("GET", "/api/v1/orders/{order_id}", "app.api.routes.orders.get_order"),
    ("HEAD", "/api/v1/orders/{order_id}", "app.api.routes.orders.get_order"),
    ("DELETE", "/api/v1/orders/{order_id}", "app.api.routes.orders.cancel_order"),
    ("POST", "/api/v1/orders/export", "app.api.routes.orders.export_orders"),
    ("GET", "/health", "app.main.health"),
]


def test_fastapi_fixture_inventory_has_every_prefix_of_the_router_chain() -> None:
    result = resolve(fixture_files("routes-fastapi"))
    assert sorted(inventory(result)) == sorted(FASTAPI_ROUTES)
    assert {r.framework for r in result.routes} == {"fastapi"}
    daily = route(result, "GET", "/api/v1/admin/reports/daily")
    assert daily.mounts == (
        Mount("app/main.py", 12, "/api/v1", "include_router"),  # f"/api/{API_VERSION}"
        Mount("app/api/router.py", 13, "/admin", "include_router"),  # relative, aliased import
        Mount("app/api/routes/admin.py", 5, "/reports", "APIRouter(prefix=)"),
    )
    assert daily.dependencies == ("require_admin",)
    assert daily.query_params == ("day",)
    assert (daily.file, daily.line) == ("app/api/routes/admin.py", 8)
    assert result.problems == (
        (
            "app/api/routes/orders.py",
            29,
            "route path is not a string gatekeeper can evaluate: REPORT_SEGMENT; "
            "the route is not listed",
        ),
    )
    assert hooks(result) == [
        ("app/limits.py", 4, "rate_limit", "Limiter"),
        ("app/main.py", 11, "middleware", "CORSMiddleware"),
        ("app/main.py", 19, "error_handler", "OutOfStock"),
        ("app/main.py", 24, "middleware", "add_request_id"),
    ]


def test_fastapi_fixture_contracts_and_dependencies() -> None:
    result = resolve(fixture_files("routes-fastapi"))
    listing = route(result, "GET", "/api/v1/items/")
    assert (listing.response_model, listing.response_is_list) == ("list[Item]", True)
    assert listing.query_params == ("q", "limit", "offset")
    assert listing.decorators == ("limiter.limit",)
    created = route(result, "POST", "/api/v1/items/")
    assert (created.request_model, created.response_model) == ("ItemCreate", "Item")
    assert created.dependencies == ("require_user",)  # an Annotated alias from another module
    one = route(result, "GET", "/api/v1/items/{item_id}")
    assert one.query_params == ()  # item_id is a path parameter
    order = route(result, "GET", "/api/v1/orders/{order_id}")
    assert order.response_model == "Order"  # the return annotation
    assert order.dependencies == ("require_user", "audit_log")  # include, then router
    cancelled = route(result, "DELETE", "/api/v1/orders/{order_id}")
    assert cancelled.response_model is None  # response_model=None
    export = route(result, "POST", "/api/v1/orders/export")
    assert export.mounts[1] == Mount("app/api/router.py", 12, "", "include_router")


# ---------------------------------------------------------------------------- flask

FLASK_ROUTES = [
    ("GET", "/api/v2/orders", "OrderListAPI.get"),
    ("POST", "/api/v2/orders", "OrderListAPI.post"),
    ("GET", "/api/v2/orders/{order_id}", "OrderAPI.get"),
    ("PATCH", "/api/v2/orders/{order_id}", "OrderAPI.patch"),
    ("DELETE", "/api/v2/orders/{order_id}", "OrderAPI.delete"),
    ("GET", "/api/v2/products/", "shop.api.products.list_products"),
    ("POST", "/api/v2/products/", "shop.api.products.create_product"),
    ("GET", "/api/v2/products/{product_id}", "shop.api.products.product"),
    ("PUT", "/api/v2/products/{product_id}", "shop.api.products.product"),
    ("GET", "/auth/login", "shop.auth.views.login"),
    ("POST", "/auth/login", "shop.auth.views.login"),
    ("GET", "/health", "shop.health.health_view"),
]


def test_flask_fixture_inventory_with_nested_blueprints_and_method_views() -> None:
    result = resolve(fixture_files("routes-flask"))
    assert sorted(inventory(result)) == sorted(FLASK_ROUTES)
    assert {r.framework for r in result.routes} == {"flask"}
    products = route(result, "GET", "/api/v2/products/")
    assert products.mounts == (
        # url_prefix="/api/v2" on register_blueprint replaces the Blueprint's own "/api"
        Mount("shop/__init__.py", 21, "/api/v2", "register_blueprint"),
        Mount("shop/api/__init__.py", 7, "", "register_blueprint"),
        Mount("shop/api/products.py", 8, "/products", "Blueprint(url_prefix=)"),
    )
    assert products.decorators == ("limiter.limit",)
    assert products.query_params == ("page", "per_page")
    orders = route(result, "GET", "/api/v2/orders")
    assert orders.decorators == ("login_required",)  # MethodView.decorators
    assert orders.query_params == ("status",)
    assert (orders.file, orders.line) == ("shop/api/__init__.py", 10)
    login = route(result, "POST", "/auth/login")
    assert login.mounts == (
        Mount("shop/__init__.py", 22, "", "register_blueprint"),
        Mount("shop/auth/views.py", 3, "/auth", "Blueprint(url_prefix=)"),
    )
    assert result.problems == (
        (
            "shop/api/products.py",
            32,
            "route path is not a string gatekeeper can evaluate: LEGACY_RULE; "
            "the route is not listed",
        ),
    )
    assert hooks(result) == [
        ("shop/__init__.py", 5, "rate_limit", "Limiter"),
        ("shop/__init__.py", 24, "error_handler", "404"),
        ("shop/api/__init__.py", 14, "error_handler", "ValueError"),
        ("shop/auth/views.py", 11, "error_handler", "401"),
        ("shop/auth/views.py", 16, "middleware", "load_user"),
    ]


# ---------------------------------------------------------------------------- django

DJANGO_ROUTES = [
    ("ANY", "/admin/", "admin.site.urls"),
    ("GET", "/", "library.views.home"),
    ("GET", "/accounts/profile/", "library.views.profile"),
    ("POST", "/accounts/profile/", "library.views.profile"),
    ("GET", "/accounts/status/", "StatusView.get"),
    ("GET", "/api/v1/", "APIRootView"),
    ("GET", "/api/v1/stats/", "StatsView.get"),
    ("GET", "/api/v1/isbn/{isbn}/", "library.api.v1.views.isbn_lookup"),
    ("GET", "/api/v1/books/", "BookViewSet.list"),
    ("POST", "/api/v1/books/", "BookViewSet.create"),
    ("GET", "/api/v1/books/{isbn}/", "BookViewSet.retrieve"),
    ("PUT", "/api/v1/books/{isbn}/", "BookViewSet.update"),
    ("PATCH", "/api/v1/books/{isbn}/", "BookViewSet.partial_update"),
    ("DELETE", "/api/v1/books/{isbn}/", "BookViewSet.destroy"),
    ("POST", "/api/v1/books/{isbn}/check-out/", "BookViewSet.check_out"),
    ("GET", "/api/v1/authors/", "AuthorViewSet.list"),
    ("GET", "/api/v1/authors/{pk}/", "AuthorViewSet.retrieve"),
    ("GET", "/api/v1/authors/popular/", "AuthorViewSet.popular"),
    ("GET", "/api/v1/loans/", "LoanViewSet.list"),
    ("POST", "/api/v1/loans/", "LoanViewSet.create"),
]


def test_django_fixture_inventory_from_root_urlconf() -> None:
    result = resolve(fixture_files("routes-django"))
    assert sorted(inventory(result)) == sorted(DJANGO_ROUTES)
    books = route(result, "GET", "/api/v1/books/")
    assert books.mounts == (
        Mount("config/urls.py", 10, "/api/", "include"),  # include("library.api.urls")
        Mount("library/api/urls.py", 6, "/v1/", "include"),  # from .v1 import urls as v1_urls
        Mount("library/api/v1/urls.py", 14, "", "include"),  # include(router.urls)
    )
    assert (books.file, books.line, books.framework) == ("library/api/v1/urls.py", 7, "drf")
    assert (books.response_model, books.response_is_list) == ("BookSerializer", True)
    assert books.query_params == ("limit", "offset")  # LimitOffsetPagination
    created = route(result, "POST", "/api/v1/books/")
    assert (created.request_model, created.response_is_list) == ("BookSerializer", False)
    checkout = route(result, "POST", "/api/v1/books/{isbn}/check-out/")
    assert checkout.dependencies == ("permission_classes:IsAuthenticated",)
    assert checkout.decorators == ()
    loans = route(result, "GET", "/api/v1/loans/")
    assert loans.dependencies == (
        "permission_classes:IsAuthenticated",
        "throttle_classes:UserRateThrottle",
    )
    assert route(result, "GET", "/api/v1/stats/").dependencies == (
        "permission_classes:IsAdminUser",
    )
    isbn = route(result, "GET", "/api/v1/isbn/{isbn}/")
    assert (isbn.framework, isbn.dependencies) == ("drf", ("throttle_classes:AnonRateThrottle",))
    assert isbn.raw_path == r"^isbn/(?P<isbn>[0-9-]{10,17})/$"
    profile = route(result, "POST", "/accounts/profile/")
    assert profile.decorators == ("login_required", "require_http_methods")
    assert profile.query_params == ("tab",)
    assert profile.framework == "django"
    assert result.problems == (
        (
            "library/urls.py",
            9,
            'URL pattern is not a string gatekeeper can evaluate: settings.LEGACY_PREFIX + "/"; '
            "it is not listed",
        ),
    )
    assert [(h.kind, h.name) for h in result.hooks] == [
        ("middleware", "django.middleware.security.SecurityMiddleware"),
        ("middleware", "django.contrib.sessions.middleware.SessionMiddleware"),
        ("middleware", "django.middleware.csrf.CsrfViewMiddleware"),
        ("middleware", "django.contrib.auth.middleware.AuthenticationMiddleware"),
        ("error_handler", "library.api.errors.problem_handler"),
        ("pagination", "rest_framework.pagination.PageNumberPagination"),
        ("auth_default", "rest_framework.permissions.IsAuthenticated"),
        ("rate_limit", "rest_framework.throttling.UserRateThrottle"),
        ("rate_limit", "throttle_rate:user=1000/day"),
        ("error_handler", "404"),
    ]
    assert {h.file for h in result.hooks} == {"config/settings.py", "config/urls.py"}


# ---------------------------------------------------------------------------- aiohttp

AIOHTTP_ROUTES = [
    ("ANY", "/admin/stats", "tracker.app.stats"),
    ("GET", "/api/v1/tasks", "tracker.api.routes.list_tasks"),
    ("POST", "/api/v1/tasks", "tracker.api.routes.create_task"),
    ("GET", "/api/v1/tasks/{task_id}", "TaskView.get"),
    ("PATCH", "/api/v1/tasks/{task_id}", "TaskView.patch"),
    ("DELETE", "/api/v1/tasks/{task_id}", "TaskView.delete"),
    ("GET", "/health", "tracker.app.health"),
    ("GET", "/version", "tracker.app.version"),
    ("POST", "/webhooks/{source}", "tracker.app.webhook"),
]


def test_aiohttp_fixture_inventory_with_subapps_and_route_tables() -> None:
    result = resolve(fixture_files("routes-aiohttp"))
    assert sorted(inventory(result)) == sorted(AIOHTTP_ROUTES)
    tasks = route(result, "POST", "/api/v1/tasks")
    assert tasks.mounts == (
        Mount("tracker/app.py", 20, "/api/v1", "add_subapp"),  # create_api()'s returned app
        Mount("tracker/app.py", 11, "", "add_routes"),  # the RouteTableDef of another module
    )
    assert tasks.decorators == ("rate_limited",)
    assert route(result, "GET", "/api/v1/tasks").query_params == ("limit", "status")
    assert route(result, "PATCH", "/api/v1/tasks/{task_id}").mounts == (
        Mount("tracker/app.py", 20, "/api/v1", "add_subapp"),
    )
    assert result.problems == (
        (
            "tracker/api/routes.py",
            25,
            "route path is not a string gatekeeper can evaluate: EXPORT_PATH; "
            "the route is not listed",
        ),
    )
    assert hooks(result) == [
        ("tracker/app.py", 17, "middleware", "error_middleware"),
        ("tracker/app.py", 17, "middleware", "rate_limit"),
        ("tracker/middlewares.py", 9, "middleware", "error_middleware"),
        ("tracker/middlewares.py", 17, "middleware", "rate_limit"),
    ]


# ---------------------------------------------------------------------------- worker round trip


def test_facts_cross_the_worker_boundary_and_resolve_the_same(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "routes-django", root)
    tasks = [
        Task(str(root), path, "python", 1 << 20, ("routes.python",))
        for path in fixture_files("routes-django")
    ]
    with WorkerPool(jobs=1) as pool:
        result = pool.run(root, tasks)
    assert result.unanalyzed == ()
    decls = {}
    for path, task_result in result.results.items():
        fact = task_result.fact("routes.python")
        if fact is not None:
            assert isinstance(fact, PyRouteDecls)  # unpickled through the allow-list
            decls[path] = fact
    assert decls == decls_of(fixture_files("routes-django"))
    assert sorted(inventory(pyroutes.resolve_python(decls))) == sorted(DJANGO_ROUTES)


def test_extractor_is_registered_for_python() -> None:
    registered = {e.name: e for e in EXTRACTORS}
    assert registered["routes.python"].languages == frozenset({"python"})
    assert not registered["routes.python"].needs_cst


# ---------------------------------------------------------------------------- extractor edges


def test_files_that_name_no_framework_yield_no_fact() -> None:
    assert extract("app/util.py", "import os\n\ndef slug(text):\n    return text.lower()\n") is None
    assert extract("app/__init__.py", "") is None


def test_a_file_only_libcst_can_parse_is_reported_not_dropped() -> None:
    # PEP 695 generics: no same-line rewrite makes them 3.11 syntax (type aliases have one)
    text = (
        "from fastapi import APIRouter\n\n"
        "def first[T](xs: list[T]) -> T: ...\n"
        "router = APIRouter()\n"
    )
    fact = extract("app/new.py", text)
    assert fact is not None
    assert fact.unanalyzed_reason is not None and "libcst" in fact.unanalyzed_reason
    assert pyroutes.unparsed_files({"app/new.py": fact}) == (
        ("app/new.py", fact.unanalyzed_reason),
    )
    assert pyroutes.resolve_python({"app/new.py": fact}) == PythonRoutes((), (), ())


def test_declarations_stop_at_the_cap_and_the_file_is_reported() -> None:
    lines = ["from fastapi import FastAPI", "app = FastAPI()"]
    for i in range(MAX_DECLARATIONS + 10):
        lines += [f"@app.get('/r{i}')", f"def r{i}(): ..."]
    fact = extract("app/huge.py", "\n".join(lines) + "\n")
    assert fact is not None and fact.capped_at is not None
    counted = len(fact.imports) + len(fact.objects) + len(fact.routes) + len(fact.functions)
    assert counted == MAX_DECLARATIONS
    [(path, reason)] = pyroutes.unparsed_files({"app/huge.py": fact})
    assert path == "app/huge.py"
    assert f"more than {MAX_DECLARATIONS}" in reason and f"line {fact.capped_at}" in reason
    assert len(pyroutes.resolve_python({"app/huge.py": fact}).routes) == len(fact.routes)


def test_routes_declared_in_tests_are_not_the_services() -> None:
    result = resolve(
        {
            "tests/test_app.py": """
                from fastapi import FastAPI
                app = FastAPI()

                @app.get("/boom")
                def boom(): ...
            """,
            "app/main.py": """
                from fastapi import FastAPI
                app = FastAPI()

                @app.get("/ok")
                def ok(): ...
            """,
        }
    )
    assert inventory(result) == [("GET", "/ok", "app.main.ok")]


# ---------------------------------------------------------------------------- resolution edges


def test_include_router_applies_the_include_prefix_then_the_routers_own() -> None:
    result = resolve(
        {
            "svc/main.py": """
                from fastapi import FastAPI
                from .core.routes import router
                app = FastAPI()
                app.include_router(router, prefix="/outer")
            """,
            "svc/core/routes.py": """
                from fastapi import APIRouter
                router = APIRouter(prefix="/inner")

                @router.get("/x")
                def x(): ...
            """,
        }
    )
    assert inventory(result) == [("GET", "/outer/inner/x", "svc.core.routes.x")]
    assert route(result, "GET", "/outer/inner/x").mounts == (
        Mount("svc/main.py", 5, "/outer", "include_router"),
        Mount("svc/core/routes.py", 3, "/inner", "APIRouter(prefix=)"),
    )


def test_register_blueprint_prefix_replaces_the_blueprints_own() -> None:
    files = {
        "svc/app.py": """
            from flask import Flask
            from svc.web.pages import bp
            from .web.pages import bp as same_bp
            app = Flask(__name__)
            app.register_blueprint(bp)
            app.register_blueprint(same_bp, url_prefix="/override", name="again")
        """,
        "svc/web/pages.py": """
            from flask import Blueprint
            bp = Blueprint("web", __name__, url_prefix="/own")

            @bp.route("/page")
            def page(): ...
        """,
    }
    assert sorted(inventory(resolve(files))) == [
        ("GET", "/override/page", "svc.web.pages.page"),
        ("GET", "/own/page", "svc.web.pages.page"),
    ]


@pytest.mark.parametrize(
    ("importer", "statement", "ref"),
    [
        ("a/b/c/main.py", "from ..routes import api", "api.router"),
        ("a/b/c/main.py", "from ..routes.api import router as r", "r"),
        ("a/b/c/main.py", "from .. import routes", "routes.api.router"),
        ("a/b/c/main.py", "import a.b.routes.api", "a.b.routes.api.router"),
        ("a/b/c/main.py", "import a.b.routes.api as m", "m.router"),
        ("a/b/c/main.py", "from b.routes.api import *", "router"),
    ],
)
def test_imports_resolve_across_modules(importer: str, statement: str, ref: str) -> None:
    files = {
        importer: f"""
            from fastapi import FastAPI
            {statement}
            app = FastAPI()
            app.include_router({ref}, prefix="/v1")
        """,
        "a/b/routes/api.py": """
            from fastapi import APIRouter
            router = APIRouter(prefix="/things")

            @router.get("")
            def things(): ...
        """,
    }
    result = resolve(files)
    assert inventory(result) == [("GET", "/v1/things", "a.b.routes.api.things")]
    assert result.problems == ()


def test_an_ambiguous_module_is_a_problem_not_a_guess() -> None:
    result = resolve(
        {
            "x/one/views.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
            "y/one/views.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
            "main.py": """
                from fastapi import FastAPI
                from one.views import router
                app = FastAPI()
                app.include_router(router, prefix="/p")
            """,
        }
    )
    [(path, line, message)] = result.problems
    assert (path, line) == ("main.py", 5)
    assert "one.views is ambiguous: x/one/views or y/one/views" in message


def test_a_dynamic_include_prefix_is_a_problem_and_the_routes_stay() -> None:
    result = resolve(
        {
            "main.py": """
                from fastapi import FastAPI
                from api import router
                from config import settings
                app = FastAPI()
                app.include_router(router, prefix=settings.API_V1_STR)
            """,
            "api.py": """
                from fastapi import APIRouter
                router = APIRouter()

                @router.get("/users")
                def users(): ...
            """,
        }
    )
    assert inventory(result) == [("GET", "/users", "api.users")]
    assert result.problems == (
        (
            "main.py",
            6,
            "include_router prefix is not a string gatekeeper can evaluate: "
            "settings.API_V1_STR; routes under it are listed without it",
        ),
    )


def test_mount_cycles_and_factories_terminate() -> None:
    result = resolve(
        {
            "a.py": """
                from fastapi import APIRouter
                from b import router as other
                router = APIRouter(prefix="/a")
                router.include_router(other)

                @router.get("/x")
                def x(): ...
            """,
            "b.py": """
                from fastapi import APIRouter
                from a import router as other
                router = APIRouter(prefix="/b")
                router.include_router(other)
            """,
            "main.py": """
                from fastapi import FastAPI
                from factory import make
                from b import router
                app = make()
                app.include_router(router, prefix="/root")
            """,
            "factory.py": """
                from fastapi import FastAPI

                def make():
                    app = FastAPI()
                    return app
            """,
        }
    )
    # a includes b includes a: the cycle is cut where it closes, at the route's own router
    assert inventory(result) == [("GET", "/root/b/a/x", "a.x")]


# ---------------------------------------------------------------------------- drf edges

DRF_VIEWS = """
    from rest_framework import generics, mixins, pagination, viewsets

    class Paged(pagination.PageNumberPagination):
        page_size_query_param = "size"

    class Base(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
        lookup_url_kwarg = "tag_id"

    class TagViewSet(mixins.DestroyModelMixin, Base):
        pagination_class = Paged

        def list(self, request): ...

    class NoteViewSet(viewsets.ViewSet):
        def list(self, request): ...
        def create(self, request): ...

    class NoteListView(generics.ListCreateAPIView):
        pagination_class = Paged
"""


def test_viewset_routes_are_only_the_actions_the_class_has() -> None:
    result = resolve(
        {
            "api/urls.py": """
                from django.urls import path
                from rest_framework.routers import SimpleRouter
                from api.views import NoteListView, NoteViewSet, TagViewSet

                router = SimpleRouter(trailing_slash=False)
                router.register("tags", TagViewSet)
                router.register(r"notes", NoteViewSet)
                urlpatterns = [
                    path("note-list/", NoteViewSet.as_view({"get": "list", "post": "create"})),
                    path("notes-page/", NoteListView.as_view()),
                ]
                urlpatterns += router.urls
            """,
            "api/views.py": DRF_VIEWS,
        }
    )
    assert sorted(inventory(result)) == [
        ("DELETE", "/tags/{tag_id}", "TagViewSet.destroy"),  # DestroyModelMixin
        ("GET", "/note-list/", "NoteViewSet.list"),
        ("GET", "/notes", "NoteViewSet.list"),  # methods defined on a plain ViewSet
        ("GET", "/notes-page/", "NoteListView.get"),
        ("GET", "/tags", "TagViewSet.list"),  # defined on the class
        ("GET", "/tags/{tag_id}", "TagViewSet.retrieve"),  # a mixin of its repo base class
        ("POST", "/note-list/", "NoteViewSet.create"),
        ("POST", "/notes", "NoteViewSet.create"),
        ("POST", "/notes-page/", "NoteListView.post"),
    ]  # SimpleRouter: no API root view; trailing_slash=False
    assert route(result, "GET", "/tags").query_params == ("page", "size")
    assert route(result, "GET", "/notes-page/").response_is_list is True
    assert route(result, "GET", "/tags/{tag_id}").query_params == ()


def test_django_roots_without_root_urlconf_are_the_lists_nobody_includes() -> None:
    result = resolve(
        {
            "site/urls.py": """
                from django.urls import include, path
                urlpatterns = [path("blog/", include("blog.urls"))]
            """,
            "blog/urls.py": """
                from django.urls import include, path, re_path
                from blog import views
                urlpatterns = [
                    path("", views.index),
                    re_path(r"^(?P<slug>[-\\w]+)/$", views.post),
                    path("feed/", include([path("rss/", views.rss)])),
                ]
            """,
            "blog/views.py": """
                from django.views.decorators.http import require_safe

                def index(request): ...

                @require_safe
                def post(request, slug): ...

                def rss(request): ...
            """,
        }
    )
    assert sorted(inventory(result)) == [
        ("ANY", "/blog/", "blog.views.index"),
        ("ANY", "/blog/feed/rss/", "blog.views.rss"),
        ("GET", "/blog/{slug}/", "blog.views.post"),
        ("HEAD", "/blog/{slug}/", "blog.views.post"),
    ]
    rss = route(result, "ANY", "/blog/feed/rss/")
    assert [m.prefix for m in rss.mounts] == ["/blog/", "/feed/"]


def test_a_missing_include_target_is_a_problem() -> None:
    result = resolve(
        {
            "config/settings.py": 'ROOT_URLCONF = "config.urls"\n',
            "config/urls.py": """
                from django.urls import include, path
                urlpatterns = [path("shop/", include("shop.urls"))]
            """,
        }
    )
    assert result.routes == ()
    assert result.problems == (
        (
            "config/urls.py",
            3,
            "include of `shop.urls` could not be resolved (module shop.urls is not among the "
            "files gatekeeper read for routes); the routes under it are not listed",
        ),
    )


def test_class_routes_smorest_and_aiohttp_views() -> None:
    result = resolve(
        {
            "s/app.py": """
                from flask import Flask
                from flask_smorest import Api
                from s.items import blp
                app = Flask(__name__)
                api = Api(app)
                api.register_blueprint(blp, url_prefix="/v3")
            """,
            "s/items.py": """
                from flask.views import MethodView
                from flask_smorest import Blueprint
                blp = Blueprint("items", __name__, url_prefix="/items")

                @blp.route("/")
                class Items(MethodView):
                    @blp.response(200, ItemSchema(many=True))
                    @blp.paginate()
                    def get(self, pagination): ...

                    @blp.arguments(ItemSchema)
                    @blp.response(201, ItemSchema)
                    def post(self, data): ...
            """,
            "t/app.py": """
                from aiohttp import web
                routes = web.RouteTableDef()

                @routes.view("/things/{id}")
                class Thing(web.View):
                    async def get(self): ...
                    async def put(self): ...

                app = web.Application()
                app.add_routes(routes)
            """,
        }
    )
    assert sorted(inventory(result)) == [
        ("GET", "/things/{id}", "Thing.get"),
        ("GET", "/v3/", "Items.get"),
        ("POST", "/v3/", "Items.post"),
        ("PUT", "/things/{id}", "Thing.put"),
    ]
    listing = route(result, "GET", "/v3/")
    assert (listing.response_model, listing.response_is_list) == ("ItemSchema", True)
    assert listing.query_params == ("page", "page_size")
    assert route(result, "POST", "/v3/").request_model == "ItemSchema"


def test_fastapi_parameters_enum_is_query_unknown_class_is_the_body() -> None:
    result = resolve(
        {
            "f/main.py": """
                from enum import Enum
                from typing import Annotated
                from fastapi import Depends, FastAPI, Query
                from f.models import Paint

                class Color(str, Enum):
                    red = "red"

                app = FastAPI()

                @app.put("/paint/{item_id}", dependencies=[Depends(audit)])
                def paint(
                    item_id: int,
                    color: Color,
                    body: Paint | None = None,
                    tags: Annotated[list[str], Query()] = [],
                    db: Annotated[Session, Depends(get_db)] = None,
                ) -> dict: ...
            """,
        }
    )
    painted = route(result, "PUT", "/paint/{item_id}")
    assert painted.query_params == ("color", "tags")
    assert painted.request_model == "Paint"
    assert painted.dependencies == ("audit", "get_db")
    assert (painted.response_model, painted.response_is_list) == (None, None)  # -> dict


def test_django_class_views_outside_the_repository_use_their_known_methods() -> None:
    result = resolve(
        {
            "d/urls.py": """
                from django.contrib.auth import views as auth_views
                from django.urls import path
                urlpatterns = [
                    path("login/", auth_views.LoginView.as_view()),
                    path("x/", auth_views.SomethingView.as_view()),
                ]
            """,
        }
    )
    assert sorted(inventory(result)) == [
        ("ANY", "/x/", "auth_views.SomethingView"),
        ("GET", "/login/", "LoginView.get"),
        ("POST", "/login/", "LoginView.post"),
    ]


def test_names_are_read_by_character_on_lines_with_non_ascii_text() -> None:
    result = resolve(
        {
            "app.py": """
                from fastapi import FastAPI
                app = FastAPI()

                @app.post("/café")
                def order(note: str = "é", body: Commandé = None) -> Reçu: ...
            """,
        }
    )
    ordered = route(result, "POST", "/café")
    assert (ordered.request_model, ordered.response_model) == ("Commandé", "Reçu")
    assert ordered.query_params == ("note",)


# ---------------------------------------------------------------------------- seen in NetBox


def test_a_project_router_subclass_and_a_computed_django_prefix() -> None:
    result = resolve(
        {
            "proj/settings.py": "ROOT_URLCONF = 'proj.urls'\nBASE_PATH = compute()\n",
            "proj/routers.py": """
                from rest_framework.routers import DefaultRouter

                class ProjectRouter(DefaultRouter):
                    pass
            """,
            "proj/api.py": """
                from rest_framework import viewsets
                from proj.routers import ProjectRouter

                class SiteViewSet(viewsets.ReadOnlyModelViewSet):
                    pass

                router = ProjectRouter()
                router.register('sites', SiteViewSet)
                urlpatterns = router.urls
            """,
            "proj/urls.py": """
                from django.conf import settings
                from django.urls import include, path

                _patterns = [path('api/', include('proj.api'))]
                urlpatterns = [path(settings.BASE_PATH, include(_patterns))]
            """,
        }
    )
    assert inventory(result) == [
        ("GET", "/api/", "APIRootView"),
        ("GET", "/api/sites/", "SiteViewSet.list"),
        ("GET", "/api/sites/{pk}/", "SiteViewSet.retrieve"),
    ]
    assert [(p[0], p[1]) for p in result.problems] == [("proj/urls.py", 6)]
    assert "listed without it" in result.problems[0][2]
