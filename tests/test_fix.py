"""`gatekeeper fix`: codemods for findings with a certain, behaviour-preserving fix, applied
with libcst (every other byte kept), then the audit again."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from gatekeeper import api
from gatekeeper.cli import cli
from gatekeeper.fix import fix_text

CLIENT = '''"""Talks to the partner API."""

import requests
import yaml


def load_settings(text):
    # settings come from our own repository
    return yaml.load(text)


def fetch(url):
    return requests.get(url, verify=False)  # TODO: pin the partner's CA


def post(url, body):
    return requests.post(
        url,
        json=body,
    )


def already(url):
    return requests.get(url, timeout=3)
'''


def test_each_codemod_keeps_the_rest_of_the_file() -> None:
    wanted = {9: {"GK3506"}, 13: {"GK3501", "GK3113"}, 17: {"GK422"}}
    done = fix_text("client.py", CLIENT, wanted)
    ast.parse(done.after)
    assert [(c.line, c.rule_id, c.what) for c in done.changes] == [
        (9, "GK3506", "yaml.load -> yaml.safe_load"),
        (13, "GK3113", "timeout=10 added"),
        (13, "GK3501", "verify=False removed"),
        (17, "GK422", "timeout=10 added"),
    ]
    expected = (
        CLIENT.replace("yaml.load(text)", "yaml.safe_load(text)")
        .replace("requests.get(url, verify=False)", "requests.get(url, timeout=10)")
        .replace("        json=body,\n    )", "        json=body,\n        timeout=10,\n    )")
    )
    assert done.after == expected  # comments, blank lines and layout untouched
    assert "-    return yaml.load(text)\n+    return yaml.safe_load(text)" in done.diff()


def test_only_the_lines_with_findings_change() -> None:
    done = fix_text("client.py", CLIENT, {9: {"GK3506"}})
    assert done.after == CLIENT.replace("yaml.load(text)", "yaml.safe_load(text)")
    assert fix_text("client.py", CLIENT, {}).after == CLIENT


def test_calls_that_cannot_be_fixed_safely_are_left() -> None:
    source = (
        "import yaml\nimport requests\n"
        "a = yaml.load(text, Loader=yaml.Loader)\n"  # a chosen Loader: not ours to change
        "b = requests.get(url, **options)\n"  # the timeout may be in **options
    )
    done = fix_text("x.py", source, {3: {"GK3506"}, 4: {"GK3113"}})
    assert done.after == source and done.changes == []
    assert fix_text("bad.py", "def f(:\n", {1: {"GK3506"}}).after == "def f(:\n"


@pytest.mark.engines
def test_fix_rewrites_the_files_and_the_findings_are_gone(tmp_path: Path) -> None:
    (tmp_path / "client.py").write_text(CLIENT)
    runner = CliRunner()
    preview = runner.invoke(cli, ["fix", str(tmp_path), "--diff"])
    assert preview.exit_code == 0 and "+    return yaml.safe_load(text)" in preview.stdout
    assert (tmp_path / "client.py").read_text() == CLIENT  # --diff writes nothing
    result = runner.invoke(cli, ["fix", str(tmp_path)])
    assert "iteration 1: client.py:9: GK3506 yaml.load -> yaml.safe_load" in result.stdout
    assert "remediation done: 0 fixable finding line(s) left" in result.stdout
    fixed = (tmp_path / "client.py").read_text()
    ast.parse(fixed)
    report = api.audit(tmp_path, api.Options(phases=("security", "scalability"))).report
    left = {f.rule_id for f in report.findings if f.state == "open"}
    assert not left & {"GK3506", "GK3501", "GK3113", "GK422"}
