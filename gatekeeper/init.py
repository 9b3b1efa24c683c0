"""`gatekeeper init`: a starter configuration from what the audit detects (never overwrites)."""

from __future__ import annotations

import re
from pathlib import Path

from gatekeeper import api
from gatekeeper.errors import UsageError
from gatekeeper.model import ValueSource

_SEED_KEYS = ("tech_stack", "database", "auth_method", "api_style", "deployment_target")
_SECTION = re.compile(r"^\[tool\.gatekeeper\]\s*$", re.M)


def starter_text(root: Path) -> str:
    report = api.audit(root, api.Options(engines=False)).report
    lines = [
        "[tool.gatekeeper]",
        "# Written by `gatekeeper init` from what it detected; check each value.",
    ]
    values = {v.key: v for v in report.config}
    for key in _SEED_KEYS:
        v = values[key]
        if v.source == ValueSource.DETECTED:
            lines.append(f'{key} = "{v.value}"')
        else:
            lines.append(f'# {key} = "{v.value}"  # not detected; declare it if this is right')
    lines += [
        "test_coverage_target = 70",
        '# client_types = ["web", "mobile", "internal-services"]',
        '# scalability_requirements = "p99 latency < 300 ms at 200 requests/s"',
        '# security_requirements = "see SECURITY.md"',
        "# exclude = []",
        "# public_routes = []",
        'severity_threshold = "medium"',
        "max_remediation_iterations = 2",
    ]
    return "\n".join(lines) + "\n"


def _strip_section(text: str) -> str:
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if _SECTION.match(line.strip()):
            skipping = True
            continue
        if skipping and line.lstrip().startswith("["):
            skipping = False
        if not skipping:
            out.append(line)
    return "".join(out)


def write_starter(root: Path, *, force: bool = False) -> Path:
    pyproject = root / "pyproject.toml"
    for name in (".gatekeeper.toml", "gatekeeper.toml"):
        existing = root / name
        if existing.exists():
            if not force:
                raise UsageError(f"{existing} already exists; use --force to replace it")
            body = starter_text(root)
            existing.write_text(body.replace("[tool.gatekeeper]\n", "", 1), encoding="utf-8")
            return existing
    body = starter_text(root)
    if pyproject.is_file() and not pyproject.is_symlink():
        text = pyproject.read_text(encoding="utf-8")
        if _SECTION.search(text):
            if not force:
                raise UsageError(
                    f"{pyproject} already has [tool.gatekeeper]; use --force to replace it"
                )
            text = _strip_section(text)
        sep = "" if text.endswith("\n\n") or not text else ("\n" if text.endswith("\n") else "\n\n")
        pyproject.write_text(text + sep + body, encoding="utf-8")
        return pyproject
    target = root / "gatekeeper.toml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; use --force to replace it")
    target.write_text(body.replace("[tool.gatekeeper]\n", "", 1), encoding="utf-8")
    return target
