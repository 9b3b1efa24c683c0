"""Database and queue clients created in Python code, and whether each bounds its connect wait.

Only clients whose library waits without limit by default are recorded: libpq (psycopg,
psycopg2, SQLAlchemy's PostgreSQL dialects) has no connect timeout unless `connect_timeout` is
given, in the call or in the URL/DSN; mysqlclient (MySQLdb) neither; redis-py's sockets wait
forever without `socket_timeout`/`socket_connect_timeout`. Clients with bounded defaults
(asyncpg 60 s, PyMySQL 10 s, pymongo 20-30 s, pika 10 s) are not recorded. A call that passes
`**options` or a URL gatekeeper cannot read is not recorded either: a finding must be certain.
Runs in the workers over the shared ast.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.extract.pyparse import dotted

MAX_CLIENTS = 200
_MARKERS = ("create_engine", "connect(", "Redis", "from_url", "DATABASES")
_ENGINE_CALLS = frozenset({"create_engine", "create_async_engine"})
_PG_CONNECT = frozenset({"psycopg2.connect", "psycopg.connect", "psycopg.AsyncConnection.connect"})
_MYSQL_CONNECT = frozenset({"MySQLdb.connect", "MySQLdb.Connect"})
_REDIS = frozenset({"Redis", "StrictRedis", "redis.Redis", "redis.StrictRedis", "aioredis.Redis"})
_REDIS_TIMEOUTS = ("socket_timeout", "socket_connect_timeout")
_DJANGO_ENGINES = ("postgresql", "postgis", "mysql")


@dataclass(frozen=True, slots=True, order=True)
class DbClient:
    line: int
    client: str  # what is created, as written: "create_engine", "redis.Redis.from_url"
    bounded: bool  # a connect (or socket) timeout is set
    detail: str  # what was looked at: "connect_args has no connect_timeout"


@dataclass(frozen=True, slots=True)
class DbClients:
    path: str
    clients: tuple[DbClient, ...]


def _extract(pf: ParsedFile) -> DbClients | None:
    if pf.tree is None or not any(marker in pf.text for marker in _MARKERS):
        return None
    found: list[DbClient] = []
    for node in pf.nodes:
        if len(found) >= MAX_CLIENTS:
            break
        if isinstance(node, ast.Call):
            client = _client(node)
            if client is not None:
                found.append(client)
        elif isinstance(node, ast.Assign) and _assigns(node, "DATABASES"):
            found.extend(_django_databases(node.value))
    return DbClients(pf.path, tuple(sorted(set(found)))) if found else None


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
        return DbClient(call.lineno, name, bounded, "no connect_timeout in the call or the DSN")
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
    unbounded_dialect = scheme.startswith("postgres") and "asyncpg" not in scheme
    unbounded_dialect |= scheme in ("mysql", "mysql+mysqldb")
    if not unbounded_dialect:
        return None
    if "connect_timeout" in url:
        return DbClient(call.lineno, name, True, "connect_timeout in the URL")
    connect_args = _keyword(call, "connect_args")
    if connect_args is None:
        return DbClient(call.lineno, name, False, "no connect_args with a connect_timeout")
    if not isinstance(connect_args, ast.Dict):
        return None  # built elsewhere: not certain
    keys = {_string(k) for k in connect_args.keys if k is not None}
    bounded = "connect_timeout" in keys
    return DbClient(call.lineno, name, bounded, "connect_args has no connect_timeout")


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
        keys = {_string(k) for k in options.keys if k is not None} if options else set()
        name = _string(alias) or "?"
        found.append(
            DbClient(
                config.lineno,
                f"DATABASES[{name!r}]",
                "connect_timeout" in keys,
                "OPTIONS has no connect_timeout",
            )
        )
    return found


def _assigns(node: ast.Assign, name: str) -> bool:
    return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


PYTHON = FunctionExtractor("dbclients.python", frozenset({"python"}), _extract)
