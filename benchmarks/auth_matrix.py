"""Accuracy of gatekeeper's route x auth matrix and recall of its authorization findings.

    python benchmarks/auth_matrix.py CLONES_DIR [NAME ...]

Each benchmarks/groundtruth/auth/NAME.json names a public repository, the commit the truth was
written against, an audit root, every route with the decision a reader makes from the code
(`required`: an anonymous caller is turned away before the handler's work; `anonymous`: anyone
gets in, optional authentication included) and the authorization flaws a reviewer would file
(`missing-auth`, `admin-unprotected`, `object-level`), each at a file and line. CLONES_DIR holds
one clone per repository, named `owner+name`, checked out at that commit.

For each repository the script runs the api_design and security phases (engines on: Express,
Gin and Spring routes come from the semgrep inventory rules) and prints:
- judged: truth routes that gatekeeper also inventories (method and path agree after
  normalization, parameter names and trailing slash ignored); only those are judged;
- accuracy: gatekeeper `required` against truth `required`, `public` or `none` against truth
  `anonymous`; `unknown` counts as wrong;
- req>anon / anon>req: truth `required` that gatekeeper calls public or none, and the reverse;
- flaws: a flaw is found when a GK311, GK312 or GK313 finding sits in the same file within
  three lines of it, or names the same route (findings start with "METHOD /path (handler)");
- right rule: of the flaws found, those found by a rule of their kind (GK313 for
  `object-level`, GK311 or GK312 for the others); a GK311 "nothing checks the caller" next to
  an object-level flaw is found by position only;
- unmatched: GK311-GK315 findings that match no flaw (false positive candidates).
The mismatches, missed flaws and unmatched findings are listed with file:line after the table.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gatekeeper import api
from gatekeeper.model import Finding, RouteRow
from gatekeeper.routes.model import path_key

HERE = Path(__file__).resolve().parent
TRUTH = HERE / "groundtruth" / "auth"
WINDOW = 3
FLAW_RULES = frozenset({"GK311", "GK312", "GK313"})
KIND_RULES = {
    "object-level": frozenset({"GK313"}),
    "missing-auth": frozenset({"GK311", "GK312"}),
    "admin-unprotected": frozenset({"GK311", "GK312"}),
}
AUTH_RULES = FLAW_RULES | {"GK314", "GK315"}
# What gatekeeper's decision means in the truth's two-way vocabulary.
AS_TRUTH = {"required": "required", "public": "anonymous", "none": "anonymous"}
_ROUTE_NAME = re.compile(r"^([A-Z]+) (/\S*) \(")

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Score:
    truth: int = 0
    judged: int = 0
    correct: int = 0
    req_anon: int = 0
    anon_req: int = 0
    flaws: int = 0
    found: int = 0
    right_rule: int = 0
    unmatched: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(*(a + b for a, b in zip(_fields(self), _fields(other), strict=True)))


def _fields(score: Score) -> tuple[int, ...]:
    return tuple(getattr(score, name) for name in Score.__slots__)


def _key(method: str, path: str) -> Key:
    return method.upper(), path_key(path)


def _route_key(text: str) -> Key | None:
    """The route a GK31x message names ("POST /api/x (handler) ..."), or None."""
    m = _ROUTE_NAME.match(text)
    return _key(m.group(1), m.group(2)) if m else None


def _matches(finding: Finding, flaw: dict[str, object]) -> bool:
    loc = finding.location
    line = int(str(flaw["line"]))
    if loc.path == flaw["file"] and loc.line is not None and abs(loc.line - line) <= WINDOW:
        return True
    method, _, path = str(flaw.get("route", "")).partition(" ")
    return bool(path) and _route_key(finding.message) == _key(method, path)


def _head(clone: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"],  # noqa: S607 (git from PATH, as routes_recall)
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def _judge_routes(
    expected: list[dict[str, object]], found: dict[Key, RouteRow]
) -> tuple[Score, list[str]]:
    judged = correct = req_anon = anon_req = 0
    lines: list[str] = []
    for entry in expected:
        key = _key(str(entry["method"]), str(entry["path"]))
        row = found.get(key)
        if row is None:
            lines.append(f"  not inventoried  {key[0]} {entry['path']}")
            continue
        judged += 1
        got = AS_TRUTH.get(row.auth or "unknown", "unknown")
        if got == entry["expected"]:
            correct += 1
            continue
        req_anon += entry["expected"] == "required" and got == "anonymous"
        anon_req += entry["expected"] == "anonymous" and got == "required"
        lines.append(
            f"  mismatch  {key[0]} {entry['path']}  truth {entry['expected']}, gatekeeper "
            f"{row.auth} ({row.file}:{row.line})  truth: {entry['why']}"
        )
    score = Score(len(expected), judged, correct, req_anon, anon_req)
    return score, lines


def _judge_flaws(
    flaws: list[dict[str, object]], findings: list[Finding]
) -> tuple[Score, list[str]]:
    lines: list[str] = []
    found = right = 0
    for flaw in flaws:
        near = {f.rule_id for f in findings if f.rule_id in FLAW_RULES and _matches(f, flaw)}
        found += bool(near)
        right += bool(near & KIND_RULES.get(str(flaw["kind"]), FLAW_RULES))
        if not near:
            lines.append(
                f"  missed flaw  {flaw['kind']} {flaw['route']} ({flaw['file']}:{flaw['line']})"
            )
    unmatched = [f for f in findings if not any(_matches(f, flaw) for flaw in flaws)]
    for f in unmatched:
        lines.append(f"  unmatched  {f.rule_id} {f.location.path}:{f.location.line}  {f.message}")
    return Score(flaws=len(flaws), found=found, right_rule=right, unmatched=len(unmatched)), lines


def measure(clones: Path, name: str) -> tuple[Score, list[str]]:
    truth = json.loads((TRUTH / f"{name}.json").read_text())
    owner, repo = truth["repository"].rstrip("/").split("/")[-2:]
    clone = clones / f"{owner}+{repo}"
    head = _head(clone)
    notes = [] if head == truth["commit"] else [f"  clone is at {head}, truth at {truth['commit']}"]
    audit = api.audit(
        clone / truth.get("root", "."), api.Options(phases=("api_design", "security"))
    )
    found: dict[Key, RouteRow] = {}
    for row in audit.report.routes:
        found.setdefault(_key(row.method, row.url_path), row)
    score, route_lines = _judge_routes(truth["routes"], found)
    findings = [f for f in audit.report.findings if f.rule_id in AUTH_RULES]
    flaw_score, flaw_lines = _judge_flaws(truth["flaws"], findings)
    return score + flaw_score, notes + route_lines + flaw_lines


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def _row(name: str, s: Score) -> str:
    return (
        f"{name:<20} {s.truth:>6} {s.judged:>6} {_ratio(s.correct, s.judged):>8} "
        f"{s.req_anon:>8} {s.anon_req:>8} {s.found:>3}/{s.flaws:<3} {_ratio(s.found, s.flaws):>6} "
        f"{s.right_rule:>10} {s.unmatched:>9}"
    )


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    clones = Path(argv[0])
    names = argv[1:] or sorted(p.stem for p in TRUTH.glob("*.json"))
    print(
        f"{'ground truth':<20} {'routes':>6} {'judged':>6} {'accuracy':>8} {'req>anon':>8} "
        f"{'anon>req':>8} {'flaws':>7} {'recall':>6} {'right rule':>10} {'unmatched':>9}"
    )
    total = Score()
    details: list[str] = []
    for name in names:
        score, lines = measure(clones, name)
        print(_row(name, score), flush=True)
        details += [f"{name}:", *lines] if lines else []
        total = total + score
    print(_row("all", total))
    print("\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
