"""Command line: parse options, call gatekeeper.api, render, exit. One error boundary.

Exit codes: 0 verdict pass, 1 a gate failed, 2 usage or config error,
3 internal error or incomplete audit, 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import click

from gatekeeper import __version__, api, baseline, scope, yamlsafe
from gatekeeper import config as cfg
from gatekeeper import graph as phase_graph
from gatekeeper.engines import rulemap
from gatekeeper.errors import ConfigError, GatekeeperError, UsageError
from gatekeeper.model import FindingState, PhaseResult, Severity, Verdict
from gatekeeper.phases import ALL_PHASES, CORE_RULES, all_criteria
from gatekeeper.report import brief, ci, html, jsonout, markdown, sarif, text
from gatekeeper.report.safe import clean, for_log

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe
FORMATS = ("text", "json", "sarif", "junit", "github", "markdown", "html", "brief")


def _color(stream: Any) -> bool:
    return "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())


def _render(
    fmt: str, audit: api.Audit, *, color: bool, verbose: bool, task_id: str | None = None
) -> str:
    if fmt == "json":
        return jsonout.render(audit.report)
    if fmt == "sarif":
        return sarif.render(audit.report)
    if fmt == "junit":
        return ci.junit(audit.report)
    if fmt == "github":
        return ci.github(audit.report)
    if fmt == "markdown":
        return markdown.render(audit.report)
    if fmt == "html":
        return html.render(audit.report)
    if fmt == "brief":
        return brief.render(audit.report, task_id)
    return text.render(audit.report, color=color, verbose=verbose)


def _parse_outputs(formats: Sequence[str], outputs: Sequence[str]) -> list[tuple[str, str | None]]:
    """(format, path or None for stdout). `--output PATH` goes with a single --format."""
    targets: dict[str, str | None] = {f: None for f in (formats or ("text",))}
    plain = [o for o in outputs if "=" not in o or o.split("=", 1)[0] not in FORMATS]
    for o in outputs:
        if o not in plain:
            fmt, path = o.split("=", 1)
            if not path:
                raise UsageError(f"--output {o}: give a path after '='")
            targets[fmt] = path
    if plain:
        if len(plain) > 1 or len(targets) > 1:
            raise UsageError(
                "--output PATH works with one --format; with several use --output FORMAT=PATH"
            )
        only = next(iter(targets))
        targets[only] = plain[0]
    stdout = [f for f, p in targets.items() if p is None]
    if len(stdout) > 1:
        raise UsageError(
            f"formats {', '.join(stdout)} would all go to standard output; "
            "send all but one to files with --output FORMAT=PATH"
        )
    return sorted(targets.items(), key=lambda t: (t[1] is None, t[0]))


@contextmanager
def _progress(enabled: bool) -> Iterator[api.Progress | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    with bar:
        yield update


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"gatekeeper: error: {clean(message)}", err=True)
    sys.exit(code)


def run_guarded(fn: Callable[[], int]) -> NoReturn:
    """The one error boundary: every exception becomes a message and an exit code."""
    try:
        code = fn()
    except KeyboardInterrupt:
        click.echo("gatekeeper: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`gatekeeper rules | head`): stop quietly, as a shell tool does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_BROKEN_PIPE)
    except (UsageError, click.UsageError) as exc:
        _fail(str(exc), EXIT_USAGE)
    except ConfigError as exc:
        _fail(f"configuration: {exc}", EXIT_USAGE)
    except GatekeeperError as exc:
        _fail(str(exc), EXIT_INCOMPLETE)
    except Exception as exc:
        if os.environ.get("GATEKEEPER_DEBUG"):
            traceback.print_exc()
        _fail(
            f"internal error: {type(exc).__name__}: {exc} "
            "(set GATEKEEPER_DEBUG=1 for a traceback, and please report it)",
            EXIT_INCOMPLETE,
        )
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="gatekeeper")
def cli() -> None:
    """Audit a backend repository against eight phase gates, without running it."""


@cli.command()
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Report format (repeatable).",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="[FORMAT=]PATH",
    help="Write a format to a file (repeatable as FORMAT=PATH).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Use this policy file instead of the repository's own (CI: the base branch's).",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Accepted findings (default: the root's .gatekeeper-baseline.json, unless --config).",
)
@click.option("--no-baseline", is_flag=True, help="Ignore any baseline: every finding counts.")
@click.option(
    "--diff",
    "diff_base",
    metavar="BASE",
    help="Diff mode: report only findings on lines changed since the merge base of BASE and "
    "HEAD; `auto` takes the base from GITHUB_BASE_REF or CI_MERGE_REQUEST_TARGET_BRANCH_NAME.",
)
@click.option(
    "--changed-files",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Diff mode without git: a unified diff, or a list of paths (one per line).",
)
@click.option(
    "--baseline-report",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A previous JSON report: criteria that failed there too are not failed again.",
)
@click.option("--all", "full", is_flag=True, help="A full audit even when --diff is given.")
@click.option(
    "--select",
    multiple=True,
    metavar="ID",
    help="Report only these rule ids; evaluate only these criterion ids (repeatable).",
)
@click.option(
    "--ignore",
    "ignore_ids",
    multiple=True,
    metavar="ID",
    help="Drop these rule ids; skip these criterion ids (repeatable).",
)
@click.option(
    "--phase",
    "phases",
    multiple=True,
    type=click.Choice(cfg.PHASE_IDS),
    help="Evaluate only these phases (repeatable); the others are reported as skipped.",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity]),
    help="Lowest finding severity that fails a gate (default: severity_threshold, medium).",
)
@click.option(
    "--exit-zero", is_flag=True, help="Exit 0 even when a gate fails (errors still exit 2 or 3)."
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="When some criteria are in error, let the verdict of what was analyzed decide.",
)
@click.option(
    "--show-config",
    is_flag=True,
    help="Print the effective configuration with the source of each value, then exit.",
)
@click.option(
    "--no-engines",
    is_flag=True,
    help="Skip bandit and semgrep (the security scan criterion then reports error).",
)
@click.option(
    "--coverage",
    "coverage_paths",
    multiple=True,
    metavar="PATH",
    help="A coverage report inside the repository, whatever its name (repeatable).",
)
@click.option(
    "--fix",
    "apply_fixes",
    is_flag=True,
    help="Remediation loop: apply the mechanical fixes, re-audit, repeat up to "
    "max_remediation_iterations; the report shows each iteration.",
)
@click.option(
    "--fix-timeout",
    type=click.IntRange(1, 600),
    default=rulemap.FIX_TIMEOUT_SECONDS,
    show_default=True,
    help="With --fix: seconds given to outbound HTTP calls that had no timeout.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Parse and scan every file again; read and write no cache.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the per-file cache lives (default: $XDG_CACHE_HOME/gatekeeper or "
    "~/.cache/gatekeeper; never inside the audited repository).",
)
@click.option(
    "--task-id",
    metavar="ID",
    help="With --format brief: the task id in the brief (default: derived from the findings).",
)
@click.option(
    "--jobs", "-j", type=click.IntRange(1, 64), help="Worker processes (default: CPU count)."
)
@click.option(
    "--timings",
    is_flag=True,
    help="Add stage durations to the report (makes output non-deterministic).",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing but errors; the exit code tells the verdict."
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Show per-engine statistics and every unanalyzed file."
)
def audit(
    path: Path,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    config_path: Path | None,
    baseline_path: Path | None,
    no_baseline: bool,
    diff_base: str | None,
    changed_files: Path | None,
    baseline_report: Path | None,
    full: bool,
    select: tuple[str, ...],
    ignore_ids: tuple[str, ...],
    phases: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    allow_incomplete: bool,
    show_config: bool,
    no_engines: bool,
    coverage_paths: tuple[str, ...],
    apply_fixes: bool,
    fix_timeout: int,
    no_cache: bool,
    cache_dir: Path | None,
    task_id: str | None,
    jobs: int | None,
    timings: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Audit the repository at PATH (default: the current directory)."""

    def split(values: Sequence[str]) -> tuple[str, ...]:
        return tuple(sorted({v.strip() for item in values for v in item.split(",") if v.strip()}))

    def run() -> int:
        if not path.exists():
            raise UsageError(f"{path}: no such directory")
        targets = _parse_outputs(formats, outputs)
        if task_id is not None and not brief.valid_task_id(task_id):
            raise UsageError(
                f"--task-id {task_id!r}: use 1-80 letters, digits, dots, dashes or underscores "
                "(it becomes part of a file name in the brief)"
            )
        opts = api.Options(
            config_path=config_path,
            phases=phases or None,
            select=split(select),
            ignore=split(ignore_ids),
            fail_on=Severity(fail_on) if fail_on else None,
            jobs=jobs,
            coverage_paths=coverage_paths,
            engines=not no_engines,
            timings=timings,
            baseline_path=baseline_path,
            use_baseline=not no_baseline,
            prior=scope.load_prior(baseline_report) if baseline_report else None,
            use_cache=not no_cache,
            cache_dir=cache_dir,
        )
        if diff_base and changed_files:
            raise UsageError("--diff and --changed-files both name the change: give one")
        if not full and changed_files is not None:
            opts = replace(opts, changes=scope.from_changed_files(changed_files))
        elif not full and diff_base:
            opts = replace(opts, changes=scope.from_git(path.resolve(), diff_base))
        if show_config:
            # Detection decides the `detected` values, so this runs the audit without engines.
            shown = api.audit(path, replace(opts, engines=False)).report.config
            for v in shown:
                origin = f"  ({v.origin})" if v.origin else ""
                click.echo(f"{v.key} = {json.dumps(v.value)}  [{v.source.value}]{origin}")
            return EXIT_PASS
        show_bar = not quiet and sys.stderr.isatty()
        if apply_fixes:
            # Several audits in a row: no progress bar, which would restart at each one.
            from gatekeeper import fix as fixer  # libcst's codemods load only when asked for

            result = fixer.remediate(path, opts, timeout=fix_timeout).audit
        else:
            with _progress(show_bar) as progress:
                result = api.audit(path, opts, progress)
        for fmt, out in targets:
            if out is None and quiet:
                continue
            rendered = _render(
                fmt,
                result,
                color=out is None and _color(sys.stdout),
                verbose=verbose,
                task_id=task_id,
            )
            if out is None:
                click.echo(rendered, nl=False)
            else:
                Path(out).write_text(rendered, encoding="utf-8")
        report = result.report
        if not report.complete and not allow_incomplete:
            return EXIT_INCOMPLETE
        if report.verdict == Verdict.PASS or exit_zero:
            return EXIT_PASS
        return EXIT_FAIL

    run_guarded(run)


@cli.command("baseline")
@click.argument("action", type=click.Choice(("create", "update", "prune")))
@click.argument("path", default=".", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-engines", is_flag=True, help="Skip bandit and semgrep.")
def baseline_cmd(action: str, path: Path, config_path: Path | None, no_engines: bool) -> None:
    """Write PATH/.gatekeeper-baseline.json: the findings accepted today, so only new ones fail.

    create: every open finding (refuses to overwrite); update: the findings open or baselined
    now (new ones accepted, fixed ones dropped); prune: only drops entries no finding matches.
    Commit the file; review its diff like code.
    """

    def run() -> int:
        target = path / baseline.FILE_NAME
        if action == "create" and target.exists():
            raise UsageError(f"{target} exists: use `gatekeeper baseline update` to rewrite it")
        if action != "create" and not target.exists():
            raise UsageError(f"{target}: no baseline yet; `gatekeeper baseline create` writes one")
        opts = api.Options(config_path=config_path, engines=not no_engines)
        report = api.audit(path, opts).report
        if action == "prune":
            current = {f.fingerprint for f in report.findings}
            old = baseline.load(target, baseline.FILE_NAME).entries
            entries = sorted(
                (e for e in old if e.fingerprint in current),
                key=lambda e: (e.path, e.rule_id, e.fingerprint),
            )
            dropped = len(old) - len(entries)
        else:
            entries = baseline.entries_for(report.findings)
            dropped = 0
        target.write_text(baseline.render(entries), encoding="utf-8")
        click.echo(
            f"{target}: {len(entries)} finding(s) accepted"
            + (f", {dropped} no longer found and dropped" if action == "prune" else "")
        )
        return EXIT_PASS

    run_guarded(run)


@cli.command("fix")
@click.argument("path", default=".", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--diff", "preview", is_flag=True, help="Print the changes; write nothing.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--timeout",
    type=click.IntRange(1, 600),
    default=rulemap.FIX_TIMEOUT_SECONDS,
    show_default=True,
    help="Seconds given to outbound HTTP calls that had no timeout.",
)
def fix_cmd(path: Path, preview: bool, config_path: Path | None, timeout: int) -> None:
    """Fix what is mechanical (yaml.safe_load, certificate checks back on, HTTP timeouts,
    debug flags read from the environment, literal shell commands as argument lists), audit
    again, and repeat up to max_remediation_iterations times.

    Exit 0 when the audit then passes, 1 when a gate still fails (what is left is in the
    report's remediation plan), 2 on a usage error. `--diff` prints the first iteration's
    changes and writes nothing: exit 1 when there are changes to make, 0 when none.
    """

    def run() -> int:
        from gatekeeper import fix as fixer  # libcst's codemods load only when asked for

        opts = api.Options(config_path=config_path)
        if preview:
            fixes = fixer.preview(path, opts, timeout=timeout)
            for f in fixes:
                click.echo(f.diff(), nl=False)
            return EXIT_FAIL if fixes else EXIT_PASS
        report = fixer.remediate(path, opts, timeout=timeout).audit.report
        rem = report.remediation
        for it in rem.iterations:
            for change in it.fixed:
                click.echo(
                    f"iteration {it.iteration}: {change.where.path}:{change.where.line}: "
                    f"{change.rule_id} {change.what}"
                )
        left = sum(len(lines) for lines in fixer.fixable(report.findings).values())
        still_open = [f for f in report.findings if f.state == FindingState.OPEN]
        click.echo(
            f"remediation {rem.status.value} after {rem.iteration} iteration(s) of "
            f"{rem.max_iterations}: {left} fixable finding line(s) left, "
            f"{len(still_open)} open finding(s), {len(rem.plan)} failing the security gates "
            "(see the remediation plan)"
        )
        return EXIT_PASS if report.verdict == Verdict.PASS else EXIT_FAIL

    run_guarded(run)


@cli.command("rules")
@click.option("--phase", "phase", type=click.Choice(cfg.PHASE_IDS), help="Only this phase's rules.")
@click.option(
    "--language",
    type=click.Choice(("python", "javascript", "typescript", "go", "java")),
    help="Only rules that read this language (rules for any language are kept).",
)
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
def rules_cmd(phase: str | None, language: str | None, fmt: str) -> None:
    """List every rule: gatekeeper's own, bandit's and gatekeeper's semgrep rules."""

    def run() -> int:
        rows = [r for r in _rule_rows() if phase is None or r["phase"] == phase]
        if language is not None:
            rows = [r for r in rows if not r["languages"] or language in r["languages"]]
        if fmt == "json":
            click.echo(json.dumps(rows, indent=2))
            return EXIT_PASS
        for r in rows:
            langs = ",".join(r["languages"]) or "any"
            click.echo(
                f"{r['id']:<7} {r['severity']:<8} {r['phase']:<13} {langs:<22} {r['name']}"
                + (f" ({r['source']})" if r["source"] != "gatekeeper" else "")
            )
        return EXIT_PASS

    run_guarded(run)


def _rule_rows() -> list[dict[str, Any]]:
    """One row per rule id, sorted: id, name, phase, severity, languages, source, cwe."""
    from gatekeeper.engines import semgrep

    rows: list[dict[str, Any]] = []
    for r in CORE_RULES:
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "phase": r.criterion_id.split(".", 1)[0],
                "severity": r.severity.value,
                "languages": ["python"] if r.name.startswith("py-") else [],
                "source": "gatekeeper",
                "cwe": list(r.cwe),
            }
        )
    for test_id, (rule_id, name) in rulemap.BANDIT.items():
        rows.append(
            {
                "id": rule_id,
                "name": name,
                "phase": "security",
                "severity": "from bandit",
                "languages": ["python"],
                "source": f"bandit {test_id}",
                "cwe": [],
            }
        )
    meta: dict[str, dict[str, Any]] = {}
    for path in sorted(semgrep.default_rules().rglob("*.yaml")):
        try:
            data = yamlsafe.load_yaml(path.read_text(encoding="utf-8"), path=path.name)
        except (yamlsafe.DataFormatError, OSError):
            continue
        found = data.get("rules") if isinstance(data, dict) else None
        for rule in found if isinstance(found, list) else []:
            if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                meta[rule["id"]] = rule
    severity = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}
    for check_id, (rule_id, name) in rulemap.SEMGREP.items():
        rule = meta.get(check_id, {})
        metadata = rule.get("metadata") if isinstance(rule.get("metadata"), dict) else {}
        cwe = metadata.get("cwe") if isinstance(metadata, dict) else None
        langs = rule.get("languages")
        rows.append(
            {
                "id": rule_id,
                "name": name,
                "phase": "security",
                "severity": severity.get(str(rule.get("severity")), "medium"),
                "languages": sorted(str(x) for x in langs) if isinstance(langs, list) else [],
                "source": f"semgrep {check_id}",
                "cwe": [str(cwe).split(":", 1)[0]] if cwe else [],
            }
        )
    return sorted(rows, key=lambda r: (r["id"], r["source"]))


@cli.command("graph")
@click.argument(
    "path", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path)
)
@click.option(
    "--format", "fmt", type=click.Choice(("text", "mermaid")), default="text", show_default=True
)
@click.option("--no-engines", is_flag=True, help="With PATH: skip bandit and semgrep.")
def graph_cmd(path: Path | None, fmt: str, no_engines: bool) -> None:
    """Print the phase dependency graph; with PATH, coloured by that repository's results."""

    def run() -> int:
        graph = phase_graph.build(ALL_PHASES)
        results: tuple[PhaseResult, ...] = ()
        if path is not None:
            results = api.audit(path, api.Options(engines=not no_engines)).report.phases
        out = (
            phase_graph.mermaid(graph, results)
            if fmt == "mermaid"
            else phase_graph.text(graph, results)
        )
        click.echo(out, nl=False)
        return EXIT_PASS

    run_guarded(run)


@cli.command()
@click.argument("ident")
def explain(ident: str) -> None:
    """Explain a criterion id (requirements.repository_analyzable) or a rule id (GK001)."""

    def run() -> int:
        for c in all_criteria():
            if c.id == ident:
                click.echo(f"{c.id}: {c.title}")
                if c.check is None:
                    click.echo(f"status: planned ({c.planned_in}); reported as error until built")
                if c.why:
                    click.echo(f"why: {c.why}")
                if c.fix:
                    click.echo(f"fix: {c.fix}")
                return EXIT_PASS
        for r in CORE_RULES:
            if r.id == ident or r.name == ident:
                click.echo(f"{r.id} {r.name} ({r.severity.value}, criterion {r.criterion_id})")
                click.echo(f"what: {r.summary}")
                click.echo(f"fix: {r.fix}")
                if r.cwe:
                    click.echo(f"cwe: {', '.join(r.cwe)}")
                if r.owasp:
                    click.echo(f"owasp: {'; '.join(r.owasp)}")
                return EXIT_PASS
        for table, engine in ((rulemap.BANDIT, "bandit"), (rulemap.SEMGREP, "semgrep")):
            for source_id, (rule_id, name) in table.items():
                if ident in (rule_id, source_id):
                    click.echo(f"{rule_id} {name}: {engine} {source_id}, reported under criterion")
                    click.echo(
                        "security.owasp_top10_addressed; severity and CWE come from the engine"
                    )
                    if engine == "semgrep":
                        _explain_semgrep_rule(source_id)
                    return EXIT_PASS
        raise UsageError(f"unknown id {ident!r}; `gatekeeper explain` takes a criterion or rule id")

    run_guarded(run)


def _explain_semgrep_rule(rule_id: str) -> None:
    """The message and metadata of one of gatekeeper's semgrep rules, from its YAML file."""
    from gatekeeper.engines import semgrep

    for path in sorted(semgrep.default_rules().rglob(f"{rule_id}.yaml")):
        try:
            data = yamlsafe.load_yaml(path.read_text(encoding="utf-8"), path=path.name)
        except (yamlsafe.DataFormatError, OSError):
            return
        rules = data.get("rules") if isinstance(data, dict) else None
        rule = rules[0] if isinstance(rules, list) and rules else None
        if not isinstance(rule, dict):
            return
        found = rule.get("metadata")
        meta: dict[str, object] = found if isinstance(found, dict) else {}
        click.echo(f"what: {' '.join(str(rule.get('message', '')).split())}")
        click.echo(f"severity: {rule.get('severity', '?')}; languages: {rule.get('languages')}")
        if meta.get("cwe"):
            click.echo(f"cwe: {meta['cwe']}")
        if meta.get("owasp"):
            owasp = meta["owasp"]
            click.echo(
                f"owasp: {'; '.join(map(str, owasp if isinstance(owasp, list) else [owasp]))}"
            )
        return


@cli.command("hook")
@click.argument("files", nargs=-1)
@click.option(
    "--root",
    default=".",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Repository root the files belong to (default: the current directory).",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity]),
    help="Fail on open findings at or above this severity (default: severity_threshold).",
)
@click.option("--no-engines", is_flag=True, help="Skip bandit and semgrep.")
def hook_cmd(
    files: tuple[str, ...],
    root: Path,
    config_path: Path | None,
    fail_on: str | None,
    no_engines: bool,
) -> None:
    """Check the given files (a pre-commit hook): the security scan's per-file findings.

    File names come after `--`. Exit 0: nothing open at or above the threshold; 1: a finding
    is; 2: usage error; 3: a given source file could not be checked.
    """

    def run() -> int:
        from gatekeeper import hook

        result = hook.check_files(
            root,
            files,
            config_path=config_path,
            engines=not no_engines,
            fail_on=Severity(fail_on) if fail_on else None,
        )
        for f in result.findings:
            if f.state != FindingState.OPEN:
                continue
            where = f"{f.location.path}:{f.location.line or 1}"
            click.echo(for_log(f"{where}: {f.rule_id} [{f.severity.value}] {f.message}"))
        for u in result.unanalyzed:
            click.echo(for_log(f"{u.path}: not checked: {u.reason}"), err=True)
        failed_runs = [r for r in result.runs if not r.ok]
        for r in failed_runs:
            click.echo(for_log(f"{r.engine} did not complete: {r.message}"), err=True)
        failing = result.failing
        if failing:
            click.echo(
                f"gatekeeper: {len(failing)} finding(s) at or above {result.threshold} in "
                f"{len(result.checked)} file(s)",
                err=True,
            )
            return EXIT_FAIL
        if failed_runs or result.unanalyzed:
            return EXIT_INCOMPLETE
        return EXIT_PASS

    run_guarded(run)


@cli.command()
@click.argument("path", default=".", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing gatekeeper configuration.")
def init(path: Path, force: bool) -> None:
    """Write a starter configuration from what gatekeeper detects in PATH."""

    def run() -> int:
        from gatekeeper.init import write_starter

        written = write_starter(path.resolve(), force=force)
        click.echo(f"wrote {written}")
        return EXIT_PASS

    run_guarded(run)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="gatekeeper",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        click.echo("gatekeeper: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_PASS)
