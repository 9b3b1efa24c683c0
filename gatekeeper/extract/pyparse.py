"""Python parsing for the workers: ast first, libcst for syntax newer than this interpreter.

libcst's native parser can crash the process on pathological nesting, so a cheap pre-scan
refuses the inputs known to do that; the worker pool contains whatever it misses.
"""

from __future__ import annotations

import ast
import collections
import re
import sys
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst

# libcst segfaults at about 2,000 nested brackets and 10,000 elif branches; stay well below.
MAX_BRACKET_DEPTH = 500
MAX_ELIF_BRANCHES = 5000

_BRACKET = re.compile(r"[\[\](){}]")
_ELIF = re.compile(r"^[ \t]*elif\b", re.MULTILINE)
_RUNNING = f"Python {sys.version_info.major}.{sys.version_info.minor}"
_EXCLUDE_HINT = "exclude the file if it is generated"


class PythonUnparsableError(Exception):
    """The file cannot be parsed (safely); the message is the reason shown to the user."""


def parse(text: str) -> tuple[ast.Module | None, libcst.Module | None]:
    """Return (ast, None), or (None, cst) for syntax only libcst knows; raise when neither works."""
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences and the like are the target's business, not ours.
            warnings.simplefilter("ignore")
            return ast.parse(text), None
    except SyntaxError as exc:
        if exc.lineno is None and "null bytes" in str(exc.msg):
            raise PythonUnparsableError("binary content (NUL byte in the python source)") from exc
        syntax_error = exc
    except (RecursionError, MemoryError) as exc:
        # CPython's parser gives up on deep nesting with these; libcst would crash outright.
        raise PythonUnparsableError(
            f"python source nested too deeply for the parser ({type(exc).__name__}); "
            + _EXCLUDE_HINT
        ) from exc
    except ValueError as exc:  # NUL bytes, on interpreters that report them this way
        raise PythonUnparsableError(f"binary content ({exc})") from exc
    reason = (
        f"python syntax error at line {syntax_error.lineno or '?'}: {syntax_error.msg} "
        f"(gatekeeper parses {_RUNNING} with ast, newer syntax with libcst)"
    )
    try:
        return None, parse_cst(text)
    except PythonUnparsableError as exc:
        raise PythonUnparsableError(f"{reason}; {exc}") from exc


def parse_cst(text: str) -> libcst.Module:
    """Parse with libcst after the pre-scan; raise PythonUnparsableError on any failure."""
    hazard = cst_hazard(text)
    if hazard is not None:
        raise PythonUnparsableError(f"libcst not run: {hazard}")
    import libcst  # deferred: most workers never need it, and it is large

    try:
        return libcst.parse_module(text)
    except libcst.ParserSyntaxError as exc:
        raise PythonUnparsableError(
            f"libcst: syntax error at line {exc.raw_line}, column {exc.raw_column}"
        ) from exc
    except RecursionError as exc:
        raise PythonUnparsableError(
            f"libcst: nesting too deep (RecursionError); {_EXCLUDE_HINT}"
        ) from exc


def cst_hazard(text: str) -> str | None:
    """Why libcst must not see this text (it would crash the process), or None."""
    depth = 0
    for match in _BRACKET.finditer(text):
        if match.group() in "([{":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                return (
                    f"brackets nested more than {MAX_BRACKET_DEPTH} deep "
                    f"(libcst crashes on deep nesting); {_EXCLUDE_HINT}"
                )
        elif depth:
            depth -= 1
    for elifs, _ in enumerate(_ELIF.finditer(text), 1):
        if elifs > MAX_ELIF_BRANCHES:
            return (
                f"more than {MAX_ELIF_BRANCHES} elif branches "
                f"(libcst crashes on very long if chains); {_EXCLUDE_HINT}"
            )
    return None


def dotted(node: ast.AST) -> str | None:
    """ "sa.Column" for sa.Column, "x" for x; None for anything that is not a dotted name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


_STATEMENT_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def statements(tree: ast.AST) -> Iterator[ast.AST]:
    """Every statement under `tree` (with except handlers and match cases), in the order
    ast.walk visits them, without visiting a single expression node: statements only ever
    nest inside statements, so an import or a definition is found for a fraction of the cost
    of walking the whole tree."""
    todo = collections.deque([tree])
    while todo:
        node = todo.popleft()
        for name in node._fields:  # in field order, as ast.walk
            if name in _STATEMENT_FIELDS:
                children = getattr(node, name, None)
                if isinstance(children, list):
                    todo.extend(children)
        if node is not tree:
            yield node
