"""Database and queue clients created in Python code, and whether each bounds its connect wait.

Only clients whose library waits without limit by default are recorded: libpq (psycopg,
psycopg2, SQLAlchemy's PostgreSQL dialects) has no connect timeout unless `connect_timeout` is
given, in the call or in the URL/DSN; mysqlclient (MySQLdb) neither; redis-py's sockets wait
forever without `socket_timeout`/`socket_connect_timeout`. Clients with bounded defaults
(asyncpg 60 s, PyMySQL 10 s, pymongo 20-30 s) are not recorded. A call that passes
`**options` or a URL gatekeeper cannot read is not recorded either: a finding must be certain.

Queue clients: pika's connect is bounded (socket_timeout 10 s), but its
`blocked_connection_timeout` defaults to None (pika's connection.py:
DEFAULT_BLOCKED_CONNECTION_TIMEOUT = None), so a `pika.BlockingConnection` whose broker sends
Connection.Blocked (a memory or disk alarm) waits in every publish without limit: recorded
when it is given `ConnectionParameters(...)`/`URLParameters("...")` written in the call.
Celery/kombu (broker_connection_timeout 4 s) and kafka-python/kafkajs (bounded request and
connection timeouts) are not recorded.

Each PostgreSQL client also says whether its own settings set a `statement_timeout`
(PostgreSQL's default is 0, which disables it): `statement` is "set" when the URL/DSN, the
`options` of connect_args, a psycopg `connect(options=...)` or Django's OPTIONS["options"]
carry one, "unset" when they are read and do not, "" when they cannot be read.
Runs in the workers over the shared ast.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.extract.pyparse import dotted

MAX_CLIENTS = 200
_MARKERS = ("create_engine", "connect(", "Redis", "from_url", "DATABASES", "BlockingConnection")
_ENGINE_CALLS = frozenset({"create_engine", "create_async_engine"})
_PG_CONNECT = frozenset({"psycopg2.connect", "psycopg.connect", "psycopg.AsyncConnection.connect"})
_MYSQL_CONNECT = frozenset({"MySQLdb.connect", "MySQLdb.Connect"})
_REDIS = frozenset({"Redis", "StrictRedis", "redis.Redis", "redis.StrictRedis", "aioredis.Redis"})
_REDIS_TIMEOUTS = ("socket_timeout", "socket_connect_timeout")
_DJANGO_ENGINES = ("postgresql", "postgis", "mysql")
_PIKA_PARAMS = frozenset({"ConnectionParameters", "URLParameters"})
STATEMENT_TIMEOUT = "statement_timeout"
POSTGRESQL = "postgresql"
RABBITMQ = "rabbitmq"


@dataclass(frozen=True, slots=True, order=True)
class DbClient:
    line: int
    client: str  # what is created, as written: "create_engine", "redis.Redis.from_url"
    bounded: bool  # a connect (or socket) timeout is set
    detail: str  # what was looked at: "connect_args has no connect_timeout"
    # What GK424 and the evidence texts read; left out of equality and order, which stay those
    # of the connect-timeout fact.
    database: str = field(default="", compare=False)  # POSTGRESQL, RABBITMQ, "" (not told)
    statement: str = field(default="", compare=False)  # statement_timeout: "set", "unset", ""


@dataclass(frozen=True, slots=True)
class DbClients:
    path: str
    clients: tuple[DbClient, ...]


def _extract(pf: ParsedFile) -> DbClients | None:
    if pf.tree is None or not any(marker in pf.text for marker in _MARKERS):
        return None
    found: list[DbClient] = []
    ci_only = _under_ci_or_test_branch(pf.tree) if "DATABASES" in pf.text else set()
    for node in pf.nodes:
        if len(found) >= MAX_CLIENTS:
            break
        if isinstance(node, ast.Call):
            client = _client(node)
            if client is not None:
                found.append(client)
        elif (
            isinstance(node, ast.Assign) and _assigns(node, "DATABASES") and id(node) not in ci_only
        ):
            found.extend(_django_databases(node.value))
    return DbClients(pf.path, tuple(sorted(set(found)))) if found else None


# A settings branch taken only in CI or under tests (`if os.environ.get("GITHUB_WORKFLOW"):`,
# `if TESTING:`, `if "test" in sys.argv:`): its DATABASES is not the one the service runs with.
_CI_OR_TEST = re.compile(
    r"^(?:CI|GITHUB_\w{1,40}|GITLAB_CI|TRAVIS|CIRCLECI|JENKINS_URL|BUILDKITE|TESTING|TESTS?|"
    r"PYTEST\w{0,40}|RUNNING_TESTS|test|tests|testing)$"
)


def _under_ci_or_test_branch(tree: ast.Module) -> set[int]:
    """ids of the assignments in the body of a module-level `if` that tests for CI or tests."""
    inside: set[int] = set()
    for stmt in tree.body:
        if not isinstance(stmt, ast.If) or not any(
            _CI_OR_TEST.match(word) for word in _words(stmt.test)
        ):
            continue
        for part in stmt.body:
            inside.update(id(n) for n in ast.walk(part) if isinstance(n, ast.Assign))
    return inside


def _words(test: ast.expr) -> Iterator[str]:
    for node in ast.walk(test):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value[:60]


def _client(call: ast.Call) -> DbClient | None:
    name = dotted(call.func) or ""
    last = name.rpartition(".")[2]
    if any(k.arg is None for k in call.keywords):
        return None  # `**options` may carry the timeout
    if last in _ENGINE_CALLS:
        return _engine(call, name)
    if name in _PG_CONNECT or name in _MYSQL_CONNECT:
        dsn = _string(call.args[0]) if call.args else _string(_keyword(call, "dsn"))
        if call.args and dsn is None:
            return None
        bounded = _keyword(call, "connect_timeout") is not None or "connect_timeout" in (dsn or "")
        detail = "no connect_timeout in the call or the DSN"
        if name in _MYSQL_CONNECT:
            return DbClient(call.lineno, name, bounded, detail)
        statement = _statement(dsn or "", _keyword(call, "options"))
        return DbClient(call.lineno, name, bounded, detail, POSTGRESQL, statement)
    if last == "BlockingConnection":
        return _pika(call, name)
    if name in _REDIS or (last == "from_url" and "redis" in name.lower()):
        url = _string(call.args[0]) if last == "from_url" and call.args else ""
        if url is None:
            return None
        bounded = any(_keyword(call, k) is not None for k in _REDIS_TIMEOUTS) or any(
            k in url for k in _REDIS_TIMEOUTS
        )
        return DbClient(call.lineno, name, bounded, "no socket_timeout or socket_connect_timeout")
    return None


def _engine(call: ast.Call, name: str) -> DbClient | None:
    """SQLAlchemy: only PostgreSQL and mysqlclient URLs wait without limit by default."""
    url = _string(call.args[0]) if call.args else _string(_keyword(call, "url"))
    if url is None:
        return None  # read from the environment or built at run time: the dialect is unknown
    scheme = url.partition(":")[0].lower()
    postgres = scheme.startswith("postgres") and "asyncpg" not in scheme
    if not postgres and scheme not in ("mysql", "mysql+mysqldb"):
        return None
    database = POSTGRESQL if postgres else ""
    connect_args = _keyword(call, "connect_args")
    if connect_args is not None and not isinstance(connect_args, ast.Dict):
        return None  # built elsewhere: not certain
    entries = _entries(connect_args) if isinstance(connect_args, ast.Dict) else {}
    statement = _statement(url, entries.get("options")) if postgres else ""
    if statement == "unset" and isinstance(connect_args, ast.Dict) and None in connect_args.keys:
        statement = ""  # a `**spread` may carry the options
    if "connect_timeout" in url:
        return DbClient(call.lineno, name, True, "connect_timeout in the URL", database, statement)
    if connect_args is None:
        detail = "no connect_args with a connect_timeout"
        return DbClient(call.lineno, name, False, detail, database, statement)
    bounded = "connect_timeout" in entries
    detail = "connect_args has no connect_timeout"
    return DbClient(call.lineno, name, bounded, detail, database, statement)


def _pika(call: ast.Call, name: str) -> DbClient | None:
    """`pika.BlockingConnection(pika.ConnectionParameters(...))` or `URLParameters("...")`."""
    if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Call):
        return None
    params = call.args[0]
    kind = (dotted(params.func) or "").rpartition(".")[2]
    if kind not in _PIKA_PARAMS or any(k.arg is None for k in params.keywords):
        return None
    if kind == "URLParameters":
        url = _string(params.args[0]) if len(params.args) == 1 else None
        if url is None:
            return None  # from the environment: its query may set the timeout
        bounded = "blocked_connection_timeout" in url
    else:
        if len(params.args) > 8:  # a long positional list may reach blocked_connection_timeout
            return None
        given = _keyword(params, "blocked_connection_timeout")
        bounded = given is not None and not _is_none(given)
    detail = "no blocked_connection_timeout (pika waits without limit while the broker blocks)"
    return DbClient(call.lineno, name, bounded, detail, RABBITMQ)


def _statement(dsn: str, options: ast.expr | None) -> str:
    """Whether libpq's settings set statement_timeout: in the DSN/URL or in `options`."""
    if STATEMENT_TIMEOUT in dsn:
        return "set"
    if options is None:
        return "unset"
    text = _string(options)
    if text is None:
        return ""  # built at run time: unknown
    return "set" if STATEMENT_TIMEOUT in text else "unset"


def _django_databases(value: ast.expr) -> list[DbClient]:
    """`DATABASES = {"default": {"ENGINE": "...postgresql", "OPTIONS": {...}}}` per alias."""
    found: list[DbClient] = []
    if not isinstance(value, ast.Dict):
        return found
    for alias, config in zip(value.keys[:16], value.values[:16], strict=False):
        if not isinstance(config, ast.Dict):
            continue
        entries = {_string(k): v for k, v in zip(config.keys, config.values, strict=False) if k}
        engine = _string(entries.get("ENGINE"))
        if engine is None or not engine.rsplit(".", 1)[-1].startswith(_DJANGO_ENGINES):
            continue
        options = entries.get("OPTIONS")
        if options is not None and not isinstance(options, ast.Dict):
            continue  # built elsewhere: not certain
        keys = _entries(options) if options else {}
        opts = options.keys if options else []
        name = _string(alias) or "?"
        postgres = not engine.rsplit(".", 1)[-1].startswith("mysql")
        found.append(
            DbClient(
                config.lineno,
                f"DATABASES[{name!r}]",
                "connect_timeout" in keys,
                "OPTIONS has no connect_timeout",
                POSTGRESQL if postgres else "",
                _statement("", keys.get("options")) if postgres and None not in opts else "",
            )
        )
    return found


def _entries(node: ast.Dict) -> dict[str, ast.expr]:
    """The literal string keys of a dict display and their values (`**spread` left out)."""
    return {
        key: value
        for k, value in zip(node.keys[:64], node.values[:64], strict=False)
        if (key := _string(k)) is not None
    }


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _assigns(node: ast.Assign, name: str) -> bool:
    return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


PYTHON = FunctionExtractor("dbclients.python", frozenset({"python"}), _extract)
