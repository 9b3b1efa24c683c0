"""gatekeeper's JavaScript security rules on a small Express API: the vulnerable fixture reports
exactly its planted lines (each marked `// VULN: <rule-id>`), its clean twin reports nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gatekeeper.engines import semgrep

pytestmark = pytest.mark.engines

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "owasp-js"
RULES_DIR = ROOT / "rules" / "js"
PREFIX = "gk-js-"
SOURCE_SUFFIXES = {".js", ".ts", ".mjs", ".cjs"}
# Rules that existed before the OWASP set; they have their own tests and are not planted here.
OLDER_RULES = {"gk-js-hardcoded-secret", "gk-js-hardcoded-db-url"}
VULN = re.compile(r"//\s*VULN:\s*(gk-js-[a-z0-9-]+(?:\s*,\s*gk-js-[a-z0-9-]+)*)")

APP = "src/app.js"
DB = "src/db.js"
USERS = "src/routes/users.js"
FILES = "src/routes/files.js"
ADMIN = "src/routes/admin.js"

EXPECTED = {
    ("gk-js-tls-verification-disabled", APP, 14),
    ("gk-js-cors-credentials-any-origin", APP, 18),
    ("gk-js-insecure-cookie", APP, 24),
    ("gk-js-errorhandler-in-production", APP, 32),
    ("gk-js-autoescape-disabled", APP, 35),
    ("gk-js-redos-pattern", APP, 40),
    ("gk-js-hardcoded-service-address", APP, 41),
    ("gk-js-tls-verification-disabled", DB, 6),
    ("gk-js-sql-string-building", DB, 16),
    ("gk-js-sql-injection", USERS, 11),
    ("gk-js-sql-string-building", USERS, 11),
    ("gk-js-nosql-injection", USERS, 16),
    ("gk-js-plaintext-password-compare", USERS, 17),
    ("gk-js-weak-password-hash", USERS, 25),
    ("gk-js-insecure-random-token", USERS, 34),
    ("gk-js-jwt-decode-without-verify", USERS, 41),
    ("gk-js-regex-injection", USERS, 46),
    ("gk-js-path-traversal", FILES, 12),
    ("gk-js-command-injection", FILES, 17),
    ("gk-js-ssrf", FILES, 23),
    ("gk-js-open-redirect", FILES, 29),
    ("gk-js-xss", FILES, 33),
    ("gk-js-template-injection", FILES, 37),
    ("gk-js-stack-trace-exposure", FILES, 42),
    ("gk-js-jwt-verify-without-algorithms", ADMIN, 16),
    ("gk-js-jwt-none-algorithm", ADMIN, 22),
    ("gk-js-jwt-ignore-expiration", ADMIN, 26),
    ("gk-js-code-injection", ADMIN, 32),
    ("gk-js-insecure-deserialization", ADMIN, 37),
    ("gk-js-xxe", ADMIN, 42),
    ("gk-js-ldap-injection", ADMIN, 48),
    ("gk-js-xpath-injection", ADMIN, 66),
}


def source_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.suffix in SOURCE_SUFFIXES
    )


def js_findings(root: Path) -> set[tuple[str, str, int]]:
    files = source_files(root)
    assert files, root
    run = semgrep.run_semgrep(
        root, files, rules=semgrep.default_rules(), timeout=300, max_target_bytes=10_000_000
    )
    assert run.ok, run.message
    assert run.scanned == set(files), run.unanalyzed
    return {
        (m.check_id, m.path, m.line)
        for m in run.matches
        if m.check_id.startswith(PREFIX) and not m.is_inventory
    }


def planted(root: Path) -> set[tuple[str, str, int]]:
    """(rule, path, line) for every `// VULN:` comment: the line itself when code precedes the
    comment, else the next line."""
    found = set()
    for rel in source_files(root):
        lines = (root / rel).read_text().splitlines()
        for number, text in enumerate(lines, start=1):
            marker = VULN.search(text)
            if marker is None:
                continue
            target = number if text[: marker.start()].strip() else number + 1
            for rule in re.split(r"\s*,\s*", marker.group(1)):
                found.add((rule, rel, target))
    return found


def test_vulnerable_fixture_reports_exactly_the_planted_lines() -> None:
    assert js_findings(FIXTURES / "vulnerable") == EXPECTED


def test_expected_set_matches_the_vuln_comments() -> None:
    assert planted(FIXTURES / "vulnerable") == EXPECTED


def test_clean_fixture_reports_nothing() -> None:
    assert js_findings(FIXTURES / "clean") == set()


def test_every_owasp_rule_is_planted_in_the_vulnerable_fixture() -> None:
    rule_ids = {p.stem for p in RULES_DIR.glob(f"{PREFIX}*.yaml")} - OLDER_RULES
    assert len(rule_ids) >= 20
    assert rule_ids <= {rule for rule, _, _ in EXPECTED}, rule_ids - {r for r, _, _ in EXPECTED}
