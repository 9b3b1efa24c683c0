"""The route x auth matrix on the cases the ground truth in benchmarks/groundtruth/auth/ showed
wrong: Spring Security's rules, optional checks, hand-written checks, camelCase names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.phases.security import _ENTRY_HANDLER
from gatekeeper.routes import auth, java
from gatekeeper.routes.model import Route
from gatekeeper.routes.python import _hand_check
from gatekeeper.routes.sgtext import callee
from tests.test_routes_semgrep import copy_fixture, m

SECURITY_CONFIG = """package com.acme.shop.web;

import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

public class SecurityConfig {
    @Bean
    SecurityFilterChain chain(HttpSecurity http) throws Exception {
        http.csrf().disable()
            .authorizeRequests()
            .antMatchers(HttpMethod.GET, "/api/v1/users/**").permitAll()
            .anyRequest().authenticated();
        return http.build();
    }
}
"""


@pytest.mark.engines
def test_spring_security_rules_decide_in_order(tmp_path: Path) -> None:
    root = copy_fixture("routes-spring", tmp_path)
    pom = root / "pom.xml"
    pom.write_text(
        pom.read_text().replace(
            "    <dependency>\n",
            "    <dependency>\n      <groupId>org.springframework.boot</groupId>\n"
            "      <artifactId>spring-boot-starter-security</artifactId>\n    </dependency>\n"
            "    <dependency>\n",
            1,
        )
    )
    config = root / "src/main/java/com/acme/shop/web/SecurityConfig.java"
    config.write_text(SECURITY_CONFIG)
    report = api.audit(root, api.Options(phases=("api_design", "security"))).report
    decided = {(r.method, r.url_path): r.auth for r in report.routes}
    assert decided["GET", "/api/v1/users/{id}"] == "public"
    assert decided["PATCH", "/api/v1/orders/{id}"] == "required"
    (crit,) = [
        c for p in report.phases for c in p.criteria if c.id == "security.authorization_rules"
    ]
    path = "src/main/java/com/acme/shop/web/SecurityConfig.java"
    cited = {(e.path, e.line, e.what) for e in crit.evidence}
    assert (
        path,
        13,
        "GET /api/v1/users/{id}: public (Spring Security permitAll GET /api/v1/users/**)",
    ) in cited
    assert (
        path,
        14,
        "PATCH /api/v1/orders/{id}: required (Spring Security authenticated /**)",
    ) in cited
    assert not [f for f in report.findings if f.rule_id == "GK311"]


def test_spring_rules_read_from_matches() -> None:
    path = "src/main/java/Sec.java"
    hooks = java._security_rules(
        [
            m(
                java.SECURITY,
                path,
                5,
                end=(6, 50),
                MATCHER="antMatchers",
                KIND="permitAll",
                ARGS='HttpMethod.GET, "/articles/**", "/tags"',
            ),
            m(
                java.SECURITY,
                path,
                5,
                end=(7, 40),
                MATCHER="antMatchers",
                KIND="permitAll",
                ARGS="HttpMethod.OPTIONS",
            ),
            m(
                java.SECURITY,
                path,
                5,
                end=(8, 40),
                MATCHER="antMatchers",
                KIND="permitAll",
                ARGS="PUBLIC_PATHS",
            ),
            m(java.SECURITY, path, 5, end=(9, 40), MATCHER="anyRequest", KIND="authenticated"),
        ]
    )
    # A matcher built from a variable is left out: its reach is unknown.
    assert [(h.line, h.name) for h in hooks] == [
        (6, "permitAll GET /articles/** /tags"),
        (7, "permitAll OPTIONS /**"),
        (9, "authenticated ANY /**"),
    ]


def route(method: str, path: str) -> Route:
    return Route("a.java", 1, method, path, "h", "spring")


@pytest.mark.parametrize(
    ("rule", "method", "path", "fits"),
    [
        ("permitAll GET /articles/**", "GET", "/articles", True),
        ("permitAll GET /articles/**", "GET", "/articles/{slug}/comments", True),
        ("permitAll GET /articles/**", "POST", "/articles", False),
        ("permitAll ANY /articles/*", "GET", "/articles/{slug}", True),
        ("permitAll ANY /articles/*", "GET", "/articles/{slug}/comments", False),
        ("permitAll ANY /articles/feed", "GET", "/articles/{slug}", False),
        ("permitAll ANY /users/{id}", "GET", "/users/{userId}", True),
        ("permitAll ANY /*.html", "GET", "/index.html", True),
    ],
)
def test_ant_patterns(rule: str, method: str, path: str, fits: bool) -> None:
    assert auth._spring_rule_fits(rule, route(method, path)) is fits


@pytest.mark.parametrize(
    ("name", "checks"),
    [
        ("isLoggedIn", True),
        ("users.AuthMiddleware", True),
        ("users.AuthMiddleware(optional)", False),
        ("isNotAuthenticated", False),
        ("redirectUnauthenticated", False),
        ("guestOnly", False),
        ("get_current_user_authorizer(optional)", False),
    ],
)
def test_auth_names(name: str, checks: bool) -> None:
    assert auth.is_auth_name(name) is checks


def test_checks_told_to_let_anonymous_callers_in_say_so() -> None:
    assert callee("users.AuthMiddleware(false)") == "users.AuthMiddleware(optional)"
    assert callee("jwt({ secret, credentialsRequired: false })") == "jwt(optional)"
    assert callee("users.AuthMiddleware(true)") == "users.AuthMiddleware"


def test_fastapi_optional_dependency_is_no_check(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("fastapi==0.115.0\n")
    (tmp_path / "main.py").write_text(
        "from fastapi import Depends, FastAPI\n"
        "from auth import get_current_user_authorizer\n"
        "\n"
        "app = FastAPI()\n"
        "\n"
        "\n"
        "@app.get('/articles')\n"
        "def articles(user=Depends(get_current_user_authorizer(required=False))):\n"
        "    return []\n"
        "\n"
        "\n"
        "@app.get('/feed')\n"
        "def feed(user=Depends(get_current_user_authorizer())):\n"
        "    return []\n"
    )
    report = api.audit(tmp_path, api.Options(phases=("api_design", "security"), engines=False))
    decided = {r.url_path: r.auth for r in report.report.routes}
    assert decided == {"/articles": "none", "/feed": "required"}


HANDLER = """
def search():
    token = request.headers.get("Authorization")
    if not token or not verify(token):
        return jsonify({"error": "forbidden"}), 403
    return run(request.json)
"""


def test_a_check_written_at_the_top_of_a_handler_counts() -> None:
    func = ast.parse(HANDLER).body[0]
    assert isinstance(func, ast.FunctionDef)
    assert _hand_check(func) == "hand-checked token (line 4)"
    unguarded = HANDLER.replace('return jsonify({"error": "forbidden"}), 403', "log(token)")
    func = ast.parse(unguarded).body[0]
    assert isinstance(func, ast.FunctionDef)
    assert _hand_check(func) is None


@pytest.mark.parametrize(
    ("handler", "entry"),
    [
        ("users.UsersRegistration", True),
        ("UserController.registerUser", True),
        ("forgotPassword", True),
        ("devices.unregister", False),
        ("createUser", False),
    ],
)
def test_entry_point_handlers(handler: str, entry: bool) -> None:
    assert bool(_ENTRY_HANDLER.search(handler)) is entry


def test_probe_routes_are_public_by_nature(tmp_path: Path) -> None:
    """Health probes and robots.txt served for any method are called without credentials by
    load balancers and crawlers: no GK311; a data route next to them still is one."""
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    (tmp_path / "app.py").write_text(
        "from flask import Flask\n"
        "\n"
        "app = Flask(__name__)\n"
        "\n"
        "\n"
        "@app.route('/_healthz', methods=['GET', 'POST'])\n"
        "def healthz():\n"
        "    return 'ok'\n"
        "\n"
        "\n"
        "@app.route('/robots.txt', methods=['GET', 'POST'])\n"
        "def robots():\n"
        "    return ''\n"
        "\n"
        "\n"
        "@app.post('/cart')\n"
        "def cart():\n"
        "    return {}\n"
    )
    report = api.audit(tmp_path, api.Options(phases=("api_design", "security"), engines=False))
    gk311 = sorted(
        (f.location.path, f.location.line) for f in report.report.findings if f.rule_id == "GK311"
    )
    assert gk311 == [("app.py", 16)]
