"""The whole repository's database facts, built once per audit in the parent: schema sources
grouped into histories (migrations, and models or entities where no migration exists), SQL,
Prisma and Liquibase files parsed, every history replayed, plus the code around the schema
(create_all() and AutoMigrate calls, ORM models not read yet, request validation).

TypeORM and Knex migrations, TypeORM entities and DynamoDB tables (templates, Terraform, CDK) are
read here from the index, not by the workers: they are few files, found by path or marker, and
the DynamoDB access patterns (queries on a named index, scans) are gathered in the same pass."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from gatekeeper import config as cfg
from gatekeeper.errors import GatekeeperError
from gatekeeper.extract.imports import FileImports
from gatekeeper.migrations import dynamodb, jsmigrations, liquibase, ormmodels, prisma, sql
from gatekeeper.migrations.model import (
    Index,
    Irreversible,
    Migration,
    MigrationOp,
    OpKind,
    SchemaModel,
    Tool,
)
from gatekeeper.migrations.ormcode import OrmCode
from gatekeeper.migrations.ormmodels import MODEL_TOOLS, CodeSchema, ModelDecl, Relation
from gatekeeper.migrations.ormqueries import OrmFilter, OrmFilters
from gatekeeper.migrations.replay import replay
from gatekeeper.model import Service, Unanalyzed
from gatekeeper.repo import RepoIndex
from gatekeeper.stack import is_test_path

PYTHON_EXTRACTORS = frozenset(
    {"migrations.alembic", "migrations.django", "migrations.django_models"}
)
CODE_EXTRACTORS = frozenset({"migrations.jpa", "migrations.gorm", "migrations.javascript"})
RELATIONAL = frozenset({"postgresql", "mysql", "sqlite"})
MIGRATION_TOOLS = frozenset(
    {Tool.ALEMBIC, Tool.DJANGO, Tool.LIQUIBASE, Tool.SEQUELIZE, Tool.TYPEORM, Tool.KNEX}
)
# Schemas declared rather than migrated, grouped per service (DynamoDB tables in IaC too).
DECLARED_TOOLS = MODEL_TOOLS | {Tool.TYPEORM_MODELS, Tool.DYNAMODB}
# Models that restate a relational schema: the migrations win when both exist.
RELATIONAL_MODEL_TOOLS = (MODEL_TOOLS - {Tool.MONGODB}) | {Tool.TYPEORM_MODELS}
MODEL_NAMES = {
    Tool.DJANGO_MODELS: "Django models",
    Tool.JPA: "JPA entities",
    Tool.GORM: "GORM models",
    Tool.PRISMA: "Prisma schema",
    Tool.SEQUELIZE_MODELS: "Sequelize models",
    Tool.SQLALCHEMY_MODELS: "SQLAlchemy models",
    Tool.MONGODB: "MongoDB schemas and indexes",
    Tool.TYPEORM_MODELS: "TypeORM entities",
    Tool.DYNAMODB: "DynamoDB tables declared as infrastructure code",
}
MONGODB_DIALECT = "mongodb"
DYNAMODB_DIALECT = "dynamodb"
_DIALECT_HINTS = {"postgres": "postgres", "postgresql": "postgres", "pg": "postgres"} | {
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}

# Schema sources gatekeeper does not read yet, recognised by import (module prefix -> name).
_UNSUPPORTED_IMPORTS = (
    ("drizzle-orm", "Drizzle"),
    ("@mikro-orm/", "MikroORM"),
    ("sequelize-typescript", "sequelize-typescript models"),
    ("entgo.io/ent", "ent"),
    ("peewee", "peewee models"),
    ("tortoise", "Tortoise ORM models"),
    ("mongoengine", "mongoengine documents"),
    ("beanie", "Beanie documents"),
    ("odmantic", "ODMantic models"),
    ("@typegoose/typegoose", "Typegoose models"),
    ("@nestjs/mongoose", "NestJS mongoose schemas"),
    ("go.mongodb.org/mongo-driver", "MongoDB Go driver indexes"),
)
_UNSUPPORTED_DATABASES: dict[str, str] = {}  # DynamoDB tables are read from IaC since issue 7
# ... and by what a manifest declares (text as written in it -> name).
_UNSUPPORTED_MANIFEST_TEXT = (
    ('"drizzle-orm"', "Drizzle"),
    ('"sequelize-typescript"', "sequelize-typescript models"),
    ("entgo.io/ent", "ent"),
    ("peewee", "peewee models"),
    ("tortoise-orm", "Tortoise ORM models"),
    ("mongoengine", "mongoengine documents"),
    ("beanie", "Beanie documents"),
    ('"@typegoose/typegoose"', "Typegoose models"),
    ('"@nestjs/mongoose"', "NestJS mongoose schemas"),
)
# Which database family an unread source describes: a history of that family covers it.
_DOCUMENT_SOURCES = frozenset(
    {
        "mongoengine documents",
        "Beanie documents",
        "ODMantic models",
        "Typegoose models",
        "NestJS mongoose schemas",
        "MongoDB Go driver indexes",
    }
)


def family_of(source: str) -> str:
    """ "document", "dynamodb" or "relational": what kind of schema an unread source holds."""
    if source in _DOCUMENT_SOURCES:
        return "document"
    return "dynamodb" if source == "DynamoDB" else "relational"


def history_family(dialect: str) -> str:
    if dialect == DYNAMODB_DIALECT:
        return "dynamodb"
    return "document" if dialect == MONGODB_DIALECT else "relational"


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
    directory of SQL migrations, a Liquibase changelog, a schema dump, or a service's models
    of one tool (Django, JPA, GORM, Prisma, Sequelize, MongoDB) where no migration exists."""

    key: str  # the directory (or service root for Django and models) it was grouped by
    tool: Tool
    dialect: str
    service: str | None  # root of the service it belongs to
    files: tuple[str, ...]
    schema: SchemaModel
    is_migrations: bool  # a history run against a live database (not a dump or models)

    @property
    def family(self) -> str:
        return history_family(self.dialect)


@dataclass(frozen=True, slots=True)
class ServiceDatabase:
    root: str
    name: str
    databases: tuple[str, ...]
    frameworks: tuple[str, ...]
    dialect: str
    unsupported: tuple[str, ...]  # schema sources seen but not read yet ("TypeORM", "DynamoDB")
    evidence: tuple[Located, ...]  # where the database was detected


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    histories: tuple[History, ...]
    services: tuple[ServiceDatabase, ...]
    errors: tuple[Located, ...]  # schema sources that could not be read: the outcome is error
    notes: tuple[Located, ...]  # SQL inside a Python migration that did not parse
    dumps: tuple[str, ...]  # schema dumps kept as documentation beside a migration history
    create_all: tuple[Located, ...]
    orm_models: tuple[Located, ...]  # SQLAlchemy/SQLModel model classes (ormcode's sighting)
    validation: tuple[Located, ...]  # request validation imports and annotations, model rules
    docs: tuple[Located, ...]  # ER diagrams and schema documents
    sync: tuple[Located, ...] = ()  # AutoMigrate(), sequelize.sync(), ddl-auto: schema at startup
    beside: tuple[Located, ...] = ()  # models kept as documentation beside migrations
    index_queries: tuple[Located, ...] = ()  # DynamoDB queries naming an index (`what`)
    scans: tuple[Located, ...] = ()  # DynamoDB scans in request-serving code
    # Columns application code filters on through an ORM, and which table each model maps to
    # per service: (service root, model class name lower-cased, table).
    orm_filters: tuple[tuple[str, OrmFilter], ...] = ()
    model_tables: tuple[tuple[str | None, str, str], ...] = ()

    def histories_of(self, root: str) -> tuple[History, ...]:
        return tuple(h for h in self.histories if h.service == root)


ReadText = Callable[[str], str]


@dataclass(slots=True)
class _Code:
    """What the worker extractors found in application code, gathered per service."""

    python: list[Migration]
    schemas: list[CodeSchema]
    create_all: list[Located]
    orm_models: list[Located]
    imports: list[FileImports]
    mongo_indexes: list[tuple[str, Index]]
    filters: list[tuple[str, OrmFilter]] = field(default_factory=list)


def _gather(file_facts: Mapping[str, Mapping[str, object]]) -> _Code:
    code = _Code([], [], [], [], [], [])
    for path in sorted(file_facts):
        if is_test_path(path):
            continue
        for fact in file_facts[path].values():
            if isinstance(fact, Migration):
                code.python.append(fact)
            elif isinstance(fact, OrmCode):
                code.create_all.extend(Located(path, n, "create_all()") for n in fact.create_all)
                code.orm_models.extend(
                    Located(path, n, "SQLAlchemy model") for n in fact.sqlalchemy_models
                )
                code.mongo_indexes.extend((path, i) for i in fact.mongo_indexes)
            elif isinstance(fact, CodeSchema):
                code.schemas.append(fact)
            elif isinstance(fact, FileImports):
                code.imports.append(fact)
            elif isinstance(fact, OrmFilters):
                code.filters.extend((path, f) for f in fact.filters)
    return code


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

    errors: list[Located] = []
    notes: list[Located] = []
    schemas, prisma_errors = _prisma_sources(index)
    errors.extend(prisma_errors)
    prisma_dialects = {posixpath.dirname(s.path): s.dialect for s in schemas if s.dialect}

    def dialect_of(path: str) -> str:
        for part in reversed(path.lower().split("/")[:-1]):
            if part in _DIALECT_HINTS:
                return _DIALECT_HINTS[part]
        if path.endswith((".prisma", "/migration.sql")):
            for directory in _ancestors(path):
                if directory in prisma_dialects:
                    return prisma_dialects[directory]
        root = owner(path)
        if root is not None:
            return dialects[root]
        return _declared_dialect(declared_database)

    code = _gather(file_facts)
    errors.extend(_unanalyzed_sources(index, unanalyzed))
    validation = list(_validation(code.imports))
    sync: list[Located] = []
    for schema in code.schemas:
        errors.extend(Located(schema.path, None, p) for p in schema.problems)
        if schema.truncated:
            errors.append(
                Located(
                    schema.path,
                    None,
                    "more declarations than gatekeeper reads from one file; the rest were not "
                    "analyzed",
                )
            )
        validation.extend(Located(schema.path, m.line, m.what) for m in schema.validation)
        sync.extend(Located(schema.path, m.line, m.what) for m in schema.startup_sync)
        if schema.migration is not None:
            code.python.append(schema.migration)
    sync.extend(_ddl_auto(index))
    changelogs, changelog_errors = _liquibase_sources(index)
    errors.extend(changelog_errors)
    expanded: list[Migration] = []
    for migration in code.python + changelogs:
        errors.extend(_problems(migration))
        expanded.append(_expand_sql(migration, dialect_of(migration.path), notes))
    sql_migrations, sql_errors = _sql_sources(index, dialect_of)
    errors.extend(sql_errors)
    js = _js_sources(index, code.imports, owner)
    errors.extend(js.errors)
    sync.extend(js.sync)
    for migration in js.migrations:
        errors.extend(_problems(migration))
        expanded.append(_expand_sql(migration, dialect_of(migration.path), notes))
    dynamo = _dynamo_sources(index, code.imports)
    for migration in dynamo.migrations:
        errors.extend(_problems(migration))
    models = _model_migrations(code, schemas, owner) + js.entities + dynamo.migrations
    histories, dumps, beside = _histories(expanded + sql_migrations + models, owner, dialect_of)
    signals: dict[str | None, set[str]] = {}
    for service in services:
        signals.setdefault(service.root, set()).update(_manifest_signals(index, service))
    for fact in code.imports:
        root = owner(fact.path)
        for item in fact.imports:
            for name in _matching(item.module, _UNSUPPORTED_IMPORTS):
                signals.setdefault(root, set()).add(name)
    read = {
        schema.path
        for schema in code.schemas
        if any(m.tool is Tool.SQLALCHEMY_MODELS for m in schema.models)
    }
    for model in code.orm_models:
        if model.path not in read:  # a table class the SQLAlchemy reader found nothing in
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
        create_all=tuple(sorted(code.create_all)),
        orm_models=tuple(sorted(code.orm_models)),
        validation=tuple(sorted(set(validation))),
        docs=tuple(sorted(_schema_docs(index))),
        sync=tuple(sorted(set(sync))),
        beside=tuple(sorted(set(beside))),
        index_queries=tuple(
            sorted({Located(a.path, a.line, a.index) for a in dynamo.access if a.kind == "query"})
        ),
        scans=tuple(
            sorted({Located(a.path, a.line, "scan") for a in dynamo.access if a.kind == "scan"})
        ),
        orm_filters=tuple(sorted(code.filters)),
        model_tables=_model_tables(expanded + models, owner),
    )


def _model_tables(
    migrations: Sequence[Migration], owner: Callable[[str], str | None]
) -> tuple[tuple[str | None, str, str], ...]:
    """(service root, model class lower-cased, table) for every table a model creates: Django
    migrations and models name theirs ("app.model"), the model readers give the class name."""
    found: set[tuple[str | None, str, str]] = set()
    for migration in migrations:
        root = owner(migration.path)
        for op in migration.operations:
            if op.kind is OpKind.CREATE_TABLE and op.model:
                found.add((root, op.model.rpartition(".")[2].lower(), op.table))
    return tuple(sorted(found, key=lambda item: (item[0] or "", item[1], item[2])))


def _ancestors(path: str) -> Iterator[str]:
    directory = posixpath.dirname(path)
    for _ in range(64):
        yield directory
        if not directory:
            return
        directory = posixpath.dirname(directory)


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


_CODE_LANGUAGES = frozenset({"java", "kotlin", "go", "javascript", "typescript"})
# Text that marks a source file as a possible schema source when the workers could not read it.
_SCHEMA_MARKERS = ("@Entity", "@Document", "gorm", "Schema(", "sequelize", "createIndex")


def _unanalyzed_sources(index: RepoIndex, unanalyzed: Sequence[Unanalyzed]) -> Iterable[Located]:
    """Schema sources the workers could not parse, or whose extractor failed."""
    for u in unanalyzed:
        if u.engine in PYTHON_EXTRACTORS or u.engine in CODE_EXTRACTORS:
            yield Located(u.path, None, f"{u.engine}: {u.reason}")
        elif (entry := index.get(u.path)) is not None and entry.language in _CODE_LANGUAGES:
            if not is_test_path(u.path) and _has_markers(index, u.path):
                yield Located(u.path, None, f"not parsed: {u.reason}")
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


def _has_markers(index: RepoIndex, path: str) -> bool:
    """Whether an unparsed source file may declare a schema (or cannot be read at all)."""
    try:
        text = index.read_text(path).text
    except (GatekeeperError, OSError, ValueError):
        return True
    return any(marker in text for marker in _SCHEMA_MARKERS)


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


def _history_key(m: Migration, owner: Callable[[str], str | None]) -> str:
    if m.tool is Tool.DJANGO or m.tool in DECLARED_TOOLS:
        return owner(m.path) or "."
    if m.tool is Tool.LIQUIBASE:  # grouped by the root changelog that includes it
        return posixpath.dirname(m.app) or "."
    if m.tool is Tool.SQL and m.app == sql.SqlFlavor.PRISMA.value:  # migrations/<dir>/x.sql
        return posixpath.dirname(posixpath.dirname(m.path)) or "."
    return posixpath.dirname(m.path) or "."


def _runs_on_live_database(tool: Tool, members: Sequence[Migration]) -> bool:
    return tool in MIGRATION_TOOLS or any(_is_versioned(m) for m in members)


def _histories(
    migrations: Sequence[Migration],
    owner: Callable[[str], str | None],
    dialect_of: Callable[[str], str],
) -> tuple[list[History], list[str], list[Located]]:
    """(histories, schema dumps beside migrations, models beside migrations)."""
    groups: dict[tuple[str, Tool], list[Migration]] = {}
    for m in migrations:
        groups.setdefault((_history_key(m, owner), m.tool), []).append(m)
    with_history = {
        owner(ms[0].path) for (_, tool), ms in groups.items() if _runs_on_live_database(tool, ms)
    }
    histories: list[History] = []
    dumps: list[str] = []
    beside: list[Located] = []
    for (key, tool), members in sorted(groups.items()):
        service = owner(members[0].path)
        is_migrations = _runs_on_live_database(tool, members)
        if tool in RELATIONAL_MODEL_TOOLS and service in with_history:
            # The migrations are the schema; models only restate it (and count as its docs).
            beside.extend(
                Located(m.path, None, f"{MODEL_NAMES[tool]} beside the migrations") for m in members
            )
            continue
        if tool is Tool.SQL and not is_migrations and service in with_history:
            dumps.extend(m.path for m in members)
            continue
        dialect = (
            MONGODB_DIALECT
            if tool is Tool.MONGODB
            else DYNAMODB_DIALECT
            if tool is Tool.DYNAMODB
            else dialect_of(members[0].path)
        )
        schema = replay(members, dialect=dialect, check_safety=is_migrations)
        histories.append(
            History(
                key=key,
                tool=tool,
                dialect=dialect,
                service=service,
                files=tuple(sorted({m.path for m in members})),
                schema=schema,
                is_migrations=is_migrations,
            )
        )
    return histories, sorted(dumps), beside


def _is_versioned(m: Migration) -> bool:
    return m.tool is Tool.SQL and bool(m.version) and m.app != sql.SqlFlavor.DUMP.value


# ---------------------------------------------------------------------------- TypeORM, Knex

_JS = frozenset({"javascript", "typescript"})
_KNEXFILES = frozenset({"knexfile.js", "knexfile.ts", "knexfile.cjs", "knexfile.mjs"})


@dataclass(frozen=True, slots=True)
class _JsSources:
    migrations: list[Migration]
    entities: list[Migration]
    errors: list[Located]
    sync: list[Located]  # TypeORM `synchronize: true`: the schema follows the entities at startup


_SYNCHRONIZE = re.compile(r"\bsynchronize\s{0,8}:\s{0,8}true\b")


def _importers(imports: Sequence[FileImports], prefixes: Sequence[str]) -> set[str]:
    return {
        fact.path
        for fact in imports
        if any(_module_matches(i.module, p) for i in fact.imports for p in prefixes)
    }


def _js_sources(
    index: RepoIndex, imports: Sequence[FileImports], owner: Callable[[str], str | None]
) -> _JsSources:
    """TypeORM and Knex migrations (in a migrations directory, or a knexfile's), and the
    TypeORM entities of files that import typeorm, resolved per service."""
    out = _JsSources([], [], [], [])
    directories: list[str] = []
    for entry in index.files:
        if entry.path.rpartition("/")[2].lower() in _KNEXFILES and entry.size <= 256 * 1024:
            text = _read(index, entry.path, out.errors)
            if text is not None:
                directories.extend(jsmigrations.knexfile_directories(entry.path, text))
    typeorm_files = _importers(imports, ("typeorm",))
    decls: dict[str | None, list[ModelDecl]] = {}
    for entry in index.files:
        if entry.language not in _JS or is_test_path(entry.path) or entry.path.endswith(".d.ts"):
            continue
        migration_dir = jsmigrations.in_migrations_dir(entry.path, directories)
        if not migration_dir and entry.path not in typeorm_files:
            continue
        if entry.size > jsmigrations.MAX_BYTES:
            out.errors.append(
                Located(entry.path, None, f"{entry.size} bytes, more than gatekeeper reads")
            )
            continue
        text = _read(index, entry.path, out.errors)
        if text is None:
            continue
        language = entry.language or "javascript"
        if migration_dir and jsmigrations.is_typeorm_migration(text):
            out.migrations.append(jsmigrations.typeorm_migration(entry.path, text, language))
        elif migration_dir and jsmigrations.is_knex_migration(text) and _knex_file(text):
            out.migrations.append(jsmigrations.knex_migration(entry.path, text, language))
        elif jsmigrations.is_typeorm_entity(text):
            found = jsmigrations.typeorm_entities(entry.path, text, language)
            out.errors.extend(Located(entry.path, None, p) for p in found.problems)
            decls.setdefault(owner(entry.path), []).extend(found.models)
        if entry.path in typeorm_files and "synchronize" in text:
            out.sync.extend(
                Located(entry.path, number, "TypeORM synchronize: true")
                for number, line in enumerate(text.splitlines()[:20_000], start=1)
                if not line.lstrip().startswith("//") and _SYNCHRONIZE.search(line[:400])
            )
    for root in sorted(decls, key=lambda r: r or ""):
        out.entities.extend(ormmodels.resolve(Tool.TYPEORM_MODELS, decls[root]))
    return out


def _knex_file(text: str) -> bool:
    """A Knex migration, not a Sequelize one (jsorm reads those) nor a plain script."""
    return "Sequelize" not in text or "knex" in text


# ---------------------------------------------------------------------------- DynamoDB

_AWS_SDKS = ("boto3", "aioboto3", "botocore", "aws-sdk", "@aws-sdk/", "dynamoose", "pynamodb")
_CDK = ("aws_cdk", "aws-cdk-lib", "@aws-cdk/")


@dataclass(frozen=True, slots=True)
class _DynamoSources:
    migrations: list[Migration]
    access: list[dynamodb.Access]


def _dynamo_sources(index: RepoIndex, imports: Sequence[FileImports]) -> _DynamoSources:
    """DynamoDB tables in templates, Terraform and CDK code, and the application's queries on
    named indexes and scans (files that import an AWS SDK)."""
    sdk = _importers(imports, _AWS_SDKS)
    cdk = _importers(imports, _CDK)
    migrations: list[Migration] = []
    access: list[dynamodb.Access] = []
    errors: list[Located] = []  # unreadable files are reported by the index already
    for entry in index.files:
        if is_test_path(entry.path) or entry.size > dynamodb.MAX_BYTES:
            continue
        language = entry.language or ""
        template = language in ("yaml", "json") and "lock" not in entry.path.rpartition("/")[2]
        wanted = template or language == "terraform" or entry.path in sdk or entry.path in cdk
        if not wanted:
            continue
        text = _read(index, entry.path, errors)
        if text is None:
            continue
        found: dynamodb.DynamoFile | None = None
        if template and dynamodb.is_template(text):
            found = dynamodb.read_template(entry.path, text)
        elif language == "terraform" and dynamodb.is_terraform(text):
            found = dynamodb.read_terraform(entry.path, text)
        elif entry.path in cdk and dynamodb.is_cdk(text):
            found = dynamodb.read_cdk(entry.path, text, language)
        if found is not None and (found.tables or found.problems):
            migrations.append(dynamodb.to_migration(found))
        if entry.path in sdk and entry.path not in cdk and dynamodb.is_dynamodb_code(text):
            serving = dynamodb.serves_requests(entry.path)
            access.extend(
                a
                for a in dynamodb.accesses(entry.path, text, language)
                if a.kind == "query" or serving
            )
    return _DynamoSources(migrations, access)


# ---------------------------------------------------------------------------- models and others


def _prisma_sources(index: RepoIndex) -> tuple[list[prisma.PrismaSchema], list[Located]]:
    schemas: list[prisma.PrismaSchema] = []
    errors: list[Located] = []
    for entry in index.files:
        if entry.language != "prisma" or is_test_path(entry.path):
            continue
        text = _read(index, entry.path, errors)
        if text is None:
            continue
        parsed = prisma.parse_schema(text, entry.path)
        errors.extend(Located(entry.path, None, p) for p in parsed.problems)
        schemas.append(parsed)
    return schemas, errors


def _liquibase_sources(index: RepoIndex) -> tuple[list[Migration], list[Located]]:
    logs: dict[str, liquibase.ChangeLog] = {}
    errors: list[Located] = []
    for entry in index.files:
        if (
            entry.language not in ("yaml", "json", "xml")
            or is_test_path(entry.path)
            or not liquibase.is_candidate(entry.path)
        ):
            continue
        text = _read(index, entry.path, errors)
        parsed = liquibase.parse(entry.path, text) if text is not None else None
        if parsed is None:
            continue
        errors.extend(Located(entry.path, None, p) for p in parsed.problems)
        logs[entry.path] = parsed
    if not logs:
        return [], errors
    return liquibase.migrations(logs, liquibase.ordered(logs)), errors


_DDL_AUTO = re.compile(
    r"([\w.-]{0,80}(?:ddl-auto|ddl_auto|hbm2ddl\.auto))[\"']?\s{0,8}[:=]\s{0,8}[\"']?"
    r"(update|create-drop|create)\b",
    re.IGNORECASE,
)


# Spring profiles for tests and local runs, where create-drop is the norm, not a deployment.
_LOCAL_PROFILES = frozenset(
    {"test", "tests", "it", "e2e", "integration", "dev", "local", "h2", "ci"}
)


def _ddl_auto(index: RepoIndex) -> Iterable[Located]:
    """Spring `spring.jpa.hibernate.ddl-auto=update|create`: Hibernate changes the schema at
    startup, like create_all(). application.properties/yml and profiles other than test and
    local ones are read."""
    for entry in index.files:
        base = posixpath.basename(entry.path).lower()
        stem = base.rpartition(".")[0]
        profile = set(re.split(r"[-_.]", stem.removeprefix("application"))) - {""}
        if (
            entry.language not in ("properties", "yaml")
            or not stem.startswith("application")
            or profile & _LOCAL_PROFILES
            or is_test_path(entry.path)
        ):
            continue
        try:
            text = index.read_text(entry.path).text
        except (GatekeeperError, OSError, ValueError):
            continue  # not a schema source: nothing is lost
        if "ddl" not in text:
            continue
        for number, line in enumerate(text.splitlines()[:20_000], start=1):
            if line.lstrip().startswith("#"):
                continue
            if match := _DDL_AUTO.search(line[:400]):
                yield Located(entry.path, number, f"{match.group(1)}={match.group(2).lower()}")


def _model_migrations(
    code: _Code, schemas: Sequence[prisma.PrismaSchema], owner: Callable[[str], str | None]
) -> list[Migration]:
    """Each service's model declarations of each tool, resolved into schema Migrations."""
    decls: dict[tuple[str | None, Tool], list[ModelDecl]] = {}
    relations: dict[str | None, list[Relation]] = {}
    indexes: dict[str | None, list[tuple[str, Index]]] = {}
    table_names: dict[str | None, dict[str, str]] = {}
    migrated: dict[str | None, set[str]] = {}
    for schema in code.schemas:
        root = owner(schema.path)
        for decl in schema.models:
            decls.setdefault((root, decl.tool), []).append(decl)
        relations.setdefault(root, []).extend(schema.relations)
        indexes.setdefault(root, []).extend((schema.path, i) for i in schema.indexes)
        table_names.setdefault(root, {}).update(schema.table_names)
        migrated.setdefault(root, set()).update(schema.migrated)
    for path, index in code.mongo_indexes:
        indexes.setdefault(owner(path), []).append((path, index))
    document_prisma: set[str | None] = set()
    for parsed in schemas:
        root = owner(parsed.path)
        decls.setdefault((root, Tool.PRISMA), []).extend(parsed.models)
        if parsed.dialect == MONGODB_DIALECT:
            document_prisma.add(root)
    keys = set(decls) | {(root, Tool.MONGODB) for root, found in indexes.items() if found}
    built: list[Migration] = []
    for root, tool in sorted(keys, key=lambda k: (k[0] or "", k[1].value)):
        document = tool is Tool.MONGODB or (tool is Tool.PRISMA and root in document_prisma)
        built.extend(
            ormmodels.resolve(
                tool,
                decls.get((root, tool), []),
                relations=relations.get(root, []) if tool is Tool.SEQUELIZE_MODELS else (),
                indexes=indexes.get(root, []) if tool is Tool.MONGODB else (),
                table_names=table_names.get(root, {}) if tool is Tool.GORM else None,
                migrated=migrated.get(root, set()) if tool is Tool.GORM else (),
                keys=not document,
            )
        )
    return built


# ---------------------------------------------------------------------------- services


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


def _matching(module: str, table: Sequence[tuple[str, str]]) -> list[str]:
    """The names of `table`'s (prefix, name) rows whose prefix `module` is under (as
    _module_matches says), in the table's order; a lookup per prefix of the module."""
    rows = _prefix_rows(tuple(table))
    heads = [module]
    for position, char in enumerate(module):
        if char in "./":
            heads.append(module[:position])
            if char == "/":
                heads.append(module[: position + 1])
    found = sorted({row for head in heads for row in rows.get(head, ())})
    return [table[row][1] for row in found]


@functools.lru_cache(maxsize=16)
def _prefix_rows(table: tuple[tuple[str, str], ...]) -> dict[str, tuple[int, ...]]:
    rows: dict[str, list[int]] = {}
    for position, (prefix, _) in enumerate(table):
        rows.setdefault(prefix, []).append(position)
    return {prefix: tuple(found) for prefix, found in rows.items()}


def _module_matches(module: str, prefix: str) -> bool:
    if prefix.endswith("/"):
        return module.startswith(prefix)
    return module == prefix or module.startswith((prefix + ".", prefix + "/"))


def _validation(imports: Sequence[FileImports]) -> Iterable[Located]:
    for fact in imports:
        serializers = fact.path.rpartition("/")[2] == "serializers.py"
        for item in fact.imports:
            name = next(iter(_matching(item.module, VALIDATION_IMPORTS)), None)
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
