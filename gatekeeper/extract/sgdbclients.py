"""Database clients created in JavaScript/TypeScript and Go code, from semgrep's inventory rules
gk-obs-js-dbclient and gk-obs-go-dbclient, as the `DbClient` facts the Python extractor gives,
so GK423 and GK424 judge every language alike. Every client matched here is PostgreSQL's; its
`statement` is "set" when its options or literal DSN carry statement_timeout (node-postgres
also query_timeout, both unset by default; lib/pq and pgx pass a DSN's statement_timeout to
the server as a run-time parameter).

Queue clients: amqplib's `amqp.connect(url[, socketOptions])`, where `amqp` is the file's
amqplib namespace, is bounded only by socketOptions.timeout (amqplib's lib/connect.js sets a
socket timeout from it alone; the URL cannot carry one): a call without socket options, or
with an object literal lacking `timeout`, is recorded unbounded; options in a variable or with
a spread are not judged.

Only libraries that wait for a connection without limit by default are matched (node-postgres:
connectionTimeoutMillis defaults to 0, no timeout; lib/pq and pgx: no connect_timeout in the
DSN means no limit). The same precision rules as in `dbclients` hold: only a client whose
settings are written out is judged; options that are a variable or carry a spread, a DSN read
from the environment, a pgx context that may carry a deadline are not. Java is not covered: the
usual clients there have bounded defaults (pgjdbc connectTimeout 10 s, Jedis 2 s, Lettuce 10 s).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gatekeeper.engines.semgrep import MAX_METAVAR_CHARS, InventoryMatch
from gatekeeper.extract.dbclients import MAX_CLIENTS, POSTGRESQL, RABBITMQ, DbClient
from gatekeeper.extract.sgobservability import RULE_PREFIX, skipped
from gatekeeper.routes.sgtext import by_rule, string_literal

JS_DBCLIENT = "gk-obs-js-dbclient"
GO_DBCLIENT = "gk-obs-go-dbclient"

MAX_TEXT_CHARS = 200_000  # how much of a file is searched for its pg imports
_NAME = r"[A-Za-z_$][\w$]{0,60}"
_PG = r"""['"]pg['"]"""
_PG_NAMESPACES = (
    re.compile(
        rf"import\s+(?:\*\s+as\s+)?({_NAME})\s*(?:,\s*\{{[^}}]{{0,500}}\}})?\s*from\s*{_PG}"
    ),
    re.compile(rf"({_NAME})\s*=\s*require\(\s*{_PG}\s*\)"),
)
_PG_NAMED = (
    re.compile(rf"import\s+(?:{_NAME}\s*,\s*)?\{{([^}}]{{0,500}})\}}\s*from\s*{_PG}"),
    re.compile(rf"\{{([^}}]{{0,500}})\}}\s*=\s*require\(\s*{_PG}\s*\)"),
)
_CONNECTION_STRING = re.compile(r"""\bconnectionString\b\s*(:\s*(['"`])([^'"`\n]{0,1000})\2)?""")
_JS_TIMEOUT = re.compile(r"\bconnectionTimeoutMillis\b")
_AMQP = r"""['"]amqplib['"]"""
_AMQP_NAMESPACES = (
    re.compile(rf"import\s+(?:\*\s+as\s+)?({_NAME})\s+from\s*{_AMQP}"),
    re.compile(rf"({_NAME})\s*=\s*require\(\s*{_AMQP}\s*\)"),
)
_AMQP_TIMEOUT = re.compile(r"\btimeout\s*[:,}]")
# node-postgres: statement_timeout (sent to the server) or query_timeout (client side), as keys or
# in a literal connection string; both default to no limit.
_JS_STATEMENT = re.compile(r"\b(?:statement_timeout|query_timeout)\b")
_GO_DRIVERS = frozenset({"postgres", "pgx", "pgx/v5"})
_GO_IMPORTS = {
    "sql": ("database/sql",),
    "sqlx": ("github.com/jmoiron/sqlx",),
    "pgx": ("github.com/jackc/pgx",),
    "pgxpool": ("github.com/jackc/pgx",),
}
_NO_DEADLINE = frozenset({"context.Background()", "context.TODO()"})


@dataclass(frozen=True, slots=True)
class _PgNames:
    """The names a file gives node-postgres: its namespaces (`pg`) and its imported classes;
    and the names it gives amqplib's promise API (`amqp`)."""

    namespaces: frozenset[str]
    classes: frozenset[str]
    amqp: frozenset[str] = frozenset()


def resolve(
    matches: Iterable[InventoryMatch],
    imports: Callable[[str], frozenset[str]],
    text_of: Callable[[str], str | None],
) -> tuple[tuple[str, DbClient], ...]:
    """The judged database clients of the inventory matches, by file and line (tests left out)."""
    rules = by_rule(matches, RULE_PREFIX)
    per_file: dict[str, dict[int, DbClient]] = {}
    names: dict[str, _PgNames] = {}
    for match in rules.get(JS_DBCLIENT, ()):
        if skipped(match.path):
            continue
        if match.path not in names:
            names[match.path] = _pg_names(text_of(match.path) or "")
        _keep(per_file, match.path, _js_client(match, names[match.path]))
    for match in rules.get(GO_DBCLIENT, ()):
        if not skipped(match.path):
            _keep(per_file, match.path, _go_client(match, imports(match.path)))
    return tuple(
        (path, client)
        for path, found in sorted(per_file.items())
        for client in sorted(found.values())
    )


def _keep(per_file: dict[str, dict[int, DbClient]], path: str, client: DbClient | None) -> None:
    if client is None:
        return
    mine = per_file.setdefault(path, {})
    if len(mine) < MAX_CLIENTS and client.line not in mine:
        mine[client.line] = client


# ---------------------------------------------------------------------------- node-postgres


def _pg_names(text: str) -> _PgNames:
    text = text[:MAX_TEXT_CHARS]
    namespaces = {m.group(1) for pattern in _PG_NAMESPACES for m in pattern.finditer(text)}
    lists = [m.group(1) for pattern in _PG_NAMED for m in pattern.finditer(text)]
    for namespace in sorted(namespaces)[:8]:  # const { Pool } = pg
        lists.extend(re.findall(rf"\{{([^}}]{{0,500}})\}}\s*=\s*{re.escape(namespace)}\b", text))
    classes: set[str] = set()
    for listed in lists[:32]:
        for item in listed.split(",")[:64]:
            parts = re.split(r"\s+as\s+|\s*:\s*", item.strip(), maxsplit=1)
            original, local = parts[0].strip(), parts[-1].strip()
            if original in ("Pool", "Client") and local == original:
                classes.add(original)  # `{ Pool as PgPool }` leaves `Pool` to something else
    amqp = {m.group(1) for pattern in _AMQP_NAMESPACES for m in pattern.finditer(text)}
    return _PgNames(frozenset(namespaces), frozenset(classes), frozenset(amqp))


def _js_client(match: InventoryMatch, names: _PgNames) -> DbClient | None:
    amqp = match.get("AMQP")
    if amqp is not None:
        return _amqp_client(match, amqp, names)
    client, namespace, opts = match.get("CLIENT") or "", match.get("PG"), match.get("OPTS")
    if namespace is not None and namespace in names.namespaces:
        callee = f"new {namespace}.{client}"
    elif client in names.classes:
        callee = f"new {client}"
    else:
        return None  # not node-postgres's Pool or Client
    bounded = _pg_options_bound(opts or "")
    if bounded is None:
        return None
    statement = "set" if _JS_STATEMENT.search(opts or "") else "unset"
    detail = "no connectionTimeoutMillis in the options"
    return DbClient(match.line, callee, bounded, detail, POSTGRESQL, statement)


def _amqp_client(match: InventoryMatch, namespace: str, names: _PgNames) -> DbClient | None:
    if namespace not in names.amqp:
        return None  # not amqplib's connect
    opts = (match.get("SOCKOPTS") or "").strip()
    if not opts:
        bounded = False
    elif not opts.startswith("{") or "..." in opts or len(opts) >= MAX_METAVAR_CHARS:
        return None  # socket options that cannot be read
    else:
        bounded = _AMQP_TIMEOUT.search(opts) is not None
    detail = "no timeout in the socket options"
    return DbClient(match.line, f"{namespace}.connect", bounded, detail, RABBITMQ)


def _pg_options_bound(text: str) -> bool | None:
    """Whether an options object literal bounds the connect wait; None when it cannot be read
    (a variable, a spread, cut short, a connection string that is not a literal)."""
    text = text.strip()
    if not text.startswith("{") or "..." in text or len(text) >= MAX_METAVAR_CHARS:
        return None
    if _JS_TIMEOUT.search(text):
        return True
    url = _CONNECTION_STRING.search(text)
    if url is None:
        return False
    literal = url.group(3)
    if literal is None or "${" in literal:
        return None  # from the environment or built at run time
    return "connect_timeout" in literal


# ---------------------------------------------------------------------------- go


def _go_client(match: InventoryMatch, imports: frozenset[str]) -> DbClient | None:
    client, verb = match.get("CLIENT") or "", match.get("VERB") or ""
    wanted = _GO_IMPORTS.get(client, ())
    if not any(name == m or name.startswith(m + "/") for name in imports for m in wanted):
        return None
    if client in ("sql", "sqlx"):
        driver = string_literal(match.get("DRIVER") or "")
        if driver not in _GO_DRIVERS:
            return None
    elif (match.get("CTX") or "").replace(" ", "") not in _NO_DEADLINE:
        return None  # the context may carry a deadline
    dsn = string_literal(match.get("DSN") or "")
    if dsn is None:
        return None  # read from the environment or built at run time
    bounded = "connect_timeout" in dsn
    statement = "set" if "statement_timeout" in dsn else "unset"
    detail = "no connect_timeout in the DSN"
    return DbClient(match.line, f"{client}.{verb}", bounded, detail, POSTGRESQL, statement)
