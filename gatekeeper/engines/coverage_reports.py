"""Reads the coverage reports CI left in the target, never running coverage on the target's config.

XML goes through defusedxml, JSON through yamlsafe, and coverage.py's SQLite data file through
CoverageData alone, in a bounded subprocess on a private copy (`python -m` this module).
"""

from __future__ import annotations

import inspect
import json
import os
import posixpath
import re
import sys
import tempfile
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import defusedxml
import defusedxml.ElementTree as defused_et

from gatekeeper.engines import proc
from gatekeeper.errors import GatekeeperError
from gatekeeper.repo import (
    BinaryFileError,
    FileEntry,
    RepoIndex,
    decode_source,
    display_path,
    safe_read_head,
)
from gatekeeper.yamlsafe import DataFormatError, load_json

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = [
    "DEFAULT_RLIMIT_AS_BYTES",
    "CoverageReport",
    "FileCoverage",
    "ReportFormat",
    "ReportStatus",
    "main",
    "read_coverage",
    "read_data_file",
    "report_format",
]

ENGINE = "coverage"
DEFAULT_RLIMIT_AS_BYTES = 1024 * 1024 * 1024
# Past this many, unmapped paths are counted in the message instead of listed one by one.
MAX_UNMAPPED_LISTED = 1000
_MAX_SHOWN_PATH = 300
_MODULE = "gatekeeper.engines.coverage_reports"
_DATA_COPY_NAME = "coverage-data.sqlite"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_LEGACY_DATA_MAGIC = b"!coverage.py:"  # coverage.py < 5 wrote JSON data files
# A reported path through one of these is a dependency's file, whatever suffix it shares with ours.
_DEPENDENCY_DIRS = frozenset(
    {
        "node_modules",
        "bower_components",
        "site-packages",
        "dist-packages",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "vendor",
    }
)
_DRIVE = re.compile(r"[A-Za-z]:/")
_GO_BLOCK = re.compile(r"(\d{1,9})\.(\d{1,9}),(\d{1,9})\.(\d{1,9}) (\d{1,9}) (\d{1,18})")
_GO_MODES = frozenset({"set", "count", "atomic"})
_LCOV_KEY = re.compile(r"[A-Z][A-Z0-9_]*")
_GO_MODULE = re.compile(r'^\s*module\s+"?([^"\s]+)"?', re.MULTILINE)


class ReportFormat(StrEnum):
    COBERTURA = "cobertura"
    CLOVER = "clover"
    JACOCO = "jacoco"
    LCOV = "lcov"
    GO = "go"
    COVERAGE_JSON = "coverage_json"  # coverage.py's `coverage json`
    ISTANBUL = "istanbul"  # coverage-final.json
    COVERAGE_DATA = "coverage_data"  # coverage.py's SQLite .coverage


class ReportStatus(StrEnum):
    OK = "ok"
    ERROR = "error"
    EMPTY = "empty"  # read fine but measured nothing; callers treat it as an error, never a pass


@dataclass(frozen=True, slots=True)
class FileCoverage:
    path: str | None  # repo-relative POSIX path of an indexed file; None when it maps to none
    reported_path: str  # as the report wrote it, escaped for display
    # Lines the report counts as measurable (statements for Go profiles; for coverage.py's data
    # file, which records executed lines only, the statements coverage.py's parser finds in the
    # repository's copy); None when they cannot be counted.
    lines_valid: int | None
    lines_covered: int

    def sort_key(self) -> tuple[bool, str, str]:
        return (self.path is None, self.path or "", self.reported_path)


@dataclass(frozen=True, slots=True)
class CoverageReport:
    path: str  # the report, relative to the audited root
    format: ReportFormat
    status: ReportStatus
    measured_files: tuple[FileCoverage, ...] = ()
    line_rate: float | None = None  # covered / valid over the files mapped into the repository
    unmapped: tuple[str, ...] = ()  # reported paths matching no indexed file, escaped
    message: str = ""


class _ReportError(Exception):
    """A report gatekeeper cannot read; becomes an `error` result naming the file and line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# ---------------------------------------------------------------------------- entry point


def read_coverage(
    index: RepoIndex,
    *,
    timeout: float = 30.0,
    rlimit_as_bytes: int | None = DEFAULT_RLIMIT_AS_BYTES,
    python: str = sys.executable,
    extra: Sequence[str] = (),
) -> tuple[CoverageReport, ...]:
    """One CoverageReport per coverage file in the index, sorted by path.

    `extra`: repo-relative paths the user named (`--coverage PATH`) whatever their file name;
    each must be a file the index holds (inside the root, not excluded, under the size cap).

    `timeout` bounds all the subprocesses reading coverage.py data files together; the other
    formats are parsed in-process by bounded parsers. Never raises for a bad report: it
    becomes an `error` result whose message names the file (and line where known).
    """
    mapper = _PathMapper(index)
    deadline = time.monotonic() + timeout
    reports = []
    entries = list(index.evidence("coverage"))
    known = {e.path for e in entries}
    for rel in sorted(set(extra) - known):
        named = index.get(rel)
        if named is None:
            reports.append(
                _error(
                    rel,
                    ReportFormat.COBERTURA,
                    "given with --coverage but not in the index (missing, excluded, a link, "
                    "or over the size cap)",
                )
            )
        else:
            entries.append(named)
    for entry in entries:
        fmt = report_format(entry.path) or _format_by_content(index, entry)
        try:
            fmt, collected = _parse(index, entry, fmt, deadline, timeout, rlimit_as_bytes, python)
        except _ReportError as exc:
            reports.append(_error(entry.path, fmt, exc.message, exc.line))
            continue
        except DataFormatError as exc:
            reports.append(_error(entry.path, fmt, exc.message, exc.line))
            continue
        except (OSError, GatekeeperError) as exc:
            reports.append(_error(entry.path, fmt, f"could not be read: {exc}"))
            continue
        reports.append(_finish(entry.path, fmt, collected, mapper, index))
    return tuple(sorted(reports, key=lambda report: report.path))


def _format_by_content(index: RepoIndex, entry: FileEntry) -> ReportFormat:
    """For a report named on the command line: the extension, then a look at the content."""
    name = entry.path.lower()
    if name.endswith(".xml"):
        return ReportFormat.COBERTURA  # the root element decides between the XML formats
    if name.endswith((".info", ".lcov")):
        return ReportFormat.LCOV
    if name.endswith(".out"):
        return ReportFormat.GO
    if name.endswith(".json"):
        head = safe_read_head(index.root, entry.path, 64 * 1024)
        return ReportFormat.ISTANBUL if b'"statementMap"' in head else ReportFormat.COVERAGE_JSON
    return ReportFormat.LCOV if entry.path.endswith(".txt") else ReportFormat.COBERTURA


def report_format(rel: str) -> ReportFormat | None:
    """The format a coverage file's name promises; XML is confirmed by its root element."""
    name = rel.rpartition("/")[2].lower()
    if name == ".coverage":
        return ReportFormat.COVERAGE_DATA
    if name == "lcov.info" or name.endswith(".lcov"):
        return ReportFormat.LCOV
    if name in ("cover.out", "coverage.out"):
        return ReportFormat.GO
    if name == "coverage.json":
        return ReportFormat.COVERAGE_JSON
    if name == "coverage-final.json":
        return ReportFormat.ISTANBUL
    if name.endswith(".xml"):
        if name.startswith("jacoco"):
            return ReportFormat.JACOCO
        if name == "clover.xml":
            return ReportFormat.CLOVER
        return ReportFormat.COBERTURA
    return None


def _parse(
    index: RepoIndex,
    entry: FileEntry,
    fmt: ReportFormat,
    deadline: float,
    budget: float,
    rlimit_as_bytes: int | None,
    python: str,
) -> tuple[ReportFormat, _Collector]:
    data = index.read_bytes(entry.path)
    if fmt is ReportFormat.COVERAGE_DATA:
        return fmt, _read_data_copy(data, deadline, budget, rlimit_as_bytes, python)
    if fmt in (ReportFormat.COBERTURA, ReportFormat.CLOVER, ReportFormat.JACOCO):
        return _parse_xml(data)
    try:
        text = decode_source(data, None).text
    except BinaryFileError as exc:
        raise _ReportError(f"not a text file: {exc}") from None
    if fmt is ReportFormat.LCOV:
        return fmt, _parse_lcov(text)
    if fmt is ReportFormat.GO:
        return fmt, _parse_go(text)
    return _parse_json(text, entry.path, fmt)


def _error(rel: str, fmt: ReportFormat, message: str, line: int | None = None) -> CoverageReport:
    where = display_path(rel) if line is None else f"{display_path(rel)}:{line}"
    return CoverageReport(rel, fmt, ReportStatus.ERROR, message=f"{where}: {message}")


# ---------------------------------------------------------------------------- collecting


@dataclass(slots=True)
class _Measured:
    """What one report says about one reported path, before it is mapped to the repository."""

    # unit -> (weight, covered): lines weigh 1, Go blocks weigh their statement count.
    units: dict[Hashable, tuple[int, bool]] = field(default_factory=dict)
    totals: tuple[int, int] | None = None  # (valid, covered) when the report gives only counts
    candidates: tuple[str, ...] = ()  # other spellings to map (Cobertura <sources> joined)

    def add(self, unit: Hashable, weight: int, covered: bool) -> None:
        # The same unit twice (Java inner classes, concatenated profiles): covered if either is.
        previous = self.units.get(unit)
        if previous is None:
            self.units[unit] = (weight, covered)
        elif covered and not previous[1]:
            self.units[unit] = (previous[0], True)

    def counts(self) -> tuple[int, int]:
        if self.units:
            valid = sum(weight for weight, _ in self.units.values())
            covered = sum(weight for weight, hit in self.units.values() if hit)
            return valid, covered
        return self.totals or (0, 0)


class _Collector:
    def __init__(self, *, valid_known: bool = True) -> None:
        self.files: dict[str, _Measured] = {}
        self.valid_known = valid_known

    def file(self, reported: str) -> _Measured:
        measured = self.files.get(reported)
        if measured is None:
            measured = self.files[reported] = _Measured()
        return measured


def _finish(
    rel: str,
    fmt: ReportFormat,
    collected: _Collector,
    mapper: _PathMapper,
    index: RepoIndex | None = None,
) -> CoverageReport:
    report_dir = posixpath.dirname(rel)
    measured: list[FileCoverage] = []
    by_path: dict[str, list[_Measured]] = {}
    unmapped: set[str] = set()
    unparsed: set[str] = set()
    statements = _StatementCounter(index) if fmt is ReportFormat.COVERAGE_DATA else None
    for reported, found in collected.files.items():
        path = None
        for spelling in (*found.candidates, reported):
            path = mapper.map(spelling, report_dir, go=fmt is ReportFormat.GO)
            if path is not None:
                break
        shown = _shown(reported)
        known = collected.valid_known
        if statements is not None and path is not None:
            rated = statements.rate(path, found)
            if rated is None:
                unparsed.add(path)
            else:
                found, known = rated, True
        if path is None:
            unmapped.add(shown)
        elif known:
            by_path.setdefault(path, []).append(found)
        valid, covered = found.counts()
        measured.append(FileCoverage(path, shown, valid if known else None, covered))
    if not measured:
        return CoverageReport(
            rel,
            fmt,
            ReportStatus.EMPTY,
            message=f"{display_path(rel)}: the report measured no files, so it is no evidence "
            "of coverage; check that CI ran the tests under coverage with the right source "
            "settings",
        )
    line_rate = _line_rate(by_path.values())
    listed = sorted(unmapped)
    message = _summary(rel, fmt, len(measured), len(set(by_path) | unparsed), len(listed))
    if fmt is ReportFormat.COVERAGE_DATA:
        message += _data_note(len(by_path), sorted(unparsed))
    return CoverageReport(
        rel,
        fmt,
        ReportStatus.OK,
        measured_files=tuple(sorted(measured, key=FileCoverage.sort_key)),
        line_rate=line_rate,
        unmapped=tuple(listed[:MAX_UNMAPPED_LISTED]),
        message=message,
    )


class _StatementCounter:
    """Statements of the repository's Python files as coverage.py counts them, for its data file.

    The data file records executed lines only; `coverage report` divides them by the statements
    its own parser finds in the source. gatekeeper does the same with coverage.py's PythonParser
    (ast and tokenize over the text: nothing is imported or run) and coverage.py's default
    exclusions (`# pragma: no cover`, `...` bodies, `if TYPE_CHECKING:`). A project's own
    `exclude_lines` are not applied: they are regular expressions from the target, and
    gatekeeper does not run a stranger's patterns.
    """

    def __init__(self, index: RepoIndex | None) -> None:
        self.index = index
        self.cache: dict[str, tuple[frozenset[int], Callable[[set[int]], set[int]]] | None] = {}

    def rate(self, path: str, found: _Measured) -> _Measured | None:
        """The file's statements, each covered when it ran; None when they cannot be counted."""
        parsed = self._parse(path)
        if parsed is None:
            return None
        statements, first_lines = parsed
        executed = first_lines({int(line) for line in found.units if isinstance(line, int)})
        rated = _Measured(candidates=found.candidates)
        for line in sorted(statements):
            rated.add(line, 1, line in executed)
        return rated

    def _parse(self, path: str) -> tuple[frozenset[int], Callable[[set[int]], set[int]]] | None:
        if path in self.cache:
            return self.cache[path]
        result = None
        if self.index is not None and path.endswith((".py", ".pyw")):
            from coverage.config import DEFAULT_EXCLUDE
            from coverage.misc import join_regex
            from coverage.parser import PythonParser

            try:
                text = self.index.read_text(path).text
                parser = PythonParser(text=text, filename=path, exclude=join_regex(DEFAULT_EXCLUDE))
                parser.parse_source()
                result = (frozenset(parser.statements), parser.translate_lines)
            except Exception:  # any file coverage's parser rejects is "not counted"
                result = None
        self.cache[path] = result
        return result


def _data_note(rated: int, unparsed: Sequence[str]) -> str:
    text = (
        "; statements counted by coverage.py's own parser with its default exclusions "
        "(the project's exclude_lines are not applied)"
        if rated
        else ""
    )
    if unparsed:
        shown = ", ".join(display_path(p) for p in unparsed[:5])
        more = f" and {len(unparsed) - 5} more" if len(unparsed) > 5 else ""
        text += (
            f"; {len(unparsed)} measured file(s) could not be parsed for statements and are "
            f"left out of the line rate: {shown}{more}"
        )
    return text


def _line_rate(groups: Iterable[list[_Measured]]) -> float | None:
    valid_total = covered_total = 0
    for group in groups:
        # Several reported spellings of one repository file count once, merged unit by unit.
        if all(item.units for item in group):
            merged = _Measured()
            for item in group:
                for unit, (weight, hit) in item.units.items():
                    merged.add(unit, weight, hit)
            valid, covered = merged.counts()
        else:
            valid, covered = max(item.counts() for item in group)
        valid_total += valid
        covered_total += covered
    return covered_total / valid_total if valid_total else None


def _summary(rel: str, fmt: ReportFormat, files: int, mapped: int, unmapped: int) -> str:
    text = f"{display_path(rel)}: {files} measured files, {mapped} of them in the repository"
    if unmapped:
        text += f"; {unmapped} reported paths match no file in the repository"
        if unmapped > MAX_UNMAPPED_LISTED:
            text += f" (the first {MAX_UNMAPPED_LISTED} are listed)"
    if mapped == 0:
        text += "; no line rate"
    return text


def _shown(reported: str) -> str:
    shown = display_path(reported)
    return shown if len(shown) <= _MAX_SHOWN_PATH else shown[: _MAX_SHOWN_PATH - 3] + "..."


# ---------------------------------------------------------------------------- path mapping


class _PathMapper:
    """Maps a report's paths onto indexed files by name alone; a reported path is never opened."""

    def __init__(self, index: RepoIndex) -> None:
        self._index = index
        self._paths = frozenset(entry.path for entry in index.files)
        self._by_name: dict[str, list[str]] | None = None
        self._go_modules: dict[str, str] | None = None

    def map(self, reported: str, report_dir: str, *, go: bool = False) -> str | None:
        split = _split_reported(reported)
        if split is None:
            return None
        absolute, parts = split
        if absolute:
            resolved = _resolve(parts, clamp=True)  # /../x is /x, as the kernel would have it
            return self._stripped(resolved.split("/"), absolute=True) if resolved else None
        if ".." in parts:
            # Relative to the report's directory, and only an exact hit: ../../x must not reach
            # an x.py of ours by suffix once it has left the root.
            joined = _resolve([*_parts(report_dir), *parts])
            return joined if joined is not None and joined in self._paths else None
        if go:
            found = self._go_module_path(parts)
            if found is not None:
                return found
        found, ambiguous = self._relative(parts, report_dir)
        if ambiguous:
            return None  # claiming coverage for the wrong one of two files is worse than none
        return found if found is not None else self._stripped(parts, absolute=False)

    def _relative(self, parts: list[str], report_dir: str) -> tuple[str | None, bool]:
        """(path, ambiguous) for a relative path: exact, else an indexed path ending with it.

        Exact means under the report's directory or one of its ancestors, nearest first; among
        indexed paths that end with the reported one, the nearest the report wins, a tie is none.
        """
        rel = "/".join(parts)
        anchor = _parts(report_dir)
        for depth in range(len(anchor), -1, -1):
            candidate = "/".join([*anchor[:depth], rel])
            if candidate in self._paths:
                return candidate, False
        # Paths relative to a source root (JaCoCo's com/x/A.java, Cobertura from Java builds).
        suffix = "/" + rel
        matches = [p for p in self._names().get(parts[-1], ()) if p.endswith(suffix)]
        if not matches:
            return None, False
        ranked = sorted((-_shared(p, anchor), p) for p in matches)
        if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
            return None, True
        return ranked[0][1], False

    def _stripped(self, parts: list[str], absolute: bool) -> str | None:
        """The longest trailing part of the reported path that is an indexed file's whole path.

        /home/runner/work/app/app/src/x.py -> src/x.py; github.com/org/repo/pkg/x.go -> pkg/x.go.
        """
        longest = len(parts) if absolute else len(parts) - 1
        for keep in range(longest, 0, -1):
            candidate = "/".join(parts[-keep:])
            if candidate in self._paths:
                if _DEPENDENCY_DIRS.intersection(parts[:-keep]):
                    return None  # a dependency's file that happens to share our file's name
                return candidate
        return None

    def _go_module_path(self, parts: list[str]) -> str | None:
        modules = self._modules()
        for cut in range(len(parts) - 1, 0, -1):
            directory = modules.get("/".join(parts[:cut]))
            if directory is not None:
                candidate = "/".join([*_parts(directory), *parts[cut:]])
                return candidate if candidate in self._paths else None
        return None

    def _names(self) -> dict[str, list[str]]:
        if self._by_name is None:
            self._by_name = {}
            for path in sorted(self._paths):
                self._by_name.setdefault(path.rpartition("/")[2], []).append(path)
        return self._by_name

    def _modules(self) -> dict[str, str]:
        """Module path -> directory, from every go.mod in the index (read safely, never run)."""
        if self._go_modules is None:
            self._go_modules = {}
            for entry in self._index.find_names("go.mod"):
                try:
                    text = self._index.read_text(entry.path).text
                except (OSError, GatekeeperError):
                    continue  # unreadable: its packages fall back to suffix matching
                match = _GO_MODULE.search(text)
                if match is not None:
                    self._go_modules.setdefault(match.group(1), posixpath.dirname(entry.path))
        return self._go_modules


def _split_reported(reported: str) -> tuple[bool, list[str]] | None:
    if not reported or "\x00" in reported:
        return None
    text = reported.replace("\\", "/")  # Windows runners write backslashes
    absolute = text.startswith("/")
    if _DRIVE.match(text):
        absolute, text = True, text[2:]
    parts = [part for part in text.split("/") if part not in ("", ".")]
    return (absolute, parts) if parts else None


def _parts(directory: str) -> list[str]:
    return directory.split("/") if directory else []


def _resolve(parts: Sequence[str], *, clamp: bool = False) -> str | None:
    """Lexically resolve `..`; None when it climbs above the start (unless clamped, as `/..` is)."""
    out: list[str] = []
    for part in parts:
        if part != "..":
            out.append(part)
        elif out:
            out.pop()
        elif not clamp:
            return None
    return "/".join(out)


def _shared(path: str, anchor: list[str]) -> int:
    count = 0
    for mine, theirs in zip(path.split("/")[:-1], anchor, strict=False):
        if mine != theirs:
            break
        count += 1
    return count


# ---------------------------------------------------------------------------- XML


def _parse_xml(data: bytes) -> tuple[ReportFormat, _Collector]:
    # JaCoCo and istanbul's Cobertura declare a DOCTYPE, so a DTD is allowed; entities never
    # are (XXE, expansion bombs), and expat never fetches the external subset by itself.
    try:
        root: Element = defused_et.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except defusedxml.EntitiesForbidden as exc:
        raise _ReportError(
            f"declares the XML entity {_shown(str(exc.name))!r}; gatekeeper refuses entities in "
            "reports (external entities and entity expansion). Fix: regenerate the report"
        ) from None
    except defusedxml.DefusedXmlException as exc:
        raise _ReportError(f"refused unsafe XML: {type(exc).__name__}") from None
    except defused_et.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise _ReportError(f"invalid XML: {proc.short_text(str(exc), 200)}", line) from None
    tag = _local(root.tag)
    if tag == "report":
        return ReportFormat.JACOCO, _jacoco(root)
    if tag == "coverage":
        if root.find("project") is not None:
            return ReportFormat.CLOVER, _clover(root)
        return ReportFormat.COBERTURA, _cobertura(root)
    raise _ReportError(
        f"not a coverage report: the root element is <{_shown(tag)}> (expected Cobertura or "
        "Clover <coverage>, or JaCoCo <report>)"
    )


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def _attr_int(element: Element, name: str, *, default: int | None = None) -> int:
    value = element.get(name)
    if value is None:
        if default is not None:
            return default
        raise _ReportError(f"<{_local(element.tag)}> has no {name} attribute")
    return _text_count(value.strip(), f"<{_local(element.tag)} {name}>")


def _text_count(value: str, what: str) -> int:
    """A non-negative integer written as text (XML attributes, LCOV fields)."""
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    raise _ReportError(f"{what} is not a non-negative integer: {_shown(value[:40])!r}")


def _count(value: object, what: str) -> int:
    """A non-negative JSON integer; strings, bools and floats are not counts."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise _ReportError(f"{what} is not a non-negative integer: {_shown(repr(value)[:40])}")


def _cobertura(root: Element) -> _Collector:
    collected = _Collector()
    sources = [
        source.text.strip()
        for source in root.iterfind("sources/source")
        if source.text and source.text.strip()
    ]
    for cls in root.iterfind("packages/package/classes/class"):
        filename = cls.get("filename")
        if not filename:
            raise _ReportError("a <class> has no filename attribute")
        found = collected.file(filename)
        if not found.candidates and sources:
            # Cobertura's filenames are relative to one of its <sources>.
            found.candidates = tuple(f"{source.rstrip('/')}/{filename}" for source in sources)
        # Only the class's own <lines>: the per-method lines repeat them.
        for line in cls.iterfind("lines/line"):
            found.add(_attr_int(line, "number"), 1, _attr_int(line, "hits") > 0)
    return collected


def _clover(root: Element) -> _Collector:
    collected = _Collector()
    for file in root.iter("file"):
        reported = file.get("path") or file.get("name")
        if not reported:
            raise _ReportError("a <file> has neither a path nor a name attribute")
        found = collected.file(reported)
        for line in file.iterfind("line"):
            kind = line.get("type")
            if kind not in ("stmt", "cond"):
                continue  # method lines repeat a statement's count
            count = _attr_int(line, "count", default=0)
            if kind == "cond":
                count += _attr_int(line, "truecount", default=0)
                count += _attr_int(line, "falsecount", default=0)
            found.add(_attr_int(line, "num"), 1, count > 0)
        metrics = file.find("metrics")
        if not found.units and metrics is not None:
            statements = _attr_int(metrics, "statements", default=0)
            found.totals = (statements, _attr_int(metrics, "coveredstatements", default=0))
    return collected


def _jacoco(root: Element) -> _Collector:
    collected = _Collector()
    for package in root.iter("package"):  # report/package and report/group/package
        prefix = (package.get("name") or "").strip("/")
        for source in package.iterfind("sourcefile"):
            name = source.get("name")
            if not name:
                raise _ReportError("a <sourcefile> has no name attribute")
            found = collected.file(f"{prefix}/{name}" if prefix else name)
            for line in source.iterfind("line"):
                missed, hit = _attr_int(line, "mi", default=0), _attr_int(line, "ci", default=0)
                if missed + hit:  # JaCoCo's LINE counter: covered when one instruction ran
                    found.add(_attr_int(line, "nr"), 1, hit > 0)
            if not found.units:
                for counter in source.iterfind("counter"):
                    if counter.get("type") == "LINE":
                        missed = _attr_int(counter, "missed", default=0)
                        hit = _attr_int(counter, "covered", default=0)
                        found.totals = (missed + hit, hit)
    return collected


# ---------------------------------------------------------------------------- LCOV and Go


def _parse_lcov(text: str) -> _Collector:
    collected = _Collector()
    current: _Measured | None = None
    current_name = ""
    started = 0
    totals: dict[str, int] = {}
    number = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "end_of_record":
            if current is None:
                raise _ReportError("end_of_record outside a record (no SF: before it)", number)
            if not current.units and "LF" in totals:
                current.totals = (totals["LF"], totals.get("LH", 0))
            current, totals = None, {}
            continue
        key, sep, value = line.partition(":")
        if not sep or not _LCOV_KEY.fullmatch(key):
            raise _ReportError(f"not an LCOV record: {_shown(line[:60])!r}", number)
        if key == "SF":
            if current is not None:
                raise _ReportError(
                    f"SF: before the record for {_shown(current_name)} (line {started}) was "
                    "closed by end_of_record",
                    number,
                )
            if not value:
                raise _ReportError("SF: with no path", number)
            current, current_name, started = collected.file(value), value, number
        elif key in ("DA", "LF", "LH"):
            if current is None:
                raise _ReportError(f"{key}: outside a record (no SF: before it)", number)
            if key == "DA":
                fields = value.split(",")
                if len(fields) < 2:
                    raise _ReportError("DA: needs a line number and a hit count", number)
                hits = fields[1].strip()
                # gcov can write a negative count for a counter that wrapped: the line ran.
                wrapped = hits.startswith("-") and hits[1:].isdigit()
                hit = wrapped or _lcov_int(hits, number) > 0
                current.add(_lcov_int(fields[0].strip(), number), 1, hit)
            else:
                totals[key] = _lcov_int(value.strip(), number)
        # Other records (TN, FN, FNDA, BRDA, VER ...) say nothing about line coverage.
    if current is not None:
        raise _ReportError(
            f"the record for {_shown(current_name)} (line {started}) is not closed by "
            "end_of_record; the file looks truncated",
            number,
        )
    return collected


def _lcov_int(value: str, line: int) -> int:
    try:
        return _text_count(value, "the value")
    except _ReportError as exc:
        raise _ReportError(exc.message, line) from None


def _parse_go(text: str) -> _Collector:
    collected = _Collector()
    seen_mode = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("mode:"):
            if line[5:].strip() not in _GO_MODES:
                raise _ReportError("unknown cover mode (expected set, count or atomic)", number)
            seen_mode = True  # repeated when CI concatenates per-package profiles
            continue
        if not seen_mode:
            raise _ReportError(
                "not a Go cover profile: it must start with 'mode: set|count|atomic'", number
            )
        # rpartition: the file name may itself contain ':'; the block never does.
        name, sep, block = line.rpartition(":")
        match = _GO_BLOCK.fullmatch(block)
        if not sep or not name or match is None:
            raise _ReportError(
                f"not a cover profile block (file:line.col,line.col statements count): "
                f"{_shown(line[:80])!r}",
                number,
            )
        start_line, start_col, end_line, end_col, statements, count = map(int, match.groups())
        unit = (start_line, start_col, end_line, end_col)
        collected.file(name).add(unit, statements, count > 0)
    if not seen_mode:
        raise _ReportError("not a Go cover profile: the file is empty (no 'mode:' line)", 1)
    return collected


# ---------------------------------------------------------------------------- JSON


def _parse_json(text: str, rel: str, fmt: ReportFormat) -> tuple[ReportFormat, _Collector]:
    data = load_json(text, display_path(rel))
    if isinstance(data, dict) and "files" in data:
        return ReportFormat.COVERAGE_JSON, _coverage_json(data["files"])
    if isinstance(data, dict) and all(
        isinstance(item, dict) and ("statementMap" in item or "data" in item)
        for item in data.values()
    ):
        return ReportFormat.ISTANBUL, _istanbul(data)
    raise _ReportError(
        "neither coverage.py's JSON report (a 'files' object) nor istanbul's coverage-final.json "
        f"(an object per file with a 'statementMap'); read as {fmt.value}"
    )


def _coverage_json(files: object) -> _Collector:
    if not isinstance(files, dict):
        raise _ReportError("'files' is not an object")
    collected = _Collector()
    for name, info in files.items():
        if not isinstance(info, dict):
            raise _ReportError(f"files[{_shown(name)!r}] is not an object")
        found = collected.file(name)
        executed, missing = info.get("executed_lines"), info.get("missing_lines")
        if isinstance(executed, list) and isinstance(missing, list):
            for number in missing:
                found.add(_count(number, f"a missing line of {_shown(name)}"), 1, False)
            for number in executed:
                found.add(_count(number, f"an executed line of {_shown(name)}"), 1, True)
            continue
        summary = info.get("summary")
        if not isinstance(summary, dict):
            raise _ReportError(
                f"files[{_shown(name)!r}] has neither executed_lines/missing_lines nor a summary"
            )
        found.totals = (
            _count(summary.get("num_statements"), f"num_statements of {_shown(name)}"),
            _count(summary.get("covered_lines"), f"covered_lines of {_shown(name)}"),
        )
    return collected


def _istanbul(data: dict[str, object]) -> _Collector:
    collected = _Collector()
    for key, value in data.items():
        info = value
        if isinstance(info, dict) and "statementMap" not in info:
            info = info.get("data")  # istanbul 0.x serialized FileCoverage objects whole
        if not isinstance(info, dict):  # pragma: no cover - _parse_json checked the shape
            raise _ReportError(f"{_shown(key)!r} is not an object")
        path = info.get("path")
        name = path if isinstance(path, str) and path else key
        statements, counts = info.get("statementMap"), info.get("s")
        if not isinstance(statements, dict) or not isinstance(counts, dict):
            raise _ReportError(f"{_shown(name)!r} has no statementMap and s objects")
        found = collected.file(name)
        for sid, location in statements.items():
            start = location.get("start") if isinstance(location, dict) else None
            line = start.get("line") if isinstance(start, dict) else None
            what = f"statementMap[{_shown(sid)!r}].start.line of {_shown(name)}"
            # istanbul's line coverage: a line is covered when a statement starting on it ran.
            hits = _count(counts.get(sid, 0), f"s[{_shown(sid)!r}] of {_shown(name)}")
            found.add(_count(line, what), 1, hits > 0)
    return collected


# ---------------------------------------------------------------------------- coverage.py data


def _read_data_copy(
    data: bytes, deadline: float, budget: float, rlimit_as_bytes: int | None, python: str
) -> _Collector:
    """Executed lines from a .coverage file's bytes, read by a child on a private copy."""
    if data.startswith(_LEGACY_DATA_MAGIC):
        raise _ReportError(
            "a coverage.py 4.x data file (JSON); gatekeeper reads only 5.0+ SQLite data. Fix: "
            "have CI write coverage.xml or coverage.json"
        )
    if not data.startswith(_SQLITE_MAGIC):
        raise _ReportError("not a coverage.py data file (not a SQLite database)")
    left = deadline - time.monotonic()
    if left <= 0:
        raise _ReportError(f"not read: the {budget:g} s budget for coverage data files was spent")
    with tempfile.TemporaryDirectory(prefix="gatekeeper-coverage-") as scratch:
        copy = Path(scratch) / _DATA_COPY_NAME
        copy.write_bytes(data)
        copy.chmod(0o400)
        # -I: neither the environment nor a directory on sys.path can put code in the child;
        # the cwd is the scratch copy's directory, so no target config is within reach.
        argv = [python, "-I", "-m", _MODULE, scratch, _DATA_COPY_NAME]
        try:
            result = proc.run(
                argv, cwd=Path(scratch), timeout=left, rlimit_as_bytes=rlimit_as_bytes
            )
        except OSError as exc:
            raise _ReportError(f"could not start {python}: {exc.strerror or exc}") from None
    if result.timed_out:
        raise _ReportError(
            f"reading the data file did not finish within {left:.3g} s and was stopped (a "
            "database that loops, such as a recursive view, or one far too large)"
        )
    return _data_from_child(result)


def _data_from_child(result: proc.ProcResult) -> _Collector:
    if result.stdout_truncated:
        raise _ReportError("the data file lists more than gatekeeper keeps; stopped")
    try:
        payload = json.loads(result.stdout) if result.stdout.strip() else None
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        raise _ReportError(f"not a readable coverage.py data file: {payload['error']}")
    if result.returncode != 0 or not isinstance(payload, dict):
        detail = proc.short_text(result.stderr, 300) or "no message"
        how = (
            f"was killed by signal {-result.returncode}"
            if result.returncode < 0
            else f"exited with {result.returncode}"
        )
        raise _ReportError(f"the reader {how}: {detail}")
    files = payload.get("files")
    if not isinstance(files, dict):
        raise _ReportError("the reader's output has no 'files' object")
    collected = _Collector(valid_known=False)
    for name, lines in files.items():
        if not isinstance(lines, list):
            raise _ReportError("the reader's output is malformed")
        found = collected.file(name)
        for number in lines:
            found.add(_count(number, "an executed line"), 1, True)
    return collected


def read_data_file(path: str) -> dict[str, list[int]]:
    """Measured file -> sorted executed lines of a coverage.py data file, via CoverageData only.

    Runs in the child. `Coverage()` and the coverage CLI would read the target's configuration
    and import the plugins it names; CoverageData reads the database and nothing else.
    """
    from coverage import CoverageData  # only the child imports coverage at all

    if "read_only" in inspect.signature(CoverageData).parameters:  # coverage >= 7.12
        data = CoverageData(basename=path, read_only=True)  # mode=ro&immutable=1: no journals
    else:  # pragma: no cover - older coverage; the copy is ours to open read-write
        data = CoverageData(basename=path)
    data.read()
    files: dict[str, list[int]] = {}
    for name in data.measured_files():
        if not isinstance(name, str):
            raise TypeError("a measured file's path is not text")
        files[name] = sorted(int(line) for line in data.lines(name) or ())
    return dict(sorted(files.items()))


def main(argv: Sequence[str] | None = None) -> int:
    """The child: `python -I -m gatekeeper.engines.coverage_reports DIR NAME`, JSON on stdout."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        sys.stderr.write("usage: python -I -m gatekeeper.engines.coverage_reports DIR NAME\n")
        return 2
    try:
        payload: dict[str, object] = {"files": read_data_file(os.path.join(*args))}
        code = 0
    except Exception as exc:  # this process exists to contain hostile data; report any failure
        payload = {"error": proc.short_text(f"{type(exc).__name__}: {exc}", 400)}
        code = 1
    sys.stdout.write(json.dumps(payload))
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
