"""gatekeeper's semgrep rules: each is well formed, has an annotated test target, and passes it;
security rules name their weakness, inventory rules list the bindings gatekeeper reads back."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gatekeeper.engines import proc, rulemap, semgrep
from gatekeeper.extract import sgdbclients, sgobservability, sgstate
from gatekeeper.routes import golang, java, nestjs, node, objectlookups

RULES = Path(__file__).resolve().parents[1] / "rules"
# facts for the route inventory and for the observability criteria, not findings
INVENTORY_DIRS = (RULES / "routes", RULES / "observability")
RULE_FILES = sorted(RULES.rglob("*.yaml"))
CONFIDENCE = {"HIGH", "MEDIUM", "LOW"}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict) and isinstance(data.get("rules"), list), path
    (rule,) = data["rules"]  # one rule per file, named after it
    assert isinstance(rule, dict)
    return rule


def test_there_are_rules() -> None:
    assert len(RULE_FILES) >= 4


SECURITY_FILES = [p for p in RULE_FILES if p.parent not in INVENTORY_DIRS]
INVENTORY_FILES = [p for p in RULE_FILES if p.parent in INVENTORY_DIRS]


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_is_well_formed(path: Path) -> None:
    rule = load(path)
    assert rule["id"] == path.stem
    # semgrep reports ids prefixed with the config path; semgrep.rule_id() strips at the last dot.
    assert re.fullmatch(r"gk-[a-z]+-[a-z0-9-]+", rule["id"])
    assert rule["message"].strip()
    assert rule["languages"] and rule["severity"] in {"ERROR", "WARNING", "INFO"}


@pytest.mark.parametrize("path", SECURITY_FILES, ids=lambda p: p.stem)
def test_security_rule_names_its_weakness(path: Path) -> None:
    meta = load(path)["metadata"]
    assert re.match(r"CWE-\d+: \S", meta["cwe"])
    owasp = meta["owasp"]
    assert all(re.match(r"(?:A\d\d:2021|API\d+:2023) - \S", o) for o in owasp), owasp
    assert any(o.startswith("A") and ":2021" in o for o in owasp), "no OWASP Top 10 2021 entry"
    assert any(o.startswith("API") for o in owasp), "no OWASP API Security Top 10 2023 entry"
    assert meta["confidence"] in CONFIDENCE
    assert meta["category"] == "security"


@pytest.mark.parametrize("path", INVENTORY_FILES, ids=lambda p: p.stem)
def test_inventory_rule_binds_what_its_message_lists(path: Path) -> None:
    """An inventory rule collects facts: its message is the list of bindings gatekeeper reads
    back ("\x1fNAME=$NAME..."), each a metavariable its patterns use."""
    rule = load(path)
    assert re.fullmatch(r"gk-(?:routes|obs)-(?:js|go|java)-[a-z0-9-]+", rule["id"])
    assert rule["metadata"]["category"] == semgrep.INVENTORY_CATEGORY
    assert rule["metadata"]["description"].strip()
    assert rule["severity"] == "INFO"
    fields = rule["message"].split(semgrep.BINDING_SEPARATOR)
    assert fields[0] == "" and len(fields) > 1
    patterns = yaml.safe_dump({k: v for k, v in rule.items() if k.startswith("pattern")})
    for field in fields[1:]:
        name, _, value = field.partition("=")
        assert value in (f"${name}", f"$...{name}"), field
        assert value in patterns, f"{path}: {value} is in the message but in no pattern"


def test_every_inventory_rule_is_read_by_a_resolver() -> None:
    read = {
        value
        for module in (
            node,
            golang,
            java,
            nestjs,
            sgobservability,
            objectlookups,
            sgdbclients,
            sgstate,
        )
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and value.startswith(("gk-routes-", "gk-obs-"))
    }
    read -= {node.RULE_PREFIX, golang.RULE_PREFIX, java.RULE_PREFIX, nestjs.RULE_PREFIX}
    read -= {sgobservability.RULE_PREFIX}
    assert read == {load(path)["id"] for path in INVENTORY_FILES} == rulemap.INVENTORY


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_has_a_test_target_with_ruleid_and_ok_cases(path: Path) -> None:
    rule_id = load(path)["id"]
    targets = [p for p in path.parent.glob(f"{path.stem}.*") if p.suffix not in {".yaml", ".yml"}]
    assert targets, f"{path}: no test target {path.stem}.<ext> beside the rule"
    text = "\n".join(p.read_text() for p in targets)
    for kind in ("ruleid", "ok"):
        annotation = rf"(?://|#)\s*{kind}:\s*{re.escape(rule_id)}\b"
        assert re.search(annotation, text), f"{path}: no '{kind}: {rule_id}' line in {targets}"


def test_rule_ids_are_unique() -> None:
    ids = [load(path)["id"] for path in RULE_FILES]
    assert len(ids) == len(set(ids))


@pytest.mark.engines
def test_semgrep_test_passes_for_every_rule(tmp_path: Path) -> None:
    exe = semgrep.executable()
    assert exe is not None, "semgrep is a dependency of gatekeeper; install it"
    argv = [exe, "scan", "--test", "--json", "--metrics=off", "--disable-version-check", str(RULES)]
    result = proc.run(argv, cwd=tmp_path, timeout=600, env=semgrep.engine_env())
    assert result.returncode == 0, proc.short_text(result.stdout + result.stderr, 3000)
    report = json.loads(result.stdout)
    assert report["config_missing_tests"] == []
    assert report["config_with_errors"] == []
    checks = {
        check_id: outcome
        for config in report["results"].values()
        for check_id, outcome in config["checks"].items()
    }
    assert set(checks) == {load(path)["id"] for path in RULE_FILES}
    failed = {check_id: o for check_id, o in checks.items() if not o["passed"]}
    assert not failed, failed
