"""The whole repository's database facts, built once per audit in the parent: schema sources
grouped into histories, SQL parsed, every history replayed, plus the code around the schema
(create_all() calls, ORM models not read yet, request validation libraries)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from gatekeeper import config as cfg
from gatekeeper.errors import GatekeeperError
from gatekeeper.extract.imports import FileImports
from gatekeeper.migrations import sql
from gatekeeper.migrations.model import (
    Irreversible,
    Migration,
    MigrationOp,
    OpKind,
    SchemaModel,
    Tool,
)
from gatekeeper.migrations.ormcode import OrmCode
from gatekeeper.migrations.replay import replay
from gatekeeper.model import Service, Unanalyzed
from gatekeeper.repo import RepoIndex
from gatekeeper.stack import is_test_path

PYTHON_EXTRACTORS = frozenset(
    {"migrations.alembic", "migrations.django", "migrations.django_models"}
)
RELATIONAL = frozenset({"postgresql", "mysql", "sqlite"})
_DIALECT_HINTS = {"postgres": "postgres", "postgresql": "postgres", "pg": "postgres"} | {
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}

# Schema sources this slice does not read yet, recognised by import (module prefix -> name).
_UNSUPPORTED_IMPORTS = (
    ("sequelize", "Sequelize"),
    ("typeorm", "TypeORM"),
    ("knex", "Knex"),
    ("@prisma/client", "Prisma"),
    ("drizzle-orm", "Drizzle"),
    ("@mikro-orm/", "MikroORM"),
    ("gorm.io/gorm", "GORM"),
    ("github.com/jinzhu/gorm", "GORM"),
    ("entgo.io/ent", "ent"),
    ("jakarta.persistence", "JPA entities"),
    ("javax.persistence", "JPA entities"),
    ("sqlmodel", "SQLModel models"),
    ("peewee", "peewee models"),
    ("tortoise", "Tortoise ORM models"),
)
_UNSUPPORTED_DATABASES = {"mongodb": "MongoDB", "dynamodb": "DynamoDB"}
# ... and by what a manifest declares (text as written in it -> name).
_UNSUPPORTED_MANIFEST_TEXT = (
    ("spring-boot-starter-data-jpa", "JPA entities"),
    ("hibernate-core", "JPA entities"),
    ("jakarta.persistence-api", "JPA entities"),
    ("liquibase", "Liquibase"),
    ('"sequelize"', "Sequelize"),
    ('"typeorm"', "TypeORM"),
    ('"knex"', "Knex"),
    ('"prisma"', "Prisma"),
    ('"@prisma/client"', "Prisma"),
    ('"drizzle-orm"', "Drizzle"),
    ("gorm.io/gorm", "GORM"),
    ("github.com/jinzhu/gorm", "GORM"),
    ("entgo.io/ent", "ent"),
    ("sqlmodel", "SQLModel models"),
    ("peewee", "peewee models"),
    ("tortoise-orm", "Tortoise ORM models"),
)

# Request validation libraries (module prefix -> name), for the data validation criterion.
VALIDATION_IMPORTS = (
    ("pydantic", "pydantic"),
    ("marshmallow", "marshmallow"),
    ("rest_framework.serializers", "DRF serializers"),
    ("django.forms", "Django forms"),
    ("wtforms", "WTForms"),
    ("flask_wtf", "Flask-WTF"),
    ("cerberus", "Cerberus"),
    ("voluptuous", "voluptuous"),
    ("msgspec", "msgspec"),
    ("ninja", "django-ninja"),
    ("joi", "Joi"),
    ("@hapi/joi", "Joi"),
    ("zod", "zod"),
    ("yup", "yup"),
    ("class-validator", "class-validator"),
    ("express-validator", "express-validator"),
    ("ajv", "ajv"),
    ("celebrate", "celebrate"),
    ("@sinclair/typebox", "TypeBox"),
    ("valibot", "valibot"),
    ("github.com/go-playground/validator", "go-playground/validator"),
    ("github.com/go-ozzo/ozzo-validation", "ozzo-validation"),
    ("jakarta.validation", "Jakarta Bean Validation"),
    ("javax.validation", "Bean Validation"),
    ("org.hibernate.validator", "Hibernate Validator"),
)


@dataclass(frozen=True, slots=True, order=True)
class Located:
    """Something found at a place in the repository: a problem, a call, an import."""

    path: str
    line: int | None
    what: str


@dataclass(frozen=True, slots=True)
class History:
    """One schema source replayed: an Alembic versions directory, a service's Django apps, a
    directory of SQL migrations, a schema dump, or Django models without migrations."""

    key: str  # the directory (or service root for Django) it was grouped by
    tool: Tool
    dialect: str
    service: str | None  # root of the service it belongs to
    files: tuple[str, ...]
    schema: SchemaModel
    is_migrations: bool  # a history run against a live database (not a dump or models)


@dataclass(frozen=True, slots=True)
class ServiceDatabase:
    root: str
    name: str
    databases: tuple[str, ...]
    frameworks: tuple[str, ...]
    dialect: str
    unsupported: tuple[str, ...]  # schema sources seen but not read yet ("MongoDB", "GORM")
    evidence: tuple[Located, ...]  # where the database was detected


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    histories: tuple[History, ...]
    services: tuple[ServiceDatabase, ...]
    errors: tuple[Located, ...]  # schema sources that could not be read: the outcome is error
    notes: tuple[Located, ...]  # SQL inside a Python migration that did not parse
    dumps: tuple[str, ...]  # schema dumps kept as documentation beside a migration history
    create_all: tuple[Located, ...]
    orm_models: tuple[Located, ...]  # SQLAlchemy/SQLModel model classes (not replayed yet)
    validation: tuple[Located, ...]  # request validation imports in application code
    docs: tuple[Located, ...]  # ER diagrams and schema documents

    def histories_of(self, root: str) -> tuple[History, ...]:
        return tuple(h for h in self.histories if h.service == root)


ReadText = Callable[[str], str]


def collect(
    index: RepoIndex,
    services: Sequence[Service],
    file_facts: Mapping[str, Mapping[str, object]],
    unanalyzed: Sequence[Unanalyzed],
    declared_database: str | None = None,
) -> DatabaseFacts:
    roots = sorted((s.root for s in services), key=lambda r: (-len(r), r))
    dialects = {s.root: _service_dialect(s, declared_database) for s in services}

    def owner(path: str) -> str | None:
        return next((r for r in roots if r == "." or path.startswith(r + "/")), None)

    def dialect_of(path: str) -> str:
        for part in reversed(path.lower().split("/")[:-1]):
            if part in _DIALECT_HINTS:
                return _DIALECT_HINTS[part]
        root = owner(path)
        if root is not None:
            return dialects[root]
        return _declared_dialect(declared_database)

    errors: list[Located] = []
    notes: list[Located] = []
    python: list[Migration] = []
    create_all: list[Located] = []
    orm_models: list[Located] = []
    imports: list[FileImports] = []
    for path in sorted(file_facts):
        if is_test_path(path):
            continue
        for fact in file_facts[path].values():
            if isinstance(fact, Migration):
                python.append(fact)
            elif isinstance(fact, OrmCode):
                create_all.extend(Located(path, n, "create_all()") for n in fact.create_all)
                orm_models.extend(
                    Located(path, n, "SQLAlchemy model") for n in fact.sqlalchemy_models
                )
            elif isinstance(fact, FileImports):
                imports.append(fact)
    errors.extend(_unanalyzed_sources(index, unanalyzed))
    expanded: list[Migration] = []
    for migration in python:
        errors.extend(_problems(migration))
        expanded.append(_expand_sql(migration, dialect_of(migration.path), notes))
    sql_migrations, sql_errors = _sql_sources(index, dialect_of)
    errors.extend(sql_errors)
    histories, dumps = _histories(expanded + sql_migrations, owner, dialect_of)
    signals = _file_signals(index, owner)
    for service in services:
        signals.setdefault(service.root, set()).update(_manifest_signals(index, service))
    for fact in imports:
        root = owner(fact.path)
        for item in fact.imports:
            for prefix, name in _UNSUPPORTED_IMPORTS:
                if _module_matches(item.module, prefix):
                    signals.setdefault(root, set()).add(name)
    for model in orm_models:
        signals.setdefault(owner(model.path), set()).add("SQLAlchemy models")
    return DatabaseFacts(
        histories=tuple(histories),
        services=tuple(
            _service_database(s, dialects[s.root], signals.get(s.root, set()))
            for s in sorted(services, key=lambda s: s.root)
        ),
        errors=tuple(sorted(set(errors))),
        notes=tuple(sorted(set(notes))),
        dumps=tuple(dumps),
        create_all=tuple(sorted(create_all)),
        orm_models=tuple(sorted(orm_models)),
        validation=tuple(sorted(_validation(imports))),
        docs=tuple(sorted(_schema_docs(index))),
    )


# ---------------------------------------------------------------------------- dialects


def _declared_dialect(declared: str | None) -> str:
    return sql.DIALECTS.get(declared or "", sql.DEFAULT_DIALECT)


def _service_dialect(service: Service, declared: str | None) -> str:
    found = [d for d in cfg.primary_databases(service.names("database")) if d in RELATIONAL]
    if len(found) == 1:
        return sql.DIALECTS[found[0]]
    if declared in sql.DIALECTS and (not found or declared in found):
        return sql.DIALECTS[declared]
    return sql.DIALECTS[found[0]] if found else sql.DEFAULT_DIALECT


# ---------------------------------------------------------------------------- python sources


def _looks_like_migration(path: str) -> bool:
    parts = path.split("/")
    return (
        path.endswith(".py")
        and len(parts) >= 2
        and parts[-2] in ("versions", "migrations")
        and parts[-1] != "__init__.py"
        and not is_test_path(path)
    )


def _unanalyzed_sources(index: RepoIndex, unanalyzed: Sequence[Unanalyzed]) -> Iterable[Located]:
    """Migration files the workers could not parse, or whose extractor failed."""
    for u in unanalyzed:
        if u.engine in PYTHON_EXTRACTORS:
            yield Located(u.path, None, f"{u.engine}: {u.reason}")
        elif _looks_like_migration(u.path) and _migration_text(index, u.path):
            yield Located(u.path, None, f"not parsed: {u.reason}")
        elif sql.classify(u.path) is not None and not is_test_path(u.path):
            yield Located(u.path, None, f"not read: {u.reason}")


def _migration_text(index: RepoIndex, path: str) -> bool:
    """Whether an unparsed .py file reads like a migration (or cannot be read at all)."""
    if index.get(path) is None:
        return True
    try:
        text = index.read_text(path).text
    except (GatekeeperError, OSError, ValueError):
        return True
    lowered = text.lower()
    return "revision" in lowered or "migration" in lowered or "op." in text


def _problems(migration: Migration) -> Iterable[Located]:
    for problem in migration.problems:
        yield Located(migration.path, migration.line, problem)
    if migration.truncated:
        yield Located(
            migration.path,
            migration.line,
            "more operations than gatekeeper reads from one file; the rest were not analyzed",
        )


def _expand_sql(migration: Migration, dialect: str, notes: list[Located]) -> Migration:
    """op.execute()/RunSQL text parsed into operations; text that does not parse is a note."""
    if not any(op.kind is OpKind.EXECUTE_SQL for op in migration.operations):
        return migration
    ops: list[MigrationOp] = []
    for op in migration.operations:
        if op.kind is not OpKind.EXECUTE_SQL:
            ops.append(op)
            continue
        if op.sql is None:
            notes.append(Located(op.file, op.line, "SQL text too large to parse"))
            continue
        parsed = sql.parse_sql(op.sql, dialect=dialect, path=op.file, line=op.line)
        ops.extend(parsed.ops)
        notes.extend(
            Located(op.file, op.line, f"SQL not parsed: {e.message}") for e in parsed.errors
        )
    return replace(migration, operations=tuple(ops))


# ---------------------------------------------------------------------------- SQL sources


def _sql_sources(
    index: RepoIndex, dialect_of: Callable[[str], str]
) -> tuple[list[Migration], list[Located]]:
    files = [
        f
        for e in index.files
        if e.language == "sql" and not is_test_path(e.path)
        if (f := sql.classify(e.path)) is not None
    ]
    downs = {(posixpath.dirname(f.path), f.version): f for f in files if f.direction == "down"}
    migrations: list[Migration] = []
    errors: list[Located] = []
    for f in files:
        if f.direction == "down":
            continue
        entry = index.get(f.path)
        if entry is not None and entry.size > sql.MAX_SQL_BYTES:
            errors.append(
                Located(
                    f.path,
                    None,
                    f"{entry.size} bytes, more than the {sql.MAX_SQL_BYTES} gatekeeper parses; "
                    "split the file or exclude it",
                )
            )
            continue
        text = _read(index, f.path, errors)
        if text is None:
            continue
        parts = sql.sections(text)
        parsed = sql.parse_sql(parts.up, dialect=dialect_of(f.path), path=f.path)
        errors.extend(
            Located(f.path, e.line, f"SQL does not parse: {e.message}") for e in parsed.errors
        )
        reversible, irreversible = _sql_reversibility(index, f, parts, downs, errors)
        migrations.append(
            Migration(
                path=f.path,
                tool=Tool.SQL,
                id=".".join(map(str, f.version)) if f.version else f.path,
                parents=(),
                operations=parsed.ops,
                reversible=reversible,
                irreversible=irreversible,
                version=f.version,
                app=f.flavor.value,  # the SQL tool's naming scheme, for grouping
            )
        )
    return migrations, errors


def _read(index: RepoIndex, path: str, errors: list[Located]) -> str | None:
    try:
        return index.read_text(path).text
    except (GatekeeperError, OSError, ValueError) as exc:
        errors.append(Located(path, None, f"not read: {exc}"))
        return None


def _sql_reversibility(
    index: RepoIndex,
    f: sql.SqlFile,
    parts: sql.Sections,
    downs: Mapping[tuple[str, tuple[int, ...]], sql.SqlFile],
    errors: list[Located],
) -> tuple[bool | None, tuple[Irreversible, ...]]:
    if f.flavor is sql.SqlFlavor.GOLANG_MIGRATE:
        down = downs.get((posixpath.dirname(f.path), f.version))
        if down is None:
            return False, (Irreversible(1, "no .down.sql beside it"),)
        text = _read(index, down.path, errors)
        if text is not None and not sql.has_statements(text):
            return False, (Irreversible(1, f"{posixpath.basename(down.path)} is empty"),)
        return True, ()
    if f.flavor is sql.SqlFlavor.FLYWAY:
        undo = downs.get((posixpath.dirname(f.path), f.version))
        return (True, ()) if undo is not None else (None, ())
    if parts.down is not None:
        if not sql.has_statements(_without_markers(parts.down)):
            return False, (Irreversible(1, "its down section is empty"),)
        return True, ()
    return None, ()


def _without_markers(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))


# ---------------------------------------------------------------------------- histories


def _histories(
    migrations: Sequence[Migration],
    owner: Callable[[str], str | None],
    dialect_of: Callable[[str], str],
) -> tuple[list[History], list[str]]:
    groups: dict[tuple[str, Tool], list[Migration]] = {}
    for m in migrations:
        if m.tool is Tool.DJANGO or m.tool is Tool.DJANGO_MODELS:
            key = owner(m.path) or "."
        else:
            key = posixpath.dirname(m.path) or "."
        groups.setdefault((key, m.tool), []).append(m)
    with_history = {
        owner(ms[0].path)
        for (_, tool), ms in groups.items()
        if tool in (Tool.ALEMBIC, Tool.DJANGO) or any(_is_versioned(m) for m in ms)
    }
    django_services = {owner(ms[0].path) for (_, tool), ms in groups.items() if tool is Tool.DJANGO}
    histories: list[History] = []
    dumps: list[str] = []
    for (key, tool), members in sorted(groups.items()):
        service = owner(members[0].path)
        is_migrations = tool in (Tool.ALEMBIC, Tool.DJANGO) or any(
            _is_versioned(m) for m in members
        )
        if tool is Tool.DJANGO_MODELS and service in django_services:
            continue  # the migrations are the schema; models.py only restates it
        if tool is Tool.SQL and not is_migrations and service in with_history:
            dumps.extend(m.path for m in members)
            continue
        dialect = dialect_of(members[0].path)
        schema = replay(members, dialect=dialect, check_safety=is_migrations)
        histories.append(
            History(
                key=key,
                tool=tool,
                dialect=dialect,
                service=service,
                files=tuple(sorted(m.path for m in members)),
                schema=schema,
                is_migrations=is_migrations,
            )
        )
    return histories, sorted(dumps)


def _is_versioned(m: Migration) -> bool:
    return m.tool is Tool.SQL and bool(m.version) and m.app != sql.SqlFlavor.DUMP.value


# ---------------------------------------------------------------------------- services


def _file_signals(
    index: RepoIndex, owner: Callable[[str], str | None]
) -> dict[str | None, set[str]]:
    """Schema files of tools this slice does not read yet, per owning service."""
    found: dict[str | None, set[str]] = {}
    for entry in index.files:
        if is_test_path(entry.path):
            continue
        if entry.language == "prisma":
            found.setdefault(owner(entry.path), set()).add("Prisma")
        elif entry.language in ("xml", "yaml", "json") and "changelog" in entry.path.lower():
            found.setdefault(owner(entry.path), set()).add("Liquibase")
    return found


def _manifest_signals(index: RepoIndex, service: Service) -> set[str]:
    found: set[str] = set()
    for path in service.manifests:
        try:
            text = index.read_text(path).text.lower()
        except (GatekeeperError, OSError, ValueError):
            continue  # stack detection already reported it
        found.update(name for needle, name in _UNSUPPORTED_MANIFEST_TEXT if needle in text)
    return found


def _service_database(service: Service, dialect: str, signals: set[str]) -> ServiceDatabase:
    databases = service.names("database")
    unsupported = signals | {
        _UNSUPPORTED_DATABASES[d] for d in databases if d in _UNSUPPORTED_DATABASES
    }
    evidence = tuple(
        sorted(
            {
                Located(e.path, e.line, f"{d.name} ({e.what})")
                for d in service.detections
                if d.kind == "database"
                for e in d.evidence
            }
        )
    )
    return ServiceDatabase(
        root=service.root,
        name=service.name,
        databases=databases,
        frameworks=service.names("framework"),
        dialect=dialect,
        unsupported=tuple(sorted(unsupported)),
        evidence=evidence,
    )


def _module_matches(module: str, prefix: str) -> bool:
    if prefix.endswith("/"):
        return module.startswith(prefix)
    return module == prefix or module.startswith((prefix + ".", prefix + "/"))


def _validation(imports: Sequence[FileImports]) -> Iterable[Located]:
    for fact in imports:
        serializers = fact.path.rpartition("/")[2] == "serializers.py"
        for item in fact.imports:
            name = next(
                (n for prefix, n in VALIDATION_IMPORTS if _module_matches(item.module, prefix)),
                None,
            )
            if name is None and serializers and _module_matches(item.module, "rest_framework"):
                name = "DRF serializers"
            if name is not None:
                yield Located(fact.path, item.line, f"imports {item.module} ({name})")


_DOC_SUFFIXES = (".dbml", ".md", ".png", ".svg", ".puml", ".mmd", ".pdf", ".drawio")


def _schema_docs(index: RepoIndex) -> Iterable[Located]:
    for entry in index.files:
        base = entry.path.rpartition("/")[2].lower()
        stem = base.rpartition(".")[0]
        if base.endswith(".dbml"):
            yield Located(entry.path, None, "DBML schema")
        elif base.endswith(_DOC_SUFFIXES) and (
            "erd" in stem.split("-") + stem.split("_") + [stem]
            or "er-diagram" in stem
            or "er_diagram" in stem
            or stem in ("schema", "database", "data-model", "data_model", "datamodel")
        ):
            yield Located(entry.path, None, "schema documentation")
