"""The security scan: bandit on Python (in the parse stage) and one semgrep run on JS/TS, Go
and Java.

Engine results become gatekeeper findings through the written-out table in rulemap.py; the
semgrep run's inventory rules (routes ...) become plain facts for the phases instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from gatekeeper.cache import Cache
from gatekeeper.engines import bandit, rulemap, semgrep
from gatekeeper.errors import EngineError, GatekeeperError
from gatekeeper.model import (
    Confidence,
    EngineRun,
    Finding,
    Location,
    Severity,
    Unanalyzed,
)
from gatekeeper.phases.base import Rule, make_finding
from gatekeeper.repo import RepoIndex
from gatekeeper.stack import is_test_path

CRITERION = "security.owasp_top10_addressed"
PHASE = "security"
BANDIT_LANGUAGES = frozenset({"python"})
SEMGREP_LANGUAGES = frozenset({"javascript", "typescript", "go", "java"})

_BANDIT_LEVEL = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
_BANDIT_CONFIDENCE = {"LOW": Confidence.LOW, "MEDIUM": Confidence.MEDIUM, "HIGH": Confidence.HIGH}
_SEMGREP_LEVEL = {
    "INFO": Severity.INFO,
    "LOW": Severity.LOW,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "CRITICAL": Severity.CRITICAL,
}


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    runs: tuple[EngineRun, ...]
    findings: tuple[Finding, ...]
    unanalyzed: tuple[Unanalyzed, ...]
    # Inventory facts from the semgrep run; empty when there was nothing for semgrep to read.
    facts: semgrep.EngineFacts = semgrep.NO_TARGETS


def in_test_file(rule: Rule, path: str) -> Rule:
    """Test fixtures hold fake credentials, temp paths and weak randomness on purpose.

    Only those kinds are capped at low in test files; anything else (a shell call, eval,
    an injection) keeps its severity wherever it is, so a test-looking path hides nothing.
    """
    capped = rule.severity.rank > Severity.LOW.rank
    if capped and rule.id in rulemap.TEST_FIXTURE_RULES and is_test_path(path):
        return replace(rule, severity=Severity.LOW)
    return rule


def _cwe(number: int | None) -> tuple[str, ...]:
    return (f"CWE-{number}",) if number else ()


def _semgrep_cwe(values: Sequence[str]) -> tuple[str, ...]:
    out = []
    for v in values:
        head = v.split(":", 1)[0].strip()
        if head.startswith("CWE-") and head[4:].isdigit():
            out.append(head)
    return tuple(out)


def bandit_findings(run: bandit.BanditRun) -> list[Finding]:
    out = []
    for issue in run.issues:
        # assert in tests is how tests are written, not a vulnerability.
        if issue.test_id == "B101" and is_test_path(issue.path):
            continue
        rule_id, name = rulemap.bandit_rule(issue.test_id, issue.test_name)
        severity = _BANDIT_LEVEL.get(issue.severity.upper(), Severity.MEDIUM)
        if issue.test_id in rulemap.WEAK_HASH_TESTS:
            # md5/sha1 for checksums, cache keys and Gravatar URLs is not a weakness; a
            # password hashed that way is gatekeeper's own GK3815, at high, on the same line.
            severity = min(severity, Severity.LOW, key=lambda s: s.rank)
        rule = Rule(
            rule_id,
            name,
            CRITERION,
            severity,
            _BANDIT_CONFIDENCE.get(issue.confidence.upper(), Confidence.MEDIUM),
            issue.text,
            "",
            cwe=_cwe(issue.cwe),
            owasp=rulemap.owasp_for_cwe(issue.cwe),
        )
        out.append(
            make_finding(
                in_test_file(rule, issue.path),
                Location(issue.path, issue.line, issue.col, issue.line, issue.end_col),
                f"{issue.text} (bandit {issue.test_id})",
                phase=PHASE,
                engines=("bandit",),
            )
        )
    return out


def semgrep_findings(run: semgrep.SemgrepRun) -> list[Finding]:
    out = []
    for m in run.matches:
        if m.is_inventory:
            continue
        rule_id, name = rulemap.semgrep_rule(m.check_id)
        confidence = (m.confidence or "MEDIUM").upper()
        rule = Rule(
            rule_id,
            name,
            CRITERION,
            _SEMGREP_LEVEL.get(m.severity.upper(), Severity.MEDIUM),
            _BANDIT_CONFIDENCE.get(confidence, Confidence.MEDIUM),
            m.message,
            "",
            cwe=_semgrep_cwe(m.cwe),
            owasp=tuple(m.owasp),
        )
        first_sentence = m.message.split(". ")[0].rstrip(".")
        out.append(
            make_finding(
                in_test_file(rule, m.path),
                Location(m.path, m.line, m.column, m.end_line, m.end_column),
                f"{first_sentence} ({m.check_id})",
                phase=PHASE,
                engines=("semgrep",),
            )
        )
    return out


def bandit_outcome(
    index: RepoIndex,
    facts: Mapping[str, Mapping[str, object]],
    unanalyzed: Iterable[Unanalyzed],
) -> ScanOutcome:
    """bandit's run over the repository's Python files, from the facts its extractor left in
    the parse stage (engines/bandit.py); no semgrep facts."""
    py_files = [e.path for e in index.files if e.language in BANDIT_LANGUAGES]
    if not py_files:
        return ScanOutcome((), (), ())
    run = bandit.run_from_facts(py_files, facts, unanalyzed)
    return ScanOutcome(
        (run.engine_run(),),
        tuple(sorted(bandit_findings(run), key=Finding.sort_key)),
        run.unanalyzed,
    )


def merged(*outcomes: ScanOutcome) -> ScanOutcome:
    """One outcome from several (bandit's from the parse stage, semgrep's from its run)."""
    facts = next((o.facts for o in outcomes if o.facts is not semgrep.NO_TARGETS), None)
    return ScanOutcome(
        tuple(sorted((r for o in outcomes for r in o.runs), key=lambda r: r.engine)),
        tuple(sorted((f for o in outcomes for f in o.findings), key=Finding.sort_key)),
        tuple(sorted({u for o in outcomes for u in o.unanalyzed})),
        facts if facts is not None else semgrep.NO_TARGETS,
    )


def _file_keys(cache: Cache, index: RepoIndex, kind: str, files: Sequence[str]) -> dict[str, str]:
    """path -> cache key for each file whose bytes can be hashed (the engine reports the rest)."""
    keys: dict[str, str] = {}
    if not cache.enabled:
        return keys
    for path in files:
        try:
            keys[path] = Cache.key(kind, path, index.sha256(path))
        except (GatekeeperError, OSError):
            continue
    return keys


_Item = TypeVar("_Item", bound=semgrep.SemgrepMatch)


def _cached_items(
    cache: Cache, keys: Mapping[str, str], item_type: type[_Item]
) -> dict[str, tuple[_Item, ...]]:
    """path -> the engine's results on that file from an earlier run, where all are valid."""
    stored = cache.get_many(keys.values())
    found: dict[str, tuple[_Item, ...]] = {}
    for path, key in keys.items():
        value = stored.get(key)
        if isinstance(value, tuple) and all(
            isinstance(i, item_type) and getattr(i, "path", None) == path for i in value
        ):
            found[path] = value
    return found


def _store_items(
    cache: Cache, keys: Mapping[str, str], scanned: Iterable[str], items: Iterable[object]
) -> None:
    by_path: dict[str, list[object]] = {}
    for item in items:
        by_path.setdefault(str(getattr(item, "path", "")), []).append(item)
    cache.put_many({keys[p]: tuple(by_path.get(p, ())) for p in scanned if p in keys})


def semgrep_scan(
    root: Path,
    index: RepoIndex,
    *,
    jobs: int,
    timeout: float,
    progress: Callable[[str, int, int], None] | None = None,
    cache: Cache | None = None,
    cancel: threading.Event | None = None,
) -> ScanOutcome:
    """One semgrep run over the JS/TS, Go and Java files. With a cache, it reads again only the
    files whose content (or gatekeeper's code, or semgrep's version) changed since it last
    scanned them cleanly; the rest of its results come from the cache. (bandit runs in the
    parse stage: bandit_outcome.) Setting `cancel` stops semgrep's processes at their next
    poll (an interrupted audit)."""
    cache = cache or Cache(None)
    sg_files = [e.path for e in index.files if e.language in SEMGREP_LANGUAGES]
    if not sg_files:
        return ScanOutcome((), (), ())
    try:
        keys = _file_keys(cache, index, f"semgrep {semgrep.version()}", sg_files)
        cached = _cached_items(cache, keys, semgrep.SemgrepMatch)
        todo = [p for p in sg_files if p not in cached]
        run = semgrep.run_semgrep(
            root,
            todo,
            rules=semgrep.default_rules(),
            timeout=timeout,
            max_target_bytes=max((e.size for e in index.files), default=0) + 1,
            jobs=jobs,
            cancel=cancel,
        )
        if run.ok and todo:
            _store_items(cache, keys, run.scanned, run.matches)
        if cached:
            matches = [m for items in cached.values() for m in items]
            run = replace(
                run,
                matches=tuple(sorted((*run.matches, *matches), key=semgrep.SemgrepMatch.sort_key)),
                scanned=run.scanned | frozenset(cached),
                expected=len(sg_files),
            )
    except EngineError as exc:
        outcome = ScanOutcome(
            (EngineRun("semgrep", semgrep.version(), False, len(sg_files), 0, exc.detail),),
            (),
            (),
            semgrep.EngineFacts(error=f"semgrep failed: {exc.detail}"),
        )
    else:
        outcome = ScanOutcome(
            (run.engine_run(),),
            tuple(sorted(semgrep_findings(run), key=Finding.sort_key)),
            tuple(sorted(set(run.unanalyzed))),
            semgrep.inventory_facts(run),
        )
    if progress:
        progress("scanning", 1, 1)
    return outcome
