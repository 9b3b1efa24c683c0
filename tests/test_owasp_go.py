"""gatekeeper's Go security rules against the owasp-go fixture pair: the vulnerable app reports
exactly its planted lines (each marked `// VULN: <rule-id>`), its safe twin reports nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gatekeeper.engines import semgrep

pytestmark = pytest.mark.engines

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "owasp-go"
GO_RULES = ROOT / "rules" / "go"
PREFIX = "gk-go-"
# Written before these rules, and left to its own test target.
NOT_OURS = {"gk-go-hardcoded-secret"}

VULNERABLE = {
    ("gk-go-gin-debug-mode", "main.go", 16),
    ("gk-go-cors-credentials-any-origin", "main.go", 25),
    ("gk-go-tls-insecure-skip-verify", "handlers/handlers.go", 19),
    ("gk-go-jwt-hardcoded-key", "handlers/auth.go", 14),
    ("gk-go-weak-password-hash", "handlers/auth.go", 33),
    ("gk-go-plaintext-password-compare", "handlers/auth.go", 55),
    ("gk-go-insecure-cookie", "handlers/auth.go", 65),
    ("gk-go-weak-random-token", "handlers/auth.go", 71),
    ("gk-go-jwt-unverified-parse", "handlers/auth.go", 80),
    ("gk-go-jwt-none-algorithm", "handlers/auth.go", 90),
    ("gk-go-sql-injection", "handlers/notes.go", 20),
    ("gk-go-sql-string-building", "handlers/notes.go", 20),
    ("gk-go-regex-injection", "handlers/notes.go", 37),
    ("gk-go-sql-string-building", "handlers/notes.go", 57),
    ("gk-go-xss", "handlers/notes.go", 74),
    ("gk-go-template-injection", "handlers/notes.go", 83),
    ("gk-go-path-traversal", "handlers/files.go", 18),
    ("gk-go-path-traversal", "handlers/files.go", 27),
    ("gk-go-ssrf", "handlers/files.go", 40),
    ("gk-go-open-redirect", "handlers/files.go", 55),
    ("gk-go-command-injection", "handlers/files.go", 60),
    ("gk-go-ldap-injection", "handlers/directory.go", 22),
    ("gk-go-nosql-injection", "handlers/directory.go", 38),
    ("gk-go-hardcoded-service-address", "handlers/directory.go", 50),
}

VULN_MARK = re.compile(r"//\s*VULN:\s*(gk-[a-z0-9-]+(?:\s*,\s*gk-[a-z0-9-]+)*)")


def sources(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.go"))


def findings(root: Path) -> set[tuple[str, str, int]]:
    run = semgrep.run_semgrep(
        root,
        sources(root),
        rules=semgrep.default_rules(),
        timeout=300,
        max_target_bytes=10_000_000,
    )
    assert run.ok, run
    return {
        (m.check_id, m.path, m.line)
        for m in run.matches
        if m.check_id.startswith(PREFIX) and not m.is_inventory
    }


def planted(root: Path) -> set[tuple[str, str, int]]:
    """The `// VULN: id[, id]` marks: at the end of the flagged line, or alone on the line above."""
    out = set()
    for rel in sources(root):
        lines = (root / rel).read_text().splitlines()
        for number, text in enumerate(lines, start=1):
            mark = VULN_MARK.search(text)
            if mark is None:
                continue
            alone = text.strip().startswith("//")
            for rule in re.split(r"\s*,\s*", mark.group(1)):
                out.add((rule, rel, number + 1 if alone else number))
    return out


def our_rule_ids() -> set[str]:
    return {p.stem for p in GO_RULES.glob(f"{PREFIX}*.yaml")} - NOT_OURS


def test_vulnerable_fixture_reports_exactly_the_planted_lines() -> None:
    assert findings(FIXTURE / "vulnerable") == VULNERABLE


def test_clean_fixture_reports_nothing() -> None:
    assert findings(FIXTURE / "clean") == set()


def test_expected_set_matches_the_vuln_marks() -> None:
    assert planted(FIXTURE / "vulnerable") == VULNERABLE
    assert planted(FIXTURE / "clean") == set()


def test_every_go_rule_is_planted_in_the_vulnerable_fixture() -> None:
    ours = our_rule_ids()
    assert len(ours) >= 20
    assert ours <= {rule for rule, _, _ in VULNERABLE}, ours - {r for r, _, _ in VULNERABLE}
