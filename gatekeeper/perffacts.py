"""Whole-repository facts for the final validation: load and benchmark tests, and documentation.

Every file is attacker-controlled: only plain string methods run on its text, over files of at
most MAX_SCAN_BYTES (MAX_SOURCE_SCAN_BYTES for source code, whose scans all start with a substring
test) that the index lists, read through the index.
"""

from __future__ import annotations

import itertools
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from gatekeeper.engines.openapi import HEAD_BYTES, discover_specs, read_head
from gatekeeper.errors import GatekeeperError
from gatekeeper.repo import FileEntry, RepoIndex
from gatekeeper.stack import is_test_path

MAX_SCAN_BYTES = 256 * 1024
# Source files are scanned only for import lines and markers after a substring test, so a large
# module (a generated data table, a long test file) is read up to the index's own default cap.
MAX_SOURCE_SCAN_BYTES = 1024 * 1024
_SOURCE_LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "java", "kotlin"})
MAX_PER_KIND = 20  # evidence needs a few sightings per kind, not every benchmark in a monorepo
MAX_SIGNATURE_LINES = 20
# Sample repositories and test data are not the project's own benchmarks or documentation.
_SAMPLE_DIRS = frozenset({"fixtures", "testdata", "test-data", "test_data"})
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".adoc", ".txt")
_README_NAMES = frozenset({"readme"} | {"readme" + s for s in DOC_SUFFIXES})


@dataclass(frozen=True, slots=True)
class Sighting:
    """One piece of evidence: what was found (`kind`, `what`) and where."""

    kind: str
    path: str
    line: int | None
    what: str


@dataclass(frozen=True, slots=True)
class BenchmarkFacts:
    sightings: tuple[Sighting, ...]
    unread: tuple[str, ...]  # candidate files not read: over MAX_SCAN_BYTES, binary, unreadable

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted({s.kind for s in self.sightings}))


@dataclass(frozen=True, slots=True)
class DocFacts:
    readme: Sighting | None  # the README chosen (root first); None when there is none
    readme_has_body: bool  # more than a title
    api_docs: tuple[Sighting, ...]
    architecture: tuple[Sighting, ...]
    runbooks: tuple[Sighting, ...]
    unread: tuple[str, ...]  # documents not read: any of the kinds may be in them
    # source files not read, which could only have shown generated API docs (an import)
    unread_sources: tuple[str, ...] = ()


# ---------------------------------------------------------------------------- reading


def _excluded(path: str) -> bool:
    return any(part.lower() in _SAMPLE_DIRS for part in path.split("/")[:-1])


def _read(index: RepoIndex, entry: FileEntry, unread: list[str]) -> str | None:
    limit = MAX_SOURCE_SCAN_BYTES if entry.language in _SOURCE_LANGUAGES else MAX_SCAN_BYTES
    if entry.size > limit:
        unread.append(entry.path)
        return None
    try:
        text = index.read_text(entry.path).text
    except (GatekeeperError, OSError):  # binary, replaced by a link or gone since the walk
        unread.append(entry.path)
        return None
    if len(text) > limit:  # grew since the walk
        unread.append(entry.path)
        return None
    return text


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _first_line(text: str, matches: Callable[[str], bool]) -> int | None:
    """The 1-based number of the first line whose stripped text `matches`, like git counts."""
    for number, line in enumerate(text.split("\n"), 1):
        if matches(line.strip()):
            return number
    return None


def _starts_word(s: str, prefix: str) -> bool:
    if not s.startswith(prefix):
        return False
    rest = s[len(prefix) : len(prefix) + 1]
    return not rest or not (rest.isalnum() or rest == "_")


def _name(path: str) -> str:
    return path.rpartition("/")[2]


# ---------------------------------------------------------------------------- benchmarks


def _is_locust_import(s: str) -> bool:
    return (_starts_word(s, "from locust") or _starts_word(s, "import locust")) and "import" in s


def _benchmark_fixture_line(text: str) -> int | None:
    """The line of the first test function that takes pytest-benchmark's `benchmark` fixture."""
    lines = text.split("\n")
    for i, raw in enumerate(lines):
        if not raw.lstrip().startswith(("def test", "async def test")):
            continue
        # A signature may span lines; a few are enough for any real one.
        j = i
        while ")" not in lines[j] and j + 1 < len(lines) and j - i < MAX_SIGNATURE_LINES:
            j += 1
        signature = " ".join(line.strip() for line in lines[i : j + 1])
        params = signature.partition("(")[2].partition(")")[0]
        if any(p.split(":")[0].split("=")[0].strip() == "benchmark" for p in params.split(",")):
            return i + 1
    return None


def _python_benchmarks(path: str, text: str) -> Iterator[Sighting]:
    line = _first_line(text, _is_locust_import) if "locust" in text else None
    if line is not None:
        yield Sighting("locust", path, line, "locust load test (imports locust)")
    elif _name(path).lower() == "locustfile.py":
        yield Sighting("locust", path, 1, "locust load test (locustfile.py)")
    # The pytest-benchmark fixture only exists in tests.
    if "benchmark" in text and is_test_path(path):
        line = _first_line(text, lambda s: s.startswith("@") and "pytest.mark.benchmark" in s)
        what = "pytest-benchmark test (pytest.mark.benchmark)"
        if line is None:
            line = _benchmark_fixture_line(text)
            what = "pytest-benchmark test (uses the benchmark fixture)"
        if line is not None:
            yield Sighting("pytest-benchmark", path, line, what)


def _is_k6_import(s: str) -> bool:
    return s.startswith("import ") and any(q in s for q in ("'k6/", '"k6/', "'k6'", '"k6"'))


def _is_jmh_annotation(s: str) -> bool:
    return _starts_word(s, "@Benchmark")


def _is_go_benchmark(s: str) -> bool:
    return s.startswith("func Benchmark") and "*testing.B" in s


def _artillery(path: str, text: str) -> Iterator[Sighting]:
    if "scenarios:" not in text or "config:" not in text:
        return
    # Both keys at column 0: an artillery script's two top-level sections.
    config = scenarios = None
    for number, line in enumerate(text.split("\n"), 1):
        if config is None and line.startswith("config:"):
            config = number
        if scenarios is None and line.startswith("scenarios:"):
            scenarios = number
    if config is not None and scenarios is not None:
        yield Sighting("artillery", path, scenarios, "artillery load test (config: + scenarios:)")


def _shell_load_tools(path: str, text: str) -> Iterator[Sighting]:
    if "vegeta" in text:
        line = _first_line(text, lambda s: "vegeta attack" in s and not s.startswith("#"))
        if line is not None:
            yield Sighting("vegeta", path, line, "vegeta load test (vegeta attack)")
    if "wrk" in text:
        line = _first_line(text, _runs_wrk)
        if line is not None:
            yield Sighting("wrk", path, line, "wrk load test")


def _runs_wrk(s: str) -> bool:
    if s.startswith("#"):
        return False
    words = s.split()
    return any(w == "wrk" and nxt.startswith("-") for w, nxt in itertools.pairwise(words))


def _benchmarks_in(path: str, text: str) -> Iterator[Sighting]:
    name = _name(path)
    lowered = name.lower()
    if lowered.endswith(".py"):
        yield from _python_benchmarks(path, text)
    elif lowered.endswith((".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")):
        if "k6" in text:
            line = _first_line(text, _is_k6_import)
            if line is not None:
                yield Sighting("k6", path, line, "k6 load test (imports k6)")
    elif lowered.endswith("_test.go"):
        if "testing.B" in text:
            line = _first_line(text, _is_go_benchmark)
            if line is not None:
                yield Sighting(
                    "go-bench", path, line, "Go benchmark (func Benchmark, go test -bench)"
                )
    elif lowered.endswith((".java", ".kt", ".scala")):
        if "io.gatling" in text:
            line = _first_line(text, lambda s: s.startswith("import io.gatling"))
            if line is not None:
                yield Sighting("gatling", path, line, "Gatling simulation (imports io.gatling)")
        if "org.openjdk.jmh" in text:
            line = _first_line(text, _is_jmh_annotation)
            if line is not None:
                yield Sighting("jmh", path, line, "JMH benchmark (@Benchmark)")
    elif lowered.endswith(".jmx"):
        if "jmeterTestPlan" in text:
            line = _first_line(text, lambda s: "<jmeterTestPlan" in s)
            yield Sighting("jmeter", path, line or 1, "JMeter test plan")
    elif lowered.endswith((".yml", ".yaml")):
        yield from _artillery(path, text)
    elif lowered.endswith((".sh", ".bash")) or lowered in ("makefile", "gnumakefile"):
        yield from _shell_load_tools(path, text)


_BENCHMARK_SUFFIXES = (
    ".py",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".mts",
    ".cts",
    "_test.go",
    ".java",
    ".kt",
    ".scala",
    ".jmx",
    ".yml",
    ".yaml",
    ".sh",
    ".bash",
)


def find_benchmarks(index: RepoIndex) -> BenchmarkFacts:
    """Load and benchmark tests anywhere in the repository (tests included), with file:line."""
    found: list[Sighting] = []
    unread: list[str] = []
    per_kind: dict[str, int] = {}
    for entry in index.files:
        lowered = _name(entry.path).lower()
        if _excluded(entry.path):
            continue
        if not lowered.endswith(_BENCHMARK_SUFFIXES) and lowered not in ("makefile", "gnumakefile"):
            continue
        text = _read(index, entry, unread)
        if text is None:
            continue
        for sighting in _benchmarks_in(entry.path, text):
            if per_kind.get(sighting.kind, 0) < MAX_PER_KIND:
                per_kind[sighting.kind] = per_kind.get(sighting.kind, 0) + 1
                found.append(sighting)
    return BenchmarkFacts(tuple(sorted(found, key=_order)), tuple(sorted(unread)))


# ---------------------------------------------------------------------------- documentation


@dataclass(frozen=True, slots=True)
class _Heading:
    line: int
    title: str  # lower case
    has_body: bool  # a non-blank, non-heading line follows before the next heading


@dataclass(frozen=True, slots=True)
class _DocScan:
    first_line: int | None  # first non-blank line (a title, usually)
    body_line: int | None  # first content line after it that is not a heading
    headings: tuple[_Heading, ...]
    diagram: tuple[int, str] | None  # line and kind of the first diagram block


_DIAGRAM_FENCES = (
    ("```mermaid", "Mermaid"),
    ("~~~mermaid", "Mermaid"),
    (":::mermaid", "Mermaid"),
    ("::: mermaid", "Mermaid"),
    (".. mermaid::", "Mermaid"),
    ("@startuml", "PlantUML"),
    ("```plantuml", "PlantUML"),
    ("```puml", "PlantUML"),
    (".. uml::", "PlantUML"),
    ("```dot", "Graphviz"),
    ("```graphviz", "Graphviz"),
    (".. graphviz::", "Graphviz"),
    ("```d2", "D2"),
)


def _is_underline(s: str) -> bool:
    # A setext (Markdown) or reStructuredText title underline: one punctuation character repeated.
    return len(s) >= 3 and s[0] in "=-~^*+#`:'\"." and s == s[0] * len(s)


def _scan_doc(text: str) -> _DocScan:
    lines = [line.strip() for line in text.split("\n")]
    first = body = None
    diagram: tuple[int, str] | None = None
    headings: list[_Heading] = []
    open_heading: tuple[int, str] | None = None
    open_has_body = False
    in_fence = False
    for index, s in enumerate(lines):
        number = index + 1
        if diagram is None:
            for fence, kind in _DIAGRAM_FENCES:
                # The whole info word: "```dotenv" is no Graphviz block.
                if s.startswith(fence) and not s[len(fence) : len(fence) + 1].isalnum():
                    diagram = (number, kind)
                    break
        if s.startswith(("```", "~~~")):
            in_fence = not in_fence
        if not s or _is_underline(s):
            continue
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        is_heading = not in_fence and (s.startswith("#") or _is_underline(nxt))
        if first is None:
            first = number
        elif body is None and not is_heading:
            body = number
        if is_heading:
            if open_heading is not None:
                headings.append(_Heading(open_heading[0], open_heading[1], open_has_body))
            open_heading = (number, s.lstrip("#").strip().lower())
            open_has_body = False
        else:
            open_has_body = True
    if open_heading is not None:
        headings.append(_Heading(open_heading[0], open_heading[1], open_has_body))
    return _DocScan(first, body, tuple(headings), diagram)


_ARCHITECTURE_WORDS = ("architecture",)
_RUNBOOK_WORDS = (
    "runbook",
    "playbook",
    "on-call",
    "oncall",
    "on_call",
    "on call",
    "incident",
)
# Too common alone ("Bulk operations"): a runbook only with operational wording beside it.
_OPERATIONS_CONTEXT = ("deploy", "rollback", "roll back", "restore", "incident", "outage", "alert")
_ADR_DIRS = frozenset({"adr", "adrs", "decisions", "architecture-decisions"})
_DIAGRAM_FILES = (
    (".puml", "PlantUML diagram"),
    (".plantuml", "PlantUML diagram"),
    (".pu", "PlantUML diagram"),
    (".iuml", "PlantUML diagram"),
    (".wsd", "PlantUML diagram"),
    (".mmd", "Mermaid diagram"),
    (".mermaid", "Mermaid diagram"),
    (".drawio", "draw.io diagram"),
    (".dio", "draw.io diagram"),
    (".excalidraw", "Excalidraw diagram"),
)
_IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")
_DIAGRAM_DIRS = frozenset({"architecture", "diagrams", "diagram"})
_DOC_DIRS = frozenset({"docs", "doc", "documentation"})
# An image under docs/ is a diagram only when its name says so: a logo or a screenshot is not.
_DIAGRAM_NAME_HINTS = (
    "arch",
    "diagram",
    "design",
    "c4",
    "overview",
    "system",
    "component",
    "sequence",
    "flow",
    "topology",
    "deployment",
    "context",
    "container",
)


def _diagram_file(path: str) -> str | None:
    parts = path.lower().split("/")
    name, dirs = parts[-1], parts[:-1]
    for suffix, what in _DIAGRAM_FILES:
        if name.endswith(suffix):
            return what
    if name == "workspace.dsl":
        return "Structurizr model"
    if name.endswith(_IMAGE_SUFFIXES):
        if any(d in _DIAGRAM_DIRS for d in dirs):
            return "diagram image"
        if any(d in _DOC_DIRS for d in dirs) and any(h in name for h in _DIAGRAM_NAME_HINTS):
            return "diagram image"
    return None


def _under_docs_api(path: str) -> bool:
    parts = path.lower().split("/")
    return any(d in _DOC_DIRS and nxt.startswith("api") for d, nxt in itertools.pairwise(parts))


# Generated API documentation, seen where the code imports the library that serves it:
# (module, what it is), matched on import lines only (a string naming it is not an import).
_GENERATED_DOCS_IMPORTS: dict[str, tuple[tuple[str, str], ...]] = {
    "python": (
        ("rest_framework.schemas", "Django REST framework schema view"),
        ("rest_framework import schemas", "Django REST framework schema view"),
        ("drf_spectacular", "drf-spectacular schema view"),
        ("drf_yasg", "drf-yasg schema view"),
        ("flasgger", "flasgger Swagger UI"),
        ("flask_smorest", "flask-smorest OpenAPI docs"),
        ("flask_restx", "flask-restx Swagger docs"),
    ),
    "javascript": (
        ("swagger-ui-express", "swagger-ui-express docs"),
        ("@nestjs/swagger", "@nestjs/swagger docs"),
        ("swagger-jsdoc", "swagger-jsdoc spec"),
        ("@fastify/swagger", "@fastify/swagger docs"),
    ),
    "go": (("github.com/swaggo/", "swaggo generated docs"),),
    "java": (
        ("org.springdoc", "springdoc-openapi docs"),
        ("io.swagger", "Swagger annotations"),
    ),
}
_GENERATED_DOCS_IMPORTS["typescript"] = _GENERATED_DOCS_IMPORTS["javascript"]
_GENERATED_DOCS_IMPORTS["kotlin"] = _GENERATED_DOCS_IMPORTS["java"]


def _imports(language: str, s: str, module: str) -> bool:
    """Whether the stripped line `s` imports `module` (a prefix of the module's name)."""
    if language == "python":
        return _starts_word(s, f"from {module}") or _starts_word(s, f"import {module}")
    if language in ("javascript", "typescript"):
        quoted = f"'{module}" in s or f'"{module}' in s
        return quoted and (s.startswith(("import ", "export ")) or "require(" in s)
    if language == "go":
        return f'"{module}' in s  # an import line or a line of an import block
    return s.startswith(f"import {module}")  # Java, Kotlin


_GENERATED_DOCS_DEPENDENCIES = (
    ("springdoc-openapi", "springdoc-openapi dependency"),
    ("springfox", "springfox dependency"),
    ("swagger-ui-express", "swagger-ui-express dependency"),
    ("@nestjs/swagger", "@nestjs/swagger dependency"),
    ("swagger-jsdoc", "swagger-jsdoc dependency"),
    ("@fastify/swagger", "@fastify/swagger dependency"),
    ("github.com/swaggo/", "swaggo dependency"),
    ("drf-spectacular", "drf-spectacular dependency"),
    ("drf-yasg", "drf-yasg dependency"),
    ("flasgger", "flasgger dependency"),
    ("flask-smorest", "flask-smorest dependency"),
)
_MANIFESTS = frozenset(
    {"package.json", "pom.xml", "build.gradle", "build.gradle.kts", "go.mod", "pyproject.toml"}
)


def _is_manifest(name: str) -> bool:
    return name in _MANIFESTS or (name.startswith("requirements") and name.endswith(".txt"))


def _generated_docs(entry: FileEntry, text: str) -> Iterator[Sighting]:
    if _is_manifest(_name(entry.path).lower()):
        for marker, what in _GENERATED_DOCS_DEPENDENCIES:
            pos = text.find(marker)
            if pos >= 0:
                yield Sighting("api_docs", entry.path, _line_of(text, pos), what)
                return
        return
    language = entry.language or ""
    for module, what in _GENERATED_DOCS_IMPORTS.get(language, ()):
        if module.rpartition(" ")[2] in text:
            line = _first_import(text, language, module)
            if line is not None:
                yield Sighting("api_docs", entry.path, line, what)
                return
    if (
        language == "python"
        and "FastAPI(" in text
        and _first_import(text, "python", "fastapi") is not None
    ):
        yield from _fastapi_docs(entry.path, text)


def _first_import(text: str, language: str, module: str) -> int | None:
    return _first_line(text, lambda s: _imports(language, s, module))


def _fastapi_docs(path: str, text: str) -> Iterator[Sighting]:
    # FastAPI serves its generated OpenAPI docs at /docs unless the app turns them off.
    pos = text.find("FastAPI(")
    while pos >= 0:
        args = _call_arguments(text, pos + len("FastAPI("))
        quoted = pos > 0 and text[pos - 1] in "\"'"  # a string naming it, not a call
        if not quoted and "openapi_url=None" not in "".join(args.split()):
            yield Sighting("api_docs", path, _line_of(text, pos), "FastAPI generated docs (/docs)")
            return
        # The next search starts after this call: every character is looked at once.
        pos = text.find("FastAPI(", pos + len("FastAPI(") + len(args))


_MAX_CALL_CHARS = 16 * 1024


def _call_arguments(text: str, start: int) -> str:
    """The text up to the parenthesis closing a call opened just before `start` (bounded)."""
    depth = 1
    end = min(len(text), start + _MAX_CALL_CHARS)
    for i in range(start, end):
        char = text[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start:i]
    return text[start:end]


def _spec_line(index: RepoIndex, path: str) -> int:
    try:
        head = read_head(index.root, path, HEAD_BYTES).decode("utf-8", "replace")
    except (GatekeeperError, OSError):
        return 1
    keys = ("openapi", "swagger", '"openapi"', '"swagger"', "'openapi'", "'swagger'")
    for number, line in enumerate(head.split("\n"), 1):
        if line.lstrip(" \t{").startswith(keys):
            return number
    return 1


def _first_heading_line(scan: _DocScan) -> int:
    return scan.headings[0].line if scan.headings else scan.first_line or 1


def _named(path: str, words: tuple[str, ...]) -> bool:
    """A path component or the file's stem names one of `words` (docs/operations/x.md)."""
    parts = path.lower().split("/")
    stem = posixpath.splitext(parts[-1])[0]
    return any(w in part for part in (*parts[:-1], stem) for w in words)


def find_documentation(index: RepoIndex) -> DocFacts:
    """README, API docs, architecture docs or diagrams, and runbooks, each with file:line."""
    unread: list[str] = []
    unread_sources: list[str] = []
    api_docs: list[Sighting] = []
    architecture: list[Sighting] = []
    runbooks: list[Sighting] = []
    readmes: dict[str, _DocScan | None] = {}  # None: not read (too large, binary)

    for spec in discover_specs(index):
        if not _excluded(spec.path) and not is_test_path(spec.path):
            what = f"{spec.kind} spec" + (f" (version {spec.version})" if spec.version else "")
            api_docs.append(Sighting("api_docs", spec.path, _spec_line(index, spec.path), what))

    for entry in index.files:
        path = entry.path
        if _excluded(path) or is_test_path(path):
            continue
        name = _name(path).lower()
        diagram = _diagram_file(path)
        if diagram is not None:
            textual = not name.endswith(_IMAGE_SUFFIXES)
            architecture.append(Sighting("architecture", path, 1 if textual else None, diagram))
            continue
        is_readme = name in _README_NAMES
        is_doc = is_readme or (name.endswith(DOC_SUFFIXES) and not _is_manifest(name))
        generated = _is_manifest(name) or entry.language in _GENERATED_DOCS_IMPORTS
        if not is_doc and not generated and not _under_docs_api(path):
            continue
        text = _read(index, entry, unread_sources if generated and not is_doc else unread)
        if is_readme:
            readmes[path] = _scan_doc(text) if text is not None else None
        if text is None:
            continue
        if generated:
            api_docs.extend(_generated_docs(entry, text))
            continue
        if not is_doc:  # docs/api* in another format (HTML, a Postman collection)
            if text.strip():
                api_docs.append(Sighting("api_docs", path, 1, "API documentation (docs/api*)"))
            continue
        _classify_doc(path, readmes.get(path) or _scan_doc(text), api_docs, architecture, runbooks)

    readme: Sighting | None = None
    has_body = False
    if readmes:
        # The root README describes the repository; otherwise the shallowest one (a service's).
        chosen = min(readmes, key=lambda p: (p.count("/"), p))
        scan = readmes[chosen]
        if scan is None:
            readme = Sighting("readme", chosen, None, "README (not read)")
        else:
            has_body = scan.body_line is not None
            what = "README" if has_body else "README (only a title)"
            readme = Sighting("readme", chosen, scan.first_line, what)
    return DocFacts(
        readme,
        has_body,
        _capped(api_docs),
        _capped(architecture),
        _capped(runbooks),
        tuple(sorted(set(unread))),
        tuple(sorted(set(unread_sources))),
    )


def _classify_doc(
    path: str,
    scan: _DocScan,
    api_docs: list[Sighting],
    architecture: list[Sighting],
    runbooks: list[Sighting],
) -> None:
    if scan.first_line is None:
        return  # an empty document documents nothing
    if _under_docs_api(path):
        api_docs.append(Sighting("api_docs", path, _first_heading_line(scan), "API documentation"))
    if scan.diagram is not None:
        line, kind = scan.diagram
        architecture.append(Sighting("architecture", path, line, f"{kind} diagram"))
    elif any(d in _ADR_DIRS for d in path.lower().split("/")[:-1]):
        what = "architecture decision record"
        architecture.append(Sighting("architecture", path, _first_heading_line(scan), what))
    elif _named(path, _ARCHITECTURE_WORDS):
        what = "architecture document"
        architecture.append(Sighting("architecture", path, _first_heading_line(scan), what))
    else:
        for heading in scan.headings:
            if heading.has_body and any(w in heading.title for w in _ARCHITECTURE_WORDS):
                what = f"architecture section ({heading.title[:60]})"
                architecture.append(Sighting("architecture", path, heading.line, what))
                break
    if _named(path, _RUNBOOK_WORDS) or "operations" in path.lower().split("/")[:-1]:
        runbooks.append(Sighting("runbook", path, _first_heading_line(scan), "runbook"))
        return
    for heading in scan.headings:
        operations = "operations" in heading.title and any(
            w in heading.title for w in _OPERATIONS_CONTEXT
        )
        if heading.has_body and (operations or any(w in heading.title for w in _RUNBOOK_WORDS)):
            what = f"runbook section ({heading.title[:60]})"
            runbooks.append(Sighting("runbook", path, heading.line, what))
            return


def _capped(sightings: list[Sighting]) -> tuple[Sighting, ...]:
    return tuple(sorted(sightings, key=_order)[:MAX_PER_KIND])


def _order(s: Sighting) -> tuple[str, str, int, str]:
    return (s.kind, s.path, s.line or 0, s.what)  # an image has no line: it sorts first
