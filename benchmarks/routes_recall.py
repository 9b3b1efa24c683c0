"""Recall and precision of gatekeeper's route inventory against hand-written ground truth.

    python benchmarks/routes_recall.py CLONES_DIR [NAME ...]

Each benchmarks/groundtruth/NAME.json names a public repository, the commit the truth was
written against, an audit root inside it, and the routes a reader finds in the code. CLONES_DIR
holds one clone per repository, named `owner+name` (as `git clone` of the mirror leaves it),
checked out at that commit. A route matches when method and path agree after normalization
(parameter names ignored, trailing slash ignored), and the file too where the truth says
`"match_file": true` (monorepos whose services serve the same paths). Prints a table and the
misses.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gatekeeper import api
from gatekeeper.routes.model import path_key

HERE = Path(__file__).resolve().parent
TRUTH = HERE / "groundtruth"


def _key(method: str, path: str, file: str | None = None) -> tuple[str, ...]:
    key = (method.upper(), path_key(path))
    return key if file is None else (*key, file)


def measure(clones: Path, name: str) -> tuple[int, int, int, list[str]]:
    truth = json.loads((TRUTH / f"{name}.json").read_text())
    owner, repo = truth["repository"].rstrip("/").split("/")[-2:]
    clone = clones / f"{owner}+{repo}"
    head = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    notes = [] if head == truth["commit"] else [f"clone is at {head}, truth at {truth['commit']}"]
    root = clone / truth.get("root", ".")
    # A monorepo serves one path from several services: there routes match per file as well.
    by_file = bool(truth.get("match_file"))
    # Engines on: Express, Gin and Spring routes come from the semgrep run.
    audit = api.audit(root, api.Options(phases=("api_design",)))
    found = {
        _key(r.method, r.url_path, r.file if by_file else None): r for r in audit.report.routes
    }
    expected = {
        _key(r["method"], r["path"], r["file"] if by_file else None): r for r in truth["routes"]
    }
    hits = set(found) & set(expected)
    misses = [f"  missed  {' '.join(k)}" for k in sorted(set(expected) - hits)]
    extra = [
        f"  extra   {k[0]} {k[1]}  ({found[k].file}:{found[k].line})"
        for k in sorted(set(found) - hits)
    ]
    return len(hits), len(expected), len(found), notes + misses + extra


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    clones = Path(argv[0])
    names = argv[1:] or sorted(p.stem for p in TRUTH.glob("*.json"))
    total = [0, 0, 0]
    print(f"{'ground truth':<28} {'expected':>8} {'found':>6} {'recall':>7} {'precision':>9}")
    details: list[str] = []
    for name in names:
        hits, expected, found, lines = measure(clones, name)
        recall = hits / expected if expected else 1.0
        precision = hits / found if found else 1.0
        print(f"{name:<28} {expected:>8} {found:>6} {recall:>7.0%} {precision:>9.0%}")
        details += [f"{name}:", *lines] if lines else []
        for i, n in enumerate((hits, expected, found)):
            total[i] += n
    hits, expected, found = total
    print(
        f"{'all':<28} {expected:>8} {found:>6} {hits / max(expected, 1):>7.0%} "
        f"{hits / max(found, 1):>9.0%}"
    )
    print("\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
