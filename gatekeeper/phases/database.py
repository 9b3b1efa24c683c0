"""Phase 2, Database Architecture: schema, indexes, migrations, validation.

The schema comes from the migrations replayed statically (Alembic, Django, SQL, Prisma,
Liquibase, Sequelize, TypeORM, Knex), else from the models (Django, JPA, GORM, Prisma,
Sequelize, TypeORM, mongoose); DynamoDB tables from infrastructure code (CloudFormation, SAM,
Serverless, Terraform, CDK). Stacks whose schema sources are not read yet report `error`,
never `pass`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gatekeeper.migrations.collect import (
    DYNAMODB_DIALECT,
    MODEL_NAMES,
    MONGODB_DIALECT,
    RELATIONAL,
    RELATIONAL_MODEL_TOOLS,
    DatabaseFacts,
    History,
    Located,
    ServiceDatabase,
    collect,
    family_of,
)
from gatekeeper.migrations.model import (
    ForeignKey,
    Hazard,
    IndexOrigin,
    Migration,
    ProblemKind,
    Table,
    Tool,
)
from gatekeeper.migrations.ormqueries import OrmFilter
from gatekeeper.model import (
    ColumnRow,
    Confidence,
    Evidence,
    Finding,
    Location,
    MigrationRow,
    Severity,
    Status,
    TableRow,
)
from gatekeeper.phases.base import (
    Context,
    Fact,
    Outcome,
    Phase,
    Rule,
    criterion,
    make_finding,
    outcome_from_findings,
)

PHASE_ID = "database"
_MAX_EVIDENCE = 20
_MAX_LISTED = 3
_DATABASES = RELATIONAL | {"mongodb", "dynamodb"}
_TOOL_NAMES = {
    Tool.ALEMBIC: "Alembic",
    Tool.DJANGO: "Django migrations",
    Tool.SQL: "SQL migrations",
    Tool.LIQUIBASE: "Liquibase changelog",
    Tool.SEQUELIZE: "Sequelize migrations",
    Tool.TYPEORM: "TypeORM migrations",
    Tool.KNEX: "Knex migrations",
    **MODEL_NAMES,
}
_DIALECT_NAMES = {
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
    "sqlite": "SQLite",
    "mongodb": "MongoDB",
    "dynamodb": "DynamoDB",
}
# Columns an application looks rows up by: each value should identify one row. Compared
# without underscores and case, so `userName`, `external_id` and `externalId` match too.
_LOOKUP_COLUMNS = frozenset(
    {
        "email",
        "emailaddress",
        "username",
        "login",
        "slug",
        "externalid",
        "externalref",
        "publicid",
        "uuid",
        "handle",
    }
)

# ---------------------------------------------------------------------------- rules

NO_SCHEMA_SOURCE = Rule(
    "GK201",
    "no-schema-source",
    "database.schema_documented",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service uses a database, but no schema source (migrations, a schema dump, models or "
    "entities; for MongoDB, schemas or index definitions) was found.",
    "Keep the schema under version control as migrations (Alembic, Django, Flyway, Liquibase, "
    "golang-migrate, Prisma) or at least a schema.sql dump; for MongoDB, declare the schema "
    "(mongoose) and create its indexes in code or migration scripts.",
)
SCHEMA_SOURCE_UNREADABLE = Rule(
    "GK202",
    "schema-source-unreadable",
    "database.schema_documented",
    Severity.HIGH,
    Confidence.HIGH,
    "A migration or schema file could not be parsed; the schema it defines is unknown.",
    "Fix the syntax error named in the message, or exclude the file if it is not part of the "
    "schema.",
)
EMBEDDED_SQL_UNPARSED = Rule(
    "GK203",
    "embedded-sql-unparsed",
    "database.schema_documented",
    Severity.LOW,
    Confidence.HIGH,
    "SQL inside a Python migration (op.execute, RunSQL) did not parse; its schema changes are "
    "not in the model.",
    "Use the migration tool's operations for schema changes, or check the SQL for the database "
    "in use.",
)
FK_WITHOUT_INDEX = Rule(
    "GK211",
    "foreign-key-without-index",
    "database.indexing_strategy",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A foreign key column has no index; PostgreSQL and SQLite do not create one, so joins and "
    "deletes of the referenced row scan the whole table.",
    "Create an index whose leading columns are the foreign key columns (CREATE INDEX "
    "CONCURRENTLY on PostgreSQL).",
)
LOOKUP_NOT_INDEXED = Rule(
    "GK212",
    "lookup-column-without-unique-index",
    "database.indexing_strategy",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "An identifier column used for lookups (email, username, slug, external id) has no index "
    "at all.",
    "Add a unique index (or a unique constraint) on the column, scoped with the tenant column "
    "where values repeat across tenants.",
)
LOOKUP_NOT_UNIQUE = Rule(
    "GK213",
    "lookup-index-not-unique",
    "database.indexing_strategy",
    Severity.LOW,
    Confidence.MEDIUM,
    "An identifier column used for lookups is indexed, but nothing keeps its values unique.",
    "Make the index unique, or add a unique constraint, when the value identifies one row.",
)
FILTERED_WITHOUT_INDEX = Rule(
    "GK216",
    "orm-filter-column-without-index",
    "database.indexing_strategy",
    Severity.LOW,
    Confidence.LOW,
    "Application code filters rows by a column that no index starts with; once the table grows, "
    "every such query reads the whole table.",
    "Add an index whose leading column is the filtered column (a composite index when the "
    "query filters on several), or confirm that the table stays small.",
)
DYNAMODB_MISSING_INDEX = Rule(
    "GK214",
    "dynamodb-query-on-missing-index",
    "database.indexing_strategy",
    Severity.HIGH,
    Confidence.MEDIUM,
    "A DynamoDB query names an IndexName that no table declared in infrastructure code has; "
    "the query fails with a ValidationException, or the index exists only in one environment.",
    "Declare the global or local secondary index on the table (GlobalSecondaryIndexes, "
    "global_secondary_index {}, addGlobalSecondaryIndex) or query the index that exists.",
)
DYNAMODB_SCAN = Rule(
    "GK215",
    "dynamodb-scan-in-request-path",
    "database.indexing_strategy",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "Request-serving code scans a DynamoDB table: a scan reads the whole table, page by page, "
    "and its latency and cost grow with every item.",
    "Query by the partition key, or add a global secondary index keyed by what the request "
    "filters on and query it; keep scans in offline jobs.",
)
CREATE_ALL_WITHOUT_MIGRATIONS = Rule(
    "GK221",
    "create-all-without-migrations",
    "database.migration_approach",
    Severity.HIGH,
    Confidence.MEDIUM,
    "Tables are created by metadata.create_all() at startup and no migration tool is in use, "
    "so schema changes never reach an existing database.",
    "Adopt Alembic (alembic init, alembic revision --autogenerate) and run `alembic upgrade "
    "head` on deploy instead of create_all().",
)
CREATE_ALL_BESIDE_MIGRATIONS = Rule(
    "GK222",
    "create-all-beside-migrations",
    "database.migration_approach",
    Severity.LOW,
    Confidence.MEDIUM,
    "metadata.create_all() runs in application code although migrations manage the schema; "
    "tables it creates bypass the migration history.",
    "Remove create_all() from application code and let the migrations create every table "
    "(keep it in test fixtures only).",
)
MODELS_WITHOUT_MIGRATIONS = Rule(
    "GK223",
    "models-without-migrations",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.HIGH,
    "Django models exist but no migration files are committed.",
    "Run `python manage.py makemigrations` and commit the migrations/ directories.",
)
MULTIPLE_HEADS = Rule(
    "GK224",
    "migration-history-branched",
    "database.migration_approach",
    Severity.HIGH,
    Confidence.HIGH,
    "The migration history is not linear: several Alembic heads, or several leaf migrations "
    "in one Django app; `upgrade head` / `migrate` fails or runs them in an arbitrary order.",
    "Merge the branches: `alembic merge heads` or `python manage.py makemigrations --merge`, "
    "then commit the merge migration.",
)
BROKEN_HISTORY = Rule(
    "GK225",
    "migration-history-broken",
    "database.migration_approach",
    Severity.HIGH,
    Confidence.HIGH,
    "A migration builds on a revision no file declares, two files declare the same revision "
    "or version, or migrations depend on each other in a cycle.",
    "Point down_revision/dependencies at an existing migration and give every migration its "
    "own revision or version.",
)
IRREVERSIBLE = Rule(
    "GK226",
    "migration-irreversible",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A migration cannot be rolled back: its downgrade is empty, or RunPython/RunSQL has no "
    "reverse, or the .up.sql has no .down.sql.",
    "Write the downgrade (reverse_code=/reverse_sql=, a .down.sql); use RunPython.noop when "
    "undoing needs no work.",
)
NOT_NULL_WITHOUT_DEFAULT = Rule(
    "GK227",
    "not-null-column-without-default",
    "database.migration_approach",
    Severity.HIGH,
    Confidence.HIGH,
    "A NOT NULL column without a default is added to an existing table; the migration fails "
    "on any table that has rows.",
    "Add the column nullable (or with a server default), backfill it, then set NOT NULL in a "
    "later migration.",
)
INDEX_NOT_CONCURRENT = Rule(
    "GK228",
    "index-created-without-concurrently",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.HIGH,
    "An index is built on an existing PostgreSQL table without CONCURRENTLY; writes to the "
    "table block until the build ends.",
    "Use CREATE INDEX CONCURRENTLY outside a transaction (Alembic postgresql_concurrently=True "
    "in an autocommit_block, Django AddIndexConcurrently with atomic = False).",
)
FK_VALIDATES = Rule(
    "GK229",
    "foreign-key-validated-under-lock",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A foreign key is added to an existing PostgreSQL table without NOT VALID; every row is "
    "checked while both tables are locked.",
    "Add the constraint NOT VALID (Alembic postgresql_not_valid=True), then VALIDATE "
    "CONSTRAINT in a separate migration.",
)
TYPE_CHANGE = Rule(
    "GK230",
    "column-type-changed",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A column's type changes on an existing table; most type changes rewrite the table under "
    "an exclusive lock, and running code may not read the new type.",
    "Add a column of the new type, backfill it, switch the code, then drop the old column "
    "(widening a varchar or varchar to text is safe on PostgreSQL).",
)
RENAME = Rule(
    "GK231",
    "rename-in-place",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A column or table of an existing table is renamed; code still running against the old "
    "name fails until every instance is deployed.",
    "Expand and contract: add the new name, write both, move the readers, then drop the old "
    "name in a later release.",
)
DROP = Rule(
    "GK232",
    "drop-column-or-table",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A column or table with data is dropped; its data is gone and running code that reads it "
    "fails.",
    "Stop reading and writing it in one release and drop it in the next; back the data up "
    "first when it may be needed.",
)
NO_MIGRATIONS = Rule(
    "GK233",
    "no-migration-tool",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service uses a relational database but no migration history was found.",
    "Manage schema changes with a migration tool (Alembic, Django migrations, Flyway, "
    "golang-migrate, dbmate) and commit its files.",
)
SCHEMA_SYNCED_AT_STARTUP = Rule(
    "GK234",
    "schema-synced-at-startup",
    "database.migration_approach",
    Severity.HIGH,
    Confidence.MEDIUM,
    "The ORM creates or alters tables at startup (GORM AutoMigrate, sequelize.sync(), "
    "Hibernate ddl-auto=update/create) and no migration history exists: schema changes are "
    "applied unreviewed, cannot be rolled back, and never drop or rename anything.",
    "Adopt a migration tool (golang-migrate, goose or Atlas for GORM; sequelize-cli "
    "migrations; Flyway or Liquibase for JPA with ddl-auto=validate) and run it on deploy.",
)
SCHEMA_SYNC_BESIDE_MIGRATIONS = Rule(
    "GK235",
    "schema-sync-beside-migrations",
    "database.migration_approach",
    Severity.LOW,
    Confidence.MEDIUM,
    "The ORM also changes the schema at startup (AutoMigrate, sequelize.sync(), ddl-auto) "
    "although migrations manage it; tables it alters bypass the migration history.",
    "Remove the startup sync (or set Hibernate ddl-auto=validate) and let the migrations make "
    "every schema change.",
)
MODELS_WITHOUT_MIGRATION_TOOL = Rule(
    "GK236",
    "orm-models-without-migrations",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "ORM models or entities (JPA, GORM, Prisma, Sequelize, TypeORM) define the schema but no "
    "migration history is committed, so nothing records how a database reaches that schema.",
    "Commit migrations: Flyway or Liquibase for JPA, `prisma migrate dev` for Prisma, "
    "sequelize-cli for Sequelize, `typeorm migration:generate` for TypeORM, "
    "golang-migrate/goose/Atlas for GORM.",
)
DYNAMODB_TABLE_NOT_IN_CODE = Rule(
    "GK237",
    "dynamodb-table-not-in-code",
    "database.migration_approach",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The service uses DynamoDB but no table is declared as infrastructure code; tables made "
    "by hand or by the application differ between environments and cannot be reviewed.",
    "Declare each table, its key schema and its indexes in CloudFormation/SAM/Serverless "
    "resources, Terraform (aws_dynamodb_table) or CDK (dynamodb.Table) and deploy them from it.",
)
TABLE_WITHOUT_CONSTRAINTS = Rule(
    "GK241",
    "table-without-constraints",
    "database.data_validation_rules",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "Every column of the table besides its key is nullable and it has no UNIQUE or CHECK "
    "constraint: the database accepts any row.",
    "Declare NOT NULL on required columns and UNIQUE/CHECK constraints for the rules the data "
    "must follow.",
)
NO_REQUEST_VALIDATION = Rule(
    "GK242",
    "no-request-validation",
    "database.data_validation_rules",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The web service stores data but no request validation library is used (pydantic, "
    "marshmallow, DRF serializers, Joi, zod, class-validator, Bean Validation ...).",
    "Validate every request body against a declared model before it reaches the database.",
)

RULES: tuple[Rule, ...] = (
    NO_SCHEMA_SOURCE,
    SCHEMA_SOURCE_UNREADABLE,
    EMBEDDED_SQL_UNPARSED,
    FK_WITHOUT_INDEX,
    LOOKUP_NOT_INDEXED,
    LOOKUP_NOT_UNIQUE,
    FILTERED_WITHOUT_INDEX,
    DYNAMODB_MISSING_INDEX,
    DYNAMODB_SCAN,
    CREATE_ALL_WITHOUT_MIGRATIONS,
    CREATE_ALL_BESIDE_MIGRATIONS,
    MODELS_WITHOUT_MIGRATIONS,
    MULTIPLE_HEADS,
    BROKEN_HISTORY,
    IRREVERSIBLE,
    NOT_NULL_WITHOUT_DEFAULT,
    INDEX_NOT_CONCURRENT,
    FK_VALIDATES,
    TYPE_CHANGE,
    RENAME,
    DROP,
    NO_MIGRATIONS,
    SCHEMA_SYNCED_AT_STARTUP,
    SCHEMA_SYNC_BESIDE_MIGRATIONS,
    MODELS_WITHOUT_MIGRATION_TOOL,
    DYNAMODB_TABLE_NOT_IN_CODE,
    TABLE_WITHOUT_CONSTRAINTS,
    NO_REQUEST_VALIDATION,
)
_HAZARD_RULES = {
    Hazard.NOT_NULL_WITHOUT_DEFAULT: NOT_NULL_WITHOUT_DEFAULT,
    Hazard.INDEX_NOT_CONCURRENT: INDEX_NOT_CONCURRENT,
    Hazard.FOREIGN_KEY_VALIDATES: FK_VALIDATES,
    Hazard.TYPE_CHANGE: TYPE_CHANGE,
    Hazard.RENAME_COLUMN: RENAME,
    Hazard.RENAME_TABLE: RENAME,
    Hazard.DROP_COLUMN: DROP,
    Hazard.DROP_TABLE: DROP,
}


# ---------------------------------------------------------------------------- shared


def facts_of(ctx: Context) -> DatabaseFacts:
    """The repository's schema sources, replayed once per audit."""

    def build() -> DatabaseFacts:
        return collect(ctx.index, ctx.services, ctx.file_facts, ctx.unanalyzed, ctx.config.database)

    return ctx.cached("migrations", build)


@dataclass(frozen=True, slots=True)
class _Scope:
    """A service that uses a database (or holds schema sources), and what could be read."""

    service: ServiceDatabase | None
    histories: tuple[History, ...]
    not_read: tuple[str, ...]  # schema sources of stacks not analyzed yet ("TypeORM", "DynamoDB")

    @property
    def name(self) -> str:
        return self.service.name if self.service is not None else "repository"

    @property
    def migrations(self) -> tuple[History, ...]:
        return tuple(h for h in self.histories if h.is_migrations)

    @property
    def document_only(self) -> bool:
        """Only MongoDB here: schemaless, so there are no schema migrations to check."""
        if self.service is not None and set(self.service.databases) & (RELATIONAL | {"dynamodb"}):
            return False
        if any(family_of(n) != "document" for n in self.not_read):
            return False
        if any(h.family != "document" for h in self.histories):
            return False
        return bool(self.histories) or (
            self.service is not None and "mongodb" in self.service.databases
        )

    def missing(self) -> list[str]:
        """Databases the service uses without any schema source of their family read."""
        if self.service is None:
            return []
        families = {h.family for h in self.histories} | {family_of(n) for n in self.not_read}
        found = []
        relational = [d for d in self.service.databases if d in RELATIONAL]
        if relational and "relational" not in families:
            found.append(", ".join(relational))
        if "mongodb" in self.service.databases and "document" not in families:
            found.append("mongodb")
        if "dynamodb" in self.service.databases and "dynamodb" not in families:
            found.append("dynamodb")
        return found

    def location(self) -> Location:
        """Where a finding about something missing points: the database evidence, else root."""
        if self.service is not None and self.service.evidence:
            first = self.service.evidence[0]
            return Location(first.path, first.line)
        return Location(self.service.root if self.service is not None else ".")


def _scopes(facts: DatabaseFacts) -> list[_Scope]:
    scopes: list[_Scope] = []
    orphans = tuple(h for h in facts.histories if h.service not in {s.root for s in facts.services})
    for service in facts.services:
        histories = facts.histories_of(service.root)
        uses_database = bool(set(service.databases) & _DATABASES)
        if not histories and not uses_database:
            continue
        if not histories and orphans and set(service.databases) & RELATIONAL:
            histories = orphans  # migrations kept outside the service directory
        # An unread source matters unless a history of the same family covers its schema
        # (TypeORM beside Flyway migrations does; mongoengine beside Alembic does not).
        families = {h.family for h in histories}
        not_read = tuple(name for name in service.unsupported if family_of(name) not in families)
        scopes.append(_Scope(service, histories, not_read))
    if orphans and not any(set(s.histories) & set(orphans) for s in scopes):
        scopes.append(_Scope(None, orphans, ()))
    return scopes


def _not_read_note(scopes: Sequence[_Scope]) -> list[str]:
    return [
        f"{s.name}: schema sources for {', '.join(s.not_read)} are not analyzed yet (issue 7)"
        for s in scopes
        if s.not_read
    ]


def _unreadable_note(facts: DatabaseFacts) -> list[str]:
    if not facts.errors:
        return []
    listed = ", ".join(f"{_where(e)}" for e in facts.errors[:_MAX_LISTED])
    more = len(facts.errors) - _MAX_LISTED
    return [
        f"{len(facts.errors)} schema source(s) could not be read: {listed}"
        + (f" and {more} more" if more > 0 else "")
    ]


def _where(item: Located) -> str:
    return f"{item.path}:{item.line}" if item.line else item.path


def _finish(
    ctx: Context,
    findings: Sequence[Finding],
    *,
    pass_message: str,
    evidence: Sequence[Evidence],
    unknown: Sequence[str] = (),
    unknown_findings: Sequence[Finding] = (),
) -> Outcome:
    """Fail on failing findings; otherwise `error` while something could not be analyzed
    (`unknown` says what, `unknown_findings` point at the files): never a pass on a guess."""
    outcome = outcome_from_findings(
        ctx,
        list(findings),
        pass_message=pass_message,
        evidence=_comparable(evidence[:_MAX_EVIDENCE]),
    )
    all_findings = outcome.findings + tuple(ctx.finalize(unknown_findings))
    if outcome.status is Status.FAIL:
        message = outcome.message + ("; also " + "; ".join(unknown) if unknown else "")
        return Outcome(Status.FAIL, message, outcome.evidence, all_findings)
    if unknown:
        return Outcome(Status.ERROR, "; ".join(unknown), outcome.evidence, all_findings)
    return Outcome(outcome.status, outcome.message, outcome.evidence, all_findings)


def _comparable(evidence: Sequence[Evidence]) -> list[Evidence]:
    """Evidence is sorted by (path, line): a file named with and without a line would not
    compare, so a file-level item takes line 1 when the same file has lines elsewhere."""
    with_lines = {e.path for e in evidence if e.line is not None}
    return [
        Evidence(e.path, 1, e.what) if e.line is None and e.path in with_lines else e
        for e in evidence
    ]


def _history_evidence_line(history: History) -> Evidence:
    first = history.schema.migrations[0] if history.schema.migrations else None
    if first is None:
        return Evidence(history.files[0], None, _history_label(history))
    return Evidence(first.path, first.line, _history_label(history))


def _tables(scopes: Sequence[_Scope]) -> Iterable[tuple[History, Table]]:
    seen: set[tuple[str, str]] = set()
    for scope in scopes:
        for history in scope.histories:
            if (history.key, history.tool) in seen:
                continue
            seen.add((history.key, history.tool))
            for table in history.schema.tables:
                yield history, table


def _no_schema_outcome(facts: DatabaseFacts, scopes: Sequence[_Scope], what: str) -> Outcome:
    """No schema was replayed: not applicable without a database, else unknown."""
    if not scopes and not facts.errors:
        return Outcome(Status.NOT_APPLICABLE, "no database detected and no schema source found")
    reasons = _unreadable_note(facts) + _not_read_note(scopes)
    if not reasons:
        reasons = [f"no schema source to check {what} in (see database.schema_documented)"]
    return Outcome(Status.ERROR, "; ".join(reasons))


def _history_label(history: History) -> str:
    count = len(history.schema.migrations)
    models = history.tool in MODEL_NAMES
    unit = "file" if history.tool is Tool.SQL or models else "migration"
    if history.tool is Tool.LIQUIBASE:
        unit = "changeSet"
    where = f"in {history.key}"
    if models and history.tool is not Tool.DJANGO_MODELS:
        where = f"in {', '.join(history.files[:_MAX_LISTED])}" + (
            f" and {len(history.files) - _MAX_LISTED} more"
            if len(history.files) > _MAX_LISTED
            else ""
        )
    if history.tool in (Tool.DJANGO, Tool.DJANGO_MODELS):
        apps = sorted({m.app for m in history.schema.migrations})
        where = f"of app(s) {', '.join(apps[:_MAX_LISTED])}" + (
            f" and {len(apps) - _MAX_LISTED} more" if len(apps) > _MAX_LISTED else ""
        )
    return (
        f"{_TOOL_NAMES[history.tool]} {where}: {count} {unit}(s), "
        f"{len(history.schema.tables)} table(s) replayed "
        f"({_DIALECT_NAMES.get(history.dialect, history.dialect)})"
    )


# ---------------------------------------------------------------------------- schema documented

_HINTS = {
    "mongodb": "mongoose schemas, createIndex/create_index calls, Spring Data @Document classes",
    "dynamodb": "an AWS::DynamoDB::Table in a CloudFormation/SAM/Serverless template, a "
    "Terraform aws_dynamodb_table, a CDK dynamodb.Table",
}


@criterion("database.schema_documented", consumes=(Fact.STACK, Fact.MIGRATIONS))
def schema_source_is_analyzed(ctx: Context) -> Outcome:
    """Database schema documented.

    Why: a schema that lives only in a running database cannot be reviewed, reproduced or
    checked. gatekeeper reads the schema statically from migrations (Alembic, Django, Flyway
    V*__*.sql, golang-migrate *.up.sql, dbmate/goose sections, Prisma migrate, Liquibase
    changelogs, sequelize-cli), schema dumps (schema.sql, init.sql), or, where no migration
    exists, the models (Django, JPA entities, GORM structs, Prisma schema, Sequelize models);
    for MongoDB, mongoose schemas, Spring Data @Document classes and createIndex/create_index
    calls; TypeORM migrations and entities and Knex migrations. For DynamoDB the schema is the
    key schema: each table declared in CloudFormation/SAM/Serverless (`AWS::DynamoDB::Table`),
    Terraform (`aws_dynamodb_table`) or CDK (`dynamodb.Table`) with its partition and sort key
    and its global and local secondary indexes; a service that uses DynamoDB without any
    declared table fails. It replays them in order into one model of tables, columns, indexes
    and constraints; models beside migrations, ER diagrams and schema documents are extra
    evidence. A source that does not parse makes the result `error`; a stack whose schema
    sources are not read yet (Drizzle, MikroORM ...) is `error` too, never a
    pass.
    Fix: keep the schema under version control as migrations, or at least as a schema.sql
    dump, and fix any file named as unparsable.
    """
    facts = facts_of(ctx)
    scopes = _scopes(facts)
    unknown_findings = [
        make_finding(
            SCHEMA_SOURCE_UNREADABLE,
            Location(e.path, e.line),
            f"{e.path}: {e.what}",
            phase=PHASE_ID,
        )
        for e in facts.errors
    ]
    findings = [
        make_finding(
            EMBEDDED_SQL_UNPARSED, Location(n.path, n.line), f"{n.path}: {n.what}", phase=PHASE_ID
        )
        for n in facts.notes
    ]
    if not scopes and not facts.errors:
        return Outcome(Status.NOT_APPLICABLE, "no database detected and no schema source found")
    evidence: list[Evidence] = []
    for scope in scopes:
        evidence += [_history_evidence_line(h) for h in scope.histories]
        for databases in scope.missing():
            hint = _HINTS.get(
                databases,
                "Alembic versions/, Django migrations or models, Flyway/Liquibase/"
                "golang-migrate/Prisma/Sequelize/TypeORM/Knex migrations, JPA/GORM/Prisma/"
                "Sequelize/TypeORM models, schema.sql",
            )
            findings.append(
                make_finding(
                    NO_SCHEMA_SOURCE,
                    scope.location(),
                    f"{scope.name} uses {databases} but no schema source was found ({hint})",
                    phase=PHASE_ID,
                )
            )
    evidence += [Evidence(path, None, "schema dump") for path in facts.dumps]
    evidence += [Evidence(b.path, b.line, b.what) for b in facts.beside]
    evidence += [Evidence(d.path, d.line, d.what) for d in facts.docs]
    analyzed = sum(len(s.histories) for s in scopes)
    return _finish(
        ctx,
        findings,
        pass_message=f"{analyzed} schema source(s) analyzed",
        evidence=evidence,
        unknown=_unreadable_note(facts) + _not_read_note(scopes),
        unknown_findings=unknown_findings,
    )


# ---------------------------------------------------------------------------- indexing


def _covers(columns: Sequence[str], fk: ForeignKey) -> bool:
    """An index serves a foreign key when its leading columns are the key's columns."""
    lead = columns[: len(fk.columns)]
    return len(lead) == len(fk.columns) and set(lead) == set(fk.columns)


_ORM_ALSO = {
    Tool.JPA: ", and Hibernate does not either",
    Tool.GORM: ", and GORM does not either",
    Tool.PRISMA: ", and Prisma does not either",
    Tool.SEQUELIZE_MODELS: ", and Sequelize does not either",
    Tool.TYPEORM_MODELS: ", and TypeORM does not either",
    Tool.SQLALCHEMY_MODELS: ", and SQLAlchemy does not either",
}


def _lookup_name(column: str) -> str:
    """`external_id`, `externalId` and `profile.externalId` all read as `externalid`."""
    return column.rpartition(".")[2].replace("_", "").lower()


def _mentions(columns: Sequence[str], column: str) -> bool:
    """Whether an index includes a column, directly or inside an expression (lower(email))."""
    for item in columns:
        if item == column:
            return True
        # An expression index: look for the name as a whole word (a bounded scan, no regex).
        start = item.find(column)
        while start != -1:
            before = item[start - 1] if start else " "
            end = start + len(column)
            after = item[end] if end < len(item) else " "
            if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
                return True
            start = item.find(column, start + 1)
    return False


@criterion("database.indexing_strategy", consumes=(Fact.STACK, Fact.MIGRATIONS))
def foreign_keys_and_lookups_are_indexed(ctx: Context) -> Outcome:
    """Indexing strategy defined.

    Why: a foreign key without an index makes every join and every delete of the referenced
    row scan the referencing table; PostgreSQL and SQLite do not index foreign keys, MySQL's
    InnoDB does (so MySQL schemas get no such finding), and neither Hibernate, GORM, Prisma nor
    Sequelize adds one for a relation. Identifier columns that rows are looked up by (email,
    username, slug, external ids) need a unique index, or lookups scan and duplicates creep
    in; in MongoDB too, which has no foreign keys to check. gatekeeper checks the replayed
    schema (or the models): each finding names table.column and where it was declared.
    Columns that Python code filters rows by through the ORM (Django `Model.objects.filter(x=
    ...)`, SQLAlchemy `select(Model).where(Model.x == ...)`, `filter_by(x=...)`) with no index
    led by any of the query's columns are reported at low severity, once per table and
    columns, at the first query (data migrations and queries whose model is not written down
    are not judged).
    DynamoDB has no foreign keys and no secondary lookups without an index: the access
    patterns in the code are checked against the tables declared as infrastructure code — a
    query naming an `IndexName` no table declares is a finding (boto3 `table.query(IndexName=
    ...)`, the JavaScript SDKs' `QueryCommand`/`DocumentClient.query`), and so is a scan in
    request-serving code (`table.scan(`, `ScanCommand`, the scan paginator), which reads the
    whole table.
    Fix: create an index whose leading columns are the foreign key columns, and a unique index
    on each lookup identifier; for DynamoDB, declare every index the code queries and query by
    key instead of scanning.
    """
    facts = facts_of(ctx)
    scopes = _scopes(facts)
    if not any(s.histories for s in scopes):
        return _no_schema_outcome(facts, scopes, "indexes")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    checked = 0
    for history, table in _tables(scopes):
        if history.dialect == DYNAMODB_DIALECT:
            continue  # no foreign keys; access patterns are checked below
        mysql = history.dialect == "mysql"
        index_columns = [i.columns for i in table.indexes]
        if table.primary_key:
            index_columns.append(table.primary_key)
        for fk in table.foreign_keys:
            checked += 1
            column_list = ", ".join(fk.columns)
            where = f"{fk.file}:{fk.line}" if fk.line else fk.file
            if mysql:
                evidence.append(
                    Evidence(
                        fk.file,
                        fk.line or None,
                        f"{table.name}.{column_list}: foreign key indexed by InnoDB",
                    )
                )
                continue
            covering = [i for i in table.indexes if _covers(i.columns, fk)]
            if covering or _covers(table.primary_key, fk):
                index = covering[0] if covering else None
                what = f"index {index.name}" if index and index.name else "an index"
                if index is None:
                    what = "the primary key"
                evidence.append(
                    Evidence(
                        index.file if index else fk.file,
                        (index.line if index else fk.line) or None,
                        f"{table.name}.{column_list}: foreign key covered by {what}",
                    )
                )
                continue
            findings.append(
                make_finding(
                    FK_WITHOUT_INDEX,
                    Location(fk.file, fk.line or None),
                    f"{table.name}.{column_list} references {fk.ref_table or '?'} (declared at "
                    f"{where}) and no index starts with it; "
                    f"{_DIALECT_NAMES.get(history.dialect, history.dialect)} does not create "
                    f"one for foreign keys{_ORM_ALSO.get(history.tool, '')}",
                    phase=PHASE_ID,
                )
            )
        fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
        for column in table.columns:
            if _lookup_name(column.name) not in _LOOKUP_COLUMNS or column.name in fk_columns:
                continue
            checked += 1
            unique = [i for i in table.indexes if i.unique and _mentions(i.columns, column.name)]
            where = f"{column.file}:{column.line}" if column.line else column.file
            if unique or column.name in table.primary_key:
                index = unique[0] if unique else None
                kind = index.origin.value if index else "primary key"
                if index is not None and index.origin is IndexOrigin.IMPLIED:
                    kind = "unique column"
                evidence.append(
                    Evidence(
                        index.file if index else column.file,
                        (index.line if index else column.line) or None,
                        f"{table.name}.{column.name}: unique ({kind})",
                    )
                )
                continue
            indexed = any(_mentions(c, column.name) for c in index_columns)
            rule = LOOKUP_NOT_UNIQUE if indexed else LOOKUP_NOT_INDEXED
            state = "is indexed but not unique" if indexed else "has no index"
            findings.append(
                make_finding(
                    rule,
                    Location(column.file, column.line or None),
                    f"{table.name}.{column.name} (declared at {where}) {state}; lookups by it "
                    "need a unique index",
                    phase=PHASE_ID,
                )
            )
    findings += _filtered_without_index(facts, scopes)
    dynamo_findings, dynamo_evidence, accesses = _dynamodb_access(facts, scopes)
    findings += dynamo_findings
    evidence += dynamo_evidence
    tables = sum(len(h.schema.tables) for s in scopes for h in s.histories)
    message = f"{checked} foreign key and lookup column(s) indexed across {tables} table(s)"
    if accesses:
        message += f"; {accesses} DynamoDB access pattern(s) checked"
    return _finish(
        ctx,
        findings,
        pass_message=message,
        evidence=evidence,
        unknown=_unreadable_note(facts) + _not_read_note(scopes),
    )


def _filtered_without_index(facts: DatabaseFacts, scopes: Sequence[_Scope]) -> list[Finding]:
    """Queries that filter a table on columns no index (nor the primary key) starts with: one
    finding per table and set of columns, at the first such query. The columns of one query are
    judged together (an index led by any of them serves it); foreign keys and identifier
    columns have checks of their own (GK211-GK213), and data migrations run once."""
    tables: dict[tuple[str | None, str], set[str]] = {}
    for root, model, table_name in facts.model_tables:
        tables.setdefault((root, model), set()).add(table_name)
    by_service: dict[str | None, dict[str, Table]] = {}
    for scope in scopes:
        root = scope.service.root if scope.service is not None else None
        for history in scope.histories:
            if history.dialect in (DYNAMODB_DIALECT, MONGODB_DIALECT):
                continue
            for table in history.schema.tables:
                by_service.setdefault(root, {}).setdefault(table.name, table)
    roots = sorted(by_service, key=lambda r: -len(r or ""))
    calls: dict[tuple[str, int, str], list[OrmFilter]] = {}
    for path, query in facts.orm_filters:
        if "/migrations/" not in f"/{path}" and "/versions/" not in f"/{path}":
            calls.setdefault((path, query.line, query.model), []).append(query)
    found: dict[tuple[str, tuple[str, ...]], tuple[str, OrmFilter, int]] = {}
    for (path, _, model), queries in sorted(calls.items()):
        root = next((r for r in roots if _under(path, r or ".")), None)
        names = tables.get((root, model.lower()), set())
        target = by_service.get(root, {}).get(next(iter(names))) if len(names) == 1 else None
        if target is None:
            continue  # a model gatekeeper cannot place, or one name for two tables
        columns: list[str] = []
        for query in queries:
            column = next(
                (c for c in (query.field, f"{query.field}_id") if target.column(c) is not None),
                None,
            )
            if column is not None and column not in columns:
                columns.append(column)
        leading = {i.columns[0] for i in target.indexes if i.columns}
        leading.update(target.primary_key[:1])
        leading.update(c for fk in target.foreign_keys for c in fk.columns)
        if not columns or leading.intersection(columns):
            continue
        if all(_lookup_name(c) in _LOOKUP_COLUMNS for c in columns):
            continue
        key = (target.name, tuple(sorted(columns)))
        first = found.get(key)
        found[key] = (path, queries[0], 1) if first is None else (first[0], first[1], first[2] + 1)
    findings = []
    for (table_name, filtered), (path, query, count) in sorted(found.items()):
        more = f" (and {count - 1} more quer{'y' if count == 2 else 'ies'})" if count > 1 else ""
        listed = ", ".join(f"{table_name}.{c}" for c in filtered)
        findings.append(
            make_finding(
                FILTERED_WITHOUT_INDEX,
                Location(path, query.line),
                f"{query.how} filters {listed}, and no index starts with "
                f"{'it' if len(filtered) == 1 else 'any of them'}{more}",
                phase=PHASE_ID,
            )
        )
    return findings


def _dynamodb_access(
    facts: DatabaseFacts, scopes: Sequence[_Scope]
) -> tuple[list[Finding], list[Evidence], int]:
    """Queries on indexes no declared table has, and scans in request-serving code, for each
    service whose DynamoDB tables were read (the code of others cannot be checked)."""
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    checked = 0
    seen: set[str | None] = set()
    for scope in scopes:
        root = scope.service.root if scope.service is not None else None
        tables = [
            t for h in scope.histories if h.dialect == DYNAMODB_DIALECT for t in h.schema.tables
        ]
        if not tables or root in seen:
            continue
        seen.add(root)
        declared = {i.name: (t, i) for t in tables for i in t.indexes if i.name}
        for query in facts.index_queries:
            if root is not None and not _under(query.path, root):
                continue
            checked += 1
            found = declared.get(query.what)
            if found is not None:
                table, index = found
                evidence.append(
                    Evidence(
                        query.path,
                        query.line,
                        f"queries index {query.what} of {table.name} "
                        f"(declared at {index.file}:{index.line})",
                    )
                )
                continue
            names = ", ".join(sorted(declared)[:_MAX_LISTED]) or "none"
            findings.append(
                make_finding(
                    DYNAMODB_MISSING_INDEX,
                    Location(query.path, query.line),
                    f"queries index {query.what}, which no DynamoDB table declared as "
                    f"infrastructure code has (declared indexes: {names})",
                    phase=PHASE_ID,
                )
            )
        for scan in facts.scans:
            if root is not None and not _under(scan.path, root):
                continue
            checked += 1
            findings.append(
                make_finding(
                    DYNAMODB_SCAN,
                    Location(scan.path, scan.line),
                    "scans a DynamoDB table in request-serving code: reads the whole table",
                    phase=PHASE_ID,
                )
            )
    return findings, evidence, checked


# ---------------------------------------------------------------------------- migrations


@criterion("database.migration_approach", consumes=(Fact.STACK, Fact.MIGRATIONS))
def migrations_are_linear_reversible_and_safe(ctx: Context) -> Outcome:
    """Migration approach established.

    Why: schema changes reach production only through a migration tool (not create_all(),
    GORM AutoMigrate, sequelize.sync() or Hibernate ddl-auto at startup, nor models alone), in
    one order (one Alembic head, one leaf per Django app), with a way back (downgrade,
    reverse_code, .down.sql, a Sequelize down(), a Liquibase rollback), and without locking or
    breaking a live table. gatekeeper flags, on tables created by an earlier migration, what
    the migration linters (squawk, strong_migrations, django-migration-linter) flag: a NOT
    NULL column without a default, CREATE INDEX without CONCURRENTLY and a foreign key without
    NOT VALID on PostgreSQL, column type changes, renames and drops. A service that only uses
    MongoDB has no schema migrations: not applicable. DynamoDB has none either: its schema is
    the key schema, so the approach is to declare every table (keys and indexes) as
    infrastructure code (CloudFormation, SAM, Serverless, Terraform, CDK) and deploy it from
    there; a service that uses DynamoDB with no table declared is a finding.
    Fix: adopt a migration tool, merge branched histories, write every downgrade, and split
    unsafe changes into expand/backfill/contract steps as each finding's fix says.
    """
    facts = facts_of(ctx)
    every_scope = _scopes(facts)
    scopes = [s for s in every_scope if not s.document_only]
    if every_scope and not scopes and not facts.create_all:
        if facts.errors:
            return Outcome(Status.ERROR, "; ".join(_unreadable_note(facts)))
        return Outcome(
            Status.NOT_APPLICABLE,
            "only MongoDB is used: a schemaless database has no schema migrations (its indexes "
            "are checked by database.indexing_strategy)",
        )
    if not scopes:
        if facts.create_all:
            first = facts.create_all[0]
            finding = make_finding(
                CREATE_ALL_WITHOUT_MIGRATIONS,
                Location(first.path, first.line),
                "creates the tables with create_all() and no migration history exists",
                phase=PHASE_ID,
            )
            return _finish(
                ctx, [finding], pass_message="", evidence=(), unknown=_unreadable_note(facts)
            )
        return _no_schema_outcome(facts, scopes, "migrations")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for scope in scopes:
        root = scope.service.root if scope.service is not None else None
        calls = [c for c in facts.create_all if root is None or _under(c.path, root)]
        syncs = [c for c in facts.sync if root is None or _under(c.path, root)]
        histories = scope.migrations
        if histories:
            evidence += [_history_evidence_line(h) for h in histories]
        # create_all() and schema syncs at startup: low beside a migration history, high alone
        state = (
            "although migrations manage the schema"
            if histories
            else "and no migration history exists"
        )
        startup = [
            (
                CREATE_ALL_BESIDE_MIGRATIONS if histories else CREATE_ALL_WITHOUT_MIGRATIONS,
                call,
                "creates tables with create_all()",
            )
            for call in calls
        ] + [
            (
                SCHEMA_SYNC_BESIDE_MIGRATIONS if histories else SCHEMA_SYNCED_AT_STARTUP,
                call,
                f"{call.what} changes the schema at startup",
            )
            for call in syncs
        ]
        for rule, call, what in startup:
            findings.append(
                make_finding(
                    rule, Location(call.path, call.line), f"{what} {state}", phase=PHASE_ID
                )
            )
        if histories:
            continue
        dynamo = [h for h in scope.histories if h.dialect == DYNAMODB_DIALECT]
        evidence += [_history_evidence_line(h) for h in dynamo]
        if scope.service is not None and "dynamodb" in scope.service.databases and not dynamo:
            findings.append(
                make_finding(
                    DYNAMODB_TABLE_NOT_IN_CODE,
                    scope.location(),
                    f"{scope.name} uses DynamoDB but declares no table in CloudFormation, SAM, "
                    "Serverless, Terraform or CDK",
                    phase=PHASE_ID,
                )
            )
        relational = any(h.family == "relational" for h in scope.histories) or (
            scope.service is not None and bool(set(scope.service.databases) & RELATIONAL)
        )
        if not relational and not scope.not_read:
            continue  # DynamoDB (and MongoDB) only: no schema migrations to check
        orm = [
            h
            for h in scope.histories
            if h.tool in RELATIONAL_MODEL_TOOLS and h.tool is not Tool.DJANGO_MODELS
        ]
        models = [h for h in scope.histories if h.tool is Tool.DJANGO_MODELS]
        if models:
            findings.append(
                make_finding(
                    MODELS_WITHOUT_MIGRATIONS,
                    Location(models[0].files[0]),
                    f"{scope.name}: Django models in {', '.join(models[0].files[:_MAX_LISTED])} "
                    "but no migrations/ directory with migration files",
                    phase=PHASE_ID,
                )
            )
        elif orm and not syncs:
            files = ", ".join(f for h in orm for f in h.files[:_MAX_LISTED])
            findings.append(
                make_finding(
                    MODELS_WITHOUT_MIGRATION_TOOL,
                    Location(orm[0].files[0]),
                    f"{scope.name}: {MODEL_NAMES[orm[0].tool]} ({files}) define the schema but "
                    "no migration history is committed",
                    phase=PHASE_ID,
                )
            )
        elif scope.not_read:
            continue  # reported through the not-read note below
        elif not calls and not syncs:
            dumps = [h for h in scope.histories if h.tool is Tool.SQL]
            what = (
                f"only a schema dump ({', '.join(dumps[0].files[:_MAX_LISTED])})"
                if dumps
                else "no migration files"
            )
            findings.append(
                make_finding(
                    NO_MIGRATIONS,
                    scope.location(),
                    f"{scope.name} uses a relational database but has {what}",
                    phase=PHASE_ID,
                )
            )
    seen: set[tuple[str, Tool]] = set()
    for scope in scopes:
        for history in scope.migrations:
            if (history.key, history.tool) in seen:
                continue
            seen.add((history.key, history.tool))
            recent = ctx.config.lint_recent_migrations
            findings += _history_findings(history, recent)
            evidence += _history_evidence(history)
            older = len(history.schema.migrations) - len(_recent(history, recent))
            if older:
                evidence.append(
                    Evidence(
                        history.schema.migrations[0].path,
                        history.schema.migrations[0].line,
                        f"{older} older migration(s) of this history not linted for unsafe "
                        f"operations: already applied (lint_recent_migrations = {recent})",
                    )
                )
    unknown = _unreadable_note(facts) + _not_read_note(scopes)
    count = sum(len(h.schema.migrations) for s in scopes for h in s.migrations)
    declared = sum(
        len(h.schema.tables)
        for h in {h for s in scopes for h in s.histories if h.dialect == DYNAMODB_DIALECT}
    )
    message = f"{count} migration(s) in order, reversible, without unsafe operations"
    if declared:
        message += f"; {declared} DynamoDB table(s) declared as infrastructure code"
    return _finish(
        ctx,
        findings,
        pass_message=message,
        evidence=evidence,
        unknown=unknown,
    )


def _under(path: str, root: str) -> bool:
    return root == "." or path.startswith(root + "/")


def _recent(history: History, count: int) -> list[Migration]:
    """The newest `count` migrations of each chain (each Django app), in replay order; all of
    them when `count` is 0. Older ones are already applied: linting them helps nobody."""
    migrations = list(history.schema.migrations)
    if count <= 0:
        return migrations
    by_chain: dict[str, list[Migration]] = {}
    for migration in migrations:
        by_chain.setdefault(migration.app, []).append(migration)
    keep = {id(m) for chain in by_chain.values() for m in chain[-count:]}
    return [m for m in migrations if id(m) in keep]


def _history_findings(history: History, recent: int = 0) -> list[Finding]:
    findings = []
    for problem in history.schema.problems:
        rule = (
            MULTIPLE_HEADS
            if problem.kind in (ProblemKind.MULTIPLE_HEADS, ProblemKind.LEAF_CONFLICT)
            else BROKEN_HISTORY
        )
        findings.append(
            make_finding(
                rule, Location(problem.file, problem.line), problem.message, phase=PHASE_ID
            )
        )
    for migration in _recent(history, recent):
        for item in migration.irreversible:
            findings.append(
                make_finding(
                    IRREVERSIBLE,
                    Location(migration.path, item.line),
                    f"{migration.path}: {item.reason}; the migration cannot be rolled back",
                    phase=PHASE_ID,
                )
            )
        for op in migration.operations:
            for hazard in op.unsafe:
                findings.append(
                    make_finding(
                        _HAZARD_RULES[hazard],
                        Location(op.file, op.line),
                        _hazard_message(hazard, op.table, op.column, op.new_name),
                        phase=PHASE_ID,
                    )
                )
    return findings


def _hazard_message(hazard: Hazard, table: str, column: str | None, new: str | None) -> str:
    target = f"{table}.{column}" if column else table
    return {
        Hazard.NOT_NULL_WITHOUT_DEFAULT: f"adds NOT NULL column {target} without a default to "
        "an existing table",
        Hazard.INDEX_NOT_CONCURRENT: f"builds an index on existing table {table} without "
        "CONCURRENTLY",
        Hazard.FOREIGN_KEY_VALIDATES: f"adds a foreign key on existing table {table} without "
        "NOT VALID",
        Hazard.TYPE_CHANGE: f"changes the type of {target} on an existing table",
        Hazard.RENAME_COLUMN: f"renames column {target} to {new}",
        Hazard.RENAME_TABLE: f"renames table {table} to {new}",
        Hazard.DROP_COLUMN: f"drops column {target}",
        Hazard.DROP_TABLE: f"drops table {table}",
    }[hazard]


def _history_evidence(history: History) -> list[Evidence]:
    migrations = history.schema.migrations
    evidence = []
    if len(history.schema.heads) == 1 and not history.schema.problems:
        head = next((m for m in migrations if m.id == history.schema.heads[0]), None)
        if head is not None and history.tool is Tool.ALEMBIC:
            evidence.append(Evidence(head.path, head.line, f"one Alembic head: {head.id}"))
    known = [m for m in migrations if m.reversible is not None]
    if known and all(m.reversible for m in known):
        evidence.append(
            Evidence(
                known[-1].path,
                None,
                f"all {len(known)} migration(s) in {history.key} can be rolled back",
            )
        )
    return evidence


# ---------------------------------------------------------------------------- data validation


@criterion("database.data_validation_rules", consumes=(Fact.STACK, Fact.MIGRATIONS))
def schema_and_requests_are_validated(ctx: Context) -> Outcome:
    """Data validation rules specified.

    Why: the database is the last line of defence for data integrity (NOT NULL, UNIQUE and
    CHECK constraints hold whatever the code does), and request validation rejects bad input
    before it gets there. gatekeeper counts the constraints in the replayed schema (for
    models: NOT NULL, unique and required fields), flags tables that accept any row, and looks
    for request validation in each web service's code: a library (pydantic, marshmallow, DRF
    serializers, Django forms, Joi, zod, yup, class-validator, express-validator,
    go-playground/validator), Bean Validation annotations, Go `validate:`/`binding:` tags, or
    Sequelize and mongoose model validators. A DynamoDB table constrains nothing but its key,
    so for DynamoDB only the request validation counts.
    Fix: declare NOT NULL, UNIQUE and CHECK constraints for the rules the data must follow,
    and validate every request body against a declared model.
    """
    facts = facts_of(ctx)
    scopes = _scopes(facts)
    if not any(s.histories for s in scopes):
        return _no_schema_outcome(facts, scopes, "constraints")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    not_null = checks = uniques = 0
    for history, table in _tables(scopes):
        if history.dialect == DYNAMODB_DIALECT:
            continue  # schemaless beyond its key: request validation is what checks the data
        keys = set(table.primary_key)
        required = [c for c in table.columns if not c.nullable and c.name not in keys]
        unique = [i for i in table.indexes if i.unique and set(i.columns) != keys]
        not_null += len(required)
        checks += len(table.checks)
        uniques += len(unique)
        evidence += [
            Evidence(c.file, c.line or None, f"CHECK on {table.name}: {c.name or c.expression}")
            for c in table.checks
        ]
        evidence += [
            Evidence(i.file, i.line or None, f"UNIQUE on {table.name} ({', '.join(i.columns)})")
            for i in unique
        ]
        others = [c for c in table.columns if c.name not in keys]
        # A MongoDB collection known only from its createIndex() calls: its fields are unknown.
        declared = any(c.type for c in others)
        if others and declared and not required and not unique and not table.checks:
            findings.append(
                make_finding(
                    TABLE_WITHOUT_CONSTRAINTS,
                    Location(table.file, table.line or None),
                    f"table {table.name}: all {len(others)} column(s) besides the key are "
                    "nullable and it has no UNIQUE or CHECK constraint",
                    phase=PHASE_ID,
                )
            )
    if not_null:
        first = next((c for _, t in _tables(scopes) for c in t.columns if not c.nullable), None)
        if first is not None:
            evidence.insert(
                0, Evidence(first.file, first.line or None, f"{not_null} NOT NULL column(s)")
            )
    for scope in scopes:
        service = scope.service
        if service is None or not service.frameworks:
            continue
        found = [v for v in facts.validation if _under(v.path, service.root)]
        if found:
            first_per_file = {v.path: v for v in reversed(found)}
            evidence += [
                Evidence(v.path, v.line, v.what) for v in sorted(first_per_file.values())[:5]
            ]
            continue
        findings.append(
            make_finding(
                NO_REQUEST_VALIDATION,
                scope.location(),
                f"{service.name} ({', '.join(service.frameworks)}) imports no request "
                "validation library (pydantic, marshmallow, DRF serializers, Joi, zod, "
                "class-validator, Bean Validation ...)",
                phase=PHASE_ID,
            )
        )
    return _finish(
        ctx,
        findings,
        pass_message=f"{not_null} NOT NULL column(s), {uniques} UNIQUE and {checks} CHECK "
        "constraint(s); requests validated",
        evidence=evidence,
        unknown=_unreadable_note(facts) + _not_read_note(scopes),
    )


PHASE = Phase(
    2,
    PHASE_ID,
    "Database Architecture",
    (
        schema_source_is_analyzed,
        foreign_keys_and_lookups_are_indexed,
        migrations_are_linear_reversible_and_safe,
        schema_and_requests_are_validated,
    ),
    produces=(Fact.MIGRATIONS,),
    consumes=(Fact.STACK,),
)


# ---------------------------------------------------------------------------- inventory rows

MAX_TABLE_ROWS = 5000
MAX_MIGRATION_ROWS = 20_000


def inventory_rows(ctx: Context) -> tuple[tuple[TableRow, ...], tuple[MigrationRow, ...]]:
    """The report's `inventory.schema[]` and `inventory.migrations[]`."""
    facts = facts_of(ctx)
    tables: list[TableRow] = []
    migrations: list[MigrationRow] = []
    for history in facts.histories:
        tool = str(history.tool)
        for table in history.schema.tables:
            tables.append(
                TableRow(
                    service=history.service or "",
                    source=history.key,
                    tool=tool,
                    name=table.name,
                    file=table.file,
                    line=table.line,
                    columns=tuple(
                        ColumnRow(c.name, c.type, c.nullable, c.primary_key) for c in table.columns
                    ),
                    indexes=tuple(
                        f"{i.name or '(unnamed)'} ({', '.join(i.columns)})"
                        + (" unique" if i.unique else "")
                        for i in table.indexes
                    ),
                    foreign_keys=tuple(
                        f"({', '.join(f.columns)}) -> {f.ref_table}({', '.join(f.ref_columns)})"
                        for f in table.foreign_keys
                    ),
                )
            )
        if not history.is_migrations:
            continue
        for order, migration in enumerate(history.schema.migrations, 1):
            migrations.append(
                MigrationRow(
                    source=history.key,
                    order=order,
                    path=migration.path,
                    line=migration.line,
                    tool=str(migration.tool),
                    id=migration.id,
                    parents=migration.parents,
                    reversible=migration.reversible,
                    unsafe=sum(len(op.unsafe) for op in migration.operations),
                )
            )
    return tuple(sorted(tables)[:MAX_TABLE_ROWS]), tuple(sorted(migrations)[:MAX_MIGRATION_ROWS])
