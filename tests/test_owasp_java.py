"""gatekeeper's Java security rules (rules/java/gk-java-*) on a small Spring Boot shop: the
vulnerable fixture must raise exactly its planted findings, the clean twin none at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from gatekeeper.engines import semgrep

pytestmark = pytest.mark.engines

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "owasp-java"
RULES_DIR = ROOT / "rules" / "java"
PREFIX = "gk-java-"
SRC = "src/main/java/com/example/shop/"
# A planted line ends with (or follows) "// VULN: rule-id[, rule-id...]".
VULN = re.compile(r"//\s*VULN:\s*(gk-java-[a-z0-9-]+(?:\s*,\s*gk-java-[a-z0-9-]+)*)\s*$")

ADMIN = SRC + "AdminController.java"
PRODUCT = SRC + "ProductController.java"
TOKENS = SRC + "TokenService.java"
USERS = SRC + "UserController.java"
WEB = SRC + "WebConfig.java"

EXPECTED = {
    ("gk-java-code-injection", ADMIN, 37),
    ("gk-java-command-injection", ADMIN, 30),
    ("gk-java-cookie-insecure", USERS, 35),
    ("gk-java-cors-any-origin-credentials", WEB, 19),
    ("gk-java-hardcoded-secret", TOKENS, 14),
    ("gk-java-insecure-deserialization", ADMIN, 66),
    ("gk-java-jwt-decode-without-verify", TOKENS, 26),
    ("gk-java-jwt-unsigned-accepted", TOKENS, 32),
    ("gk-java-ldap-injection", ADMIN, 51),
    ("gk-java-nosql-injection", PRODUCT, 36),
    ("gk-java-hardcoded-service-address", PRODUCT, 64),
    ("gk-java-open-redirect", USERS, 42),
    ("gk-java-path-traversal", PRODUCT, 54),
    ("gk-java-plaintext-password-compare", USERS, 30),
    ("gk-java-redos", PRODUCT, 41),
    ("gk-java-sql-injection", PRODUCT, 31),
    ("gk-java-sql-injection", USERS, 47),
    ("gk-java-sql-string-built", PRODUCT, 31),
    ("gk-java-sql-string-built", USERS, 47),
    ("gk-java-ssrf", PRODUCT, 59),
    ("gk-java-stacktrace-exposed", ADMIN, 70),
    ("gk-java-template-injection", ADMIN, 45),
    ("gk-java-tls-verification-disabled", WEB, 29),
    ("gk-java-tls-verification-disabled", WEB, 39),
    ("gk-java-weak-password-hash", USERS, 23),
    ("gk-java-weak-random-token", TOKENS, 36),
    ("gk-java-xpath-injection", ADMIN, 59),
    ("gk-java-xss", PRODUCT, 49),
    ("gk-java-xxe", ADMIN, 56),
}


def sources(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.java"))


def findings(name: str) -> set[tuple[str, str, int]]:
    root = FIXTURES / name
    files = sources(root)
    assert files, f"no Java sources under {root}"
    run = semgrep.run_semgrep(
        root, files, rules=semgrep.default_rules(), timeout=300, max_target_bytes=10_000_000
    )
    assert run.ok, run.message
    assert not run.unanalyzed, run.unanalyzed
    return {
        (m.check_id, m.path, m.line)
        for m in run.matches
        if m.check_id.startswith(PREFIX) and not m.is_inventory
    }


def planted(name: str) -> set[tuple[str, str, int]]:
    root = FIXTURES / name
    marks: set[tuple[str, str, int]] = set()
    for path in sources(root):
        lines = (root / path).read_text().splitlines()
        for number, text in enumerate(lines, start=1):
            found = VULN.search(text)
            if not found:
                continue
            # A comment alone on its line marks the next line.
            target = number + 1 if text.strip().startswith("//") else number
            for rule_id in found.group(1).split(","):
                marks.add((rule_id.strip(), path, target))
    return marks


def test_expected_set_is_what_the_fixture_marks() -> None:
    assert planted("vulnerable") == EXPECTED
    assert planted("clean") == set()


def test_vulnerable_fixture_raises_exactly_the_planted_findings() -> None:
    assert findings("vulnerable") == EXPECTED


def test_clean_fixture_raises_nothing() -> None:
    assert findings("clean") == set()


def test_every_java_rule_is_planted_in_the_vulnerable_fixture() -> None:
    rule_ids = {
        yaml.safe_load(path.read_text())["rules"][0]["id"]
        for path in RULES_DIR.glob(f"{PREFIX}*.yaml")
    }
    assert rule_ids, f"no rules under {RULES_DIR}"
    missing = rule_ids - {rule_id for rule_id, _, _ in EXPECTED}
    assert not missing, f"rules without a planted case in fixtures/owasp-java/vulnerable: {missing}"
