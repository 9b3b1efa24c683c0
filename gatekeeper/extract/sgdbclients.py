"""Database clients created in JavaScript/TypeScript and Go code, from semgrep's inventory rules
gk-obs-js-dbclient and gk-obs-go-dbclient, as the `DbClient` facts the Python extractor gives,
so GK423 judges every language alike.

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
from gatekeeper.extract.dbclients import MAX_CLIENTS, DbClient
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
    """The names a file gives node-postgres: its namespaces (`pg`) and its imported classes."""

    namespaces: frozenset[str]
    classes: frozenset[str]


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
    return _PgNames(frozenset(namespaces), frozenset(classes))


def _js_client(match: InventoryMatch, names: _PgNames) -> DbClient | None:
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
    return DbClient(match.line, callee, bounded, "no connectionTimeoutMillis in the options")


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
    return DbClient(match.line, f"{client}.{verb}", bounded, "no connect_timeout in the DSN")
