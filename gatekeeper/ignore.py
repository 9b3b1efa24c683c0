"""Ignore rules for the walk: the target's own .gitignore files (scoped per directory, deeper wins),
.git/info/exclude, the configured `exclude` patterns, and which paths git already tracks.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import time
from collections.abc import Iterable, Sequence

from pathspec import GitIgnoreSpec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from gatekeeper.errors import ConfigError

# pathspec matches with backtracking regexes: `*a*a*a*a*b` against a long name takes minutes.
# The target writes its own .gitignore, so patterns that could be that slow are not applied
# (not applying an ignore rule only means analyzing more), and matching has a time budget.
MAX_SINGLE_STARS = 2
MAX_GLOBSTARS = 3
MAX_PATTERNS_PER_FILE = 500
# Longer paths are not matched (so never ignored): bounds the cost of one match.
MAX_MATCH_PATH = 1024
DEFAULT_MATCH_BUDGET_SECONDS = 2.0

_STAR_RUN = re.compile(r"\*+")


def pattern_too_costly(pattern: str) -> bool:
    """True when matching `pattern` could backtrack badly (too many `*` or `**` wildcards)."""
    body = pattern.strip()
    if not body or body.startswith("#"):
        return False
    singles = globstars = 0
    for segment in body.split("/"):
        for run in _STAR_RUN.findall(segment):
            if run == "**" and segment == "**":
                globstars += 1
            else:
                singles += 1
    return singles > MAX_SINGLE_STARS or globstars > MAX_GLOBSTARS


def compile_patterns(lines: Iterable[str], *, source: str) -> tuple[GitIgnoreSpec, list[str]]:
    """Compile gitignore lines the way git reads them: invalid or costly lines are dropped.

    Returns the spec (empty when nothing applies) and one note per dropped line, naming
    `source` and the line number.
    """
    patterns: list[GitIgnoreSpecPattern] = []
    notes: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.removesuffix("\r")
        if pattern_too_costly(line):
            notes.append(
                f"{source}:{number}: pattern not applied: more than {MAX_SINGLE_STARS} '*' "
                f"or {MAX_GLOBSTARS} '**' wildcards"
            )
            continue
        try:
            pattern = GitIgnoreSpecPattern(line)
        except ValueError:  # GitIgnorePatternError; git skips such lines silently
            notes.append(f"{source}:{number}: invalid pattern not applied")
            continue
        if pattern.include is None:  # blank line or comment
            continue
        if len(patterns) == MAX_PATTERNS_PER_FILE:
            notes.append(f"{source}: only the first {MAX_PATTERNS_PER_FILE} patterns were applied")
            break
        patterns.append(pattern)
    return GitIgnoreSpec(patterns), notes


def _match(spec: GitIgnoreSpec, rel: str, *, is_dir: bool) -> bool | None:
    # A trailing slash is how pathspec tells a directory from a file (`build/` matches only dirs).
    result = spec.check_file(rel + "/" if is_dir else rel, separators=())
    include: bool | None = result.include
    return include


def split_lines(data: bytes) -> list[str]:
    """Decode an ignore file like git: raw bytes (names are fsdecoded too), LF or CRLF lines."""
    return [line.removesuffix("\r") for line in os.fsdecode(data).split("\n")]


class ExcludePatterns:
    """Configured `exclude` patterns (gitignore syntax, relative to the root); they always win."""

    __slots__ = ("_spec", "patterns")

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        compiled: list[GitIgnoreSpecPattern] = []
        for pattern in self.patterns:
            if "\n" in pattern or "\r" in pattern:
                raise ConfigError(f"exclude pattern {pattern!r} contains a line break; remove it")
            if pattern_too_costly(pattern):
                raise ConfigError(
                    f"exclude pattern {pattern!r} has more than {MAX_SINGLE_STARS} '*' or "
                    f"{MAX_GLOBSTARS} '**' wildcards; simplify it in [tool.gatekeeper] exclude"
                )
            try:
                compiled.append(GitIgnoreSpecPattern(pattern))
            except ValueError as exc:
                raise ConfigError(
                    f"exclude pattern {pattern!r} is not valid gitignore syntax ({exc}); "
                    "fix it in [tool.gatekeeper] exclude"
                ) from exc
        self._spec = GitIgnoreSpec(compiled) if compiled else None

    def matches(self, rel: str, *, is_dir: bool) -> bool:
        if self._spec is None or len(rel) > MAX_MATCH_PATH:
            return False
        return bool(_match(self._spec, rel, is_dir=is_dir))


class IgnoreRules:
    """The target's .gitignore files, each scoped to its directory, plus .git/info/exclude.

    Git's order: the deepest .gitignore with a matching pattern decides (last match within a
    file), then .git/info/exclude. Matching stops (nothing more is ignored) once the time
    budget is spent, and a note says so.
    """

    __slots__ = ("_budget", "_info_exclude", "_long_path_noted", "_specs", "_spent", "notes")

    def __init__(self, *, budget_seconds: float = DEFAULT_MATCH_BUDGET_SECONDS) -> None:
        self._specs: dict[str, GitIgnoreSpec] = {}
        self._info_exclude: GitIgnoreSpec | None = None
        self._budget = budget_seconds
        self._spent = 0.0
        self._long_path_noted = False
        self.notes: list[str] = []

    def add(self, directory: str, data: bytes, *, source: str | None = None) -> None:
        """Apply the .gitignore found in `directory` ("" for the root) to paths below it.

        `source` names the file in notes (pass it escaped for display).
        """
        if source is None:
            source = f"{directory}/.gitignore" if directory else ".gitignore"
        spec, notes = compile_patterns(split_lines(data), source=source)
        self.notes.extend(notes)
        if len(spec):
            self._specs[directory] = spec

    def add_info_exclude(self, data: bytes) -> None:
        spec, notes = compile_patterns(split_lines(data), source=".git/info/exclude")
        self.notes.extend(notes)
        self._info_exclude = spec if len(spec) else None

    @property
    def exhausted(self) -> bool:
        return self._spent > self._budget

    def is_ignored(self, rel: str, *, is_dir: bool) -> bool:
        if not self._specs and self._info_exclude is None:
            return False
        if self.exhausted:
            return False
        if len(rel) > MAX_MATCH_PATH:
            if not self._long_path_noted:
                self._long_path_noted = True
                self.notes.append(
                    f"paths longer than {MAX_MATCH_PATH} characters were not matched against "
                    ".gitignore rules (they are analyzed)"
                )
            return False
        started = time.perf_counter()
        try:
            return self._decide(rel, is_dir=is_dir)
        finally:
            self._spent += time.perf_counter() - started
            if self.exhausted:
                self.notes.append(
                    f".gitignore matching took over {self._budget:g}s; the rules were not "
                    "applied to the rest of the tree (it is analyzed)"
                )

    def _decide(self, rel: str, *, is_dir: bool) -> bool:
        directory = rel
        while directory:
            directory = directory.rpartition("/")[0]
            spec = self._specs.get(directory)
            if spec is not None:
                inner = rel[len(directory) + 1 :] if directory else rel
                decision = _match(spec, inner, is_dir=is_dir)
                if decision is not None:
                    return decision
        if self._info_exclude is not None:
            return bool(_match(self._info_exclude, rel, is_dir=is_dir))
        return False


# ---------------------------------------------------------------------------- git index

_INDEX_SIGNATURE = b"DIRC"
_MODE_TYPE = 0o170000
_TRACKED_TYPES = (0o100000, 0o120000)  # regular file, symlink (not gitlinks or sparse dirs)
_EXTENDED_FLAG = 0x4000


def parse_git_index(data: bytes) -> frozenset[str]:
    """Paths (fsdecoded, POSIX) of the files and symlinks listed in a .git/index, versions 2-4.

    Git's ignore rules never apply to tracked files, so these are never treated as ignored.
    Raises ValueError for anything malformed or unsupported (split index).
    """
    if len(data) < 12 or data[:4] != _INDEX_SIGNATURE:
        raise ValueError("not a git index (no DIRC signature)")
    version, _count = struct.unpack_from(">II", data, 4)
    if version not in (2, 3, 4):
        raise ValueError(f"unsupported git index version {version}")
    errors: list[str] = []
    for hash_size in _hash_size_candidates(data):
        try:
            return _parse_entries(data, version, hash_size)
        except (ValueError, IndexError, struct.error) as exc:
            errors.append(str(exc))
    raise ValueError("; ".join(errors) or "checksum mismatch")


def _hash_size_candidates(data: bytes) -> tuple[int, ...]:
    # The trailing checksum tells SHA-1 (20) from SHA-256 (32) repositories; with
    # index.skipHash it is all zeros and only a clean parse can tell.
    if hashlib.sha1(data[:-20], usedforsecurity=False).digest() == data[-20:]:
        return (20,)
    if len(data) >= 44 and hashlib.sha256(data[:-32]).digest() == data[-32:]:
        return (32,)
    if not any(data[-20:]):
        return (20, 32)
    return ()


def _parse_entries(data: bytes, version: int, hash_size: int) -> frozenset[str]:
    _, count = struct.unpack_from(">II", data, 4)
    end_of_data = len(data) - hash_size
    fixed = 40 + hash_size + 2  # stat fields, object id, flags
    if count > (end_of_data - 12) // fixed:
        raise ValueError("entry count larger than the file")
    paths: list[bytes] = []
    previous = b""
    pos = 12
    for _ in range(count):
        start = pos
        (mode,) = struct.unpack_from(">I", data, pos + 24)
        (flags,) = struct.unpack_from(">H", data, pos + 40 + hash_size)
        pos += fixed
        if flags & _EXTENDED_FLAG:
            if version < 3:
                raise ValueError("extended flags in a version 2 index")
            pos += 2
        if version == 4:
            strip, pos = _varint(data, pos)
            if strip > len(previous):
                raise ValueError("bad path prefix compression")
            end = data.find(b"\0", pos, end_of_data)
            if end < 0:
                raise ValueError("unterminated path")
            name = previous[: len(previous) - strip] + data[pos:end]
            pos = end + 1
        else:
            end = data.find(b"\0", pos, end_of_data)
            if end < 0:
                raise ValueError("unterminated path")
            name = data[pos:end]
            pos = start + ((end - start + 8) & ~7)  # entries are NUL-padded to 8 bytes
        if pos > end_of_data:
            raise ValueError("entry runs past the end of the index")
        if not name:
            raise ValueError("empty path in an entry")
        previous = name
        if mode & _MODE_TYPE in _TRACKED_TYPES:
            paths.append(name)
    while pos + 8 <= end_of_data:
        signature = data[pos : pos + 4]
        (size,) = struct.unpack_from(">I", data, pos + 4)
        if signature == b"link":
            raise ValueError("split index (core.splitIndex) is not supported")
        pos += 8 + size
    if pos != end_of_data:
        raise ValueError("extensions do not end at the checksum")
    return frozenset(os.fsdecode(path) for path in paths)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    # Git's offset encoding (varint.c), not LEB128: each continuation adds one before shifting.
    byte = data[pos]
    pos += 1
    value = byte & 0x7F
    while byte & 0x80:
        byte = data[pos]
        pos += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, pos
