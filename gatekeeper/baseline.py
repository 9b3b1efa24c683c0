"""Baselines: the findings a team accepted when it adopted gatekeeper, so that only new ones fail.

`.gatekeeper-baseline.json` (committed at the root) lists finding fingerprints. A fingerprint
leaves the line number out (code above may move) and counts identical lines in one symbol
(rule + path + symbol + normalized snippet + occurrence), so two new copies of a baselined
finding are two new findings. Baselined findings stay in every report format, marked
suppressed with kind `baseline`; they are never dropped.

The file lives in the audited repository, which a pull request controls: with a trusted
`--config` (CI on pull requests), the target's own baseline is not read unless `--baseline`
names one (the base branch's copy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gatekeeper.errors import ConfigError
from gatekeeper.model import Finding, FindingState, Suppression, SuppressionKind

FILE_NAME = ".gatekeeper-baseline.json"
VERSION = 1
MAX_BYTES = 16 * 1024 * 1024
MAX_ENTRIES = 200_000


@dataclass(frozen=True, slots=True)
class Entry:
    fingerprint: str
    rule_id: str
    path: str
    message: str


@dataclass(frozen=True, slots=True)
class Baseline:
    path: str  # as shown in reasons: repo-relative for the target's own file
    entries: tuple[Entry, ...]

    @property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(e.fingerprint for e in self.entries)


def load(path: Path, shown_as: str) -> Baseline:
    """Read a baseline file given on the command line; ConfigError naming it when it is not one."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{shown_as}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{shown_as}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown_as}: not UTF-8 text ({exc})") from None
    return parse(text, shown_as)


def parse(text: str, shown_as: str) -> Baseline:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{shown_as}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ConfigError(f"{shown_as}: not a gatekeeper baseline (version {VERSION} expected)")
    raw = data.get("findings")
    if not isinstance(raw, list) or len(raw) > MAX_ENTRIES:
        raise ConfigError(f"{shown_as}: `findings` must be a list of at most {MAX_ENTRIES}")
    entries = []
    for number, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
            raise ConfigError(f"{shown_as}: findings[{number}] has no fingerprint")
        entries.append(
            Entry(
                item["fingerprint"],
                str(item.get("rule_id", "")),
                str(item.get("path", "")),
                str(item.get("message", "")),
            )
        )
    return Baseline(shown_as, tuple(entries))


def apply(findings: list[Finding], baseline: Baseline | None) -> list[Finding]:
    """Open findings whose fingerprint the baseline lists become suppressed (kind baseline)."""
    if baseline is None:
        return findings
    known = baseline.fingerprints
    reason = f"accepted in the baseline {baseline.path}"
    return [
        replace(
            f,
            state=FindingState.SUPPRESSED,
            suppression=Suppression(SuppressionKind.BASELINE, reason),
        )
        if f.state == FindingState.OPEN and f.fingerprint in known
        else f
        for f in findings
    ]


def entries_for(findings: tuple[Finding, ...] | list[Finding]) -> list[Entry]:
    """The entries that accept these findings: every one that is open or already baselined
    (a finding suppressed inline keeps its own reason and needs no entry)."""
    return sorted(
        {
            Entry(f.fingerprint, f.rule_id, f.location.path, f.message[:200])
            for f in findings
            if f.state == FindingState.OPEN
            or (f.suppression is not None and f.suppression.kind == SuppressionKind.BASELINE)
        },
        key=lambda e: (e.path, e.rule_id, e.fingerprint),
    )


def render(entries: list[Entry]) -> str:
    """The file's text: sorted, one entry per finding, stable for review in a diff."""
    doc: dict[str, Any] = {
        "version": VERSION,
        "tool": "gatekeeper",
        "about": "Findings accepted when this baseline was written; new ones still fail. "
        "Regenerate with `gatekeeper baseline update`, drop fixed ones with `prune`.",
        "findings": [
            {
                "fingerprint": e.fingerprint,
                "rule_id": e.rule_id,
                "path": e.path,
                "message": e.message,
            }
            for e in entries
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
