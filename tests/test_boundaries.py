"""scalability.service_boundaries on JavaScript/TypeScript, Go and Java services: import cycles
between first-level packages (GK441) and route files importing a database driver (GK442).
Fixture audits with the engines on run the real semgrep (route files come from it); the rest
are audits of generated repositories without engines, where only the graph is judged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.extract import imports
from gatekeeper.extract.base import ParsedFile
from gatekeeper.model import Report, Status
from gatekeeper.phases import boundaries

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CRITERION = "scalability.service_boundaries"
RULES = {"GK441", "GK442"}

SPRING = "src/main/java/com/acme/shop"
EXPECTED = {
    "boundaries-express": {
        ("GK441", "src/routes/orders.ts", 2),  # routes -> services -> (@app/routes/...) routes
        ("GK442", "src/routes/users.ts", 2),  # import { Pool } from 'pg' in a route file
    },
    "boundaries-gin": {
        ("GK441", "internal/orders/handlers.go", 7),  # orders -> users -> orders/model
        ("GK442", "internal/users/handlers.go", 4),  # database/sql in the users handlers
    },
    "boundaries-spring": {
        ("GK441", f"{SPRING}/orders/OrderController.java", 3),  # orders -> users -> orders.*
        ("GK442", f"{SPRING}/users/UserController.java", 3),  # java.sql.Connection
    },
}
CYCLES = {
    "boundaries-express": "packages routes <-> services import each other",
    "boundaries-gin": "packages internal/orders <-> internal/users import each other",
    "boundaries-spring": (
        "packages com.acme.shop.orders <-> com.acme.shop.users import each other"
    ),
}
GRAPHS = {  # (evidence of the fixture, evidence of its fixed twin)
    "boundaries-express": (
        "service shop-api: 4 first-level package(s), 4 import edge(s), 1 cycle(s)",
        "service shop-api: 4 first-level package(s), 4 import edge(s)",  # routes -> db now
    ),
    "boundaries-gin": (
        "service shop: 4 first-level package(s), 5 import edge(s), 1 cycle(s)",
        "service shop: 4 first-level package(s), 5 import edge(s)",
    ),
    "boundaries-spring": (
        "service shop: 4 first-level package(s), 3 import edge(s), 1 cycle(s)",
        "service shop: 4 first-level package(s), 2 import edge(s)",
    ),
}
SPRING_USER_CONTROLLER = """\
package com.acme.shop.users;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class UserController {
    private final UserRepository users;

    public UserController(UserRepository users) {
        this.users = users;
    }

    @GetMapping("/v1/users/{id}")
    public String name(@PathVariable long id) {
        return users.name(id);
    }
}
"""
SPRING_USER_REPOSITORY = """\
package com.acme.shop.users;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.stereotype.Repository;

@Repository
public class UserRepository {
    private final DataSource dataSource;

    public UserRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public String name(long id) {
        try (Connection c = dataSource.getConnection()) {
            return c.getCatalog() + id;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
"""
# The same services with the cycle broken and the driver moved behind the data layer.
FIXES: dict[str, dict[str, list[tuple[str, str]] | str]] = {
    "boundaries-express": {
        "src/services/orders.ts": [("'@app/routes/validators'", "'./limits'")],
        "src/services/limits.ts": (
            FIXTURES / "boundaries-express/src/routes/validators.ts"
        ).read_text(),
        "src/routes/users.ts": [
            (
                "import { Pool } from 'pg';\n\nconst pool = new Pool();",
                "import { db as pool } from '../db';",
            )
        ],
    },
    "boundaries-gin": {
        "internal/users/history.go": [
            ("github.com/acme/shop/internal/orders/model", "github.com/acme/shop/pkg/money"),
            ("[]model.Order", "[]money.Cents"),
        ],
        "internal/users/handlers.go": [
            ('\t"database/sql"\n', ""),
            ('\t_ "github.com/lib/pq"\n', ""),
            ('var db, _ = sql.Open("postgres", "")\n', ""),
        ],
        "internal/users/store.go": (
            'package users\n\nimport (\n\t"database/sql"\n\n\t_ "github.com/lib/pq"\n)\n\n'
            'var db, _ = sql.Open("postgres", "")\n'
        ),
    },
    "boundaries-spring": {
        f"{SPRING}/users/UserDirectory.java": [
            ("import com.acme.shop.orders.*;\n", ""),
            ("List<Order>", "List<String>"),
        ],
        f"{SPRING}/users/UserController.java": SPRING_USER_CONTROLLER,
        f"{SPRING}/users/UserRepository.java": SPRING_USER_REPOSITORY,
    },
}


def copy_fixture(name: str, dest: Path) -> Path:
    root = dest / name
    shutil.copytree(FIXTURES / name, root)
    return root


def fixed(name: str, dest: Path) -> Path:
    root = copy_fixture(name, dest)
    for path, change in FIXES[name].items():
        target = root / path
        if isinstance(change, str):
            target.write_text(change)
            continue
        text = target.read_text()
        for old, new in change:
            assert old in text, (path, old)
            text = text.replace(old, new)
        target.write_text(text)
    return root


def run(root: Path, *, engines: bool = True) -> Report:
    return api.audit(root, api.Options(phases=("scalability",), engines=engines)).report


def found(report: Report) -> set[tuple[str, str, int | None]]:
    return {
        (f.rule_id, f.location.path, f.location.line) for f in report.findings if f.rule_id in RULES
    }


def outcome(report: Report) -> tuple[Status, str, list[str]]:
    [crit] = [c for p in report.phases for c in p.criteria if c.id == CRITERION]
    return crit.status, crit.message, [e.what for e in crit.evidence]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Each fixture audited once with the engines on (one real semgrep run each)."""
    return {name: run(copy_fixture(name, tmp_path_factory.mktemp(name))) for name in EXPECTED}


@pytest.mark.engines
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_cycles_and_drivers_are_exact(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    assert found(report) == EXPECTED[name]
    status, _, evidence = outcome(report)
    assert status is Status.FAIL
    assert evidence == [GRAPHS[name][0]]
    [cycle] = [f for f in report.findings if f.rule_id == "GK441"]
    assert cycle.message == CYCLES[name]
    [driver] = [f for f in report.findings if f.rule_id == "GK442"]
    assert driver.message.startswith(f"{driver.location.path} serves routes and imports the driver")


@pytest.mark.engines
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixed_twin_passes(tmp_path: Path, name: str) -> None:
    report = run(fixed(name, tmp_path))
    assert found(report) == set()
    status, message, evidence = outcome(report)
    assert (status, message) == (Status.PASS, "first-level packages import each other one way")
    assert evidence == [GRAPHS[name][1]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_without_semgrep_cycles_fail_and_drivers_are_unknown(tmp_path: Path, name: str) -> None:
    report = run(copy_fixture(name, tmp_path), engines=False)
    assert found(report) == {f for f in EXPECTED[name] if f[0] == "GK441"}
    assert outcome(report)[0] is Status.FAIL
    twin = run(fixed(name, tmp_path / "fixed"), engines=False)
    status, message, evidence = outcome(twin)
    assert status is Status.ERROR
    assert "semgrep did not run" in message
    assert message.endswith("so route files importing a driver are unknown")
    assert evidence == [GRAPHS[name][1]]  # the graph itself was judged


# ------------------------------------------------------------------ generated, no engines

EXPRESS = '{"name": "svc", "dependencies": {"express": "4"}}'


def cycle_sites(root: Path) -> tuple[set[tuple[str, str, int | None]], list[str]]:
    report = run(root, engines=False)
    return found(report), outcome(report)[2]


def test_javascript_resolution_index_files_ts_twins_and_base_url(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "package.json": EXPRESS,
            "tsconfig.json": '{"compilerOptions": {"baseUrl": "src"}}',
            # one directory under src/: its children are the first level
            "src/app/index.ts": "import './api';\n",
            "src/app/api/index.ts": "import { repo } from '../data/repo.js';\n",  # repo.ts
            "src/app/data/repo.ts": "import { auth } from 'app/auth';\n",  # baseUrl
            "src/app/auth/index.ts": "import '../api/index';\nimport 'express';\n",
            "src/app/escape.ts": "import '../../../../outside';\n",
        },
    )
    sites, evidence = cycle_sites(root)
    assert sites == {("GK441", "src/app/api/index.ts", 1)}  # api -> data -> auth -> api
    assert evidence == ["service svc: 5 first-level package(s), 4 import edge(s), 1 cycle(s)"]


def test_javascript_files_at_the_root_and_tests_are_not_packages(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "package.json": EXPRESS,
            "server.js": "const routes = require('./app/routes');\n",
            "app/routes/index.js": "const dao = require('../data/dao');\n",
            "app/data/dao.js": "module.exports = {};\n",
            "test/routes.test.js": "require('../server');\nrequire('../app/routes');\n",
        },
    )
    # the root is the source root (no src/): app and server are its first level
    assert cycle_sites(root)[1] == ["service svc: 2 first-level package(s), 1 import edge(s)"]


def test_go_packages_under_internal_and_the_module_root(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "go.mod": "module example.com/svc\n\ngo 1.22\nrequire github.com/gin-gonic/gin v1\n",
            "main.go": 'package main\nimport "example.com/svc/api"\n',
            "api/api.go": 'package api\nimport (\n\t"example.com/svc/store/sql"\n)\n',
            "store/sql/sql.go": 'package sql\nimport "example.com/svc/api/dto"\n',
            "api/dto/dto.go": "package dto\n",
            "internal/a/a.go": 'package a\nimport "example.com/svc/internal/b"\n',
            "internal/b/b.go": 'package b\nimport "example.com/other/internal/a"\n',
            "vendored_test.go": 'package main\nimport "example.com/svc/internal/a"\n',
        },
    )
    sites, evidence = cycle_sites(root)
    # api and store are first level; internal/a and internal/b are apart (no cycle: b imports
    # another module's a)
    assert sites == {("GK441", "api/api.go", 3)}
    assert evidence == ["service svc: 5 first-level package(s), 4 import edge(s), 1 cycle(s)"]


def test_java_base_package_wildcards_static_imports_and_source_sets(tmp_path: Path) -> None:
    base = "src/main/java/org/shop"
    root = write(
        tmp_path / "svc",
        {
            "pom.xml": (
                "<project><artifactId>svc</artifactId><dependencies><dependency>"
                "<groupId>org.springframework.boot</groupId>"
                "<artifactId>spring-boot-starter-web</artifactId></dependency></dependencies>"
                "</project>"
            ),
            f"{base}/App.java": "package org.shop;\nimport org.shop.web.Api;\nclass App {}\n",
            f"{base}/web/Api.java": (
                "package org.shop.web;\nimport org.shop.core.*;\nclass Api {}\n"
            ),
            f"{base}/core/deep/Rule.java": (
                "package org.shop.core.deep;\nimport static org.shop.App.VERSION;\nclass Rule {}\n"
            ),
            f"{base}/core/Order.java": "package org.shop.core;\nclass Order {}\n",
            # a component-test source set is not the service's code
            "src/component-test/java/org/shop/web/ApiIT2.java": (
                "package org.shop.web;\nimport org.shop.App;\nclass ApiIT2 {}\n"
            ),
        },
    )
    sites, evidence = cycle_sites(root)
    # org.shop -> web -> core -> (static import) org.shop
    assert sites == {("GK441", f"{base}/App.java", 2)}
    assert evidence == ["service svc: 3 first-level package(s), 3 import edge(s), 1 cycle(s)"]


def test_too_many_files_is_an_error_not_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(boundaries, "MAX_FILES", 1)
    root = write(
        tmp_path / "svc",
        {"package.json": EXPRESS, "src/a/a.js": "require('../b/b');\n", "src/b/b.js": "\n"},
    )
    status, message, _ = outcome(run(root, engines=False))
    assert status is Status.ERROR
    assert "more than 1 JavaScript/TypeScript source files; the import graph was not built" in (
        message
    )


def test_java_package_declaration_is_extracted() -> None:
    text = "/* licence */\n@Generated\npackage com.acme . shop;\nimport a.b.C;\nclass A {}\n"
    fact = imports.JAVA.extract(ParsedFile("A.java", "java", text))
    assert isinstance(fact, imports.FileImports)
    assert (fact.package, fact.imports) == ("com.acme.shop", (imports.ImportFact("a.b.C", 4),))
    none = imports.JAVA.extract(ParsedFile("B.java", "java", "class B {}\n"))
    assert isinstance(none, imports.FileImports) and none.package == ""
