"""Stack detection: services, roots and detections on the fixture repos and on hand-built ones."""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from gatekeeper.model import Evidence, Service
from gatekeeper.stack import (
    DETECTION_NAMES,
    KINDS,
    StackResult,
    detect_services,
    normalize_requirement_name,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# ---------------------------------------------------------------------------- helpers

_PY_IMPORT = re.compile(r"^\s*import\s+([\w.]+)")
_PY_FROM = re.compile(r"^\s*from\s+([\w.]+)\s+import\b")
_JS_IMPORT = re.compile(
    r"""require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s.*?from\s+['"]([^'"]+)['"]"""
    r"""|^\s*import\s+['"]([^'"]+)['"]"""
)
_GO_IMPORT = re.compile(r"""^\s*(?:import\s+)?(?:[\w.]+\s+)?"([^"]+)"\s*$""")
_JAVA_IMPORT = re.compile(r"^\s*import\s+(?:static\s+)?([\w.]+)\s*;")


def extract_imports(path: str, text: str) -> list[tuple[str, int]]:
    """A tiny stand-in for gatekeeper.extract.imports (same shapes: `from x import y` -> x)."""
    found: list[tuple[str, int]] = []
    ext = os.path.splitext(path)[1]
    in_go_block = False
    for number, line in enumerate(text.splitlines(), start=1):
        if ext == ".py":
            match = _PY_FROM.match(line) or _PY_IMPORT.match(line)
            if match:
                found.append((match.group(1), number))
        elif ext in (".js", ".mjs", ".ts", ".tsx"):
            found.extend(
                (next(g for g in m.groups() if g), number) for m in _JS_IMPORT.finditer(line)
            )
        elif ext == ".go":
            if line.startswith("import ("):
                in_go_block = True
            elif in_go_block and line.strip() == ")":
                in_go_block = False
            elif (in_go_block or line.startswith("import ")) and (m := _GO_IMPORT.match(line)):
                found.append((m.group(1), number))
        elif ext in (".java", ".kt") and (m := _JAVA_IMPORT.match(line)):
            found.append((m.group(1), number))
    return found


def scan_fixture(name: str, tmp_path: Path) -> StackResult:
    """Copy a fixture repo, list it like the index would, and detect its stack."""
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    files: list[str] = []
    for directory, dirs, names in os.walk(root):
        dirs.sort()
        files.extend((Path(directory) / n).relative_to(root).as_posix() for n in names)

    def read_text(path: str) -> str | None:
        try:
            return (root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    imports = {p: extract_imports(p, read_text(p) or "") for p in files}
    return detect_services(files, read_text, imports)


def detect(
    repo: Mapping[str, str | None],
    imports: Mapping[str, Sequence[tuple[str, int]]] | None = None,
) -> StackResult:
    """Detect over an in-memory repo; None stands for a file the index could not read."""
    read_text: Callable[[str], str | None] = repo.get
    if imports is None:
        imports = {p: extract_imports(p, t or "") for p, t in repo.items()}
    return detect_services(list(repo), read_text, imports)


def by_root(result: StackResult) -> dict[str, Service]:
    return {s.root: s for s in result.services}


def names(service: Service) -> dict[str, set[str]]:
    return {kind: set(service.names(kind)) for kind in KINDS if service.names(kind)}


def evidence(service: Service, kind: str, name: str) -> tuple[Evidence, ...]:
    found = [d for d in service.detections if d.kind == kind and d.name == name]
    assert found, f"no {kind} {name} in {service.root}"
    return found[0].evidence


def places(service: Service, kind: str, name: str) -> set[tuple[str, int | None]]:
    return {(e.path, e.line) for e in evidence(service, kind, name)}


# ---------------------------------------------------------------------------- fixtures

FIXTURE_CASES: dict[str, dict[str, dict[str, object]]] = {
    "fastapi-postgres": {
        ".": {
            "name": "orders-api",
            "manifests": ("pyproject.toml",),
            "detections": {
                "language": {"python"},
                "framework": {"fastapi"},
                "database": {"postgresql"},
                "auth": {"pyjwt", "fastapi-security"},
                "api_style": {"rest"},
                "deployment": {"docker"},
            },
            "evidence": [
                ("framework", "fastapi", "pyproject.toml", 10),
                ("framework", "fastapi", "app/main.py", 4),
                ("database", "postgresql", "pyproject.toml", 13),
                ("database", "postgresql", "app/db.py", 6),
                ("auth", "pyjwt", "pyproject.toml", 14),
                ("auth", "fastapi-security", "app/main.py", 5),
                ("deployment", "docker", "Dockerfile", 2),
            ],
        }
    },
    "flask-mysql": {
        ".": {
            "name": "root",
            "manifests": ("requirements.txt",),
            "detections": {
                "language": {"python"},
                "framework": {"flask"},
                "database": {"mysql"},
                "auth": {"flask-login"},
                "api_style": {"rest"},
                "deployment": {"docker-compose"},
            },
            "evidence": [
                ("framework", "flask", "requirements.txt", 2),
                ("framework", "flask", "app.py", 4),
                ("database", "mysql", "requirements.txt", 5),
                ("database", "mysql", "docker-compose.yml", 11),
                ("database", "mysql", "docker-compose.yml", 7),
                ("auth", "flask-login", "requirements.txt", 3),
            ],
        }
    },
    "django-postgres": {
        ".": {
            "name": "root",
            "manifests": ("requirements.txt",),
            "detections": {
                "language": {"python"},
                "framework": {"django"},
                "database": {"postgresql"},
                "auth": {"django-auth"},
                "api_style": {"rest"},
                "deployment": {"vm"},
            },
            "evidence": [
                ("framework", "django", "requirements.txt", 1),
                ("database", "postgresql", "requirements.txt", 3),
                ("database", "postgresql", "mysite/settings.py", 22),
                ("auth", "django-auth", "mysite/settings.py", 11),
                ("auth", "django-auth", "notes/views.py", 1),
                ("deployment", "vm", "Procfile", 1),
            ],
        }
    },
    "aiohttp-mongo": {
        ".": {
            "name": "inventory",
            "manifests": ("pyproject.toml",),
            "detections": {
                "language": {"python"},
                "framework": {"aiohttp"},
                "database": {"mongodb"},
                "api_style": {"rest"},
                "deployment": {"docker"},
            },
            "evidence": [
                ("framework", "aiohttp", "pyproject.toml", 9),
                ("framework", "aiohttp", "inventory/server.py", 3),
                ("database", "mongodb", "pyproject.toml", 10),
                ("database", "mongodb", ".env.example", 2),
            ],
        }
    },
    "express-mongo": {
        ".": {
            "name": "catalog-service",
            "manifests": ("package.json",),
            "detections": {
                "language": {"javascript"},
                "framework": {"express"},
                "database": {"mongodb"},
                "auth": {"jsonwebtoken"},
                "api_style": {"rest"},
                "deployment": {"docker", "kubernetes"},
            },
            "evidence": [
                ("framework", "express", "package.json", 12),
                ("framework", "express", "src/app.js", 2),
                ("database", "mongodb", "package.json", 14),
                ("auth", "jsonwebtoken", "package.json", 13),
                ("deployment", "kubernetes", "k8s/deployment.yaml", 2),
                ("deployment", "kubernetes", "k8s/deployment.yaml", 22),
            ],
        }
    },
    "gin-postgres": {
        ".": {
            "name": "ledger",
            "manifests": ("go.mod",),
            "detections": {
                "language": {"go"},
                "framework": {"gin"},
                "database": {"postgresql"},
                "auth": {"golang-jwt"},
                "api_style": {"rest"},
                "deployment": {"docker"},
            },
            "evidence": [
                ("framework", "gin", "go.mod", 6),
                ("framework", "gin", "main.go", 9),
                ("database", "postgresql", "go.mod", 8),
                ("database", "postgresql", "internal/store/store.go", 8),
                ("auth", "golang-jwt", "go.mod", 7),
            ],
        }
    },
    "spring-mysql": {
        ".": {
            "name": "accounts",
            "manifests": ("pom.xml",),
            "detections": {
                "language": {"java"},
                "framework": {"spring-boot"},
                "database": {"mysql"},
                "auth": {"spring-security"},
                "api_style": {"rest"},
            },
            "evidence": [
                ("framework", "spring-boot", "pom.xml", 18),
                (
                    "framework",
                    "spring-boot",
                    "src/main/java/com/acme/accounts/AccountController.java",
                    6,
                ),
                ("database", "mysql", "pom.xml", 30),
                ("database", "mysql", "src/main/resources/application.properties", 2),
                ("auth", "spring-security", "pom.xml", 22),
            ],
        }
    },
    "serverless-dynamodb": {
        ".": {
            "name": "root",
            "manifests": ("requirements.txt",),
            "detections": {
                "language": {"python"},
                "database": {"dynamodb"},
                "deployment": {"serverless"},
            },
            "evidence": [
                ("database", "dynamodb", "serverless.yml", 25),
                ("database", "dynamodb", "handler.py", 6),
                ("deployment", "serverless", "serverless.yml", 4),
            ],
        }
    },
    "monorepo": {
        "services/api": {
            "name": "platform-api",
            "manifests": ("services/api/pyproject.toml",),
            "detections": {
                "language": {"python"},
                "framework": {"fastapi"},
                "database": {"postgresql"},
                "api_style": {"rest"},
                "deployment": {"docker-compose"},
            },
            "evidence": [
                ("framework", "fastapi", "services/api/pyproject.toml", 5),
                ("database", "postgresql", "docker-compose.yml", 17),
                ("database", "postgresql", "docker-compose.yml", 5),
                ("deployment", "docker-compose", "docker-compose.yml", 2),
            ],
        },
        "services/gateway": {
            "name": "gateway",
            "manifests": ("services/gateway/package.json",),
            "detections": {
                "language": {"javascript"},
                "framework": {"express"},
                "auth": {"passport", "express-session"},
                "api_style": {"rest"},
                "deployment": {"docker-compose"},
            },
            "evidence": [
                ("framework", "express", "services/gateway/package.json", 5),
                ("auth", "passport", "services/gateway/index.js", 3),
                ("deployment", "docker-compose", "docker-compose.yml", 8),
            ],
        },
    },
}


@pytest.mark.parametrize("fixture", sorted(FIXTURE_CASES))
def test_fixture(fixture: str, tmp_path: Path) -> None:
    expected = FIXTURE_CASES[fixture]
    result = scan_fixture(fixture, tmp_path)
    assert result.problems == ()
    services = by_root(result)
    assert sorted(services) == sorted(expected)
    for root, want in expected.items():
        service = services[root]
        assert service.name == want["name"]
        assert service.manifests == want["manifests"]
        assert names(service) == want["detections"]
        for kind, name, path, line in want["evidence"]:  # type: ignore[attr-defined]
            assert (path, line) in places(service, kind, name), (kind, name, path, line)


def test_fixture_detections_use_only_documented_names(tmp_path: Path) -> None:
    for fixture in FIXTURE_CASES:
        for service in scan_fixture(fixture, tmp_path / fixture).services:
            for detection in service.detections:
                assert detection.name in DETECTION_NAMES[detection.kind]
                assert detection.evidence, detection
                assert list(detection.evidence) == sorted(
                    detection.evidence, key=lambda e: (e.path, e.line or 0, e.what)
                )


def test_test_files_do_not_make_the_stack(tmp_path: Path) -> None:
    service = scan_fixture("fastapi-postgres", tmp_path).services[0]
    assert "sqlite" not in service.names("database")  # tests/test_main.py imports sqlite3


def test_monorepo_root_tooling_package_is_not_a_service(tmp_path: Path) -> None:
    result = scan_fixture("monorepo", tmp_path)
    assert [s.root for s in result.services] == ["services/api", "services/gateway"]
    assert all("package.json" not in s.manifests for s in result.services)
    gateway = by_root(result)["services/gateway"]
    assert "postgresql" not in gateway.names("database")  # compose links postgres to api only


# ---------------------------------------------------------------------------- manifests


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Flask_Login", "flask-login"),
        ("zope.interface", "zope-interface"),
        ("PyJWT", "pyjwt"),
        ("python--jose", "python-jose"),
    ],
)
def test_requirement_name_normalization(raw: str, normalized: str) -> None:
    assert normalize_requirement_name(raw) == normalized


def test_requirement_lines_extras_versions_markers() -> None:
    result = detect(
        {
            "requirements.txt": (
                "# web\n"
                "FastAPI[all]>=0.110 ; python_version >= '3.11'\n"
                "uvicorn[standard]>=0.20 \\\n"
                "    --hash=sha256:abc\n"
                "--index-url https://pypi.example/simple\n"
                "-e git+https://github.com/acme/login.git#egg=Flask_Login\n"
                "./vendor/localpkg\n"
                "https://example.com/pkg.tar.gz\n"
                "Psycopg2-Binary==2.9  # the driver\n"
            ),
        }
    )
    service = result.services[0]
    assert names(service)["framework"] == {"fastapi"}
    assert places(service, "framework", "fastapi") == {("requirements.txt", 2)}
    assert places(service, "auth", "flask-login") == {("requirements.txt", 6)}
    assert places(service, "database", "postgresql") == {("requirements.txt", 9)}
    assert evidence(service, "database", "postgresql")[0].what == "depends on Psycopg2-Binary==2.9"


def test_requirement_includes() -> None:
    result = detect(
        {
            "requirements.txt": "-r requirements/base.txt\nfastapi\n",
            "requirements/base.txt": (
                "--requirement=common.txt\n-r ../../outside.txt\n-r missing.txt\n"
                "-r ../requirements.txt\n"
            ),
            "requirements/common.txt": "asyncpg>=0.29\n",
            "requirements-dev.txt": "-r requirements.txt\nDjango==5.0\npymongo\n",
        }
    )
    service = result.services[0]
    assert service.root == "."
    assert service.manifests == (
        "requirements-dev.txt",
        "requirements.txt",
        "requirements/base.txt",
        "requirements/common.txt",
    )
    assert names(service)["framework"] == {"fastapi"}  # Django is only a dev requirement
    assert "mongodb" not in service.names("database")
    assert places(service, "database", "postgresql") == {("requirements/common.txt", 1)}
    problems = {(p.path, p.line): p.message for p in result.problems}
    assert "points outside the repository" in problems[("requirements/base.txt", 2)]
    assert "no such file" in problems[("requirements/base.txt", 3)]
    assert len(result.problems) == 2


def test_requirement_include_depth_is_bounded() -> None:
    repo = {f"req{i}.txt": f"-r req{i + 1}.txt\n" for i in range(12)}
    repo["requirements.txt"] = "-r req0.txt\nflask\n"
    repo["req12.txt"] = "pymysql\n"
    result = detect(repo)
    assert any("nest deeper than 8" in p.message for p in result.problems)
    assert names(result.services[0])["framework"] == {"flask"}


def test_runtime_include_wins_over_a_dev_include_of_the_same_file() -> None:
    result = detect(
        {
            "requirements.txt": "-r b.txt\n-r a-dev.txt\n",
            "a-dev.txt": "-r common.txt\n",
            "b.txt": "-r common.txt\n",
            "common.txt": "flask\n",
            "requirements/test.txt": "-r ../common.txt\nfastapi\n",
            "requirements/broken.txt": None,
        }
    )
    (service,) = result.services
    assert names(service)["framework"] == {"flask"}
    assert places(service, "framework", "flask") == {("common.txt", 1)}
    assert [p.path for p in result.problems] == ["requirements/broken.txt"]


def test_include_webs_and_problem_floods_are_bounded() -> None:
    repo = {
        f"requirements-{i}.txt": "".join(f"-r requirements-{j}.txt\n" for j in range(60))
        for i in range(60)
    }
    repo["requirements-0.txt"] += "".join(f"-r missing-{k}.txt\n" for k in range(50)) + "flask\n"
    result = detect(repo)
    assert names(result.services[0])["framework"] == {"flask"}
    flood = [p for p in result.problems if p.path == "requirements-0.txt"]
    assert len(flood) == 21
    assert any("rest are not listed" in p.message for p in flood)
    assert any("more than 32 files" in p.message for p in result.problems)


def test_pyproject_poetry_groups_and_optional_dependencies() -> None:
    pyproject = (
        '[project]\nname = "svc"\ndependencies = ["flask"]\n'
        '[project.optional-dependencies]\npostgres = ["psycopg"]\ntest = ["pymongo"]\n'
        '[dependency-groups]\ndev = ["django"]\n'
        "[tool.poetry.dependencies]\npython = '^3.11'\nPyJWT = '^2'\n"
        "[tool.poetry.group.dev.dependencies]\nfastapi = '*'\n"
        "[tool.poetry.dev-dependencies]\naiohttp = '*'\n"
    )
    service = detect({"pyproject.toml": pyproject}).services[0]
    assert service.name == "svc"
    assert names(service) == {
        "language": {"python"},
        "framework": {"flask"},
        "database": {"postgresql"},
        "auth": {"pyjwt"},
        "api_style": {"rest"},
    }
    assert places(service, "auth", "pyjwt") == {("pyproject.toml", 11)}
    assert evidence(service, "language", "python")[0].what == "python project manifest"


def test_other_python_manifests() -> None:
    result = detect(
        {
            "a/setup.py": (
                "from setuptools import setup\n"
                "setup(\n    name='alpha',\n    install_requires=[\n"
                "        'flask>=3',\n        \"PyMySQL\",\n    ],\n)\n"
            ),
            "b/setup.cfg": (
                "[metadata]\nname = beta\n[options]\ninstall_requires =\n"
                "    aiohttp>=3.9\n    motor  # driver\n"
            ),
            "c/Pipfile": '[packages]\ndjango = "*"\n[dev-packages]\nflask = "*"\n',
        }
    )
    services = by_root(result)
    assert (services["a"].name, services["b"].name, services["c"].name) == ("alpha", "beta", "c")
    assert names(services["a"])["database"] == {"mysql"}
    assert places(services["a"], "framework", "flask") == {("a/setup.py", 5)}
    assert places(services["b"], "database", "mongodb") == {("b/setup.cfg", 6)}
    assert names(services["c"])["framework"] == {"django"}
    assert places(services["c"], "framework", "django") == {("c/Pipfile", 2)}


def test_dev_dependencies_do_not_make_a_framework() -> None:
    package = (
        '{\n  "name": "tool",\n  "dependencies": {"lodash": "4"},\n'
        '  "devDependencies": {"express": "4", "mongoose": "8"},\n'
        '  "peerDependencies": {"koa": "2"}\n}\n'
    )
    service = detect({"package.json": package, "index.js": "const _ = require('lodash');\n"})
    assert names(service.services[0]) == {"language": {"javascript"}}


def test_package_json_line_is_in_its_section() -> None:
    package = (
        '{\n  "devDependencies": {\n    "pg": "8"\n  },\n'
        '  "dependencies": {\n    "express": "4",\n    "pg": "8"\n  }\n}\n'
    )
    service = detect({"package.json": package}).services[0]
    assert places(service, "database", "postgresql") == {("package.json", 7)}


def test_go_mod_single_line_requires_and_indirect() -> None:
    go_mod = (
        "module example.com/acme/billing\n\ngo 1.22\n\n"
        "require github.com/labstack/echo/v4 v4.11.4\n"
        "require (\n\tgo.mongodb.org/mongo-driver v1.14.0 // indirect\n"
        '\t"github.com/gorilla/sessions" v1.2.2\n)\n'
    )
    service = detect({"go.mod": go_mod}).services[0]
    assert service.name == "billing"
    assert names(service) == {
        "language": {"go"},
        "framework": {"echo"},
        "auth": {"gorilla-sessions"},
        "api_style": {"rest"},
    }
    assert places(service, "framework", "echo") == {("go.mod", 5)}


def test_gradle_kotlin() -> None:
    gradle = (
        'plugins { id("org.springframework.boot") version "3.2.4" }\n'
        "dependencies {\n"
        '    implementation("org.springframework.boot:spring-boot-starter-webflux")\n'
        '    runtimeOnly("org.postgresql:postgresql:42.7.3")\n'
        '    testImplementation("io.jsonwebtoken:jjwt-api:0.12.5")\n'
        "    implementation group: 'io.grpc', name: 'grpc-netty', version: '1.62.2'\n"
        "}\n"
    )
    result = detect(
        {
            "build.gradle.kts": gradle,
            "src/main/kotlin/App.kt": "import org.springframework.boot.runApplication\n",
        }
    )
    service = result.services[0]
    assert names(service) == {
        "language": {"kotlin"},
        "framework": {"spring-boot"},
        "database": {"postgresql"},
        "api_style": {"grpc", "rest"},
    }
    assert places(service, "database", "postgresql") == {("build.gradle.kts", 4)}


def test_pom_dependency_lines_skip_dependency_management() -> None:
    pom = (
        "<project>\n  <artifactId>svc</artifactId>\n  <dependencyManagement>\n"
        "    <dependencies><dependency>\n"
        "      <groupId>org.postgresql</groupId>\n"
        "      <artifactId>postgresql</artifactId>\n"
        "    </dependency></dependencies>\n  </dependencyManagement>\n"
        "  <dependencies>\n    <dependency>\n"
        "      <groupId>org.postgresql</groupId>\n"
        "      <artifactId>postgresql</artifactId>\n"
        "    </dependency>\n"
        "    <dependency><groupId>jakarta.ws.rs</groupId>"
        "<artifactId>jakarta.ws.rs-api</artifactId><scope>provided</scope></dependency>\n"
        "    <dependency><groupId>org.mongodb</groupId>"
        "<artifactId>mongodb-driver-sync</artifactId><scope>test</scope></dependency>\n"
        "  </dependencies>\n</project>\n"
    )
    service = detect({"pom.xml": pom}).services[0]
    assert service.name == "svc"
    assert places(service, "database", "postgresql") == {("pom.xml", 12)}
    assert names(service)["framework"] == {"jax-rs"}
    assert "mongodb" not in service.names("database")


@pytest.mark.parametrize(
    ("name", "pom"),
    [
        (
            "external entity",
            '<?xml version="1.0"?>\n<!DOCTYPE project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            "\n<project><artifactId>&xxe;</artifactId></project>\n",
        ),
        (
            "billion laughs",
            '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(
                f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.replace("&lol0;", "&lol;")
                for i in range(1, 10)
            )
            + "]>\n<project><artifactId>&lol9;</artifactId></project>\n",
        ),
    ],
)
def test_hostile_pom_is_rejected_without_expansion(name: str, pom: str) -> None:
    result = detect({"svc/pom.xml": pom, "svc/src/Main.java": "class Main {}\n"})
    (problem,) = result.problems
    assert problem.path == "svc/pom.xml"
    assert "DTD" in problem.message and "not considered" in problem.message
    (service,) = result.services
    assert service.name == "svc"  # the hostile artifactId was never read
    assert names(service) == {"language": {"java"}}


@pytest.mark.parametrize(
    ("path", "text", "line", "message"),
    [
        ("pyproject.toml", "[project]\nname = \n", 2, "invalid TOML"),
        ("pyproject.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n", None, "TOML"),
        ("Pipfile", "[packages\n", 1, "invalid TOML"),
        ("package.json", '{"name": "x",\n "name": "y"}', 2, "duplicate key 'name'"),
        ("package.json", '{"name": "x",', 1, "invalid JSON"),
        ("package.json", "[1, 2]", None, "not a JSON object"),
        ("package.json", '{"dependencies": ["express"]}', None, "dependencies is not an object"),
        ("setup.cfg", "[metadata\nname = x\n", 1, "invalid setup.cfg"),
        ("pom.xml", "<project>\n<dependencies>\n</project>", 3, "invalid XML"),
        ("pom.xml", "<settings/>", None, "no <project> root"),
        ("go.mod", None, None, "could not read the file"),
    ],
)
def test_unusable_manifests_are_problems(
    path: str, text: str | None, line: int | None, message: str
) -> None:
    result = detect({path: text, "main.py": "import flask\n"})
    assert [(p.path, p.line) for p in result.problems] == [(path, line)]
    assert message in result.problems[0].message
    (service,) = result.services  # the directory still holds a manifest, so still a service
    assert service.root == "."
    assert service.manifests == (path,)


# ---------------------------------------------------------------------------- service roots


def test_nested_manifest_without_framework_merges_into_its_service() -> None:
    result = detect(
        {
            "pyproject.toml": '[project]\nname = "site"\ndependencies = ["django"]\n',
            "docs/requirements.txt": "sphinx\n",
            "frontend/package.json": '{"name": "ui", "dependencies": {"react": "18"}}',
            "frontend/src/index.js": "import React from 'react';\n",
            "site/views.py": "from django.http import JsonResponse\n",
        }
    )
    (service,) = result.services
    assert service.root == "." and service.name == "site"
    assert service.manifests == ("docs/requirements.txt", "frontend/package.json", "pyproject.toml")
    assert names(service)["language"] == {"javascript", "python"}


def test_nested_service_with_framework_stands_alone() -> None:
    result = detect(
        {
            "requirements.txt": "flask\n",
            "app.py": "import flask\n",
            "api/package.json": '{"name": "api", "dependencies": {"fastify": "4"}}',
            "api/server.js": "const fastify = require('fastify');\n",
        }
    )
    services = by_root(result)
    assert sorted(services) == [".", "api"]
    assert names(services["api"])["framework"] == {"fastify"}
    assert names(services["."])["framework"] == {"flask"}
    assert "javascript" not in services["."].names("language")


def test_frameworkless_manifest_above_services_is_an_umbrella() -> None:
    # Documented rule: no framework of its own and services below -> tooling, not a service.
    result = detect(
        {
            "go.mod": "module example.com/tools\n",
            "tools/gen.go": "package main\n",
            "api/package.json": '{"name": "api", "dependencies": {"fastify": "4"}}',
        }
    )
    assert [s.root for s in result.services] == ["api"]


def test_tooling_root_with_a_frameworkless_sub_service() -> None:
    result = detect(
        {
            "package.json": '{"name": "mono", "dependencies": {"lodash": "4"}}',
            "services/api/package.json": '{"name": "api", "dependencies": {"koa": "2"}}',
            "services/worker/go.mod": "module example.com/worker\n",
            "services/worker/main.go": "package main\n",
            "scripts/release.py": "import os\n",
        }
    )
    services = by_root(result)
    assert sorted(services) == ["services/api", "services/worker"]
    assert names(services["services/worker"]) == {"language": {"go"}}
    assert services["services/worker"].name == "worker"


def test_no_framework_is_still_a_service() -> None:
    result = detect(
        {
            "worker/pyproject.toml": '[project]\nname = "worker"\ndependencies = ["celery"]\n',
            "worker/tasks.py": "import celery\n",
        }
    )
    (service,) = result.services
    assert (service.root, service.name) == ("worker", "worker")
    assert names(service) == {"language": {"python"}}
    assert evidence(service, "language", "python") == (
        Evidence("worker/tasks.py", None, "python source"),
    )


def test_sources_without_manifest_make_one_root_service() -> None:
    source = 'package main\n\nimport (\n\t"github.com/go-chi/chi/v5"\n)\n'
    (service,) = detect({"main.go": source, "README.md": "hi"}).services
    assert (service.root, service.name, service.manifests) == (".", "root", ())
    assert places(service, "framework", "chi") == {("main.go", 4)}


def test_nothing_to_detect() -> None:
    assert detect({"README.md": "docs only"}) == StackResult((), ())


def test_hostile_service_names_fall_back_to_the_directory() -> None:
    result = detect(
        {
            "svc/package.json": '{"name": "\\u001b[31mevil\\n", "dependencies": {"express": "4"}}',
        }
    )
    assert result.services[0].name == "svc"


# ---------------------------------------------------------------------------- frameworks & code


def test_typescript_nestjs_subsumes_express() -> None:
    package = (
        '{"name": "nest-app", "dependencies": {"@nestjs/core": "10", "@nestjs/common": "10",'
        ' "@nestjs/platform-express": "10", "express": "4", "@nestjs/jwt": "10"}}'
    )
    result = detect(
        {
            "package.json": package,
            "tsconfig.json": "{}",
            "src/main.ts": "import { NestFactory } from '@nestjs/core/nest-factory';\n",
            "src/types.d.ts": "export {};\n",
            "src/app.controller.spec.ts": "import request from 'supertest';\n",
        }
    )
    service = result.services[0]
    assert names(service) == {
        "language": {"typescript"},
        "framework": {"nestjs"},
        "auth": {"nestjs-jwt"},
        "api_style": {"rest"},
    }
    assert ("src/main.ts", 1) in places(service, "framework", "nestjs")


def test_fastapi_subsumes_starlette_and_aiohttp_client() -> None:
    result = detect(
        {
            "pyproject.toml": (
                '[project]\nname = "x"\ndependencies = ["fastapi", "starlette", "aiohttp"]\n'
            ),
            "app.py": (
                "import aiohttp\nfrom fastapi import FastAPI\n"
                "from starlette.middleware.cors import CORSMiddleware\n"
            ),
        }
    )
    assert names(result.services[0])["framework"] == {"fastapi"}


def test_aiohttp_web_import_keeps_aiohttp_next_to_another_framework() -> None:
    result = detect(
        {
            "requirements.txt": "flask\naiohttp\n",
            "web.py": "import aiohttp.web\nimport flask\n",
        }
    )
    assert names(result.services[0])["framework"] == {"aiohttp", "flask"}


def test_code_evidence_is_capped_and_one_per_line() -> None:
    repo: dict[str, str | None] = {"requirements.txt": "fastapi\n"}
    imports: dict[str, list[tuple[str, int]]] = {}
    for i in range(20):
        repo[f"app/m{i:02}.py"] = "from fastapi import APIRouter\n"
        imports[f"app/m{i:02}.py"] = [("fastapi", 1), ("fastapi.routing", 1)]
    service = detect(repo, imports).services[0]
    found = evidence(service, "framework", "fastapi")
    assert found[-1] == Evidence("requirements.txt", 1, "depends on fastapi")
    assert [e.path for e in found[:-1]] == [f"app/m{i:02}.py" for i in range(5)]
    assert {e.what for e in found[:-1]} == {"imports fastapi"}
    assert len(evidence(service, "language", "python")) == 3


def test_imports_for_unknown_or_foreign_paths_are_ignored() -> None:
    result = detect(
        {"requirements.txt": "flask\n", "app.py": "import flask\n"},
        {"app.py": [("flask", 1)], "elsewhere.py": [("django", 1)], "notes.txt": [("koa", 1)]},
    )
    assert names(result.services[0])["framework"] == {"flask"}


def test_js_specifiers_and_java_packages() -> None:
    result = detect(
        {
            "web/package.json": '{"name": "web"}',
            "web/app.mjs": (
                "import Koa from 'koa';\nimport { x } from './koa';\nimport fs from 'node:fs';\n"
                "import { ApolloServer } from '@apollo/server/standalone';\n"
                "const AWS = require('aws-sdk');\nconst db = new AWS.DynamoDB.DocumentClient();\n"
            ),
            "svc/pom.xml": "<project><artifactId>svc</artifactId></project>",
            "svc/src/main/java/Api.java": (
                "import javax.ws.rs.GET;\nimport graphql.GraphQL;\nimport io.jsonwebtoken.Jwts;\n"
            ),
            "svc/src/test/java/ApiTest.java": "import org.sqlite.JDBC;\n",
        }
    )
    services = by_root(result)
    assert names(services["web"]) == {
        "language": {"javascript"},
        "framework": {"koa"},
        "database": {"dynamodb"},
        "api_style": {"graphql", "rest"},
    }
    assert places(services["web"], "database", "dynamodb") == {("web/app.mjs", 6)}
    assert names(services["svc"]) == {
        "language": {"java"},
        "framework": {"jax-rs"},
        "auth": {"jjwt"},
        "api_style": {"graphql", "rest"},
    }


# ---------------------------------------------------------------------------- deployment & config


def test_bad_compose_yaml_is_a_problem_and_detection_goes_on() -> None:
    result = detect(
        {
            "requirements.txt": "flask\n",
            "docker-compose.yml": "services:\n  web:\n    image: [unclosed\n  db: {}\n",
            "Dockerfile": "FROM python:3.12\n",
        }
    )
    (problem,) = result.problems
    assert problem.path == "docker-compose.yml"
    assert problem.line == 4
    assert "invalid YAML" in problem.message and "went on without this file" in problem.message
    service = result.services[0]
    assert names(service)["framework"] == {"flask"}
    assert names(service)["deployment"] == {"docker"}


def test_billion_laughs_compose_is_refused() -> None:
    laughs = "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"x-{n}: &{n} [{', '.join(['*' + p] * 9)}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    result = detect({"requirements.txt": "flask\n", "compose.yaml": laughs})
    (problem,) = result.problems
    assert problem.path == "compose.yaml" and "billion laughs" in problem.message


@pytest.mark.parametrize(
    ("text", "message"),
    [("- just\n- a list\n", "top level must be a mapping"), (None, "could not read")],
)
def test_compose_that_is_not_compose(text: str | None, message: str) -> None:
    result = detect({"requirements.txt": "flask\n", "compose.yml": text})
    assert message in result.problems[0].message
    assert "deployment" not in names(result.services[0])


def test_root_compose_without_build_contexts_serves_every_service() -> None:
    result = detect(
        {
            "a/requirements.txt": "flask\n",
            "b/requirements.txt": "django\n",
            "docker-compose.yml": (
                "services:\n  cache:\n    image: redis\n  db:\n    image: mongo:7\n"
                "    environment:\n      - MONGO_URL=mongodb://db:27017\n"
            ),
        }
    )
    for service in result.services:
        assert names(service)["deployment"] == {"docker-compose"}
        assert names(service)["database"] == {"mongodb"}
        assert ("docker-compose.yml", 7) in places(service, "database", "mongodb")


def test_kubernetes_helm_kustomize() -> None:
    result = detect(
        {
            "go.mod": "module x\nrequire github.com/gorilla/mux v1.8.1\n",
            "deploy/db.yaml": (
                "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  template:\n    spec:\n"
                "      containers:\n        - name: db\n"
                "          image: docker.io/library/mongo:7\n"
                "---\napiVersion: v1\nkind: Widget\n---\n- not a mapping\n"
            ),
            "deploy/broken.yaml": "apiVersion: v1\nkind: Service\nmetadata: [\n",
            "deploy/openapi.yaml": "openapi: 3.1.0\ninfo: {title: x}\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: x\n",
            "chart/templates/deployment.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
            ),
            "overlays/prod/kustomization.yaml": "resources: [../../deploy]\n",
        }
    )
    (problem,) = result.problems
    assert problem.path == "deploy/broken.yaml"
    service = result.services[0]
    assert names(service)["deployment"] == {"kubernetes"}
    assert places(service, "deployment", "kubernetes") == {
        ("deploy/db.yaml", 2),
        ("chart/Chart.yaml", None),
        ("overlays/prod/kustomization.yaml", None),
    }
    assert places(service, "database", "mongodb") == {("deploy/db.yaml", 8)}


def test_sam_and_cloudformation_templates() -> None:
    sam = (
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Environment:\n        Variables:\n"
        "          DB: !GetAtt Db.Endpoint\n"
        "  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n"
        "  Aurora:\n    Type: AWS::RDS::DBCluster\n    Properties:\n      Engine: aurora-mysql\n"
        "  Other:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: oracle-ee\n"
        "  Odd: 5\n  NoType: {}\n"
    )
    cfn = (
        '{"AWSTemplateFormatVersion": "2010-09-09",'
        ' "Resources": {"T": {"Type": "AWS::DynamoDB::Table"}}}'
    )
    result = detect(
        {
            "requirements.txt": "boto3\n",
            "template.yaml": sam,
            "infra/cfn-template.json": cfn,
            "infra/bad-template.json": '{"AWSTemplateFormatVersion": 1,}',
            "infra/template-notes.json": '{"unrelated": true}',
        }
    )
    service = result.services[0]
    assert names(service)["deployment"] == {"serverless"}
    assert places(service, "deployment", "serverless") == {
        ("template.yaml", 2),
        ("template.yaml", 5),
    }
    assert names(service)["database"] == {"dynamodb", "mysql", "postgresql"}
    assert places(service, "database", "postgresql") == {("template.yaml", 11)}
    assert places(service, "database", "dynamodb") == {("infra/cfn-template.json", None)}
    assert [p.path for p in result.problems] == ["infra/bad-template.json"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("serverless.yml", "service: [\n", "invalid YAML"),
        ("serverless.yml", "- a\n", "top level must be a mapping"),
        ("serverless.json", "{", "invalid JSON"),
    ],
)
def test_bad_serverless_files(name: str, text: str, message: str) -> None:
    result = detect({"requirements.txt": "flask\n", name: text})
    assert message in result.problems[0].message
    assert "deployment" not in names(result.services[0])


def test_serverless_json() -> None:
    text = '{"service": "x", "provider": {"name": "aws"}}'
    service = detect({"package.json": '{"name": "fn"}', "serverless.json": text}).services[0]
    assert places(service, "deployment", "serverless") == {("serverless.json", None)}


def test_terraform_vm_proto_graphql_prisma_env() -> None:
    result = detect(
        {
            "package.json": '{"name": "svc", "dependencies": {"fastify": "4"}}',
            "infra/main.tf": (
                "# infra\nterraform {\n}\n"
                'resource "aws_dynamodb_table" "t" {\n}\n'
                'resource "aws_lambda_function" "f" {\n}\n'
            ),
            "deploy/svc.service": "[Unit]\nDescription=svc\n[Service]\nExecStart=/usr/bin/node x\n",
            "deploy/other.service": "not a unit\n",
            "proto/api.proto": 'syntax = "proto3";\nservice Users {\n  rpc Get (A) returns (B);\n}',
            "proto/types.proto": 'syntax = "proto3";\nmessage Req {}\n',
            "schema/schema.graphql": "type Query { me: String }\n",
            "prisma/schema.prisma": 'datasource db {\n  provider = "mongodb"\n}\n',
            ".env.example": (
                "# DATABASE_URL=mysql://nope\nDATABASE_URL=postgres://u@h/db\nCACHE=redis://cache\n"
            ),
            "config/application-prod.properties": "spring.datasource.url=jdbc:mariadb://db/x\n",
            "alembic.ini": "sqlalchemy.url = sqlite:///local.db\n",
        }
    )
    service = result.services[0]
    assert names(service) == {
        "language": {"javascript"},
        "framework": {"fastify"},
        "database": {"dynamodb", "mongodb", "mysql", "postgresql", "sqlite"},
        "api_style": {"graphql", "grpc", "rest"},
        "deployment": {"serverless", "terraform", "vm"},
    }
    assert places(service, "deployment", "terraform") == {("infra/main.tf", 2)}
    assert places(service, "database", "dynamodb") == {("infra/main.tf", 4)}
    assert places(service, "deployment", "vm") == {("deploy/svc.service", 4)}
    assert places(service, "api_style", "grpc") == {("proto/api.proto", 2)}
    assert places(service, "database", "postgresql") == {(".env.example", 2)}
    assert places(service, "database", "mysql") == {("config/application-prod.properties", 1)}


def test_django_settings_package() -> None:
    settings = (
        "INSTALLED_APPS = ['django.contrib.auth']\n"
        "# 'ENGINE': 'django.db.backends.mysql'\n"
        "DATABASES = {'default': {'ENGINE': 'django.contrib.gis.db.backends.postgis'}}\n"
        "LOCAL = {'ENGINE': 'django.db.backends.sqlite3'}\n"
    )
    result = detect(
        {"requirements.txt": "Django\n", "proj/settings/base.py": settings, "proj/db.py": None}
    )
    service = result.services[0]
    assert names(service)["database"] == {"postgresql", "sqlite"}
    assert places(service, "auth", "django-auth") == {("proj/settings/base.py", 1)}


def test_single_service_in_a_subdirectory_owns_root_deployment_files() -> None:
    result = detect(
        {
            "backend/requirements.txt": "flask\n",
            "Dockerfile": "FROM python\n",
            "docker-compose.yml": (
                "services:\n  api:\n    build: {context: ./backend}\n    depends_on: [db]\n"
                "  db:\n    image: postgres\n  bad:\n    build: ../elsewhere\n"
            ),
        }
    )
    (service,) = result.services
    assert names(service)["deployment"] == {"docker", "docker-compose"}
    assert places(service, "database", "postgresql") == {("docker-compose.yml", 6)}


def test_result_is_independent_of_input_order(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "monorepo", root)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

    def read_text(path: str) -> str | None:
        return (root / path).read_text(encoding="utf-8")

    imports = {p: extract_imports(p, read_text(p) or "") for p in files}
    first = detect_services(files, read_text, imports)
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    reversed_imports = {p: list(reversed(imports[p])) for p in reversed(shuffled)}
    assert detect_services(shuffled + files[:2], read_text, reversed_imports) == first


def test_evidence_text_is_printable() -> None:
    result = detect(
        {
            "requirements.txt": "fastapi\x1b[2J==1.0\n",
            "compose.yml": 'services:\n  "db\\u0007":\n    image: "mysql\\u001b[31m"\n',
        }
    )
    for service in result.services:
        for detection in service.detections:
            for item in detection.evidence:
                assert item.what.isprintable(), item


def test_gorm_v1_dialect_import_names_the_database() -> None:
    from gatekeeper.stack import detect_services

    files = ["go.mod", "models/models.go"]
    texts = {
        "go.mod": "module example.com/app\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.0\n"
        "\tgithub.com/jinzhu/gorm v1.9.16\n)\n",
        "models/models.go": "package models\n",
    }
    imports = {"models/models.go": [("github.com/jinzhu/gorm/dialects/mysql", 8)]}
    [svc] = detect_services(files, texts.get, imports).services
    [db] = [d for d in svc.detections if d.kind == "database"]
    assert db.name == "mysql"
    assert db.evidence[0].path == "models/models.go" and db.evidence[0].line == 8
