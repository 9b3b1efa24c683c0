from __future__ import annotations

from gatekeeper import policy
from gatekeeper.model import Confidence, Finding, FindingState, Location, Severity, SuppressionKind


def finding(
    line: int = 2,
    rule: str = "GK001",
    engines: tuple[str, ...] = ("gatekeeper",),
    snippet: str | None = "x = 1",
) -> Finding:
    return Finding(
        rule_id=rule,
        criterion_id="requirements.repository_analyzable",
        phase="requirements",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        message="m",
        location=Location("a.py", line),
        fingerprint="",
        snippet=snippet,
        engines=engines,
    )


def test_fingerprint_ignores_line_numbers_and_whitespace() -> None:
    a = policy.assign_fingerprints([finding(line=2, snippet="x =  1")])[0]
    b = policy.assign_fingerprints([finding(line=40, snippet="x = 1")])[0]
    assert a.fingerprint == b.fingerprint
    assert len(a.fingerprint) == 32


def test_identical_findings_get_distinct_occurrences() -> None:
    fps = {f.fingerprint for f in policy.assign_fingerprints([finding(line=2), finding(line=9)])}
    assert len(fps) == 2


def test_fingerprint_depends_on_rule_and_path() -> None:
    a = policy.fingerprint("GK001", "a.py", None, "x", 0)
    assert a != policy.fingerprint("GK002", "a.py", None, "x", 0)
    assert a != policy.fingerprint("GK001", "b.py", None, "x", 0)
    assert a != policy.fingerprint("GK001", "a.py", "f", "x", 0)


def test_inline_suppression_needs_a_reason() -> None:
    with_reason = policy.apply_inline_suppressions(
        [finding()],
        lambda _p: ("", "x = 1  # gatekeeper: ignore[GK001] test fixture, not deployed"),
    )[0]
    assert with_reason.state is FindingState.SUPPRESSED
    assert with_reason.suppression is not None
    assert with_reason.suppression.kind is SuppressionKind.INLINE
    assert with_reason.suppression.reason == "test fixture, not deployed"
    without = policy.apply_inline_suppressions(
        [finding()], lambda _p: ("", "x = 1  # gatekeeper: ignore[GK001]")
    )[0]
    assert without.state is FindingState.OPEN


def test_suppression_on_the_line_above_and_by_criterion_id() -> None:
    text = ("// gatekeeper: ignore[requirements.repository_analyzable] -- vendored", "x = 1")
    out = policy.apply_inline_suppressions([finding()], lambda _p: text)[0]
    assert out.state is FindingState.SUPPRESSED


def test_other_rule_ids_do_not_suppress() -> None:
    out = policy.apply_inline_suppressions(
        [finding()], lambda _p: ("", "x  # gatekeeper: ignore[GK002] r")
    )[0]
    assert out.state is FindingState.OPEN


def test_nosec_only_for_bandit_and_only_with_reason() -> None:
    line = ("", "subprocess.call(cmd, shell=True)  # nosec B602 - command is a constant")
    from_bandit = policy.apply_inline_suppressions([finding(engines=("bandit",))], lambda _p: line)[
        0
    ]
    assert from_bandit.suppression is not None
    assert from_bandit.suppression.kind is SuppressionKind.NOSEC
    assert from_bandit.suppression.reason == "command is a constant"
    ours = policy.apply_inline_suppressions([finding()], lambda _p: line)[0]
    assert ours.state is FindingState.OPEN
    bare = policy.apply_inline_suppressions(
        [finding(engines=("bandit",))], lambda _p: ("", "x  # nosec")
    )[0]
    assert bare.state is FindingState.OPEN


def test_nosemgrep_with_reason() -> None:
    line = ("", "const pw = 'x' // nosemgrep: gk-js-hardcoded-secret -- test data")
    out = policy.apply_inline_suppressions([finding(engines=("semgrep",))], lambda _p: line)[0]
    assert out.suppression is not None and out.suppression.kind is SuppressionKind.NOSEMGREP


def test_snippet_of() -> None:
    assert policy.snippet_of(("a", "  b  "), 2) == "b"
    assert policy.snippet_of(("a",), 5) is None
    assert policy.snippet_of(None, 1) is None


def test_a_suppression_comment_does_not_change_the_fingerprint() -> None:
    """Adding `# gatekeeper: ignore[...]` (or nosec) to a line keeps the finding's identity,
    so a baseline or a previous report still recognizes it."""
    from gatekeeper.policy import fingerprint

    plain = fingerprint("GK3801", "app.py", "search", "cur.execute(q)", 0)
    for comment in (
        "  # gatekeeper: ignore[GK3801] q is built from constants",
        "  # nosec B608 reviewed",
        "  // nosemgrep: gk-js-sql-injection",
    ):
        assert fingerprint("GK3801", "app.py", "search", "cur.execute(q)" + comment, 0) == plain
    assert fingerprint("GK3801", "app.py", "search", "cur.execute(q2)", 0) != plain
