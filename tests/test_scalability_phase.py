"""Phase 4: caching layers and outbound-call resilience on generated repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

from gatekeeper import api
from gatekeeper.model import Report

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def audit(root: Path) -> tuple[dict[str, str], list[tuple[str, str, int | None]], Report]:
    report = api.audit(root, api.Options(engines=False, phases=("scalability",))).report
    (phase,) = [p for p in report.phases if p.id == "scalability"]
    statuses = {c.id.split(".", 1)[1]: c.status.value for c in phase.criteria}
    found = sorted(
        ((f.rule_id, f.location.path, f.location.line) for f in report.findings),
        key=lambda f: (f[0], f[1], f[2] or 0),
    )
    return statuses, found, report


APP = (
    "import requests\n"
    "from flask import Flask\n\n"
    "app = Flask(__name__)\n"
    "http = requests.Session()\n\n"
    "@app.get('/v1/rates')\n"
    "def rates():\n"
    "    a = requests.get('https://rates.example/eur', timeout=(1, 3))\n"
    "    b = http.post('https://audit.example/log', json={})\n"
    "    c = requests.get('https://rates.example/usd', **{'timeout': 2})\n"
    "    return {'a': a.json(), 'b': b.ok, 'c': c.ok}\n"
)


def test_outbound_calls_without_timeout_and_without_retries(tmp_path: Path) -> None:
    root = write(tmp_path / "a", {"requirements.txt": "flask\nrequests\n", "app.py": APP})
    statuses, found, _ = audit(root)
    assert statuses["circuit_breakers"] == "fail"
    assert [f for f in found if f[0] != "GK401"] == [
        ("GK411", "requirements.txt", None),  # no cache either
        ("GK421", "app.py", 9),  # calls out, no breaker or retry library
        ("GK422", "app.py", 10),  # the session call waits forever
    ]


def test_retries_and_a_cache_pass(tmp_path: Path) -> None:
    fixed = APP.replace("json={})", "json={}, timeout=2)").replace(
        "import requests\n", "import requests\nimport tenacity\nfrom redis import Redis\n"
    )
    root = write(tmp_path / "b", {"requirements.txt": "flask\nrequests\n", "app.py": fixed})
    statuses, found, report = audit(root)
    assert statuses["circuit_breakers"] == "pass" and statuses["caching_layers"] == "pass"
    assert [f for f in found if f[0] != "GK401"] == []
    (crit,) = [c for p in report.phases for c in p.criteria if c.id == "scalability.caching_layers"]
    assert [(e.path, e.line, e.what) for e in crit.evidence] == [("app.py", 3, "imports redis")]


def test_django_cache_backend_in_settings_is_a_cache(tmp_path: Path) -> None:
    root = write(
        tmp_path / "d",
        {
            "requirements.txt": "django\n",
            "proj/settings.py": (
                "ROOT_URLCONF = 'proj.urls'\nCACHES = {\n    'default': {\n"
                "        'BACKEND': 'django_redis.cache.RedisCache',\n    }\n}\n"
            ),
            "proj/urls.py": "from django.urls import path\nurlpatterns = []\n",
        },
    )
    statuses, _, report = audit(root)
    assert statuses["caching_layers"] == "pass"
    (crit,) = [c for p in report.phases for c in p.criteria if c.id == "scalability.caching_layers"]
    assert crit.evidence[0].line == 4
    assert statuses["circuit_breakers"] == "not_applicable"


def test_example_caches_and_calls_nothing_outbound(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(FIXTURES / "example", root)
    statuses, found, _ = audit(root)
    assert statuses["caching_layers"] == "pass" and found == []  # and scaling is documented


def test_scaling_strategy_from_docs_or_deployment_config(tmp_path: Path) -> None:
    app = {
        "requirements.txt": "flask\n",
        "app.py": "from flask import Flask\napp = Flask(__name__)\n",
    }
    statuses, found, _ = audit(write(tmp_path / "none", app))
    assert statuses["scaling_strategy_documented"] == "fail" and ("GK401", ".", None) in found
    hpa = write(
        tmp_path / "hpa",
        {**app, "k8s/hpa.yaml": "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"},
    )
    statuses, _, report = audit(hpa)
    assert statuses["scaling_strategy_documented"] == "pass"
    (crit,) = [
        c
        for p in report.phases
        for c in p.criteria
        if c.id == "scalability.scaling_strategy_documented"
    ]
    assert (crit.evidence[0].path, crit.evidence[0].line) == ("k8s/hpa.yaml", 2)
    one = write(
        tmp_path / "one",
        {**app, "compose.yaml": "services:\n  app:\n    deploy:\n      replicas: 1\n"},
    )
    assert audit(one)[0]["scaling_strategy_documented"] == "fail"  # one replica scales nothing
    docs = write(
        tmp_path / "docs",
        {
            **app,
            "docs/architecture.md": (
                "# Design\n\n## Scaling\n\nThe API is stateless; we add replicas.\n"
            ),
        },
    )
    statuses, _, report = audit(docs)
    assert statuses["scaling_strategy_documented"] == "pass"


def test_package_cycles_and_drivers_in_route_modules(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "s"\nversion = "1"\ndependencies = ["fastapi"]\n',
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/routes.py": (
            "import psycopg\nfrom fastapi import APIRouter\nfrom app.core.config import NAME\n\n"
            "router = APIRouter()\n\n@router.get('/v1/x')\ndef x() -> dict:\n    return {}\n"
        ),
        "app/core/__init__.py": "",
        "app/core/config.py": "NAME = 'x'\n",
        "app/core/jobs.py": "from ..models.user import User\n",
        "app/models/__init__.py": "",
        "app/models/user.py": "from app.core import config\n\nclass User:\n    pass\n",
        "app/main.py": (
            "from fastapi import FastAPI\nfrom app.api.routes import router\n\n"
            "app = FastAPI()\napp.include_router(router)\n"
        ),
    }
    statuses, found, report = audit(write(tmp_path / "svc", files))
    assert statuses["service_boundaries"] == "fail"
    mine = [f for f in found if f[0] in ("GK441", "GK442")]
    assert mine == [
        ("GK441", "app/core/jobs.py", 1),  # app.core -> app.models -> app.core
        ("GK442", "app/api/routes.py", 1),  # a route module imports psycopg
    ]
    cycle = next(f for f in report.findings if f.rule_id == "GK441")
    assert cycle.message == "packages app.core <-> app.models import each other"


def test_one_way_imports_pass_and_other_languages_are_not_judged(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(FIXTURES / "example", root)
    statuses, _, _ = audit(root)
    assert statuses["service_boundaries"] == "pass"
    node = write(
        tmp_path / "node",
        {"package.json": '{"dependencies": {"express": "4"}}', "index.js": "const a = 1;\n"},
    )
    assert audit(node)[0]["service_boundaries"] == "error"


def test_database_clients_without_connect_timeout(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "scalability-db-timeouts", root)
    statuses, found, report = audit(root)
    assert statuses["circuit_breakers"] == "fail"
    assert [f for f in found if f[0] == "GK423"] == [
        ("GK423", "app.py", 8),
        ("GK423", "app.py", 9),
    ]
    (phase,) = [p for p in report.phases if p.id == "scalability"]
    (crit,) = [c for c in phase.criteria if c.id == "scalability.circuit_breakers"]
    assert ("app.py", 10, "create_engine: connect timeout set") in {
        (e.path, e.line, e.what) for e in crit.evidence
    }
    # Both given timeouts: the database clients are judged and bounded, so the criterion passes.
    app = root / "app.py"
    app.write_text(
        app.read_text()
        .replace(
            'create_engine("postgresql+psycopg2://app@db:5432/app")',
            'create_engine("postgresql+psycopg2://app@db:5432/app?connect_timeout=3")',
        )
        .replace(
            'redis.Redis(host="cache", port=6379)',
            'redis.Redis(host="cache", port=6379, socket_connect_timeout=1, socket_timeout=1)',
        )
    )
    statuses, found, _ = audit(root)
    assert statuses["circuit_breakers"] == "pass"
    assert not [f for f in found if f[0] == "GK423"]


def test_state_kept_in_the_process_breaks_scaling_out(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "scalability-stateful", root)
    statuses, found, report = audit(root)
    assert statuses["scaling_strategy_documented"] == "fail"
    assert [f for f in found if f[0].startswith("GK40")] == [
        ("GK402", "app.py", 21),  # visit() writes to VISITS
        ("GK402", "app.py", 28),  # count() reassigns the global counter
        ("GK403", "app.py", 9),  # Flask-Session on the local disk
        ("GK404", "app.py", 35),  # an upload saved locally, three replicas
    ]
    messages = {f.location.line: f.message for f in report.findings if f.rule_id == "GK402"}
    assert messages == {21: "visit() writes to VISITS", 28: "count() reassigns served"}
    # One replica: the upload stays on the one disk there is; the process state is still state.
    (root / "deploy" / "deployment.yaml").unlink()
    _, found, _ = audit(root)
    assert [f for f in found if f[0].startswith("GK40")] == [
        ("GK401", ".", None),
        ("GK402", "app.py", 21),
        ("GK402", "app.py", 28),
        ("GK403", "app.py", 9),
    ]
