"""Phase 7 benchmarks and documentation: facts on hand-built repos, and the CLI on fixtures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gatekeeper import config as cfg
from gatekeeper import perffacts
from gatekeeper.api import _finalizer
from gatekeeper.cli import cli
from gatekeeper.model import Detection, Evidence, Location, Service, Severity, Status
from gatekeeper.phases import validation
from gatekeeper.phases.base import Context, Outcome
from gatekeeper.repo import RepoIndex

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

README = "# orders\n\nOrders service: takes and tracks customer orders.\n"
SPEC = "openapi: 3.0.3\ninfo:\n  title: orders\n  version: '1'\npaths: {}\n"
ARCHITECTURE = (
    "# Architecture\n\nOne API, one database.\n\n```mermaid\nflowchart LR\n  a --> b\n```\n"
)
RUNBOOK = "# Runbook\n\n## Rollback\n\nUndo the last deploy.\n"
LOCUST = "import os\nfrom locust import HttpUser, task\n"
COMPLETE_DOCS = {
    "README.md": README,
    "docs/openapi.yaml": SPEC,
    "docs/architecture.md": ARCHITECTURE,
    "docs/runbook.md": RUNBOOK,
}


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def make_ctx(root: Path, files: dict[str, str | bytes], **kw: object) -> Context:
    root.mkdir(parents=True, exist_ok=True)
    write(root, files)
    index = RepoIndex.build(root)
    base: dict[str, object] = dict(
        index=index,
        loaded=cfg.LoadedConfig(cfg.Config(), None, False),
        target_config=None,
        services=(),
        stack_problems=(),
        file_facts={},
        unanalyzed=(),
        fact_errors={},
        finalize=_finalizer(index, (), ()),
    )
    base.update(kw)
    return Context(**base)  # type: ignore[arg-type]


def service(*detections: tuple[str, str]) -> Service:
    ev = (Evidence("pyproject.toml", 1, "depends on x"),)
    return Service(
        ".", "svc", ("pyproject.toml",), tuple(Detection(k, n, ev) for k, n in detections)
    )


def check(crit: object, ctx: Context) -> Outcome:
    return crit.check(ctx)  # type: ignore[attr-defined,no-any-return]


def where(sightings: tuple[perffacts.Sighting, ...]) -> list[tuple[str, str, int | None]]:
    return [(s.kind, s.path, s.line) for s in sightings]


# ------------------------------------------------------------------ benchmark facts


@pytest.mark.parametrize(
    ("rel", "text", "kind", "line"),
    [
        ("load/locustfile.py", LOCUST, "locust", 2),
        ("locustfile.py", "# a load test\nprint('no import')\n", "locust", 1),
        ("load/script.js", "// smoke\nimport http from 'k6/http';\n", "k6", 2),
        ("load/script.ts", 'import { check } from "k6";\n', "k6", 1),
        (
            "perf/plan.jmx",
            '<?xml version="1.0"?>\n<jmeterTestPlan version="1.2">\n</jmeterTestPlan>\n',
            "jmeter",
            2,
        ),
        (
            "src/gatling/scala/Sim.scala",
            "package sim\nimport io.gatling.core.Predef._\n",
            "gatling",
            2,
        ),
        (
            "tests/test_perf.py",
            "def test_sort(benchmark):\n    benchmark(sorted, [3, 1])\n",
            "pytest-benchmark",
            1,
        ),
        (
            "tests/test_perf.py",
            "import pytest\n\n@pytest.mark.benchmark(group='x')\ndef test_x():\n    pass\n",
            "pytest-benchmark",
            3,
        ),
        (
            "tests/test_multiline.py",
            "def test_x(\n    benchmark,\n):\n    result = benchmark(sorted, [2, 1])\n",
            "pytest-benchmark",
            1,
        ),
        (
            "src/jmh/java/SortBench.java",
            "import org.openjdk.jmh.annotations.*;\n\nclass SortBench {\n"
            "    @BenchmarkMode(Mode.Throughput)\n    @Benchmark\n    public void run() {}\n}\n",
            "jmh",
            5,
        ),
        (
            "sort_test.go",
            'package sort\n\nimport "testing"\n\nfunc BenchmarkSort(b *testing.B) {\n}\n',
            "go-bench",
            5,
        ),
        (
            "load/artillery.yml",
            "config:\n  target: http://x\nscenarios:\n  - flow: []\n",
            "artillery",
            3,
        ),
        (
            "scripts/load.sh",
            "#!/bin/sh\necho GET http://x | vegeta attack -duration=5s\n",
            "vegeta",
            2,
        ),
        ("Makefile", "load:\n\twrk -t2 -c10 http://localhost:8000/\n", "wrk", 2),
    ],
)
def test_each_kind_of_benchmark_is_found_with_its_line(
    tmp_path: Path, rel: str, text: str, kind: str, line: int
) -> None:
    facts = perffacts.find_benchmarks(RepoIndex.build(write(tmp_path, {rel: text})))
    assert where(facts.sightings) == [(kind, rel, line)]
    assert facts.kinds == (kind,)


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("app/timing.py", "def run(benchmark):\n    return benchmark(sorted, [1])\n"),  # not a test
        ("tests/test_x.py", "def test_x(benchmarks):\n    pass\n"),  # another fixture name
        ("tests/test_y.py", "def test_y(timer):\n    result = benchmark(sorted, [1])\n"),
        ("app/load.py", "# from locust import HttpUser\nimport locusts\n"),
        ("src/B.java", "class B {\n  @Benchmark\n  void run() {}\n}\n"),  # no JMH import
        ("src/B.java", "import org.openjdk.jmh.annotations.*;\n@BenchmarkMode(Mode.All)\n"),
        ("bench.go", "func BenchmarkSort(b *testing.B) {}\n"),  # not a _test.go file
        ("sort_test.go", "func TestSort(t *testing.T) {}\n// testing.B\n"),
        ("ci.yml", "jobs:\n  config:\n    x: 1\n  scenarios:\n    - y\n"),  # not top-level keys
        ("load.js", "const http = require('http') // k6 style\n"),
        ("scripts/run.sh", "# wrk -t2 http://x\necho vegeta\n"),
        ("fixtures/sample/locustfile.py", LOCUST),  # a sample repository's, not the project's
        ("testdata/bench_test.go", "func BenchmarkX(b *testing.B) {}\n"),
    ],
)
def test_near_misses_are_not_benchmarks(tmp_path: Path, rel: str, text: str) -> None:
    facts = perffacts.find_benchmarks(RepoIndex.build(write(tmp_path, {rel: text})))
    assert facts.sightings == ()


def test_sightings_per_kind_are_capped(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {f"load/l{i:03}.py": LOCUST for i in range(50)}
    facts = perffacts.find_benchmarks(RepoIndex.build(write(tmp_path, files)))
    assert len(facts.sightings) == perffacts.MAX_PER_KIND
    assert facts.sightings[0].path == "load/l000.py"


# ------------------------------------------------------------------ performance_benchmarks


def test_benchmarks_pass_citing_each_kind(tmp_path: Path) -> None:
    ctx = make_ctx(
        tmp_path,
        {
            "load/locustfile.py": LOCUST,
            "load/k6.js": "import http from 'k6/http';\n",
            "tests/test_perf.py": "def test_a(benchmark):\n    benchmark(sorted, [1])\n",
        },
    )
    out = check(validation.benchmarks_are_present, ctx)
    assert out.status is Status.PASS
    assert out.message == (
        "no performance budgets declared; benchmarks present (k6, locust, pytest-benchmark)"
    )
    assert out.evidence == (
        Evidence("load/k6.js", 1, "k6 load test (imports k6)"),
        Evidence("load/locustfile.py", 2, "locust load test (imports locust)"),
        Evidence("tests/test_perf.py", 1, "pytest-benchmark test (uses the benchmark fixture)"),
    )
    assert out.findings == ()


@pytest.mark.parametrize(
    ("detections", "advice"),
    [
        ((("language", "python"), ("framework", "fastapi")), ("locustfile.py", "pytest-benchmark")),
        ((("language", "go"), ("framework", "gin")), ("k6/http", "go test -bench")),
        ((("language", "java"), ("framework", "spring-boot")), ("JMH", "Gatling")),
        ((), ("locustfile.py", "pytest-benchmark, `go test -bench`, JMH")),
    ],
)
def test_no_benchmark_fails_with_advice_for_the_stack(
    tmp_path: Path, detections: tuple[tuple[str, str], ...], advice: tuple[str, ...]
) -> None:
    services = (service(*detections),) if detections else ()
    ctx = make_ctx(tmp_path, {"app.py": "print('hi')\n"}, services=services)
    out = check(validation.benchmarks_are_present, ctx)
    assert out.status is Status.FAIL
    assert out.message == "no load or benchmark test found"
    [finding] = out.findings
    assert finding.rule_id == "GK701"
    assert finding.location == Location(".")
    assert finding.message.startswith("no load or benchmark test found; add ")
    for hint in advice:
        assert hint in finding.message


def test_missing_benchmarks_below_the_threshold_are_reported_not_failing(tmp_path: Path) -> None:
    loose = cfg.LoadedConfig(cfg.Config(severity_threshold=Severity.HIGH), None, False)
    out = check(validation.benchmarks_are_present, make_ctx(tmp_path, {}, loaded=loose))
    assert out.status is Status.PASS
    assert "below the threshold" in out.message
    assert [f.rule_id for f in out.findings] == ["GK701"]


K6_SUMMARY = json.dumps(
    {
        "metrics": {
            "http_req_duration": {"avg": 120.5, "med": 98.0, "p(90)": 180.0, "p(95)": 212.0},
            "http_req_failed": {"value": 0.004},
            "http_reqs": {"count": 6000, "rate": 99.8},
        }
    }
)
LOCUST_STATS = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Requests/s,50%,95%,99%\n"
    "GET,/v1/orders,900,3,110,140,15.0,110,420,900\n"
    ",Aggregated,1000,30,100,150,16.6,100,450,950\n"
)


def budget_ctx(root: Path, files: dict[str, str | bytes], **budgets: float) -> Context:
    conf = cfg.Config(performance_budgets=tuple(sorted(budgets.items())))
    loaded = cfg.LoadedConfig(conf, "pyproject.toml", False)
    return make_ctx(root, {"locustfile.py": LOCUST, **files}, loaded=loaded)


def test_budgets_met_by_a_committed_k6_summary(tmp_path: Path) -> None:
    ctx = budget_ctx(
        tmp_path, {"loadtests/results/summary.json": K6_SUMMARY}, p95_ms=300, min_rps=50
    )
    out = check(validation.benchmarks_are_present, ctx)
    assert out.status is Status.PASS, out.message
    assert "2 performance budget(s) met" in out.message
    shown = {e.what for e in out.evidence}
    assert "p95_ms 212 within 300 (k6)" in shown and "min_rps 99.8 within 50 (k6)" in shown


def test_budgets_broken_by_committed_locust_stats(tmp_path: Path) -> None:
    ctx = budget_ctx(
        tmp_path, {"results/run_stats.csv": LOCUST_STATS}, p95_ms=300, error_rate_percent=1
    )
    out = check(validation.benchmarks_are_present, ctx)
    assert out.status is Status.FAIL
    assert sorted((f.rule_id, f.location.path, f.message) for f in out.findings) == [
        (
            "GK703",
            "results/run_stats.csv",
            "95th percentile response time (ms): measured 450, budget at most 300 (locust)",
        ),
        (
            "GK703",
            "results/run_stats.csv",
            "failed requests (%): measured 3, budget at most 1 (locust)",
        ),
    ]


def test_budgets_nothing_measures(tmp_path: Path) -> None:
    out = check(validation.benchmarks_are_present, budget_ctx(tmp_path / "none", {}, p95_ms=300))
    assert out.status is Status.FAIL
    assert [f.rule_id for f in out.findings] == ["GK702"]
    # k6's default summary has no p(99): that budget is not measured, so it is not met
    ctx = budget_ctx(tmp_path / "p99", {"summary.json": K6_SUMMARY}, p99_ms=500)
    out = check(validation.benchmarks_are_present, ctx)
    assert [(f.rule_id, f.message.split(" is declared")[0]) for f in out.findings] == [
        ("GK702", "budget p99_ms = 500")
    ]
    # no benchmark at all: the budgets cannot be measured either
    bare = make_ctx(
        tmp_path / "bare",
        {},
        loaded=cfg.LoadedConfig(cfg.Config(performance_budgets=(("p95_ms", 1.0),)), None, False),
    )
    out = check(validation.benchmarks_are_present, bare)
    assert "performance_budgets are declared but nothing measures them" in out.findings[0].message


def test_unreadable_results_are_an_error_naming_the_file(tmp_path: Path) -> None:
    conf = cfg.Config(performance_budgets=(("p95_ms", 300.0),), performance_results=("r.json",))
    ctx = make_ctx(
        tmp_path,
        {"locustfile.py": LOCUST, "r.json": "{not json"},
        loaded=cfg.LoadedConfig(conf, None, False),
    )
    out = check(validation.benchmarks_are_present, ctx)
    assert out.status is Status.ERROR and out.message.startswith("r.json: not valid JSON")


def test_budget_configuration(tmp_path: Path) -> None:
    table = {"p95_ms": 300, "min_rps": 20, "results": ["load/summary.json"]}
    conf = cfg.parse_table({"performance_budgets": table}, "gatekeeper.toml")
    assert conf.performance_budgets == (("min_rps", 20.0), ("p95_ms", 300.0))
    assert conf.performance_results == ("load/summary.json",)
    with pytest.raises(cfg.ConfigError, match=r"unknown budget `performance_budgets\.p95`"):
        cfg.parse_table({"performance_budgets": {"p95": 1}}, "gatekeeper.toml")
    looser = cfg.Config(performance_budgets=(("p95_ms", 900.0),))
    assert cfg.weakenings(conf, looser) == [
        "loosens performance budget min_rps from 20",
        "loosens performance budget p95_ms from 300",
    ]


def test_facts_are_built_once_per_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = perffacts.find_benchmarks

    def counting(index: RepoIndex) -> perffacts.BenchmarkFacts:
        calls.append(index)
        return real(index)

    monkeypatch.setattr(perffacts, "find_benchmarks", counting)
    ctx = make_ctx(tmp_path, {"locustfile.py": LOCUST})
    first = check(validation.benchmarks_are_present, ctx)
    assert check(validation.benchmarks_are_present, ctx) == first
    assert len(calls) == 1


# ------------------------------------------------------------------ documentation facts


def test_complete_documentation_is_found_with_lines(tmp_path: Path) -> None:
    docs = perffacts.find_documentation(RepoIndex.build(write(tmp_path, dict(COMPLETE_DOCS))))
    assert docs.readme == perffacts.Sighting("readme", "README.md", 1, "README")
    assert docs.readme_has_body
    assert where(docs.api_docs) == [("api_docs", "docs/openapi.yaml", 1)]
    assert docs.api_docs[0].what == "openapi-3.0 spec (version 3.0.3)"
    assert where(docs.architecture) == [("architecture", "docs/architecture.md", 5)]
    assert where(docs.runbooks) == [("runbook", "docs/runbook.md", 1)]


@pytest.mark.parametrize(
    ("files", "kind", "rel", "line", "what"),
    [
        (
            {"app/main.py": "from fastapi import FastAPI\n\napp = FastAPI(title='x')\n"},
            "api_docs",
            "app/main.py",
            3,
            "FastAPI generated docs (/docs)",
        ),
        (
            {"package.json": '{\n  "dependencies": {\n    "swagger-ui-express": "^5"\n  }\n}\n'},
            "api_docs",
            "package.json",
            3,
            "swagger-ui-express dependency",
        ),
        (
            {"pom.xml": "<project>\n<artifactId>springdoc-openapi-starter-webmvc-ui</artifactId>"},
            "api_docs",
            "pom.xml",
            2,
            "springdoc-openapi dependency",
        ),
        (
            {"app/urls.py": "import os\nfrom rest_framework import schemas\nx = 1\n"},
            "api_docs",
            "app/urls.py",
            2,
            "Django REST framework schema view",
        ),
        (
            {"docs/api/orders.md": "\n# Orders API\n\nGET /orders\n"},
            "api_docs",
            "docs/api/orders.md",
            2,
            "API documentation",
        ),
        (
            {"docs/API.html": "<h1>API</h1>\n"},
            "api_docs",
            "docs/API.html",
            1,
            "API documentation (docs/api*)",
        ),
        (
            {"docs/diagrams/system.puml": "@startuml\nA -> B\n@enduml\n"},
            "architecture",
            "docs/diagrams/system.puml",
            1,
            "PlantUML diagram",
        ),
        (
            {"docs/img/architecture.png": b"\x89PNG\r\n\x1a\n\0\0"},
            "architecture",
            "docs/img/architecture.png",
            None,
            "diagram image",
        ),
        (
            {"architecture/overview.drawio": "<mxfile/>\n"},
            "architecture",
            "architecture/overview.drawio",
            1,
            "draw.io diagram",
        ),
        (
            {"docs/adr/0001-use-postgres.md": "# 1. Use PostgreSQL\n\nAccepted.\n"},
            "architecture",
            "docs/adr/0001-use-postgres.md",
            1,
            "architecture decision record",
        ),
        (
            {"ARCHITECTURE.md": "Layers\n======\n\nIndex, workers, criteria.\n"},
            "architecture",
            "ARCHITECTURE.md",
            1,
            "architecture document",
        ),
        (
            {"README.md": "# x\n\nA service.\n\n## Architecture\n\nOne process.\n"},
            "architecture",
            "README.md",
            5,
            "architecture section (architecture)",
        ),
        (
            {"docs/guide.rst": "Guide\n=====\n\n.. mermaid::\n\n   graph TD\n"},
            "architecture",
            "docs/guide.rst",
            4,
            "Mermaid diagram",
        ),
        ({"RUNBOOK.md": "# Runbook\n\nRestart it.\n"}, "runbook", "RUNBOOK.md", 1, "runbook"),
        (
            {"docs/operations/deploy.md": "\n\n# Deploy\n\nkubectl apply.\n"},
            "runbook",
            "docs/operations/deploy.md",
            3,
            "runbook",
        ),
        (
            {"README.md": "# x\n\nA service.\n\n## On-call\n\nPage the owner.\n"},
            "runbook",
            "README.md",
            5,
            "runbook section (on-call)",
        ),
        (
            {"docs/ops.rst": "Ops\n===\n\nIncident response\n-----------------\n\nCall them.\n"},
            "runbook",
            "docs/ops.rst",
            4,
            "runbook section (incident response)",
        ),
    ],
)
def test_each_kind_of_documentation_is_found_with_its_line(
    tmp_path: Path, files: dict[str, str | bytes], kind: str, rel: str, line: int | None, what: str
) -> None:
    docs = perffacts.find_documentation(RepoIndex.build(write(tmp_path, files)))
    found = {"api_docs": docs.api_docs, "architecture": docs.architecture, "runbook": docs.runbooks}
    assert [(s.path, s.line, s.what) for s in found[kind]] == [(rel, line, what)]


@pytest.mark.parametrize(
    "files",
    [
        {"app/main.py": "from fastapi import FastAPI\napp = FastAPI(\n    openapi_url=None,\n)\n"},
        {"app/main.py": "import fastapi\nMARKER = 'FastAPI('\n"},  # a string, not a call
        {"app/rules.py": "MODULES = ('drf_yasg', 'flasgger')\nx = 'from drf_yasg import y'\n"},
        {"web/x.js": "const name = 'swagger-ui-express'\n"},
        {"docs/logo.png": b"\x89PNG\r\n\x1a\n\0\0"},  # an image, but not a diagram
        {"README.md": "# x\n\nA service.\n\n## Architecture\n\n## Runbook\n"},  # empty sections
        {"README.md": "# x\n\n```python\n# Incident response\nx = 1\n```\n"},  # not a heading
        {"playbook.yml": "- hosts: all\n"},  # an Ansible playbook is not a runbook
        {"docs/runbook.md": "\n\n"},  # an empty document documents nothing
        {"tests/docs/runbook.md": RUNBOOK, "fixtures/x/docs/openapi.yaml": SPEC},
        {"tests/openapi.yaml": SPEC},
    ],
)
def test_near_misses_are_not_documentation(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    docs = perffacts.find_documentation(RepoIndex.build(write(tmp_path, files)))
    assert (docs.api_docs, docs.architecture, docs.runbooks) == ((), (), ())


@pytest.mark.parametrize(
    ("text", "has_body"),
    [
        ("# orders\n", False),
        ("orders service\n", False),
        ("orders\n======\n\n", False),
        ("# orders\n\n## Install\n\n## Usage\n", False),  # headings are no content
        ("", False),
        ("# orders\n\nTakes orders.\n", True),
        ("orders\n======\n\nTakes orders.\n", True),
    ],
)
def test_a_readme_needs_more_than_a_title(tmp_path: Path, text: str, has_body: bool) -> None:
    docs = perffacts.find_documentation(RepoIndex.build(write(tmp_path, {"README.md": text})))
    assert docs.readme is not None and docs.readme.path == "README.md"
    assert docs.readme_has_body is has_body


def test_the_root_readme_is_preferred(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"svc/README.md": README, "readme.rst": "Title\n=====\n"}
    docs = perffacts.find_documentation(RepoIndex.build(write(tmp_path, files)))
    assert docs.readme is not None and docs.readme.path == "readme.rst"
    assert not docs.readme_has_body


# ------------------------------------------------------------------ documentation_complete


def test_documentation_passes_with_evidence_for_each_part(tmp_path: Path) -> None:
    out = check(validation.documentation_is_complete, make_ctx(tmp_path, dict(COMPLETE_DOCS)))
    assert out.status is Status.PASS
    assert out.message == "README, API docs, architecture docs and runbooks present"
    assert out.evidence == (
        Evidence("README.md", 1, "README"),
        Evidence("docs/openapi.yaml", 1, "openapi-3.0 spec (version 3.0.3)"),
        Evidence("docs/architecture.md", 5, "Mermaid diagram"),
        Evidence("docs/runbook.md", 1, "runbook"),
    )
    assert out.findings == ()


@pytest.mark.parametrize(
    ("drop", "rule", "label", "advice"),
    [
        ("docs/openapi.yaml", "GK712", "API docs", "docs/openapi.yaml"),
        ("docs/architecture.md", "GK713", "architecture docs or diagrams", "Mermaid or PlantUML"),
        ("docs/runbook.md", "GK714", "runbooks", "deployment, rollback and incident procedures"),
    ],
)
def test_each_missing_part_is_its_own_finding(
    tmp_path: Path, drop: str, rule: str, label: str, advice: str
) -> None:
    files: dict[str, str | bytes] = {k: v for k, v in COMPLETE_DOCS.items() if k != drop}
    out = check(validation.documentation_is_complete, make_ctx(tmp_path, files))
    assert out.status is Status.FAIL
    assert out.message == f"missing: {label}"
    [finding] = out.findings
    assert (finding.rule_id, finding.severity, finding.location) == (
        rule,
        Severity.MEDIUM,
        Location("README.md"),
    )
    assert advice in finding.message
    assert len(out.evidence) == 3  # what is there is still cited


def test_nothing_documented_lists_all_four(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, {}, services=(service(("language", "go"), ("framework", "gin")),))
    out = check(validation.documentation_is_complete, ctx)
    assert out.status is Status.FAIL
    assert out.message == "missing: README, API docs, architecture docs or diagrams, runbooks"
    assert sorted((f.rule_id, f.location.path) for f in out.findings) == [
        ("GK711", "."),
        ("GK712", "."),
        ("GK713", "."),
        ("GK714", "."),
    ]
    api = next(f for f in out.findings if f.rule_id == "GK712")
    assert "swaggo/swag annotations" in api.message


def test_a_title_only_readme_fails_at_its_title(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {**COMPLETE_DOCS, "README.md": "\n# orders\n"}
    out = check(validation.documentation_is_complete, make_ctx(tmp_path, files))
    assert out.status is Status.FAIL
    assert out.message == "missing: README"
    [finding] = out.findings
    assert (finding.rule_id, finding.location) == ("GK711", Location("README.md", 2))
    assert finding.message.startswith("README.md has no content beyond a title; add ")


def test_missing_docs_below_the_threshold_pass_but_are_listed(tmp_path: Path) -> None:
    loose = cfg.LoadedConfig(cfg.Config(severity_threshold=Severity.HIGH), None, False)
    files: dict[str, str | bytes] = {"README.md": README}
    out = check(validation.documentation_is_complete, make_ctx(tmp_path, files, loaded=loose))
    assert out.status is Status.PASS
    assert out.message == (
        "missing, below the threshold or suppressed: API docs, architecture docs or diagrams, "
        "runbooks"
    )


# ------------------------------------------------------------------ hostile inputs


def test_hostile_lines_are_read_in_linear_time(tmp_path: Path) -> None:
    spaces = " " * 100_000
    files: dict[str, str | bytes] = {
        "README.md": f"# x\n{spaces}x\n",
        "docs/runbook.md": f"# Runbook\n{spaces}@startuml\n",
        "docs/marks.md": f"{'#' * 100_000}\n{'=' * 100_000}\n",
        "docs/fences.md": "```\n" * 60_000,
        "tests/test_perf.py": f"def test_x({spaces}benchmark):\n",
        "load/a.yml": f"{spaces}config:\nconfig:\nscenarios:\n",
        "load/run.sh": f"{'wrk ' * 25_000}-c1\n",
        "load/k6.js": f"import{spaces}'k6/http'\n",
        "bench_test.go": f"func Benchmark{spaces}(b *testing.B)\n",
        "app/main.py": "from fastapi import FastAPI\n" + "app = FastAPI(" * 18_000,
        "app/other.py": "app = FastAPI(openapi_url=None)\n" * 7_000,
    }
    index = RepoIndex.build(write(tmp_path, files))
    bench = perffacts.find_benchmarks(index)
    docs = perffacts.find_documentation(index)
    assert (bench.unread, docs.unread) == ((), ())
    assert where(bench.sightings) == [
        ("artillery", "load/a.yml", 3),
        ("go-bench", "bench_test.go", 1),
        ("k6", "load/k6.js", 1),
        ("pytest-benchmark", "tests/test_perf.py", 1),
        ("wrk", "load/run.sh", 1),
    ]
    assert docs.readme_has_body
    assert where(docs.runbooks) == [("runbook", "docs/runbook.md", 1)]
    assert where(docs.architecture) == [("architecture", "docs/runbook.md", 2)]
    assert where(docs.api_docs) == [("api_docs", "app/main.py", 2)]


def test_files_over_the_scan_limit_are_skipped_and_named(tmp_path: Path) -> None:
    # YAML gets the 16 MiB evidence cap in the index, so the 256 KiB scan limit is what applies.
    big = "config:\n  target: http://x\nscenarios:\n  - flow: []\n" + "# pad\n" * 1_800_000
    assert len(big) > 10_000_000
    ctx = make_ctx(tmp_path, {"load/artillery.yml": big, "docs/openapi.yaml": SPEC})
    out = check(validation.benchmarks_are_present, ctx)
    assert out.status is Status.ERROR  # the benchmark may be in the file not read
    assert "1 candidate file(s) not read: over 256 KiB (1 MiB for source code) or not text: " in (
        out.findings[0].message
    )
    assert "load/artillery.yml" in (out.findings[0].message)


def test_large_source_files_are_scanned_up_to_the_source_cap(tmp_path: Path) -> None:
    # NetBox's 300 KiB tests and data modules: over the 256 KiB document cap, still read.
    pad = "x = 1\n" * 60_000
    files: dict[str, str | bytes] = {
        "tests/test_load.py": f"{pad}def test_orders(benchmark):\n    benchmark(f)\n",
        "app/data.py": pad,
        "app/huge.py": "y = 2\n" * 200_000,  # 1.2 MB: over the source cap
        **COMPLETE_DOCS,
    }
    index = RepoIndex.build(write(tmp_path, files), max_file_bytes=2_000_000)
    bench = perffacts.find_benchmarks(index)
    assert where(bench.sightings) == [("pytest-benchmark", "tests/test_load.py", 60_001)]
    assert bench.unread == ("app/huge.py",)


def test_an_unread_source_file_matters_only_when_api_docs_are_missing(tmp_path: Path) -> None:
    binary = b"import os\x00\x01\x02"  # a .py that is not text: never read
    runbookless = {k: v for k, v in COMPLETE_DOCS.items() if "runbook" not in k}
    files: dict[str, str | bytes] = {**runbookless, "app/blob.py": binary}
    out = check(validation.documentation_is_complete, make_ctx(tmp_path / "a", files))
    # the module could only have shown generated API docs, and the spec is there: a plain fail
    assert (out.status, out.message) == (Status.FAIL, "missing: runbooks")
    no_spec = {k: v for k, v in files.items() if k != "docs/openapi.yaml"}
    out = check(validation.documentation_is_complete, make_ctx(tmp_path / "b", no_spec))
    assert out.status is Status.ERROR  # the API docs may be generated from the unread module
    assert "app/blob.py" in out.message


def test_an_unreadable_readme_is_not_a_readme(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {**COMPLETE_DOCS, "README.md": b"\0\x01binary"}
    out = check(validation.documentation_is_complete, make_ctx(tmp_path, files))
    assert out.status is Status.ERROR  # unknown, not absent
    [finding] = out.findings
    assert finding.rule_id == "GK711"
    assert "README.md could not be read" in finding.message


# ------------------------------------------------------------------ end to end (the CLI)


def copy_fixture(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def audit(root: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    result = run("audit", str(root), "--format", "json", "--no-engines", "--phase", "validation")
    report = json.loads(result.stdout)
    criteria = {c["id"]: c for p in report["phases"] for c in p["criteria"]}
    return criteria, report["findings"]


def test_docs_complete_fixture_passes_both_criteria(tmp_path: Path) -> None:
    criteria, findings = audit(copy_fixture("docs-complete", tmp_path))
    bench = criteria["validation.performance_benchmarks"]
    assert bench["status"] == "pass"
    assert bench["message"] == "no performance budgets declared; benchmarks present (locust)"
    assert bench["evidence"] == [
        {"file": "locustfile.py", "line": 1, "what": "locust load test (imports locust)"}
    ]
    docs = criteria["validation.documentation_complete"]
    assert docs["status"] == "pass"
    assert [(e["file"], e["line"]) for e in docs["evidence"]] == [
        ("README.md", 1),
        ("docs/architecture.md", 5),
        ("docs/openapi.yaml", 1),
        ("docs/runbook.md", 1),
    ]
    assert not [f for f in findings if str(f["rule_id"]).startswith("GK7")]


def test_docs_missing_fixture_fails_both_criteria(tmp_path: Path) -> None:
    criteria, findings = audit(copy_fixture("docs-missing", tmp_path))
    assert criteria["validation.performance_benchmarks"]["status"] == "fail"
    docs = criteria["validation.documentation_complete"]
    assert docs["status"] == "fail"
    assert docs["message"] == "missing: README, API docs, architecture docs or diagrams, runbooks"
    located = sorted(
        (f["rule_id"], f["location"]["path"], f["location"]["line"])
        for f in findings
        if str(f["rule_id"]).startswith("GK7")
    )
    assert located == [
        ("GK701", ".", None),
        ("GK711", "README.md", 1),
        ("GK712", "README.md", None),
        ("GK713", "README.md", None),
        ("GK714", "README.md", None),
    ]
    gk701 = next(f for f in findings if f["rule_id"] == "GK701")
    assert "locustfile.py" in str(gk701["message"]) and "pytest-benchmark" in str(gk701["message"])
    gk712 = next(f for f in findings if f["rule_id"] == "GK712")
    assert "flask-smorest or flasgger" in str(gk712["message"])


def test_explain_prints_the_new_rules() -> None:
    result = run("explain", "GK714")
    assert result.exit_code == 0
    assert "docs/runbook.md" in result.stdout
    result = run("explain", "validation.documentation_complete")
    assert result.exit_code == 0
    assert "Documentation complete" in result.stdout
