"""Runs semgrep with gatekeeper's rules over explicit target files and accounts for every file.

A file semgrep did not scan, or scanned with an error, comes back as `Unanalyzed`, never as clean.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import sysconfig
import tempfile
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from importlib.util import find_spec
from pathlib import Path

import yaml

from gatekeeper.engines import proc
from gatekeeper.errors import EngineError, EngineOutputError, EngineTimeout
from gatekeeper.model import EngineRun, Unanalyzed

ENGINE = "semgrep"
# Rules whose metadata says `category: inventory` collect facts (routes ...), not findings.
# Their message lists bindings as "\x1fNAME=$NAME..."; semgrep leaves an unbound one as written.
INVENTORY_CATEGORY = "inventory"
BINDING_SEPARATOR = "\x1f"
MAX_METAVAR_CHARS = 400
# A handler's parameter list is read whole (query parameters); anything else only needs its head.
LONG_METAVARS = frozenset({"PARAMS"})
MAX_LONG_METAVAR_CHARS = 2000
MAX_INVENTORY_MATCHES = 50_000
DEFAULT_FILE_TIMEOUT = 30  # seconds per rule and file; semgrep accepts whole seconds only
DEFAULT_MAX_RSS_BYTES = 4 * 1024 * 1024 * 1024
# Explicit targets bypass .semgrepignore, .gitignore and even --max-target-bytes in semgrep 1.185,
# which is what we want for the ignore files; the size cap we enforce ourselves before the run.
# Linux caps argv+environ at ~2 MiB; batches stay well below it and share one deadline.
ARGV_BUDGET_BYTES = 512 * 1024

# semgrep scan's documented exit codes ("EXIT STATUS" in `semgrep scan --help`).
EXIT_CODES: Mapping[int, str] = {
    0: "ok",
    1: "findings",
    2: "fatal error",
    3: "invalid target code",
    4: "invalid pattern",
    5: "unparseable YAML",
    7: "missing configuration",
    8: "invalid language",
    13: "invalid API key",
    99: "not implemented in osemgrep",
}

# Every flag we pass; tests/test_engines_semgrep.py checks each against `semgrep scan --help`.
FLAGS: tuple[str, ...] = (
    "--config",
    "--metrics",
    "--disable-version-check",
    "--no-git-ignore",
    "--disable-nosem",
    "--max-target-bytes",
    "--timeout",
    "--jobs",
    "--verbose",
    "--json",
)


@dataclass(frozen=True, slots=True)
class SemgrepMatch:
    check_id: str  # our rule id, without the path prefix semgrep adds
    path: str  # POSIX, relative to the audited root, one of the files we asked for
    line: int
    column: int  # 1-based
    end_line: int
    end_column: int  # 1-based, exclusive
    message: str
    severity: str  # semgrep's own word (ERROR, WARNING, INFO, ...); mapping to ours is policy
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()
    confidence: str | None = None
    metadata: tuple[tuple[str, str], ...] = ()  # every metadata key, values as text or JSON
    # An inventory rule's metavariable bindings (name without `$`, text capped), read from its
    # message: semgrep puts bindings in its JSON only for logged-in users.
    metavars: tuple[tuple[str, str], ...] = ()

    def sort_key(self) -> tuple[str, int, int, int, int, str, tuple[tuple[str, str], ...]]:
        return (
            self.path,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
            self.check_id,
            self.metavars,
        )

    @property
    def is_inventory(self) -> bool:
        return ("category", INVENTORY_CATEGORY) in self.metadata


@dataclass(frozen=True, slots=True, order=True)
class InventoryMatch:
    """A match of an inventory rule as a plain fact: where, and what its metavariables bound."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    metavars: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        """The text bound to `name` (without `$`), or None when the pattern did not bind it."""
        return next((text for key, text in self.metavars if key == name), None)


@dataclass(frozen=True, slots=True)
class EngineFacts:
    """What the inventory rules found in one semgrep run, or why nothing is known."""

    matches: tuple[InventoryMatch, ...] = ()
    error: str | None = None  # set when semgrep did not run or failed: the facts are unknown
    unscanned: tuple[Unanalyzed, ...] = ()  # files semgrep did not read (their facts are missing)
    capped: bool = False  # more matches than MAX_INVENTORY_MATCHES; the rest were dropped


NO_TARGETS = EngineFacts()  # nothing for semgrep to read: no facts, none missing
NOT_RUN = EngineFacts(error="semgrep did not run")


@dataclass(frozen=True, slots=True)
class SemgrepRun:
    version: str | None
    matches: tuple[SemgrepMatch, ...]
    scanned: frozenset[str]  # files semgrep scanned without any error or skip
    unanalyzed: tuple[Unanalyzed, ...]
    ok: bool  # False: semgrep said something about the run as a whole; see message
    message: str = ""
    expected: int = 0  # how many files we were asked to analyze

    def engine_run(self) -> EngineRun:
        inventory = sum(m.is_inventory for m in self.matches)
        return EngineRun(
            engine=ENGINE,
            version=self.version,
            ok=self.ok,
            files_expected=self.expected,
            files_scanned=len(self.scanned),
            message=self.message,
            stats=(
                ("matches", sum(not m.is_inventory for m in self.matches)),
                *((("inventory_matches", inventory),) if inventory else ()),
                ("unanalyzed", len(self.unanalyzed)),
            ),
        )


def version() -> str | None:
    """The installed semgrep distribution's version, without starting it."""
    try:
        return importlib_metadata.version("semgrep")
    except importlib_metadata.PackageNotFoundError:
        return None


def executable() -> str | None:
    """The `semgrep` launcher installed beside this interpreter, else the first one on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "semgrep"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("semgrep")


def default_rules() -> Path:
    """gatekeeper's rule directory: the installed `gatekeeper.rules`, else the checkout's rules/."""
    spec = find_spec("gatekeeper.rules")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[2] / "rules"


def engine_env() -> dict[str, str]:
    """Extras on top of proc's minimal environment: offline, and git never reads the target."""
    return {
        "SEMGREP_ENABLE_VERSION_CHECK": "0",
        "SEMGREP_SEND_METRICS": "off",
        "NO_COLOR": "1",
        # pysemgrep runs `git remote get-url` and `git ls-remote` in cwd even with
        # --no-git-ignore; with GIT_DIR pointing nowhere git never opens the target's .git.
        "GIT_DIR": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "PYTHONSAFEPATH": "1",
    }


def command(
    rules: Path, *, max_target_bytes: int, file_timeout: int, jobs: int, semgrep: str
) -> list[str]:
    """The argv before the targets; the targets follow a `--`, each as ./relative/path."""
    return [
        semgrep,
        "scan",
        "--config",
        str(rules),
        "--metrics=off",
        "--disable-version-check",
        "--no-git-ignore",
        "--disable-nosem",
        "--max-target-bytes",
        str(max_target_bytes),
        "--timeout",
        str(file_timeout),
        "--jobs",
        str(jobs),
        "--verbose",
        "--json",
        "--",
    ]


def run_semgrep(
    root: Path,
    files: Sequence[str],
    *,
    rules: Path,
    timeout: float,
    max_target_bytes: int,
    jobs: int = 2,
    max_rss_bytes: int | None = DEFAULT_MAX_RSS_BYTES,
    file_timeout: float = DEFAULT_FILE_TIMEOUT,
    semgrep: str | None = None,
    cancel: threading.Event | None = None,
) -> SemgrepRun:
    """Scan files (POSIX paths relative to root) with every rule under `rules` in one semgrep run.

    Raises EngineTimeout, EngineOutputError or EngineError when the run fails as a whole.
    An empty (or entirely rejected) file list returns an ok run without starting semgrep.
    """
    # semgrep reads a zero or negative --max-target-bytes as "no limit"; so do we.
    limit = max_target_bytes if max_target_bytes > 0 else None
    targets, rejected = proc.check_targets(root, files, engine=ENGINE, max_bytes=limit)
    expected = len(targets) + len(rejected)
    if not targets:
        return SemgrepRun(version(), (), frozenset(), tuple(sorted(rejected)), True, "", expected)
    launcher = semgrep or executable()
    if launcher is None:
        raise EngineError(
            ENGINE, "semgrep is not installed (no `semgrep` beside python or on PATH)"
        )
    with tempfile.TemporaryDirectory(prefix="gatekeeper-semgrep-") as tmp:
        config = rules.resolve()
        if config.is_dir():
            config = Path(tmp, "rules.json")
            config.write_text(bundle_rules(rules), encoding="utf-8")
        argv = command(
            config,
            max_target_bytes=max_target_bytes,
            file_timeout=max(1, math.ceil(file_timeout)),  # 0 would mean no limit
            jobs=max(1, jobs),
            semgrep=launcher,
        )
        deadline = time.monotonic() + timeout
        runs = []
        for batch in _batches(targets):
            left = deadline - time.monotonic()
            if left <= 0:
                raise EngineTimeout(ENGINE, f"did not finish within {timeout:g} s")
            batch_argv = [*argv, *(f"./{t}" for t in batch)]
            result = _run_once(root, batch_argv, left, max_rss_bytes, budget=timeout, cancel=cancel)
            runs.append(parse_json(result.stdout, batch))
    return _merge(runs, rejected, expected)


def bundle_rules(rules: Path) -> str:
    """Every rule under `rules` in one JSON document (semgrep reads JSON as YAML).

    semgrep spends about 60 ms loading and validating each YAML config file: about 6 s for
    gatekeeper's rule set, against 0.2 s for the same rules as one JSON file. The rules are
    gatekeeper's own, shipped with it; the bundle is rebuilt when a file changes.
    """
    files = sorted(rules.rglob("*.yaml"))
    signature = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _bundle(signature)


# Code a browser runs (static assets of a web app, vendored and minified libraries): the rules
# written for server code (request taint, routes, outbound calls, logging) find nothing there
# but cost the most on it: 40 s of semgrep for the jQuery and Materialize copies in one
# aiohttp app's static/js. Only the rules that matter in any code a user ships read it.
BROWSER_PATHS = (
    "public",
    "static",
    "staticfiles",
    "*-static",
    "*_static",
    "assets",
    "www",
    "vendor",
    "*.min.js",
)
BROWSER_RULES = frozenset(
    {"gk-js-hardcoded-secret", "gk-js-hardcoded-db-url", "gk-js-insecure-random-token"}
)
_JS_LANGUAGES = frozenset({"javascript", "typescript", "js", "ts"})


@functools.lru_cache(maxsize=4)
def _bundle(signature: tuple[tuple[str, int, int], ...]) -> str:
    collected: list[object] = []
    for path, _mtime, _size in signature:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("rules"), list):
            collected.extend(_server_only(rule) for rule in data["rules"])
    return json.dumps({"rules": collected}, sort_keys=True)


def _server_only(rule: object) -> object:
    """A JavaScript/TypeScript rule outside BROWSER_RULES, with BROWSER_PATHS excluded."""
    if not isinstance(rule, dict) or rule.get("id") in BROWSER_RULES:
        return rule
    languages = rule.get("languages")
    if not isinstance(languages, list) or not set(languages) <= _JS_LANGUAGES:
        return rule
    paths = dict(rule.get("paths") or {})
    excluded = [p for p in paths.get("exclude", []) if p not in BROWSER_PATHS]
    paths["exclude"] = [*excluded, *BROWSER_PATHS]
    return {**rule, "paths": paths}


def _batches(targets: Sequence[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for target in targets:
        cost = len(os.fsencode(target)) + 3
        if batch and size + cost > ARGV_BUDGET_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(target)
        size += cost
    if batch:
        yield batch


def _run_once(
    root: Path,
    argv: list[str],
    timeout: float,
    max_rss_bytes: int | None,
    *,
    budget: float,
    cancel: threading.Event | None = None,
) -> proc.ProcResult:
    try:
        result = proc.run(
            argv,
            cwd=root,
            timeout=timeout,
            env=engine_env(),
            max_rss_bytes=max_rss_bytes,
            cancel=cancel,
        )
    except OSError as exc:
        raise EngineError(ENGINE, f"could not start {argv[0]}: {exc.strerror or exc}") from exc
    if result.timed_out:
        raise EngineTimeout(ENGINE, f"did not finish within {budget:g} s and was stopped")
    if result.memory_exceeded:
        cap = (max_rss_bytes or 0) // (1024 * 1024)
        raise EngineError(ENGINE, f"used more than {cap} MiB of memory and was stopped")
    if result.stdout_truncated:
        raise EngineOutputError(ENGINE, "wrote more output than gatekeeper keeps; stopped")
    if result.returncode < 0:
        detail = proc.short_text(result.stderr, 400) or "no message"
        raise EngineError(ENGINE, f"was killed by signal {-result.returncode}: {detail}")
    if result.returncode not in (0, 1):
        meaning = EXIT_CODES.get(result.returncode, "unknown exit code")
        detail = _first_error(result.stdout) or proc.short_text(result.stderr, 400)
        raise EngineOutputError(ENGINE, f"exited with {result.returncode} ({meaning}): {detail}")
    return result


def _first_error(stdout: bytes) -> str:
    try:
        errors = json.loads(stdout).get("errors") or []
        return proc.short_text(str(errors[0].get("message", "")), 400)
    except (ValueError, AttributeError, IndexError, TypeError):
        return ""


# ---------------------------------------------------------------------------- output parsing


def parse_json(stdout: bytes, expected: Collection[str]) -> SemgrepRun:
    """Parse `semgrep scan --json --verbose` output for a run over `expected` (root-relative).

    Raises EngineOutputError when the output is not semgrep's JSON.
    """
    try:
        data = json.loads(stdout)
    except ValueError as exc:
        head = proc.short_text(stdout[:300], 300) or "nothing"
        raise EngineOutputError(ENGINE, f"output is not JSON; it starts with: {head}") from exc
    if not isinstance(data, dict):
        raise EngineOutputError(ENGINE, "output is not a JSON object")
    wanted = frozenset(expected)
    results = _list(data, "results")
    errors = _list(data, "errors")
    paths = data.get("paths")
    if not isinstance(paths, dict):
        raise EngineOutputError(ENGINE, "output has no 'paths' object (was --verbose dropped?)")
    reasons: dict[str, set[str]] = {}
    problems: list[str] = []

    matches: set[SemgrepMatch] = set()
    for item in results:
        match = _match(item)
        if match.path in wanted:
            matches.add(match)
        else:
            problems.append(f"dropped a result for a path it was not given: {match.path}")

    scanned = {p for p in map(_path, _list(paths, "scanned")) if p in wanted}
    for skipped in _list(paths, "skipped"):
        if not isinstance(skipped, dict):
            raise EngineOutputError(ENGINE, "paths.skipped holds something other than objects")
        path = _path(skipped.get("path"))
        if path in wanted:
            reason = proc.short_text(str(skipped.get("reason", "unknown")), 200)
            reasons.setdefault(path, set()).add(f"semgrep skipped it ({reason})")

    for error in errors:
        if not isinstance(error, dict):
            raise EngineOutputError(ENGINE, "errors[] holds something other than objects")
        described = _describe(error)
        error_path = _error_path(error)
        if error_path is None:
            problems.append(described)
        elif error_path in wanted:
            reasons.setdefault(error_path, set()).add(described)
        else:
            problems.append(f"error for a path it was not given ({error_path}): {described}")

    for rule in _list(data, "skipped_rules"):
        rule_id = rule.get("rule_id") if isinstance(rule, dict) else rule
        problems.append(f"rule skipped: {proc.short_text(str(rule_id), 200)}")

    for path in wanted - scanned - reasons.keys():
        reasons[path] = {"semgrep did not scan it (no rule for its language, or filtered out)"}

    version_text = data.get("version")
    return SemgrepRun(
        version=version_text if isinstance(version_text, str) else None,
        matches=tuple(sorted(matches, key=SemgrepMatch.sort_key)),
        scanned=frozenset(scanned - reasons.keys()),
        unanalyzed=tuple(
            Unanalyzed(path, "; ".join(sorted(why)), ENGINE)
            for path, why in sorted(reasons.items())
        ),
        ok=not problems,
        message="; ".join(sorted(set(problems))),
        expected=len(wanted),
    )


def _merge(runs: Sequence[SemgrepRun], rejected: Iterable[Unanalyzed], expected: int) -> SemgrepRun:
    versions = {run.version for run in runs if run.version}
    message = "; ".join(run.message for run in runs if run.message)
    return SemgrepRun(
        version=min(versions) if versions else version(),
        matches=tuple(sorted((m for run in runs for m in run.matches), key=SemgrepMatch.sort_key)),
        scanned=frozenset().union(*(run.scanned for run in runs)),
        unanalyzed=tuple(sorted([*rejected, *(u for run in runs for u in run.unanalyzed)])),
        ok=all(run.ok for run in runs),
        message=proc.short_text(message, 2000) if message else "",
        expected=expected,
    )


def _list(container: Mapping[str, object], key: str) -> list[object]:
    value = container.get(key, [])
    if not isinstance(value, list):
        raise EngineOutputError(ENGINE, f"'{key}' in the output is not a list")
    return value


def _path(value: object) -> str:
    """A reported path, normalized; an unusable one is kept (escaped) so it can be reported."""
    text = value if isinstance(value, str) else repr(value)
    return proc.normalize_target(text) or proc.short_text(text, 200)


def _error_path(error: Mapping[str, object]) -> str | None:
    path = error.get("path")
    if path is None:
        spans = error.get("spans")
        if isinstance(spans, list) and spans and isinstance(spans[0], dict):
            path = spans[0].get("file")
    return None if path is None else _path(path)


def _describe(error: Mapping[str, object]) -> str:
    kind = error.get("type")
    name = kind[0] if isinstance(kind, list) and kind else kind
    rule = error.get("rule_id")
    text = str(error.get("message") or "").strip().splitlines()
    parts = [f"semgrep {proc.short_text(str(name or 'error'), 60)}"]
    if isinstance(rule, str):
        parts.append(f"in rule {rule_id(rule)}")
    head = " ".join(parts)
    return f"{head}: {proc.short_text(' '.join(text[:2]), 300)}" if text else head


def rule_id(check_id: str) -> str:
    """semgrep prefixes a rule id with its config path (tmp.x.rules.gk-a); ours have no dots."""
    return check_id.rsplit(".", 1)[-1]


def _match(item: object) -> SemgrepMatch:
    try:
        if not isinstance(item, dict):
            raise TypeError("not an object")
        start, end, extra = item["start"], item["end"], item.get("extra") or {}
        meta = extra.get("metadata") or {}
        if not isinstance(meta, dict):
            raise TypeError("metadata is not an object")
        raw_message = str(extra.get("message", ""))
        inventory = meta.get("category") == INVENTORY_CATEGORY
        return SemgrepMatch(
            check_id=rule_id(str(item["check_id"])),
            path=_path(item["path"]),
            line=int(start["line"]),
            column=int(start["col"]),
            end_line=int(end["line"]),
            end_column=int(end["col"]),
            message="" if inventory else proc.short_text(raw_message, 2000),
            severity=str(extra.get("severity", "")),
            cwe=_texts(meta.get("cwe")),
            owasp=_texts(meta.get("owasp")),
            confidence=str(meta["confidence"]) if meta.get("confidence") is not None else None,
            # An inventory match keeps only its category: it is one of many, and its rule's
            # description is the same every time.
            metadata=(("category", INVENTORY_CATEGORY),)
            if inventory
            else tuple(sorted((str(k), _text(v)) for k, v in meta.items())),
            metavars=bindings(raw_message) if inventory else (),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise EngineOutputError(ENGINE, f"a result is not in semgrep's shape ({exc!r})") from exc


def _texts(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),)


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


_UNBOUND = re.compile(r"\$(?:\.\.\.)?[A-Z_][A-Z0-9_]{0,40}")


def bindings(message: str) -> tuple[tuple[str, str], ...]:
    """An inventory rule's "\x1fNAME=text..." message as (NAME, text) pairs, each text capped.

    A metavariable the matching pattern did not bind stays as written (`$NAME`) and is left out.
    """
    out: list[tuple[str, str]] = []
    for piece in message.split(BINDING_SEPARATOR)[1:]:
        name, equals, text = piece.partition("=")
        if not equals or _UNBOUND.fullmatch(text):
            continue
        cap = MAX_LONG_METAVAR_CHARS if name in LONG_METAVARS else MAX_METAVAR_CHARS
        out.append((name, text[:cap]))
    return tuple(out)


def inventory_facts(run: SemgrepRun) -> EngineFacts:
    """The inventory matches of a run as facts, capped; a run that was not clean makes them
    unknown, since a rule semgrep skipped or a result it misplaced leaves routes unseen."""
    found = [
        InventoryMatch(m.path, m.line, m.column, m.end_line, m.end_column, m.check_id, m.metavars)
        for m in run.matches
        if m.is_inventory
    ]
    capped = len(found) > MAX_INVENTORY_MATCHES
    return EngineFacts(
        matches=tuple(sorted(found)[:MAX_INVENTORY_MATCHES]),
        error=None if run.ok else f"semgrep did not complete: {run.message}",
        unscanned=run.unanalyzed,
        capped=capped,
    )
