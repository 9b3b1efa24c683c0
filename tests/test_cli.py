"""End-to-end: the CLI on fixture repositories copied to tmp_path, as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from gatekeeper.cli import cli
from gatekeeper.phases import ALL_PHASES, all_criteria

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCHEMA = json.loads(resources.files("gatekeeper").joinpath("schema/report.schema.json").read_text())


def copy_fixture(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def audit_json(root: Path, *extra: str) -> tuple[int, dict]:
    result = run("audit", str(root), "--format", "json", *extra)
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_fixture("example", tmp_path)


def test_example_reports_every_phase_and_criterion(example: Path) -> None:
    code, report = audit_json(example)
    jsonschema.validate(report, SCHEMA)
    assert code == 0  # every criterion is built, and the example passes each one
    assert report["complete"] is True
    assert [p["id"] for p in report["phases"]] == [p.id for p in ALL_PHASES]
    ids = [c["id"] for p in report["phases"] for c in p["criteria"]]
    assert ids == [c.id for c in all_criteria()]
    statuses = {c["id"]: c for p in report["phases"] for c in p["criteria"]}
    owasp = statuses["security.owasp_top10_addressed"]
    assert owasp["status"] == "pass"
    assert any(e["what"].startswith("bandit ") for e in owasp["evidence"])
    # the API gate passes on the example's routes, each cited with file and line
    contracts = statuses["api_design.endpoints_have_contracts"]
    assert contracts["status"] == "pass"
    source = (example / "app" / "main.py").read_text().splitlines()
    decorator = source.index('@app.get("/v1/orders", response_model=list[OrderOut])') + 1
    assert {
        "file": "app/main.py",
        "line": decorator,
        "what": "GET /v1/orders declares response model list[OrderOut]",
    } in contracts["evidence"]
    routes = {(r["method"], r["url_path"]) for r in report["inventory"]["routes"]}
    assert routes == {
        ("GET", "/health"),
        ("GET", "/v1/orders"),
        ("POST", "/v1/orders"),
        ("GET", "/v1/orders/{order_id}"),
    }
    framework = statuses["requirements.framework_supported"]
    assert framework["status"] == "pass"
    assert any(e["file"] == "pyproject.toml" and e["line"] for e in framework["evidence"])
    # the workers' import facts confirm it in code, with file and line
    assert {
        "file": "app/main.py",
        "line": 2,
        "what": "orders-service: fastapi (imports fastapi)",
    } in framework["evidence"]
    scan = statuses["validation.security_scan_passed"]
    assert scan["status"] == "pass"
    assert report["engines"][0]["engine"] == "bandit"
    assert report["engines"][0]["files_scanned"] == report["engines"][0]["files_expected"] > 0
    services = report["inventory"]["services"]
    assert [s["name"] for s in services] == ["orders-service"]
    config = {c["key"]: c for c in report["config"]}
    assert config["tech_stack"] == {
        "key": "tech_stack",
        "value": "python-fastapi",
        "source": "declared",
        "origin": "pyproject.toml [tool.gatekeeper]",
    }
    assert config["deployment_target"]["source"] == "detected"
    assert statuses["requirements.tech_stack_confirmed"]["status"] == "pass"


def test_allow_incomplete_lets_the_verdict_decide(example: Path) -> None:
    code, report = audit_json(example, "--allow-incomplete")
    assert report["verdict"] == "pass"
    assert code == 0


def test_two_runs_are_byte_identical(example: Path) -> None:
    first = run("audit", str(example), "--format", "json").stdout
    second = run("audit", str(example), "--format", "json").stdout
    assert first == second


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_every_fixture_report_matches_the_schema(name: str, tmp_path: Path) -> None:
    root = copy_fixture(name, tmp_path)
    code, report = audit_json(root, "--no-engines")
    jsonschema.validate(report, SCHEMA)
    assert code == 3
    assert len(report["phases"]) == 8
    assert report["inventory"]["services"], f"{name}: no service detected"


def test_escaping_symlink_fails_the_requirements_gate(example: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("AWS_SECRET_ACCESS_KEY=do-not-leak\n")
    (example / "leak.txt").symlink_to(secret)
    code, report = audit_json(example, "--allow-incomplete", "--no-engines")
    assert code == 1
    assert report["verdict"] == "fail"
    assert report["root_causes"] == ["requirements"]
    gk001 = [f for f in report["findings"] if f["rule_id"] == "GK001"]
    assert gk001 and gk001[0]["location"]["path"] == "leak.txt"
    assert "do-not-leak" not in json.dumps(report)


def test_exit_zero_and_ignore(example: Path, tmp_path: Path) -> None:
    (example / "leak.txt").symlink_to("/etc/passwd")
    assert (
        run(
            "audit", str(example), "--allow-incomplete", "--no-engines", "--exit-zero", "-q"
        ).exit_code
        == 0
    )
    code, report = audit_json(example, "--allow-incomplete", "--no-engines", "--ignore", "GK001")
    assert code == 0
    assert not [f for f in report["findings"] if f["rule_id"] == "GK001"]
    code, report = audit_json(example, "--no-engines", "--select", "GK003")
    assert not [f for f in report["findings"] if f["rule_id"] == "GK001"]


def test_phase_option_skips_the_others(example: Path) -> None:
    _, report = audit_json(example, "--phase", "requirements", "--no-engines")
    by_id = {p["id"]: p for p in report["phases"]}
    assert by_id["database"]["status"] == "skipped"
    assert by_id["requirements"]["status"] == "pass"  # every phase-0 criterion is built


def test_trusted_policy_flags_weakening(tmp_path: Path) -> None:
    example = copy_fixture("fastapi-postgres", tmp_path)
    policy = tmp_path / "policy.toml"
    policy.write_text("severity_threshold = 'medium'\n")
    (example / "gatekeeper.toml").write_text(
        "exclude = ['app/']\nseverity_threshold = 'critical'\n"
    )
    code, report = audit_json(
        example, "--config", str(policy), "--allow-incomplete", "--no-engines"
    )
    crit = {c["id"]: c for p in report["phases"] for c in p["criteria"]}
    assert crit["requirements.policy_not_weakened"]["status"] == "fail"
    messages = [f["message"] for f in report["findings"] if f["rule_id"] == "GK005"]
    assert any("adds excludes app/" in m for m in messages)
    assert any("raises severity_threshold" in m for m in messages)
    assert code == 1
    # The trusted policy, not the pull request's, decided what was analyzed.
    assert any(u for u in report["config"] if u["key"] == "exclude" and u["value"] == [])


def test_config_errors_exit_2_with_the_file_named(tmp_path: Path) -> None:
    example = copy_fixture("fastapi-postgres", tmp_path)
    (example / "gatekeeper.toml").write_text("databse = 'mysql'\n")
    result = run("audit", str(example))
    assert result.exit_code == 2
    assert "gatekeeper.toml" in result.stderr and "Did you mean `database`" in result.stderr


def test_usage_errors_exit_2(example: Path, tmp_path: Path) -> None:
    assert run("audit", str(tmp_path / "missing")).exit_code == 2
    result = run("audit", str(example), "--format", "json", "--format", "text")
    assert result.exit_code == 2
    assert "standard output" in result.stderr
    assert run("audit", str(example), "--fail-on", "bogus").exit_code == 2


def test_output_files(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run(
        "audit",
        str(example),
        "--no-engines",
        "--format",
        "text",
        "--format",
        "json",
        "--output",
        f"json={out}",
    )
    assert "verdict:" in result.stdout
    assert json.loads(out.read_text())["schema_version"] == "1.1"
    single = tmp_path / "only.json"
    run("audit", str(example), "--no-engines", "--format", "json", "--output", str(single))
    assert json.loads(single.read_text())["tool"]["name"] == "gatekeeper"


def test_show_config(tmp_path: Path) -> None:
    example = copy_fixture("fastapi-postgres", tmp_path)
    (example / "gatekeeper.toml").write_text("database = 'mysql'\n")
    result = run("audit", str(example), "--show-config")
    assert result.exit_code == 0
    assert 'database = "mysql"  [declared]  (gatekeeper.toml)' in result.stdout
    assert "test_coverage_target = 70  [default]" in result.stdout
    assert 'tech_stack = "python-fastapi"  [detected]' in result.stdout
    strict = run("audit", str(example), "--show-config", "--fail-on", "high")
    assert 'severity_threshold = "high"  [cli]  (command line)' in strict.stdout


def test_timings_only_on_request(example: Path) -> None:
    _, report = audit_json(example, "--no-engines", "--timings")
    assert set(report["timings"]) >= {"index", "parse", "stack", "phases"}


def test_graph_commands(example: Path) -> None:
    static = run("graph")
    assert static.exit_code == 0
    assert "3. Authentication & Security (security)  <- requirements, api_design" in static.stdout
    mermaid = run("graph", "--format", "mermaid", str(example), "--no-engines")
    assert "class security error" in mermaid.stdout


def test_explain() -> None:
    result = run("explain", "GK001")
    assert result.exit_code == 0 and "symlink-escapes-root" in result.stdout
    result = run("explain", "requirements.repository_analyzable")
    assert "why:" in result.stdout and "fix:" in result.stdout
    result = run("explain", "security.owasp_top10_addressed")
    assert "OWASP Top 10 addressed" in result.stdout and "planned" not in result.stdout
    result = run("explain", "GK3801")
    assert "CWE-89" in result.stdout and "A03:2021 - Injection" in result.stdout
    result = run("explain", "GK106")
    assert "route-not-in-spec" in result.stdout and "operational_routes" in result.stdout
    assert run("explain", "nope").exit_code == 2


def test_init_writes_detected_values_and_never_overwrites(tmp_path: Path) -> None:
    example = copy_fixture("fastapi-postgres", tmp_path)
    result = run("init", str(example))
    assert result.exit_code == 0
    text = (example / "pyproject.toml").read_text()
    assert 'tech_stack = "python-fastapi"' in text
    assert 'database = "postgresql"' in text
    assert run("init", str(example)).exit_code == 2
    assert run("init", str(example), "--force").exit_code == 0
    assert (example / "pyproject.toml").read_text().count("[tool.gatekeeper]") == 1
    # the written configuration is valid
    assert run("audit", str(example), "--show-config").exit_code == 0


def test_init_without_pyproject_writes_gatekeeper_toml(tmp_path: Path) -> None:
    root = copy_fixture("express-mongo", tmp_path)
    assert run("init", str(root)).exit_code == 0
    assert 'tech_stack = "node-express"' in (root / "gatekeeper.toml").read_text()


def test_version_and_module_entry_point() -> None:
    result = run("--version")
    assert "gatekeeper" in result.stdout


def test_no_color_env_and_quiet(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    result = run("audit", str(example), "--no-engines", "-q")
    assert result.stdout == ""
    assert result.exit_code == 3
    assert "\x1b[" not in run("audit", str(example), "--no-engines").stdout
    assert os.environ["NO_COLOR"] == "1"


def test_explain_engine_rule() -> None:
    result = run("explain", "B602")
    assert result.exit_code == 0 and "GK3602" in result.stdout
    result = run("explain", "gk-js-hardcoded-secret")
    assert result.exit_code == 0 and "GK3901" in result.stdout
    # the rule's own text, read from its YAML file
    assert "what: A credential is hard-coded" in result.stdout
    assert "cwe: CWE-798" in result.stdout and "A07:2021" in result.stdout


def test_exit_zero_does_not_hide_an_incomplete_audit(example: Path) -> None:
    assert run("audit", str(example), "--no-engines", "--exit-zero", "-q").exit_code == 3


def test_tracked_code_in_a_default_excluded_directory_is_listed(example: Path) -> None:
    vendor = example / "vendor" / "lib"
    vendor.mkdir(parents=True)
    (vendor / "evil.py").write_text("eval(input())\n")
    subprocess.run(["git", "init", "-q"], cwd=example, check=True)
    subprocess.run(["git", "add", "-A"], cwd=example, check=True)
    _, report = audit_json(example, "--no-engines")
    reasons = {u["path"]: u["reason"] for u in report["unanalyzed"]}
    assert "git tracks 1 files" in reasons["vendor"]


def test_invalid_repository_config_under_a_trusted_policy(tmp_path: Path) -> None:
    example = copy_fixture("fastapi-postgres", tmp_path)
    policy = tmp_path / "policy.toml"
    policy.write_text("severity_threshold = 'medium'\n")
    (example / "gatekeeper.toml").write_text("phases = 'x\n")
    code, report = audit_json(example, "--config", str(policy), "--no-engines")
    assert code == 3  # still an audit, under the trusted policy
    crit = {c["id"]: c for p in report["phases"] for c in p["criteria"]}
    assert crit["requirements.policy_not_weakened"]["status"] == "pass"
    [f] = [f for f in report["findings"] if f["rule_id"] == "GK010"]
    assert f["location"]["path"] == "gatekeeper.toml"
    assert "invalid TOML" in f["message"]


def test_ignoring_or_selecting_a_criterion_skips_it(example: Path) -> None:
    _, report = audit_json(example, "--no-engines", "--ignore", "requirements.tech_stack_confirmed")
    crit = {c["id"]: c for p in report["phases"] for c in p["criteria"]}
    assert crit["requirements.tech_stack_confirmed"]["status"] == "skipped"
    assert "--ignore" in crit["requirements.tech_stack_confirmed"]["message"]
    _, report = audit_json(
        example, "--no-engines", "--select", "requirements.repository_analyzable"
    )
    statuses = {c["id"]: c["status"] for p in report["phases"] for c in p["criteria"]}
    assert statuses["requirements.repository_analyzable"] == "pass"
    assert {s for i, s in statuses.items() if i != "requirements.repository_analyzable"} == {
        "skipped"
    }
    assert report["complete"] is True


def test_coverage_option_names_a_report_inside_the_root(example: Path, tmp_path: Path) -> None:
    (example / "reports").mkdir()
    (example / "coverage.xml").rename(example / "reports" / "py-cov.xml")
    _, without = audit_json(example, "--no-engines", "--select", "testing.unit_tests_coverage")
    crit = {c["id"]: c for p in without["phases"] for c in p["criteria"]}
    assert crit["testing.unit_tests_coverage"]["status"] == "pass"  # the enforced minimum in CI
    assert "enforced" in crit["testing.unit_tests_coverage"]["message"]
    report = str(example / "reports" / "py-cov.xml")
    _, given = audit_json(example, "--no-engines", "--coverage", report)
    crit = {c["id"]: c for p in given["phases"] for c in p["criteria"]}
    assert crit["testing.unit_tests_coverage"]["status"] == "pass"
    assert "86.1%" in crit["testing.unit_tests_coverage"]["message"]
    outside = tmp_path / "cov.xml"
    outside.write_text("<coverage/>")
    result = run("audit", str(example), "--coverage", str(outside))
    assert result.exit_code == 2 and "outside the audited root" in result.stderr
    _, missing = audit_json(example, "--no-engines", "--coverage", str(example / "nope.xml"))
    assert any(
        f["rule_id"] == "GK504" and f["location"]["path"] == "nope.xml" for f in missing["findings"]
    )


def test_rules_lists_every_rule_and_filters() -> None:
    result = run("rules", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    ids = [r["id"] for r in rows]
    assert "GK3801" in ids and "GK3602" in ids and "GK3927" in ids  # own, bandit, semgrep
    js_sql = next(r for r in rows if r["id"] == "GK3927")
    assert js_sql["source"] == "semgrep gk-js-sql-injection"
    assert js_sql["languages"] == ["javascript", "typescript"] and js_sql["cwe"] == ["CWE-89"]
    go = json.loads(
        run("rules", "--language", "go", "--phase", "security", "--format", "json").stdout
    )
    assert go and all(not r["languages"] or "go" in r["languages"] for r in go)
    assert all(r["phase"] == "security" for r in go)
    assert not any(r["id"] == "GK3801" for r in go)  # a Python-only rule
    text = run("rules", "--phase", "database").stdout
    assert text and all(" database " in line for line in text.splitlines())


def test_one_run_writes_every_format(example: Path, tmp_path: Path) -> None:
    """What a CI job does: one audit, every report, each to its own file."""
    from gatekeeper.cli import FORMATS

    files = {fmt: tmp_path / f"report.{fmt}" for fmt in FORMATS if fmt != "text"}
    args = ["audit", str(example), "--no-engines", "--allow-incomplete", "--format", "text"]
    for fmt, path in files.items():
        args += ["--format", fmt, "--output", f"{fmt}={path}"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "verdict:" in result.stdout
    assert json.loads(files["json"].read_text())["verdict"] == "pass"
    assert json.loads(files["sarif"].read_text())["version"] == "2.1.0"
    assert files["junit"].read_text().startswith("<?xml")
    assert files["markdown"].read_text().startswith("## gatekeeper:")
    assert files["html"].read_text().startswith("<!DOCTYPE html>")
    assert files["brief"].read_text().startswith("# Agent Invocation: orchestrate-generation")
    assert files["github"].exists()
