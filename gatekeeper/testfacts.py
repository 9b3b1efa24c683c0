"""Whole-repository test facts: test files by kind, routes tests call, CI pipelines, thresholds.

Every file is attacker text: read as data (never imported or run), files over 256 KiB are
skipped, and only str methods and linear regexes (anchored or literal-led) touch a line.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from gatekeeper.errors import GatekeeperError
from gatekeeper.repo import FileEntry, RepoIndex, decode_source, display_path, safe_read
from gatekeeper.stack import is_test_path
from gatekeeper.yamlsafe import DataFormatError, KeyPath, load_json, load_yaml_with_lines

__all__ = [
    "MAX_READ_BYTES",
    "CiProblem",
    "CiStep",
    "Pipeline",
    "RouteCall",
    "Skipped",
    "TestFacts",
    "TestKind",
    "TestUsage",
    "Threshold",
    "collect",
]

MAX_READ_BYTES = 256 * 1024
# Longer lines are minified or generated text; matching them buys nothing and costs time.
_MAX_LINE = 4096
_MAX_SHOWN = 120
_TEST_LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "java", "kotlin"})
# JavaScript outside test directories that is still end-to-end or load tooling.
_E2E_DIRS = frozenset(
    {"cypress", "k6", "load", "loadtest", "load-tests", "perf", "performance", "playwright"}
)


# A directory or file name by which a project files tests as end-to-end: Nx generates an
# `<app>-e2e` project beside each application, NestJS names them `*.e2e-spec.ts`.
_E2E_DIR_NAME = re.compile(r"^(?:e2e|e2e[-_]tests?|[\w.-]+[-_]e2e)$", re.IGNORECASE)
_E2E_FILE_NAME = re.compile(
    r"[._-]e2e(?:[-_.]spec|[-_.]test)?\.[a-z]+$|^(?:test_)?e2e[-_]", re.IGNORECASE
)


def _e2e_by_name(path: str) -> str | None:
    *dirs, name = path.split("/")
    for directory in reversed(dirs):
        if _E2E_DIR_NAME.match(directory):
            return f"end-to-end test project {directory}/"
    if _E2E_FILE_NAME.search(name):
        return "end-to-end test file (by its name)"
    return None


class TestKind(StrEnum):
    __test__ = False  # not a pytest class, whatever its name says

    UNIT = "unit"
    INTEGRATION = "integration"
    E2E = "e2e"


@dataclass(frozen=True, slots=True, order=True)
class TestUsage:
    """The first line of a file that shows one kind of test tooling (line None: the whole file)."""

    __test__ = False

    path: str
    line: int | None
    kind: TestKind
    tool: str


@dataclass(frozen=True, slots=True, order=True)
class RouteCall:
    """A request a test sends to a route written out in the test: `client.get("/orders")`."""

    path: str
    line: int
    method: str
    route: str


@dataclass(frozen=True, slots=True, order=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True, slots=True, order=True)
class CiStep:
    path: str
    line: int | None
    command: str  # shortened and escaped for display


@dataclass(frozen=True, slots=True, order=True)
class Pipeline:
    path: str
    system: str  # github-actions gitlab-ci jenkins circleci azure-pipelines bitbucket-pipelines
    test_steps: tuple[CiStep, ...]


@dataclass(frozen=True, slots=True, order=True)
class CiProblem:
    """A dangerous workflow construct, or a pipeline file that could not be read."""

    path: str
    line: int | None
    kind: (
        str  # untrusted-checkout | write-all | default-permissions | script-injection | unreadable
    )
    message: str


@dataclass(frozen=True, slots=True, order=True)
class Threshold:
    """A coverage minimum the build enforces, as a percentage, and where it is written."""

    path: str
    line: int | None
    percent: float
    family: str  # python | javascript | java | go
    source: str


@dataclass(frozen=True, slots=True)
class TestFacts:
    __test__ = False

    test_files: tuple[str, ...]
    usages: tuple[TestUsage, ...]
    routes: tuple[RouteCall, ...]
    pipelines: tuple[Pipeline, ...]
    ci_problems: tuple[CiProblem, ...]
    thresholds: tuple[Threshold, ...]
    skipped: tuple[Skipped, ...]

    def of_kind(self, kind: TestKind) -> tuple[TestUsage, ...]:
        return tuple(u for u in self.usages if u.kind is kind)


def collect(index: RepoIndex) -> TestFacts:
    """Read the index's test files, CI files and coverage settings once."""
    state = _State(index)
    for entry in index.files:
        state.visit(entry)
    return TestFacts(
        test_files=tuple(sorted(state.test_files)),
        usages=tuple(sorted(set(state.usages))),
        routes=tuple(sorted(set(state.routes))),
        pipelines=tuple(sorted(state.pipelines)),
        ci_problems=tuple(sorted(set(state.problems))),
        thresholds=tuple(sorted(set(state.thresholds))),
        skipped=tuple(sorted(state.skipped)),
    )


def shown(text: str, limit: int = _MAX_SHOWN) -> str:
    """Attacker text made safe and short enough for a message."""
    text = display_path(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------- test patterns

# kind, tool, a substring the line must contain, and the regex (re.search when it starts with
# `.*?`, so that prefix is dropped: one anchored attempt or one scan, never a scan per start).
_Pattern = tuple[TestKind, str, str, "re.Pattern[str]", bool]


def _p(kind: TestKind, tool: str, needle: str, regex: str) -> _Pattern:
    anywhere = regex.startswith(".*?")
    return (kind, tool, needle, re.compile(regex[3:] if anywhere else regex), anywhere)


_U, _I, _E = TestKind.UNIT, TestKind.INTEGRATION, TestKind.E2E
_JS_MODULE = r"""['"]{}['"]"""

_PYTHON = (
    _p(_U, "pytest", "pytest", r"\s*(?:import|from)\s+pytest\b"),
    _p(_U, "pytest", "def test", r"\s*(?:async\s+)?def\s+test\w*\s*\("),
    _p(_U, "unittest", "unittest", r"\s*(?:import|from)\s+unittest\b"),
    _p(_I, "TestClient", "TestClient", r".*?\bTestClient\b"),
    _p(_I, "httpx AsyncClient(app=...)", "AsyncClient", r".*?\bAsyncClient\s*\(\s*app\s*="),
    _p(_I, "httpx ASGITransport", "ASGITransport", r".*?\bASGITransport\s*\("),
    _p(_I, "Flask test_client", "test_client", r".*?\.test_client\s*\("),
    _p(
        _I,
        "Django test Client",
        "django",
        r"\s*from\s+django\.test\s+import\s+[^#]*\b(?:Client|LiveServerTestCase)\b",
    ),
    _p(
        _I,
        "DRF APITestCase",
        "rest_framework",
        r"\s*from\s+rest_framework\.test\s+import\s+[^#]*\b(?:APITestCase|APIClient)\b",
    ),
    _p(_I, "aiohttp test client", "aiohttp", r".*?\b(?:aiohttp_client|AioHTTPTestCase)\b"),
    _p(_I, "testcontainers", "testcontainers", r"\s*(?:import|from)\s+testcontainers\b"),
    _p(_E, "Playwright", "playwright", r"\s*(?:import|from)\s+playwright\b"),
    _p(_E, "schemathesis", "schemathesis", r"\s*(?:import|from)\s+schemathesis\b"),
    _p(_E, "Selenium", "selenium", r"\s*(?:import|from)\s+selenium\b"),
)
_JS = (
    _p(_U, "vitest", "vitest", r".*?" + _JS_MODULE.format("vitest")),
    _p(_U, "jest", "jest", r".*?" + _JS_MODULE.format("@jest/globals")),
    _p(_U, "mocha", "mocha", r".*?" + _JS_MODULE.format("mocha")),
    _p(_U, "node:test", "node:test", r".*?" + _JS_MODULE.format("node:test")),
    _p(_U, "describe/it/test", "(", r"\s*(?:describe|it|test)(?:\.\w+)?\s*\("),
    _p(_I, "supertest", "supertest", r".*?" + _JS_MODULE.format("supertest")),
    _p(_I, "chai-http", "chai-http", r".*?" + _JS_MODULE.format("chai-http")),
    _p(
        _I,
        "NestJS testing module",
        "@nestjs/testing",
        r".*?" + _JS_MODULE.format("@nestjs/testing"),
    ),
    _p(_I, "Fastify inject", ".inject", r".*?\b(?:app|server|fastify)\.inject\s*\("),
    _p(
        _I,
        "testcontainers",
        "testcontainers",
        r".*?['\"](?:@testcontainers/[\w-]+|testcontainers)['\"]",
    ),
    _p(_E, "Playwright", "playwright", r".*?['\"](?:@playwright/test|playwright(?:-core)?)['\"]"),
    _p(_E, "Cypress", "cy", r".*?\bcy\.(?:visit|request|get|intercept)\s*\("),
    _p(_E, "Cypress", "cypress", r".*?" + _JS_MODULE.format("cypress")),
    _p(_E, "Selenium", "selenium", r".*?" + _JS_MODULE.format("selenium-webdriver")),
    _p(_E, "Puppeteer", "puppeteer", r".*?" + _JS_MODULE.format("puppeteer")),
    _p(_E, "k6", "k6", r".*?['\"]k6(?:/[\w-]+)?['\"]"),
    _p(_E, "newman", "newman", r".*?" + _JS_MODULE.format("newman")),
)
_GO = (
    _p(_U, "go testing", "testing", r'\s*(?:import\s+)?"testing"'),
    _p(_U, "go testing", "testing.T", r"func\s+Test\w*\s*\(\s*\w+\s+\*testing\.T\s*\)"),
    _p(_I, "httptest", "httptest", r'.*?(?:"net/http/httptest"|\bhttptest\.New\w*\s*\()'),
    _p(_I, "testcontainers", "testcontainers", r'.*?"github\.com/testcontainers/testcontainers-go'),
    _p(_E, "Playwright", "playwright", r'.*?"github\.com/playwright-community/playwright-go"'),
    _p(_E, "Selenium", "selenium", r'.*?"github\.com/tebeka/selenium"'),
)
_JAVA = (
    _p(_U, "JUnit", "junit", r"\s*import\s+(?:static\s+)?org\.junit\b"),
    _p(_U, "JUnit", "@Test", r"\s*@Test\b"),
    _p(_U, "TestNG", "testng", r"\s*import\s+(?:static\s+)?org\.testng\b"),
    _p(_I, "MockMvc", "MockMvc", r".*?\bMockMvc\b"),
    _p(_I, "@SpringBootTest", "@SpringBootTest", r".*?@SpringBootTest\b"),
    _p(_I, "@WebMvcTest", "@WebMvcTest", r".*?@WebMvcTest\b"),
    _p(_I, "@WebFluxTest", "@WebFluxTest", r".*?@WebFluxTest\b"),
    _p(_I, "@DataJpaTest", "@DataJpaTest", r".*?@DataJpaTest\b"),
    _p(_I, "TestRestTemplate", "TestRestTemplate", r".*?\bTestRestTemplate\b"),
    _p(_I, "WebTestClient", "WebTestClient", r".*?\bWebTestClient\b"),
    _p(_I, "REST Assured", "restassured", r".*?\bio\.restassured\b"),
    _p(_I, "testcontainers", "testcontainers", r".*?\borg\.testcontainers\b"),
    _p(_E, "Selenium", "selenium", r".*?\borg\.openqa\.selenium\b"),
    _p(_E, "Playwright", "playwright", r".*?\bcom\.microsoft\.playwright\b"),
)
_BY_LANGUAGE = {
    "python": _PYTHON,
    "javascript": _JS,
    "typescript": _JS,
    "go": _GO,
    "java": _JAVA,
    "kotlin": _JAVA,
}
_METHODS = r"(get|post|put|patch|delete|head|options)"
# `client.get("/v1/orders")`, `request(app).post('/users')`, `MockMvcRequestBuilders.get("/x")`
_DOTTED_CALL = re.compile(
    r"\.\s*" + _METHODS + r"\s*\(\s*[fFrRbBuU]{0,2}([\"'`])(/[^\"'`\s]{0,300})\2", re.IGNORECASE
)
# `mockMvc.perform(get("/x"))` with the builders imported statically
_PERFORM_CALL = re.compile(r"\bperform\s*\(\s*" + _METHODS + r"\s*\(\s*\"(/[^\"\s]{0,300})\"")
_GO_CALL = re.compile(
    r"\b(?:httptest|http)\.NewRequest(?:WithContext)?\s*\(\s*(?:\w+\s*,\s*)?"
    r"(?:\"([A-Za-z]{1,10})\"|http\.Method(\w{1,10}))\s*,\s*\"(/[^\"\s]{0,300})\""
)
_FIXTURE = re.compile(r"\s*@pytest(?:_asyncio)?\.fixture\b")
_DEF_NAME = re.compile(r"\s*(?:async\s+)?def\s+(\w{1,100})\s*\(")
_DB_WORDS = ("db", "database", "postgres", "mysql", "mongo", "sql")
_E2E_CONFIG = re.compile(r"^(?:playwright|cypress)\.config\.[cm]?[jt]s$|^cypress\.json$")
_POSTMAN = re.compile(r".+\.postman_collection\.json$", re.IGNORECASE)
# Manifest lines naming end-to-end tooling (a dependency is tooling, not yet a test).
_E2E_DEPENDENCY = re.compile(
    r"""(?:^|["'\s/:])(@playwright/test|pytest-playwright|playwright(?:-go)?|schemathesis|"""
    r"""cypress|newman|selenium(?:-webdriver|-java)?|puppeteer|k6)(?=["'\s<>=!~\[;,@:]|$)"""
)
_MANIFESTS = frozenset(
    {"package.json", "pyproject.toml", "pom.xml", "build.gradle", "build.gradle.kts", "go.mod"}
)
_REQUIREMENTS = re.compile(r"^requirements[\w.-]*\.(?:txt|in)$")


# ---------------------------------------------------------------------------- CI patterns

_CI_SYSTEMS = {
    ".gitlab-ci.yml": "gitlab-ci",
    ".circleci/config.yml": "circleci",
    "bitbucket-pipelines.yml": "bitbucket-pipelines",
}
_GITHUB_WORKFLOW = re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")
_AZURE = re.compile(r"^azure-pipelines[\w.-]*\.ya?ml$")
_COMMAND_KEYS = frozenset(
    {
        "run",
        "script",
        "command",
        "commands",
        "before_script",
        "after_script",
        "bash",
        "pwsh",
        "powershell",
        "sh",
        "cmd",
        "inlineScript",
        "goals",
        "tasks",
    }
)
_SEGMENT_SPLIT = re.compile(r"&&|\|\||[;|\n]")
_INSTALL = re.compile(
    r"(?:sudo\s+)?(?:pip3?|pipx|uv|poetry|pdm|npm|yarn|pnpm|bun|apt(?:-get)?|brew|go|gem|conda"
    r"|python3?\s+-m\s+pip)\s+(?:pip\s+)?(?:install|add|ci|get|sync|i)\b"
)
_TEST_COMMAND = re.compile(
    r"(?<![\w./-])(?:py\.?test|tox|nox|python3?\s+-m\s+(?:pytest|unittest)"
    r"|(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?test(?::[\w:-]+)?|npm\s+t|jest|vitest|mocha|go\s+test"
    r"|(?:\./)?mvnw?\s+(?:[^\n;&|]{0,200}?\s)?(?:test|verify|install|package)"
    r"|(?:\./)?gradlew?\s+(?:[^\n;&|]{0,200}?\s)?(?:test|check|build)"
    r"|make\s+(?:test|check)|cargo\s+test|dotnet\s+test"
    r"|manage\.py\s+test|coverage\s+run|(?:npx\s+)?playwright\s+test|(?:npx\s+)?cypress\s+run)"
    r"(?![\w.-])"
)
# A CI step that runs a script of the repository: `bash scripts/test.sh`, `./scripts/ci.sh`.
_SCRIPT_CALL = re.compile(r"(?<![\w./-])(?:(?:ba|z)?sh\s+)?(?:\./)?([\w./-]{1,200}\.sh)(?![\w.-])")
# `cd DIR` as a whole command segment; the directory as written (no variables, no quotes).
_CD = re.compile(r"^cd\s+(\$\{\{ github\.workspace \}\}[\w./-]{0,200}|[\w./${}-]{1,200})\s*$")
_WORKSPACE_PREFIXES = ("${{ github.workspace }}", "$GITHUB_WORKSPACE", "${GITHUB_WORKSPACE}")
_SKIPS_TESTS = re.compile(r"-DskipTests|-Dmaven\.test\.skip=true|\s-x\s+test\b")
_E2E_COMMAND = re.compile(
    r"(?<![\w./-])(?:newman\s+run|schemathesis\s+run|st\s+run|k6\s+run"
    r"|(?:npx\s+|yarn\s+|pnpm\s+(?:exec\s+)?)?playwright\s+test|(?:npx\s+)?cypress\s+run)(?![\w-])"
)
_E2E_ACTIONS = (
    "cypress-io/github-action",
    "schemathesis/action",
    "grafana/k6-action",
    "grafana/run-k6-action",
    "matt-ball/newman-action",
)
_BLOCK_SCALAR = re.compile(r"(?:[:-]\s+|^\s*)[|>][-+0-9]{0,3}$")
_UNTRUSTED_TRIGGERS = ("pull_request_target", "workflow_run")
_PR_HEAD = re.compile(
    r"github\.event\.pull_request\.head\.(?:sha|ref|repo)|github\.head_ref"
    r"|github\.event\.workflow_run\.head_(?:sha|branch)|refs/pull/"
)
_GIT_CHECKOUT = re.compile(r"\b(?:git\s+(?:checkout|switch|fetch|pull)|gh\s+pr\s+checkout)\b")
_INJECTION = re.compile(
    r"\$\{\{\s*(?:github\.head_ref|github\.event\.(?:issue\.(?:title|body)"
    r"|pull_request\.(?:title|body|head\.ref|head\.label)|comment\.body|review\.body"
    r"|review_comment\.body|discussion\.(?:title|body)|head_commit\.(?:message|author\.(?:email|name))"
    r"|workflow_run\.head_branch|commits\b|pages\b))"
)


# ---------------------------------------------------------------------------- coverage thresholds

_NUMBER = r"(\d{1,3}(?:\.\d{1,4})?)"
_COV_FAIL_UNDER = re.compile(r"--(?:cov-)?fail-under(?:=|\s+)[\"']?" + _NUMBER)
_GO_THRESHOLD_FLAG = re.compile(r"--threshold-total(?:=|\s+)" + _NUMBER)
_GO_COVER_MARKERS = ("go tool cover", "coverprofile", "cover.out", "coverage.out")
_GO_COMPARISON_WINDOW = 5
_GO_COMPARISON = re.compile(r"(?:<=?|-lt|-le)\s*[\"']?" + _NUMBER + r"(?![\d.])")
_INI_SECTION = re.compile(r"\s*\[([^\]\n]{1,80})\]")
_GO_TOTAL = re.compile(r"\s*total\s*:\s*" + _NUMBER)
_FAIL_UNDER_KEY = re.compile(r"\s*fail_under\s*[=:]\s*[\"']?" + _NUMBER)
_COVERAGE_SECTIONS = {
    "pyproject.toml": ("tool.coverage.report",),
    ".coveragerc": ("report", "coverage:report"),
    "setup.cfg": ("coverage:report",),
    "tox.ini": ("coverage:report",),
}
_FLAG_FILES = frozenset({"tox.ini", "setup.cfg", "pytest.ini", "pyproject.toml", "Makefile"})
_JS_COVERAGE_CONFIG = re.compile(r"^(?:jest|vitest|vite)\.config\.[cm]?[jt]s(?:on)?$")
_JS_THRESHOLD_KEY = re.compile(r"""\s*["']?(lines|statements)["']?\s*:\s*""" + _NUMBER)
_XML_TAG = {
    tag: re.compile(rf"<{tag}>\s*([\w.%]{{1,20}})\s*</{tag}>")
    for tag in ("counter", "value", "minimum")
}
_GRADLE_MINIMUM = re.compile(
    r"\bminimum\s*=\s*(?:(?:BigDecimal|toBigDecimal)\s*\(\s*)?[\"']?(0?\.\d{1,4}|1(?:\.0{1,4})?)"
)
_MAX_LIMITS = 100


# ---------------------------------------------------------------------------- the walk


class _State:
    def __init__(self, index: RepoIndex) -> None:
        self.index = index
        self.test_files: list[str] = []
        self.usages: list[TestUsage] = []
        self.routes: list[RouteCall] = []
        self.pipelines: list[Pipeline] = []
        self.problems: list[CiProblem] = []
        self.thresholds: list[Threshold] = []
        self.skipped: list[Skipped] = []

    def read(self, entry: FileEntry) -> str | None:
        if entry.size > MAX_READ_BYTES:
            self.skipped.append(Skipped(entry.path, f"over {MAX_READ_BYTES // 1024} KiB; not read"))
            return None
        try:
            data = safe_read(self.index.root, entry.path, MAX_READ_BYTES)
            return decode_source(data, entry.language).text
        except (GatekeeperError, OSError) as exc:
            self.skipped.append(Skipped(entry.path, shown(str(exc), 200)))
            return None

    def visit(self, entry: FileEntry) -> None:
        path = entry.path
        name = path.rpartition("/")[2]
        if _POSTMAN.match(name):
            self.usages.append(TestUsage(path, None, _E, "Postman collection"))
        elif _E2E_CONFIG.match(name):
            tool = "Playwright" if name.startswith("playwright") else "Cypress"
            self.usages.append(TestUsage(path, None, _E, f"{tool} configuration"))
        is_test = entry.language in _TEST_LANGUAGES and is_test_path(path)
        if is_test:
            self.test_files.append(path)
        ci = _ci_system(path, name)
        tests = is_test or (
            entry.language in _TEST_LANGUAGES and bool(_E2E_DIRS.intersection(path.split("/")[:-1]))
        )
        manifest = name in _MANIFESTS or bool(_REQUIREMENTS.match(name))
        settings = (
            name in _COVERAGE_SECTIONS
            or name in _FLAG_FILES
            or bool(_JS_COVERAGE_CONFIG.match(name))
            or name == ".testcoverage.yml"
        )
        if not (ci or tests or manifest or settings):
            return
        text = self.read(entry)
        if text is None:
            if ci:
                reason = next(s.reason for s in reversed(self.skipped) if s.path == path)
                self.problems.append(
                    CiProblem(path, None, "unreadable", f"{display_path(path)}: {reason}")
                )
            return
        if ci == "jenkins":
            self.jenkinsfile(path, text)
        elif ci:
            self.ci_yaml(path, text, ci)
        if tests:
            self.test_file(entry, text)
        if manifest:
            self.manifest(path, text)
        if settings or manifest:
            self.threshold_file(path, name, text)

    # -- tests

    def test_file(self, entry: FileEntry, text: str) -> None:
        patterns = _BY_LANGUAGE[entry.language or ""]
        seen: set[tuple[TestKind, str]] = set()
        found: list[TestUsage] = []
        calls: list[RouteCall] = []
        previous = ""
        for number, line in _lines(text):
            for kind, tool, needle, regex, anywhere in patterns:
                if (kind, tool) in seen or needle not in line:
                    continue
                if regex.search(line) if anywhere else regex.match(line):
                    seen.add((kind, tool))
                    found.append(TestUsage(entry.path, number, kind, tool))
            if entry.language == "python" and "def " in line and _FIXTURE.match(previous):
                fixture = _DEF_NAME.match(line)
                if fixture and not any(w in fixture[1].lower() for w in _DB_WORDS):
                    fixture = None
                if fixture and (_I, "test database fixture") not in seen:
                    seen.add((_I, "test database fixture"))
                    found.append(
                        TestUsage(entry.path, number, _I, f"test database fixture {fixture[1]}")
                    )
            calls.extend(_route_calls(entry.path, number, line))
            if line.strip():
                previous = line
        named = _e2e_by_name(entry.path)
        if named and found and all(u.kind is not _E for u in found):
            # Tests the project itself files as end-to-end (an Nx `*-e2e` project, NestJS's
            # `*.e2e-spec.ts`): they run against the started service, whatever runner they use.
            first = min((u.line for u in found if u.line is not None), default=None)
            found.append(TestUsage(entry.path, first, _E, named))
        self.usages.extend(found)
        # Only files that drive the application count: elsewhere `.get("/x")` is a dict or a mock.
        if any(u.kind is not _U for u in found):
            self.routes.extend(calls)

    def manifest(self, path: str, text: str) -> None:
        seen: set[str] = set()
        for number, line in _lines(text):
            match = _E2E_DEPENDENCY.search(line)
            if match and match[1] not in seen:
                seen.add(match[1])
                self.usages.append(TestUsage(path, number, _E, f"{match[1]} (dependency)"))

    # -- CI

    def ci_yaml(self, path: str, text: str, system: str) -> None:
        try:
            data, lines = load_yaml_with_lines(text, path=display_path(path), local_tags=True)
        except DataFormatError as exc:
            self.problems.append(CiProblem(path, exc.line, "unreadable", str(exc)))
            return
        if not isinstance(data, dict):
            self.problems.append(
                CiProblem(
                    path,
                    None,
                    "unreadable",
                    f"{display_path(path)}: not a pipeline (the document is not a mapping)",
                )
            )
            return
        raw = text.split("\n")
        steps: list[CiStep] = []
        for block, cwd in _command_blocks(data, lines, raw):
            shell: list[str | None] = [
                cwd
            ]  # one block runs in one shell: a `cd` holds for the lines after it
            for line, command in block:
                steps.extend(self.command(path, line, command, shell))
            self.go_threshold(path, block)
        if system == "github-actions":
            self.github_actions(path, data, lines)
        self.pipelines.append(Pipeline(path, system, tuple(sorted(set(steps)))))

    def jenkinsfile(self, path: str, text: str) -> None:
        steps: list[CiStep] = []
        numbered: list[tuple[int | None, str]] = []
        for number, line in _lines(text):
            if not line.lstrip().startswith("//"):
                steps.extend(self.command(path, number, line))
                numbered.append((number, line))
        self.go_threshold(path, numbered)
        self.pipelines.append(Pipeline(path, "jenkins", tuple(sorted(set(steps)))))

    def command(
        self, path: str, line: int | None, text: str, shell: list[str | None] | None = None
    ) -> list[CiStep]:
        """Test steps in one command line; records e2e runs and coverage minimums on the way.

        `shell` holds the directory the command runs in (relative to the root; a `cd` in the
        command moves it for what follows), where the scripts it calls are looked up.
        """
        steps: list[CiStep] = []
        shell = shell if shell is not None else [""]  # a Jenkinsfile's lines: the root
        for segment in _SEGMENT_SPLIT.split(text):
            segment = segment.strip()
            if not segment or segment.startswith(("#", "echo ")) or _INSTALL.match(segment):
                continue
            moved = _CD.match(segment)
            if moved:
                shell[0] = _within(shell[0], moved[1])
                continue
            e2e = _E2E_COMMAND.search(segment)
            if e2e:
                self.usages.append(TestUsage(path, line, _E, f"{' '.join(e2e[0].split())} in CI"))
            runs_tests = _TEST_COMMAND.search(segment) and not _SKIPS_TESTS.search(segment)
            if runs_tests or self.script_runs_tests(segment, shell[0]):
                steps.append(CiStep(path, line, shown(segment)))
        self.command_thresholds(path, line, text)
        return steps

    def script_runs_tests(self, segment: str, cwd: str | None = "") -> bool:
        """One level into a shell script the step runs, if the index has it (read as text).

        The script is looked up from the step's working directory (`cwd`, root-relative)."""
        call = _SCRIPT_CALL.search(segment)
        if call is None:
            return False
        script = _within(cwd, call[1])
        entry = self.index.get(script) if script is not None else None
        text = self.read(entry) if entry is not None else None
        if text is None:
            return False
        return any(
            _TEST_COMMAND.search(line) and not _SKIPS_TESTS.search(line)
            for _, line in _lines(text)
            if not line.lstrip().startswith("#")
        )

    def command_thresholds(self, path: str, line: int | None, text: str) -> None:
        flag = _COV_FAIL_UNDER.search(text)
        if flag:
            self.thresholds.append(Threshold(path, line, float(flag[1]), "python", shown(flag[0])))
        go = _GO_THRESHOLD_FLAG.search(text)
        if go:
            self.thresholds.append(Threshold(path, line, float(go[1]), "go", shown(go[0])))

    def go_threshold(self, path: str, numbered: list[tuple[int | None, str]]) -> None:
        """A shell comparison just after `go tool cover` output: `if (( $total < 80 ))`."""
        since_cover: int | None = None
        for line, text in numbered:
            if any(marker in text for marker in _GO_COVER_MARKERS):
                since_cover = 0
            elif since_cover is not None:
                since_cover += 1
            if since_cover is None or since_cover > _GO_COMPARISON_WINDOW:
                continue
            comparison = _GO_COMPARISON.search(text)
            if comparison:
                source = f"go coverage check {shown(comparison[0], 40)}"
                self.thresholds.append(Threshold(path, line, float(comparison[1]), "go", source))
                return

    def github_actions(
        self, path: str, data: dict[object, object], lines: dict[KeyPath, int]
    ) -> None:
        triggers = _triggers(data.get("on"), lines)
        permissions = data.get("permissions")
        if permissions == "write-all":
            self.problems.append(
                CiProblem(
                    path,
                    lines.get(("permissions",)),
                    "write-all",
                    "`permissions: write-all` gives every job a token that can push code, "
                    "publish releases and change settings",
                )
            )
        jobs = data.get("jobs")
        jobs = jobs if isinstance(jobs, dict) else {}
        untrusted = [t for t in _UNTRUSTED_TRIGGERS if t in triggers]
        for job_id, job in jobs.items():
            if not isinstance(job, dict):
                continue
            key = str(job_id)
            if job.get("permissions") == "write-all":
                self.problems.append(
                    CiProblem(
                        path,
                        lines.get(("jobs", key, "permissions")),
                        "write-all",
                        f"job {shown(key, 60)} has `permissions: write-all`",
                    )
                )
            steps = job.get("steps")
            if isinstance(steps, list):
                self.github_steps(path, key, steps, lines, untrusted, triggers)
        if untrusted and "permissions" not in data:
            open_jobs = [
                str(j) for j, v in jobs.items() if isinstance(v, dict) and "permissions" not in v
            ]
            if open_jobs or not jobs:
                trigger = untrusted[0]
                self.problems.append(
                    CiProblem(
                        path,
                        triggers[trigger],
                        "default-permissions",
                        f"a `{trigger}` workflow without a top-level `permissions` block: "
                        "its jobs get the repository's default token permissions",
                    )
                )

    def github_steps(
        self,
        path: str,
        job: str,
        steps: list[object],
        lines: dict[KeyPath, int],
        untrusted: list[str],
        triggers: dict[str, int | None],
    ) -> None:
        checkout: int | None = None
        checked_out = reported = False
        for position, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            where = ("jobs", job, "steps", position)
            uses = step.get("uses")
            run = step.get("run")
            if isinstance(uses, str) and uses.startswith(_E2E_ACTIONS):
                self.usages.append(
                    TestUsage(path, lines.get((*where, "uses")), _E, f"{shown(uses, 60)} in CI")
                )
            if isinstance(run, str):
                for match in _INJECTION.finditer(run):
                    self.problems.append(
                        CiProblem(
                            path,
                            lines.get((*where, "run")),
                            "script-injection",
                            f"`{shown(match[0], 80)} }}}}` is expanded into a shell script: "
                            "a pull request title, branch name or comment becomes code",
                        )
                    )
                    break
            if not untrusted or reported:
                continue
            if checked_out and (
                isinstance(run, str) or (isinstance(uses, str) and uses.startswith("./"))
            ):
                trigger = untrusted[0]
                line = triggers[trigger]
                self.problems.append(
                    CiProblem(
                        path,
                        checkout,
                        "untrusted-checkout",
                        f"a `{trigger}` workflow (line {line}) checks out the pull request's "
                        f"code in job {shown(job, 60)} and then runs it (step at line "
                        f"{lines.get(where)}) with the base repository's secrets and token",
                    )
                )
                reported = True  # one finding per job; later steps are still read for injection
                continue
            if not checked_out:
                head_line = _checkout_of_head(step, uses, run, where, lines)
                if head_line is not None:
                    checked_out, checkout = True, head_line

    # -- thresholds

    def threshold_file(self, path: str, name: str, text: str) -> None:
        if name == "package.json":
            self.package_json(path, text)
        elif name == "pom.xml":
            self.pom(path, text)
        elif name in ("build.gradle", "build.gradle.kts"):
            self.gradle(path, text)
        elif name == ".testcoverage.yml":
            for number, line in _lines(text):
                match = _GO_TOTAL.match(line)
                if match:
                    self.thresholds.append(
                        Threshold(path, number, float(match[1]), "go", "threshold.total")
                    )
        elif _JS_COVERAGE_CONFIG.match(name):
            self.js_config(path, text)
        else:
            self.ini_like(path, name, text)

    def ini_like(self, path: str, name: str, text: str) -> None:
        sections = _COVERAGE_SECTIONS.get(name, ())
        section = ""
        for number, line in _lines(text):
            if line.lstrip().startswith(("#", ";")):
                continue
            header = _INI_SECTION.match(line)
            if header:
                section = header[1].strip().strip("\"'")
                continue
            if section in sections:
                key = _FAIL_UNDER_KEY.match(line)
                if key:
                    self.thresholds.append(
                        Threshold(path, number, float(key[1]), "python", f"[{section}] fail_under")
                    )
            if name == "Makefile" or "fail-under" in line:
                self.command_thresholds(path, number, line)
        if name == "Makefile":
            self.go_threshold(path, [(number, line) for number, line in _lines(text)])

    def package_json(self, path: str, text: str) -> None:
        try:
            data = load_json(text, display_path(path))
        except DataFormatError:
            return  # the stack detection reports unreadable manifests
        jest = data.get("jest") if isinstance(data, dict) else None
        threshold = jest.get("coverageThreshold") if isinstance(jest, dict) else None
        overall = threshold.get("global") if isinstance(threshold, dict) else None
        if not isinstance(overall, dict):
            return
        for key in ("lines", "statements"):
            value = overall.get(key)
            # Negative numbers in jest mean "at most N uncovered", not a percentage.
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                line = _line_after(text, "coverageThreshold", f'"{key}"')
                source = f"jest coverageThreshold.global.{key}"
                self.thresholds.append(Threshold(path, line, float(value), "javascript", source))
                return

    def js_config(self, path: str, text: str) -> None:
        numbered = list(_lines(text))
        for position, (_, line) in enumerate(numbered):
            if "coverageThreshold" not in line and "thresholds" not in line:
                continue
            for number, later in numbered[position : position + 40]:
                match = _JS_THRESHOLD_KEY.match(later)
                if match:
                    source = f"coverage threshold {match[1]}"
                    self.thresholds.append(
                        Threshold(path, number, float(match[2]), "javascript", source)
                    )
                    return

    def pom(self, path: str, text: str) -> None:
        if "jacoco" not in text:
            return
        start = 0
        for _ in range(_MAX_LIMITS):
            begin = text.find("<limit>", start)
            end = text.find("</limit>", begin) if begin >= 0 else -1
            if end < 0:
                return
            block = text[begin:end]
            start = end
            found = {tag: regex.search(block) for tag, regex in _XML_TAG.items()}
            minimum, counter, value = found["minimum"], found["counter"], found["value"]
            counter_name = counter[1] if counter else "INSTRUCTION"  # JaCoCo's defaults
            value_name = value[1] if value else "COVEREDRATIO"
            if minimum is None or value_name != "COVEREDRATIO":
                continue
            if counter_name not in ("LINE", "INSTRUCTION"):
                continue
            percent = _ratio_percent(minimum[1])
            if percent is not None:
                line = text.count("\n", 0, begin + minimum.start()) + 1
                source = f"JaCoCo {counter_name} COVEREDRATIO minimum"
                self.thresholds.append(Threshold(path, line, percent, "java", source))

    def gradle(self, path: str, text: str) -> None:
        if "jacocoTestCoverageVerification" not in text:
            return
        for number, line in _lines(text):
            match = _GRADLE_MINIMUM.search(line)
            percent = _ratio_percent(match[1]) if match else None
            if percent is not None:
                source = "jacocoTestCoverageVerification minimum"
                self.thresholds.append(Threshold(path, number, percent, "java", source))


# ---------------------------------------------------------------------------- helpers


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line[:_MAX_LINE]


def _line_after(text: str, anchor: str, key: str) -> int | None:
    numbered = list(_lines(text))
    for position, (number, line) in enumerate(numbered):
        if anchor in line:
            for later_number, later in numbered[position : position + 40]:
                if key in later:
                    return later_number
            return number
    return None


def _ratio_percent(text: str) -> float | None:
    try:
        if text.endswith("%"):
            return float(text[:-1])
        value = float(text)
    except ValueError:
        return None
    return value * 100 if value <= 1 else None


def _route_calls(path: str, number: int, line: str) -> Iterator[RouteCall]:
    if "(" not in line or "/" not in line:
        return
    for match in _DOTTED_CALL.finditer(line):
        yield RouteCall(path, number, match[1].upper(), shown(match[3], 200))
    for match in _PERFORM_CALL.finditer(line):
        yield RouteCall(path, number, match[1].upper(), shown(match[2], 200))
    for match in _GO_CALL.finditer(line):
        method = (match[1] or match[2] or "").upper()
        yield RouteCall(path, number, method, shown(match[3], 200))


def _triggers(on: object, lines: dict[KeyPath, int]) -> dict[str, int | None]:
    if isinstance(on, str):
        return {on: lines.get(("on",))}
    if isinstance(on, list):
        return {str(t): lines.get(("on", i)) for i, t in enumerate(on) if isinstance(t, str)}
    if isinstance(on, dict):
        return {str(t): lines.get(("on", str(t))) for t in on}
    return {}


def _checkout_of_head(
    step: dict[object, object],
    uses: object,
    run: object,
    where: KeyPath,
    lines: dict[KeyPath, int],
) -> int | None:
    """The line where a step checks out the pull request's head, or None."""
    if isinstance(uses, str) and uses.startswith("actions/checkout"):
        options = step.get("with")
        if isinstance(options, dict):
            for key, value in options.items():
                if isinstance(value, str) and _PR_HEAD.search(value):
                    return lines.get((*where, "with", str(key)), lines.get(where))
    if isinstance(run, str) and _GIT_CHECKOUT.search(run) and _PR_HEAD.search(run):
        return lines.get((*where, "run"), lines.get(where))
    return None


def _within(cwd: str | None, target: str) -> str | None:
    """`target` (a path a CI step names) as a root-relative path from `cwd`; None when it
    leaves the root, is absolute, or the directory is not known."""
    if cwd is None:
        return None
    for workspace in _WORKSPACE_PREFIXES:
        if target.startswith(workspace):
            cwd, target = "", target[len(workspace) :].lstrip("/")
            break
    if target.startswith(("/", "~", "$")):
        return None
    joined = posixpath.normpath(posixpath.join(cwd, target)) if target else cwd or "."
    if joined == "." or joined == "":
        return ""
    return None if joined == ".." or joined.startswith("../") else joined


def _working_directory(node: dict[object, object], inherited: str | None) -> str | None:
    """The directory a CI mapping's commands run in: a step's `working-directory`
    (GitHub Actions) or `workingDirectory` (Azure Pipelines), a job's or workflow's
    `defaults: run: working-directory:`, else what the enclosing mapping said."""
    for key in ("working-directory", "workingDirectory"):
        value = node.get(key)
        if isinstance(value, str):
            return _within(inherited, value.strip())
    defaults = node.get("defaults")
    run = defaults.get("run") if isinstance(defaults, dict) else None
    value = run.get("working-directory") if isinstance(run, dict) else None
    if isinstance(value, str):
        return _within(inherited, value.strip())
    return inherited


def _command_blocks(
    data: object, lines: dict[KeyPath, int], raw: list[str]
) -> Iterator[tuple[list[tuple[int | None, str]], str | None]]:
    """Every string under a command key (run, script, ...), as lines with their source lines,
    with the root-relative directory it runs in (None: one gatekeeper cannot place)."""
    stack: list[tuple[KeyPath, object, str | None, str | None]] = [((), data, None, "")]
    while stack:
        path, node, key, cwd = stack.pop()
        if isinstance(node, dict):
            cwd = _working_directory(node, cwd)
            for child_key, child in node.items():
                name = str(child_key)
                stack.append(((*path, name), child, name, cwd))
        elif isinstance(node, list):
            for position, child in enumerate(node):
                stack.append(((*path, position), child, key, cwd))
        elif isinstance(node, str) and key in _COMMAND_KEYS:
            text = {"goals": "mvn ", "tasks": "gradle "}.get(key, "") + node
            first = lines.get(path)
            if first is not None and 0 < first <= len(raw):
                source = raw[first - 1][:_MAX_LINE].split(" #")[0].rstrip()
                if _BLOCK_SCALAR.search(source):
                    first += 1  # a `|` or `>` block starts on the line after its key
            yield (
                [
                    (first + offset if first is not None else None, piece[:_MAX_LINE])
                    for offset, piece in enumerate(text.split("\n"))
                    if piece.strip()
                ],
                cwd,
            )


def _ci_system(path: str, name: str) -> str | None:
    if _GITHUB_WORKFLOW.match(path):
        return "github-actions"
    if path in _CI_SYSTEMS:
        return _CI_SYSTEMS[path]
    if _AZURE.match(path):
        return "azure-pipelines"
    if name == "Jenkinsfile":
        return "jenkins"
    return None
