"""GK424 (PostgreSQL without a statement_timeout anywhere in the service) and the queue clients
GK423 judges (pika without blocked_connection_timeout, amqplib without a socket timeout).

Fixture twins fixtures/scalability-stmt-timeout{,-node}/{good,bad}; the facts of each evidence
form are tested on their own, each passing and failing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.extract import dbclients
from gatekeeper.extract import sgdbclients as sgd
from gatekeeper.extract.base import ParsedFile
from gatekeeper.model import Report, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PY = FIXTURES / "scalability-stmt-timeout"
NODE = FIXTURES / "scalability-stmt-timeout-node"
CRITERION = "scalability.circuit_breakers"
Found = tuple[str, str, int | None, str]


def audit(root: Path, *, engines: bool = False) -> Report:
    options = api.Options(engines=engines, phases=("scalability",))
    return api.audit(root, options).report


def gk42x(report: Report) -> list[Found]:
    return sorted(
        (f.rule_id, f.location.path, f.location.line, f.message)
        for f in report.findings
        if f.rule_id in ("GK423", "GK424")
    )


def criterion(report: Report) -> tuple[Status, set[tuple[str, int | None, str]]]:
    [crit] = [c for p in report.phases for c in p.criteria if c.id == CRITERION]
    return crit.status, {(e.path, e.line, e.what) for e in crit.evidence}


NO_STATEMENT = "sets no statement_timeout (PostgreSQL's default 0 lets a query run without limit)"
PIKA = "pika.BlockingConnection: no blocked_connection_timeout (pika waits without limit while "
PIKA += "the broker blocks)"


# ------------------------------------------------------------------------------- fixtures


def test_python_bad_twin_reports_the_engine_and_the_pika_connection() -> None:
    report = audit(PY / "bad")
    assert gk42x(report) == [
        ("GK423", "app/events.py", 3, PIKA),
        (
            "GK424",
            "app/db.py",
            4,
            f"create_engine opens PostgreSQL and service root {NO_STATEMENT}",
        ),
    ]
    status, evidence = criterion(report)
    assert status is Status.FAIL  # GK423 is MEDIUM; GK424 alone (LOW) would not fail it
    assert ("app/db.py", 4, "create_engine: connect timeout set") in evidence


def test_python_good_twin_cites_its_timeouts() -> None:
    report = audit(PY / "good")
    assert gk42x(report) == []
    status, evidence = criterion(report)
    assert status is Status.PASS
    assert {
        ("app/db.py", 4, "create_engine: statement_timeout set"),
        ("app/db.py", 6, "statement_timeout set: -c statement_timeout=5000"),
        ("app/events.py", 3, "pika.BlockingConnection: blocked_connection_timeout set"),
    } <= evidence


@pytest.mark.engines
def test_node_twins() -> None:
    bad = audit(NODE / "bad", engines=True)
    assert gk42x(bad) == [
        ("GK423", "src/events.js", 7, "amqp.connect: no timeout in the socket options"),
        (
            "GK424",
            "src/db.js",
            4,
            f"new Pool opens PostgreSQL and service orders-api {NO_STATEMENT}",
        ),
    ]
    good = audit(NODE / "good", engines=True)
    assert gk42x(good) == []
    status, evidence = criterion(good)
    assert status is Status.PASS
    assert {
        ("src/db.js", 3, "new Pool: statement_timeout set"),
        ("src/events.js", 7, "amqp.connect: socket timeout set"),
    } <= evidence


# ------------------------------------------------- statement_timeout set outside the clients

APP = """from sqlalchemy import create_engine

engine = create_engine("postgresql://app@db:5432/app", connect_args={"connect_timeout": 3})
"""

# (file, text, the evidence line it gives) — each sets a statement timeout the server applies.
SETTINGS = [
    ("migrations/0002_timeout.sql", "-- limits\nALTER ROLE app SET statement_timeout = '5s';\n", 2),
    ("db/init.sql", "SET statement_timeout = 5000;\n", 1),
    (
        "alembic/versions/2_t.py",
        'op.execute("ALTER DATABASE app SET statement_timeout TO 5000")\n',
        1,
    ),
    (
        "docker-compose.yml",
        "services:\n  db:\n    command: postgres -c statement_timeout=5000\n",
        3,
    ),
    ("k8s/db.yaml", 'args:\n  - "-c"\n  - "statement_timeout=5000"\n', 3),
    ("postgres/postgresql.conf", "# limits\nstatement_timeout = 5000\n", 2),
    (".env", "PGOPTIONS=-c statement_timeout=5000\n", 1),
    ("infra/db.tf", 'parameter {\n  name  = "statement_timeout"\n  value = "5000"\n}\n', 2),
]
# The same places, where nothing is set: a comment, the disabling 0, another setting.
NOT_SETTINGS = [
    ("migrations/0002_timeout.sql", "ALTER ROLE app SET lock_timeout = '5s';\n"),
    ("db/init.sql", "SET statement_timeout = 0;\n"),
    ("docker-compose.yml", "services:\n  db:\n    command: postgres -c max_connections=200\n"),
    ("postgres/postgresql.conf", "#statement_timeout = 0\t# in milliseconds, 0 is disabled\n"),
    ("app/settings.py", "STATEMENT_TIMEOUT_DOC = 'see statement_timeout = 5000 in the runbook'\n"),
]


def repo(root: Path, extra: tuple[str, str] | None) -> Path:
    files = {"requirements.txt": "flask\nsqlalchemy\npsycopg2-binary\n", "app/db.py": APP}
    if extra is not None:
        files[extra[0]] = extra[1]
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_without_any_setting_the_first_postgres_client_is_reported(tmp_path: Path) -> None:
    report = audit(repo(tmp_path, None))
    assert [(f[0], f[1], f[2]) for f in gk42x(report)] == [("GK424", "app/db.py", 3)]


@pytest.mark.parametrize(("name", "text", "line"), SETTINGS, ids=[s[0] for s in SETTINGS])
def test_a_setting_anywhere_in_the_service_is_evidence(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    report = audit(repo(tmp_path, (name, text)))
    assert gk42x(report) == []
    _, evidence = criterion(report)
    assert [(p, n) for p, n, what in evidence if what.startswith("statement_timeout set")] == [
        (name, line)
    ]


@pytest.mark.parametrize(("name", "text"), NOT_SETTINGS, ids=[s[0] for s in NOT_SETTINGS])
def test_what_does_not_set_a_timeout_is_not_evidence(tmp_path: Path, name: str, text: str) -> None:
    report = audit(repo(tmp_path, (name, text)))
    assert [(f[0], f[1], f[2]) for f in gk42x(report)] == [("GK424", "app/db.py", 3)]


def test_a_service_without_a_judged_postgres_client_is_not_judged(tmp_path: Path) -> None:
    root = repo(tmp_path, None)
    (root / "app/db.py").write_text(
        APP.replace('"postgresql://app@db:5432/app"', 'os.environ["DATABASE_URL"]')
    )
    assert gk42x(audit(root)) == []


# ----------------------------------------------------------------- Python client facts


def clients(text: str) -> list[tuple[int, str, bool, str, str]]:
    pf = ParsedFile("app/db.py", "python", text, tree=ast.parse(text))
    found = dbclients._extract(pf)
    if found is None:
        return []
    return [(c.line, c.client, c.bounded, c.database, c.statement) for c in found.clients]


def test_sqlalchemy_statement_timeout_in_options_or_url() -> None:
    text = """from sqlalchemy import create_engine

a = create_engine("postgresql://db/a", connect_args={"options": "-c statement_timeout=5000"})
b = create_engine("postgresql://db/a", connect_args={"options": "-c search_path=app"})
c = create_engine("postgresql://db/a?options=-c%20statement_timeout%3D5000")
d = create_engine("postgresql://db/a")
e = create_engine("postgresql://db/a", connect_args={"options": OPTIONS})
f = create_engine("postgresql://db/a", connect_args={"connect_timeout": 3, **extra})
g = create_engine("mysql+mysqldb://db/a")
"""
    assert clients(text) == [
        (3, "create_engine", False, "postgresql", "set"),
        (4, "create_engine", False, "postgresql", "unset"),
        (5, "create_engine", False, "postgresql", "set"),
        (6, "create_engine", False, "postgresql", "unset"),
        (7, "create_engine", False, "postgresql", ""),  # built elsewhere: unknown
        (8, "create_engine", True, "postgresql", ""),  # a spread may carry the options
        (9, "create_engine", False, "", ""),  # MySQL: not GK424's
    ]


def test_psycopg_connect_options_and_dsn() -> None:
    text = """import psycopg

a = psycopg.connect("dbname=app host=db", options="-c statement_timeout=5s")
b = psycopg.connect("dbname=app host=db options='-c statement_timeout=5s'")
c = psycopg.connect("dbname=app host=db")
d = psycopg.connect("dbname=app host=db", options="-c search_path=app")
"""
    assert [(c[0], c[4]) for c in clients(text)] == [
        (3, "set"),
        (4, "set"),
        (5, "unset"),
        (6, "unset"),
    ]


def test_django_options_options() -> None:
    text = """DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "OPTIONS": {"options": "-c statement_timeout=5000"},
    },
    "replica": {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"sslmode": "require"}},
    "legacy": {"ENGINE": "django.db.backends.mysql"},
}
"""
    assert [(c[0], c[1], c[3], c[4]) for c in clients(text)] == [
        (2, "DATABASES['default']", "postgresql", "set"),
        (6, "DATABASES['replica']", "postgresql", "unset"),
        (7, "DATABASES['legacy']", "", ""),
    ]


def test_pika_blocking_connections() -> None:
    text = """import os
import pika

a = pika.BlockingConnection(pika.ConnectionParameters(host="mq"))
b = pika.BlockingConnection(pika.ConnectionParameters(host="mq", blocked_connection_timeout=60))
c = pika.BlockingConnection(pika.ConnectionParameters(host="mq", blocked_connection_timeout=None))
d = pika.BlockingConnection(pika.URLParameters("amqp://mq/%2F"))
e = pika.BlockingConnection(pika.URLParameters("amqp://mq/%2F?blocked_connection_timeout=60"))
f = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
g = pika.BlockingConnection(params)
h = pika.BlockingConnection(pika.ConnectionParameters(**settings))
"""
    # From the environment, a variable or a spread: the timeout may be there, not judged.
    assert [(c[0], c[1], c[2], c[3]) for c in clients(text)] == [
        (4, "pika.BlockingConnection", False, "rabbitmq"),
        (5, "pika.BlockingConnection", True, "rabbitmq"),
        (6, "pika.BlockingConnection", False, "rabbitmq"),
        (7, "pika.BlockingConnection", False, "rabbitmq"),
        (8, "pika.BlockingConnection", True, "rabbitmq"),
    ]


# --------------------------------------------------- JavaScript and Go facts, hand-built


def m(rule: str, path: str, line: int, **bound: str) -> InventoryMatch:
    return InventoryMatch(path, line, 1, line, 80, rule, tuple(bound.items()))


def resolve(
    *matches: InventoryMatch, texts: dict[str, str] | None = None
) -> list[tuple[object, ...]]:
    files = texts or {}
    go = frozenset({"database/sql"})
    out = sgd.resolve(matches, lambda _: go, files.get)
    return [(p, c.line, c.client, c.bounded, c.database, c.statement) for p, c in out]


def test_node_postgres_statement_and_query_timeouts() -> None:
    js = sgd.JS_DBCLIENT
    out = resolve(
        m(js, "a.js", 1, CLIENT="Pool", OPTS="{ host: 'db', statement_timeout: 5000 }"),
        m(js, "a.js", 2, CLIENT="Pool", OPTS="{ host: 'db', query_timeout: 5000 }"),
        m(
            js,
            "a.js",
            3,
            CLIENT="Pool",
            OPTS="{ host: 'db', idle_in_transaction_session_timeout: 1 }",
        ),
        texts={"a.js": "const { Pool } = require('pg');\n"},
    )
    assert [(line, statement) for _, line, _, _, _, statement in out] == [
        (1, "set"),
        (2, "set"),
        (3, "unset"),
    ]


def test_go_dsn_statement_timeout() -> None:
    go = sgd.GO_DBCLIENT
    out = resolve(
        m(
            go,
            "a.go",
            1,
            CLIENT="sql",
            VERB="Open",
            DRIVER='"postgres"',
            DSN='"host=db statement_timeout=5000"',
        ),
        m(go, "a.go", 2, CLIENT="sql", VERB="Open", DRIVER='"postgres"', DSN='"host=db"'),
    )
    assert [(line, db, statement) for _, line, _, _, db, statement in out] == [
        (1, "postgresql", "set"),
        (2, "postgresql", "unset"),
    ]


def test_amqplib_connect_socket_timeout() -> None:
    js = sgd.JS_DBCLIENT
    texts = {
        "a.js": "const amqp = require('amqplib');\n",
        "b.ts": "import * as rabbit from 'amqplib';\n",
        "c.js": "const net = require('net');\n",
    }
    out = resolve(
        m(js, "a.js", 1, AMQP="amqp", URL="'amqp://mq'"),
        m(js, "a.js", 2, AMQP="amqp", URL="url", SOCKOPTS="{ timeout: 5000 }"),
        m(js, "a.js", 3, AMQP="amqp", URL="url", SOCKOPTS="{ noDelay: true }"),
        m(js, "a.js", 4, AMQP="amqp", URL="url", SOCKOPTS="socketOptions"),  # a variable
        m(js, "a.js", 5, AMQP="amqp", URL="url", SOCKOPTS="{ ...base }"),  # a spread
        m(js, "b.ts", 1, AMQP="rabbit", URL="process.env.AMQP_URL"),
        m(js, "c.js", 1, AMQP="net", URL="5672"),  # not amqplib
        texts=texts,
    )
    assert [(p, line, client, bounded, db) for p, line, client, bounded, db, _ in out] == [
        ("a.js", 1, "amqp.connect", False, "rabbitmq"),
        ("a.js", 2, "amqp.connect", True, "rabbitmq"),
        ("a.js", 3, "amqp.connect", False, "rabbitmq"),
        ("b.ts", 1, "rabbit.connect", False, "rabbitmq"),
    ]
