"""Criterion logic on hand-built facts: each implemented criterion passes and fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper import config as cfg
from gatekeeper.api import _finalizer
from gatekeeper.model import (
    Confidence,
    CriterionResult,
    Detection,
    EngineRun,
    Evidence,
    Finding,
    Location,
    Service,
    Severity,
    Status,
    Unanalyzed,
)
from gatekeeper.phases import owasp, requirements, validation
from gatekeeper.phases.base import Context
from gatekeeper.repo import LinkEntry, RepoIndex


def make_ctx(tmp_path: Path, **kw: object) -> Context:
    if not (tmp_path / "app.py").exists():
        (tmp_path / "app.py").write_text("import os\n")
    index = RepoIndex.build(tmp_path)
    base: dict[str, object] = dict(
        index=index,
        loaded=cfg.LoadedConfig(cfg.Config(), None, False),
        target_config=None,
        services=(),
        stack_problems=(),
        file_facts={},
        unanalyzed=(),
        fact_errors={},
        finalize=_finalizer(index, (), ()),
    )
    base.update(kw)
    return Context(**base)  # type: ignore[arg-type]


def service(*detections: tuple[str, str], name: str = "svc") -> Service:
    ev = (Evidence("pyproject.toml", 4, "depends on x"),)
    return Service(
        ".", name, ("pyproject.toml",), tuple(Detection(k, n, ev) for k, n in detections)
    )


def check(crit: object, ctx: Context):  # type: ignore[no-untyped-def]
    return crit.check(ctx)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ repository_analyzable


def test_analyzable_passes_on_a_plain_repo(tmp_path: Path) -> None:
    out = check(requirements.repository_is_analyzable, make_ctx(tmp_path))
    assert out.status is Status.PASS
    assert out.evidence[0].what == "1 files indexed, 0 links"


def test_escaping_link_fails_and_low_findings_do_not(tmp_path: Path) -> None:
    (tmp_path / "out").symlink_to("/etc/passwd")
    (tmp_path / "gone").symlink_to(tmp_path / "missing")
    ctx = make_ctx(tmp_path, unanalyzed=(Unanalyzed("big.py", "too large"),))
    out = check(requirements.repository_is_analyzable, ctx)
    assert out.status is Status.FAIL
    assert sorted(f.rule_id for f in out.findings) == ["GK001", "GK002", "GK003"]
    low = check(
        requirements.repository_is_analyzable,
        make_ctx(_fresh(tmp_path, "low"), unanalyzed=(Unanalyzed("big.py", "too large"),)),
    )
    assert low.status is Status.PASS
    assert [f.severity for f in low.findings] == [Severity.LOW]


def _fresh(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def test_threshold_low_makes_unanalyzed_files_fail(tmp_path: Path) -> None:
    strict = cfg.LoadedConfig(cfg.Config(severity_threshold=Severity.LOW), None, False)
    ctx = make_ctx(tmp_path, loaded=strict, unanalyzed=(Unanalyzed("big.py", "too large"),))
    assert check(requirements.repository_is_analyzable, ctx).status is Status.FAIL


# ------------------------------------------------------------------ framework_supported


def test_framework_supported_pass_fail(tmp_path: Path) -> None:
    ok = make_ctx(tmp_path, services=(service(("language", "python"), ("framework", "fastapi")),))
    out = check(requirements.every_service_uses_a_supported_framework, ok)
    assert out.status is Status.PASS
    assert out.evidence == (Evidence("pyproject.toml", 4, "svc: fastapi (depends on x)"),)

    bare = make_ctx(tmp_path, services=(service(("language", "python")),))
    out = check(requirements.every_service_uses_a_supported_framework, bare)
    assert out.status is Status.FAIL
    assert out.findings[0].rule_id == "GK004"
    assert "svc" in out.findings[0].message and "python" in out.findings[0].message


def test_no_service_at_all_fails(tmp_path: Path) -> None:
    out = check(requirements.every_service_uses_a_supported_framework, make_ctx(tmp_path))
    assert out.status is Status.FAIL
    assert "no service found" in out.message


def test_frontend_is_a_client_not_a_missing_framework(tmp_path: Path) -> None:
    services = (
        service(("language", "python"), ("framework", "flask"), name="api"),
        service(("language", "typescript"), ("frontend", "react"), name="web"),
    )
    out = check(
        requirements.every_service_uses_a_supported_framework, make_ctx(tmp_path, services=services)
    )
    assert out.status is Status.PASS
    assert any("react front end" in e.what for e in out.evidence)


def test_stack_problems_are_reported_low(tmp_path: Path) -> None:
    ctx = make_ctx(
        tmp_path,
        services=(service(("framework", "gin")),),
        stack_problems=(Unanalyzed("docker-compose.yml", "invalid YAML at line 3", "stack"),),
    )
    out = check(requirements.every_service_uses_a_supported_framework, ctx)
    assert out.status is Status.PASS
    assert [(f.rule_id, f.location.path) for f in out.findings] == [("GK006", "docker-compose.yml")]


# ------------------------------------------------------------------ policy_not_weakened


def test_policy_skipped_without_trusted_config(tmp_path: Path) -> None:
    assert (
        check(requirements.repository_config_does_not_weaken_policy, make_ctx(tmp_path)).status
        is Status.SKIPPED
    )


def test_policy_pass_and_fail(tmp_path: Path) -> None:
    trusted = cfg.LoadedConfig(cfg.Config(), "policy.toml", True)
    none = make_ctx(tmp_path, loaded=trusted)
    assert check(requirements.repository_config_does_not_weaken_policy, none).status is Status.PASS
    same = make_ctx(
        tmp_path, loaded=trusted, target_config=cfg.Config(origins={"database": "gatekeeper.toml"})
    )
    assert check(requirements.repository_config_does_not_weaken_policy, same).status is Status.PASS
    weaker = cfg.Config(public_routes=("/admin",), origins={"public_routes": "gatekeeper.toml"})
    out = check(
        requirements.repository_config_does_not_weaken_policy,
        make_ctx(tmp_path, loaded=trusted, target_config=weaker),
    )
    assert out.status is Status.FAIL
    assert out.findings[0].rule_id == "GK005"
    assert out.findings[0].location.path == "gatekeeper.toml"
    assert "adds public routes /admin" in out.findings[0].message


# ------------------------------------------------------------------ previous_gates_verified


def earlier(**statuses: Status) -> dict[str, tuple[Status, tuple[CriterionResult, ...]]]:
    return {k: (v, ()) for k, v in statuses.items()}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ({p: Status.PASS for p in validation.GATED_PHASES}, Status.PASS),
        (
            {**{p: Status.PASS for p in validation.GATED_PHASES}, "database": Status.FAIL},
            Status.FAIL,
        ),
        (
            {**{p: Status.PASS for p in validation.GATED_PHASES}, "testing": Status.ERROR},
            Status.ERROR,
        ),
        ({}, Status.ERROR),
    ],
)
def test_previous_gates(tmp_path: Path, statuses: dict[str, Status], expected: Status) -> None:
    ctx = make_ctx(tmp_path)
    ctx.earlier.update(earlier(**statuses))
    assert check(validation.all_previous_gates_pass, ctx).status is expected


# ------------------------------------------------------------------ security_scan_passed


def engine_finding(severity: Severity, line: int = 1) -> Finding:
    return Finding(
        rule_id="GK3602",
        criterion_id="validation.security_scan_passed",
        phase="validation",
        severity=severity,
        confidence=Confidence.HIGH,
        message="shell=True",
        location=Location("app.py", line),
        fingerprint="",
        engines=("bandit",),
    )


OK_RUN = EngineRun("bandit", "1.9.4", True, 1, 1)


def test_scan_passes_with_only_low_findings(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, engine_runs=(OK_RUN,), engine_findings=(engine_finding(Severity.LOW),))
    out = check(validation.security_scan_finds_nothing_open, ctx)
    assert out.status is Status.PASS
    assert "bandit 1.9.4 scanned 1 of 1 files" in out.evidence[0].what
    # phase 3 did not run in this context: the scan's findings are listed here
    assert [f.rule_id for f in out.findings] == ["GK3602"]
    # when it ran, they are listed once, under phase 3's OWASP criterion
    ctx.earlier["security"] = (Status.PASS, ())
    again = check(validation.security_scan_finds_nothing_open, ctx)
    assert again.status is Status.PASS and again.findings == ()
    listed = check(owasp.owasp_top10_is_addressed, ctx)
    assert listed.status is Status.PASS
    assert listed.findings[0].snippet == "import os"  # read by gatekeeper, not the engine


def test_scan_fails_on_high(tmp_path: Path) -> None:
    ctx = make_ctx(
        tmp_path, engine_runs=(OK_RUN,), engine_findings=(engine_finding(Severity.HIGH),)
    )
    assert check(validation.security_scan_finds_nothing_open, ctx).status is Status.FAIL


def test_scan_suppressed_with_reason_passes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x()  # gatekeeper: ignore[GK3602] constant command\n")
    ctx = make_ctx(
        tmp_path, engine_runs=(OK_RUN,), engine_findings=(engine_finding(Severity.HIGH),)
    )
    out = check(validation.security_scan_finds_nothing_open, ctx)
    assert out.status is Status.PASS and "1 suppressed" in out.message
    listed = check(owasp.owasp_top10_is_addressed, ctx)
    assert listed.status is Status.PASS
    assert listed.findings[0].suppression is not None


def test_scan_errors_when_an_engine_failed_or_a_file_was_not_scanned(tmp_path: Path) -> None:
    failed = EngineRun("semgrep", "1.185.0", False, 3, 0, "timed out")
    out = check(
        validation.security_scan_finds_nothing_open, make_ctx(tmp_path, engine_runs=(failed,))
    )
    assert out.status is Status.ERROR and "semgrep did not complete: timed out" in out.message
    missed = make_ctx(
        tmp_path,
        engine_runs=(OK_RUN,),
        unanalyzed=(Unanalyzed("new.py", "syntax error", "bandit"),),
    )
    out = check(validation.security_scan_finds_nothing_open, missed)
    assert out.status is Status.ERROR and "new.py" in out.message
    assert (
        check(validation.security_scan_finds_nothing_open, make_ctx(tmp_path)).status
        is Status.ERROR
    )


def test_links_helper(tmp_path: Path) -> None:
    (tmp_path / "l").symlink_to("app.py")
    ctx = make_ctx(tmp_path)
    assert ctx.links == (LinkEntry("l", "app.py", "in_root"),)


# ------------------------------------------------------------------ tech_stack_confirmed


def declared(**values: str) -> cfg.LoadedConfig:
    return cfg.LoadedConfig(
        cfg.Config(**values, origins={k: "gatekeeper.toml" for k in values}),  # type: ignore[arg-type]
        "gatekeeper.toml",
        False,
    )


FASTAPI_PG = service(("language", "python"), ("framework", "fastapi"), ("database", "postgresql"))


def test_declared_stack_matching_the_code_passes(tmp_path: Path) -> None:
    ctx = make_ctx(
        tmp_path,
        services=(FASTAPI_PG,),
        loaded=declared(tech_stack="python-fastapi", database="postgresql"),
    )
    out = check(requirements.tech_stack_is_confirmed, ctx)
    assert out.status is Status.PASS
    assert out.findings == ()
    assert any("fastapi" in e.what for e in out.evidence)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"tech_stack": "go-gin", "database": "postgresql"},
            "tech_stack = 'go-gin' is declared, but the code uses python-fastapi",
        ),
        (
            {"tech_stack": "python-fastapi", "database": "mongodb"},
            "database = 'mongodb' is declared, but the code uses postgresql",
        ),
    ],
)
def test_declared_stack_differing_from_the_code_fails(
    tmp_path: Path, values: dict[str, str], message: str
) -> None:
    ctx = make_ctx(tmp_path, services=(FASTAPI_PG,), loaded=declared(**values))
    out = check(requirements.tech_stack_is_confirmed, ctx)
    assert out.status is Status.FAIL
    assert [(f.rule_id, f.message, f.location.path) for f in out.findings] == [
        ("GK007", message, "gatekeeper.toml")
    ]


def test_undeclared_but_unambiguous_passes_with_a_warning(tmp_path: Path) -> None:
    out = check(requirements.tech_stack_is_confirmed, make_ctx(tmp_path, services=(FASTAPI_PG,)))
    assert out.status is Status.PASS
    assert [(f.rule_id, f.severity) for f in out.findings] == [("GK008", Severity.INFO)]


def test_undeclared_and_ambiguous_fails(tmp_path: Path) -> None:
    two = service(
        ("language", "python"),
        ("framework", "flask"),
        ("framework", "fastapi"),
        ("database", "mysql"),
        ("database", "postgresql"),
    )
    out = check(requirements.tech_stack_is_confirmed, make_ctx(tmp_path, services=(two,)))
    assert out.status is Status.FAIL
    assert out.findings[0].rule_id == "GK009"
    assert "python-fastapi, python-flask" in out.findings[0].message


def test_only_a_front_end_is_no_stack(tmp_path: Path) -> None:
    web = service(("language", "typescript"), ("frontend", "react"))
    assert (
        check(requirements.tech_stack_is_confirmed, make_ctx(tmp_path, services=(web,))).status
        is Status.FAIL
    )


def test_sqlite_beside_a_server_database_is_not_ambiguous(tmp_path: Path) -> None:
    svc = service(
        ("language", "python"),
        ("framework", "flask"),
        ("database", "postgresql"),
        ("database", "sqlite"),
    )
    out = check(requirements.tech_stack_is_confirmed, make_ctx(tmp_path, services=(svc,)))
    assert out.status is Status.PASS
    assert "python-flask, postgresql detected" in out.findings[0].message


def test_scan_errors_on_source_the_index_refused_and_on_uncovered_languages(tmp_path: Path) -> None:
    big = make_ctx(
        tmp_path,
        engine_runs=(OK_RUN,),
        unanalyzed=(Unanalyzed("app/big.py", "too large", "index"),),
    )
    out = check(validation.security_scan_finds_nothing_open, big)
    assert out.status is Status.ERROR and "app/big.py" in out.message
    docs = make_ctx(
        tmp_path, engine_runs=(OK_RUN,), unanalyzed=(Unanalyzed("big.csv", "too large", "index"),)
    )
    assert check(validation.security_scan_finds_nothing_open, docs).status is Status.PASS
    (tmp_path / "App.kt").write_text("fun main() {}\n")
    kotlin = make_ctx(tmp_path, engine_runs=(OK_RUN,))
    out = check(validation.security_scan_finds_nothing_open, kotlin)
    assert out.status is Status.ERROR and "kotlin" in out.message


def test_scan_not_run(tmp_path: Path) -> None:
    out = check(
        validation.security_scan_finds_nothing_open, make_ctx(tmp_path, engines_enabled=False)
    )
    assert out.status is Status.ERROR and "--no-engines" in out.message


def test_undeclared_database_and_none_detected_is_ambiguous(tmp_path: Path) -> None:
    svc = service(("language", "python"), ("framework", "fastapi"))
    out = check(requirements.tech_stack_is_confirmed, make_ctx(tmp_path, services=(svc,)))
    assert out.status is Status.FAIL and out.findings[0].rule_id == "GK009"


def test_language_framework_pairs_are_real_stacks(tmp_path: Path) -> None:
    mixed = service(
        ("language", "python"),
        ("language", "javascript"),
        ("framework", "django"),
        ("database", "postgresql"),
    )
    out = check(requirements.tech_stack_is_confirmed, make_ctx(tmp_path, services=(mixed,)))
    assert out.status is Status.PASS  # node-django is no stack; python-django is the one
