"""Python syntax newer than the running interpreter, brought down to it line for line.

Used through ParsedFile.readable_tree by the workers' extractors (routes, security checks,
bandit); it imports nothing of gatekeeper's, so any module may use it without an import cycle.
"""

from __future__ import annotations

import ast
import re
import warnings

# Newer syntax the 3.11 parser refuses, rewritten on the same line so the rest of the file can
# be read: PEP 695 `type X = ...` (3.12, common for FastAPI dependency aliases) becomes a plain
# assignment, PEP 758 `except A, B:` (3.14) gets its parentheses back, and PEP 701 f-strings
# that reuse their own quote inside a replacement field (3.12, `f'{d['k']}'`) get the other
# quote there (`f'{d["k"]}'`), the same length, so every line and column stays where it was.
_TYPE_ALIAS = re.compile(r"(?m)^([ \t]{0,40})type[ \t]+([A-Za-z_]\w{0,80})[ \t]*=")
_BARE_EXCEPT_TUPLE = re.compile(
    r"(?m)^([ \t]{0,40}except\*?[ \t]+)([^():\n]{1,200},[^():\n]{1,200}):"
)


def downlevel(text: str) -> tuple[str, ast.Module] | None:
    """The text with the rewrites above (every line where it was) and its ast, or None when
    nothing was rewritten or the result still does not parse."""
    rewritten = _BARE_EXCEPT_TUPLE.sub(r"\1(\2):", _TYPE_ALIAS.sub(r"\1\2 =", text))
    rewritten = _fstring_quotes(rewritten) if "f" in rewritten or "F" in rewritten else rewritten
    if rewritten == text:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return rewritten, ast.parse(rewritten)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_PREFIX_CHARS = frozenset("rRbBuUfF")
_OTHER_QUOTE = {"'": '"', '"': "'"}


def _fstring_quotes(text: str) -> str:
    """The text with PEP 701 quote reuse undone, or the text unchanged when it has none or a
    nested string cannot take the other quote (it holds that quote itself, or a backslash).

    A small scanner over the tokens that matter: comments, string literals with their
    prefixes, f-string replacement fields with their brackets and format specs. Only a
    single-quoted f-string whose field holds a string opened with the f-string's own quote is
    rewritten; every other construct is stepped over as Python 3.11 reads it.
    """
    out = list(text)
    n = len(text)
    changed = False

    def string_end(i: int, quote: str, triple: bool, fmt: bool) -> int:
        """Index just past the string whose body starts at i; -1 when it does not end."""
        close = quote * 3 if triple else quote
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if not triple and c == "\n":
                return -1
            if text.startswith(close, i):
                return i + len(close)
            if fmt and c == "{":
                if text.startswith("{{", i):
                    i += 2
                    continue
                i = field_end(i + 1, quote if not triple else "")
                if i < 0:
                    return -1
                continue
            i += 1
        return -1

    def field_end(i: int, outer: str) -> int:
        """Index just past the `}` closing the replacement field whose expression starts at i.

        outer: the quote of the single-quoted f-string around the field ("" when triple)."""
        nonlocal changed
        depth = 0
        while i < n:
            c = text[i]
            if c in "([{":
                depth += 1
            elif c in ")]" or (c == "}" and depth > 0):
                depth -= 1
            elif c == "}":
                return i + 1
            elif c == ":" and depth == 0:
                # the format spec: literal text that may hold nested fields, up to the `}`
                i += 1
                while i < n and text[i] != "}":
                    if text[i] == "{":
                        i = field_end(i + 1, outer)
                        if i < 0:
                            return -1
                        continue
                    if text[i] == "\n" or text[i] == outer:
                        return -1
                    i += 1
                return i + 1 if i < n else -1
            elif c == "\n" and outer:
                return -1
            elif c in "'\"":
                quote, fmt = string_start(i)
                triple = text.startswith(quote * 3, i)
                body = i + (3 if triple else 1)
                end = string_end(body, quote, triple, fmt)
                if end < 0:
                    return -1
                if outer and quote == outer:
                    if triple:
                        return -1
                    other = _OTHER_QUOTE[quote]
                    inner = text[body : end - 1]
                    if other in inner or "\\" in inner:
                        return -1
                    out[i] = out[end - 1] = other
                    changed = True
                i = end
                continue
            i += 1
        return -1

    def string_start(i: int) -> tuple[str, bool]:
        """(quote, is an f-string) for the quote at i."""
        j = i
        while j > 0 and i - j < 3 and text[j - 1] in _PREFIX_CHARS:
            j -= 1
        if j > 0 and (text[j - 1].isalnum() or text[j - 1] == "_"):
            j = i  # the letters belong to a name: `elif'...'` is not a prefix
        return text[i], "f" in text[j:i].lower()

    i = 0
    while i < n:
        c = text[i]
        if c == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if c in "'\"":
            quote, fmt = string_start(i)
            triple = text.startswith(quote * 3, i)
            end = string_end(i + (3 if triple else 1), quote, triple, fmt)
            if end < 0:
                return text
            i = end
            continue
        i += 1
    return "".join(out) if changed else text
