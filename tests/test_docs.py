from __future__ import annotations

from pathlib import Path

from gatekeeper import docs
from gatekeeper.engines import rulemap
from gatekeeper.phases import ALL_PHASES, CORE_RULES, all_criteria


def test_criteria_doc_is_current() -> None:
    """Regenerate with `python -m gatekeeper.docs` when this fails."""
    doc = Path(__file__).resolve().parent.parent / "docs" / "criteria.md"
    assert docs.main(["--check"], doc) == 0


def test_every_seed_criterion_is_listed_once() -> None:
    ids = [c.id for c in all_criteria()]
    assert len(ids) == len(set(ids))
    seed = [c for c in all_criteria() if c.seed]
    assert len(seed) == 32  # eight phases, four gate criteria each
    assert all(len([c for c in p.criteria if c.seed]) == 4 for p in ALL_PHASES)


def test_implemented_criteria_document_why_and_fix() -> None:
    for c in all_criteria():
        if c.check is not None:
            assert c.why and c.fix, c.id
            assert "Fix:" not in c.why and "Why:" not in c.fix, c.id


def test_rule_ids_are_unique_and_stable() -> None:
    ids = [r.id for r in CORE_RULES]
    ids += [v[0] for v in rulemap.BANDIT.values()] + [v[0] for v in rulemap.SEMGREP.values()]
    assert len(ids) == len(set(ids))
    assert rulemap.bandit_rule("B602", "x") == ("GK3602", "subprocess-popen-with-shell-equals-true")
    assert rulemap.bandit_rule("B999", "new")[0] == rulemap.UNMAPPED_BANDIT


def test_every_shipped_semgrep_rule_is_mapped() -> None:
    from pathlib import Path

    import yaml

    rules_dir = Path(__file__).resolve().parent.parent / "rules"
    for path in rules_dir.rglob("*.yaml"):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            known = rule["id"] in rulemap.SEMGREP or rule["id"] in rulemap.INVENTORY
            assert known, f"{path}: add {rule['id']} to rulemap.SEMGREP (or INVENTORY)"
