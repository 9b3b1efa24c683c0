"""Stack detection: the services a repository holds and what each is built with, with evidence.

A pure function over a file list, a text reader and import facts; it never touches the disk.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from gatekeeper.model import Detection, Evidence, Service
from gatekeeper.repo import language_for
from gatekeeper.yamlsafe import DataFormatError, KeyPath, load_json, load_yaml_all_with_lines

__all__ = [
    "DETECTION_NAMES",
    "KINDS",
    "StackProblem",
    "StackResult",
    "detect_services",
    "normalize_requirement_name",
]

ReadText = Callable[[str], str | None]
Imports = Mapping[str, Sequence[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class StackProblem:
    """A manifest or deployment file that could not be used; detection went on without it."""

    path: str
    line: int | None
    message: str


@dataclass(frozen=True, slots=True)
class StackResult:
    services: tuple[Service, ...]
    problems: tuple[StackProblem, ...]


LANGUAGE = "language"
FRAMEWORK = "framework"
DATABASE = "database"
AUTH = "auth"
API_STYLE = "api_style"
DEPLOYMENT = "deployment"
# A browser front end in the same repository: a client of the backend, not a backend service.
FRONTEND = "frontend"
KINDS = (LANGUAGE, FRAMEWORK, DATABASE, AUTH, API_STYLE, DEPLOYMENT, FRONTEND)

# Evidence kept per detection: every manifest/config mention up to the first cap, and a few
# source files (an import seen in 300 files proves no more than in 5, and reports stay small).
MAX_DECLARED_EVIDENCE = 10
MAX_CODE_EVIDENCE = 5
MAX_LANGUAGE_EVIDENCE = 3
_MAX_INCLUDE_DEPTH = 8
# Includes followed per manifest: bounds the work a web of files all including each other causes.
_MAX_INCLUDED_FILES = 32
# Problems listed per file; past that, one line says the rest were left out.
_MAX_PROBLEMS_PER_FILE = 20
_MAX_WHAT = 120

# ---------------------------------------------------------------------------- rule tables
# (pattern, kind, name). A pattern ending in "*" matches as a prefix; otherwise dependency names
# match exactly and import paths match the name or anything below it (`fastapi.security`).

_Rule = tuple[str, str, str]

_PYPI_RULES: tuple[_Rule, ...] = (
    ("fastapi", FRAMEWORK, "fastapi"),
    ("flask", FRAMEWORK, "flask"),
    ("connexion", FRAMEWORK, "connexion"),
    ("django", FRAMEWORK, "django"),
    ("djangorestframework", FRAMEWORK, "django"),
    ("aiohttp", FRAMEWORK, "aiohttp"),
    ("starlette", FRAMEWORK, "starlette"),
    ("psycopg2", DATABASE, "postgresql"),
    ("psycopg2-binary", DATABASE, "postgresql"),
    ("psycopg", DATABASE, "postgresql"),
    ("psycopg-binary", DATABASE, "postgresql"),
    ("asyncpg", DATABASE, "postgresql"),
    ("pg8000", DATABASE, "postgresql"),
    ("mysqlclient", DATABASE, "mysql"),
    ("pymysql", DATABASE, "mysql"),
    ("mysql-connector-python", DATABASE, "mysql"),
    ("aiomysql", DATABASE, "mysql"),
    ("asyncmy", DATABASE, "mysql"),
    ("pymongo", DATABASE, "mongodb"),
    ("motor", DATABASE, "mongodb"),
    ("mongoengine", DATABASE, "mongodb"),
    ("beanie", DATABASE, "mongodb"),
    ("odmantic", DATABASE, "mongodb"),
    ("pynamodb", DATABASE, "dynamodb"),
    ("aiosqlite", DATABASE, "sqlite"),
    ("pyjwt", AUTH, "pyjwt"),
    ("python-jose", AUTH, "python-jose"),
    ("authlib", AUTH, "authlib"),
    ("flask-login", AUTH, "flask-login"),
    ("flask-jwt-extended", AUTH, "flask-jwt-extended"),
    ("djangorestframework-simplejwt", AUTH, "djangorestframework-simplejwt"),
    ("fastapi-users", AUTH, "fastapi-users"),
    ("graphene", API_STYLE, "graphql"),
    ("graphene-django", API_STYLE, "graphql"),
    ("strawberry-graphql", API_STYLE, "graphql"),
    ("ariadne", API_STYLE, "graphql"),
    ("grpcio", API_STYLE, "grpc"),
)

_PYTHON_IMPORT_RULES: tuple[_Rule, ...] = (
    ("fastapi", FRAMEWORK, "fastapi"),
    ("flask", FRAMEWORK, "flask"),
    ("connexion", FRAMEWORK, "connexion"),
    ("django", FRAMEWORK, "django"),
    ("rest_framework", FRAMEWORK, "django"),
    ("aiohttp", FRAMEWORK, "aiohttp"),  # see _detections: often only an HTTP client
    ("starlette", FRAMEWORK, "starlette"),
    ("psycopg2", DATABASE, "postgresql"),
    ("psycopg", DATABASE, "postgresql"),
    ("asyncpg", DATABASE, "postgresql"),
    ("pg8000", DATABASE, "postgresql"),
    ("MySQLdb", DATABASE, "mysql"),
    ("pymysql", DATABASE, "mysql"),
    ("mysql.connector", DATABASE, "mysql"),
    ("aiomysql", DATABASE, "mysql"),
    ("asyncmy", DATABASE, "mysql"),
    ("pymongo", DATABASE, "mongodb"),
    ("motor", DATABASE, "mongodb"),
    ("mongoengine", DATABASE, "mongodb"),
    ("beanie", DATABASE, "mongodb"),
    ("pynamodb", DATABASE, "dynamodb"),
    ("sqlite3", DATABASE, "sqlite"),
    ("aiosqlite", DATABASE, "sqlite"),
    ("jwt", AUTH, "pyjwt"),
    ("jose", AUTH, "python-jose"),
    ("authlib", AUTH, "authlib"),
    ("flask_login", AUTH, "flask-login"),
    ("flask_jwt_extended", AUTH, "flask-jwt-extended"),
    ("django.contrib.auth", AUTH, "django-auth"),
    ("rest_framework_simplejwt", AUTH, "djangorestframework-simplejwt"),
    ("fastapi.security", AUTH, "fastapi-security"),
    ("fastapi_users", AUTH, "fastapi-users"),
    ("graphene", API_STYLE, "graphql"),
    ("graphene_django", API_STYLE, "graphql"),
    ("strawberry", API_STYLE, "graphql"),
    ("ariadne", API_STYLE, "graphql"),
    ("grpc", API_STYLE, "grpc"),
)

# npm package names, for package.json dependencies and JS/TS import specifiers alike.
_NPM_RULES: tuple[_Rule, ...] = (
    ("react", FRONTEND, "react"),
    ("react-dom", FRONTEND, "react"),
    ("vue", FRONTEND, "vue"),
    ("@angular/core", FRONTEND, "angular"),
    ("svelte", FRONTEND, "svelte"),
    ("solid-js", FRONTEND, "solid"),
    ("preact", FRONTEND, "preact"),
    ("express", FRAMEWORK, "express"),
    ("koa", FRAMEWORK, "koa"),
    ("fastify", FRAMEWORK, "fastify"),
    ("@nestjs/core", FRAMEWORK, "nestjs"),
    ("@nestjs/common", FRAMEWORK, "nestjs"),
    ("pg", DATABASE, "postgresql"),
    ("pg-promise", DATABASE, "postgresql"),
    ("postgres", DATABASE, "postgresql"),
    ("mysql", DATABASE, "mysql"),
    ("mysql2", DATABASE, "mysql"),
    ("mongoose", DATABASE, "mongodb"),
    ("mongodb", DATABASE, "mongodb"),
    ("@aws-sdk/client-dynamodb", DATABASE, "dynamodb"),
    ("@aws-sdk/lib-dynamodb", DATABASE, "dynamodb"),
    ("dynamoose", DATABASE, "dynamodb"),
    ("sqlite3", DATABASE, "sqlite"),
    ("better-sqlite3", DATABASE, "sqlite"),
    ("passport", AUTH, "passport"),
    ("passport-*", AUTH, "passport"),
    ("@nestjs/passport", AUTH, "passport"),
    ("jsonwebtoken", AUTH, "jsonwebtoken"),
    ("express-session", AUTH, "express-session"),
    ("express-jwt", AUTH, "express-jwt"),
    ("jose", AUTH, "jose"),
    ("@nestjs/jwt", AUTH, "nestjs-jwt"),
    ("@fastify/jwt", AUTH, "fastify-jwt"),
    ("graphql", API_STYLE, "graphql"),
    ("apollo-server*", API_STYLE, "graphql"),
    ("@apollo/server", API_STYLE, "graphql"),
    ("graphql-yoga", API_STYLE, "graphql"),
    ("type-graphql", API_STYLE, "graphql"),
    ("@nestjs/graphql", API_STYLE, "graphql"),
    ("mercurius", API_STYLE, "graphql"),
    ("@grpc/grpc-js", API_STYLE, "grpc"),
    ("grpc", API_STYLE, "grpc"),
)

# Go module paths, for go.mod requirements and import paths alike.
_GO_RULES: tuple[_Rule, ...] = (
    ("github.com/gin-gonic/gin", FRAMEWORK, "gin"),
    ("github.com/go-chi/chi", FRAMEWORK, "chi"),
    ("github.com/labstack/echo", FRAMEWORK, "echo"),
    ("github.com/gorilla/mux", FRAMEWORK, "gorilla-mux"),
    ("github.com/julienschmidt/httprouter", FRAMEWORK, "httprouter"),
    # The standard library's server; any router above also imports it (see _SUBSUMES).
    ("net/http", FRAMEWORK, "net/http"),
    ("github.com/jackc/pgx", DATABASE, "postgresql"),
    ("github.com/lib/pq", DATABASE, "postgresql"),
    ("github.com/go-pg/pg", DATABASE, "postgresql"),
    ("gorm.io/driver/postgres", DATABASE, "postgresql"),
    ("github.com/go-sql-driver/mysql", DATABASE, "mysql"),
    ("gorm.io/driver/mysql", DATABASE, "mysql"),
    # gorm v1 ships its dialects inside the gorm module itself.
    ("github.com/jinzhu/gorm/dialects/mysql", DATABASE, "mysql"),
    ("github.com/jinzhu/gorm/dialects/postgres", DATABASE, "postgresql"),
    ("github.com/jinzhu/gorm/dialects/sqlite", DATABASE, "sqlite"),
    ("go.mongodb.org/mongo-driver", DATABASE, "mongodb"),
    ("github.com/aws/aws-sdk-go-v2/service/dynamodb", DATABASE, "dynamodb"),
    ("github.com/aws/aws-sdk-go/service/dynamodb", DATABASE, "dynamodb"),
    ("github.com/guregu/dynamo", DATABASE, "dynamodb"),
    ("github.com/mattn/go-sqlite3", DATABASE, "sqlite"),
    ("modernc.org/sqlite", DATABASE, "sqlite"),
    ("gorm.io/driver/sqlite", DATABASE, "sqlite"),
    ("github.com/golang-jwt/jwt", AUTH, "golang-jwt"),
    ("github.com/dgrijalva/jwt-go", AUTH, "golang-jwt"),
    ("github.com/gorilla/sessions", AUTH, "gorilla-sessions"),
    ("golang.org/x/oauth2", AUTH, "oauth2"),
    ("google.golang.org/grpc", API_STYLE, "grpc"),
    ("github.com/graphql-go/graphql", API_STYLE, "graphql"),
    ("github.com/99designs/gqlgen", API_STYLE, "graphql"),
)

# Maven coordinates "groupId:artifactId", for pom.xml and Gradle dependency strings.
_MAVEN_RULES: tuple[_Rule, ...] = (
    ("org.springframework.boot:spring-boot-starter-web", FRAMEWORK, "spring-boot"),
    ("org.springframework.boot:spring-boot-starter-webflux", FRAMEWORK, "spring-boot"),
    # Spring Boot 4 renamed the servlet starter.
    ("org.springframework.boot:spring-boot-starter-webmvc", FRAMEWORK, "spring-boot"),
    ("org.springframework.boot:spring-boot-starter-jersey", FRAMEWORK, "spring-boot"),
    ("jakarta.ws.rs:jakarta.ws.rs-api", FRAMEWORK, "jax-rs"),
    ("javax.ws.rs:javax.ws.rs-api", FRAMEWORK, "jax-rs"),
    ("org.glassfish.jersey*", FRAMEWORK, "jax-rs"),
    ("io.quarkus:*", FRAMEWORK, "quarkus"),
    ("io.micronaut:micronaut-http-server*", FRAMEWORK, "micronaut"),
    ("org.postgresql:postgresql", DATABASE, "postgresql"),
    ("com.mysql:mysql-connector-j", DATABASE, "mysql"),
    ("mysql:mysql-connector-java", DATABASE, "mysql"),
    ("org.mariadb.jdbc:mariadb-java-client", DATABASE, "mysql"),
    ("org.mongodb:*", DATABASE, "mongodb"),
    ("org.springframework.boot:spring-boot-starter-data-mongodb*", DATABASE, "mongodb"),
    ("software.amazon.awssdk:dynamodb*", DATABASE, "dynamodb"),
    ("com.amazonaws:aws-java-sdk-dynamodb", DATABASE, "dynamodb"),
    ("org.xerial:sqlite-jdbc", DATABASE, "sqlite"),
    ("org.springframework.boot:spring-boot-starter-security", AUTH, "spring-security"),
    ("org.springframework.security:*", AUTH, "spring-security"),
    ("org.springframework.boot:spring-boot-starter-oauth2*", AUTH, "spring-security-oauth2"),
    ("org.springframework.security:spring-security-oauth2*", AUTH, "spring-security-oauth2"),
    ("org.springframework.security.oauth*", AUTH, "spring-security-oauth2"),
    ("io.jsonwebtoken:*", AUTH, "jjwt"),
    ("com.graphql-java*", API_STYLE, "graphql"),
    ("org.springframework.boot:spring-boot-starter-graphql", API_STYLE, "graphql"),
    ("io.grpc:*", API_STYLE, "grpc"),
    ("net.devh:grpc-*", API_STYLE, "grpc"),
)

# Java/Kotlin import packages.
_JAVA_IMPORT_RULES: tuple[_Rule, ...] = (
    ("org.springframework.boot", FRAMEWORK, "spring-boot"),
    ("org.springframework.web", FRAMEWORK, "spring-boot"),
    ("jakarta.ws.rs", FRAMEWORK, "jax-rs"),
    ("javax.ws.rs", FRAMEWORK, "jax-rs"),
    ("io.quarkus", FRAMEWORK, "quarkus"),
    ("io.micronaut.http", FRAMEWORK, "micronaut"),
    ("org.postgresql", DATABASE, "postgresql"),
    ("com.mysql", DATABASE, "mysql"),
    ("org.mariadb.jdbc", DATABASE, "mysql"),
    ("com.mongodb", DATABASE, "mongodb"),
    ("org.springframework.data.mongodb", DATABASE, "mongodb"),
    ("software.amazon.awssdk.services.dynamodb", DATABASE, "dynamodb"),
    ("com.amazonaws.services.dynamodbv2", DATABASE, "dynamodb"),
    ("org.sqlite", DATABASE, "sqlite"),
    ("org.springframework.security", AUTH, "spring-security"),
    ("org.springframework.security.oauth2", AUTH, "spring-security-oauth2"),
    ("io.jsonwebtoken", AUTH, "jjwt"),
    ("graphql", API_STYLE, "graphql"),
    ("io.grpc", API_STYLE, "grpc"),
)

_FRAMEWORKS = frozenset(
    name
    for rules in (_PYPI_RULES, _NPM_RULES, _GO_RULES, _MAVEN_RULES)
    for _, kind, name in rules
    if kind == FRAMEWORK
)
# A framework built on another: seeing the base too is not a second framework.
_SUBSUMES = {
    "fastapi": ("starlette",),
    "nestjs": ("express",),
    "connexion": ("flask", "starlette"),  # spec-first apps on top of either
    **{go: ("net/http",) for go in ("gin", "chi", "echo", "gorilla-mux", "httprouter")},
}

_DATABASE_BY_IMAGE = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "postgis": "postgresql",
    "timescaledb": "postgresql",
    "mysql": "mysql",
    "mysql-server": "mysql",
    "mariadb": "mysql",
    "percona": "mysql",
    "mongo": "mongodb",
    "mongodb": "mongodb",
    "mongodb-community-server": "mongodb",
    "dynamodb-local": "dynamodb",
}

_DATABASE_BY_SCHEME = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mongodb": "mongodb",
    "sqlite": "sqlite",
}
# postgresql+asyncpg://, mongodb+srv://, jdbc:mysql://, sqlite:///...
_DB_URL = re.compile(
    r"(?<![A-Za-z0-9+.-])(?:jdbc:)?(postgresql|postgres|mysql|mariadb|mongodb|sqlite)"
    r"(?:\+[A-Za-z0-9_]+)?://",
    re.IGNORECASE,
)
_DJANGO_ENGINE = re.compile(
    r"""["']django\.(?:contrib\.gis\.)?db\.backends\."""
    r"""(postgresql_psycopg2|postgresql|postgis|mysql|sqlite3)["']"""
)
_DJANGO_AUTH_APP = re.compile(r"""["']django\.contrib\.auth["']""")
_PRISMA_PROVIDER = re.compile(r"""^\s*provider\s*=\s*"(postgresql|mysql|mongodb|sqlite)\"""")
_ENGINE_DATABASE = {
    "postgresql_psycopg2": "postgresql",
    "postgresql": "postgresql",
    "postgis": "postgresql",
    "mysql": "mysql",
    "sqlite3": "sqlite",
}

_CFN_DATABASE_TYPES = {
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::DynamoDB::GlobalTable": "dynamodb",
    "AWS::Serverless::SimpleTable": "dynamodb",
    "AWS::DocDB::DBCluster": "mongodb",
}
_K8S_KINDS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Pod",
        "Job",
        "CronJob",
        "Service",
        "Ingress",
        "ConfigMap",
        "Secret",
        "HorizontalPodAutoscaler",
        "PersistentVolumeClaim",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "ServiceAccount",
        "Namespace",
    }
)

DETECTION_NAMES: Mapping[str, frozenset[str]] = {
    LANGUAGE: frozenset({"python", "javascript", "typescript", "go", "java", "kotlin"}),
    FRAMEWORK: _FRAMEWORKS,
    DATABASE: frozenset({"postgresql", "mysql", "mongodb", "dynamodb", "sqlite"}),
    AUTH: frozenset(
        name
        for rules in (_PYPI_RULES, _PYTHON_IMPORT_RULES, _NPM_RULES, _GO_RULES, _MAVEN_RULES)
        for _, kind, name in rules
        if kind == AUTH
    ),
    API_STYLE: frozenset({"rest", "graphql", "grpc"}),
    DEPLOYMENT: frozenset(
        {"docker", "docker-compose", "kubernetes", "serverless", "terraform", "vm"}
    ),
    FRONTEND: frozenset({"react", "vue", "angular", "svelte", "solid", "preact"}),
}

# ---------------------------------------------------------------------------- file roles

_PYTHON_MANIFESTS = frozenset({"pyproject.toml", "setup.cfg", "setup.py", "Pipfile"})
_OTHER_MANIFESTS = {
    "package.json": "javascript",
    "go.mod": "go",
    "pom.xml": "java",
    "build.gradle": "java",
    "build.gradle.kts": "java",
}
# Which manifest names the service when a directory holds several.
_NAME_PRIORITY = ("pyproject.toml", "setup.cfg", "setup.py", "package.json", "go.mod", "pom.xml")
_REQUIREMENTS = re.compile(r"^requirements.*\.(?:txt|in)$")
_DEV_TOKENS = frozenset(
    {"dev", "develop", "development", "test", "tests", "testing", "lint", "docs", "doc", "ci"}
    | {"typing", "local", "tools", "style", "check", "checks", "types"}
)
_SOURCE_LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "java", "kotlin"})
_IMPORT_ECOSYSTEM = {
    "python": "python",
    "javascript": "js",
    "typescript": "js",
    "go": "go",
    "java": "java",
    "kotlin": "java",
}
_TEST_DIRS = frozenset({"test", "tests", "__tests__", "testing", "spec", "specs", "e2e"})
_TEST_FILE = re.compile(
    r"^(?:test_.*\.py|tests?\.py|tests_.*\.py|.*_test\.py|conftest\.py|.*_test\.go|.*\.(?:test|spec)\.[cm]?[jt]sx?"
    r"|.*(?:Test|Tests|IT)\.(?:java|kt))$"
)
_COMPOSE_FILE = re.compile(r"^(?:docker-)?compose(?:\.[\w.-]+)?\.ya?ml$")
_DOCKERFILE = re.compile(r"^(?:Dockerfile(?:\.[\w.-]+)?|[\w.-]+\.[Dd]ockerfile|Containerfile)$")
_SPRING_CONFIG = re.compile(r"^(?:application|bootstrap)(?:-[\w.-]+)?\.(?:properties|ya?ml)$")
_PY_CONFIG = frozenset({"settings.py", "config.py", "database.py", "db.py"})
_K8S_HINT = re.compile(r"^apiVersion:\s*\S", re.MULTILINE)
_K8S_KIND_HINT = re.compile(r"^kind:\s*\S", re.MULTILINE)


# ---------------------------------------------------------------------------- helpers


def normalize_requirement_name(name: str) -> str:
    """PEP 503: `Flask_Login` and `flask.login` are both `flask-login`."""
    return re.sub(r"[-_.]+", "-", name).lower()


_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def _requirement_name(spec: str) -> str | None:
    """`uvicorn[standard]>=0.20 ; python_version>'3.8'` -> `uvicorn`; URLs and paths -> None."""
    egg = re.search(r"#egg=([A-Za-z0-9._-]+)", spec)
    if egg:
        return normalize_requirement_name(egg.group(1))
    if re.match(r"^\s*(?:[a-z+]+://|\.{0,2}/)", spec):
        return None
    match = _REQ_NAME.match(spec)
    return normalize_requirement_name(match.group(1)) if match else None


def _clean(text: object, limit: int = _MAX_WHAT) -> str:
    """Attacker text shown in a report: printable characters only, bounded length."""
    value = "".join(ch if ch.isprintable() else "?" for ch in str(text)[: limit + 1])
    return value if len(value) <= limit else value[: limit - 3] + "..."


_SAFE_NAME = re.compile(r"^[A-Za-z0-9@][A-Za-z0-9@/._+ -]{0,99}$")


def _service_name(raw: object) -> str | None:
    return raw.strip() if isinstance(raw, str) and _SAFE_NAME.match(raw.strip()) else None


def _parent(path: str) -> str:
    return posixpath.dirname(path) or "."


def _ancestors(directory: str) -> Iterator[str]:
    """`a/b` -> `a/b`, `a`, `.`"""
    while directory not in ("", "."):
        yield directory
        directory = posixpath.dirname(directory)
    yield "."


def _is_under(path: str, root: str) -> bool:
    return root == "." or path == root or path.startswith(root + "/")


def _join_inside(base_dir: str, relative: str) -> str | None:
    """A path relative to base_dir, or None when it is absolute or leaves the repository."""
    if relative.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", relative):
        return None
    joined = posixpath.normpath(posixpath.join("" if base_dir == "." else base_dir, relative))
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    return any(part in _TEST_DIRS for part in parts[:-1]) or bool(_TEST_FILE.match(parts[-1]))


def _extension(path: str) -> str:
    base = posixpath.basename(path)
    return base[base.rfind(".") :] if "." in base else ""


def _file_language(path: str) -> str | None:
    if path.endswith((".d.ts", ".pyi", ".kts")):
        # declaration files ship with JavaScript packages too; stubs and Gradle scripts are
        # not the service's code
        return None
    language = language_for(posixpath.basename(path))
    return language if language in _SOURCE_LANGUAGES else None


def _matches(value: str, pattern: str, separator: str | None) -> bool:
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if value == pattern:
        return True
    return separator is not None and value.startswith(pattern + separator)


def _match_rules(
    value: str, rules: Iterable[_Rule], separator: str | None
) -> Iterator[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for pattern, kind, name in rules:
        if (kind, name) not in seen and _matches(value, pattern, separator):
            seen.add((kind, name))
            yield kind, name


def _js_package(specifier: str) -> str | None:
    """`@nestjs/core/x` -> `@nestjs/core`; `express/lib` -> `express`; relative -> None."""
    if not specifier or specifier.startswith((".", "/")) or ":" in specifier:
        return None
    parts = specifier.split("/")
    if specifier.startswith("@"):
        return "/".join(parts[:2]) if len(parts) > 1 else None
    return parts[0]


def _line_of(lines: Sequence[str], pattern: re.Pattern[str], start: int = 0) -> int | None:
    """1-based line of the first non-comment line at or after index `start` matching pattern."""
    for number in range(start, len(lines)):
        line = lines[number]
        stripped = line.lstrip()
        if stripped.startswith(("#", "//")):
            continue
        if pattern.search(line):
            return number + 1
    return None


def _pypi_line(lines: Sequence[str], name: str) -> int | None:
    """The line naming a normalized requirement, however it is spelled (`Flask_Login`)."""
    body = r"[-_.]+".join(re.escape(part) for part in name.split("-"))
    return _line_of(lines, re.compile(rf"(?<![\w.-]){body}(?![\w-]|\.\w)", re.IGNORECASE))


def _as_dict(value: object) -> dict[str, object] | None:
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return None


def _walk(data: object) -> Iterator[tuple[KeyPath, object]]:
    """Every (path, value) in loaded YAML/JSON data; bounded by the loader's node cap."""
    stack: list[tuple[KeyPath, object]] = [((), data)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, dict):
            stack.extend(((*path, str(k)), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))


# ---------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class _Dep:
    """A dependency that some rule recognizes; others are never kept (nothing would use them)."""

    name: str  # normalized for PyPI, as written elsewhere
    raw: str  # as written, cleaned for display
    path: str  # the manifest or included requirements file that names it
    line: int | None
    dev: bool
    matches: tuple[tuple[str, str], ...]  # (kind, name) it stands for


@dataclass(slots=True)
class _Manifest:
    path: str
    root: str
    language: str
    name: str | None = None
    deps: list[_Dep] = field(default_factory=list)
    included: list[str] = field(default_factory=list)  # requirement files pulled in by -r
    _seen: set[tuple[str, str, bool]] = field(default_factory=set)

    def add(
        self,
        ecosystem: str,
        name: str,
        raw: str,
        *,
        dev: bool,
        locate: Callable[[], int | None],
        path: str | None = None,
    ) -> None:
        # Lines are looked up only for recognized names, once each: a manifest listing the same
        # package ten thousand times costs one search, not ten thousand.
        path = path or self.path
        matches = tuple(_dep_matches(ecosystem, name))
        if not matches or (name, path, dev) in self._seen:
            return
        self._seen.add((name, path, dev))
        self.deps.append(_Dep(name, _clean(raw.strip()), path, locate(), dev, matches))

    def declares_framework(self) -> bool:
        return any(kind == FRAMEWORK for dep in self.deps if not dep.dev for kind, _ in dep.matches)


@dataclass(frozen=True, slots=True)
class _Hit:
    kind: str
    name: str
    evidence: Evidence
    code: bool = False  # seen in source code (capped harder than manifest evidence)


def _dep_matches(ecosystem: str, name: str) -> Iterator[tuple[str, str]]:
    if ecosystem == "pypi":
        return _match_rules(name, _PYPI_RULES, None)
    if ecosystem == "npm":
        return _match_rules(name, _NPM_RULES, None)
    if ecosystem == "go":
        return _match_rules(name, _GO_RULES, "/")
    return _match_rules(name, _MAVEN_RULES, None)


def _import_matches(ecosystem: str, module: str) -> Iterator[tuple[str, str]]:
    if ecosystem == "python":
        return _match_rules(module, _PYTHON_IMPORT_RULES, ".")
    if ecosystem == "js":
        package = _js_package(module)
        return _match_rules(package, _NPM_RULES, None) if package else iter(())
    if ecosystem == "go":
        return _match_rules(module, _GO_RULES, "/")
    return _match_rules(module, _JAVA_IMPORT_RULES, ".")


# ---------------------------------------------------------------------------- the run


class _Run:
    """One detection: cached reads, problems, and hits addressed to service roots."""

    def __init__(self, files: Sequence[str], read_text: ReadText, imports: Imports) -> None:
        self.files = tuple(sorted(set(files)))
        self.file_set = frozenset(self.files)
        self._read = read_text
        self._texts: dict[str, str | None] = {}
        self.imports = imports
        self.problems: set[StackProblem] = set()
        self._problem_count: dict[str, int] = defaultdict(int)
        self.roots: tuple[str, ...] = ()
        self._root_set: frozenset[str] = frozenset()
        self.requirement_files: dict[str, _RequirementsFile | None] = {}
        self.hits: dict[str, set[_Hit]] = defaultdict(set)

    def set_roots(self, roots: Iterable[str]) -> None:
        self.roots = tuple(sorted(roots))
        self._root_set = frozenset(self.roots)

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            self._texts[path] = self._read(path) if path in self.file_set else None
        return self._texts[path]

    def required_text(self, path: str) -> str | None:
        text = self.text(path)
        if text is None:
            self.problem(
                path,
                None,
                "could not read the file (unreadable, not text, or over the size cap); "
                "detection went on without it",
            )
        return text

    def problem(self, path: str, line: int | None, message: str) -> None:
        problem = StackProblem(path, line, message)
        if problem in self.problems:
            return
        self._problem_count[path] += 1
        count = self._problem_count[path]
        if count <= _MAX_PROBLEMS_PER_FILE:
            self.problems.add(problem)
        elif count == _MAX_PROBLEMS_PER_FILE + 1:
            more = (
                f"more than {_MAX_PROBLEMS_PER_FILE} problems in this file; the rest are not listed"
            )
            self.problems.add(StackProblem(path, None, more))

    def owner(self, path: str) -> str | None:
        """The service whose root is the path's nearest ancestor directory."""
        return self.owner_of_dir(_parent(path))

    def owner_of_dir(self, directory: str) -> str | None:
        return next((d for d in _ancestors(directory) if d in self._root_set), None)

    def targets(self, path: str) -> tuple[str, ...]:
        """Where a deployment or config file's evidence goes: its owner, else every service."""
        owner = self.owner(path)
        return (owner,) if owner is not None else self.roots

    def add(self, targets: Iterable[str], hit: _Hit) -> None:
        for root in targets:
            self.hits[root].add(hit)


# ---------------------------------------------------------------------------- manifests


def _manifest_root(path: str) -> str | None:
    base = posixpath.basename(path)
    directory = _parent(path)
    if base in _PYTHON_MANIFESTS or base in _OTHER_MANIFESTS or _REQUIREMENTS.match(base):
        return directory
    # requirements/base.txt, requirements/prod.txt: the service is the directory above.
    if posixpath.basename(directory) == "requirements" and base.endswith((".txt", ".in")):
        return _parent(directory)
    return None


def _is_dev_name(name: str) -> bool:
    return bool(_DEV_TOKENS & set(re.split(r"[-_.\s]+", name.lower())))


def _parse_manifest(run: _Run, path: str, root: str) -> _Manifest:
    base = posixpath.basename(path)
    manifest = _Manifest(path, root, _OTHER_MANIFESTS.get(base, "python"))
    text = run.required_text(path)
    if text is None:
        return manifest  # the directory still holds a manifest, so it can still be a service
    if base == "pyproject.toml":
        _parse_pyproject(run, manifest, text)
    elif base == "Pipfile":
        _parse_pipfile(run, manifest, text)
    elif base == "setup.cfg":
        _parse_setup_cfg(run, manifest, text)
    elif base == "setup.py":
        _parse_setup_py(manifest, text)
    elif base == "package.json":
        _parse_package_json(run, manifest, text)
    elif base == "go.mod":
        _parse_go_mod(manifest, text)
    elif base == "pom.xml":
        _parse_pom(run, manifest, text)
    elif base.startswith("build.gradle"):
        _parse_gradle(manifest, text)
    else:
        dev = _is_dev_name(base.rsplit(".", 1)[0])  # requirements-dev.txt, requirements/test.txt
        _collect_requirements(run, manifest, dev=dev)
    return manifest


def _load_toml(run: _Run, path: str, text: str) -> dict[str, object] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        run.problem(
            path,
            int(line.group(1)) if line else None,
            f"invalid TOML: {_clean(exc)}; its dependencies were not considered. Fix the syntax.",
        )
    except RecursionError:
        run.problem(path, None, "TOML nested too deeply to read; detection went on without it")
    return None


def _add_pypi(manifest: _Manifest, lines: Sequence[str], spec: str, *, dev: bool) -> None:
    name = _requirement_name(spec)
    if name is not None:
        manifest.add("pypi", name, spec, dev=dev, locate=partial(_pypi_line, lines, name))


def _parse_pyproject(run: _Run, manifest: _Manifest, text: str) -> None:
    data = _load_toml(run, manifest.path, text)
    if data is None:
        return
    lines = text.splitlines()
    project = _as_dict(data.get("project")) or {}
    poetry = _as_dict((_as_dict(data.get("tool")) or {}).get("poetry")) or {}
    manifest.name = _service_name(project.get("name")) or _service_name(poetry.get("name"))
    groups: list[tuple[object, bool]] = [(project.get("dependencies"), False)]
    for group, specs in (_as_dict(project.get("optional-dependencies")) or {}).items():
        groups.append((specs, _is_dev_name(group)))
    # PEP 735 dependency groups never ship with the service.
    groups.extend(
        (specs, True) for specs in (_as_dict(data.get("dependency-groups")) or {}).values()
    )
    for specs, dev in groups:
        for spec in specs if isinstance(specs, list) else ():
            if isinstance(spec, str):
                _add_pypi(manifest, lines, spec, dev=dev)
    sections: list[tuple[object, bool]] = [
        (poetry.get("dependencies"), False),
        (poetry.get("dev-dependencies"), True),
    ]
    for group, body in (_as_dict(poetry.get("group")) or {}).items():
        sections.append(((_as_dict(body) or {}).get("dependencies"), group != "main"))
    for section, dev in sections:
        for key in _as_dict(section) or {}:
            if key.lower() != "python":
                _add_pypi(manifest, lines, key, dev=dev)


def _parse_pipfile(run: _Run, manifest: _Manifest, text: str) -> None:
    data = _load_toml(run, manifest.path, text)
    if data is None:
        return
    lines = text.splitlines()
    for section, dev in (("packages", False), ("dev-packages", True)):
        for key in _as_dict(data.get(section)) or {}:
            _add_pypi(manifest, lines, key, dev=dev)


def _parse_setup_cfg(run: _Run, manifest: _Manifest, text: str) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=manifest.path)
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        run.problem(manifest.path, line, f"invalid setup.cfg: {_clean(exc)}; ignored")
        return
    manifest.name = _service_name(parser.get("metadata", "name", fallback=None))
    lines = text.splitlines()
    for spec in parser.get("options", "install_requires", fallback="").splitlines():
        spec = spec.split("#", 1)[0].strip()
        if spec:
            _add_pypi(manifest, lines, spec, dev=False)


_SETUP_REQUIRES = re.compile(r"install_requires\s*=\s*[\[(]")
_SETUP_NAME = re.compile(r"""\bname\s*=\s*["']([^"'\n]+)["']""")
_STRING_LITERAL = re.compile(r"""["']([^"'\n]+)["']""")


def _parse_setup_py(manifest: _Manifest, text: str) -> None:
    # Never executed: a literal install_requires list is read with a regex; anything computed
    # stays invisible (requirements files usually say the same).
    name = _SETUP_NAME.search(text)
    manifest.name = _service_name(name.group(1)) if name else None
    start = _SETUP_REQUIRES.search(text)
    if start is None:
        return
    ends = [i for i in (text.find("]", start.end()), text.find(")", start.end())) if i >= 0]
    block = text[start.end() : min(ends) if ends else len(text)]
    for literal in _STRING_LITERAL.finditer(block):
        spec = literal.group(1)
        dep_name = _requirement_name(spec)
        if dep_name is not None:
            line = text.count("\n", 0, start.end() + literal.start()) + 1
            manifest.add("pypi", dep_name, spec, dev=False, locate=partial(_const, line))


def _const(value: int | None) -> int | None:
    return value


_REQ_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s*=\s*|\s*)(\S+)")
_REQ_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s*=\s*|\s*)(\S+)")


@dataclass(frozen=True, slots=True)
class _RequirementsFile:
    """One requirements file, read once per run however many manifests include it."""

    requirements: tuple[tuple[int, str, str], ...]  # (line, normalized name, as written)
    includes: tuple[tuple[int, str], ...]  # (line, repo path) of `-r` files that exist


def _read_requirements(run: _Run, path: str) -> _RequirementsFile | None:
    if path in run.requirement_files:
        return run.requirement_files[path]
    text = run.required_text(path)
    parsed = None if text is None else _parse_requirements_text(run, path, text)
    run.requirement_files[path] = parsed
    return parsed


def _parse_requirements_text(run: _Run, path: str, text: str) -> _RequirementsFile:
    requirements: list[tuple[int, str, str]] = []
    includes: list[tuple[int, str]] = []
    for number, line in _logical_lines(text):
        include = _REQ_INCLUDE.match(line)
        if include:
            target = include.group(1)
            included = _join_inside(_parent(path), target)
            if included is None:
                run.problem(
                    path,
                    number,
                    f"-r {_clean(target)} points outside the repository; gatekeeper reads only "
                    "files inside it. Fix: include a file in the repository.",
                )
            elif included not in run.file_set:
                run.problem(path, number, f"-r {_clean(target)}: no such file in the repository")
            else:
                includes.append((number, included))
            continue
        if line.startswith("-"):
            editable = _REQ_EDITABLE.match(line)
            if not editable:
                continue  # -c constraints, --index-url and other options install nothing
            line = editable.group(1)
        name = _requirement_name(line)
        if name is not None and any(_dep_matches("pypi", name)):
            requirements.append((number, name, line))
    return _RequirementsFile(tuple(requirements), tuple(includes))


def _collect_requirements(run: _Run, manifest: _Manifest, *, dev: bool) -> None:
    """A requirements manifest and the files it pulls in with `-r`, each read at most twice.

    A file reached as a runtime requirement counts as runtime even when a dev file also
    includes it; the walk stops at a depth and a file budget so include webs stay cheap.
    """
    visited: dict[str, bool] = {manifest.path: dev}  # path -> visited as dev only
    pending: list[tuple[str, bool, int]] = [(manifest.path, dev, 0)]
    while pending:
        path, as_dev, depth = pending.pop()
        parsed = _read_requirements(run, path)
        if parsed is None:
            continue
        for line, name, raw in parsed.requirements:
            manifest.add("pypi", name, raw, dev=as_dev, locate=partial(_const, line), path=path)
        for line, included in parsed.includes:
            included_dev = as_dev or _is_dev_name(posixpath.basename(included).rsplit(".", 1)[0])
            if included in visited and (included_dev or not visited[included]):
                continue  # already read in this role (or an include cycle)
            if depth + 1 > _MAX_INCLUDE_DEPTH or len(visited) > _MAX_INCLUDED_FILES:
                run.problem(
                    path,
                    line,
                    f"-r includes nest deeper than {_MAX_INCLUDE_DEPTH} or pull in more than "
                    f"{_MAX_INCLUDED_FILES} files; the rest were not followed",
                )
                return
            if included not in visited:
                manifest.included.append(included)
            visited[included] = included_dev
            pending.append((included, included_dev, depth + 1))


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """pip's view of a requirements file: comments dropped, `\\` continuations joined."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(?:^|\s)#.*$", "", raw).strip()
        if not pending:
            start = number
        pending.append(line.removesuffix("\\").strip())
        if line.endswith("\\"):
            continue
        joined = " ".join(part for part in pending if part)
        pending = []
        if joined:
            yield start, joined
    if joined := " ".join(part for part in pending if part):
        yield start, joined


def _parse_package_json(run: _Run, manifest: _Manifest, text: str) -> None:
    try:
        data = load_json(text, manifest.path)
    except DataFormatError as exc:
        run.problem(manifest.path, exc.line, f"{exc.message}; its dependencies were not considered")
        return
    package = _as_dict(data)
    if package is None:
        run.problem(manifest.path, None, "package.json is not a JSON object; ignored")
        return
    manifest.name = _service_name(package.get("name"))
    lines = text.splitlines()
    # devDependencies build and test the service; peerDependencies name a plugin's host. Neither
    # means the service itself runs a framework or talks to a database.
    for section, dev in (
        ("dependencies", False),
        ("optionalDependencies", False),
        ("devDependencies", True),
        ("peerDependencies", True),
    ):
        body = package.get(section)
        deps = _as_dict(body)
        if deps is None:
            if body is not None:
                run.problem(manifest.path, None, f"package.json {section} is not an object")
            continue
        anchor = _line_of(lines, re.compile(rf'"{section}"\s*:'))
        start = anchor - 1 if anchor is not None else 0
        for name in deps:
            manifest.add(
                "npm", name, name, dev=dev, locate=partial(_json_key_line, lines, name, start)
            )


def _json_key_line(lines: Sequence[str], key: str, start: int) -> int | None:
    pattern = re.compile(rf'"{re.escape(key)}"\s*:')
    return _line_of(lines, pattern, start) or _line_of(lines, pattern)


def _parse_go_mod(manifest: _Manifest, text: str) -> None:
    in_block = False
    for number, raw in enumerate(text.splitlines(), start=1):
        indirect = "// indirect" in raw
        line = raw.split("//", 1)[0].strip()
        if in_block:
            if line == ")":
                in_block = False
                continue
            fields = line.split()
        elif line.startswith("module ") and manifest.name is None:
            module = line.split(None, 1)[1].strip().strip('"')
            manifest.name = _service_name(module.rstrip("/").rsplit("/", 1)[-1])
            continue
        elif re.match(r"^require\s*\($", line):
            in_block = True
            continue
        elif line.startswith("require "):
            fields = line.split()[1:]
        else:
            continue
        if fields:
            module = fields[0].strip('"')
            # An indirect requirement is there for a dependency; the service does not import it.
            locate = partial(_const, number)
            manifest.add("go", module, module, dev=indirect, locate=locate)


def _xml_children(element: Element, name: str) -> list[Element]:
    return [child for child in element if child.tag.rsplit("}", 1)[-1] == name]


def _xml_text(element: Element, name: str) -> str:
    found = _xml_children(element, name)
    return (found[0].text or "").strip() if found else ""


def _parse_pom(run: _Run, manifest: _Manifest, text: str) -> None:
    try:
        # Real POMs have no DTD; refusing every DTD rules out entity expansion and XXE at once.
        root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        run.problem(
            manifest.path,
            None,
            f"pom.xml declares a DTD or entities ({type(exc).__name__}); gatekeeper does not "
            "expand them, so its dependencies were not considered. Fix: remove the DOCTYPE.",
        )
        return
    except ParseError as exc:
        run.problem(manifest.path, exc.position[0], f"invalid XML: {_clean(exc)}; ignored")
        return
    if root.tag.rsplit("}", 1)[-1] != "project":
        run.problem(manifest.path, None, "pom.xml has no <project> root element; ignored")
        return
    manifest.name = _service_name(_xml_text(root, "artifactId"))
    lines = text.splitlines()
    # The project's own <dependencies>, not dependencyManagement, plugins or the parent.
    skipped = _xml_block_lines(text, ("dependencyManagement", "build", "profiles", "parent"))
    for dependencies in _xml_children(root, "dependencies"):
        for dependency in _xml_children(dependencies, "dependency"):
            artifact = _xml_text(dependency, "artifactId")
            coordinate = f"{_xml_text(dependency, 'groupId')}:{artifact}"
            dev = _xml_text(dependency, "scope") == "test"
            locate = partial(_pom_dependency_line, lines, skipped, artifact)
            manifest.add("maven", coordinate, coordinate, dev=dev, locate=locate)


def _pom_dependency_line(lines: Sequence[str], skipped: set[int], artifact: str) -> int | None:
    pattern = re.compile(rf"<artifactId>\s*{re.escape(artifact)}\s*</artifactId>")
    for index, line in enumerate(lines):
        if index + 1 not in skipped and pattern.search(line):
            return index + 1
    return _line_of(lines, pattern)


def _xml_block_lines(text: str, tags: Sequence[str]) -> set[int]:
    """Line numbers inside the given blocks; one linear scan per tag (no backtracking)."""
    lines: set[int] = set()
    for tag in tags:
        depth = first = 0
        line, position = 1, 0
        for match in re.finditer(rf"<(/?){tag}\s*>", text):
            line += text.count("\n", position, match.start())
            position = match.start()
            if not match.group(1):
                if depth == 0:
                    first = line
                depth += 1
            elif depth > 0:
                depth -= 1
                if depth == 0:
                    lines.update(range(first, line + 1))
    return lines


_GRADLE_STRING = re.compile(
    r"""^\s*([A-Za-z]+)\s*(?:\(\s*)?(?:platform\s*\(\s*)?["']([^"':\s]+):([^"':\s]+)(?::[^"'\s]*)?["']"""
)
_GRADLE_MAP = re.compile(
    r"""^\s*([A-Za-z]+)\s*(?:\(\s*)?group\s*[:=]\s*["']([^"']+)["']\s*,\s*name\s*[:=]\s*["']([^"']+)["']"""
)
_MAX_MANIFEST_LINE = 4096
_GRADLE_DEV = frozenset({"annotationProcessor", "kapt", "ksp", "developmentOnly"})


def _parse_gradle(manifest: _Manifest, text: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > _MAX_MANIFEST_LINE:
            continue  # no dependency line is this long; regexes stay linear on the rest
        match = _GRADLE_STRING.match(line) or _GRADLE_MAP.match(line)
        if not match:
            continue
        configuration, group, artifact = match.groups()
        dev = configuration in _GRADLE_DEV or configuration.lower().startswith(
            ("test", "androidtest")
        )
        coordinate = f"{group}:{artifact}"
        manifest.add("maven", coordinate, coordinate, dev=dev, locate=partial(_const, number))


# ---------------------------------------------------------------------------- service roots


def _choose_roots(manifests: Mapping[str, list[_Manifest]]) -> tuple[str, ...]:
    """Which manifest directories are services.

    A directory is a service when its manifests declare a framework (runtime dependency), or
    when it is not nested in a service and nothing below it declares a framework. So a
    tooling-only root package.json above real services is not a service, and a nested
    manifest without a framework (docs/requirements.txt, a frontend's package.json) merges
    into the service around it.
    """
    declares = {root for root, ms in manifests.items() if any(m.declares_framework() for m in ms)}
    framework_below = {d for root in declares for d in list(_ancestors(root))[1:]}
    chosen: set[str] = set()
    for root in sorted(manifests, key=lambda r: (r.count("/") + (r != "."), r)):
        nested = any(d in chosen for d in _ancestors(root))
        if root in declares or not (nested or root in framework_below):
            chosen.add(root)
    return tuple(sorted(chosen))


# ---------------------------------------------------------------------------- detectors


def _manifest_hits(run: _Run, manifest: _Manifest, owner: str) -> None:
    for dep in manifest.deps:
        if dep.dev:
            continue
        evidence = Evidence(dep.path, dep.line, f"depends on {dep.raw}")
        for kind, name in dep.matches:
            run.add((owner,), _Hit(kind, name, evidence))


def _import_hits(run: _Run) -> None:
    for path in sorted(run.imports):
        owner = run.owner(path) if path in run.file_set else None
        language = _file_language(path)
        # Tests import what they need to test (sqlite, mongomock, ...): not the service's stack.
        if owner is None or language is None or is_test_path(path):
            continue
        ecosystem = _IMPORT_ECOSYSTEM[language]
        for module, line in run.imports[path]:
            if not isinstance(module, str):
                continue
            for kind, name in _import_matches(ecosystem, module):
                evidence = Evidence(path, line, f"imports {_clean(module)}")
                run.add((owner,), _Hit(kind, name, evidence, code=True))
        _code_usage_hits(run, path, owner, ecosystem)


_BOTO_DYNAMODB = re.compile(r"""\.(?:resource|client)\(\s*["']dynamodb["']""")
_AWS_SDK_DYNAMODB = re.compile(r"\bDynamoDB(?:\.DocumentClient)?\s*\(")


def _code_usage_hits(run: _Run, path: str, owner: str, ecosystem: str) -> None:
    # A generic AWS SDK import says nothing; its DynamoDB client call does.
    modules = {module for module, _ in run.imports[path] if isinstance(module, str)}
    if ecosystem == "python" and modules & {"boto3", "aioboto3"}:
        pattern, sdk = _BOTO_DYNAMODB, "boto3"
    elif ecosystem == "js" and "aws-sdk" in modules:
        pattern, sdk = _AWS_SDK_DYNAMODB, "aws-sdk"
    else:
        return
    text = run.text(path)
    if text is not None and (line := _line_of(text.splitlines(), pattern)) is not None:
        evidence = Evidence(path, line, f"{sdk} DynamoDB client")
        run.add((owner,), _Hit(DATABASE, "dynamodb", evidence, code=True))


def _language_hits(run: _Run, owned_manifests: Mapping[str, list[_Manifest]]) -> None:
    by_owner: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in run.files:
        owner = run.owner(path)
        if owner is None:
            continue
        language = _file_language(path)
        if posixpath.basename(path).startswith("tsconfig") and path.endswith(".json"):
            language = "typescript"
        if language is not None:
            by_owner[owner][language].append(path)
    for root in run.roots:
        languages = by_owner[root]
        for language, paths in languages.items():
            # Application code says more than tests or empty package markers.
            paths.sort(key=lambda p: (is_test_path(p), p.endswith("__init__.py"), p))
            for path in paths[:MAX_LANGUAGE_EVIDENCE]:
                what = "TypeScript config" if path.endswith(".json") else f"{language} source"
                run.add((root,), _Hit(LANGUAGE, language, Evidence(path, None, what)))
        # A manifest with no sources of its own (yet) still says what the service is written in.
        for manifest in owned_manifests.get(root, ()):
            language = manifest.language
            if language == "javascript" and "typescript" in languages:
                continue
            if language == "java" and "kotlin" in languages and "java" not in languages:
                continue
            if language not in languages:
                evidence = Evidence(manifest.path, None, f"{language} project manifest")
                run.add((root,), _Hit(LANGUAGE, language, evidence))


def _config_hits(run: _Run) -> None:
    for path in run.files:
        base = posixpath.basename(path)
        if _DOCKERFILE.match(base):
            _dockerfile(run, path)
        elif _COMPOSE_FILE.match(base):
            _compose(run, path)
        elif base in ("serverless.yml", "serverless.yaml", "serverless.json"):
            _serverless(run, path)
        elif base in ("Chart.yaml", "kustomization.yaml", "kustomization.yml"):
            what = "Helm chart" if base == "Chart.yaml" else "Kustomize configuration"
            run.add(run.targets(path), _Hit(DEPLOYMENT, "kubernetes", Evidence(path, None, what)))
        elif _is_env_file(base):
            _url_hits(run, path, run.text(path))
        elif path.endswith((".yaml", ".yml")) and not _in_helm_templates(run, path):
            _yaml_candidate(run, path)
        elif path.endswith(".json") and re.search(r"template|cloudformation|cfn", base, re.I):
            _json_template(run, path)
        elif path.endswith(".tf"):
            _terraform(run, path)
        elif base == "Procfile" or base.endswith(".service"):
            _vm(run, path)
        elif base in _PY_CONFIG or (base.endswith(".py") and _parent(path).endswith("settings")):
            _python_settings(run, path)
        elif path.endswith(".prisma"):
            _prisma(run, path)
        elif path.endswith((".graphql", ".graphqls", ".gql")):
            evidence = Evidence(path, None, "GraphQL schema")
            run.add(run.targets(path), _Hit(API_STYLE, "graphql", evidence, code=True))
        elif path.endswith(".proto"):
            _proto(run, path)


def _is_env_file(base: str) -> bool:
    """Files that hold connection URLs: .env files, Spring application config, alembic.ini."""
    return (
        base == ".env"
        or base.startswith(".env.")
        or base.endswith(".env")
        or base == "alembic.ini"
        or bool(_SPRING_CONFIG.match(base))
    )


def _in_helm_templates(run: _Run, path: str) -> bool:
    # Helm templates are Go templates, not YAML; the chart's Chart.yaml is the evidence.
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part == "templates":
            chart = "/".join([*parts[:index], "Chart.yaml"])
            if chart in run.file_set:
                return True
    return False


_DOCKER_FROM = re.compile(r"^\s*FROM\s", re.IGNORECASE)


def _dockerfile(run: _Run, path: str) -> None:
    text = run.text(path)
    line = _line_of(text.splitlines(), _DOCKER_FROM) if text else None
    run.add(run.targets(path), _Hit(DEPLOYMENT, "docker", Evidence(path, line, "Dockerfile")))


def _load_yaml_documents(
    run: _Run, path: str, text: str
) -> list[tuple[object, dict[KeyPath, int]]] | None:
    try:
        return load_yaml_all_with_lines(text, path=path, local_tags=True)
    except DataFormatError as exc:
        run.problem(path, exc.line, f"{exc.message}; detection went on without this file")
        return None


def _image_database(image: object) -> str | None:
    if not isinstance(image, str):
        return None
    name = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0].lower()
    return _DATABASE_BY_IMAGE.get(name)


def _compose(run: _Run, path: str) -> None:
    text = run.required_text(path)
    documents = _load_yaml_documents(run, path, text) if text is not None else None
    if documents is None:
        return
    data, lines = documents[0] if documents else (None, {})
    compose = _as_dict(data)
    if compose is None:
        run.problem(path, None, "not a Compose file: the top level must be a mapping; ignored")
        return
    services = _as_dict(compose.get("services")) or {}
    # In a monorepo a root compose file wires several services: follow `build:` to the service
    # it builds and `depends_on`/`links` to the databases that service uses.
    built: dict[str, str] = {}
    for name, spec in services.items():
        target = _compose_build_target(run, path, _as_dict(spec) or {})
        if target is not None:
            built[name] = target
    owner = run.owner(path)
    everyone = (owner,) if owner is not None else run.roots

    def targets_of(service: str) -> tuple[str, ...]:
        return (built[service],) if owner is None and service in built else everyone

    deployed = False
    for name in sorted(services):
        if owner is None and name in built:
            line = lines.get(("services", name))
            evidence = Evidence(path, line, f"Compose service {_clean(name)} builds this service")
            run.add((built[name],), _Hit(DEPLOYMENT, "docker-compose", evidence))
            deployed = True
    if not deployed:
        evidence = Evidence(path, lines.get(("services",)), "Compose file")
        run.add(everyone, _Hit(DEPLOYMENT, "docker-compose", evidence))
    users: dict[str, set[str]] = defaultdict(set)  # compose service -> services that use it
    for user, root in built.items():
        for linked in _compose_links(services, user):
            users[linked].add(root)
    for name, raw_spec in sorted(services.items()):
        spec = _as_dict(raw_spec) or {}
        database = _image_database(spec.get("image"))
        if database is not None:
            line = lines.get(("services", name, "image"))
            what = f"Compose service {_clean(name)} runs image {_clean(spec.get('image'))}"
            chosen = tuple(users[name]) if owner is None and users[name] else everyone
            run.add(chosen, _Hit(DATABASE, database, Evidence(path, line, what)))
        for key_path, value in _compose_environment(spec):
            if isinstance(value, str) and (match := _DB_URL.search(value)):
                line = lines.get(("services", name, "environment", *key_path))
                what = f"Compose service {_clean(name)} connects to {match.group(1).lower()}"
                database = _DATABASE_BY_SCHEME[match.group(1).lower()]
                run.add(targets_of(name), _Hit(DATABASE, database, Evidence(path, line, what)))


def _compose_build_target(run: _Run, path: str, spec: Mapping[str, object]) -> str | None:
    build = spec.get("build")
    context = build if isinstance(build, str) else (_as_dict(build) or {}).get("context")
    if not isinstance(context, str):
        return None
    directory = _join_inside(_parent(path), context)
    return run.owner_of_dir(directory) if directory is not None else None


def _compose_links(services: Mapping[str, object], name: str) -> set[str]:
    spec = _as_dict(services.get(name)) or {}
    linked: set[str] = set()
    for key in ("depends_on", "links"):
        value = spec.get(key)
        if isinstance(value, list):
            linked.update(str(item).split(":", 1)[0] for item in value)
        elif isinstance(value, dict):
            linked.update(str(item) for item in value)
    return linked


def _compose_environment(spec: Mapping[str, object]) -> Iterator[tuple[KeyPath, object]]:
    environment = spec.get("environment")
    if isinstance(environment, dict):
        for key, value in environment.items():
            yield (str(key),), value
    elif isinstance(environment, list):
        for index, item in enumerate(environment):
            if isinstance(item, str):
                yield (index,), item.split("=", 1)[-1]


def _yaml_candidate(run: _Run, path: str) -> None:
    # Only files that look like Kubernetes or CloudFormation are parsed: most YAML in a repo
    # (CI, OpenAPI, i18n) says nothing about the stack.
    text = run.text(path)
    if text is None:
        return
    kubernetes = bool(_K8S_HINT.search(text) and _K8S_KIND_HINT.search(text))
    cloudformation = "AWSTemplateFormatVersion" in text or "AWS::Serverless" in text
    if not (kubernetes or cloudformation):
        return
    documents = _load_yaml_documents(run, path, text)
    for data, lines in documents or ():
        document = _as_dict(data)
        if document is None:
            continue
        if kubernetes:
            _kubernetes_document(run, path, document, lines)
        if cloudformation:
            _cloudformation(run, path, document, lines, ())


def _kubernetes_document(
    run: _Run, path: str, document: Mapping[str, object], lines: Mapping[KeyPath, int]
) -> None:
    kind = document.get("kind")
    if not (isinstance(document.get("apiVersion"), str) and kind in _K8S_KINDS):
        return
    evidence = Evidence(path, lines.get(("kind",)), f"Kubernetes {kind}")
    run.add(run.targets(path), _Hit(DEPLOYMENT, "kubernetes", evidence))
    for key_path, value in _walk(document):
        if key_path and key_path[-1] == "image" and (database := _image_database(value)):
            what = f"Kubernetes {kind} runs image {_clean(value)}"
            line = lines.get(key_path)
            run.add(run.targets(path), _Hit(DATABASE, database, Evidence(path, line, what)))


def _cloudformation(
    run: _Run,
    path: str,
    document: Mapping[str, object],
    lines: Mapping[KeyPath, int],
    prefix: KeyPath,
) -> None:
    resources = _as_dict(document.get("Resources")) or {}
    transform = document.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if any(isinstance(t, str) and t.startswith("AWS::Serverless") for t in transforms):
        evidence = Evidence(path, lines.get((*prefix, "Transform")), "AWS SAM template")
        run.add(run.targets(path), _Hit(DEPLOYMENT, "serverless", evidence))
    for name, raw in sorted(resources.items()):
        resource = _as_dict(raw) or {}
        kind = resource.get("Type")
        if not isinstance(kind, str):
            continue
        line = lines.get((*prefix, "Resources", name, "Type"))
        what = f"{_clean(kind)} resource {_clean(name)}"
        database = _CFN_DATABASE_TYPES.get(kind)
        if kind in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
            engine = (_as_dict(resource.get("Properties")) or {}).get("Engine")
            database = _rds_engine_database(engine)
        if database is not None:
            run.add(run.targets(path), _Hit(DATABASE, database, Evidence(path, line, what)))
        if kind.startswith("AWS::Serverless::"):
            run.add(run.targets(path), _Hit(DEPLOYMENT, "serverless", Evidence(path, line, what)))


def _rds_engine_database(engine: object) -> str | None:
    if not isinstance(engine, str):
        return None
    engine = engine.lower()
    if "postgres" in engine:
        return "postgresql"
    if "mysql" in engine or "mariadb" in engine or engine == "aurora":
        return "mysql"
    return None


def _serverless(run: _Run, path: str) -> None:
    text = run.required_text(path)
    if text is None:
        return
    if path.endswith(".json"):
        try:
            documents: list[tuple[object, dict[KeyPath, int]]] | None = [
                (load_json(text, path), {})
            ]
        except DataFormatError as exc:
            run.problem(path, exc.line, f"{exc.message}; detection went on without this file")
            documents = None
    else:
        documents = _load_yaml_documents(run, path, text)
    if not documents:
        return
    data, lines = documents[0]
    config = _as_dict(data)
    if config is None:
        run.problem(path, None, "not a Serverless Framework file: the top level must be a mapping")
        return
    line = lines.get(("provider",)) or lines.get(("service",))
    evidence = Evidence(path, line, "Serverless Framework service")
    run.add(run.targets(path), _Hit(DEPLOYMENT, "serverless", evidence))
    resources = _as_dict(config.get("resources"))
    if resources is not None:
        _cloudformation(run, path, resources, lines, ("resources",))


def _json_template(run: _Run, path: str) -> None:
    text = run.text(path)
    if text is None or not ("AWSTemplateFormatVersion" in text or "AWS::" in text):
        return
    try:
        document = _as_dict(load_json(text, path))
    except DataFormatError as exc:
        run.problem(path, exc.line, f"{exc.message}; detection went on without this file")
        return
    if document is not None:
        _cloudformation(run, path, document, {}, ())


_TF_BLOCK = re.compile(r"^\s*(?:terraform|provider|resource|module)\b")
_TF_RESOURCE = re.compile(r"""^\s*resource\s+"(aws_dynamodb_table|aws_lambda_function)\"""")


def _terraform(run: _Run, path: str) -> None:
    text = run.text(path)
    line = _line_of(text.splitlines(), _TF_BLOCK) if text else None
    evidence = Evidence(path, line, "Terraform configuration")
    run.add(run.targets(path), _Hit(DEPLOYMENT, "terraform", evidence, code=True))
    for number, source in enumerate((text or "").splitlines(), start=1):
        match = _TF_RESOURCE.match(source)
        if match is None:
            continue
        what = f"Terraform resource {match.group(1)}"
        if match.group(1) == "aws_dynamodb_table":
            hit = _Hit(DATABASE, "dynamodb", Evidence(path, number, what))
        else:
            hit = _Hit(DEPLOYMENT, "serverless", Evidence(path, number, what))
        run.add(run.targets(path), hit)


def _vm(run: _Run, path: str) -> None:
    text = run.text(path) or ""
    if path.endswith(".service"):
        if "[Service]" not in text or "ExecStart=" not in text:
            return
        line = _line_of(text.splitlines(), re.compile(r"^\s*ExecStart="))
        what = "systemd unit"
    else:
        line = _line_of(text.splitlines(), re.compile(r"^[\w-]+:"))
        what = "Procfile (process manager on a host)"
    run.add(run.targets(path), _Hit(DEPLOYMENT, "vm", Evidence(path, line, what)))


def _url_hits(run: _Run, path: str, text: str | None) -> None:
    for number, line in enumerate((text or "").splitlines(), start=1):
        stripped = line.lstrip()
        if stripped.startswith(("#", "//", ";")):
            continue
        for match in _DB_URL.finditer(line):
            scheme = match.group(1).lower()
            what = f"{scheme} connection URL"
            run.add(
                run.targets(path),
                _Hit(DATABASE, _DATABASE_BY_SCHEME[scheme], Evidence(path, number, what)),
            )


def _python_settings(run: _Run, path: str) -> None:
    text = run.text(path)
    if text is None:
        return
    _url_hits(run, path, text)
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        if engine := _DJANGO_ENGINE.search(line):
            database = _ENGINE_DATABASE[engine.group(1)]
            what = f"Django DATABASES engine {engine.group(1)}"
            run.add(run.targets(path), _Hit(DATABASE, database, Evidence(path, number, what)))
        if _DJANGO_AUTH_APP.search(line):
            what = "django.contrib.auth in INSTALLED_APPS"
            run.add(run.targets(path), _Hit(AUTH, "django-auth", Evidence(path, number, what)))


def _prisma(run: _Run, path: str) -> None:
    for number, line in enumerate((run.text(path) or "").splitlines(), start=1):
        if match := _PRISMA_PROVIDER.match(line):
            what = f"Prisma datasource provider {match.group(1)}"
            database = match.group(1)  # Prisma's provider names are gatekeeper's
            run.add(run.targets(path), _Hit(DATABASE, database, Evidence(path, number, what)))


_PROTO_SERVICE = re.compile(r"^\s*service\s+\w+\s*\{?")


def _proto(run: _Run, path: str) -> None:
    text = run.text(path)
    line = _line_of(text.splitlines(), _PROTO_SERVICE) if text else None
    if line is not None:
        evidence = Evidence(path, line, "gRPC service definition")
        run.add(run.targets(path), _Hit(API_STYLE, "grpc", evidence, code=True))


# ---------------------------------------------------------------------------- assembly


def _evidence_key(evidence: Evidence) -> tuple[str, int, str]:
    return (evidence.path, evidence.line if evidence.line is not None else -1, evidence.what)


def _one_per_line(evidence: Iterable[Evidence]) -> list[Evidence]:
    """`from fastapi import Depends, FastAPI` may arrive as several imports on one line."""
    best: dict[tuple[str, int | None], Evidence] = {}
    for item in evidence:
        key = (item.path, item.line)
        if key not in best or (len(item.what), item.what) < (len(best[key].what), best[key].what):
            best[key] = item
    return sorted(best.values(), key=_evidence_key)


def _detections(hits: Iterable[_Hit]) -> list[Detection]:
    declared: dict[tuple[str, str], set[Evidence]] = defaultdict(set)
    code: dict[tuple[str, str], set[Evidence]] = defaultdict(set)
    for hit in hits:
        (code if hit.code else declared)[(hit.kind, hit.name)].add(hit.evidence)
    keys = set(declared) | set(code)
    for framework, bases in _SUBSUMES.items():
        if (FRAMEWORK, framework) in keys:
            keys.difference_update((FRAMEWORK, base) for base in bases)
    frameworks = {name for kind, name in keys if kind == FRAMEWORK}
    # Next to another framework, aiohttp is that service's HTTP client unless aiohttp.web is
    # imported by name (`from aiohttp import web` arrives as plain `aiohttp` and proves nothing).
    server = any(e.what.startswith("imports aiohttp.web") for e in code[(FRAMEWORK, "aiohttp")])
    if "aiohttp" in frameworks and len(frameworks) > 1 and not server:
        keys.discard((FRAMEWORK, "aiohttp"))
    result: list[Detection] = []
    rest: set[Evidence] = set()
    for kind, name in keys:
        stated = sorted(declared.get((kind, name), ()), key=_evidence_key)[:MAX_DECLARED_EVIDENCE]
        seen = _one_per_line(code.get((kind, name), ()))[:MAX_CODE_EVIDENCE]
        result.append(Detection(kind, name, tuple(sorted(stated + seen, key=_evidence_key))))
        if kind == FRAMEWORK:
            # REST is the default style of every supported web framework, never assumed alone.
            first = (stated + seen)[0]
            rest.add(Evidence(first.path, first.line, f"{name} (REST framework)"))
    if rest:
        result.append(Detection(API_STYLE, "rest", tuple(sorted(rest, key=_evidence_key))))
    return sorted(result, key=lambda d: (d.kind, d.name))


def detect_services(
    files: Sequence[str],
    read_text: Callable[[str], str | None],
    imports: Mapping[str, Sequence[tuple[str, int]]],
) -> StackResult:
    """The services in a repository and, for each, its languages, frameworks, databases, auth,
    API styles and deployment, every detection with evidence (file and line).

    `files` are repo-relative POSIX paths from the safe index; `read_text` is only called for
    paths in `files`; `imports[path]` lists (module, line) for a source file. The result is
    sorted and independent of the input order. A file that cannot be used becomes a
    StackProblem and detection goes on without it.
    """
    run = _Run(files, read_text, imports)
    candidates: dict[str, list[_Manifest]] = defaultdict(list)
    for path in run.files:
        root = _manifest_root(path)
        if root is None:
            continue
        candidates[root].append(_parse_manifest(run, path, root))
    run.set_roots(_choose_roots(candidates))
    if not run.roots and any(_file_language(path) for path in run.files):
        run.set_roots((".",))  # sources without any manifest: still one service to report on
    owned: dict[str, list[_Manifest]] = defaultdict(list)
    for root, manifests in candidates.items():
        owner = run.owner_of_dir(root)
        if owner is None:
            continue  # tooling above the services, e.g. a root package.json with only linters
        owned[owner].extend(manifests)
        for manifest in manifests:
            _manifest_hits(run, manifest, owner)
    _import_hits(run)
    _language_hits(run, owned)
    _config_hits(run)
    services = []
    for root in run.roots:
        manifests = owned.get(root, [])
        paths = {m.path for m in manifests} | {p for m in manifests for p in m.included}
        services.append(
            Service(
                root=root,
                name=_name_service(root, manifests),
                manifests=tuple(sorted(paths)),
                detections=tuple(_detections(run.hits.get(root, ()))),
            )
        )
    problems = sorted(run.problems, key=lambda p: (p.path, p.line or 0, p.message))
    return StackResult(services=tuple(services), problems=tuple(problems))


def _name_service(root: str, manifests: Sequence[_Manifest]) -> str:
    in_root = {posixpath.basename(m.path): m for m in manifests if _parent(m.path) == root}
    for base in _NAME_PRIORITY:
        manifest = in_root.get(base)
        if manifest is not None and manifest.name:
            return manifest.name
    return "root" if root == "." else posixpath.basename(root)
