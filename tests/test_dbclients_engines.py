"""GK423 for JavaScript/TypeScript and Go: database clients read by semgrep's inventory rules
gk-obs-js-dbclient and gk-obs-go-dbclient. Fixture audits run the real semgrep; the resolver
tests use hand-built matches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.extract import sgdbclients as sgd
from gatekeeper.extract.dbclients import DbClient
from gatekeeper.model import Report, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NODE = "scalability-db-timeouts-node"
CRITERION = "scalability.circuit_breakers"


def run(root: Path) -> Report:
    return api.audit(root, api.Options(phases=("scalability",), engines=True)).report


def gk423(report: Report) -> set[tuple[str, int | None, str]]:
    return {
        (f.location.path, f.location.line, f.message)
        for f in report.findings
        if f.rule_id == "GK423"
    }


def criterion(report: Report) -> tuple[Status, set[tuple[str, int | None, str]]]:
    [crit] = [c for p in report.phases for c in p.criteria if c.id == CRITERION]
    return crit.status, {(e.path, e.line, e.what) for e in crit.evidence}


@pytest.mark.engines
def test_node_pool_without_connection_timeout_is_reported(tmp_path: Path) -> None:
    root = tmp_path / NODE
    shutil.copytree(FIXTURES / NODE, root)
    report = run(root)
    # the audit pool's settings come from the environment: not judged
    assert gk423(report) == {
        ("src/db.js", 4, "new Pool: no connectionTimeoutMillis in the options")
    }
    status, evidence = criterion(report)
    assert status is Status.FAIL
    assert ("src/db.js", 7, "new Pool: connect timeout set") in evidence


@pytest.mark.engines
def test_node_pool_with_connection_timeout_passes(tmp_path: Path) -> None:
    root = tmp_path / NODE
    shutil.copytree(FIXTURES / NODE, root)
    db = root / "src" / "db.js"
    old = "max: 10 }"
    assert old in db.read_text()
    db.write_text(db.read_text().replace(old, "max: 10, connectionTimeoutMillis: 2000 }"))
    report = run(root)
    assert gk423(report) == set()
    status, evidence = criterion(report)
    assert status is Status.PASS
    assert {("src/db.js", 4, "new Pool: connect timeout set")} <= evidence


GO_MOD = """module example.com/orders

go 1.22

require (
	github.com/gin-gonic/gin v1.9.1
	github.com/jackc/pgx/v5 v5.5.5
	github.com/lib/pq v1.10.9
)
"""
GO_MAIN = """package main

import (
\t"context"
\t"database/sql"
\t"os"

\t"github.com/jackc/pgx/v5"
\t_ "github.com/lib/pq"
)

func main() {
\tdb, _ := sql.Open("postgres", "host=db user=app dbname=orders sslmode=disable")
\tconn, _ := pgx.Connect(context.Background(), "postgres://app@db/app?connect_timeout=5")
\taudit, _ := sql.Open("postgres", os.Getenv("AUDIT_DSN"))
\t_, _, _ = db, conn, audit
}
"""


@pytest.mark.engines
def test_go_postgres_dsn_without_connect_timeout_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "orders"
    root.mkdir()
    (root / "go.mod").write_text(GO_MOD)
    (root / "main.go").write_text(GO_MAIN)
    report = run(root)
    assert gk423(report) == {("main.go", 13, "sql.Open: no connect_timeout in the DSN")}
    status, evidence = criterion(report)
    assert status is Status.FAIL
    assert ("main.go", 14, "pgx.Connect: connect timeout set") in evidence
    main = root / "main.go"
    main.write_text(GO_MAIN.replace("sslmode=disable", "sslmode=disable connect_timeout=3"))
    assert gk423(run(root)) == set()


# ------------------------------------------------------------------ resolver, hand-built


def m(rule: str, path: str, line: int, **bound: str) -> InventoryMatch:
    return InventoryMatch(path, line, 1, line, 80, rule, tuple(bound.items()))


def resolve(
    *matches: InventoryMatch,
    imports: dict[str, frozenset[str]] | None = None,
    texts: dict[str, str] | None = None,
) -> tuple[tuple[str, DbClient], ...]:
    known, files = imports or {}, texts or {}
    return sgd.resolve(matches, lambda p: known.get(p, frozenset()), files.get)


PG_TEXT = "import pg from 'pg';\nimport { Client } from 'pg';\n"
DETAIL_JS = "no connectionTimeoutMillis in the options"


def test_js_only_literal_options_of_pg_clients_are_judged() -> None:
    js = sgd.JS_DBCLIENT
    out = resolve(
        m(js, "a.js", 1, CLIENT="Client", OPTS="{ host: 'db' }"),
        m(js, "a.js", 2, PG="pg", CLIENT="Pool", OPTS="{ connectionTimeoutMillis: 1000 }"),
        m(js, "a.js", 3, PG="pg", CLIENT="Pool", OPTS="config"),  # a variable
        m(js, "a.js", 4, PG="pg", CLIENT="Pool", OPTS="{ ...base }"),  # a spread
        m(js, "a.js", 5, PG="pg", CLIENT="Pool", OPTS="{ connectionString: process.env.DB }"),
        m(js, "a.js", 6, PG="pg", CLIENT="Pool", OPTS="{ connectionString: 'postgres://db/a' }"),
        m(
            js,
            "a.js",
            7,
            PG="pg",
            CLIENT="Pool",
            OPTS="{ connectionString: 'pg://d?connect_timeout=2' }",
        ),
        m(js, "a.js", 8, CLIENT="Pool", OPTS="{ host: 'db' }"),  # Pool is not imported from pg
        m(js, "b.js", 1, CLIENT="Client", OPTS="{ node: 'http://es:9200' }"),  # elasticsearch
        m(js, "a.test.js", 1, CLIENT="Client", OPTS="{ host: 'db' }"),
        texts={
            "a.js": PG_TEXT,
            "b.js": "const { Client } = require('@elastic/elasticsearch');\n",
            "a.test.js": PG_TEXT,
        },
    )
    assert out == (
        ("a.js", DbClient(1, "new Client", False, DETAIL_JS)),
        ("a.js", DbClient(2, "new pg.Pool", True, DETAIL_JS)),
        ("a.js", DbClient(6, "new pg.Pool", False, DETAIL_JS)),
        ("a.js", DbClient(7, "new pg.Pool", True, DETAIL_JS)),
    )


def test_js_require_and_aliases_of_pg() -> None:
    js = sgd.JS_DBCLIENT
    texts = {
        "a.js": "const { Pool } = require('pg');\n",
        "b.js": "const db = require('pg');\nconst { Client } = db;\n",
        "c.js": "import { Pool as PgPool } from 'pg';\n",
    }
    out = resolve(
        m(js, "a.js", 3, CLIENT="Pool", OPTS="{ max: 5 }"),
        m(js, "b.js", 3, CLIENT="Client", OPTS="{ max: 5 }"),
        m(js, "b.js", 4, PG="db", CLIENT="Pool", OPTS="{ max: 5 }"),
        m(js, "c.js", 3, CLIENT="Pool", OPTS="{ max: 5 }"),  # Pool here is not pg's
        texts=texts,
    )
    assert [(path, c.line, c.client) for path, c in out] == [
        ("a.js", 3, "new Pool"),
        ("b.js", 3, "new Client"),
        ("b.js", 4, "new db.Pool"),
    ]


def test_go_only_literal_postgres_dsns_are_judged() -> None:
    go = sgd.GO_DBCLIENT
    sql = frozenset({"database/sql"})
    pgx = frozenset({"github.com/jackc/pgx/v5/pgxpool", "context"})
    out = resolve(
        m(go, "a.go", 1, CLIENT="sql", VERB="Open", DRIVER='"postgres"', DSN='"host=db"'),
        m(
            go,
            "a.go",
            2,
            CLIENT="sql",
            VERB="Open",
            DRIVER='"pgx"',
            DSN="`host=db connect_timeout=3`",
        ),
        m(go, "a.go", 3, CLIENT="sql", VERB="Open", DRIVER='"mysql"', DSN='"u@tcp(db)/a"'),
        m(go, "a.go", 4, CLIENT="sql", VERB="Open", DRIVER='"postgres"', DSN="dsn"),
        m(
            go,
            "b.go",
            1,
            CLIENT="pgxpool",
            VERB="New",
            CTX="context.Background()",
            DSN='"postgres://db"',
        ),
        m(go, "b.go", 2, CLIENT="pgxpool", VERB="New", CTX="ctx", DSN='"postgres://db"'),
        m(go, "c.go", 1, CLIENT="sql", VERB="Open", DRIVER='"postgres"', DSN='"host=db"'),
        m(go, "a_test.go", 1, CLIENT="sql", VERB="Open", DRIVER='"postgres"', DSN='"host=db"'),
        imports={"a.go": sql, "b.go": pgx, "a_test.go": sql},  # c.go: not database/sql
    )
    detail = "no connect_timeout in the DSN"
    assert out == (
        ("a.go", DbClient(1, "sql.Open", False, detail)),
        ("a.go", DbClient(2, "sql.Open", True, detail)),
        ("b.go", DbClient(1, "pgxpool.New", False, detail)),
    )


@pytest.mark.engines
def test_express_session_without_a_store_is_process_state(tmp_path: Path) -> None:
    """express-session without `store` keeps sessions in its MemoryStore, in one process:
    GK403; with a store, or a `session()` that is not express-session, nothing."""
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "package.json").write_text(
        '{"name": "shop", "dependencies": {"express": "4.19.2", '
        '"express-session": "1.18.0", "connect-redis": "7.1.1"}}\n'
    )
    app = root / "src" / "app.js"
    app.write_text(
        "const express = require('express');\n"
        "const session = require('express-session');\n"
        "\n"
        "const app = express();\n"
        "app.use(session({ secret: process.env.SESSION_SECRET, resave: false }));\n"
        "app.get('/healthz', (req, res) => res.send('ok'));\n"
        "module.exports = app;\n"
    )
    report = api.audit(root, api.Options(phases=("scalability",))).report
    gk403 = [
        (f.location.path, f.location.line, f.message)
        for f in report.findings
        if f.rule_id == "GK403"
    ]
    assert gk403 == [
        (
            "src/app.js",
            5,
            "express-session keeps sessions in its in-process MemoryStore (no store option)",
        )
    ]
    app.write_text(
        app.read_text().replace(
            "session({ secret", "session({ store: new RedisStore({ client }), secret"
        )
    )
    report = api.audit(root, api.Options(phases=("scalability",))).report
    assert not [f for f in report.findings if f.rule_id == "GK403"]
