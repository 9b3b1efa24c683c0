"""Findings after the criteria: snippets, fingerprints, inline suppressions, the gate threshold.

Suppression comments are read here, never obeyed by the engines, and every one is reported.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from gatekeeper.model import Finding, FindingState, Suppression, SuppressionKind

MAX_SNIPPET = 200

# The comment `gatekeeper: ignore[GK001, GK3602] reason` after #, // or --; the reason is
# required.
_INLINE = re.compile(
    r"(?:#|//|--|/\*)\s*gatekeeper:\s*ignore\[(?P<ids>[A-Za-z0-9_.,\s-]+)\]\s*(?:--|:|-)?\s*(?P<reason>[^*\n]*)"
)
_NOSEC = re.compile(r"#\s*nosec\b(?P<rest>[^\n]*)")
_NOSEMGREP = re.compile(r"(?:#|//)\s*nosemgrep\b(?::\s*[\w.,-]+)?(?P<rest>[^\n]*)")


# A suppression comment at the end of a line is not part of what the line does: adding one
# must not change the finding's fingerprint (a baseline or previous report still matches it).
_TRAILING_SUPPRESSION = re.compile(
    r"\s*(?:#|//|--|/\*)\s*(?:gatekeeper:\s*ignore\[|nosec\b|nosemgrep\b).*$"
)


def normalize(snippet: str) -> str:
    return " ".join(_TRAILING_SUPPRESSION.sub("", snippet).split())


def fingerprint(
    rule_id: str, path: str, symbol: str | None, snippet: str | None, occurrence: int
) -> str:
    """rule id + path + enclosing symbol + normalized snippet hash + occurrence index.

    Line numbers are left out on purpose so that a finding keeps its fingerprint when code
    above it moves; the occurrence index tells apart identical lines in one symbol.
    """
    snippet_hash = hashlib.sha256(normalize(snippet or "").encode()).hexdigest()[:16]
    key = "\x1f".join((rule_id, path, symbol or "", snippet_hash, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def assign_fingerprints(findings: Sequence[Finding]) -> list[Finding]:
    ordered = sorted(findings, key=lambda f: (f.sort_key(), f.message))
    seen: Counter[tuple[str, str, str, str]] = Counter()
    out = []
    for f in ordered:
        key = (f.rule_id, f.location.path, f.symbol or "", normalize(f.snippet or ""))
        occurrence = seen[key]
        seen[key] += 1
        fp = fingerprint(f.rule_id, f.location.path, f.symbol, f.snippet, occurrence)
        out.append(replace(f, fingerprint=fp))
    return out


def _clean_reason(text: str) -> str:
    return text.strip().rstrip("*/").strip()[:200]


# `# gatekeeper: ignore[GK3602] until 2027-03-31: the vendor fix ships in Q1` expires: from
# that day on the finding is open again (and the expired comment is itself a finding).
_UNTIL = re.compile(r"^until\s+(?P<date>\d{4}-\d{2}-\d{2})\b\s*(?:--|:|-)?\s*")


@dataclass(frozen=True, slots=True)
class InlineComment:
    """One `gatekeeper: ignore[...]` comment, parsed."""

    ids: tuple[str, ...]
    reason: str  # empty: no reason given (the comment is not honoured)
    until: str | None  # ISO date after which it no longer applies
    column: int


def parse_inline(text: str) -> InlineComment | None:
    m = _INLINE.search(text)
    if not m:
        return None
    ids = tuple(sorted({i.strip() for i in m.group("ids").split(",") if i.strip()}))
    reason = _clean_reason(m.group("reason"))
    until = None
    u = _UNTIL.match(reason)
    if u:
        until = u.group("date")
        reason = reason[u.end() :].strip()
    return InlineComment(ids, reason, until, m.start())


def today() -> str:
    """Today's date (UTC), or the day SOURCE_DATE_EPOCH names, for reproducible runs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
    return datetime.now(tz=UTC).date().isoformat()


def expired(until: str | None) -> bool:
    return until is not None and until < today()


def _suppression_for(finding: Finding, line_text: str) -> Suppression | None:
    inline = parse_inline(line_text)
    if (
        inline is not None
        and (finding.rule_id in inline.ids or finding.criterion_id in inline.ids)
        and inline.reason
        and not expired(inline.until)
    ):
        return Suppression(SuppressionKind.INLINE, inline.reason, inline.until)
    # `# nosec` is bandit's word; gatekeeper's own Python security checks (GK38nn) replace
    # bandit's findings on their lines, so it suppresses those too.
    if "bandit" in finding.engines or finding.rule_id.startswith("GK38"):
        m = _NOSEC.search(line_text)
        if m:
            reason = _clean_reason(re.sub(r"^\s*B\d{3}(?:\s*,\s*B\d{3})*", "", m.group("rest")))
            reason = reason.lstrip("-:# ").strip()
            if reason:
                return Suppression(SuppressionKind.NOSEC, reason)
    if "semgrep" in finding.engines:
        m = _NOSEMGREP.search(line_text)
        if m:
            reason = _clean_reason(m.group("rest")).lstrip("-:# ").strip()
            if reason:
                return Suppression(SuppressionKind.NOSEMGREP, reason)
    return None


def apply_inline_suppressions(
    findings: Sequence[Finding], lines_of: Callable[[str], Sequence[str] | None]
) -> list[Finding]:
    """A comment on the finding's line, or alone on the line above, suppresses it with a reason.

    A suppression without a reason is not honoured: the finding stays open.
    """
    out = []
    for f in findings:
        line = f.location.line
        lines = lines_of(f.location.path) if line else None
        if not lines or not line or line > len(lines):
            out.append(f)
            continue
        candidates = [lines[line - 1]]
        if line >= 2 and lines[line - 2].lstrip().startswith(("#", "//", "--", "/*")):
            candidates.append(lines[line - 2])
        sup = None
        for text in candidates:
            sup = _suppression_for(f, text)
            if sup:
                break
        out.append(replace(f, state=FindingState.SUPPRESSED, suppression=sup) if sup else f)
    return out


def apply_spec_suppressions(
    findings: Sequence[Finding], ignores: Callable[[], dict[tuple[str, int], dict[str, str]]]
) -> list[Finding]:
    """Findings on a spec operation's line that its `x-gatekeeper-ignore` names (by rule or
    criterion id) are suppressed with the reason given there. `ignores` is only called when
    some finding is not already suppressed."""
    table: dict[tuple[str, int], dict[str, str]] | None = None
    out = []
    for f in findings:
        if f.state != FindingState.OPEN or not f.location.line:
            out.append(f)
            continue
        if table is None:
            table = ignores()
        declared = table.get((f.location.path, f.location.line), {})
        reason = declared.get(f.rule_id) or declared.get(f.criterion_id)
        if reason:
            sup = Suppression(SuppressionKind.SPEC, reason)
            out.append(replace(f, state=FindingState.SUPPRESSED, suppression=sup))
        else:
            out.append(f)
    return out


def snippet_of(lines: Sequence[str] | None, line: int | None) -> str | None:
    if not lines or not line or line > len(lines):
        return None
    return lines[line - 1].strip()[:MAX_SNIPPET]
