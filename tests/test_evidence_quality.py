"""Inputs that once passed a criterion without real evidence, or cost quadratic time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from gatekeeper.cli import cli
from gatekeeper.stack import is_test_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def audit(root: Path, criterion: str) -> dict:
    result = CliRunner().invoke(
        cli, ["audit", str(root), "--no-engines", "--format", "json", "--select", criterion]
    )
    report = json.loads(result.stdout)
    return {c["id"]: c for p in report["phases"] for c in p["criteria"]}[criterion]


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "fastapi-postgres", root)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_a_changelog_is_not_a_requirements_document(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {"CHANGELOG.md": "# Changes\n\n## Performance\n\n- Listing is 30% faster at 200 req/s.\n"},
    )
    assert audit(root, "requirements.scalability_requirements_defined")["status"] == "fail"


def test_a_template_security_policy_is_not_content(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {
            "SECURITY.md": "# Security Policy\n\n<!-- Describe how to report a vulnerability\n"
            "and which versions are supported. -->\n[![badge](https://x/y.svg)](https://x)\n"
        },
    )
    assert audit(root, "requirements.security_requirements_clarified")["status"] == "fail"


def test_long_number_runs_in_a_performance_section_stay_linear(tmp_path: Path) -> None:
    # "1,1,1,..." once restarted the target regex at every comma (quadratic per section).
    body = "## Performance\n\n" + "1," * 2000 + "\n"
    root = repo(tmp_path, {"docs/perf.md": body * 50})
    assert audit(root, "requirements.scalability_requirements_defined")["status"] == "fail"


def test_a_dotenv_block_is_not_a_diagram_and_bulk_operations_no_runbook(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {
            "README.md": "# orders\n\nRun it.\n\n```dotenv\nDATABASE_URL=x\n```\n\n"
            "## Bulk operations\n\nPOST many orders at once.\n",
        },
    )
    crit = audit(root, "validation.documentation_complete")
    assert crit["status"] == "fail"
    assert "architecture" in crit["message"] and "runbooks" in crit["message"]


def test_tests_py_is_a_test_file() -> None:
    assert is_test_path("tests.py")
    assert is_test_path("app/tests.py")
    assert not is_test_path("app/contests.py")


def test_a_coverage_report_on_one_file_does_not_pass_the_repository(tmp_path: Path) -> None:
    files = {f"app/mod{i}.py": "x = 1\n" for i in range(6)}
    files["tests/test_mod0.py"] = "def test_x():\n    assert True\n"
    files["coverage.xml"] = (
        '<?xml version="1.0" ?>\n<coverage line-rate="1"><packages><package name="app">'
        '<classes><class name="mod0.py" filename="app/mod0.py" line-rate="1"><lines>'
        '<line number="1" hits="1"/></lines></class></classes></package></packages></coverage>\n'
    )
    crit = audit(repo(tmp_path, files), "testing.unit_tests_coverage")
    assert crit["status"] == "fail"
    assert "measured over only 1 of" in crit["message"]
