"""Reading what semgrep's inventory rules bound: argument lists, string literals and names, for
the Express, Gin and Spring resolvers. Every scan here is linear and bounded by the text's cap.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.routes.model import AppHook, Route

MAX_ARGS = 64  # arguments read from one bound argument list
ANONYMOUS = "(anonymous)"
_OPEN = {"(": ")", "[": "]", "{": "}"}
_QUOTES = "'\"`"
_DOTTED = re.compile(r"[A-Za-z_$][\w$]{0,100}(?:\s*\.\s*[A-Za-z_$][\w$]{0,100}){0,10}")
_CALLEE = re.compile(
    r"(?:new\s+)?([A-Za-z_$][\w$]{0,100}(?:\s*\.\s*[A-Za-z_$][\w$]{0,100}){0,10})\s*\("
)
_OPTIONAL_ARGS = re.compile(
    r"^\s*false\s*\)|\b(?:credentialsRequired|required|auto_?error)\s*:\s*false\b", re.IGNORECASE
)
_FUNCTION = re.compile(r"(?:async\s+)?function\b\s*\*?\s*([A-Za-z_$][\w$]{0,100})?|func\s*\(")
_ARROW = re.compile(
    r"(?:async\s+)?(?:\([^()]{0,400}\)|[A-Za-z_$][\w$]{0,100})\s*(?::[^=]{0,200})?=>"
)
_WRAPPED = re.compile(
    r"[A-Za-z_$][\w$.]{0,100}\(\s*([A-Za-z_$][\w$]{0,100}(?:\.[A-Za-z_$][\w$]{0,100}){0,5})\s*\)"
)


@dataclass(frozen=True, slots=True)
class EngineRoutes:
    """Routes and app hooks resolved from one language's inventory matches."""

    routes: tuple[Route, ...] = ()
    hooks: tuple[AppHook, ...] = ()
    problems: tuple[tuple[str, int, str], ...] = ()  # (file, line, message)


def by_rule(matches: Iterable[InventoryMatch], prefix: str) -> dict[str, list[InventoryMatch]]:
    """Matches of the rules whose id starts with `prefix`, by rule id, in file order."""
    out: dict[str, list[InventoryMatch]] = defaultdict(list)
    for match in sorted(matches):
        if match.rule.startswith(prefix):
            out[match.rule].append(match)
    return out


def split_args(text: str) -> list[str]:
    """A bound argument list ("a, b(c, d), [e]") split at its top-level commas.

    Brackets and string literals are skipped over; a list cut short by the text cap keeps what
    is complete.
    """
    parts: list[str] = []
    stack: list[str] = []
    quote = ""
    start = 0
    i = 0
    n = len(text)
    while i < n and len(parts) < MAX_ARGS:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in _QUOTES:
            quote = ch
        elif ch in _OPEN:
            stack.append(_OPEN[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch == "," and not stack:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    tail = text[start:].strip()
    if tail and not quote and not stack and len(parts) < MAX_ARGS:
        parts.append(tail)
    return [p for p in parts if p]


def string_literal(text: str) -> str | None:
    """The value of a plain string literal ('x', "x", `x` without ${...}), else None."""
    text = text.strip()
    if len(text) < 2 or text[0] not in _QUOTES or text[-1] != text[0]:
        return None
    body = text[1:-1]
    if text[0] in body.replace("\\" + text[0], ""):
        return None  # two literals joined, not one
    if text[0] == "`" and "${" in body:
        return None
    return body.replace("\\" + text[0], text[0])


def dotted(text: str) -> str | None:
    """`name` or `a.b.c` (spaces around dots dropped), else None."""
    text = text.strip()
    match = _DOTTED.fullmatch(text)
    return re.sub(r"\s+", "", match.group(0)) if match else None


def is_function(text: str) -> bool:
    """An inline function: `function (...) {}`, `(req, res) => ...`, Go `func(c *gin.Context)`."""
    text = text.lstrip()
    return bool(_FUNCTION.match(text) or _ARROW.match(text))


def function_name(text: str) -> str | None:
    """The name of `function name(...)`, else None."""
    match = _FUNCTION.match(text.lstrip())
    return match.group(1) if match and match.group(1) else None


def callee(text: str) -> str:
    """What a middleware argument names: `auth.required` as is, `rateLimit({...})` as
    `rateLimit`, an inline function as (anonymous)."""
    text = text.strip()
    name = dotted(text)
    if name is not None:
        return name
    if is_function(text):
        return function_name(text) or ANONYMOUS
    match = _CALLEE.match(text)
    if match:
        name = re.sub(r"\s+", "", match.group(1))
        # `AuthMiddleware(false)`, `jwt({..., credentialsRequired: false})`: a check that lets
        # anonymous callers through says so in its name.
        return name + "(optional)" if _OPTIONAL_ARGS.search(text[match.end() :]) else name
    return text[:80]


def handler_name(text: str) -> str:
    """A route handler as written: `usersController.list`, a wrapped `asyncHandler(ctrl.list)`
    as `ctrl.list`, `function named(...)` as `named`, any other inline function (anonymous)."""
    text = text.strip()
    name = dotted(text)
    if name is not None:
        return name
    if is_function(text):
        return function_name(text) or ANONYMOUS
    wrapped = _WRAPPED.fullmatch(text)
    if wrapped:
        return wrapped.group(1)
    return callee(text)


def joined_string(text: str, constants: Mapping[str, str]) -> str | None:
    """A path written as literals and constants joined with `+` (`API + "/users"`), resolved
    through `constants` (name -> value; `Paths.USERS` is looked up as USERS), else None."""
    pieces = [p.strip() for p in text.split("+")][:16]
    out: list[str] = []
    for piece in pieces:
        value = string_literal(piece)
        if value is None:
            name = dotted(piece)
            if name is None:
                return None
            value = constants.get(name, constants.get(name.rsplit(".", 1)[-1]))
            if value is None:
                return None
        out.append(value)
    return "".join(out) if out else None


def first_line_with(
    lines: Sequence[str] | None,
    start: int,
    end: int,
    needle: str,
    *,
    anywhere: bool = False,
    limit: int = 40,
) -> int:
    """The first line in [start, end] (1-based) whose text starts with `needle` once indented
    (or holds it anywhere); `start` when there is none or the file cannot be read."""
    if lines is None:
        return start
    for number in range(start, min(end, start + limit, len(lines)) + 1):
        text = lines[number - 1]
        if (needle in text) if anywhere else text.lstrip().startswith(needle):
            return number
    return start
