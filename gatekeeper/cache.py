"""The per-file cache: what the workers extracted from a file (bandit's results among it), and
what semgrep reported on it, keyed by the file's content hash, its path, gatekeeper's own code,
the engine's version and the rule set. A second audit of an unchanged repository reads these
instead of parsing and scanning again; a changed file misses and is analyzed as usual.

The cache is one SQLite database (stdlib `sqlite3`: concurrent readers, atomic writes) in the
user's cache directory (`$XDG_CACHE_HOME/gatekeeper`, else `~/.cache/gatekeeper`) or
`--cache-dir`, never inside the audited repository. Values are pickled gatekeeper dataclasses
and read back with an unpickler that only builds gatekeeper's own classes, so a tampered cache
(one restored from a CI cache a pull request wrote, say) cannot run code: it just misses.
Results that depend on the machine (a timeout, a memory limit) are never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sqlite3
import sys
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from gatekeeper import __version__
from gatekeeper.errors import UsageError

FILE_NAME = "cache-v1.sqlite3"
MAX_BYTES = 512 * 1024 * 1024  # a bigger database is emptied and starts again
_BUSY_TIMEOUT_MS = 5000
_SAFE_BUILTINS = frozenset({"frozenset", "set", "tuple", "list", "dict", "slice", "complex"})


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Changes whenever gatekeeper's own code or rules change, released or not."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{__version__}|{sys.version_info[:2]}".encode())
    for base in (package, package.parent / "rules"):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix in (".py", ".yaml", ".yml", ".json", ".ini") and path.is_file():
                digest.update(path.relative_to(base).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gatekeeper"


class _GatekeeperOnly(pickle.Unpickler):
    """Builds gatekeeper's classes and plain containers; anything else is refused."""

    def find_class(self, module: str, name: str) -> object:
        if module == "gatekeeper" or module.startswith("gatekeeper."):
            return super().find_class(module, name)
        if module == "builtins" and name in _SAFE_BUILTINS:
            return super().find_class(module, name)
        if module == "copyreg" and name == "_reconstructor":
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


def _loads(blob: bytes) -> object | None:
    try:
        value: object = _GatekeeperOnly(io.BytesIO(blob)).load()
    except Exception:
        return None  # tampered, truncated or from an incompatible build: a miss
    return value


class Cache:
    """Get and put values by (kind, key parts); a disabled cache misses and stores nothing."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.error: str | None = None
        if directory is None:
            return
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = directory / FILE_NAME
            if path.exists() and path.stat().st_size > MAX_BYTES:
                path.unlink()
            # semgrep's thread and the audit's share it; every use of the connection takes the lock
            self._db = sqlite3.connect(
                path,
                timeout=_BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            # An unusable cache costs time, never the audit.
            self.error = f"cache disabled: {directory}: {exc}"
            self._db = None

    @property
    def enabled(self) -> bool:
        return self._db is not None

    @staticmethod
    def key(kind: str, *parts: str) -> str:
        text = "\x1f".join((code_fingerprint(), kind, *parts))
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()

    def get_many(self, keys: Iterable[str]) -> dict[str, object]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, object] = {}
        if self._db is None:
            self.misses += len(wanted)
            return found
        try:
            with self._lock:
                rows = self._select(wanted)
            for k, blob in rows:
                value = _loads(blob)
                if value is not None:
                    found[k] = value
        except sqlite3.Error as exc:
            self.error = f"cache read failed: {exc}"
            found = {}
        with self._lock:
            self.hits += len(found)
            self.misses += len(wanted) - len(found)
        return found

    def _select(self, wanted: list[str]) -> list[tuple[str, bytes]]:
        rows: list[tuple[str, bytes]] = []
        if self._db is None:
            return rows
        # One fixed statement per key: no SQL text is ever built (thousands of lookups take
        # milliseconds in SQLite).
        for key in wanted:
            row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
            if row is not None:
                rows.append((key, row[0]))
        return rows

    def put_many(self, items: Mapping[str, object]) -> None:
        if self._db is None or not items:
            return
        try:
            rows = [
                (k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items.items()
            ]
            with self._lock, self._db:
                self._db.execute("BEGIN")
                self._db.executemany(
                    "INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", rows
                )
        except (sqlite3.Error, pickle.PicklingError, TypeError, AttributeError) as exc:
            self.error = f"cache write failed: {exc}"

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def open_cache(root: Path, directory: Path | None, enabled: bool) -> Cache:
    """The cache for an audit of `root`: None (disabled) when asked, and a usage error when
    the directory given is inside the audited repository."""
    if not enabled:
        return Cache(None)
    chosen = (directory or default_dir()).expanduser().resolve()
    try:
        chosen.relative_to(root.resolve())
    except ValueError:
        return Cache(chosen)
    if directory is not None:
        raise UsageError(
            f"--cache-dir {directory}: inside the audited repository; a cache there could be "
            "written by the repository itself. Choose a directory outside it."
        )
    return Cache(None)  # the default location lies inside the target: run without a cache
