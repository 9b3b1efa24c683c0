"""Python syntax newer than the running interpreter, brought down to it line for line.

Shared by the workers (routes, security checks) and the bandit wrapper; it imports nothing of
gatekeeper's, so any module may use it without an import cycle.
"""

from __future__ import annotations

import ast
import re
import warnings

# Newer syntax the 3.11 parser refuses, rewritten on the same line so the rest of the file can
# be read: PEP 695 `type X = ...` (3.12, common for FastAPI dependency aliases) becomes a plain
# assignment, PEP 758 `except A, B:` (3.14) gets its parentheses back.
_TYPE_ALIAS = re.compile(r"(?m)^([ \t]{0,40})type[ \t]+([A-Za-z_]\w{0,80})[ \t]*=")
_BARE_EXCEPT_TUPLE = re.compile(
    r"(?m)^([ \t]{0,40}except\*?[ \t]+)([^():\n]{1,200},[^():\n]{1,200}):"
)


def downlevel(text: str) -> tuple[str, ast.Module] | None:
    """The text with the rewrites above (every line where it was) and its ast, or None when
    nothing was rewritten or the result still does not parse."""
    rewritten = _BARE_EXCEPT_TUPLE.sub(r"\1(\2):", _TYPE_ALIAS.sub(r"\1\2 =", text))
    if rewritten == text:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return rewritten, ast.parse(rewritten)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
