"""The audit's stages overlap (issue 13): semgrep runs beside the parse stage, whose workers
also run bandit's tests on the trees they parse. The report must not depend on which of the
two finished first, and an interrupt must stop semgrep instead of waiting for it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.engines import scan, semgrep
from gatekeeper.report import jsonout

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLE = FIXTURES / "ops-express" / "good"  # Python-free: semgrep's facts decide its routes

REAL_SEMGREP = scan.semgrep_scan
REAL_COLLECT = api._collect_facts


def report_json(monkeypatch: pytest.MonkeyPatch, semgrep_first: bool) -> str:
    """An audit in which semgrep ends before the parse stage does, or only after it."""
    parsed = threading.Event()

    def engines(*args: object, **kwargs: object) -> scan.ScanOutcome:
        if not semgrep_first:
            assert parsed.wait(timeout=120)
        return REAL_SEMGREP(*args, **kwargs)  # type: ignore[arg-type]

    def collect(*args: object, **kwargs: object) -> object:
        try:
            return REAL_COLLECT(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            parsed.set()

    with monkeypatch.context() as m:
        m.setattr(scan, "semgrep_scan", engines)
        m.setattr(api, "_collect_facts", collect)
        return jsonout.render(api.audit(EXAMPLE, api.Options(use_cache=False)).report)


@pytest.mark.engines
def test_the_report_does_not_depend_on_which_stage_ends_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = report_json(monkeypatch, semgrep_first=True)
    assert '"engine": "semgrep"' in first and '"GET /' in first
    assert report_json(monkeypatch, semgrep_first=False) == first


def test_an_interrupt_stops_the_engines_instead_of_waiting_for_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []

    def engines_until_cancelled(
        root: Path, index: object, *, cancel: threading.Event | None = None, **_: object
    ) -> scan.ScanOutcome:
        assert cancel is not None
        seen.append(cancel.wait(timeout=60))  # semgrep would run on; only the cancel ends it
        return scan.ScanOutcome((), (), (), semgrep.NO_TARGETS)

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(scan, "semgrep_scan", engines_until_cancelled)
    monkeypatch.setattr(api, "_collect_facts", interrupted)
    with pytest.raises(KeyboardInterrupt):
        api.audit(EXAMPLE, api.Options(use_cache=False))
    assert seen == [True]
