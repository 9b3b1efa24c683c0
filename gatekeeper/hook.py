"""`gatekeeper hook FILES...`: the fast pre-commit check of the files being committed.

Only what is judged file by file runs (the security scan's findings on those files:
gatekeeper's Python checks, bandit, gatekeeper's semgrep rules, committed keys and .env files,
unescaped templates). Repository-wide criteria need the whole repository and belong to
`gatekeeper audit` (the pre-push hook). bandit checks only staged Python files and semgrep
only for staged JavaScript/TypeScript, Go or Java files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from gatekeeper import api
from gatekeeper.cache import Cache
from gatekeeper.engines import scan
from gatekeeper.errors import UsageError
from gatekeeper.model import EngineRun, Finding, FindingState, Severity, Unanalyzed
from gatekeeper.phases import owasp
from gatekeeper.phases.base import Context
from gatekeeper.repo import RepoIndex


@dataclass(frozen=True, slots=True)
class HookResult:
    checked: tuple[str, ...]  # repo-relative files that were read
    findings: tuple[Finding, ...]  # every finding on them, suppressed ones included
    unanalyzed: tuple[Unanalyzed, ...]  # files (of those asked for) that could not be read
    runs: tuple[EngineRun, ...]
    threshold: Severity

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(
            f
            for f in self.findings
            if f.state == FindingState.OPEN and f.severity.rank >= self.threshold.rank
        )


def _relative(root: Path, given: str) -> str | None:
    """A file argument as a repo-relative POSIX path, or None when it is outside the root."""
    path = Path(given)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return absolute.resolve(strict=False).relative_to(root).as_posix()
    except ValueError:
        return None


def check_files(
    root: Path,
    files: Sequence[str],
    *,
    config_path: Path | None = None,
    engines: bool = True,
    fail_on: Severity | None = None,
    jobs: int | None = None,
    engine_timeout: float = 900.0,
) -> HookResult:
    root = root.resolve()
    loaded, _target, _error = api.load_config(root, config_path)
    config = loaded.config
    index = RepoIndex.build(root, exclude=config.exclude, max_file_bytes=config.max_file_bytes)
    wanted: set[str] = set()
    outside: list[str] = []
    for given in files:
        rel = _relative(root, given)
        if rel is None:
            outside.append(given)
        else:
            wanted.add(rel)
    if outside:
        raise UsageError(
            f"{outside[0]}: outside the repository root {root}; gatekeeper never reads outside it"
        )
    subset = replace(
        index,
        files=tuple(e for e in index.files if e.path in wanted),
        links=tuple(link for link in index.links if link.path in wanted),
        unanalyzed=tuple(u for u in index.unanalyzed if u.path in wanted),
        _by_path={},
    )
    opts = api.Options(jobs=jobs, engines=engines)
    facts, unanalyzed = api._collect_facts(root, subset, opts, None, Cache(None))
    runs: tuple[EngineRun, ...] = ()
    engine_findings: tuple[Finding, ...] = ()
    if engines:
        outcome = scan.merged(
            scan.bandit_outcome(subset, facts, unanalyzed),
            scan.semgrep_scan(
                root, subset, jobs=opts.jobs or 2, timeout=engine_timeout, progress=None
            ),
        )
        runs, engine_findings = outcome.runs, outcome.findings
        unanalyzed = [*unanalyzed, *outcome.unanalyzed]
    everything = tuple(sorted({*subset.unanalyzed, *unanalyzed}))
    ctx = Context(
        index=subset,
        loaded=loaded,
        target_config=None,
        services=(),
        stack_problems=(),
        file_facts=facts,
        unanalyzed=everything,
        fact_errors={},
        engine_findings=engine_findings,
        engine_runs=runs,
        engines_enabled=engines,
        finalize=api._finalizer(subset, (), ()),
    )
    findings = ctx.finalize(owasp.file_findings(ctx))
    listed = {u.path for u in everything}
    everything += tuple(
        Unanalyzed(
            path, "uses Python syntax newer than the interpreter running gatekeeper", "gatekeeper"
        )
        for path in owasp.unscanned_files(ctx)
        if path not in listed
    )
    return HookResult(
        tuple(sorted(e.path for e in subset.files)),
        tuple(sorted(findings, key=Finding.sort_key)),
        tuple(u for u in everything if u.path in wanted or u.engine != "index"),
        runs,
        fail_on or config.severity_threshold,
    )
