"""RepoIndex: one safe walk of the audited root, and the only way gatekeeper reads a target file.

Never follows a symlink, opens only regular files (O_NOFOLLOW on every path component), checks
the size before reading, and records everything it would not or could not read.
"""

from __future__ import annotations

import bisect
import codecs
import dataclasses
import enum
import errno
import hashlib
import io
import os
import stat
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from gatekeeper.errors import GatekeeperError, UnsafePathError, UsageError
from gatekeeper.ignore import ExcludePatterns, IgnoreRules, parse_git_index
from gatekeeper.model import Unanalyzed

DEFAULT_MAX_FILE_BYTES = 1024 * 1024
# Specs and reports (coverage, JUnit) are often larger than source files; CI writes them.
DEFAULT_MAX_EVIDENCE_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_DEPTH = 48
DEFAULT_MAX_FILES = 200_000
# Every directory entry listed counts, kept or not: bounds the walk of huge ignored trees.
DEFAULT_MAX_ENTRIES = 2_000_000

MAX_GITIGNORE_BYTES = 256 * 1024
MAX_GIT_INDEX_BYTES = 64 * 1024 * 1024
# One unanalyzed entry per path until this many of one kind, then a single summary entry.
MAX_RECORDS_PER_KIND = 1000
MAX_NOTES = 100
BINARY_SNIFF_BYTES = 8192


class FileTooLargeError(UnsafePathError):
    """The file is larger than the cap it is read with (checked before and while reading)."""

    def __init__(self, path: str, size: int, limit: int) -> None:
        super().__init__(f"{display_path(path)}: too large: {size} bytes > {limit} bytes")
        self.path = path
        self.size = size
        self.limit = limit

    def __reduce__(self) -> tuple[type[FileTooLargeError], tuple[str, int, int]]:
        # Workers raise it in another process; the default pickling would lose the fields.
        return (type(self), (self.path, self.size, self.limit))


class BinaryFileError(GatekeeperError):
    """The bytes are not text (a NUL byte near the start)."""


@dataclass(frozen=True, slots=True, order=True)
class FileEntry:
    path: str  # POSIX, relative to the root, never starting with ./ or /
    size: int
    language: str | None  # python javascript typescript go java yaml json toml xml sql ... or None
    ignored: bool = False  # matched an ignore rule but kept because it is an evidence type


@dataclass(frozen=True, slots=True, order=True)
class LinkEntry:
    path: str
    target: str  # readlink() text, sanitized for display
    kind: str  # "in_root" (an alias, analyzed once through its target) | "escapes" | "dangling"


@dataclass(frozen=True, slots=True, order=True)
class SkippedDir:
    """A directory not walked on purpose (default or configured exclude, virtualenv)."""

    path: str
    reason: str
    tracked_files: int = 0  # files git tracks below it (from .git/index): committed code unread


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    fallback: bool  # True when neither UTF-8 nor a PEP 263 declaration decoded it


# ---------------------------------------------------------------------------- file kinds

_LANGUAGE_BY_SUFFIX = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".go": "go",
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".xml": "xml",
    ".sql": "sql",
    ".graphql": "graphql",
    ".graphqls": "graphql",
    ".gql": "graphql",
    ".proto": "proto",
    ".md": "markdown",
    ".markdown": "markdown",
    ".rst": "rst",
    ".ini": "ini",
    ".cfg": "ini",
    ".properties": "properties",
    ".dockerfile": "dockerfile",
    ".tf": "terraform",
    ".tfvars": "terraform",
    ".prisma": "prisma",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
}
_DOCKERFILE_NAMES = ("dockerfile", "containerfile")
# These are read whole by their engines (specs, lockfiles, manifests), so they get the larger cap.
_EVIDENCE_CAP_LANGUAGES = frozenset({"yaml", "json"})


def language_for(name: str) -> str | None:
    """The language of a file from its name alone (the walk never reads content)."""
    lowered = name.lower()
    if lowered in _DOCKERFILE_NAMES or lowered.startswith(("dockerfile.", "containerfile.")):
        return "dockerfile"
    dot = lowered.rfind(".")
    if dot <= 0:  # no suffix, or a dotfile such as .env
        return None
    return _LANGUAGE_BY_SUFFIX.get(lowered[dot:])


_COVERAGE_NAMES = frozenset(
    {
        "coverage.xml",
        ".coverage",
        "coverage.json",
        "lcov.info",
        "coverage-final.json",
        "clover.xml",
        "jacoco.xml",
        "jacocotestreport.xml",
        "cover.out",
        "coverage.out",
    }
)
_API_SPEC_STEMS = ("openapi", "swagger")
_API_SPEC_SUFFIXES = (".json", ".yaml", ".yml")


def evidence_kind(name: str) -> str | None:
    """Which evidence a file name is: "coverage", "test_report", "api_spec", or None.

    Such files are kept even when a .gitignore ignores them: CI writes them just before the
    audit, so they are untracked and usually ignored.
    """
    lowered = name.lower()
    if (
        lowered in _COVERAGE_NAMES
        or lowered.endswith(".lcov")
        or (lowered.startswith("cobertura") and lowered.endswith(".xml"))
    ):
        return "coverage"
    # Surefire/Gradle write TEST-<class>.xml; the upper case keeps test-data.xml out.
    if (lowered.startswith("junit") and lowered.endswith(".xml")) or (
        name.startswith("TEST-") and name.endswith(".xml")
    ):
        return "test_report"
    stem, dot, suffix = lowered.rpartition(".")
    if dot and stem in _API_SPEC_STEMS and "." + suffix in _API_SPEC_SUFFIXES:
        return "api_spec"
    return None


def cap_for(
    name: str,
    language: str | None,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_evidence_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES,
) -> tuple[int, str]:
    """The byte cap a file is read with, and the name of the setting that raises it."""
    if language in _EVIDENCE_CAP_LANGUAGES or evidence_kind(name) is not None:
        return max_evidence_bytes, "max_evidence_bytes"
    return max_file_bytes, "max_file_bytes"


# ---------------------------------------------------------------------------- display


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def display_path(p: str) -> str:
    """`p` made safe to print in messages, logs and reports; the real path stays as it is.

    Control characters, ESC, bidi and other format characters, and the lone surrogates of
    undecodable bytes become escapes (``\\x1b``, ``\\n``, ``\\udcff``). Backslashes are
    doubled so an escaped name never looks like a different real one.
    """
    if p.isprintable() and "\\" not in p:
        return p
    out: list[str] = []
    for char in p:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            if code < 0x100:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    return "".join(out)


# ---------------------------------------------------------------------------- safe reads

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: if a FIFO slipped past the lstat check (a race), open() must not wait for a writer.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
_READ_CHUNK = 1024 * 1024


def _split_rel(rel: str) -> list[str]:
    if not rel:
        raise UnsafePathError("empty path; expected a path relative to the audited root")
    if "\0" in rel:
        raise UnsafePathError(f"{display_path(rel)}: path contains a NUL byte")
    if rel.startswith("/"):
        raise UnsafePathError(
            f"{display_path(rel)}: absolute path; expected a path relative to the audited root"
        )
    parts = rel.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise UnsafePathError(
                f"{display_path(rel)}: empty, '.' or '..' component; expected a normalized "
                "path relative to the audited root"
            )
    return parts


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    return "unknown file type"


def _refuse_open_error(exc: OSError, dir_fd: int, name: str, rel: str) -> None:
    """Turn a failed O_NOFOLLOW open into UnsafePathError when a symlink was the cause."""
    if exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePathError(
            f"{display_path(rel)}: {display_path(name)} is a symbolic link; gatekeeper never "
            "follows links"
        ) from exc


def _open_dir_at(root_fd: int, parts: Sequence[str], rel: str) -> int:
    """A new fd for root/parts..., refusing a symlink at every step; the caller closes it."""
    fd = os.open(".", _DIR_FLAGS, dir_fd=root_fd)
    try:
        for part in parts:
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                _refuse_open_error(exc, fd, part, rel)
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_at(dir_fd: int, name: str, rel: str, max_bytes: int, *, head: bool = False) -> bytes:
    # lstat first: a FIFO or device is refused without ever being opened.
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePathError(
            f"{display_path(rel)}: is a symbolic link; gatekeeper never follows links"
        )
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePathError(f"{display_path(rel)}: not a regular file ({_kind_of(st.st_mode)})")
    if st.st_size > max_bytes and not head:
        raise FileTooLargeError(rel, st.st_size, max_bytes)
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        _refuse_open_error(exc, dir_fd, name, rel)
        raise
    try:
        st = os.fstat(fd)  # the file may have been swapped since the lstat
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePathError(
                f"{display_path(rel)}: not a regular file ({_kind_of(st.st_mode)})"
            )
        if st.st_size > max_bytes and not head:
            raise FileTooLargeError(rel, st.st_size, max_bytes)
        chunks: list[bytes] = []
        # one byte more tells a file that grew past the cap (a head read stops at the cap)
        remaining = max_bytes if head else max_bytes + 1
        want = min(st.st_size + 1, remaining)
        while remaining > 0:
            chunk = os.read(fd, max(1, min(want, remaining)))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            want = _READ_CHUNK
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise FileTooLargeError(rel, len(data), max_bytes)
    return data


def _open_root(root: Path) -> int:
    # No O_NOFOLLOW here: the root is the one path the user named, link or not.
    return os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def safe_read(root: Path, rel: str, max_bytes: int) -> bytes:
    """The bytes of the regular file `rel` under `root`, at most `max_bytes` of them.

    Every component is opened relative to its parent's fd with O_NOFOLLOW, so a symlink
    anywhere in the path is refused. Raises UnsafePathError (links, escapes, non-regular
    files), FileTooLargeError (over the cap, checked before reading and while reading) and
    OSError for ordinary failures (missing, permission denied).
    """
    parts = _split_rel(rel)
    root_fd = _open_root(root)
    try:
        dir_fd = _open_dir_at(root_fd, parts[:-1], rel)
    finally:
        os.close(root_fd)
    try:
        return _read_at(dir_fd, parts[-1], rel, max_bytes)
    finally:
        os.close(dir_fd)


def safe_read_head(root: Path, rel: str, limit: int) -> bytes:
    """At most the first `limit` bytes of `rel`, with every check of safe_read but the size."""
    parts = _split_rel(rel)
    root_fd = _open_root(root)
    try:
        dir_fd = _open_dir_at(root_fd, parts[:-1], rel)
    finally:
        os.close(root_fd)
    try:
        return _read_at(dir_fd, parts[-1], rel, limit, head=True)
    finally:
        os.close(dir_fd)


def decode_source(data: bytes, language: str | None) -> Decoded:
    """Text of a file: UTF-8 (BOM stripped), else a Python PEP 263 declaration, else latin-1.

    Raises BinaryFileError when a NUL byte appears in the first 8 KiB. Decoding never fails
    on text: latin-1 maps every byte, and `fallback` says it was a guess.
    """
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        raise BinaryFileError(f"binary content (NUL byte in the first {BINARY_SNIFF_BYTES} bytes)")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return Decoded(data.decode("utf-8"), encoding, fallback=False)
    except UnicodeDecodeError:
        pass
    if language == "python":
        declared = _declared_encoding(data)
        if declared is not None and declared not in ("utf-8", "utf-8-sig"):
            try:
                return Decoded(data.decode(declared), declared, fallback=False)
            except (UnicodeError, LookupError):  # not a text codec, or wrong declaration
                pass
    return Decoded(data.decode("latin-1"), "latin-1", fallback=True)


def _declared_encoding(data: bytes) -> str | None:
    # detect_encoding only reads the first two lines and looks the codec up; it runs nothing.
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # unknown codec name, or undecodable declaration line
        return None
    return encoding


# ---------------------------------------------------------------------------- the walk

# Never descended, whatever ignore rules say: other people's code, VCS data and caches.
NEVER_DESCENDED = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "__pycache__",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "site-packages",
        "vendor",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".gradle",
        ".idea",
        ".next",
        "dist",
        ".terraform",
        ".serverless",
    }
)
# Build output is not walked, except where builds write test and coverage reports.
BUILD_REPORT_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "build": (("reports",), ("test-results",)),
    "target": (
        ("site", "jacoco*"),
        ("site", "cobertura"),
        ("surefire-reports",),
        ("failsafe-reports",),
    ),
}
_VENV_MARKER = "pyvenv.cfg"
# Pure caches are skipped silently; other skipped directories are listed in `skipped`.
_UNLISTED_SKIPS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".gradle",
        ".idea",
    }
)


class _Mode(enum.Enum):
    NORMAL = "normal"
    GITIGNORED = "gitignored"  # untracked files kept only if evidence, tracked files kept
    BUILD = "build"  # inside build output: evidence only, subdirectories restricted


@dataclass(frozen=True, slots=True)
class _Frame:
    rel: str  # "" for the root
    depth: int
    mode: _Mode
    # In BUILD mode, the report paths still to match below this directory; None once inside one.
    report_paths: tuple[tuple[str, ...], ...] | None = None


class _Stop(Exception):
    """A walk-wide limit was hit; the walk ends with what it has."""


class _Walker:
    def __init__(
        self,
        root: Path,
        root_fd: int,
        *,
        exclude: ExcludePatterns,
        respect_gitignore: bool,
        max_file_bytes: int,
        max_evidence_bytes: int,
        max_depth: int,
        max_files: int,
        max_entries: int,
    ) -> None:
        self.root = root
        self.root_str = str(root)
        self.root_fd = root_fd
        self.exclude = exclude
        self.respect_gitignore = respect_gitignore
        self.max_file_bytes = max_file_bytes
        self.max_evidence_bytes = max_evidence_bytes
        self.max_depth = max_depth
        self.max_files = max_files
        self.max_entries = max_entries
        self.rules = IgnoreRules()
        self.tracked: frozenset[str] = frozenset()
        self.files: list[FileEntry] = []
        self.links: list[LinkEntry] = []
        self.unanalyzed: list[Unanalyzed] = []
        self.skipped: list[SkippedDir] = []
        self.notes: list[str] = []
        self.counts: dict[str, int] = dict.fromkeys(
            (
                "dirs_walked",
                "entries_seen",
                "excluded_by_config",
                "ignored_kept",
                "ignored_skipped",
                "dirs_skipped",
            ),
            0,
        )
        self._per_kind: dict[str, int] = {}

    # -- recording

    def _record(self, kind: str, path: str, reason: str) -> None:
        seen = self._per_kind.get(kind, 0) + 1
        self._per_kind[kind] = seen
        if seen <= MAX_RECORDS_PER_KIND:
            self.unanalyzed.append(Unanalyzed(path, reason))

    def _summarize_overflow(self) -> None:
        for kind, seen in sorted(self._per_kind.items()):
            if seen > MAX_RECORDS_PER_KIND:
                self.unanalyzed.append(
                    Unanalyzed(".", f"{seen - MAX_RECORDS_PER_KIND} more paths not listed: {kind}")
                )

    def _skip_dir(self, rel: str, reason: str, *, listed: bool = True) -> None:
        self.counts["dirs_skipped"] += 1
        if listed:
            self.skipped.append(SkippedDir(rel, reason))

    # -- setup

    def load_git_metadata(self) -> None:
        """Read .git/index and .git/info/exclude as plain files (git itself is never run)."""
        index = self._read_optional(".git/index", MAX_GIT_INDEX_BYTES)
        if index is not None:
            try:
                self.tracked = parse_git_index(index)
            except ValueError as exc:
                self.notes.append(
                    f".git/index not used ({exc}); gitignored files were treated as untracked"
                )
        if self.respect_gitignore:
            info = self._read_optional(".git/info/exclude", MAX_GITIGNORE_BYTES)
            if info is not None:
                self.rules.add_info_exclude(info)

    def _read_optional(self, rel: str, cap: int) -> bytes | None:
        parts = rel.split("/")
        try:
            dir_fd = _open_dir_at(self.root_fd, parts[:-1], rel)
        except (OSError, UnsafePathError):
            return None
        try:
            return _read_at(dir_fd, parts[-1], rel, cap)
        except FileNotFoundError:
            return None
        except (OSError, UnsafePathError) as exc:
            self.notes.append(f"{display_path(rel)} not read: {exc}")
            return None
        finally:
            os.close(dir_fd)

    # -- the walk

    def run(self) -> None:
        stack = [_Frame("", 0, _Mode.NORMAL)]
        try:
            while stack:
                frame = stack.pop()
                children = self._visit_dir(frame)
                stack.extend(reversed(children))  # pop in name order: a stable cut at limits
        except _Stop:
            pass
        self._summarize_overflow()
        self.notes.extend(self.rules.notes)
        if len(self.notes) > MAX_NOTES:
            extra = len(self.notes) - MAX_NOTES
            self.notes[MAX_NOTES:] = [f"{extra} more notes not listed"]

    def _open_frame(self, frame: _Frame) -> int | None:
        parts = frame.rel.split("/") if frame.rel else []
        try:
            return _open_dir_at(self.root_fd, parts, frame.rel)
        except PermissionError:
            self._record("unreadable", frame.rel, "unreadable directory (permission denied)")
        except UnsafePathError:
            self._record("unreadable", frame.rel, "directory replaced by a symlink during the walk")
        except OSError as exc:
            self._record("unreadable", frame.rel, f"unreadable directory ({exc.strerror})")
        return None

    def _visit_dir(self, frame: _Frame) -> list[_Frame]:
        fd = self._open_frame(frame)
        if fd is None:
            return []
        try:
            entries = self._list(fd, frame.rel)
            if entries is None:
                return []
            by_name = {entry.name: entry for entry in entries}
            if frame.rel and _VENV_MARKER in by_name:
                marker = f"{frame.rel}/{_VENV_MARKER}"
                if marker not in self.tracked:  # a committed pyvenv.cfg is no virtualenv
                    self._skip_dir(frame.rel, "virtualenv (contains pyvenv.cfg)")
                    return []
            if frame.mode is _Mode.NORMAL and self.respect_gitignore:
                self._load_gitignore(fd, frame.rel, by_name.get(".gitignore"))
            children: list[_Frame] = []
            for entry in entries:
                self._visit_entry(fd, frame, entry, children)
            return children
        finally:
            os.close(fd)

    def _list(self, fd: int, rel: str) -> list[os.DirEntry[str]] | None:
        """The directory's entries in name order; None when unreadable. Counts every entry."""
        entries: list[os.DirEntry[str]] = []
        try:
            with os.scandir(fd) as listing:
                for entry in listing:
                    # Counted while listing: one huge directory must not be read whole first.
                    self.counts["entries_seen"] += 1
                    if self.counts["entries_seen"] > self.max_entries:
                        self._record(
                            "limit",
                            rel or ".",
                            f"walk stopped: more than max_entries {self.max_entries} directory "
                            "entries (the rest of the tree was not indexed)",
                        )
                        raise _Stop
                    entries.append(entry)
        except OSError as exc:
            self._record("unreadable", rel, f"unreadable directory ({exc.strerror})")
            return None
        self.counts["dirs_walked"] += 1
        entries.sort(key=lambda entry: entry.name)
        return entries

    def _load_gitignore(self, fd: int, directory: str, entry: os.DirEntry[str] | None) -> None:
        if entry is None or not entry.is_file(follow_symlinks=False):
            return  # git ignores a symlinked .gitignore too
        rel = f"{directory}/.gitignore" if directory else ".gitignore"
        try:
            data = _read_at(fd, ".gitignore", rel, MAX_GITIGNORE_BYTES)
        except (OSError, UnsafePathError) as exc:
            self.notes.append(f"{display_path(rel)} not applied: {exc}")
            return
        self.rules.add(directory, data, source=display_path(rel))

    def _visit_entry(
        self, fd: int, frame: _Frame, entry: os.DirEntry[str], children: list[_Frame]
    ) -> None:
        name = entry.name
        rel = f"{frame.rel}/{name}" if frame.rel else name
        try:
            is_link = entry.is_symlink()
            is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            is_file = not is_link and not is_dir and entry.is_file(follow_symlinks=False)
        except OSError:  # vanished since the listing
            return
        if self.exclude.matches(rel, is_dir=is_dir):
            self.counts["excluded_by_config"] += 1
            if is_dir:
                self.skipped.append(SkippedDir(rel, "excluded by configuration"))
            return
        if is_dir:
            child = self._child_frame(frame, name, rel)
            if child is not None:
                children.append(child)
            return
        keep, ignored = self._keep(frame, name, rel)
        if not keep:
            self.counts["ignored_skipped"] += 1
            return
        if ignored:
            self.counts["ignored_kept"] += 1
        if is_link:
            self.links.append(self._classify_link(fd, name, rel))
            return
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            return
        if not is_file:
            self._record("not a regular file", rel, f"not a regular file ({_kind_of(st.st_mode)})")
            return
        self._add_file(name, rel, st.st_size, ignored)

    def _keep(self, frame: _Frame, name: str, rel: str) -> tuple[bool, bool]:
        """(keep it, keep it only as ignored evidence) for a non-directory entry."""
        if frame.mode is not _Mode.BUILD:
            if rel in self.tracked:  # git never ignores a tracked file
                return True, False
            if frame.mode is _Mode.NORMAL and not self.rules.is_ignored(rel, is_dir=False):
                return True, False
        return (True, True) if evidence_kind(name) is not None else (False, False)

    def _child_frame(self, frame: _Frame, name: str, rel: str) -> _Frame | None:
        depth = frame.depth + 1
        if name in NEVER_DESCENDED:
            self._skip_dir(rel, "default exclude", listed=name not in _UNLISTED_SKIPS)
            return None
        if name in BUILD_REPORT_PATHS:
            if frame.mode is not _Mode.BUILD:
                self._skip_dir(rel, "build output (only test and coverage reports read)")
            child = _Frame(rel, depth, _Mode.BUILD, BUILD_REPORT_PATHS[name])
        elif frame.mode is _Mode.BUILD and frame.report_paths is not None:
            remaining = tuple(p[1:] for p in frame.report_paths if fnmatchcase(name, p[0]))
            if not remaining:
                return None
            inside = any(not p for p in remaining)
            child = _Frame(rel, depth, _Mode.BUILD, None if inside else remaining)
        elif frame.mode is _Mode.NORMAL and self.rules.is_ignored(rel, is_dir=True):
            child = _Frame(rel, depth, _Mode.GITIGNORED)
        else:
            child = _Frame(rel, depth, frame.mode, frame.report_paths)
        if depth > self.max_depth:
            if child.mode is _Mode.NORMAL:
                self._record(
                    "depth",
                    rel,
                    f"not walked: deeper than max_depth {self.max_depth} "
                    "(a fixed bound against hostile trees; exclude or flatten it)",
                )
            return None
        return child

    def _classify_link(self, fd: int, name: str, rel: str) -> LinkEntry:
        try:
            target = os.readlink(name, dir_fd=fd)
        except OSError:
            target = ""
        # realpath only lstat()s and readlink()s; nothing outside the root is ever opened.
        real = os.path.realpath(os.path.join(self.root_str, rel))
        if not _inside(real, self.root_str):
            kind = "escapes"
        else:
            try:
                st = os.lstat(real)
            except OSError:
                kind = "dangling"
            else:  # still a link after realpath: a loop
                kind = "dangling" if stat.S_ISLNK(st.st_mode) else "in_root"
        return LinkEntry(rel, display_path(target), kind)

    def _add_file(self, name: str, rel: str, size: int, ignored: bool) -> None:
        language = language_for(name)
        if language is not None or evidence_kind(name) is not None:
            cap, setting = cap_for(
                name,
                language,
                max_file_bytes=self.max_file_bytes,
                max_evidence_bytes=self.max_evidence_bytes,
            )
            if size > cap:
                self._record(
                    "too large",
                    rel,
                    f"too large: {size} bytes > {setting} {cap} "
                    + (
                        "(raise max_file_bytes in [tool.gatekeeper] to analyze it)"
                        if setting == "max_file_bytes"
                        else "(a fixed bound for specs and reports)"
                    ),
                )
                return
        if len(self.files) >= self.max_files:
            self._record(
                "limit",
                rel,
                f"file limit reached: max_files {self.max_files}; this file and the rest of the "
                "tree were not indexed (a fixed bound; exclude generated or vendored trees)",
            )
            raise _Stop
        self.files.append(FileEntry(rel, size, language, ignored))


def _with_tracked_counts(
    skipped: Sequence[SkippedDir], tracked: frozenset[str]
) -> list[SkippedDir]:
    ordered = sorted(tracked)
    out = []
    for d in skipped:
        prefix = d.path + "/"
        first = bisect.bisect_left(ordered, prefix)
        last = bisect.bisect_left(ordered, prefix[:-1] + "0")  # "0" sorts right after "/"
        out.append(dataclasses.replace(d, tracked_files=last - first))
    return out


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


# ---------------------------------------------------------------------------- the index


@dataclass(frozen=True, slots=True)
class RepoIndex:
    """What one walk of the root found; the handle every analyzer reads target files through."""

    root: Path
    files: tuple[FileEntry, ...]
    links: tuple[LinkEntry, ...]
    unanalyzed: tuple[Unanalyzed, ...]
    skipped: tuple[SkippedDir, ...] = ()
    notes: tuple[str, ...] = ()  # ignore rules not applied, .git/index not used, ...
    stats: tuple[tuple[str, int], ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_evidence_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES
    _by_path: dict[str, FileEntry] = field(default_factory=dict, repr=False, compare=False)
    _hashes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self._by_path:
            self._by_path.update((entry.path, entry) for entry in self.files)

    @classmethod
    def build(
        cls,
        root: Path,
        *,
        exclude: Sequence[str] = (),
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        max_evidence_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_files: int = DEFAULT_MAX_FILES,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        respect_gitignore: bool = True,
    ) -> RepoIndex:
        """Walk `root` once (metadata only, plus .gitignore and .git/index) and index it.

        Raises UsageError when `root` is missing or not a directory, ConfigError for an
        invalid `exclude` pattern.
        """
        limits = (max_file_bytes, max_evidence_bytes, max_depth, max_files, max_entries)
        if min(limits) < 0:
            raise ValueError("RepoIndex.build limits must not be negative")
        resolved = _resolve_root(root)
        patterns = ExcludePatterns(exclude)
        try:
            root_fd = _open_root(resolved)
        except OSError as exc:
            raise UsageError(
                f"cannot read the repository root {display_path(str(resolved))}: {exc.strerror}"
            ) from exc
        try:
            walker = _Walker(
                resolved,
                root_fd,
                exclude=patterns,
                respect_gitignore=respect_gitignore,
                max_file_bytes=max_file_bytes,
                max_evidence_bytes=max_evidence_bytes,
                max_depth=max_depth,
                max_files=max_files,
                max_entries=max_entries,
            )
            walker.load_git_metadata()
            walker.run()
        finally:
            os.close(root_fd)
        counts = dict(walker.counts)
        counts.update(
            files=len(walker.files),
            links=len(walker.links),
            unanalyzed=len(walker.unanalyzed),
            tracked=len(walker.tracked),
        )
        return cls(
            root=resolved,
            files=tuple(sorted(walker.files)),
            links=tuple(sorted(walker.links)),
            unanalyzed=tuple(sorted(walker.unanalyzed)),
            skipped=tuple(sorted(_with_tracked_counts(walker.skipped, walker.tracked))),
            notes=tuple(walker.notes),
            stats=tuple(sorted(counts.items())),
            max_file_bytes=max_file_bytes,
            max_evidence_bytes=max_evidence_bytes,
        )

    # -- lookups

    def get(self, rel: str) -> FileEntry | None:
        return self._by_path.get(rel)

    def by_language(self, *languages: str) -> tuple[FileEntry, ...]:
        wanted = frozenset(languages)
        return tuple(entry for entry in self.files if entry.language in wanted)

    def find_names(self, *basenames: str) -> tuple[FileEntry, ...]:
        """Entries whose file name (last component) is one of `basenames`, at any depth."""
        wanted = frozenset(basenames)
        return tuple(entry for entry in self.files if entry.path.rpartition("/")[2] in wanted)

    def evidence(self, *kinds: str) -> tuple[FileEntry, ...]:
        """Coverage reports, test reports and API specs ("coverage", "test_report", "api_spec")."""
        found = []
        for entry in self.files:
            kind = evidence_kind(entry.path.rpartition("/")[2])
            if kind is not None and (not kinds or kind in kinds):
                found.append(entry)
        return tuple(found)

    # -- reads

    def cap_for(self, entry: FileEntry) -> int:
        cap, _setting = cap_for(
            entry.path.rpartition("/")[2],
            entry.language,
            max_file_bytes=self.max_file_bytes,
            max_evidence_bytes=self.max_evidence_bytes,
        )
        return cap

    def _entry(self, rel: str) -> FileEntry:
        entry = self.get(rel)
        if entry is None:
            raise UnsafePathError(
                f"{display_path(rel)}: not an indexed file (excluded, a link, or outside the root)"
            )
        return entry

    def read_bytes(self, rel: str) -> bytes:
        """The bytes of an indexed file, read safely under its cap (see safe_read)."""
        return safe_read(self.root, rel, self.cap_for(self._entry(rel)))

    def read_text(self, rel: str) -> Decoded:
        """The decoded text of an indexed file; BinaryFileError when it is not text."""
        entry = self._entry(rel)
        return decode_source(safe_read(self.root, rel, self.cap_for(entry)), entry.language)

    def sha256(self, rel: str) -> str:
        """Hex SHA-256 of an indexed file's bytes (for caches), computed once per index."""
        cached = self._hashes.get(rel)
        if cached is None:
            cached = hashlib.sha256(self.read_bytes(rel)).hexdigest()
            self._hashes[rel] = cached
        return cached


def _resolve_root(root: Path) -> Path:
    try:
        resolved = Path(root).resolve()
    except (OSError, RuntimeError) as exc:  # Python 3.11 raises RuntimeError for a link loop
        raise UsageError(
            f"cannot resolve the repository root {display_path(str(root))}: {exc}"
        ) from exc
    if not resolved.exists():
        raise UsageError(
            f"repository root {display_path(str(root))} does not exist; pass the path of the "
            "checkout to audit"
        )
    if not resolved.is_dir():
        raise UsageError(
            f"repository root {display_path(str(root))} is not a directory; pass the "
            "directory of the checkout to audit"
        )
    return resolved
