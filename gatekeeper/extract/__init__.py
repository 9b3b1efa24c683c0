"""Per-file extractors, written out in one registry tuple; workers run them by name.

To add one: give it a stable `name`, its `languages` and an `extract`, then list it here.
"""

from __future__ import annotations

from gatekeeper.engines import bandit
from gatekeeper.extract import (
    dbclients,
    imports,
    logging_calls,
    outbound,
    pysecurity,
    statefulness,
    suppressions,
)
from gatekeeper.extract.base import Extractor
from gatekeeper.migrations import (
    alembic,
    django,
    gorm,
    jpa,
    jsorm,
    ormcode,
    ormqueries,
    sqlalchemy,
)
from gatekeeper.routes import python as routes_python

EXTRACTORS: tuple[Extractor, ...] = (
    imports.PYTHON,
    imports.JAVASCRIPT,
    imports.GO,
    imports.JAVA,
    alembic.EXTRACTOR,
    django.MIGRATIONS,
    django.MODELS,
    ormcode.EXTRACTOR,
    sqlalchemy.EXTRACTOR,
    ormqueries.EXTRACTOR,
    routes_python.EXTRACTOR,
    jpa.EXTRACTOR,
    gorm.EXTRACTOR,
    jsorm.EXTRACTOR,
    outbound.PYTHON,
    dbclients.PYTHON,
    statefulness.PYTHON,
    logging_calls.PYTHON,
    pysecurity.PYTHON,
    suppressions.EXTRACTOR,
    bandit.EXTRACTOR,  # an engine: runs only when the audit's engines are on
)
