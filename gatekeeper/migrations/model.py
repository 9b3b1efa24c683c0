"""The schema model gatekeeper replays from migrations: tables, columns, indexes, constraints.

Every value is plain data (frozen, slotted, picklable): the workers send operations back to
the parent in these types, and the report can render them without further lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tool(StrEnum):
    """Where a schema source comes from."""

    ALEMBIC = "alembic"
    DJANGO = "django"
    SQL = "sql"
    DJANGO_MODELS = "django-models"  # models.py read as a schema when no migration exists
    LIQUIBASE = "liquibase"  # changelog changeSets (YAML, XML)
    SEQUELIZE = "sequelize"  # sequelize-cli migrations (queryInterface.* in up/down)
    TYPEORM = "typeorm"  # TypeORM migration classes (queryRunner.* in up/down)
    KNEX = "knex"  # Knex migrations (knex.schema.* in exports.up/down)
    # Models and entities: the schema an ORM declares in code, used when no migration exists.
    JPA = "jpa"  # @Entity classes (Java, Kotlin)
    GORM = "gorm"  # Go structs with gorm tags, gorm.Model or AutoMigrate
    PRISMA = "prisma"  # schema.prisma models
    SEQUELIZE_MODELS = "sequelize-models"  # sequelize.define / Model.init
    SQLALCHEMY_MODELS = "sqlalchemy-models"  # declarative classes, SQLModel tables, Table()
    MONGODB = "mongodb"  # mongoose schemas, createIndex/create_index calls, Spring @Document
    TYPEORM_MODELS = "typeorm-entities"  # @Entity classes
    DYNAMODB = "dynamodb"  # DynamoDB tables in CloudFormation/SAM/Serverless, Terraform, CDK


class OpKind(StrEnum):
    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    RENAME_TABLE = "rename_table"
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    ALTER_COLUMN = "alter_column"
    RENAME_COLUMN = "rename_column"
    CREATE_INDEX = "create_index"
    DROP_INDEX = "drop_index"
    ADD_FOREIGN_KEY = "add_foreign_key"
    ADD_CHECK = "add_check"
    ADD_PRIMARY_KEY = "add_primary_key"
    DROP_CONSTRAINT = "drop_constraint"
    EXECUTE_SQL = "execute_sql"  # SQL text inside a Python migration, parsed in the parent
    RUN_CODE = "run_code"  # RunPython: data migration code, opaque to the schema


class Hazard(StrEnum):
    """Why an operation is unsafe on a table that already holds data (set during replay)."""

    NOT_NULL_WITHOUT_DEFAULT = "not_null_without_default"
    INDEX_NOT_CONCURRENT = "index_not_concurrent"
    FOREIGN_KEY_VALIDATES = "foreign_key_validates"
    TYPE_CHANGE = "type_change"
    RENAME_COLUMN = "rename_column"
    RENAME_TABLE = "rename_table"
    DROP_COLUMN = "drop_column"
    DROP_TABLE = "drop_table"


class IndexOrigin(StrEnum):
    INDEX = "index"  # CREATE INDEX, op.create_index, models.Index
    UNIQUE_CONSTRAINT = "unique constraint"  # UNIQUE (...), UniqueConstraint, unique_together
    IMPLIED = "implied"  # a column's unique=/index=/db_index=, a Django ForeignKey's own index


class ProblemKind(StrEnum):
    MULTIPLE_HEADS = "multiple_heads"  # Alembic: more than one revision nobody revises
    LEAF_CONFLICT = "leaf_conflict"  # Django: two leaf migrations in one app
    MISSING_PARENT = "missing_parent"  # a down_revision or dependency that does not exist
    DUPLICATE_ID = "duplicate_id"  # two files claim one revision or version
    CYCLE = "cycle"


# Caps every migration reader shares: operations read per file (a file with more is marked
# truncated) and SQL text handed to the SQL parser from inside a migration.
MAX_OPS = 2000
MAX_SQL_CHARS = 512 * 1024


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # as written, lower case ("varchar(255)", "string(50)", "charfield(max_length=80)")
    nullable: bool
    default: str | None = None  # a database-side default, or Django's default applied on add
    primary_key: bool = False
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True, order=True)
class Index:
    table: str
    name: str  # "" when the source gives none (an implied or anonymous index)
    columns: tuple[str, ...]  # column names, or expression text such as "lower(email)"
    unique: bool = False
    concurrently: bool = False
    origin: IndexOrigin = IndexOrigin.INDEX
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True, order=True)
class ForeignKey:
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...] = ()
    name: str = ""
    not_valid: bool = False  # PostgreSQL NOT VALID: existing rows are not checked when added
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True, order=True)
class Check:
    table: str
    expression: str
    name: str = ""
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]  # in declaration order (which is deterministic)
    primary_key: tuple[str, ...] = ()
    indexes: tuple[Index, ...] = ()  # sorted
    foreign_keys: tuple[ForeignKey, ...] = ()  # sorted
    checks: tuple[Check, ...] = ()  # sorted
    file: str = ""  # where the table was created
    line: int = 0

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True, slots=True)
class MigrationOp:
    """One schema operation, with where it is written. Fields unused by a kind stay empty."""

    kind: OpKind
    table: str
    file: str
    line: int
    column: str | None = None  # the column altered, dropped or renamed
    new_name: str | None = None  # rename target (table or column)
    columns: tuple[Column, ...] = ()  # create_table's columns, add_column's one column
    primary_key: tuple[str, ...] = ()
    indexes: tuple[Index, ...] = ()  # create_index's one index, create_table's indexes
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    type: str | None = None  # alter_column: the new type, when the migration gives one
    nullable: bool | None = None  # alter_column: the new nullability, when given
    name: str | None = None  # drop_index / drop_constraint: what is dropped
    sql: str | None = None  # execute_sql: the statement text
    model: str | None = None  # Django: "app.model" the operation refers to
    unsafe: tuple[Hazard, ...] = ()  # filled by replay, from what existed before


@dataclass(frozen=True, slots=True, order=True)
class Irreversible:
    """Why a migration cannot be rolled back, and where."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema source file: a migration, or a Django models module (tool django-models).

    `id` is the Alembic revision, Django's "app.name", or a SQL file's version (its path when
    it has none); `parents` are the Alembic down_revision(s) or Django dependencies as ids.
    `reversible` is None when the tool has no down migrations (Flyway) or for models.
    """

    path: str
    tool: Tool
    id: str
    parents: tuple[str, ...]
    operations: tuple[MigrationOp, ...]
    reversible: bool | None
    line: int = 1  # where the revision / the Migration class is declared
    irreversible: tuple[Irreversible, ...] = ()
    app: str = ""  # Django app label
    version: tuple[int, ...] = ()  # SQL files: order within their directory
    replaces: tuple[str, ...] = ()  # Django squashed migrations
    problems: tuple[str, ...] = ()  # what could not be read (the file is then an error)
    truncated: bool = False  # more operations than the per-file cap: only the first were read


@dataclass(frozen=True, slots=True, order=True)
class HistoryProblem:
    kind: ProblemKind
    file: str
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class SchemaModel:
    """The schema a migration history builds, and the history as replayed."""

    dialect: str  # postgres | mysql | sqlite
    tables: tuple[Table, ...]  # sorted by name
    migrations: tuple[Migration, ...] = ()  # in replay order, operations marked `unsafe`
    problems: tuple[HistoryProblem, ...] = ()  # sorted
    heads: tuple[str, ...] = ()  # ids no other migration builds on

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)
