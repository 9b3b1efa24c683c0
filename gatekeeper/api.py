"""The one entry point: `audit(root, options) -> Report`. The CLI is a thin shell over it.

Order: config -> index -> workers (facts) -> stack -> engines -> phases in graph order -> report.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from gatekeeper import __version__, policy, scope
from gatekeeper import baseline as baseline_mod
from gatekeeper import config as cfg
from gatekeeper import graph as phase_graph
from gatekeeper.cache import Cache, open_cache
from gatekeeper.engines import bandit, openapi, scan
from gatekeeper.engines.semgrep import EngineFacts
from gatekeeper.errors import ConfigError, GatekeeperError, UsageError
from gatekeeper.extract import EXTRACTORS
from gatekeeper.extract.imports import FileImports
from gatekeeper.model import (
    ConfigValue,
    CriterionResult,
    EngineRun,
    Evidence,
    Finding,
    FindingState,
    MigrationRow,
    PhaseResult,
    Remediation,
    RemediationStatus,
    RemediationStep,
    Report,
    RouteRow,
    Service,
    Severity,
    SpecRow,
    Status,
    TableRow,
    Unanalyzed,
    ValueSource,
    Verdict,
)
from gatekeeper.phases import ALL_PHASES, api_design, database, owasp, security
from gatekeeper.phases.base import Context, Criterion, Fact, Outcome, Phase
from gatekeeper.repo import RepoIndex
from gatekeeper.stack import detect_services
from gatekeeper.workers import Task, TaskResult, WorkerPool

SCHEMA_VERSION = "1.1"
PARSED_LANGUAGES = ("python", "javascript", "typescript", "go", "java", "kotlin")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Options:
    config_path: Path | None = None
    phases: tuple[str, ...] | None = None  # --phase: evaluate only these
    select: tuple[str, ...] = ()  # rule or criterion ids to keep
    ignore: tuple[str, ...] = ()  # rule or criterion ids to drop
    fail_on: Severity | None = None
    jobs: int | None = None
    engines: bool = True  # run bandit and semgrep
    timings: bool = False
    coverage_paths: tuple[str, ...] = ()  # --coverage: reports inside the root, any name
    task_timeout: float = 30.0
    engine_timeout: float = 900.0
    baseline_path: Path | None = None  # --baseline: accepted findings (default: the root's own)
    use_cache: bool = False  # the per-file cache (the CLI turns it on; --no-cache)
    cache_dir: Path | None = None  # --cache-dir (default: the user's cache directory)
    changes: scope.ChangeSet | None = None  # --diff / --changed-files: audit only the change
    prior: scope.PriorReport | None = None  # --baseline-report: a previous JSON report
    use_baseline: bool = True  # --no-baseline: every finding counts


@dataclass(frozen=True, slots=True)
class Audit:
    """What a caller gets: the report plus what the renderers and the exit code need."""

    report: Report
    root: Path


def load_config(
    root: Path, config_path: Path | None
) -> tuple[cfg.LoadedConfig, cfg.Config | None, str | None]:
    """The policy in force, the target's own config when a trusted one replaced it, and why
    the target's own config could not be read (then the trusted policy simply applies)."""
    if config_path is None:
        return cfg.discover(root), None, None
    trusted = cfg.load_file(config_path)
    try:
        target: cfg.Config | None = cfg.discover(root).config
    except ConfigError as exc:
        # A broken config in the pull request must not stop the trusted policy from applying.
        return trusted, None, str(exc)
    if target is not None and not target.origins:
        target = None
    return trusted, target, None


def _inside_root(root: Path, given: str) -> str:
    """`--coverage PATH` as a repo-relative path; gatekeeper reads nothing outside the root."""
    path = Path(given).resolve()
    try:
        rel = path.relative_to(root)
    except ValueError:
        raise UsageError(
            f"--coverage {given}: outside the audited root {root}; gatekeeper never reads "
            "outside it, so write the report inside the repository"
        ) from None
    return rel.as_posix()


def _lines_reader(index: RepoIndex) -> Callable[[str], Sequence[str] | None]:
    @lru_cache(maxsize=512)
    def lines_of(path: str) -> tuple[str, ...] | None:
        if index.get(path) is None:
            return None
        try:
            return tuple(index.read_text(path).text.splitlines())
        except (GatekeeperError, OSError, ValueError):
            return None

    return lines_of


def _spec_ignores(built: Sequence[Context]) -> dict[tuple[str, int], dict[str, str]]:
    """(file, line) of each spec operation with `x-gatekeeper-ignore` -> {id: reason}."""
    from gatekeeper.phases.api_design import api_inventory

    if not built or built[0].specs is None:
        return {}
    table: dict[tuple[str, int], dict[str, str]] = {}
    for spec in api_inventory(built[0]).specs:
        if not spec.usable or spec.document is None:
            continue
        for op in spec.document.operations:
            if op.ignores:
                table.setdefault((op.file, op.line), {}).update(op.ignores)
    return table


def _baseline(index: RepoIndex, opts: Options, trusted: bool) -> baseline_mod.Baseline | None:
    """The accepted findings: `--baseline PATH`, else the root's own file, which is not read
    under a trusted --config (a pull request must not accept its own findings)."""
    if not opts.use_baseline:
        return None
    if opts.baseline_path is not None:
        return baseline_mod.load(opts.baseline_path, str(opts.baseline_path))
    if trusted or index.get(baseline_mod.FILE_NAME) is None:
        return None
    try:
        text = index.read_text(baseline_mod.FILE_NAME).text
    except (GatekeeperError, OSError, ValueError) as exc:
        raise ConfigError(f"{baseline_mod.FILE_NAME}: cannot be read ({exc})") from None
    return baseline_mod.parse(text, baseline_mod.FILE_NAME)


def _wanted(f: Finding, select: Sequence[str], ignore: Sequence[str]) -> bool:
    ids = (f.rule_id, f.criterion_id)
    if select and not any(i in select for i in ids):
        return False
    return not any(i in ignore for i in ids)


def _finalizer(
    index: RepoIndex,
    select: Sequence[str],
    ignore: Sequence[str],
    spec_ignores: Callable[[], dict[tuple[str, int], dict[str, str]]] = dict,
    accepted: baseline_mod.Baseline | None = None,
    changes: scope.ChangeSet | None = None,
    prior: scope.PriorReport | None = None,
    outside: set[tuple[str, str, int, str]] | None = None,
    prior_dropped: list[Finding] | None = None,
) -> Callable[[Sequence[Finding]], list[Finding]]:
    """Fill snippets, apply select/ignore, inline and spec suppressions, fingerprints and the
    baseline; in diff mode, drop what lies outside the change (recorded in `outside`)."""
    lines_of = _lines_reader(index)

    def finalize(findings: Sequence[Finding]) -> list[Finding]:
        filled = [
            f
            if f.snippet is not None
            else replace(f, snippet=policy.snippet_of(lines_of(f.location.path), f.location.line))
            for f in findings
            if _wanted(f, select, ignore)
        ]
        filled = policy.apply_inline_suppressions(filled, lines_of)
        filled = policy.apply_spec_suppressions(filled, spec_ignores)
        done = baseline_mod.apply(policy.assign_fingerprints(filled), accepted)
        if changes is None:
            return done
        kept = []
        for f in done:
            line_level = f.engines != ("gatekeeper",) or f.rule_id in owasp.FILE_RULE_IDS
            why = scope.dropped_because(changes, prior, f, line_level)
            if why is None:
                kept.append(f)
                continue
            if outside is not None:
                outside.add((f.rule_id, f.location.path, f.location.line or 0, f.message))
            if why == "prior" and prior_dropped is not None:
                prior_dropped.append(f)
        return kept

    return finalize


def _evaluate(
    criterion: Criterion, phase: Phase, ctx: Context, enabled: bool, opts: Options
) -> Outcome:
    if not enabled:
        return Outcome(Status.SKIPPED, f"phase {phase.id} is not enabled")
    if criterion.id in opts.ignore:
        return Outcome(Status.SKIPPED, "ignored on the command line (--ignore)")
    selected_criteria = [i for i in opts.select if "." in i]
    if selected_criteria and criterion.id not in selected_criteria:
        return Outcome(Status.SKIPPED, "not selected on the command line (--select)")
    if criterion.check is None:
        return Outcome(
            Status.ERROR,
            f"not implemented yet (planned in {criterion.planned_in}); never passed unchecked",
        )
    missing = [f for f in criterion.consumes if f in ctx.fact_errors]
    if missing:
        return Outcome(
            Status.ERROR, "; ".join(f"{f} facts unavailable: {ctx.fact_errors[f]}" for f in missing)
        )
    try:
        return criterion.check(ctx)
    except Exception as exc:
        return Outcome(
            Status.ERROR, f"internal error in {criterion.id}: {type(exc).__name__}: {exc}"
        )


def _judged_against_prior(
    criterion_id: str,
    out: Outcome,
    config: cfg.Config,
    opts: Options,
    dropped: Sequence[Finding] = (),
) -> Outcome:
    """--baseline-report: a criterion that fails for the repository as a whole (not through
    an open finding of this change at the threshold) and failed in the previous report too is
    not this change's doing; it is skipped, saying so. So is one that passes only because diff
    mode left out the repository-level findings the previous report already had."""
    prior = opts.prior
    if prior is None or criterion_id not in prior.failed_criteria:
        return out
    threshold = config.severity_threshold.rank
    if any(f.state == FindingState.OPEN and f.severity.rank >= threshold for f in out.findings):
        return out
    if out.status == Status.PASS and dropped:
        return Outcome(
            Status.SKIPPED,
            f"failed in the previous report too ({prior.source}), so not judged here: "
            f"{len(dropped)} finding(s) about the repository as a whole were already there",
            out.evidence,
            out.findings,
        )
    if out.status != Status.FAIL:
        return out
    return Outcome(
        Status.SKIPPED,
        f"failed in the previous report too ({prior.source}), so not judged here: {out.message}",
        out.evidence,
        out.findings,
    )


def _evidence_key(e: Evidence) -> tuple[str, int, str]:
    return (e.path, e.line or 0, e.what)


def phase_status(statuses: Sequence[Status]) -> Status:
    if Status.FAIL in statuses:
        return Status.FAIL
    if Status.ERROR in statuses:
        return Status.ERROR
    if statuses and all(s in (Status.SKIPPED,) for s in statuses):
        return Status.SKIPPED
    if statuses and all(s in (Status.NOT_APPLICABLE, Status.SKIPPED) for s in statuses):
        return Status.NOT_APPLICABLE
    return Status.PASS


def _collect_facts(
    root: Path, index: RepoIndex, opts: Options, progress: Progress | None, cache: Cache
) -> tuple[dict[str, dict[str, object]], list[Unanalyzed]]:
    max_bytes = {e.path: e.size for e in index.files}
    tasks = [
        Task(
            root=str(index.root),
            path=e.path,
            language=e.language or "",
            max_bytes=max(max_bytes[e.path], 1),
            extractor_names=tuple(
                x.name
                for x in EXTRACTORS
                if e.language in x.languages and (opts.engines or x.name != bandit.ENGINE)
            ),
            size_hint=e.size,
        )
        for e in index.files
        if e.language in PARSED_LANGUAGES
    ]
    if not tasks:
        return {}, []
    keys: dict[str, str] = {}
    if cache.enabled:
        for t in tasks:
            try:
                digest = index.sha256(t.path)
            except (GatekeeperError, OSError):
                continue  # the worker reports why it cannot be read
            # bandit's tests are an extractor: its version is part of what made the facts.
            names = ",".join(
                f"{n} {bandit.version()}" if n == bandit.ENGINE else n for n in t.extractor_names
            )
            keys[t.path] = Cache.key("facts", t.path, t.language, names, str(t.max_bytes), digest)
    stored = cache.get_many(keys.values())
    cached = {
        path: hit
        for path, key in keys.items()
        if isinstance(hit := stored.get(key), TaskResult) and hit.path == path
    }
    todo = [t for t in tasks if t.path not in cached]
    results: dict[str, TaskResult] = dict(cached)
    unanalyzed: list[Unanalyzed] = []
    if todo:
        cb = (lambda done, total: progress("parsing", done, total)) if progress else None
        with WorkerPool(jobs=opts.jobs, timeout=opts.task_timeout) as pool:
            result = pool.run(index.root, todo, progress=cb)
        results.update(result.results)
        unanalyzed.extend(result.unanalyzed)
        # Only what depends on the file alone: never a timeout, a memory limit or a crash.
        cache.put_many(
            {
                keys[path]: r
                for path, r in result.results.items()
                if path in keys and r.unanalyzed_reason is None and not r.errors
            }
        )
    facts: dict[str, dict[str, object]] = {
        path: dict(results[path].facts) for path in sorted(results)
    }
    return facts, unanalyzed


def _imports_of(facts: Mapping[str, Mapping[str, object]]) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for path, by_name in facts.items():
        for fact in by_name.values():
            if isinstance(fact, FileImports):
                out.setdefault(path, []).extend((i.module, i.line) for i in fact.imports)
    return out


def _inventory_rows(ctx: Context) -> tuple[tuple[RouteRow, ...], tuple[SpecRow, ...]]:
    """The route and spec tables; a failure here already shows as the API criteria's error."""
    try:
        routes, specs = api_design.inventory_rows(ctx)
    except Exception:
        return (), ()
    try:
        decided = {
            (d.route.file, d.route.line, d.route.method, d.route.url_path): d.auth.value
            for decisions in security.route_auth(ctx).values()
            for d in decisions
        }
    except Exception:
        return routes, specs  # the authorization criterion reports the failure
    return tuple(
        replace(r, auth=decided.get((r.file, r.line, r.method, r.url_path))) for r in routes
    ), specs


def _schema_rows(ctx: Context) -> tuple[tuple[TableRow, ...], tuple[MigrationRow, ...]]:
    """The replayed schema and the migration list; a failure shows as the database error."""
    try:
        return database.inventory_rows(ctx)
    except Exception:
        return (), ()


def _validate_specs(
    index: RepoIndex, opts: Options, progress: Progress | None
) -> tuple[tuple[openapi.SpecCandidate, openapi.SpecResult], ...]:
    candidates = openapi.discover_specs(index)
    if progress and candidates:
        progress("specs", 0, len(candidates))
    results = openapi.validate_all(index, candidates, jobs=opts.jobs or os.cpu_count() or 2)
    if progress and candidates:
        progress("specs", len(candidates), len(candidates))
    by_path = {r.path: r for r in results}
    return tuple((c, by_path[c.path]) for c in candidates)


def audit(root: Path, opts: Options | None = None, progress: Progress | None = None) -> Audit:
    opts = opts or Options()
    clock: list[tuple[str, float]] = []
    t0 = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        clock.append((name, round(now - t0, 3)))
        t0 = now

    root = root.resolve()
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory; give the path of the repository to audit")
    loaded, target_config, target_config_error = load_config(root, opts.config_path)
    config = loaded.config
    overrides: dict[str, object] = {}
    if opts.fail_on is not None:
        overrides["severity_threshold"] = opts.fail_on
    if opts.phases:
        overrides["phases"] = tuple(opts.phases)
    if overrides:
        config = cfg.with_overrides(config, **overrides)
        loaded = replace(loaded, config=config)

    index = RepoIndex.build(root, exclude=config.exclude, max_file_bytes=config.max_file_bytes)
    lap("index")
    cache = open_cache(root, opts.cache_dir, opts.use_cache)
    try:
        # Nothing changed since a complete audit with the same code, options and policy: its
        # report is the answer (timings are per run, so a --timings run always audits).
        memo = (
            None
            if opts.timings or not cache.enabled
            else _report_key(root, opts, loaded, target_config, target_config_error, index)
        )
        if memo is not None:
            hit = cache.get_many([memo]).get(memo)
            if isinstance(hit, Report):
                return Audit(hit, root)
        done = _audit_indexed(
            root,
            opts,
            progress,
            loaded,
            config,
            target_config,
            target_config_error,
            index,
            cache,
            clock,
            lap,
        )
        report = done.report
        if memo is not None and not _machine_dependent(report):
            cache.put_many({memo: report})
        return done
    finally:
        cache.close()


_MACHINE_DEPENDENT = re.compile(
    r"timed out|time limit|timeout|memory|killed|crashed|signal", re.IGNORECASE
)


def _machine_dependent(report: Report) -> bool:
    """Whether an outcome came from this machine's limits rather than from the files: an
    engine that failed, or a timeout, memory limit or crash anywhere. Such a report is not
    stored: the next run may get further."""
    if any(not r.ok for r in report.engines):
        return True
    texts = [u.reason for u in report.unanalyzed] + [
        c.message for p in report.phases for c in p.criteria if c.status == Status.ERROR
    ]
    return any(_MACHINE_DEPENDENT.search(t) for t in texts)


def _canonical(value: object) -> object:
    """A value as plain, ordered data, so that its text is the same in every process."""
    if hasattr(value, "__dataclass_fields__"):
        return [type(value).__name__] + [
            [name, _canonical(getattr(value, name))]
            for name in value.__dataclass_fields__
            if not name.startswith("_")
        ]
    if isinstance(value, Mapping):
        return sorted([str(k), _canonical(v)] for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_canonical(v)) for v in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return repr(value)


def _report_key(
    root: Path,
    opts: Options,
    loaded: cfg.LoadedConfig,
    target_config: cfg.Config | None,
    target_config_error: str | None,
    index: RepoIndex,
) -> str | None:
    """The whole-report cache key: gatekeeper's code, the engines' versions, the options, the
    policy, today's date (suppressions expire) and every indexed file's path, size and content
    hash, with the links, skipped directories and unreadable files. None when a file cannot be
    hashed (then the audit runs; it reports why)."""
    from gatekeeper.engines import semgrep

    files = []
    try:
        for e in index.files:
            files.append([e.path, e.size, e.language or "", e.ignored, index.sha256(e.path)])
    except (GatekeeperError, OSError):
        return None
    outside: list[str] = []
    for extra in (opts.config_path, opts.baseline_path):
        if extra is not None:
            try:
                outside.append(hashlib.sha256(Path(extra).read_bytes()).hexdigest())
            except OSError:
                return None
    parts = {
        "root": str(root),
        "engines": [bandit.version(), semgrep.version()],
        "opts": _canonical(replace(opts, jobs=None, cache_dir=None)),
        "config": _canonical(loaded),
        "target_config": _canonical(target_config),
        "target_config_error": target_config_error,
        "outside_files": outside,
        "today": policy.today(),
        "files": files,
        "links": _canonical(index.links),
        "skipped": _canonical(index.skipped),
        "unanalyzed": _canonical(index.unanalyzed),
        "notes": list(index.notes),
    }
    return Cache.key("report", json.dumps(parts, sort_keys=True))


def _audit_indexed(
    root: Path,
    opts: Options,
    progress: Progress | None,
    loaded: cfg.LoadedConfig,
    config: cfg.Config,
    target_config: cfg.Config | None,
    target_config_error: str | None,
    index: RepoIndex,
    cache: Cache,
    clock: list[tuple[str, float]],
    lap: Callable[[str], None],
) -> Audit:
    # semgrep reads the files itself: it runs in the background from the start, beside the
    # parse stage (whose workers also run bandit's tests on the trees they parse), so that every
    # core stays busy (issue 13's profile).
    engines_started = time.perf_counter()
    engine_job: Future[scan.ScanOutcome] | None = None
    engine_pool: ThreadPoolExecutor | None = None
    cancel = threading.Event()  # set on an interrupt: the engines kill their processes
    coverage_paths = tuple(_inside_root(root, p) for p in opts.coverage_paths)
    if opts.engines:
        engine_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gatekeeper-engines")
        engine_job = engine_pool.submit(
            scan.semgrep_scan,
            root,
            index,
            jobs=opts.jobs or os.cpu_count() or 2,
            timeout=opts.engine_timeout,
            progress=progress,
            cache=cache,
            cancel=cancel,
        )
    try:
        file_facts, unanalyzed = _collect_facts(root, index, opts, progress, cache)
        lap("parse")
        fact_errors: dict[str, str] = {}
        services: tuple[Service, ...] = ()
        stack_problems: tuple[Unanalyzed, ...] = ()

        def read_text(path: str) -> str | None:
            try:
                return index.read_text(path).text
            except (GatekeeperError, OSError, ValueError):
                return None

        try:
            paths = [e.path for e in index.files]
            stack = detect_services(paths, read_text, _imports_of(file_facts))
            services = stack.services
            stack_problems = tuple(
                Unanalyzed(p.path, p.message, "stack")
                for p in sorted(stack.problems, key=lambda p: (p.path, p.line or 0))
            )
        except Exception as exc:
            fact_errors[Fact.STACK] = f"stack detection failed: {type(exc).__name__}: {exc}"
        lap("stack")

        specs: tuple[tuple[openapi.SpecCandidate, openapi.SpecResult], ...] | None = None
        if {"api_design", "security"} & set(config.phases):
            specs = _validate_specs(index, opts, progress)
            unanalyzed.extend(
                Unanalyzed(r.path, r.message, openapi.ENGINE)
                for _, r in specs
                if r.status == openapi.SpecStatus.ERROR
            )
            lap("specs")

        engine_runs: tuple[EngineRun, ...] = ()
        engine_findings: tuple[Finding, ...] = ()
        engine_facts = EngineFacts(error="semgrep did not run: engines are off, --no-engines")
        if engine_job is not None and engine_pool is not None:
            outcome = scan.merged(
                scan.bandit_outcome(index, file_facts, unanalyzed),
                engine_job.result(),  # an interrupt here goes to the except below
            )
            engine_pool.shutdown(wait=True)
            engine_runs, engine_findings = outcome.runs, outcome.findings
            engine_facts = outcome.facts
            unanalyzed.extend(outcome.unanalyzed)
            clock.append(("engines_total", round(time.perf_counter() - engines_started, 3)))
        lap("engines")
    except BaseException:
        # Interrupted (Ctrl-C) or failed: stop semgrep now, not when it finishes (the worker
        # pool, bandit's tests included, stops when _collect_facts unwinds).
        if engine_pool is not None:
            cancel.set()
            engine_pool.shutdown(wait=True, cancel_futures=True)
        raise

    # Directories skipped by default (vendor, build, dist ...) that hold committed files.
    unanalyzed.extend(
        Unanalyzed(
            d.path,
            f"directory not walked ({d.reason}); git tracks {d.tracked_files} files in it",
            "index",
        )
        for d in index.skipped
        if d.tracked_files and d.reason != "excluded by configuration"
    )
    unanalyzed_all = tuple(sorted(set(index.unanalyzed) | set(unanalyzed)))
    built: list[Context] = []  # the context, once made: spec suppressions read its specs
    outside: set[tuple[str, str, int, str]] = set()  # diff mode: findings left out
    prior_dropped: list[Finding] = []  # ... of which repository-level, in the previous report
    ctx = Context(
        index=index,
        loaded=loaded,
        target_config=target_config,
        target_config_error=target_config_error,
        services=services,
        stack_problems=stack_problems,
        file_facts=file_facts,
        unanalyzed=unanalyzed_all,
        fact_errors=fact_errors,
        engine_findings=engine_findings,
        engine_runs=engine_runs,
        engines_enabled=opts.engines,
        engine_facts=engine_facts,
        coverage_paths=coverage_paths,
        specs=specs,
        finalize=_finalizer(
            index,
            opts.select,
            opts.ignore,
            lambda: _spec_ignores(built),
            _baseline(index, opts, loaded.trusted),
            opts.changes,
            opts.prior,
            outside,
            prior_dropped,
        ),
        prior_dropped=prior_dropped,
        narrowed=bool(opts.select or opts.ignore or opts.changes is not None),
        changes=opts.changes,
        prior=opts.prior,
    )
    built.append(ctx)
    report = evaluate(ctx, config, services, unanalyzed_all, engine_runs, opts)
    if opts.changes is not None:
        report = replace(report, scope=scope.describe(opts.changes, outside))
    route_rows, spec_rows = _inventory_rows(ctx)
    table_rows, migration_rows = _schema_rows(ctx)
    report = replace(
        report,
        routes=route_rows,
        specs=spec_rows,
        tables=table_rows,
        migrations=migration_rows,
    )
    # --select/--ignore change what is reported, so the report says they were used.
    filters = tuple(
        ConfigValue(key, list(ids), ValueSource.CLI, "command line")
        for key, ids in (("select", opts.select), ("ignore", opts.ignore))
        if ids
    )
    if filters:
        report = replace(report, config=report.config + filters)
    lap("phases")
    if opts.timings:
        if cache.enabled:
            clock += [("cache_hits", float(cache.hits)), ("cache_misses", float(cache.misses))]
        report = replace(report, timings=tuple(clock))
    return Audit(report, root)


def evaluate(
    ctx: Context,
    config: cfg.Config,
    services: tuple[Service, ...],
    unanalyzed: tuple[Unanalyzed, ...],
    engine_runs: tuple[EngineRun, ...],
    opts: Options | None = None,
) -> Report:
    opts = opts or Options()
    graph = phase_graph.build(ALL_PHASES)
    by_id = {p.id: p for p in ALL_PHASES}
    producers = {fact: p.id for p in ALL_PHASES for fact in p.produces}
    results: dict[str, PhaseResult] = {}
    findings: dict[str, Finding] = {}
    ctx.reported = findings  # read by validation.suppressions_accounted, evaluated last
    for pid in phase_graph.order(graph):
        phase = by_id[pid]
        enabled = pid in config.phases
        crits: list[CriterionResult] = []
        for criterion in phase.criteria:
            ctx.prior_dropped.clear()
            out = _evaluate(criterion, phase, ctx, enabled, opts)
            out = _judged_against_prior(criterion.id, out, config, opts, ctx.prior_dropped)
            for f in out.findings:
                findings[f.fingerprint] = f
            crits.append(
                CriterionResult(
                    id=criterion.id,
                    title=criterion.title,
                    status=out.status,
                    message=out.message,
                    evidence=tuple(sorted(set(out.evidence), key=_evidence_key)),
                    findings=tuple(sorted(f.fingerprint for f in out.findings)),
                )
            )
        status = phase_status([c.status for c in crits])
        if pid == phase_graph.LAST:
            blocked = tuple(
                p
                for p in phase_graph.depends_on(graph, pid)
                if p in results and results[p].status == Status.ERROR
            )
        else:
            blocked = phase_graph.blocked_by(graph, phase, ctx.fact_errors, producers)
        results[pid] = PhaseResult(
            index=phase.index,
            id=pid,
            name=phase.name,
            status=status,
            depends_on=phase_graph.depends_on(graph, pid),
            blocked_by=blocked,
            criteria=tuple(crits),
        )
        ctx.earlier[pid] = (status, tuple(crits))

    phases = tuple(sorted(results.values(), key=lambda r: r.index))
    all_statuses = [c.status for p in phases for c in p.criteria]
    # Nothing evaluated is not a clean bill of health: every phase skipped is incomplete too.
    evaluated = any(s != Status.SKIPPED for s in all_statuses)
    complete = evaluated and Status.ERROR not in all_statuses
    verdict = Verdict.FAIL if any(p.status == Status.FAIL for p in phases) else Verdict.PASS
    security_failed = results["security"].status == Status.FAIL or any(
        c.id == "validation.security_scan_passed" and c.status == Status.FAIL
        for c in results["validation"].criteria
    )
    remediation = Remediation(
        status=RemediationStatus.OPEN if security_failed else RemediationStatus.NOT_NEEDED,
        target_phase="security" if security_failed else None,
        iteration=0,
        max_iterations=config.max_remediation_iterations,
        plan=remediation_plan(findings.values(), config.severity_threshold)
        if security_failed
        else (),
    )
    return Report(
        schema_version=SCHEMA_VERSION,
        tool_version=__version__,
        verdict=verdict,
        complete=complete,
        phases=phases,
        findings=tuple(sorted(findings.values(), key=Finding.sort_key)),
        unanalyzed=unanalyzed,
        remediation=remediation,
        services=tuple(sorted(services, key=lambda s: s.root)),
        config=cfg.effective(ctx.loaded, services),
        root_causes=phase_graph.root_causes(graph, phases),
        engines=tuple(sorted(engine_runs, key=lambda r: r.engine)),
    )


_SECURITY_GATES = ("security", "validation")


def remediation_plan(
    findings: Iterable[Finding], threshold: Severity
) -> tuple[RemediationStep, ...]:
    """The open findings that fail the security gates, in the order to fix them: most severe
    first, then the security phase before final validation, then by place."""
    from gatekeeper.engines.rulemap import FIX_HINTS, FIXABLE, MECHANICAL
    from gatekeeper.phases import CORE_RULES

    fixes = {**FIX_HINTS, **{r.id: r.fix for r in CORE_RULES}}
    failing = [
        f
        for f in findings
        if f.state == FindingState.OPEN
        and f.severity.rank >= threshold.rank
        and (f.phase == "security" or f.criterion_id == "validation.security_scan_passed")
    ]
    failing.sort(key=lambda f: (-f.severity.rank, _SECURITY_GATES.index(f.phase), *f.sort_key()))
    return tuple(
        RemediationStep(
            fingerprint=f.fingerprint,
            rule_id=f.rule_id,
            what=f.message,
            where=f.location,
            how=fixes.get(
                f.rule_id,
                f"remove the pattern the scanner reports (`gatekeeper explain {f.rule_id}`), "
                "or suppress it inline with the reason it is safe",
            )
            + (MECHANICAL if f.rule_id in FIXABLE else ""),
            gates=("security", "validation") if f.phase == "security" else ("validation",),
        )
        for f in failing
    )


def open_findings(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.state == FindingState.OPEN]
