"""Inline suppression comments (`gatekeeper: ignore[ID] reason`) in source files, so that the
ones without a reason, past their `until` date or suppressing nothing can be reported.

Python comments are found with the tokenizer (a string that merely contains the words is not a
comment); other languages by line, on lines where the marker stands after `#`, `//`, `--` or
`/*`. Files without the marker are not looked at twice.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass

from gatekeeper import policy
from gatekeeper.extract.base import FunctionExtractor, ParsedFile

MARKER = "gatekeeper:"
MAX_COMMENTS = 1000
LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "java", "kotlin"})


@dataclass(frozen=True, slots=True, order=True)
class SuppressionComment:
    line: int
    ids: tuple[str, ...]
    reason: str
    until: str | None
    standalone: bool  # alone on its line: it covers the next line too


@dataclass(frozen=True, slots=True)
class SuppressionComments:
    path: str
    comments: tuple[SuppressionComment, ...]


def _python_comments(text: str) -> list[tuple[int, str, bool]] | None:
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and MARKER in tok.string:
                standalone = not tok.line[: tok.start[1]].strip()
                found.append((tok.start[0], tok.string, standalone))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None  # fall back to lines
    return found


def _line_comments(text: str) -> list[tuple[int, str, bool]]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if MARKER in line:
            found.append((number, line, line.lstrip().startswith(("#", "//", "--", "/*"))))
    return found


def _extract(pf: ParsedFile) -> SuppressionComments | None:
    if MARKER not in pf.text:
        return None
    candidates = _python_comments(pf.text) if pf.language == "python" else None
    if candidates is None:
        candidates = _line_comments(pf.text)
    comments = []
    for line, text, standalone in candidates[:MAX_COMMENTS]:
        inline = policy.parse_inline(text)
        if inline is not None:
            comments.append(
                SuppressionComment(line, inline.ids, inline.reason, inline.until, standalone)
            )
    return SuppressionComments(pf.path, tuple(comments)) if comments else None


EXTRACTOR = FunctionExtractor("suppressions", LANGUAGES, _extract)
