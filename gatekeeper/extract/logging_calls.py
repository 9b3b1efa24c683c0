"""Logging in Python code: structured-logger setup, print calls, interpolated log messages,
exceptions swallowed without a trace, and secrets handed to a log call. Runs in the workers
over the shared ast; every sighting keeps its line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.extract.pyparse import dotted

MAX_SIGHTINGS = 500
_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "msg"}
)
_LOGGER_NAMES = re.compile(r"(?:^|\.)(?:log|logger|logging|_log|_logger|LOG|LOGGER|structlog)$")
_SECRET = re.compile(
    r"password|passwd|secret|token|authorization|api_?key|credential|private_?key",
    re.IGNORECASE,
)
# Setups that make log records structured (JSON or key-value events).
_STRUCTURED_IMPORTS = ("structlog", "pythonjsonlogger", "json_log_formatter", "ecs_logging")
_STRUCTURED_TEXT = re.compile(
    r"pythonjsonlogger|JsonFormatter|JSONFormatter|json_log_formatter|serialize\s*=\s*True"
    r"|structlog\.configure|ecs_logging"
)


@dataclass(frozen=True, slots=True, order=True)
class LogSighting:
    line: int
    kind: str  # structured | print | interpolated | swallowed | secret
    detail: str


@dataclass(frozen=True, slots=True)
class LoggingFacts:
    path: str
    sightings: tuple[LogSighting, ...]


def _extract(pf: ParsedFile) -> LoggingFacts | None:
    if pf.tree is None:
        return None
    found: list[LogSighting] = []

    def add(line: int, kind: str, detail: str) -> None:
        if len(found) < MAX_SIGHTINGS:
            found.append(LogSighting(line, kind, detail[:120]))

    for node in pf.nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for name in names:
                if name.split(".")[0] in _STRUCTURED_IMPORTS:
                    add(node.lineno, "structured", f"imports {name}")
        elif isinstance(node, ast.Call):
            _call(node, add)
        elif isinstance(node, ast.ExceptHandler) and _swallows(node):
            caught = dotted(node.type) if node.type is not None else "everything"
            add(node.lineno, "swallowed", f"except {caught}: pass")
    for number, line in enumerate(pf.text.splitlines()[:50_000], 1):
        match = _STRUCTURED_TEXT.search(line[:400])
        if match:
            add(number, "structured", match.group())
            break
    if not found:
        return None
    return LoggingFacts(pf.path, tuple(sorted(set(found))))


def _call(node: ast.Call, add: Callable[[int, str, str], None]) -> None:
    name = dotted(node.func)
    if name == "print":
        add(node.lineno, "print", "print(...)")
        return
    if not isinstance(node.func, ast.Attribute) or node.func.attr not in _LOG_METHODS:
        return
    owner = dotted(node.func.value) or ""
    if not _LOGGER_NAMES.search(owner) and not owner.endswith("logger"):
        return
    message = node.args[0] if node.args else None
    if isinstance(message, ast.JoinedStr):
        add(node.lineno, "interpolated", f'{name}(f"...")')
    elif isinstance(message, ast.BinOp) and isinstance(message.op, ast.Mod):
        add(node.lineno, "interpolated", f'{name}("..." % ...)')
    elif (
        isinstance(message, ast.Call)
        and isinstance(message.func, ast.Attribute)
        and message.func.attr == "format"
    ):
        add(node.lineno, "interpolated", f'{name}("...".format(...))')
    values: list[ast.expr] = [*node.args[1:], *(k.value for k in node.keywords)]
    for extra in [v for v in values if isinstance(v, ast.Dict)]:  # extra={"password": ...}
        values.extend(k for k in extra.keys if k is not None)
        values.extend(extra.values)
    for value in values:
        shown = dotted(value) or (value.value if isinstance(value, ast.Constant) else "")
        if isinstance(shown, str) and shown and _SECRET.search(shown.rsplit(".", 1)[-1]):
            add(node.lineno, "secret", f"{name}(..., {shown})")
            break
    for keyword in node.keywords:
        if keyword.arg and _SECRET.search(keyword.arg) and keyword.arg != "exc_info":
            add(node.lineno, "secret", f"{name}(..., {keyword.arg}=...)")
            break
    if isinstance(message, ast.JoinedStr):
        for part in message.values:
            if isinstance(part, ast.FormattedValue):
                shown = dotted(part.value) or ""
                if shown and _SECRET.search(shown.rsplit(".", 1)[-1]):
                    add(node.lineno, "secret", f'{name}(f"...{{{shown}}}...")')
                    break


def _swallows(handler: ast.ExceptHandler) -> bool:
    """`except ...: pass` (or `...`/`continue`) that neither logs, re-raises nor returns."""
    body = handler.body
    return (
        bool(body)
        and all(
            isinstance(s, ast.Pass | ast.Continue)
            or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            for s in body
        )
        and _broad(handler.type)
    )


def _broad(node: ast.expr | None) -> bool:
    """A bare except or `except Exception` / `BaseException`: narrow ones are deliberate."""
    if node is None:
        return True
    return dotted(node) in ("Exception", "BaseException")


PYTHON = FunctionExtractor("logging.python", frozenset({"python"}), _extract)
