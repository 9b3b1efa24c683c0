"""Small readers of literal values in a Python syntax tree, shared by the migration extractors.

Every helper looks at most a few levels into a node, so hostile nesting costs nothing.
"""

from __future__ import annotations

import ast

from gatekeeper.extract.pyparse import dotted as dotted  # shared with the other extractors

MAX_TEXT = 120  # longest rendering of a type or default kept in the model
_MAX_DEPTH = 3  # levels of a call rendered in a type: sa.Numeric(10, 2), ARRAY(sa.String(20))
# Wrappers around a string that still mean that string: op.f("ix_name"), sa.text("SQL").
_STRING_WRAPPERS = frozenset({"f", "text", "literal_column", "_", "gettext_lazy"})


def callee(call: ast.Call) -> str:
    """The last name of what is called: "Column" for sa.Column(...), "" when not a name."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def string(node: ast.AST | None) -> str | None:
    """A string literal's value, seen through op.f("...") and sa.text("...")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (
        isinstance(node, ast.Call)
        and callee(node) in _STRING_WRAPPERS
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def boolean(node: ast.AST | None) -> bool | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


def strings(node: ast.AST | None) -> tuple[str, ...] | None:
    """A list, tuple or set of string literals (a lone string counts as one); else None."""
    single = string(node)
    if single is not None:
        return (single,)
    if not isinstance(node, ast.List | ast.Tuple | ast.Set):
        return None
    values = [string(element) for element in node.elts]
    if any(v is None for v in values):
        return None
    return tuple(v for v in values if v is not None)


def argument(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    """The argument given by keyword, or else at `position` among the positional ones."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None and position < len(call.args):
        node = call.args[position]
        return None if isinstance(node, ast.Starred) else node
    return None


def has_keyword(call: ast.Call, keyword: str) -> bool:
    return any(kw.arg == keyword for kw in call.keywords)


def render(node: ast.AST | None, depth: int = 0) -> str:
    """Short, bounded text for a type or default: `String(50)`, `func.now()`, `'x'`."""
    text = _render(node, depth)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _render(node: ast.AST | None, depth: int) -> str:
    if node is None:
        return ""
    if isinstance(node, ast.Constant):
        return repr(node.value)[:MAX_TEXT]
    name = dotted(node)
    if name is not None:
        return name
    if isinstance(node, ast.Call) and depth < _MAX_DEPTH:
        func = dotted(node.func) or "?"
        parts = [_render(a, depth + 1) for a in node.args[:6]]
        parts += [f"{kw.arg}={_render(kw.value, depth + 1)}" for kw in node.keywords[:6] if kw.arg]
        return f"{func}({', '.join(parts)})"
    if isinstance(node, ast.List | ast.Tuple) and depth < _MAX_DEPTH:
        return "[" + ", ".join(_render(e, depth + 1) for e in node.elts[:6]) + "]"
    return "..."


def type_text(node: ast.AST | None) -> str:
    """A column type as gatekeeper compares it: module prefixes dropped, lower case."""
    if node is None:
        return ""
    if isinstance(node, ast.Call):
        inner = render(node)
        head, paren, rest = inner.partition("(")
        text = (head.rpartition(".")[2] + paren + rest).lower()
        return text.removesuffix("()")  # sa.Integer() and sa.Integer are one type
    return render(node).rpartition(".")[2].lower()


def call_lines(calls: list[ast.Call]) -> list[ast.Call]:
    """Calls in source order."""
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))
