"""Phase 6: metrics, tracing and health checks on fixtures and generated repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

from gatekeeper import api
from gatekeeper.model import Report

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def audit(root: Path) -> tuple[dict[str, str], list[tuple[str, str]], Report]:
    report = api.audit(root, api.Options(engines=False, phases=("observability",))).report
    (phase,) = [p for p in report.phases if p.id == "observability"]
    statuses = {c.id.split(".", 1)[1]: c.status.value for c in phase.criteria}
    return statuses, sorted((f.rule_id, f.location.path) for f in report.findings), report


def evidence(report: Report, criterion: str) -> list[tuple[str, int | None, str]]:
    (crit,) = [c for p in report.phases for c in p.criteria if c.id == criterion]
    return [(e.path, e.line, e.what) for e in crit.evidence]


def copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest)
    return dest


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_example_collects_metrics_traces_and_serves_health(tmp_path: Path) -> None:
    statuses, found, report = audit(copy("example", tmp_path))
    assert statuses["metrics_collection"] == "pass"
    assert statuses["distributed_tracing"] == "pass"
    assert statuses["health_checks"] == "pass"
    assert found == []
    assert ("app/main.py", 6, "imports prometheus_client") in evidence(
        report, "observability.metrics_collection"
    )
    assert evidence(report, "observability.distributed_tracing") == [
        ("app/main.py", 5, "imports opentelemetry.instrumentation.fastapi")
    ]
    assert [(p, w) for p, _, w in evidence(report, "observability.health_checks")] == [
        ("app/main.py", "serves GET /health")
    ]


def test_uninstrumented_service_fails_metrics_and_tracing(tmp_path: Path) -> None:
    statuses, found, _ = audit(copy("routes-fastapi", tmp_path))
    assert statuses["metrics_collection"] == "fail"
    assert statuses["distributed_tracing"] == "fail"
    assert ("GK611", "pyproject.toml") in found and ("GK621", "pyproject.toml") in found


APP = (
    "from flask import Flask\n\napp = Flask(__name__)\n\n"
    "@app.post('/v1/items')\ndef items():\n    return {}\n"
)


def test_health_checks_from_probes_or_nothing(tmp_path: Path) -> None:
    bare = write(tmp_path / "bare", {"requirements.txt": "flask\n", "app.py": APP})
    statuses, found, _ = audit(bare)
    assert statuses["health_checks"] == "fail" and ("GK631", "requirements.txt") in found
    docker = write(
        tmp_path / "docker",
        {
            "requirements.txt": "flask\n",
            "app.py": APP,
            "Dockerfile": "FROM python:3.12\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n",
        },
    )
    statuses, _, report = audit(docker)
    assert statuses["health_checks"] == "pass"
    assert evidence(report, "observability.health_checks") == [
        ("Dockerfile", 2, "Dockerfile HEALTHCHECK")
    ]
    k8s = write(
        tmp_path / "k8s",
        {
            "requirements.txt": "flask\n",
            "app.py": APP,
            "deploy/app.yaml": "spec:\n  containers:\n    - name: app\n      readinessProbe:\n"
            "        httpGet: {path: /, port: 80}\n",
        },
    )
    statuses, _, report = audit(k8s)
    assert evidence(report, "observability.health_checks") == [
        ("deploy/app.yaml", 4, "readinessProbe")
    ]


def test_routes_not_read_make_health_checks_an_error(tmp_path: Path) -> None:
    statuses, _, _ = audit(copy("routes-express", tmp_path))  # engines off: routes unknown
    assert statuses["health_checks"] == "error"


LOGGING_APP = (
    "import logging\n"
    "from flask import Flask\n\n"
    "log = logging.getLogger(__name__)\n"
    "app = Flask(__name__)\n\n"
    "@app.post('/v1/login')\n"
    "def login(user, password):\n"
    "    print('login', user)\n"
    "    log.info(f'login {user}')\n"
    "    log.info('attempt', extra={'password': password})\n"
    "    try:\n"
    "        audit(user)\n"
    "    except Exception:\n"
    "        pass\n"
    "    try:\n"
    "        audit(user)\n"
    "    except KeyError:\n"
    "        pass  # narrow: deliberate\n"
    "    return {}\n"
)


def test_python_logging_findings_with_their_lines(tmp_path: Path) -> None:
    root = write(
        tmp_path / "a",
        {
            "requirements.txt": "flask\n",
            "app.py": LOGGING_APP,
            "scripts/seed.py": "print('seeding')\n",  # a script may print
        },
    )
    statuses, _, _ = audit(root)
    assert statuses["structured_logging"] == "fail"
    report = api.audit(root, api.Options(engines=False, phases=("observability",))).report
    lines = sorted(
        (f.rule_id, f.location.path, f.location.line)
        for f in report.findings
        if f.criterion_id == "observability.structured_logging"
    )
    assert lines == [
        ("GK601", "requirements.txt", None),
        ("GK602", "app.py", 9),  # print
        ("GK603", "app.py", 10),  # f-string message
        ("GK604", "app.py", 14),  # except Exception: pass (the KeyError one is deliberate)
        ("GK605", "app.py", 11),  # extra={"password": ...}
    ]


def test_a_json_logger_is_structured(tmp_path: Path) -> None:
    statuses, _, report = audit(shutil.copytree(FIXTURES / "example", tmp_path / "ex"))
    assert statuses["structured_logging"] == "pass"
    assert ("app/log.py", 3, "imports pythonjsonlogger.json") in evidence(
        report, "observability.structured_logging"
    )


def test_alert_rules_as_code(tmp_path: Path) -> None:
    statuses, _, report = audit(shutil.copytree(FIXTURES / "example", tmp_path / "ex"))
    assert statuses["alerting"] == "pass"
    assert evidence(report, "observability.alerting")[0][:2] == ("deploy/alerts.yaml", 4)
    bare = write(
        tmp_path / "bare",
        {
            "requirements.txt": "flask\n",
            "app.py": APP,
            "otel.yaml": "receivers:\n  otlp: {}\n",  # an OpenTelemetry collector, not alerts
        },
    )
    statuses, found, _ = audit(bare)
    assert statuses["alerting"] == "fail"
    assert ("GK641", ".") in found
