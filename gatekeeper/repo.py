"""RepoIndex: one safe walk of the audited root, and the only way gatekeeper reads a target file.

Never follows a symlink, opens only regular files (O_NOFOLLOW on every path component), checks
the size before reading, and records everything it would not or could not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gatekeeper.model import Unanalyzed

DEFAULT_MAX_FILE_BYTES = 1024 * 1024
# Specs and reports (coverage, JUnit) are often larger than source files; CI writes them.
DEFAULT_MAX_EVIDENCE_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_DEPTH = 48
DEFAULT_MAX_FILES = 200_000


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


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    fallback: bool  # True when neither UTF-8 nor a PEP 263 declaration decoded it


class RepoIndex:
    """Interface only; see the implementation below."""

    root: Path
    files: tuple[FileEntry, ...]
    links: tuple[LinkEntry, ...]
    unanalyzed: tuple[Unanalyzed, ...]

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
    ) -> RepoIndex:
        raise NotImplementedError
