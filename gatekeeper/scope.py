"""Diff mode: audit a change, not the repository's whole history.

`--diff BASE` asks git for the lines changed from the merge base of BASE and HEAD to HEAD
(plus untracked files; uncommitted edits to tracked files are not compared, see from_git);
`--changed-files FILE` takes them from a file instead, git-free: a unified diff (`git diff`
output, with or without context lines) or a list of paths, one per line (each file counts as
changed in full).

Findings of the security scan (judged file by file) are kept only when their line, or for a
whole-file finding their file, changed. Findings about the repository as a whole are kept
unless a previous report (`--baseline-report`) already had them. Criteria that fail for the
repository as a whole (no tests, no metrics...) are judged against that previous report: a
criterion that failed there too is not the change's doing and is reported as skipped, with the
reason.

git runs hardened: no hooks, no fsmonitor, no external diff or textconv drivers, no pager, no
system or global configuration, no prompts, a timeout, and only read-only subcommands.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from gatekeeper.errors import UsageError
from gatekeeper.model import Finding, Severity

GIT_TIMEOUT = 60
MAX_CHANGE_BYTES = 50_000_000  # a diff or list larger than this is refused, not truncated
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")
_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "LC_ALL": "C",
}
_GIT_FLAGS = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    f"core.hooksPath={os.devnull}",
    "-c",
    "diff.external=",
    "-c",
    "core.pager=cat",
    "-c",
    "color.ui=false",
    "-c",
    "protocol.allow=never",
    "--no-pager",
)


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What changed: path (relative to the audited root, POSIX) -> changed line numbers in the
    new file, or None when the whole file counts as changed."""

    source: str  # how the change was found, for the report
    files: Mapping[str, frozenset[int] | None] = field(default_factory=dict)

    def covers(self, path: str, line: int | None) -> bool:
        if path not in self.files:
            return False
        lines = self.files[path]
        return lines is None or line is None or line in lines

    @property
    def line_count(self) -> int:
        return sum(len(v) for v in self.files.values() if v is not None)


def _norm(path: str) -> str | None:
    path = path.strip()
    if not path or path == "/dev/null":
        return None
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts:
        return None  # never a path outside the root
    text = pure.as_posix()
    return text[2:] if text.startswith("./") else text


def _diff_path(header: str) -> str | None:
    """The new file's path from a `+++ b/path` line (quoted paths unquoted the simple way)."""
    name = header[4:].split("\t", 1)[0].rstrip("\n")
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    if name.startswith(("b/", "w/", "i/")):
        name = name[2:]
    return _norm(name)


def parse_unified_diff(text: str) -> dict[str, frozenset[int]]:
    """path -> the new file's added or changed lines. Deleted files are left out; a file whose
    hunks only delete lines is kept with no lines (it was touched)."""
    out: dict[str, set[int]] = {}
    current: str | None = None
    new_line = 0
    remaining = 0
    for raw in text.splitlines():
        if remaining <= 0 and raw.startswith("+++ "):
            current = _diff_path(raw)
            if current is not None:
                out.setdefault(current, set())
            continue
        m = _HUNK.match(raw)
        if m:
            new_line = int(m.group("start"))
            remaining = int(m.group("count") or 1)
            continue
        if current is None or remaining <= 0:
            continue
        if raw.startswith("+"):
            out[current].add(new_line)
            new_line += 1
            remaining -= 1
        elif raw.startswith(" ") or raw == "":
            new_line += 1
            remaining -= 1
        # "-" lines and "\ No newline at end of file" leave the new file's numbering alone
    return {path: frozenset(lines) for path, lines in out.items()}


def from_changed_files(path: Path) -> ChangeSet:
    """`--changed-files FILE`: a unified diff, or a list of paths (one per line)."""
    try:
        if path.stat().st_size > MAX_CHANGE_BYTES:
            raise UsageError(f"--changed-files {path}: larger than {MAX_CHANGE_BYTES} bytes")
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"--changed-files {path}: {exc.strerror or exc}") from exc
    if re.search(r"^(?:diff --git |--- |\+\+\+ |@@ )", text, flags=re.M):
        files: dict[str, frozenset[int] | None] = dict(parse_unified_diff(text))
        return ChangeSet(f"changed lines from {path.name}", files)
    listed = {p for p in (_norm(line) for line in text.splitlines()) if p}
    return ChangeSet(f"changed files listed in {path.name}", dict.fromkeys(sorted(listed)))


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        raise UsageError("--diff needs git on PATH; --changed-files FILE works without")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_GIT_ENV)
    try:
        done = subprocess.run(
            [git, *_GIT_FLAGS, *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise UsageError(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from exc
    if check and done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise UsageError(f"git {' '.join(args[:2])} failed: {detail[0]}")
    return done


def resolve_base(base: str, env: Mapping[str, str] | None = None) -> str:
    """`auto`: the pull request's base branch from the CI's environment."""
    if base != "auto":
        return base
    env = os.environ if env is None else env
    for variable in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        if env.get(variable):
            return f"origin/{env[variable]}"
    raise UsageError(
        "--diff auto: neither GITHUB_BASE_REF nor CI_MERGE_REQUEST_TARGET_BRANCH_NAME is set "
        "(not a pull or merge request); name the base, e.g. --diff origin/main, or use --all"
    )


def from_git(root: Path, base: str, env: Mapping[str, str] | None = None) -> ChangeSet:
    """The lines changed between the merge base of BASE and HEAD, and HEAD, plus untracked
    files. Committed trees are compared, never the working tree: comparing working-tree files
    would run the clean filters a repository's attributes name."""
    base = resolve_base(base, env)
    if base.startswith("-") or not re.fullmatch(r"[A-Za-z0-9._/@{}^~:+-]{1,200}", base):
        raise UsageError(f"--diff {base!r}: not a git revision")
    inside = _git(root, "rev-parse", "--is-inside-work-tree", check=False)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise UsageError(
            f"--diff: {root} is not in a git work tree ({inside.stderr.strip() or 'no repo'}); "
            "use --changed-files FILE, or --all"
        )
    known = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}", check=False)
    if known.returncode != 0:
        branch = base.split("/", 1)[1] if base.startswith("origin/") else base
        raise UsageError(
            f"--diff {base}: no such revision in this clone. Fetch it first: "
            f"git fetch --no-tags origin {branch}:refs/remotes/origin/{branch} "
            "(in GitHub Actions: actions/checkout with fetch-depth: 0)"
        )
    merge_base = _git(root, "merge-base", base, "HEAD", check=False)
    if merge_base.returncode != 0:
        shallow = _git(root, "rev-parse", "--is-shallow-repository", check=False)
        hint = (
            "this is a shallow clone: fetch more history with git fetch --unshallow "
            "(or actions/checkout with fetch-depth: 0)"
            if shallow.stdout.strip() == "true"
            else "the two histories share no commit"
        )
        raise UsageError(f"--diff {base}: no merge base with HEAD; {hint}")
    commit = merge_base.stdout.strip()
    diff = _git(
        root,
        "diff",
        "--no-ext-diff",
        "--no-textconv",
        "--no-color",
        "--unified=0",
        "--relative",
        "--diff-filter=ACMRT",
        commit,
        "HEAD",
        "--",
        ".",
    )
    files: dict[str, frozenset[int] | None] = dict(parse_unified_diff(diff.stdout))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    for name in untracked.stdout.split("\0"):
        norm = _norm(name)
        if norm:
            files[norm] = None  # a new file: every line is new
    return ChangeSet(f"git diff against {base} (merge base {commit[:12]})", files)


# ---------------------------------------------------------------------------- previous report


@dataclass(frozen=True, slots=True)
class PriorReport:
    """What `--baseline-report` contributes: the criteria that failed, the open findings, how
    many were open per phase and severity, and the line coverage it measured."""

    source: str
    failed_criteria: frozenset[str]
    open_findings: frozenset[str]
    open_by_phase: Mapping[str, Mapping[str, int]]  # phase -> severity -> open findings
    line_coverage: float | None = None

    def open_at_or_above(self, phase: str, threshold: Severity) -> int:
        counts = self.open_by_phase.get(phase, {})
        return sum(n for sev, n in counts.items() if Severity(sev).rank >= threshold.rank)


COVERAGE_CRITERION = "testing.unit_tests_coverage"
_COVERAGE = re.compile(r"\bcoverage (\d+(?:\.\d+)?)%")


def line_coverage(message: str) -> float | None:
    """The measured line coverage in the coverage criterion's message ("coverage 88.9%
    ..."), the one figure a ratchet compares."""
    m = _COVERAGE.search(message)
    return float(m.group(1)) if m else None


def load_prior(path: Path) -> PriorReport:
    try:
        if path.stat().st_size > MAX_CHANGE_BYTES:
            raise UsageError(f"--baseline-report {path}: larger than {MAX_CHANGE_BYTES} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--baseline-report {path}: {exc.strerror or exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"--baseline-report {path}: not JSON ({exc})") from exc
    try:
        phases = data["phases"]
        findings = data["findings"]
        failed = frozenset(
            str(c["id"]) for p in phases for c in p["criteria"] if c["status"] == "fail"
        )
        opened = [f for f in findings if f.get("state") == "open"]
        by_phase: dict[str, dict[str, int]] = {}
        for f in opened:
            severity = Severity(str(f["severity"])).value
            counts = by_phase.setdefault(str(f["phase"]), {})
            counts[severity] = counts.get(severity, 0) + 1
        fingerprints = frozenset(str(f["fingerprint"]) for f in opened)
        coverage = next(
            (
                line_coverage(str(c.get("message", "")))
                for p in phases
                for c in p["criteria"]
                if c["id"] == COVERAGE_CRITERION and c["status"] in ("pass", "fail")
            ),
            None,
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise UsageError(
            f"--baseline-report {path}: not a gatekeeper JSON report (--format json); "
            f"missing or invalid {exc}"
        ) from exc
    return PriorReport(path.name, failed, fingerprints, by_phase, coverage)


def dropped_because(
    changes: ChangeSet | None,
    prior: PriorReport | None,
    finding: Finding,
    line_level: bool,
) -> str | None:
    """Why a finding is left out of the report of this change: `outside` (on a line or file
    the change did not touch), `prior` (about the repository as a whole and already in the
    previous report), or None (it stays).

    Line-level findings (the security scan's, judged file by file) follow the changed lines.
    The others are about the repository as a whole even when they point at a line (a
    database used with no schema source points at its import): without a previous report
    they stay, whatever the change."""
    if changes is None:
        return None
    loc = finding.location
    if line_level:
        return None if changes.covers(loc.path, loc.line) else "outside"
    if prior is not None and finding.fingerprint in prior.open_findings:
        return "prior"
    return None


def describe(changes: ChangeSet, dropped: Iterable[object]) -> str:
    n = len(set(dropped))
    return (
        f"{changes.source}: {len(changes.files)} changed file(s), {changes.line_count} "
        f"changed line(s); {n} finding(s) outside the change not reported"
    )
