"""The audit's stages overlap (issue 13): bandit and semgrep run beside gatekeeper's own parsing,
and while bandit is still running, the whole-repository facts that need nothing of it (routes,
test files, docs) are built. The report must not depend on which finished first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from gatekeeper import api, testfacts
from gatekeeper.engines import scan, semgrep
from gatekeeper.report import jsonout

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLE = FIXTURES / "fastapi-postgres"


REAL_PREWARM = api._prewarm


def report_json(
    monkeypatch: pytest.MonkeyPatch,
    prewarm: Callable[[api.Context], dict[str, object]] = REAL_PREWARM,
) -> str:
    """An audit whose semgrep answers at once and whose bandit ends only after the facts were
    built beside it: the overlap happens on every run, however slow the machine."""
    built = threading.Event()

    def gate(ctx: api.Context) -> dict[str, object]:
        try:
            return prewarm(ctx)
        finally:
            built.set()

    def engines(
        root: Path,
        index: object,
        *,
        semgrep_done: Callable[[semgrep.EngineFacts], None] | None = None,
        **_: object,
    ) -> scan.ScanOutcome:
        if semgrep_done is not None:
            semgrep_done(semgrep.NO_TARGETS)
        built.wait(timeout=60)
        return scan.ScanOutcome((), (), (), semgrep.NO_TARGETS)

    with monkeypatch.context() as m:
        m.setattr(scan, "run_all", engines)
        m.setattr(api, "_prewarm", gate)
        return jsonout.render(api.audit(EXAMPLE, api.Options(use_cache=False)).report)


def test_facts_built_while_bandit_runs_are_those_the_criteria_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[list[str]] = []

    def spy(ctx: api.Context) -> dict[str, object]:
        cache = REAL_PREWARM(ctx)
        built.append(sorted(cache))
        return cache

    overlapped = report_json(monkeypatch, spy)
    assert built and {"api_inventory", "testfacts", "doc_sections"} <= set(built[0])
    serial = report_json(monkeypatch, lambda ctx: {})
    assert overlapped == serial


def test_a_fact_that_fails_early_is_built_again_by_its_criterion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = report_json(monkeypatch)
    real = testfacts.collect
    calls: list[int] = []

    def flaky(*args: object, **kwargs: object) -> testfacts.TestFacts:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("transient")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(testfacts, "collect", flaky)
    assert report_json(monkeypatch) == expected
    assert len(calls) == 2  # once while bandit ran (failed, not kept), once by the criterion


def test_an_interrupt_stops_the_engines_instead_of_waiting_for_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []

    def engines_until_cancelled(
        root: Path, index: object, *, cancel: threading.Event | None = None, **_: object
    ) -> scan.ScanOutcome:
        assert cancel is not None
        seen.append(cancel.wait(timeout=60))  # bandit would run on; only the cancel ends it
        return scan.ScanOutcome((), (), (), semgrep.NO_TARGETS)

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(scan, "run_all", engines_until_cancelled)
    monkeypatch.setattr(api, "_collect_facts", interrupted)
    with pytest.raises(KeyboardInterrupt):
        api.audit(EXAMPLE, api.Options(use_cache=False))
    assert seen == [True]
