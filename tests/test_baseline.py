"""Baselines: `gatekeeper baseline create|update|prune` and how an audit applies the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from gatekeeper.cli import cli

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "owasp-python" / "vulnerable"
NEW_COPY = """

@app.route("/users2")
def search_users_again():
    name = request.args.get("name", "")
    cur = db.cursor()
    cur.execute(f"SELECT id, name FROM users WHERE name = '{name}'")
    return {"users": cur.fetchall()}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def security(root: Path, *extra: str) -> list[dict]:
    code, out, err = run(
        "audit", str(root), "--no-engines", "--phase", "security", "--format", "json", *extra
    )
    assert code in (1, 3), err
    return json.loads(out)["findings"]


def open_ids(findings: list[dict]) -> list[tuple[str, int]]:
    return sorted(
        (f["rule_id"], f["location"]["line"] or 0) for f in findings if f["state"] == "open"
    )


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(FIXTURE, root)
    return root


def test_a_baseline_hides_exactly_the_old_findings(tmp_path: Path) -> None:
    root = repo(tmp_path)
    before = security(root)
    assert open_ids(before)
    code, out, _ = run("baseline", "create", str(root), "--no-engines")
    assert code == 0 and "finding(s) accepted" in out
    after = security(root)
    assert open_ids(after) == []
    # baselined findings are still reported, marked suppressed, never absent
    assert len(after) == len(before)
    kinds = {f["suppression"]["kind"] for f in after if f["state"] == "suppressed"}
    assert "baseline" in kinds
    # a new copy of a baselined line and a brand-new finding both count
    views = root / "app" / "views.py"
    lines_before = len(views.read_text().splitlines())
    views.write_text(
        views.read_text() + NEW_COPY + "\n\ndef calc_again(request):\n"
        "    return eval(request.args['e'])\n"
    )
    found = open_ids(security(root))
    assert found == [("GK3801", lines_before + 7), ("GK3803", lines_before + 12)]
    # --no-baseline: every finding counts again
    assert len(open_ids(security(root, "--no-baseline"))) == len(open_ids(before)) + 2


def test_create_update_and_prune(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert run("baseline", "update", str(root), "--no-engines")[0] == 2  # nothing to update
    assert run("baseline", "create", str(root), "--no-engines")[0] == 0
    code, _, err = run("baseline", "create", str(root), "--no-engines")
    assert code == 2 and "baseline update" in err  # never overwritten by create
    first = (root / ".gatekeeper-baseline.json").read_text()
    assert run("baseline", "update", str(root), "--no-engines")[0] == 0
    assert (root / ".gatekeeper-baseline.json").read_text() == first  # sorted, stable
    entries = json.loads(first)["findings"]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["rule_id"], e["fingerprint"]))
    # fix one weakness: prune drops its entry and nothing else
    views = root / "app" / "views.py"
    views.write_text(
        views.read_text().replace('return str(eval(request.args["expr"]))', "return ''")
    )
    code, out, _ = run("baseline", "prune", str(root), "--no-engines")
    assert code == 0 and "1 no longer found and dropped" in out
    assert len(json.loads((root / ".gatekeeper-baseline.json").read_text())["findings"]) == (
        len(entries) - 1
    )


def test_a_trusted_config_ignores_the_targets_own_baseline(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert run("baseline", "create", str(root), "--no-engines")[0] == 0
    policy = tmp_path / "policy.toml"
    policy.write_text("[tool.gatekeeper]\n")
    # a pull request cannot accept its own findings: the base branch's copy is named instead
    assert open_ids(security(root, "--config", str(policy)))
    trusted_copy = tmp_path / "base-baseline.json"
    shutil.copy(root / ".gatekeeper-baseline.json", trusted_copy)
    assert open_ids(security(root, "--config", str(policy), "--baseline", str(trusted_copy))) == []


def test_a_broken_baseline_is_a_clear_error(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / ".gatekeeper-baseline.json").write_text("{not json")
    code, _, err = run("audit", str(root), "--no-engines", "--phase", "security")
    assert code == 2 and ".gatekeeper-baseline.json: not valid JSON" in err
    (root / ".gatekeeper-baseline.json").write_text('{"version": 1, "findings": [{"x": 1}]}')
    code, _, err = run("audit", str(root), "--no-engines", "--phase", "security")
    assert code == 2 and "findings[0] has no fingerprint" in err
