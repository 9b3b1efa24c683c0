"""Speed and memory of a full audit, side by side with bandit alone on the same repository.

    python benchmarks/perf.py REPO [--hook FILE] [--json OUT]
    python benchmarks/perf.py --scaling 10000,100000 [--json OUT]

REPO mode runs, one after the other on this machine: `bandit -r REPO` (bandit alone, the bar
issue 13 sets), then `gatekeeper audit REPO` (all eight phases, engines on): cold with
`--no-cache`; cold again filling a fresh cache directory; warm (nothing changed: the stored
report, or every file's facts and engine results from the cache); and once more after one
Python file changed.
It reports wall time, the ratio to bandit, and peak RSS summed over each command's whole
process tree (sampled from /proc every 50 ms). `--hook FILE` also times the pre-commit path,
`gatekeeper hook -- FILE`, for one changed file (the fastest of three runs).

--scaling mode writes synthetic backends of about the given line counts into a temporary
directory — copies of fixtures/example's Python package with every identifier renamed per
copy, so no two files are identical — audits each and reports kLOC/s.

Nothing here is run by the test suite: timings belong in benchmarks, never in assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "fixtures" / "example"
SAMPLE_SECONDS = 0.05


def _tree_rss_kib(root_pid: int) -> int:
    """RSS of a process and all its descendants, in KiB, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", text, re.M)
        vmrss = re.search(r"^VmRSS:\s+(\d+)", text, re.M)
        parents[int(entry)] = int(ppid.group(1)) if ppid else 0
        rss[int(entry)] = int(vmrss.group(1)) if vmrss else 0
    total, todo = 0, [root_pid]
    seen: set[int] = set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += rss.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def measure(argv: list[str], cwd: Path | None = None) -> dict[str, float]:
    """Wall seconds and peak summed RSS (MiB) of one command."""
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(proc.pid))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    done.set()
    sampler.join()
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "peak_rss_mib": round(peak / 1024, 1),
        "exit_code": code,
    }


def _python_lines(root: Path) -> int:
    total = 0
    for path in root.rglob("*.py"):
        if any(part in {".git", ".venv", "node_modules", "vendor"} for part in path.parts):
            continue
        try:
            total += path.read_text(encoding="utf-8", errors="replace").count("\n")
        except OSError:
            continue
    return total


def gatekeeper_argv(repo: Path, out: Path, cache_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-I",
        "-m",
        "gatekeeper",
        "audit",
        str(repo),
        "--format",
        "json",
        "--output",
        f"json={out}",
        "--cache-dir",
        str(cache_dir),
        "-q",
    ]


def hook_time(repo: Path, changed: str, runs: int = 3) -> dict[str, float]:
    """The pre-commit path: `gatekeeper hook -- FILE` on one file of REPO; the fastest of runs."""
    argv = [sys.executable, "-I", "-m", "gatekeeper", "hook", "--root", str(repo), "--", changed]
    timings = [measure(argv, cwd=repo) for _ in range(runs)]
    return min(timings, key=lambda t: t["seconds"])


def compare(repo: Path) -> dict[str, object]:
    bandit = shutil.which("bandit") or str(Path(sys.executable).parent / "bandit")
    with tempfile.TemporaryDirectory(prefix="gk-perf-") as tmp:
        out = Path(tmp) / "report.json"
        bandit_run = measure([bandit, "-r", str(repo), "-q", "-f", "json", "-o", f"{tmp}/b.json"])
        cache_dir = Path(tmp) / "cache"
        cold = measure([*gatekeeper_argv(repo, out, cache_dir), "--no-cache"])
        filling = measure(gatekeeper_argv(repo, out, cache_dir))
        warm = measure(gatekeeper_argv(repo, out, cache_dir))
        touched = _touch_one_python_file(
            repo, lambda: measure(gatekeeper_argv(repo, out, cache_dir))
        )
    lines = _python_lines(repo)
    return {
        "repository": str(repo),
        "python_lines": lines,
        "bandit": bandit_run,
        "gatekeeper_cold": cold,
        "gatekeeper_cold_filling_cache": filling,
        "gatekeeper_warm": warm,
        "ratio_cold_to_bandit": round(cold["seconds"] / max(bandit_run["seconds"], 0.01), 2),
        "gatekeeper_one_file_changed": touched,
        "ratio_warm_to_cold": round(warm["seconds"] / max(cold["seconds"], 0.01), 2),
    }


def _touch_one_python_file(repo: Path, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Append a comment to the largest Python file, run, and put the file back as it was."""
    candidates = sorted(
        (p for p in repo.rglob("*.py") if p.is_file() and not p.is_symlink()),
        key=lambda p: (-p.stat().st_size, str(p)),
    )
    if not candidates:
        return run()
    target = candidates[0]
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"\n# touched by benchmarks/perf.py\n")
        return run()
    finally:
        target.write_bytes(original)


_IDENT = re.compile(r"\b(Order|order|orders|Orders|item|Item|items)\b")


def synthesize(root: Path, target_lines: int) -> int:
    """About target_lines of Python: renamed copies of the example app's package."""
    package = EXAMPLE / "app"
    sources = {p.name: p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py"))}
    per_copy = sum(text.count("\n") for text in sources.values()) or 1
    copies = max(1, target_lines // per_copy)
    shutil.copy(EXAMPLE / "pyproject.toml", root / "pyproject.toml")
    written = 0
    for n in range(copies):
        pkg = root / f"svc{n}"
        pkg.mkdir()
        for name, text in sources.items():
            renamed = f"# generated copy {n} of fixtures/example/app/{name}\n" + _IDENT.sub(
                rf"\g<1>{n}", text
            )
            (pkg / name).write_text(renamed, encoding="utf-8")
            written += renamed.count("\n")
    return written


def scaling(sizes: list[int]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="gk-scale-") as tmp:
            root = Path(tmp) / "repo"
            root.mkdir()
            lines = synthesize(root, size)
            run = measure(gatekeeper_argv(root, Path(tmp) / "report.json", Path(tmp) / "cache"))
        rows.append(
            {
                "lines": lines,
                **run,
                "kloc_per_second": round(lines / 1000 / max(run["seconds"], 0.01), 1),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--scaling", help="comma-separated line counts, e.g. 10000,100000")
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    parser.add_argument(
        "--hook", metavar="FILE", help="also time `gatekeeper hook -- FILE` (a file in REPO)"
    )
    args = parser.parse_args(argv)
    result: dict[str, object] = {}
    if args.repo is not None:
        result["compare"] = compare(args.repo.resolve())
        c = result["compare"]
        assert isinstance(c, dict)
        print(f"{c['repository']}: {c['python_lines']} Python lines")
        for key in (
            "bandit",
            "gatekeeper_cold",
            "gatekeeper_cold_filling_cache",
            "gatekeeper_warm",
            "gatekeeper_one_file_changed",
        ):
            row = c[key]
            print(f"  {key:<16} {row['seconds']:>7.2f} s  peak RSS {row['peak_rss_mib']:>7.1f} MiB")
        print(f"  cold / bandit    {c['ratio_cold_to_bandit']:>7.2f}")
        print(f"  warm / cold      {c['ratio_warm_to_cold']:>7.2f}")
        if args.hook:
            hooked = hook_time(args.repo.resolve(), args.hook)
            result["hook"] = {"file": args.hook, **hooked}
            print(f"  hook, one file   {hooked['seconds']:>7.2f} s  ({args.hook})")
    if args.scaling:
        sizes = [int(s) for s in args.scaling.split(",") if s.strip()]
        result["scaling"] = rows = scaling(sizes)
        for row in rows:
            print(
                f"  {row['lines']:>9} lines  {row['seconds']:>7.2f} s  "
                f"{row['kloc_per_second']:>6.1f} kLOC/s  peak RSS {row['peak_rss_mib']:>7.1f} MiB"
            )
    if not result:
        parser.error("give a repository, --scaling, or both")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
