"""`gatekeeper fix`: codemods for findings with a certain, behaviour-preserving fix, applied
with libcst (every other byte kept), then the audit again."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gatekeeper import api
from gatekeeper.cli import cli
from gatekeeper.fix import fix_text, remediate
from gatekeeper.model import RemediationStatus

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
    # like `ruff --diff`: exit 1 when there are changes to make
    assert preview.exit_code == 1 and "+    return yaml.safe_load(text)" in preview.stdout
    assert (tmp_path / "client.py").read_text() == CLIENT  # --diff writes nothing
    result = runner.invoke(cli, ["fix", str(tmp_path)])
    assert "iteration 1: client.py:9: GK3506 yaml.load -> yaml.safe_load" in result.stdout
    assert "0 fixable finding line(s) left" in result.stdout
    fixed = (tmp_path / "client.py").read_text()
    ast.parse(fixed)
    report = api.audit(tmp_path, api.Options(phases=("security", "scalability"))).report
    left = {f.rule_id for f in report.findings if f.state == "open"}
    assert not left & {"GK3506", "GK3501", "GK3113", "GK422"}
    again = runner.invoke(cli, ["fix", str(tmp_path), "--diff"])
    assert again.exit_code == 0 and again.stdout == ""  # nothing left to change


APP = """\"\"\"Admin tools.\"\"\"

import subprocess

from flask import Flask

app = Flask(__name__)


def disk():
    return subprocess.check_output("df -h /", shell=True)


def grep(pattern):
    return subprocess.check_output("grep -r " + pattern + " /var/log", shell=True)


def tail():
    return subprocess.run(
        "tail -n 20 /var/log/app.log",
        shell=True,
        check=True,
    )


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
"""


def test_a_literal_command_becomes_an_argument_list_and_debug_comes_from_the_environment() -> None:
    done = fix_text("app.py", APP, {11: {"GK3602"}, 15: {"GK3602"}, 19: {"GK3602"}, 27: {"GK3201"}})
    ast.parse(done.after)
    assert [(c.line, c.rule_id) for c in done.changes] == [
        (11, "GK3602"),
        (19, "GK3602"),
        (27, "GK3201"),
    ]
    assert 'subprocess.check_output(["df", "-h", "/"])' in done.after
    # a multi-line call keeps one argument per line
    assert (
        '    return subprocess.run(\n        ["tail", "-n", "20", "/var/log/app.log"],\n'
        "        check=True,\n    )"
    ) in done.after
    # built from input: the shell stays, and so does the finding, for a person to fix
    assert '"grep -r " + pattern + " /var/log", shell=True' in done.after
    assert 'app.run(host="0.0.0.0", debug=os.environ.get("FLASK_DEBUG") == "1")' in done.after
    assert "\nimport os\n" in done.after  # the import the new expression needs


@pytest.mark.parametrize(
    "command",
    [
        "ps aux | grep app",  # a pipe
        "make > build.log",  # a redirection
        "rm -f *.tmp",  # a glob
        "echo $HOME",  # a variable
        "ls ~",  # home expansion
        "cd /srv && make",  # a builtin and a list
        "echo hi",  # a builtin that differs from /bin/echo
        "FOO=1 make",  # an environment prefix
        "git commit -m 'a b'",  # quoting
        "",
    ],
)
def test_a_command_with_shell_syntax_keeps_its_shell(command: str) -> None:
    source = f"import subprocess\nsubprocess.call({command!r}, shell=True)\n"
    done = fix_text("x.py", source, {2: {"GK3602"}})
    assert done.after == source and done.changes == []


def test_shell_true_is_kept_where_the_call_is_not_a_plain_literal() -> None:
    source = (
        "import subprocess\n"
        "subprocess.call(b'ls -l', shell=True)\n"  # bytes
        "subprocess.call('ls -l', shell=True, executable='/bin/bash')\n"  # a chosen shell
        "subprocess.call(f'ls {d}', shell=True)\n"  # an f-string
        "subprocess.call('ls -l', **opts)\n"  # shell may be in **opts
    )
    wanted = {n: {"GK3602"} for n in range(2, 6)}
    assert fix_text("x.py", source, wanted).after == source


def test_django_debug_is_read_from_the_environment() -> None:
    settings = '"""Production settings."""\n\nDEBUG = True\nTEMPLATE_DEBUG = True\n'
    done = fix_text("app/settings.py", settings, {3: {"GK3823"}, 4: {"GK3823"}})
    assert done.after == (
        '"""Production settings."""\nimport os\n\n'
        'DEBUG = os.environ.get("DJANGO_DEBUG") == "1"\nTEMPLATE_DEBUG = True\n'
    )
    typed = "import os\nDEBUG: bool = True\n"
    assert fix_text("s.py", typed, {2: {"GK3823"}}).after == (
        'import os\nDEBUG: bool = os.environ.get("DJANGO_DEBUG") == "1"\n'
    )


TOOLS = """\"\"\"Maintenance helpers.\"\"\"

import subprocess

import yaml


def disk_usage():
    return subprocess.check_output("df -h /", shell=True)


def settings(text):
    return yaml.load(text)


def run(command):
    return subprocess.call(command, shell=True)
"""


@pytest.mark.engines
def test_audit_fix_reports_each_iteration_and_what_is_left(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text(TOOLS)
    result = CliRunner().invoke(
        cli, ["audit", str(tmp_path), "--phase", "security", "--fix", "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    rem = json.loads(result.stdout)["remediation"]
    # iteration 1 fixed the two mechanical findings; iteration 2 had nothing left to apply
    assert rem["status"] == "exhausted" and rem["iteration"] == 1 and rem["max_iterations"] == 2
    [first] = rem["iterations"]
    assert [(f["rule_id"], f["where"]["line"]) for f in first["fixed"]] == [
        ("GK3602", 9),
        ("GK3506", 13),
    ]
    assert first["remaining"] == 1 == len(rem["plan"])
    assert rem["plan"][0]["rule_id"] == "GK3602" and rem["plan"][0]["where"]["line"] == 17
    text = (tmp_path / "tools.py").read_text()
    assert "yaml.safe_load(text)" in text and '["df", "-h", "/"]' in text
    ast.parse(text)


@pytest.mark.engines
def test_the_loop_ends_fixed_when_the_gate_passes(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text(TOOLS.split("\n\ndef run")[0] + "\n")
    outcome = remediate(tmp_path, api.Options(phases=("security",)))
    rem = outcome.audit.report.remediation
    assert rem.status == RemediationStatus.FIXED and rem.iteration == 1 and rem.plan == ()
    assert [f.path for f in outcome.rounds[0]] == ["tools.py"]
    again = remediate(tmp_path, api.Options(phases=("security",))).audit.report.remediation
    assert again.status == RemediationStatus.NOT_NEEDED and again.iterations == ()


@pytest.mark.engines
def test_no_iteration_allowed_leaves_the_files_and_says_exhausted(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text(TOOLS)
    (tmp_path / "pyproject.toml").write_text("[tool.gatekeeper]\nmax_remediation_iterations = 0\n")
    rem = remediate(tmp_path, api.Options(phases=("security",))).audit.report.remediation
    assert rem.status == RemediationStatus.EXHAUSTED and rem.iteration == 0
    # nothing was fixed: the yaml.load and the shell built from input are both in the plan
    assert [s.rule_id for s in rem.plan] == ["GK3602", "GK3506"]
    assert (tmp_path / "tools.py").read_text() == TOOLS


def test_the_fixable_ids_are_the_codemods_ids() -> None:
    """rulemap.FIXABLE (read without importing libcst) names exactly the rules fix.py fixes."""
    from gatekeeper import fix

    codemods = {
        fix.YAML_LOAD,
        fix.NO_CERT_CHECK,
        *fix.NO_TIMEOUT,
        fix.FLASK_DEBUG,
        fix.DJANGO_DEBUG,
        fix.SHELL_TRUE,
    }
    assert codemods == fix.FIXABLE
