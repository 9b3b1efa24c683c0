"""Committed load-test results, read so declared performance budgets can be checked.

Two formats: k6's summary JSON (`k6 run --summary-export`, or `handleSummary`'s JSON) and
locust's `--csv` statistics (`*_stats.csv`, the "Aggregated" row). Nothing is run.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gatekeeper import yamlsafe
from gatekeeper.errors import GatekeeperError
from gatekeeper.repo import RepoIndex

# The budget keys `performance_budgets` accepts, what each bounds, and in which direction.
BUDGETS: Mapping[str, tuple[str, str]] = {
    "p50_ms": ("median response time (ms)", "max"),
    "p95_ms": ("95th percentile response time (ms)", "max"),
    "p99_ms": ("99th percentile response time (ms)", "max"),
    "error_rate_percent": ("failed requests (%)", "max"),
    "min_rps": ("throughput (requests/s)", "min"),
}
MAX_RESULT_FILES = 50
MAX_CSV_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class Results:
    path: str
    tool: str  # "k6" or "locust"
    metrics: tuple[tuple[str, float], ...]  # budget key -> measured value

    def value(self, key: str) -> float | None:
        return dict(self.metrics).get(key)


class ResultsError(GatekeeperError):
    """A results file that names itself as one but cannot be read; names the file."""


def discover(index: RepoIndex) -> tuple[str, ...]:
    """Committed results files, by name: locust `*_stats.csv`, k6 `*summary*.json`."""
    found = []
    for entry in index.files:
        name = entry.path.rsplit("/", 1)[-1].lower()
        if name.endswith("_stats.csv") or (name.endswith(".json") and "summary" in name):
            found.append(entry.path)
    return tuple(sorted(found)[:MAX_RESULT_FILES])


def read(index: RepoIndex, path: str) -> Results | None:
    """The metrics of one results file; None when it is not a k6 or locust result."""
    try:
        text = index.read_text(path).text
    except (GatekeeperError, OSError, ValueError) as exc:
        raise ResultsError(f"{path}: cannot be read ({exc})") from exc
    if path.lower().endswith(".csv"):
        return _locust(path, text)
    try:
        data = yamlsafe.load_json(text, path)
    except GatekeeperError as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc})") from exc
    return _k6(path, data)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _k6(path: str, data: object) -> Results | None:
    metrics = data.get("metrics") if isinstance(data, Mapping) else None
    if not isinstance(metrics, Mapping):
        return None
    found: dict[str, float] = {}
    duration = _k6_values(metrics.get("http_req_duration"))
    for key, names in (
        ("p50_ms", ("med", "p(50)")),
        ("p95_ms", ("p(95)",)),
        ("p99_ms", ("p(99)",)),
    ):
        value = next((duration[n] for n in names if n in duration), None)
        if value is not None:
            found[key] = value
    failed = _k6_values(metrics.get("http_req_failed"))
    rate = failed.get("rate", failed.get("value"))
    if rate is not None:
        found["error_rate_percent"] = rate * 100
    requests = _k6_values(metrics.get("http_reqs"))
    if "rate" in requests:
        found["min_rps"] = requests["rate"]
    return Results(path, "k6", tuple(sorted(found.items()))) if found else None


def _k6_values(metric: object) -> dict[str, float]:
    """A k6 metric's numbers: at its top level (--summary-export) or under `values`."""
    if not isinstance(metric, Mapping):
        return {}
    source = metric.get("values") if isinstance(metric.get("values"), Mapping) else metric
    assert isinstance(source, Mapping)
    return {
        str(k): n for k, v in source.items() if (n := _number(v)) is not None and isinstance(k, str)
    }


_LOCUST_COLUMNS = {
    "p50_ms": ("50%", "Median Response Time"),
    "p95_ms": ("95%",),
    "p99_ms": ("99%",),
    "min_rps": ("Requests/s",),
}


def _locust(path: str, text: str) -> Results | None:
    rows = csv.DictReader(io.StringIO(text))
    if rows.fieldnames is None or "Name" not in rows.fieldnames:
        return None
    aggregated: dict[str, str] | None = None
    for number, row in enumerate(rows):
        if number >= MAX_CSV_ROWS:
            break
        if (row.get("Name") or "").strip() == "Aggregated":
            aggregated = {k: v for k, v in row.items() if isinstance(k, str) and v is not None}
    if aggregated is None:
        raise ResultsError(f"{path}: a locust stats file without an Aggregated row")
    found: dict[str, float] = {}
    for key, columns in _LOCUST_COLUMNS.items():
        value = next((_number(aggregated[c]) for c in columns if c in aggregated), None)
        if value is not None:
            found[key] = value
    requests = _number(aggregated.get("Request Count"))
    failures = _number(aggregated.get("Failure Count"))
    if requests and failures is not None:
        found["error_rate_percent"] = failures / requests * 100
    return Results(path, "locust", tuple(sorted(found.items())))


def breaches(
    budgets: Iterable[tuple[str, float]], results: Results
) -> list[tuple[str, float, float]]:
    """(budget key, budget, measured) for every budget the results do not meet."""
    out = []
    for key, limit in budgets:
        measured = results.value(key)
        if measured is None:
            continue
        direction = BUDGETS[key][1]
        if (direction == "max" and measured > limit) or (direction == "min" and measured < limit):
            out.append((key, limit, measured))
    return out
