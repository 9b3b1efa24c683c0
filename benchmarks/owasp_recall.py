"""Recall of gatekeeper's security scan on intentionally vulnerable apps with documented flaws.

    python benchmarks/owasp_recall.py CLONES_DIR [--window 3] [--json OUT]

Each benchmarks/groundtruth/owasp/NAME.json names a public repository, the commit the truth was
written against, an audit root inside it, and the vulnerabilities its authors document, each at
the line of its sink (path, line, CWE, kind). CLONES_DIR holds one clone per repository, named
`owner+name`, checked out at that commit. The script runs `gatekeeper audit ROOT --format json`
on each clone (same Python, as a subprocess), keeps the findings of the phases "security" and
"validation" (bandit, semgrep and gatekeeper's own checks), and counts an entry found when a
finding sits in the same file within --window lines of it. Whether one of the matching findings
carries the entry's CWE is counted separately (informational).

clean.json (an empty list) is the precision check: every high or critical finding of those
phases on it is listed, and each should be a real issue.

Exit status: 0 when every audit produced a report, 2 when one could not run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TRUTH = HERE / "groundtruth" / "owasp"
PHASES = ("security", "validation")
HIGH = ("high", "critical")
# 0 pass, 1 gate failed, 3 incomplete (a criterion in error): all still write the report.
REPORT_CODES = (0, 1, 3)


def _clone_dir(clones: Path, truth: dict[str, Any]) -> Path:
    owner, repo = truth["repository"].rstrip("/").split("/")[-2:]
    return clones / f"{owner}+{repo}"


def _head(clone: Path) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run(
        [git, "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 else None


def audit(root: Path) -> tuple[dict[str, Any] | None, str]:
    """Run gatekeeper on root; return (report, problem)."""
    with tempfile.TemporaryDirectory(prefix="gk-owasp-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "gatekeeper", "audit", str(root), "--format", "json"]
        cmd += ["--output", f"json={out}", "--quiet"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode not in REPORT_CODES or not out.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return None, f"gatekeeper exited {done.returncode}: {' / '.join(tail)}"
        return json.loads(out.read_text(encoding="utf-8")), ""


def scan_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The security-scan findings with a file and a line, in a stable order."""
    keep = []
    for f in report.get("findings", []):
        loc = f.get("location") or {}
        if f.get("phase") in PHASES and loc.get("path") and loc.get("line"):
            keep.append(f)
    return sorted(keep, key=lambda f: (f["location"]["path"], f["location"]["line"], f["rule_id"]))


def _norm(path: str) -> str:
    return path.replace("\\", "/").removeprefix("./")


def match(
    entries: list[dict[str, Any]], findings: list[dict[str, Any]], window: int
) -> list[dict[str, Any]]:
    """One result per ground-truth entry: the findings within the window, nearest first."""
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        by_path[_norm(f["location"]["path"])].append(f)
    results = []
    for e in entries:
        near = [
            f
            for f in by_path.get(_norm(e["path"]), [])
            if abs(f["location"]["line"] - e["line"]) <= window
        ]
        near.sort(key=lambda f: (abs(f["location"]["line"] - e["line"]), f["rule_id"]))
        results.append(
            {
                "path": e["path"],
                "line": e["line"],
                "cwe": e["cwe"],
                "kind": e["kind"],
                "found": bool(near),
                "cwe_agrees": any(e["cwe"] in (f.get("cwe") or []) for f in near),
                "rules": sorted({f["rule_id"] for f in near}),
            }
        )
    return results


def measure_repo(clones: Path, name: str, truth: dict[str, Any], window: int) -> dict[str, Any]:
    clone = _clone_dir(clones, truth)
    row: dict[str, Any] = {"name": name, "entries": len(truth["vulnerabilities"]), "notes": []}
    if not clone.is_dir():
        row["error"] = f"no clone at {clone}"
        return row
    head = _head(clone)
    if head != truth["commit"]:
        row["notes"].append(f"clone is at {head}, truth at {truth['commit']}")
    report, problem = audit(clone / truth.get("root", "."))
    if report is None:
        row["error"] = problem
        return row
    if not report.get("complete", True):
        row["notes"].append("report incomplete (some criterion in error)")
    row["failed_engines"] = sorted(
        str(eng.get("engine")) for eng in report.get("engines", []) if not eng.get("ok", True)
    )
    for eng in report.get("engines", []):
        if not eng.get("ok", True):
            row["notes"].append(f"engine {eng.get('engine')} not ok: {eng.get('message', '')}")
    findings = scan_findings(report)
    row["scan_findings"] = len(findings)
    if not truth["vulnerabilities"]:  # the precision check
        high = [f for f in findings if f.get("severity") in HIGH]
        row["high"] = [
            {
                "rule_id": f["rule_id"],
                "severity": f["severity"],
                "cwe": f.get("cwe") or [],
                "path": f["location"]["path"],
                "line": f["location"]["line"],
                "message": f.get("message", ""),
            }
            for f in high
        ]
        return row
    results = match(truth["vulnerabilities"], findings, window)
    row["results"] = results
    row["found"] = sum(r["found"] for r in results)
    row["cwe_agree"] = sum(r["cwe_agrees"] for r in results)
    row["recall"] = row["found"] / row["entries"] if row["entries"] else 1.0
    return row


def _pct(num: int, den: int) -> str:
    return f"{num / den:.0%}" if den else "-"


def render(rows: list[dict[str, Any]], by_kind: dict[str, list[int]], window: int) -> str:
    out = [f"window: +/-{window} lines; phases: {', '.join(PHASES)}", ""]
    out.append(
        f"{'repository':<34} {'entries':>7} {'found':>6} {'recall':>7} {'cwe ok':>7} "
        f"{'scan':>5}  engines"
    )
    total = [0, 0, 0]
    for r in rows:
        if "results" not in r:
            continue
        out.append(
            f"{r['name']:<34} {r['entries']:>7} {r['found']:>6} "
            f"{_pct(r['found'], r['entries']):>7} {r['cwe_agree']:>7} {r['scan_findings']:>5}  "
            + (", ".join(f"{e} FAILED" for e in r["failed_engines"]) or "ok")
        )
        total[0] += r["entries"]
        total[1] += r["found"]
        total[2] += r["cwe_agree"]
    out.append(
        f"{'all':<34} {total[0]:>7} {total[1]:>6} {_pct(total[1], total[0]):>7} {total[2]:>7}"
    )
    out += ["", f"{'kind':<22} {'entries':>7} {'found':>6} {'recall':>7}"]
    for kind in sorted(by_kind):
        n, hit = by_kind[kind]
        out.append(f"{kind:<22} {n:>7} {hit:>6} {_pct(hit, n):>7}")
    for r in rows:
        lines = [f"  note: {n}" for n in r["notes"]]
        if "error" in r:
            lines.append(f"  error: {r['error']}")
        if "high" in r:
            lines.append(f"  precision check: {len(r['high'])} high/critical finding(s)")
            lines += [
                f"    {h['severity']:<8} {h['rule_id']:<10} {h['path']}:{h['line']}  {h['message']}"
                for h in r["high"]
            ]
        for m in r.get("results", []):
            if not m["found"]:
                lines.append(f"  missed  {m['path']}:{m['line']}  {m['kind']} ({m['cwe']})")
        if lines:
            out += ["", f"{r['name']}:", *lines]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clones", type=Path, help="directory holding the owner+name clones")
    ap.add_argument("--window", type=int, default=3, help="line tolerance (default 3)")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write the numbers as JSON")
    args = ap.parse_args(argv)

    rows = []
    for path in sorted(TRUTH.glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        print(f"auditing {path.stem} ...", file=sys.stderr, flush=True)
        rows.append(measure_repo(args.clones, path.stem, truth, args.window))

    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        for m in r.get("results", []):
            by_kind[m["kind"]][0] += 1
            by_kind[m["kind"]][1] += int(m["found"])
    sys.stdout.write(render(rows, by_kind, args.window))

    if args.json:
        scored = [r for r in rows if "results" in r]
        entries = sum(r["entries"] for r in scored)
        found = sum(r["found"] for r in scored)
        doc = {
            "window": args.window,
            "phases": list(PHASES),
            "overall": {
                "entries": entries,
                "found": found,
                "recall": found / entries if entries else None,
                "cwe_agree": sum(r["cwe_agree"] for r in scored),
            },
            "by_kind": {
                k: {"entries": n, "found": h, "recall": h / n}
                for k, (n, h) in sorted(by_kind.items())
            },
            "repositories": rows,
        }
        args.json.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 2 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
