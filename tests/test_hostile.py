"""A whole audit of a repository built to attack its auditor, generated here in tmp_path.

What must hold: nothing in it is executed, no connection is made, nothing outside the root is
read or echoed, every problem is reported naming its file, and a report comes back.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

SECRET = "AKIA-OUTSIDE-SECRET-do-not-leak"


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Canary.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"openapi: 3.0.0\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary_server() -> Iterator[int]:
    _Canary.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _marker_code(marker: Path) -> str:
    return f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"


def build_hostile_repo(tmp_path: Path, port: int) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    root.mkdir()
    marker = tmp_path / "EXECUTED"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "creds.env").write_text(f"AWS_SECRET_ACCESS_KEY={SECRET}\n")

    # A plausible backend, so every stage has something to do.
    (root / "pyproject.toml").write_text(
        '[project]\nname = "evil"\ndependencies = ["fastapi", "psycopg"]\n'
    )
    (root / "app.py").write_text(
        "import subprocess\nfrom fastapi import FastAPI\napp = FastAPI()\n"
        "def run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    (root / "server.js").write_text("const password = 'hunter2-real-secret';\n")

    # Execution canaries: modules that shadow what gatekeeper and its engines import.
    for name in (
        "yaml.py",
        "ast.py",
        "libcst.py",
        "bandit.py",
        "click.py",
        "json.py",
        "setup.py",
        "conftest.py",
        "sitecustomize.py",
        "usercustomize.py",
    ):
        (root / name).write_text(_marker_code(marker))
    (root / "rich").mkdir()
    (root / "rich" / "__init__.py").write_text(_marker_code(marker))
    (root / ".coveragerc").write_text("[run]\nplugins = evil_plugin\n")
    (root / "evil_plugin.py").write_text(_marker_code(marker))
    git = root / ".git"
    git.mkdir()
    (git / "config").write_text(
        f"[core]\n\tfsmonitor = touch {marker}\n\thooksPath = hooks\n"
        f'[remote "origin"]\n\turl = http://127.0.0.1:{port}/repo.git\n'
    )
    (git / "HEAD").write_text("ref: refs/heads/main\n")

    # Engine configuration the pull request must not control.
    (root / ".bandit").write_text("[bandit]\nskips: B602\n")
    (root / ".semgrepignore").write_text("*\n")

    # Reads outside the root.
    (root / "leak.txt").symlink_to(outside / "creds.env")
    (root / "escape").symlink_to(outside)
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "dangling.py").symlink_to(root / "nope.py")
    (root / "spec.yaml").write_text(
        "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n"
        f"  /a: {{$ref: 'http://127.0.0.1:{port}/remote.yaml'}}\n"
        "  /b: {$ref: '../outside/creds.env'}\n"
    )
    (root / "docker-compose.yml").write_text(
        'services:\n  db:\n    image: "postgres"\n    environment:\n'
        f"      URL: http://127.0.0.1:{port}/\n"
    )

    # Resource bombs and broken input.
    os.mkfifo(root / "pipe.py")
    (root / "huge.py").write_bytes(b"x = 1\n" * 400_000)  # 2.4 MB > 1 MiB cap
    (root / "binary.py").write_bytes(b"import os\x00\x01\x02")
    (root / "newer.py").write_text(
        "type X = int\nimport subprocess\nsubprocess.call('ls', shell=True)\n"
    )
    (root / "broken.py").write_text("def f(:\n")
    (root / "latin.py").write_bytes(b"s = '\xe9t\xe9'\n")
    (root / "compose.override.yml").write_text(
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n"
            for i in range(8)
        )
    )
    (root / "serverless.yml").write_text("service: x\nservice: y\n")  # duplicate key
    (root / "nested.py").write_text("x = " + "[" * 3000 + "]" * 3000 + "\ndef broken(:\n")
    (root / "--help.py").write_text("import os\n")
    # Coverage reports CI would write: an XXE pointing at the secret, and a .coverage whose
    # `file` table is a never-ending recursive view.
    (root / "coverage.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY x SYSTEM "file://'
        + str(outside / "creds.env")
        + '">]>\n<coverage line-rate="1"><sources><source>&x;</source></sources></coverage>\n'
    )
    import sqlite3

    con = sqlite3.connect(root / ".coverage")
    con.execute(
        "CREATE VIEW file AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r) "
        "SELECT x AS id, 'a' AS path FROM r"
    )
    con.execute("CREATE TABLE meta (key text, value text)")
    con.execute("INSERT INTO meta VALUES ('version', '7.6.1')")
    con.commit()
    con.close()
    (root / "-rf.js").write_text("const a = 1;\n")
    (root / "evil\nname\x1b[31m.py").write_text("def f(:\n")  # unparsable: it gets reported
    return root, marker


def test_hostile_repository_is_audited_safely(tmp_path: Path, canary_server: int) -> None:
    root, marker = build_hostile_repo(tmp_path, canary_server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    # The console script, run from inside the target: its directory is not on sys.path.
    # (`python -m gatekeeper` would put the target first on sys.path: use `python -I -m`.)
    script = Path(sys.executable).with_name("gatekeeper")
    command = [str(script)] if script.exists() else [sys.executable, "-I", "-m", "gatekeeper"]
    proc = subprocess.run(
        [*command, "audit", ".", "--format", "json", "--jobs", "2"],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=600,  # a hang guard, not a performance assertion
        check=False,
    )
    assert proc.returncode in (1, 3), proc.stderr.decode()[-2000:]
    report = json.loads(proc.stdout)

    assert not marker.exists(), f"target code ran: {marker.read_text()}"
    assert _Canary.hits == [], f"network requests were made: {_Canary.hits}"
    everything = proc.stdout.decode() + proc.stderr.decode()
    assert SECRET not in everything

    findings = {(f["rule_id"], f["location"]["path"]) for f in report["findings"]}
    assert ("GK001", "leak.txt") in findings
    assert ("GK001", "escape") in findings
    assert ("GK001", "zero.py") in findings
    assert ("GK002", "dangling.py") in findings

    unanalyzed = {u["path"]: u["reason"] for u in report["unanalyzed"]}
    assert "pipe.py" in unanalyzed
    assert "too large" in unanalyzed["huge.py"]
    assert "binary" in unanalyzed["binary.py"]
    assert "broken.py" in unanalyzed
    assert "nested.py" in unanalyzed
    # bandit on 3.11 cannot parse PEP 695 syntax: it checks a same-line rewritten copy, so
    # the file's finding keeps its real path and line
    assert "newer.py" not in unanalyzed
    assert any(
        f["rule_id"] == "GK3602"
        and f["location"]["path"] == "newer.py"
        and f["location"]["line"] == 3
        for f in report["findings"]
    )

    criteria = {c["id"]: c for p in report["phases"] for c in p["criteria"]}
    coverage = criteria["testing.unit_tests_coverage"]
    assert coverage["status"] in ("error", "fail")  # never pass on reports that could not be read
    bad_reports = {f["location"]["path"] for f in report["findings"] if f["rule_id"] == "GK504"}
    assert {"coverage.xml", ".coverage"} <= bad_reports
    scan = criteria["validation.security_scan_passed"]
    assert scan["status"] == "error"  # files the scanners could not read: fail closed
    assert "could not be scanned" in scan["message"]
    rules = {f["rule_id"] for f in report["findings"]}
    assert "GK3602" in rules  # shell=True found although .bandit skips B602
    assert "GK3901" in rules  # server.js found although .semgrepignore says *

    problems = {
        f["location"]["path"]: f["message"] for f in report["findings"] if f["rule_id"] == "GK006"
    }
    assert "expands to more than" in problems["compose.override.yml"]  # billion laughs refused
    assert any(p == "serverless.yml" for p in problems)

    # the spec's remote and escaping $refs are findings; neither was followed
    refused = sorted(f["message"] for f in report["findings"] if f["rule_id"] == "GK103")
    assert len(refused) == 2, refused
    assert any("127.0.0.1" in m for m in refused)
    assert any("../outside/creds.env" in m for m in refused)
    specs = report["inventory"]["specs"]
    assert [(s["path"], s["ref_problems"]) for s in specs] == [("spec.yaml", 2)]

    assert "\x1b" not in everything
    paths = [u["path"] for u in report["unanalyzed"]] + [
        f["location"]["path"] for f in report["findings"]
    ]
    assert all(p.isprintable() for p in paths), [p for p in paths if not p.isprintable()]
    # the file named with a newline and ESC was indexed and parsed, shown escaped
    evil = [p for p in paths if p.startswith("evil\\")]
    assert evil and all(p == "evil\\x0aname\\x1b[31m.py" for p in evil), evil


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_no_inet_connection_is_opened(tmp_path: Path, canary_server: int) -> None:
    root, _ = build_hostile_repo(tmp_path, canary_server)
    log = tmp_path / "strace.log"
    script = Path(sys.executable).with_name("gatekeeper")
    command = [str(script)] if script.exists() else [sys.executable, "-I", "-m", "gatekeeper"]
    proc = subprocess.run(
        [
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=connect",
            "-o",
            str(log),
            *command,
            "audit",
            ".",
            "-q",
        ],
        cwd=root,
        capture_output=True,
        timeout=600,
        check=False,
    )
    if not log.exists() or "PTRACE" in proc.stderr.decode(errors="replace"):
        pytest.skip(f"strace cannot trace here: {proc.stderr.decode(errors='replace')[-300:]}")
    assert proc.returncode in (1, 3)
    calls = log.read_text(errors="replace").splitlines()
    inet = [c for c in calls if "AF_INET" in c]
    assert inet == [], inet[:5]
    assert _Canary.hits == []
