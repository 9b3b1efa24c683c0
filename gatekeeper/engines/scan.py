"""The security scan: bandit on Python and one semgrep run on JS/TS, Go and Java, concurrently.

Engine results become gatekeeper findings through the written-out table in rulemap.py; the
semgrep run's inventory rules (routes ...) become plain facts for the phases instead.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from gatekeeper import pysyntax
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


def _newer_syntax_downleveled(
    index: RepoIndex,
    run: bandit.BanditRun,
    *,
    timeout: float,
    jobs: int,
    cancel: threading.Event | None = None,
) -> bandit.BanditRun:
    """bandit parses with the Python that runs gatekeeper; files it refused for newer syntax
    (PEP 695 `type X =`, PEP 758 `except A, B:`) are checked again as a copy rewritten line
    for line (pysyntax.downlevel) in a private temporary directory, so their findings keep
    their real paths and lines. A file that still does not parse stays unanalyzed."""
    refused = sorted(
        {u.path for u in run.unanalyzed if u.engine == "bandit" and "syntax error" in u.reason}
    )
    if not refused:
        return run
    with tempfile.TemporaryDirectory(prefix="gatekeeper-bandit-") as tmp:
        copies: list[str] = []
        for path in refused:
            try:
                done = pysyntax.downlevel(index.read_text(path).text)
            except (GatekeeperError, OSError, ValueError):
                continue
            if done is None:
                continue
            dest = Path(tmp, *path.split("/"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(done[0], encoding="utf-8")
            copies.append(path)
        if not copies:
            return run
        again = bandit.run_bandit(Path(tmp), copies, timeout=timeout, jobs=jobs, cancel=cancel)
    return replace(
        run,
        issues=tuple(sorted((*run.issues, *again.issues), key=bandit.BanditIssue.sort_key)),
        scanned=run.scanned | again.scanned,
        unanalyzed=tuple(
            sorted(
                {u for u in run.unanalyzed if u.path not in again.scanned} | set(again.unanalyzed)
            )
        ),
        ok=run.ok and again.ok,
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


_Item = TypeVar("_Item", bandit.BanditIssue, semgrep.SemgrepMatch)


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


def run_all(
    root: Path,
    index: RepoIndex,
    *,
    jobs: int,
    timeout: float,
    progress: Callable[[str, int, int], None] | None = None,
    cache: Cache | None = None,
    semgrep_done: Callable[[semgrep.EngineFacts], None] | None = None,
    cancel: threading.Event | None = None,
) -> ScanOutcome:
    """bandit and semgrep, concurrently. With a cache, each engine reads again only the files
    whose content (or gatekeeper's code, or the engine's version) changed since it last
    scanned them cleanly; the rest of its results come from the cache.

    semgrep_done, when given, is called once with semgrep's inventory facts as soon as they
    are final (semgrep usually ends well before bandit), from whichever thread has them.
    Setting `cancel` stops both engines' processes at their next poll (an interrupted audit)."""
    cache = cache or Cache(None)
    py_files = [e.path for e in index.files if e.language in BANDIT_LANGUAGES]
    sg_files = [e.path for e in index.files if e.language in SEMGREP_LANGUAGES]
    runs: list[EngineRun] = []
    findings: list[Finding] = []
    unanalyzed: list[Unanalyzed] = []
    facts = [semgrep.NO_TARGETS]
    total = int(bool(py_files)) + int(bool(sg_files))
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress("scanning", done, total)

    def do_bandit() -> None:
        try:
            keys = _file_keys(cache, index, f"bandit {bandit.version()}", py_files)
            cached = _cached_items(cache, keys, bandit.BanditIssue)
            todo = [p for p in py_files if p not in cached]
            if todo:
                run = bandit.run_bandit(root, todo, timeout=timeout, jobs=jobs, cancel=cancel)
                run = _newer_syntax_downleveled(
                    index, run, timeout=timeout, jobs=jobs, cancel=cancel
                )
                if run.ok:
                    _store_items(cache, keys, run.scanned, run.issues)
            else:
                run = bandit.BanditRun(bandit.version(), (), frozenset(), (), True)
            if cached:
                issues = [i for items in cached.values() for i in items]
                run = replace(
                    run,
                    issues=tuple(sorted((*run.issues, *issues), key=bandit.BanditIssue.sort_key)),
                    scanned=run.scanned | frozenset(cached),
                    expected=len(py_files),
                )
        except EngineError as exc:
            runs.append(EngineRun("bandit", bandit.version(), False, len(py_files), 0, exc.detail))
        else:
            runs.append(run.engine_run())
            findings.extend(bandit_findings(run))
            unanalyzed.extend(run.unanalyzed)
        tick()

    def do_semgrep() -> None:
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
                    matches=tuple(
                        sorted((*run.matches, *matches), key=semgrep.SemgrepMatch.sort_key)
                    ),
                    scanned=run.scanned | frozenset(cached),
                    expected=len(sg_files),
                )
        except EngineError as exc:
            runs.append(
                EngineRun("semgrep", semgrep.version(), False, len(sg_files), 0, exc.detail)
            )
            facts[0] = semgrep.EngineFacts(error=f"semgrep failed: {exc.detail}")
        else:
            runs.append(run.engine_run())
            findings.extend(semgrep_findings(run))
            unanalyzed.extend(run.unanalyzed)
            facts[0] = semgrep.inventory_facts(run)
        tick()
        if semgrep_done is not None:
            semgrep_done(facts[0])

    if not sg_files and semgrep_done is not None:
        semgrep_done(facts[0])
    work = ([do_bandit] if py_files else []) + ([do_semgrep] if sg_files else [])
    with ThreadPoolExecutor(max_workers=2) as pool:
        for fut in [pool.submit(fn) for fn in work]:
            fut.result()
    return ScanOutcome(
        tuple(sorted(runs, key=lambda r: r.engine)),
        tuple(sorted(findings, key=Finding.sort_key)),
        tuple(sorted(set(unanalyzed))),
        facts[0],
    )
