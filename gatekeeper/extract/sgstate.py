"""Process-local state in JavaScript/TypeScript services, from semgrep's inventory matches
(rules/observability/gk-obs-js-session.yaml): express-session set up without a `store`, which
keeps every session in its MemoryStore inside one process. The same fact the Python side gives
(`StateSighting`, kind "session"), so the scaling criterion judges both alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.extract.sgobservability import RULE_PREFIX, skipped
from gatekeeper.extract.statefulness import StateSighting
from gatekeeper.routes.sgtext import by_rule

JS_SESSION = "gk-obs-js-session"
MAX_PER_FILE = 10
# `const session = require('express-session')`, `import session from "express-session"`.
_IMPORTED = re.compile(
    r"""(?:const|let|var|import)\s+([A-Za-z_$][\w$]{0,60})\s*(?:=\s*require\(\s*['"]express-session['"]\s*\)|from\s+['"]express-session['"])"""
)
# A `store` key in the options literal: `store: new RedisStore(...)`, or shorthand `{ store }`.
_STORE = re.compile(r"(?:^|[{,\s])store\s*(?::|,|\})")


def resolve(
    matches: Iterable[InventoryMatch], text_of: Callable[[str], str | None]
) -> tuple[tuple[str, StateSighting], ...]:
    found: list[tuple[str, StateSighting]] = []
    names: dict[str, frozenset[str]] = {}
    per_file: dict[str, int] = {}
    for match in by_rule(matches, RULE_PREFIX).get(JS_SESSION, ()):
        if skipped(match.path) or per_file.get(match.path, 0) >= MAX_PER_FILE:
            continue
        if match.path not in names:
            text = text_of(match.path) or ""
            names[match.path] = frozenset(_IMPORTED.findall(text[:200_000]))
        options = (match.get("OPTS") or "").strip()
        if match.get("FUNC") not in names[match.path] or not options.startswith("{"):
            continue
        if not options.endswith("}"):
            continue  # cut at the metavariable cap: a store may follow
        if _STORE.search(options):
            continue
        per_file[match.path] = per_file.get(match.path, 0) + 1
        found.append(
            (
                match.path,
                StateSighting(
                    match.line,
                    "session",
                    "",
                    "express-session keeps sessions in its in-process MemoryStore (no store "
                    "option)",
                ),
            )
        )
    return tuple(sorted(found))
