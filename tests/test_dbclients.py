"""Database and queue clients whose connect wait is unbounded by default, read from the ast."""

from __future__ import annotations

import ast

from gatekeeper.extract import dbclients
from gatekeeper.extract.base import ParsedFile


def clients(text: str) -> list[tuple[int, str, bool]]:
    pf = ParsedFile("app/db.py", "python", text, tree=ast.parse(text))
    found = dbclients._extract(pf)
    return [] if found is None else [(c.line, c.client, c.bounded) for c in found.clients]


def test_sqlalchemy_engines_on_postgres_and_mysqlclient() -> None:
    text = """from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

a = create_engine("postgresql+psycopg://app@db/app")
b = create_engine("postgresql://app@db/app", connect_args={"connect_timeout": 5})
c = create_engine("postgresql://app@db/app?connect_timeout=5")
d = create_async_engine("postgresql+asyncpg://app@db/app")
e = create_engine("mysql+mysqldb://app@db/app")
f = create_engine("sqlite:///app.db")
g = create_engine(settings.DATABASE_URL)
h = create_engine("postgresql://app@db/app", **options)
"""
    # asyncpg bounds its connect (60 s), SQLite has no network, a URL from settings is
    # unknown and **options may carry the timeout: none of those is recorded.
    assert clients(text) == [
        (4, "create_engine", False),
        (5, "create_engine", True),
        (6, "create_engine", True),
        (8, "create_engine", False),
    ]


def test_drivers_and_redis() -> None:
    text = """import psycopg2
import redis

conn = psycopg2.connect("dbname=app host=db")
bounded = psycopg2.connect(dbname="app", host="db", connect_timeout=3)
cache = redis.Redis(host="cache", port=6379)
fast = redis.Redis(host="cache", socket_timeout=1, socket_connect_timeout=1)
from_url = redis.Redis.from_url("redis://cache:6379/0")
from_env = redis.Redis.from_url(os.environ["REDIS_URL"])
"""
    assert clients(text) == [
        (4, "psycopg2.connect", False),
        (5, "psycopg2.connect", True),
        (6, "redis.Redis", False),
        (7, "redis.Redis", True),
        (8, "redis.Redis.from_url", False),
    ]


def test_django_databases_setting() -> None:
    text = """DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "app",
    },
    "replica": {
        "ENGINE": "django.db.backends.postgresql",
        "OPTIONS": {"connect_timeout": 5},
    },
    "local": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"},
}
"""
    assert clients(text) == [
        (2, "DATABASES['default']", False),
        (6, "DATABASES['replica']", True),
    ]


def test_databases_set_only_for_ci_or_tests_are_not_the_services() -> None:
    # HackSoftware/Django-Styleguide-Example's shape: the real DATABASES comes from the
    # environment, and a literal one is used only when GitHub Actions runs the tests.
    text = """import os
DATABASES = {"default": env.db("DATABASE_URL")}
if os.environ.get("GITHUB_WORKFLOW"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "ci"}}
if TESTING:
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "test"}}
if DEBUG:
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "dev"}}
"""
    assert clients(text) == [(8, "DATABASES['default']", False)]
