"""The per-file cache: a second audit of an unchanged repository reads what the workers and
engines found before, gives the same report byte for byte, and misses on any change; a
tampered cache runs nothing and just misses; never inside the audited repository."""

from __future__ import annotations

import pickle
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from gatekeeper import api
from gatekeeper.cache import FILE_NAME, Cache, open_cache
from gatekeeper.cli import cli
from gatekeeper.errors import UsageError
from gatekeeper.report import jsonout

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "remediation"


def audit(repo: Path, cache_dir: Path, **kw: object) -> api.Report:
    opts = api.Options(use_cache=True, cache_dir=cache_dir, timings=True, **kw)  # type: ignore[arg-type]
    return api.audit(repo, opts).report


def counts(report: api.Report) -> dict[str, float]:
    timings = dict(report.timings or ())
    return {"hits": timings.get("cache_hits", -1), "misses": timings.get("cache_misses", -1)}


def same_json(a: api.Report, b: api.Report) -> bool:
    return jsonout.render(replace(a, timings=None)) == jsonout.render(replace(b, timings=None))


@pytest.mark.engines
def test_a_second_run_reads_the_cache_and_reports_the_same(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    cold = audit(repo, tmp_path / "cache")
    warm = audit(repo, tmp_path / "cache")
    assert counts(cold)["hits"] == 0 and counts(cold)["misses"] > 0
    # every file's facts and bandit's results on it come from the cache
    assert counts(warm) == {"hits": counts(cold)["misses"], "misses": 0}
    assert same_json(cold, warm)
    assert not list(repo.rglob(FILE_NAME))  # nothing written inside the repository


@pytest.mark.engines
def test_a_changed_file_is_analyzed_again(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    audit(repo, tmp_path / "cache")
    service = repo / "app" / "service.py"
    service.write_text(service.read_text() + "\n\ndef again(x):\n    return eval(x)\n")
    changed = audit(repo, tmp_path / "cache")
    assert counts(changed)["misses"] == 1  # its facts (bandit's results among them)
    assert any(
        f.rule_id == "GK3307" and f.location.path == "app/service.py" for f in changed.findings
    )
    fresh = api.audit(repo, api.Options()).report
    assert same_json(changed, replace(fresh, timings=None))


def test_a_tampered_entry_runs_nothing_and_misses(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    cache_dir = tmp_path / "cache"
    first = audit(repo, cache_dir, engines=False)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            import os

            return (os.system, (f"touch {marker}",))

    db = sqlite3.connect(cache_dir / FILE_NAME)
    keys = [k for (k,) in db.execute("SELECT key FROM entries")]
    db.executemany(
        "UPDATE entries SET value = ? WHERE key = ?",
        [(pickle.dumps(Evil()), k) for k in keys],
    )
    db.commit()
    db.close()
    again = audit(repo, cache_dir, engines=False)
    assert not marker.exists()
    assert counts(again) == {"hits": 0, "misses": counts(first)["misses"]}
    assert same_json(first, again)


def test_the_cache_is_never_inside_the_audited_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    with pytest.raises(UsageError, match="inside the audited repository"):
        open_cache(repo, repo / ".cache", True)
    result = CliRunner().invoke(
        cli, ["audit", str(repo), "--no-engines", "--cache-dir", str(repo / "c")]
    )
    assert result.exit_code == 2 and "inside the audited repository" in result.output
    assert not (repo / "c").exists()


def test_no_cache_and_an_unusable_directory_cost_time_not_the_audit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    result = CliRunner().invoke(
        cli,
        ["audit", str(repo), "--no-engines", "--no-cache", "--cache-dir", str(tmp_path / "c")],
    )
    assert result.exit_code in (1, 3) and not (tmp_path / "c").exists()
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    broken = Cache(blocker / "sub")
    assert not broken.enabled and broken.error and "cache disabled" in broken.error
    report = audit(repo, blocker / "sub", engines=False)
    assert report.phases  # the audit ran without a cache


@pytest.mark.engines
def test_an_unchanged_repository_gets_the_stored_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same code, options, policy, day and files: the report of the last complete audit is
    returned without auditing again; any change audits again."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "fixtures" / "example", repo)
    opts = api.Options(use_cache=True, cache_dir=tmp_path / "cache")
    first = api.audit(repo, opts).report
    assert first.complete

    real = api._audit_indexed
    calls: list[str] = []

    def counting(*args: object, **kw: object) -> api.Audit:
        calls.append("audited")
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "_audit_indexed", counting)
    again = api.audit(repo, opts).report
    assert calls == [] and jsonout.render(again) == jsonout.render(first)

    api.audit(repo, replace(opts, phases=("security",)))  # other options
    assert calls == ["audited"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "4102444800")  # another day: suppressions expire
    api.audit(repo, opts)
    assert calls == ["audited"] * 2
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    (repo / "README.md").write_text((repo / "README.md").read_text() + "\nOne more line.\n")
    changed = api.audit(repo, opts).report
    assert calls == ["audited"] * 3
    assert changed.complete


def test_a_report_shaped_by_this_machines_limits_is_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timeout is about the machine, not the files: the next run should try again. A file
    that is simply unreadable (an incomplete but deterministic report) is stored."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "fixtures" / "example", repo)
    opts = api.Options(use_cache=True, cache_dir=tmp_path / "cache", engines=False)
    real = api._audit_indexed
    calls: list[str] = []

    def timing_out(*args: object, **kw: object) -> api.Audit:
        calls.append("audited")
        done = real(*args, **kw)  # type: ignore[arg-type]
        slow = api.Unanalyzed("app/main.py", "timed out after 30 s (the per-file limit)", "parse")
        return replace(done, report=replace(done.report, unanalyzed=(slow,)))

    monkeypatch.setattr(api, "_audit_indexed", timing_out)
    api.audit(repo, opts)
    api.audit(repo, opts)
    assert calls == ["audited"] * 2
    monkeypatch.setattr(api, "_audit_indexed", real)
    assert not api.audit(repo, opts).report.complete  # no engines: deterministic, stored
    monkeypatch.setattr(api, "_audit_indexed", timing_out)
    api.audit(repo, opts)
    assert calls == ["audited"] * 2
