"""Phase 5 (testing): coverage, integration, e2e and CI criteria on hand-built repos and fixtures.

Coverage reports are small files written in tmp_path; no target's tests are ever run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gatekeeper import config as cfg
from gatekeeper.api import _finalizer
from gatekeeper.cli import cli
from gatekeeper.engines.coverage_reports import CoverageReport, ReportFormat, ReportStatus
from gatekeeper.model import Detection, Evidence, Service, Severity, Status
from gatekeeper.phases import testing
from gatekeeper.phases.base import Context, Outcome
from gatekeeper.repo import RepoIndex

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CI = "/home/runner/work/app/app"
APP = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def make_ctx(
    tmp_path: Path,
    files: dict[str, str],
    *,
    target: int = 70,
    services: tuple[Service, ...] = (),
) -> Context:
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)
    write(root, files)
    index = RepoIndex.build(root)
    return Context(
        index=index,
        loaded=cfg.LoadedConfig(cfg.Config(test_coverage_target=target), None, False),
        target_config=None,
        services=services,
        stack_problems=(),
        file_facts={},
        unanalyzed=(),
        fact_errors={},
        finalize=_finalizer(index, (), ()),
    )


def check(crit: object, ctx: Context) -> Outcome:
    return crit.check(ctx)  # type: ignore[attr-defined, no-any-return]


def rule_ids(out: Outcome) -> list[str]:
    return sorted(f.rule_id for f in out.findings)


def cobertura(rate: float, hits: list[int], filename: str = "app/calc.py") -> str:
    lines = "".join(
        f'<line number="{n}" hits="{h}"/>' for n, h in zip((2, 6, 1, 5), hits, strict=False)
    )
    return (
        f'<?xml version="1.0" ?><coverage line-rate="{rate}"><sources><source>{CI}</source>'
        f'</sources><packages><package name="app"><classes><class name="calc.py" '
        f'filename="{filename}"><lines>{lines}</lines></class></classes></package></packages>'
        "</coverage>"
    )


TESTS = {"app/calc.py": APP, "tests/test_calc.py": "def test_add():\n    assert True\n"}
UNIT = testing.unit_tests_reach_coverage_target
INTEGRATION = testing.integration_tests_drive_the_application
E2E = testing.e2e_tests_cover_critical_paths
PIPELINE = testing.ci_pipeline_runs_the_tests


# ------------------------------------------------------------------ unit tests and coverage


def test_no_test_files_fails(tmp_path: Path) -> None:
    out = check(UNIT, make_ctx(tmp_path, {"app/calc.py": APP}))
    assert out.status is Status.FAIL
    assert out.message == "no test files found"
    assert rule_ids(out) == ["GK501"]


def test_cobertura_at_target_passes_citing_the_report(tmp_path: Path) -> None:
    files = {**TESTS, "coverage.xml": cobertura(0.75, [1, 1, 1, 0])}
    out = check(UNIT, make_ctx(tmp_path, files))
    assert out.status is Status.PASS
    assert "line coverage 75% >= target 70%" in out.message
    assert Evidence("coverage.xml", None, "line coverage 75% (cobertura report)") in out.evidence
    assert Evidence("tests/test_calc.py", 1, "unit tests (pytest)") in out.evidence


def test_cobertura_below_target_fails_with_measured_and_target(tmp_path: Path) -> None:
    files = {**TESTS, "coverage.xml": cobertura(0.5, [1, 0, 1, 0])}
    out = check(UNIT, make_ctx(tmp_path, files))
    assert out.status is Status.FAIL
    assert out.message == "coverage 50% < target 70% (coverage.xml)"
    (finding,) = out.findings
    assert finding.rule_id == "GK502"
    assert finding.location.path == "coverage.xml"
    assert "50% over 1 file(s)" in finding.message and "target 70%" in finding.message


LCOV = "SF:app/calc.py\nDA:2,1\nDA:6,0\nend_of_record\n"
JACOCO = """<?xml version="1.0" encoding="UTF-8"?><report name="app">
<package name="com/acme"><sourcefile name="App.java">
<line nr="3" mi="0" ci="3" mb="0" cb="0"/><line nr="4" mi="0" ci="2" mb="0" cb="0"/>
<line nr="5" mi="0" ci="2" mb="0" cb="0"/><line nr="6" mi="4" ci="0" mb="0" cb="0"/>
</sourcefile></package></report>
"""
GO_PROFILE = (
    "mode: set\n"
    "github.com/acme/shop/cart.go:3.20,5.2 4 1\n"
    "github.com/acme/shop/cart.go:7.20,9.2 1 0\n"
)


@pytest.mark.parametrize(
    ("files", "status", "percent", "report"),
    [
        ({"lcov.info": LCOV}, Status.FAIL, "50%", "lcov.info"),
        (
            {"src/main/java/com/acme/App.java": "class App {}\n", "jacoco.xml": JACOCO},
            Status.PASS,
            "75%",
            "jacoco.xml",
        ),
        (
            {"go.mod": "module github.com/acme/shop\n", "cart.go": "package shop\n"}
            | {"cover.out": GO_PROFILE},
            Status.PASS,
            "80%",
            "cover.out",
        ),
    ],
)
def test_lcov_jacoco_and_go_reports(
    tmp_path: Path, files: dict[str, str], status: Status, percent: str, report: str
) -> None:
    out = check(UNIT, make_ctx(tmp_path, {**TESTS, **files}))
    assert out.status is status
    assert percent in out.message and report in out.message


def test_several_reports_count_each_file_once_weighted_by_lines(tmp_path: Path) -> None:
    # calc.py: 1 of 2 lines in coverage.xml, 2 of 2 in lcov.info (best: 2/2); cart.go 0 of 6.
    files = {
        **TESTS,
        "coverage.xml": cobertura(0.5, [1, 0]),
        "lcov.info": "SF:app/calc.py\nDA:2,1\nDA:6,1\nend_of_record\n",
        "go.mod": "module github.com/acme/shop\n",
        "cart.go": "package shop\n",
        "cover.out": "mode: set\ngithub.com/acme/shop/cart.go:3.20,5.2 6 0\n",
    }
    out = check(UNIT, make_ctx(tmp_path, files))
    assert out.status is Status.FAIL
    assert out.message.startswith("coverage 25% < target 70%")  # (2 + 0) / (2 + 6)


def test_unreadable_report_alone_is_an_error_naming_it(tmp_path: Path) -> None:
    out = check(UNIT, make_ctx(tmp_path, {**TESTS, "coverage.xml": "<coverage"}))
    assert out.status is Status.ERROR
    assert "coverage.xml" in out.message
    assert rule_ids(out) == ["GK504"]


def test_unreadable_report_beside_a_passing_one_is_still_an_error(tmp_path: Path) -> None:
    files = {**TESTS, "coverage.xml": cobertura(0.9, [1, 1]), "lcov.info": "SF:\n"}
    out = check(UNIT, make_ctx(tmp_path, files))
    assert out.status is Status.ERROR
    assert "lcov.info" in out.message and "total is unknown" in out.message


def test_unreadable_report_beside_a_failing_one_fails(tmp_path: Path) -> None:
    files = {**TESTS, "coverage.xml": cobertura(0.1, [0, 0]), "lcov.info": "SF:\n"}
    out = check(UNIT, make_ctx(tmp_path, files))
    assert out.status is Status.FAIL
    assert "lcov.info" in out.message


def test_empty_report_measured_nothing_is_an_error(tmp_path: Path) -> None:
    out = check(UNIT, make_ctx(tmp_path, {**TESTS, "cover.out": "mode: set\n"}))
    assert out.status is Status.ERROR
    assert "measured no files" in out.message


def test_unmapped_paths_are_a_low_finding(tmp_path: Path) -> None:
    lcov = LCOV.replace("DA:6,0", "DA:6,1") + "SF:/elsewhere/gone.py\nDA:1,1\nend_of_record\n"
    out = check(UNIT, make_ctx(tmp_path, {**TESTS, "lcov.info": lcov}))
    assert out.status is Status.PASS
    (finding,) = out.findings
    assert (finding.rule_id, finding.severity) == ("GK505", Severity.LOW)
    assert "/elsewhere/gone.py" in finding.message


def test_coverage_data_file_without_xml_relies_on_the_enforced_minimum(tmp_path: Path) -> None:
    files = {**TESTS, "pyproject.toml": "[tool.coverage.report]\nfail_under = 90\n"}
    ctx = make_ctx(tmp_path, files)
    data = CoverageReport(".coverage", ReportFormat.COVERAGE_DATA, ReportStatus.OK)
    ctx.cached("coverage_reports", lambda: (data,))
    out = check(UNIT, ctx)
    assert out.status is Status.PASS
    assert ".coverage has no line rate (coverage.py's data file" in out.message
    assert (
        Evidence(
            "pyproject.toml", 2, "enforced coverage minimum 90% ([tool.coverage.report] fail_under)"
        )
        in out.evidence
    )


@pytest.mark.parametrize(
    ("files", "path", "line", "percent"),
    [
        ({"pyproject.toml": "[tool.coverage.report]\nfail_under = 75\n"}, "pyproject.toml", 2, 75),
        ({".coveragerc": "[run]\nbranch = True\n[report]\nfail_under=80\n"}, ".coveragerc", 4, 80),
        ({"setup.cfg": "[coverage:report]\nfail_under = 71.5\n"}, "setup.cfg", 2, 71.5),
        ({"tox.ini": "[testenv]\ncommands = pytest --cov-fail-under=85\n"}, "tox.ini", 2, 85),
        (
            {
                "package.json": json.dumps(
                    {"jest": {"coverageThreshold": {"global": {"lines": 90}}}}
                )
            },
            "package.json",
            1,
            90,
        ),
        (
            {
                "jest.config.js": "module.exports = {\n  coverageThreshold: {\n    global: {\n"
                "      branches: 50,\n      lines: 80,\n    },\n  },\n};\n"
            },
            "jest.config.js",
            5,
            80,
        ),
        (
            {
                "pom.xml": "<project><build><plugin><artifactId>jacoco-maven-plugin</artifactId>"
                "\n<rule><limits><limit>\n<counter>LINE</counter><value>COVEREDRATIO</value>\n"
                "<minimum>0.80</minimum>\n</limit></limits></rule></plugin></build></project>"
            },
            "pom.xml",
            4,
            80,
        ),
    ],
)
def test_enforced_minimum_without_a_report_passes_as_enforced(
    tmp_path: Path, files: dict[str, str], path: str, line: int, percent: float
) -> None:
    out = check(UNIT, make_ctx(tmp_path, {**TESTS, **files}))
    assert out.status is Status.PASS, out.message
    assert f"no coverage report; coverage enforced: {percent:g}% at {path}:{line}" in out.message


def test_go_ci_coverage_check_is_an_enforced_minimum(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n"
        "          go test -coverprofile=cover.out ./...\n"
        "          total=$(go tool cover -func=cover.out | awk '/total/ {print $3}')\n"
        '          if (( $(echo "${total%\\%} < 75" | bc -l) )); then exit 1; fi\n'
    )
    files = {
        "go.mod": "module x\n",
        "x_test.go": "package x\n",
        ".github/workflows/go.yml": workflow,
    }
    out = check(UNIT, make_ctx(tmp_path, files))
    assert out.status is Status.PASS, out.message
    assert "75% at .github/workflows/go.yml:9" in out.message


def test_enforced_minimum_below_target_fails(tmp_path: Path) -> None:
    files = {**TESTS, ".coveragerc": "[report]\nfail_under = 60\n"}
    out = check(UNIT, make_ctx(tmp_path, files))
    assert out.status is Status.FAIL
    (finding,) = out.findings
    assert finding.rule_id == "GK506"
    assert (finding.location.path, finding.location.line) == (".coveragerc", 2)
    assert "60%" in finding.message and "target 70%" in finding.message


def test_stricter_flag_overrides_a_lower_config_minimum(tmp_path: Path) -> None:
    files = {
        **TESTS,
        "pyproject.toml": "[tool.coverage.report]\nfail_under = 50\n",
        "tox.ini": "[testenv]\ncommands = pytest --cov --cov-fail-under 80\n",
    }
    out = check(UNIT, make_ctx(tmp_path, files))
    assert out.status is Status.PASS
    assert "80% at tox.ini:2" in out.message


def test_nothing_measured_names_the_command_for_the_stack(tmp_path: Path) -> None:
    go = Service(".", "shop", ("go.mod",), (Detection("language", "go"),))
    files = {"go.mod": "module x\n", "x_test.go": "package x\n"}
    out = check(UNIT, make_ctx(tmp_path, files, services=(go,)))
    assert out.status is Status.FAIL
    (finding,) = out.findings
    assert finding.rule_id == "GK503"
    assert finding.location.path == "go.mod"
    assert "`go test -coverprofile=cover.out ./...`" in finding.message


# ------------------------------------------------------------------ integration tests


@pytest.mark.parametrize(
    ("rel", "text", "tool", "line", "route"),
    [
        (
            "tests/test_api.py",
            "from fastapi.testclient import TestClient\nfrom app import app\n\n"
            "def test_orders():\n    client = TestClient(app)\n"
            '    assert client.get("/v1/orders").status_code == 200\n',
            "TestClient",
            1,
            ("GET", "/v1/orders", 6),
        ),
        (
            "test/users.test.js",
            "const request = require('supertest');\nconst app = require('../app');\n"
            "it('creates', async () => {\n  await request(app).post('/users').send({});\n});\n",
            "supertest",
            1,
            ("POST", "/users", 4),
        ),
        (
            "handlers_test.go",
            'package api\n\nimport (\n\t"net/http/httptest"\n\t"testing"\n)\n\n'
            "func TestX(t *testing.T) {\n"
            '\treq := httptest.NewRequest("GET", "/x", nil)\n\t_ = req\n}\n',
            "httptest",
            4,
            ("GET", "/x", 9),
        ),
        (
            "src/test/java/com/acme/ApiTest.java",
            "package com.acme;\nimport org.junit.jupiter.api.Test;\n@WebMvcTest\nclass ApiTest {\n"
            '  void x() throws Exception { mockMvc.perform(get("/x")); }\n}\n',
            "@WebMvcTest",
            3,
            ("GET", "/x", 5),
        ),
    ],
)
def test_integration_tests_pass_with_kind_line_and_routes(
    tmp_path: Path, rel: str, text: str, tool: str, line: int, route: tuple[str, str, int]
) -> None:
    out = check(INTEGRATION, make_ctx(tmp_path, {rel: text}))
    assert out.status is Status.PASS
    assert Evidence(rel, line, f"integration test tooling: {tool}") in out.evidence
    method, path, at = route
    assert Evidence(rel, at, f"calls {method} {path}") in out.evidence


def test_database_fixture_counts_as_integration(tmp_path: Path) -> None:
    conftest = "import pytest\n\n@pytest.fixture\ndef db_session():\n    yield None\n"
    out = check(INTEGRATION, make_ctx(tmp_path, {"tests/conftest.py": conftest}))
    assert out.status is Status.PASS
    assert "test database fixture db_session" in out.message


def test_unit_tests_only_fail_integration(tmp_path: Path) -> None:
    out = check(INTEGRATION, make_ctx(tmp_path, TESTS))
    assert out.status is Status.FAIL
    assert out.message == "no integration test found (1 test file(s) read)"
    assert rule_ids(out) == ["GK511"]
    assert out.findings[0].location.path == "tests/test_calc.py"


# ------------------------------------------------------------------ e2e tests


@pytest.mark.parametrize(
    ("files", "evidence"),
    [
        (
            {"e2e/checkout.spec.ts": "import { test, expect } from '@playwright/test';\n"},
            Evidence("e2e/checkout.spec.ts", 1, "e2e test tooling: Playwright"),
        ),
        (
            {"api.postman_collection.json": '{"info": {}, "item": []}\n'},
            Evidence("api.postman_collection.json", None, "e2e test tooling: Postman collection"),
        ),
        (
            {"tests/test_contract.py": "import schemathesis\n"},
            Evidence("tests/test_contract.py", 1, "e2e test tooling: schemathesis"),
        ),
        (
            {".gitlab-ci.yml": "e2e:\n  script:\n    - newman run api.json\n"},
            Evidence(".gitlab-ci.yml", 3, "e2e test tooling: newman run in CI"),
        ),
    ],
)
def test_e2e_tooling_passes_citing_it(
    tmp_path: Path, files: dict[str, str], evidence: Evidence
) -> None:
    out = check(E2E, make_ctx(tmp_path, files))
    assert out.status is Status.PASS
    assert evidence in out.evidence


NX_E2E = (
    "import axios from 'axios';\n"
    "\n"
    "describe('GET /api', () => {\n"
    "  it('should return a message', async () => {\n"
    "    const res = await axios.get(`/api`);\n"
    "    expect(res.status).toBe(200);\n"
    "  });\n"
    "});\n"
)


@pytest.mark.parametrize(
    ("path", "tool"),
    [
        ("apps/api-e2e/src/api/api.spec.ts", "end-to-end test project api-e2e/"),
        ("test/app.e2e-spec.ts", "end-to-end test file (by its name)"),
    ],
)
def test_tests_the_project_files_as_end_to_end_count_as_e2e(
    tmp_path: Path, path: str, tool: str
) -> None:
    """An Nx `<app>-e2e` project or NestJS `*.e2e-spec.ts` runs jest against the started
    service, so it counts as end-to-end."""
    out = check(E2E, make_ctx(tmp_path, {**TESTS, path: NX_E2E}))
    assert out.status is Status.PASS
    assert Evidence(path, 3, f"e2e test tooling: {tool}") in out.evidence


def test_an_e2e_name_without_tests_is_no_evidence(tmp_path: Path) -> None:
    files = {**TESTS, "apps/api-e2e/src/support/global-setup.ts": "export default () => {};\n"}
    out = check(E2E, make_ctx(tmp_path, files))
    assert out.status is Status.FAIL


def test_no_e2e_fails(tmp_path: Path) -> None:
    out = check(E2E, make_ctx(tmp_path, TESTS))
    assert out.status is Status.FAIL
    assert rule_ids(out) == ["GK521"]


# ------------------------------------------------------------------ CI pipeline

WORKFLOW = """name: ci
on: [push, pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: |
          ruff check .
          python -m pytest -q
"""


def test_workflow_running_tests_passes_citing_the_step_line(tmp_path: Path) -> None:
    out = check(PIPELINE, make_ctx(tmp_path, {".github/workflows/ci.yml": WORKFLOW}))
    assert out.status is Status.PASS
    assert out.evidence == (
        Evidence(".github/workflows/ci.yml", 13, "CI runs the tests: python -m pytest -q"),
    )


@pytest.mark.parametrize(
    ("rel", "text", "line"),
    [
        (
            "Jenkinsfile",
            "pipeline {\n  stages {\n    stage('t') { steps { sh 'mvn -B verify' } }\n",
            3,
        ),
        (".gitlab-ci.yml", "test:\n  script:\n    - npm ci\n    - npm test\n", 4),
        (
            ".circleci/config.yml",
            "jobs:\n  t:\n    steps:\n      - run:\n          command: go test ./...\n",
            5,
        ),
        ("azure-pipelines.yml", "steps:\n  - task: Maven@3\n    inputs:\n      goals: 'test'\n", 4),
        (
            "bitbucket-pipelines.yml",
            "pipelines:\n  default:\n    - step:\n        script:\n          - ./gradlew check\n",
            5,
        ),
    ],
)
def test_other_ci_systems(tmp_path: Path, rel: str, text: str, line: int) -> None:
    out = check(PIPELINE, make_ctx(tmp_path, {rel: text}))
    assert out.status is Status.PASS, out.message
    assert [(e.path, e.line) for e in out.evidence] == [(rel, line)]


def test_pipeline_that_runs_no_tests_fails(tmp_path: Path) -> None:
    lint = WORKFLOW.replace("python -m pytest -q", "mypy .").replace("skipTests", "")
    mvn = "test:\n  script:\n    - mvn -B package -DskipTests\n"
    out = check(
        PIPELINE, make_ctx(tmp_path, {".github/workflows/ci.yml": lint, ".gitlab-ci.yml": mvn})
    )
    assert out.status is Status.FAIL
    assert rule_ids(out) == ["GK532"]
    assert "no CI step runs the tests" in out.message


def test_no_pipeline_fails(tmp_path: Path) -> None:
    out = check(PIPELINE, make_ctx(tmp_path, TESTS))
    assert out.status is Status.FAIL
    assert out.message == "no CI pipeline found"
    assert rule_ids(out) == ["GK531"]


DANGEROUS = """on:
  pull_request_target:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.head_ref }}
      - run: npm test
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_pull_request_target_checkout_of_head_is_high(tmp_path: Path) -> None:
    out = check(PIPELINE, make_ctx(tmp_path, {".github/workflows/pr.yml": DANGEROUS}))
    assert out.status is Status.FAIL
    by_rule = {f.rule_id: f for f in out.findings}
    assert sorted(by_rule) == ["GK533", "GK534", "GK536"]
    checkout = by_rule["GK533"]
    assert checkout.severity is Severity.HIGH
    assert (checkout.location.path, checkout.location.line) == (".github/workflows/pr.yml", 9)
    assert "`pull_request_target` workflow (line 2)" in checkout.message
    # no top-level permissions on a pull_request_target workflow: cited at the trigger
    assert (by_rule["GK534"].location.line, by_rule["GK536"].location.line) == (2, 11)


def test_pull_request_target_without_checkout_is_not_a_pwn_request(tmp_path: Path) -> None:
    safe = "on: pull_request_target\npermissions:\n  pull-requests: write\njobs:\n  label:\n"
    safe += "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/labeler@v5\n"
    safe += "      - run: npm test\n"
    out = check(PIPELINE, make_ctx(tmp_path, {".github/workflows/label.yml": safe}))
    assert out.status is Status.PASS
    assert out.findings == ()


def test_billion_laughs_workflow_is_a_finding_naming_the_file(tmp_path: Path) -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 9):
        prev = "a" if i == 1 else f"l{i - 1}"
        bomb += f"l{i}: &l{i} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    files = {".github/workflows/bomb.yml": bomb, ".github/workflows/ci.yml": WORKFLOW}
    out = check(PIPELINE, make_ctx(tmp_path, files))
    assert out.status is Status.FAIL
    (finding,) = out.findings
    assert finding.rule_id == "GK535"
    assert finding.location.path == ".github/workflows/bomb.yml"
    assert "billion laughs" in finding.message


def test_only_an_unreadable_pipeline_is_an_error(tmp_path: Path) -> None:
    out = check(PIPELINE, make_ctx(tmp_path, {".gitlab-ci.yml": "a: 1\na: 2\n"}))
    assert out.status is Status.ERROR
    assert ".gitlab-ci.yml" in out.message and "duplicate key" in out.message


def test_hostile_long_lines_stay_fast(tmp_path: Path) -> None:
    spaces = " " * 100_000
    files = {
        ".github/workflows/ci.yml": WORKFLOW.replace("python -m pytest -q", "pytest" + spaces),
        "tests/test_x.py": f"x = '{spaces}'\n" + "client.get(" * 20_000 + "\n" + "." * 100_000,
        "tests/x.test.js": spaces + "\n" + "request(" * 20_000 + "\n",
        "Makefile": "cov:\n\tgo tool cover " + "< " * 50_000 + "\n",
        "pom.xml": "<project>jacoco" + "<limit>" * 20_000 + "</project>",
    }
    ctx = make_ctx(tmp_path, files)
    out = check(PIPELINE, ctx)
    assert out.status is Status.PASS
    assert check(UNIT, ctx).status is Status.FAIL  # no report, no minimum: nothing crashed


def test_files_over_256_kib_are_skipped_not_read(tmp_path: Path) -> None:
    big = "from fastapi.testclient import TestClient\n" + "#" * (300 * 1024)
    out = check(INTEGRATION, make_ctx(tmp_path, {"tests/test_big.py": big}))
    assert out.status is Status.FAIL
    assert "1 test file(s) not read: tests/test_big.py (over 256 KiB; not read)" in out.message


# ------------------------------------------------------------------ end to end on fixtures


def copy_fixture(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def audit_testing_phase(root: Path) -> tuple[dict[str, dict], list[dict]]:  # type: ignore[type-arg]
    result = run("audit", str(root), "--format", "json", "--no-engines", "--phase", "testing")
    report = json.loads(result.stdout)
    (phase,) = [p for p in report["phases"] if p["id"] == "testing"]
    return {c["id"]: c for c in phase["criteria"]}, report["findings"]


def test_covered_fixture_passes_every_testing_criterion(tmp_path: Path) -> None:
    root = copy_fixture("testing-covered", tmp_path)
    assert "coverage.xml" in (root / ".gitignore").read_text().split()
    results, findings = audit_testing_phase(root)
    assert {k: v["status"] for k, v in results.items()} == dict.fromkeys(
        (
            "testing.unit_tests_coverage",
            "testing.integration_tests",
            "testing.e2e_tests",
            "testing.ci_pipeline",
        ),
        "pass",
    )
    unit = results["testing.unit_tests_coverage"]
    assert "line coverage 88.9% >= target 70%" in unit["message"]
    assert {
        "file": "coverage.xml",
        "line": None,
        "what": "line coverage 88.9% (cobertura report)",
    } in unit["evidence"]
    integration = results["testing.integration_tests"]["evidence"]
    assert {
        "file": "tests/test_api.py",
        "line": 1,
        "what": "integration test tooling: TestClient",
    } in integration
    assert {
        "file": "tests/test_api.py",
        "line": 13,
        "what": "calls GET /v1/orders/1",
    } in integration
    e2e = results["testing.e2e_tests"]["evidence"]
    assert {
        "file": "tests/e2e/test_openapi_contract.py",
        "line": 1,
        "what": "e2e test tooling: schemathesis",
    } in e2e
    ci = results["testing.ci_pipeline"]["evidence"]
    assert ci == [
        {
            "file": ".github/workflows/ci.yml",
            "line": 21,
            "what": "CI runs the tests: pytest --cov=app --cov-report=xml --cov-fail-under=80",
        }
    ]
    assert findings == []


def test_enforced_only_fixture_passes_coverage_as_enforced(tmp_path: Path) -> None:
    results, _ = audit_testing_phase(copy_fixture("testing-enforced-only", tmp_path))
    unit = results["testing.unit_tests_coverage"]
    assert unit["status"] == "pass"
    assert unit["message"] == (
        "no coverage report; coverage enforced: 75% at pyproject.toml:22 (target 70%)"
    )
    assert {"file": ".gitlab-ci.yml", "line": 9, "what": "CI runs the tests: pytest --cov"} in unit[
        "evidence"
    ]
    assert results["testing.ci_pipeline"]["status"] == "pass"
    assert results["testing.integration_tests"]["status"] == "pass"
    assert results["testing.e2e_tests"]["status"] == "fail"


def test_missing_fixture_fails_with_a_high_dangerous_workflow(tmp_path: Path) -> None:
    results, findings = audit_testing_phase(copy_fixture("testing-missing", tmp_path))
    assert {k: v["status"] for k, v in results.items()} == dict.fromkeys(results, "fail")
    by_rule = {f["rule_id"]: f for f in findings}
    assert {"GK503", "GK511", "GK521", "GK533", "GK534"} <= set(by_rule)
    pwn = by_rule["GK533"]
    assert pwn["severity"] == "high"
    assert pwn["location"]["path"] == ".github/workflows/pr.yml"
    assert pwn["location"]["line"] == 12
    write_all = by_rule["GK534"]
    assert (write_all["severity"], write_all["location"]["line"]) == ("high", 5)
    assert "`pytest --cov --cov-report=xml`" in by_rule["GK503"]["message"]


def test_ci_steps_that_run_tests_through_a_script_or_manage_py(tmp_path: Path) -> None:
    from gatekeeper.repo import RepoIndex
    from gatekeeper.testfacts import collect

    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "a.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
        "      - run: uv run bash scripts/tests-start.sh\n"
    )
    (wf / "b.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
        "      - run: coverage run netbox/manage.py test netbox/ --parallel\n"
        "      - run: bash scripts/lint.sh\n"
    )
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "tests-start.sh").write_text(
        "#!/bin/sh\nset -e\ncoverage run -m pytest tests\n"
    )
    (tmp_path / "scripts" / "lint.sh").write_text(
        "#!/bin/sh\n# pytest is not run here\nruff check .\n"
    )
    facts = collect(RepoIndex.build(tmp_path))
    steps = {(s.path, s.line) for p in facts.pipelines for s in p.test_steps}
    assert (".github/workflows/a.yml", 6) in steps
    assert (".github/workflows/b.yml", 6) in steps
    assert (".github/workflows/b.yml", 7) not in steps


def test_ci_scripts_are_found_from_the_steps_working_directory(tmp_path: Path) -> None:
    """A script named by a step is looked up where the step runs: the step's or the job's
    `working-directory`, the workflow's defaults, or a `cd` earlier in the same block."""
    from gatekeeper.repo import RepoIndex
    from gatekeeper.testfacts import collect

    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "on: push\n"
        "defaults:\n"
        "  run:\n"
        "    working-directory: backend\n"
        "jobs:\n"
        "  api:\n"
        "    runs-on: x\n"
        "    steps:\n"
        "      - run: ./scripts/test.sh\n"  # 9: backend/scripts/test.sh
        "      - run: ./scripts/test.sh\n"  # 10: frontend/scripts/test.sh runs no tests
        "        working-directory: frontend\n"
        "  web:\n"
        "    runs-on: x\n"
        "    defaults:\n"
        "      run:\n"
        "        working-directory: ${{ github.workspace }}/worker\n"
        "    steps:\n"
        "      - run: bash scripts/test.sh\n"  # 18: worker/scripts/test.sh
        "      - run: |\n"
        "          cd ../backend\n"
        "          ./scripts/test.sh\n"  # 21: backend/scripts/test.sh after the cd
        "      - run: bash ../../outside.sh\n"  # 22: leaves the root, never looked up
    )
    for directory, body in (
        ("backend", "pytest -q\n"),
        ("worker", "go test ./...\n"),
        ("frontend", "eslint .\n"),
    ):
        (tmp_path / directory / "scripts").mkdir(parents=True)
        (tmp_path / directory / "scripts" / "test.sh").write_text("#!/bin/sh\n" + body)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "test.sh").write_text("#!/bin/sh\npytest\n")  # the root's copy
    (tmp_path / "outside.sh").write_text("pytest\n")
    facts = collect(RepoIndex.build(tmp_path))
    steps = {s.line for p in facts.pipelines for s in p.test_steps}
    assert steps == {9, 18, 21}
