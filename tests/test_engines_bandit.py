"""bandit's tests, run by gatekeeper's driver inside the parsing workers (engines/bandit.py).

The driver must find exactly what `bandit` the command finds: the oracle test runs both on the
same files, every fixture included, and compares every field of every result. The rest checks
what the driver adds: newer syntax read through the same-line rewrite, a failing bandit test
or a file too deep for bandit reported as unanalyzed instead of passed, the target's bandit
configuration and `# nosec` comments never obeyed, and the accounting of a whole run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gatekeeper import api
from gatekeeper.engines import bandit, proc
from gatekeeper.model import Unanalyzed
from gatekeeper.workers import Task, TaskResult, analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REGISTRY = {bandit.ENGINE: bandit.EXTRACTOR}
SHELL_TRUE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"

# One or more triggers for most of bandit's tests, with aliases, nesting and constants in the
# places its visitor treats specially (docstrings, f-strings, defaults, class bodies).
CORPUS = {
    "calls.py": (
        "import subprocess as sp, os, pickle, marshal, tempfile\n"
        "from hashlib import md5\n"
        "import hashlib\n"
        "from yaml import load\n"
        "import requests\n"
        "import ssl\n"
        "from jinja2 import Environment\n"
        "from flask import Flask\n"
        "import xml.etree.ElementTree as ET\n"
        "import random, telnetlib, ftplib\n"
        "app = Flask(__name__)\n"
        "\n"
        "\n"
        "def handler(cmd, data, name):\n"
        '    """A docstring with password = "hunter2" is not a finding."""\n'
        "    sp.Popen(cmd, shell=True)\n"
        "    sp.call(['ls', '-l'])\n"
        "    os.system('rm -rf ' + name)\n"
        "    os.chmod('/etc/x', 0o777)\n"
        "    pickle.loads(data)\n"
        "    marshal.loads(data)\n"
        "    tempfile.mktemp()\n"
        "    md5(data).hexdigest()\n"
        "    hashlib.sha1(data, usedforsecurity=True)\n"
        "    load(data)\n"
        "    requests.get('https://example.com', verify=False)\n"
        "    requests.post(f'https://example.com/{name}')\n"
        "    ssl.wrap_socket(ssl_version=ssl.PROTOCOL_SSLv2)\n"
        "    Environment(autoescape=False)\n"
        "    ET.fromstring(data)\n"
        "    eval(data)\n"
        "    exec(data)\n"
        "    random.random()\n"
        "    query = 'SELECT * FROM users WHERE name = ' + name\n"
        "    query2 = f'DELETE FROM t WHERE id = {name}'\n"
        "    open('/tmp/out.txt', 'w')\n"
        "    assert name\n"
        "    try:\n"
        "        pass\n"
        "    except Exception:\n"
        "        pass\n"
        "    for _ in data:\n"
        "        try:\n"
        "            pass\n"
        "        except ValueError:\n"
        "            continue\n"
        "    return query, query2\n"
        "\n"
        "\n"
        "app.run(debug=True, host='0.0.0.0')\n"
    ),
    "secrets.py": (
        "PASSWORD = 'hunter2'\n"
        "token = 'abc'\n"
        "\n"
        "\n"
        "class Settings:\n"
        "    secret_key = 'not-from-env'\n"
        "\n"
        "    def login(self, user, password='default-pw'):\n"
        "        if password == 'letmein':\n"
        "            return connect(user=user, password='inline-pw')\n"
        "\n"
        "\n"
        "async def fetch(passwd='x'):\n"
        "    return {'password': 'dict-pw'}\n"
    ),
    "bidi.py": "ok = 1\naccess_level = 'user\u202e \u2066# admin\u2069 \u2066'\n",
    "bytes.py": "KEY = b'secret-bytes'\npassword = b'hunter2'\n",
    # Checks that depend on what was imported so far (the driver remembers those answers
    # per file): the same calls before and after the import.
    "late_import.py": (
        "def early(app, client, q):\n"
        "    app.run(debug=True)\n"
        "    client.exec_command(q)\n"
        "    User.objects.extra(where=[q])\n"
        "\n"
        "\n"
        "import flask\n"
        "import paramiko\n"
        "from django.db.models import Q\n"
        "\n"
        "\n"
        "def late(app, client, q):\n"
        "    app.run(debug=True)\n"
        "    client.exec_command(q)\n"
        "    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n"
        "    User.objects.extra(where=[q])\n"
    ),
    "empty.py": "",
}


CLI = (
    sys.executable,
    "-I",
    "-m",
    "bandit",
    "-f",
    "json",
    "-q",
    "--ignore-nosec",
    "--exclude=",
    "--",
)


def run_cli(root: Path, names: list[str]) -> list[dict[str, Any]]:
    """bandit the command on the files, defaults only, nosec ignored: its JSON results."""
    result = subprocess.run(
        [*CLI, *(f"./{n}" for n in names)],
        cwd=root,
        capture_output=True,
        check=False,
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr.decode()[-2000:]
    results: list[dict[str, Any]] = json.loads(result.stdout)["results"]
    for item in results:
        item["filename"] = proc.normalize_target(item["filename"])
    return results


def check(root: Path, name: str) -> TaskResult:
    size = (root / name).stat().st_size
    return analyze(Task(str(root), name, "python", max(size, 1), (bandit.ENGINE,)), REGISTRY)


def fact_of(result: TaskResult) -> bandit.BanditFile | None:
    fact = result.fact(bandit.ENGINE)
    assert fact is None or isinstance(fact, bandit.BanditFile)
    return fact


def in_process(root: Path, names: list[str]) -> tuple[bandit.BanditIssue, ...]:
    issues: list[bandit.BanditIssue] = []
    for name in names:
        result = check(root, name)
        assert not result.errors, result.errors
        fact = fact_of(result)
        if fact is not None:
            issues.extend(fact.issues)
    return tuple(sorted(issues, key=bandit.BanditIssue.sort_key))


# ---------------------------------------------------------------------------- the oracle


@pytest.mark.engines
def test_the_driver_finds_exactly_what_the_bandit_command_finds(tmp_path: Path) -> None:
    for name, text in CORPUS.items():
        (tmp_path / name).write_text(text)
    names = sorted(CORPUS)
    expected = bandit.issues_of(run_cli(tmp_path, names))
    assert len({i.test_id for i in expected}) >= 25  # the corpus exercises most of bandit
    assert in_process(tmp_path, names) == expected


@pytest.mark.engines
def test_the_driver_agrees_with_the_command_on_every_fixture() -> None:
    names = sorted(
        p.relative_to(FIXTURES).as_posix()
        for p in FIXTURES.rglob("*.py")
        if p.is_file() and not p.is_symlink()
    )
    assert len(names) > 100
    expected = bandit.issues_of(run_cli(FIXTURES, names))
    assert len(expected) > 30
    assert in_process(FIXTURES, names) == expected


# ---------------------------------------------------------------------------- one file


def test_issues_carry_bandits_fields(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SHELL_TRUE)
    fact = fact_of(check(tmp_path, "app.py"))
    assert fact is not None and not fact.unread
    shell = [i for i in fact.issues if i.test_id == "B602"]
    assert shell == [
        bandit.BanditIssue(
            test_id="B602",
            test_name="subprocess_popen_with_shell_equals_true",
            path="app.py",
            line=5,
            col=12,
            end_col=44,
            severity="HIGH",
            confidence="HIGH",
            cwe=78,
            text="subprocess call with shell=True identified, security issue.",
            line_range=(5,),
        )
    ]


def test_a_clean_file_has_no_fact(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("def add(a, b):\n    return a + b\n")
    assert fact_of(check(tmp_path, "ok.py")) is None


def test_newer_syntax_is_checked_at_its_real_lines(tmp_path: Path) -> None:
    (tmp_path / "new.py").write_text(
        "import subprocess\n"
        "type Command = list[str]\n"
        "label = f'site__{fields['site'].name}'\n"
        "subprocess.call(label, shell=True)\n"
    )
    fact = fact_of(check(tmp_path, "new.py"))
    assert fact is not None and not fact.unread
    assert [(i.test_id, i.line) for i in fact.issues if i.test_id == "B602"] == [("B602", 4)]


def test_syntax_no_rewrite_fixes_is_unanalyzed_not_passed(tmp_path: Path) -> None:
    # Parsed by libcst (so the file itself is read), but bandit has no tree to check.
    (tmp_path / "generic.py").write_text(
        "import subprocess\n"
        "def first[T: (int, str) = int](xs: list[T]) -> T:\n"
        "    return subprocess.call(xs, shell=True)\n"
    )
    result = check(tmp_path, "generic.py")
    fact = fact_of(result)
    if result.unanalyzed_reason is None:  # libcst read it
        assert fact is not None and "newer than the interpreter" in fact.unread
        assert fact.issues == ()


def test_a_bandit_test_that_raises_leaves_the_file_unanalyzed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(context: object) -> None:
        raise KeyError("boom")

    broken._test_id = "B999"  # type: ignore[attr-defined]
    runner = bandit._runner()
    monkeypatch.setitem(runner.tests, "Call", [broken, *runner.tests["Call"]])
    (tmp_path / "app.py").write_text(SHELL_TRUE)
    fact = fact_of(check(tmp_path, "app.py"))
    assert fact is not None
    assert "test broken raised KeyError at line 5" in fact.unread
    assert [i.test_id for i in fact.issues if i.test_id == "B602"] == ["B602"]  # others ran


def test_code_too_deep_for_bandits_visitor_is_unanalyzed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # bandit's visitor recurses once per level of nesting; what CPython's parser accepts can
    # still be too deep for it. Its RecursionError is simulated here at the first node.
    def too_deep(self: object, node: object) -> bool:
        raise RecursionError

    monkeypatch.setattr(bandit._runner().visitor_class, "pre_visit", too_deep)
    (tmp_path / "deep.py").write_text(SHELL_TRUE)
    fact = fact_of(check(tmp_path, "deep.py"))
    assert fact is not None and "nested too deeply" in fact.unread


def test_nosec_comments_and_the_targets_bandit_settings_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SHELL_TRUE.replace("shell=True)", "shell=True)  # nosec"))
    (tmp_path / ".bandit").write_text("[bandit]\nskips: B602,B404\n")
    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B602"]\n')
    fact = fact_of(check(tmp_path, "app.py"))
    assert fact is not None
    assert {"B404", "B602"} <= {i.test_id for i in fact.issues}


def test_a_latin1_file_is_checked(tmp_path: Path) -> None:
    (tmp_path / "latin1.py").write_bytes(
        b"# caf\xe9\nimport subprocess\nsubprocess.call(x, shell=True)\n"
    )
    fact = fact_of(check(tmp_path, "latin1.py"))
    assert fact is not None and not fact.unread
    assert ("B602", 3) in {(i.test_id, i.line) for i in fact.issues}


# ---------------------------------------------------------------------------- a whole run


def issue(path: str, test_id: str = "B602") -> bandit.BanditIssue:
    return bandit.BanditIssue(test_id, "t", path, 1, 1, None, "HIGH", "HIGH", 78, "x", (1,))


def test_a_run_accounts_for_every_python_file() -> None:
    facts: dict[str, dict[str, object]] = {
        "a.py": {bandit.ENGINE: bandit.BanditFile("a.py", (issue("a.py"),))},
        "clean.py": {},  # checked, nothing found: no fact
        "new.py": {bandit.ENGINE: bandit.BanditFile("new.py", (), unread="too new")},
        "crash.py": {},
    }
    failed = [Unanalyzed("crash.py", "extractor failed: ImportError: no bandit", "bandit")]
    run = bandit.run_from_facts(
        ["a.py", "clean.py", "new.py", "crash.py", "unreadable.py"], facts, failed
    )
    assert run.scanned == {"a.py", "clean.py"}
    assert [u.path for u in run.unanalyzed] == ["new.py"]
    assert [i.path for i in run.issues] == ["a.py"]
    assert not run.ok and "crash.py" in run.message and "no bandit" in run.message
    engine = run.engine_run()
    assert (engine.files_expected, engine.files_scanned) == (5, 2)


def test_a_run_without_failures_is_ok() -> None:
    run = bandit.run_from_facts(["a.py"], {"a.py": {}}, [])
    assert run.ok and run.scanned == {"a.py"} and run.message == ""


def test_version_comes_from_the_installed_distribution() -> None:
    assert bandit.version() == "1.9.4"


def test_a_result_not_in_bandits_shape_is_an_engine_error() -> None:
    with pytest.raises(Exception, match="not in bandit's shape"):
        bandit.issues_of([{"test_id": "B1"}])


# ---------------------------------------------------------------------------- in the audit


def test_the_audit_reports_bandit_and_no_engines_skips_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SHELL_TRUE)
    on = api.audit(tmp_path, api.Options(use_cache=False)).report
    [run] = [r for r in on.engines if r.engine == "bandit"]
    assert run.ok and (run.files_expected, run.files_scanned) == (1, 1)
    assert any(f.rule_id == "GK3602" for f in on.findings)
    off = api.audit(tmp_path, api.Options(use_cache=False, engines=False)).report
    assert not [r for r in off.engines if r.engine == "bandit"]
    assert not any("bandit" in f.engines for f in off.findings)
