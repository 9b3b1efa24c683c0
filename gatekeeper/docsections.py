"""Headings of a repository's documents (Markdown ATX/setext, reStructuredText) and their sections.

Every input is attacker-controlled: sizes and counts are capped and only linear str scans are used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gatekeeper.errors import GatekeeperError
from gatekeeper.repo import FileEntry, RepoIndex

MAX_DOC_BYTES = 256 * 1024
MAX_DOCUMENTS = 1000
MAX_HEADINGS = 2000  # per repository
MAX_HEADINGS_PER_FILE = 500  # one generated file must not use up the repository's budget
MAX_SECTION_CHARS = 4096
MAX_TITLE_CHARS = 200
_MAX_FRONT_MATTER_LINES = 200

_ROOT_DOC_STEMS = frozenset({"readme", "security", "architecture"})
_DOC_DIRS = frozenset({"docs", "doc", "adr", "adrs"})
# Test data describes fixtures, not the repository's own requirements.
_TEST_DATA_DIRS = frozenset({"test", "tests", "__tests__", "testdata", "fixtures", "__fixtures__"})
_PROSE_LANGUAGES = frozenset({"markdown", "rst", "text"})
_RST_ADORNMENT = frozenset("=-`:'\"~^_*+#<>.")


@dataclass(frozen=True, slots=True)
class Section:
    path: str
    line: int  # 1-based line of the heading's text
    level: int  # 1 is the top; reStructuredText levels follow the order adornments first appear
    title: str
    body: str  # text up to the next heading of the same or a higher level, capped
    body_line: int  # the line `body` starts on
    prose_chars: int  # non-blank characters in the section outside heading lines


@dataclass(frozen=True, slots=True)
class Document:
    path: str
    preamble: str  # the text before the first heading (from line 1), capped
    sections: tuple[Section, ...]
    prose_chars: int  # non-blank characters outside heading lines: "more than a title"
    first_prose_line: int | None
    truncated: bool  # more headings than the caps allowed; the rest were not listed


@dataclass(frozen=True, slots=True)
class DocSections:
    documents: tuple[Document, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (path, why it was not read)

    @property
    def sections(self) -> tuple[Section, ...]:
        return tuple(s for d in self.documents for s in d.sections)


@dataclass(frozen=True, slots=True)
class _Raw:
    top: int  # first line index of the heading (overline or setext title)
    title_at: int
    level_key: object  # int for Markdown, (char, overlined) for reStructuredText
    title: str
    body_at: int


_RELEASE_NOTES = frozenset(
    {"changelog", "changes", "history", "news", "release-notes", "releases", "release_notes"}
)


def is_document(path: str, language: str | None) -> bool:
    """README*, SECURITY*, ARCHITECTURE*, anything textual under docs/ doc/ adr/, *.md and *.rst."""
    if in_test_data(path):
        return False
    parts = path.lower().split("/")
    name = parts[-1]
    if name.partition(".")[0] in _RELEASE_NOTES:
        return False  # "## Performance: 30% faster" in a changelog is history, not a target
    stem, dot, _suffix = name.partition(".")
    textual = language in _PROSE_LANGUAGES or not dot or name.endswith((".adoc", ".asciidoc"))
    if stem in _ROOT_DOC_STEMS or any(p in _DOC_DIRS for p in parts[:-1]):
        return textual
    # requirements.txt and other .txt files elsewhere are data, not documents.
    return language in ("markdown", "rst")


def in_test_data(path: str) -> bool:
    """Under tests/, fixtures/, testdata/ ...: describes test data, not the repository itself."""
    return any(p in _TEST_DATA_DIRS for p in path.lower().split("/")[:-1])


def _priority(entry: FileEntry) -> tuple[int, int, str]:
    parts = entry.path.lower().split("/")
    stem = parts[-1].partition(".")[0]
    if len(parts) == 1 and stem in _ROOT_DOC_STEMS:
        rank = 0
    elif parts[0] in _DOC_DIRS:
        rank = 1
    else:
        rank = 2
    return rank, len(parts), entry.path


def collect(index: RepoIndex) -> DocSections:
    """Every document's headings, the root README and docs/ first so caps fall on the rest."""
    candidates = sorted((e for e in index.files if is_document(e.path, e.language)), key=_priority)
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []
    budget = MAX_HEADINGS
    for entry in candidates:
        if len(documents) >= MAX_DOCUMENTS:
            skipped.append((entry.path, f"more than {MAX_DOCUMENTS} documents"))
            continue
        if entry.size > MAX_DOC_BYTES:
            skipped.append((entry.path, f"larger than {MAX_DOC_BYTES} bytes"))
            continue
        try:
            text = index.read_text(entry.path).text
        except (GatekeeperError, OSError) as exc:
            skipped.append((entry.path, str(exc)))
            continue
        doc = parse(entry.path, text, rst=entry.language == "rst", max_headings=budget)
        budget -= len(doc.sections)
        documents.append(doc)
    return DocSections(tuple(documents), tuple(skipped))


def _outside_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    out: list[str] = []
    rest = line
    while rest:
        if in_comment:
            end = rest.find("-->")
            if end < 0:
                return "".join(out), True
            rest, in_comment = rest[end + 3 :], False
        else:
            start = rest.find("<!--")
            if start < 0:
                out.append(rest)
                break
            out.append(rest[:start])
            rest, in_comment = rest[start + 4 :], True
    return "".join(out), in_comment


def parse(
    path: str, text: str, *, rst: bool = False, max_headings: int = MAX_HEADINGS_PER_FILE
) -> Document:
    """One document's headings and sections, at most `max_headings` (and the per-file cap)."""
    lines = text.splitlines()
    # Offsets from the same splitlines() so line numbers agree with the report's snippets.
    offsets = [0]
    for chunk in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(chunk))
    raws = _rst_headings(lines) if rst else _markdown_headings(lines)
    heading_lines: set[int] = set()
    for r in raws:
        heading_lines.update(range(r.top, r.body_at))
    prose = [0]
    first_prose: int | None = None
    in_comment = False
    for i, line in enumerate(lines):
        # An HTML comment (a template's instructions) or a badge line is not content.
        visible, in_comment = _outside_comments(line, in_comment)
        if visible.lstrip().startswith(("[![", "![")):
            visible = ""
        count = 0 if i in heading_lines else len("".join(visible.split()))
        if count and first_prose is None:
            first_prose = i + 1
        prose.append(prose[-1] + count)
    ends = _section_ends(raws, len(lines))
    levels = _levels(raws)
    cap = max(0, min(max_headings, MAX_HEADINGS_PER_FILE))
    sections = []
    for r, end in zip(raws[:cap], ends, strict=False):
        start = min(r.body_at, end)
        body = text[offsets[start] : min(offsets[end], offsets[start] + MAX_SECTION_CHARS)]
        sections.append(
            Section(
                path,
                r.title_at + 1,
                levels[r.level_key],
                r.title[:MAX_TITLE_CHARS],
                body,
                start + 1,
                prose[end] - prose[start],
            )
        )
    preamble_end = offsets[raws[0].top] if raws else len(text)
    preamble = text[: min(preamble_end, MAX_SECTION_CHARS)]
    return Document(path, preamble, tuple(sections), prose[-1], first_prose, len(raws) > cap)


def _section_ends(raws: Sequence[_Raw], n_lines: int) -> list[int]:
    """Where each section ends: the next heading of the same or a higher level."""
    order = _levels(raws)
    ends = [n_lines] * len(raws)
    open_: list[int] = []
    for k, r in enumerate(raws):
        while open_ and order[raws[open_[-1]].level_key] >= order[r.level_key]:
            ends[open_.pop()] = r.top
        open_.append(k)
    return ends


def _levels(raws: Sequence[_Raw]) -> dict[object, int]:
    levels: dict[object, int] = {}
    for r in raws:
        if isinstance(r.level_key, int):
            levels[r.level_key] = r.level_key
        elif r.level_key not in levels:
            levels[r.level_key] = len(levels) + 1
    return levels


def _markdown_headings(lines: Sequence[str]) -> list[_Raw]:
    found: list[_Raw] = []
    start = _after_front_matter(lines)
    fence = ""  # the open code fence ("```", "~~~~"); headings inside it are code
    paragraph = False  # the previous line can carry a setext underline
    for i in range(start, len(lines)):
        line = lines[i]
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        bare = stripped.rstrip()
        if fence:
            if indent <= 3 and len(bare) >= len(fence) and not bare.strip(fence[0]):
                fence = ""
            continue
        if indent <= 3 and bare.startswith(("```", "~~~")):
            fence = bare[: len(bare) - len(bare.lstrip(bare[0]))]
            paragraph = False
            continue
        if indent <= 3 and bare.startswith("#"):
            hashes = len(bare) - len(bare.lstrip("#"))
            rest = bare[hashes:]
            if hashes <= 6 and (not rest or rest[0] in " \t"):
                found.append(_Raw(i, i, hashes, _atx_title(rest), i + 1))
                paragraph = False
                continue
        if paragraph and indent <= 3 and bare[:1] in ("=", "-") and not bare.strip(bare[0]):
            level = 1 if bare[0] == "=" else 2
            found.append(_Raw(i - 1, i - 1, level, lines[i - 1].strip(), i + 1))
            paragraph = False
            continue
        paragraph = bool(bare) and indent <= 3 and not bare.startswith(("- ", "* ", "+ ", ">"))
    return found


def _atx_title(rest: str) -> str:
    title = rest.strip()
    if title.endswith("#"):
        unclosed = title.rstrip("#")
        if not unclosed or unclosed[-1] in " \t":
            title = unclosed.rstrip()
    return title


def _after_front_matter(lines: Sequence[str]) -> int:
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def _adornment(line: str) -> str:
    """The adornment character when `line` is a reStructuredText over- or underline, else ""."""
    bare = line.rstrip()
    if len(bare) >= 2 and bare[0] in _RST_ADORNMENT and not bare.strip(bare[0]):
        return bare[0]
    return ""


def _rst_headings(lines: Sequence[str]) -> list[_Raw]:
    found: list[_Raw] = []
    i = 0
    n = len(lines)
    while i < n:
        char = _adornment(lines[i])
        if char and i + 2 < n:
            title = lines[i + 1].strip()
            if title and not _adornment(lines[i + 1]) and _adornment(lines[i + 2]) == char:
                found.append(_Raw(i, i + 1, (char, True), title, i + 3))
                i += 3
                continue
        if char and i > 0:
            previous = lines[i - 1]
            title = previous.strip()
            underline = len(lines[i].rstrip())
            taken = bool(found) and found[-1].body_at > i - 1
            if (
                title
                and not taken
                and not previous[:1].isspace()
                and not _adornment(previous)
                # docutils: an underline shorter than the title is a title only from 4 chars
                and (underline >= len(title) or underline >= 4)
            ):
                found.append(_Raw(i - 1, i - 1, (char, False), title, i + 1))
        i += 1
    return found
