"""SQL schema sources: which .sql files are migrations or schema dumps, and their statements
parsed with sqlglot (PostgreSQL, MySQL, SQLite) into migration operations.

Runs in the parent on text read through the index; every sqlglot failure becomes a SqlError
naming the line, never an exception.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from sqlglot import Token, TokenType, exp
from sqlglot.dialects.dialect import Dialect

from gatekeeper.migrations.model import (
    Check,
    Column,
    ForeignKey,
    Index,
    IndexOrigin,
    MigrationOp,
    OpKind,
)

MAX_SQL_BYTES = 4 * 1024 * 1024  # a larger .sql file is reported, not parsed
MAX_STATEMENTS = 20_000
MAX_MESSAGE = 160

# gatekeeper's database names -> sqlglot's dialect names
DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}
DEFAULT_DIALECT = "postgres"

_LOG = logging.getLogger("sqlglot")
_SERIAL = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"})


class SqlFlavor(StrEnum):
    FLYWAY = "flyway"  # V1__init.sql (U1__ undo, R__ repeatable)
    GOLANG_MIGRATE = "golang-migrate"  # 0001_init.up.sql / 0001_init.down.sql
    NUMBERED = "numbered"  # migrations/0001_init.sql (dbmate, goose, sql-migrate, plain)
    PRISMA = "prisma"  # prisma/migrations/20240101120000_init/migration.sql
    DUMP = "dump"  # schema.sql, init.sql, structure.sql: the whole schema at once


@dataclass(frozen=True, slots=True)
class SqlFile:
    path: str
    flavor: SqlFlavor
    version: tuple[int, ...]
    direction: str  # "up", "down" (golang-migrate down, Flyway undo) or "repeatable"


_FLYWAY = re.compile(r"^([VUR])(\d{1,32}(?:[._]\d{1,32}){0,16})?__[^/]{1,200}\.sql$", re.IGNORECASE)
_GOLANG = re.compile(r"^(\d{1,32})_[^/]{1,200}\.(up|down)\.sql$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(\d{1,32})[_.-][^/]{0,200}\.sql$")
_PRISMA_DIR = re.compile(r"^(\d{1,32})_[^/]{0,200}$")
_DUMPS = frozenset({"schema.sql", "init.sql", "structure.sql", "init-db.sql", "initdb.sql"})
_MIGRATION_DIRS = frozenset({"migrations", "migration", "migrate", "schema", "sql"})


def classify(path: str) -> SqlFile | None:
    """What a .sql file is to the schema, from its name and directory; None: not a source."""
    base = posixpath.basename(path)
    lowered = base.lower()
    if not lowered.endswith(".sql"):
        return None
    if match := _FLYWAY.match(base):
        prefix = match.group(1).upper()
        if prefix == "R":
            return SqlFile(path, SqlFlavor.FLYWAY, (), "repeatable")
        if match.group(2) is None:
            return None
        version = _version(match.group(2))
        return SqlFile(path, SqlFlavor.FLYWAY, version, "up" if prefix == "V" else "down")
    if match := _GOLANG.match(base):
        direction = match.group(2).lower()
        return SqlFile(path, SqlFlavor.GOLANG_MIGRATE, (int(match.group(1)),), direction)
    if lowered in _DUMPS:
        return SqlFile(path, SqlFlavor.DUMP, (), "up")
    parts = path.lower().split("/")[:-1]
    prisma = lowered == "migration.sql" and len(parts) >= 2 and parts[-2] == "migrations"
    if prisma and (match := _PRISMA_DIR.match(parts[-1])):
        return SqlFile(path, SqlFlavor.PRISMA, (int(match.group(1)),), "up")
    if any(part in _MIGRATION_DIRS for part in parts):
        match = _NUMBERED.match(base)
        version = (int(match.group(1)),) if match else ()
        return SqlFile(path, SqlFlavor.NUMBERED, version, "up")
    return None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.split(r"[._]", text) if p)


# Up/down sections in one file: dbmate, goose and sql-migrate.
_SECTION = re.compile(
    r"^[ \t]*--[ \t]*(?:migrate:(up|down)|\+goose[ \t]+(up|down)|\+migrate[ \t]+(up|down))\b",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class Sections:
    up: str  # the text to replay, with the other sections blanked (line numbers kept)
    down: str | None  # None: the file has no down section


def sections(text: str) -> Sections:
    """Split a dbmate/goose/sql-migrate file into up and down; a plain file is all up."""
    marks = [
        (m.start(), (m.group(1) or m.group(2) or m.group(3)).lower())
        for m in _SECTION.finditer(text)
    ]
    if not marks:
        return Sections(text, None)
    # Everything outside the up sections is blanked, so statement lines stay the file's.
    kept = ["\n" if char == "\n" else " " for char in text]
    down: list[str] = []
    for i, (start, which) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        if which == "up":
            kept[start:end] = text[start:end]
        else:
            down.append(text[start:end])
    return Sections("".join(kept), "".join(down) if down else None)


def has_statements(text: str) -> bool:
    """Whether SQL text holds anything but comments and blank space (an empty down file)."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("--"):
            return True
    return False


# ---------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class SqlError:
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class ParsedSql:
    ops: tuple[MigrationOp, ...]
    errors: tuple[SqlError, ...]
    statements: int


@contextmanager
def _quiet() -> Iterator[None]:
    """sqlglot logs a warning for each statement it keeps as an opaque command."""
    previous = _LOG.level
    _LOG.setLevel(logging.ERROR)
    try:
        yield
    finally:
        _LOG.setLevel(previous)


def parse_sql(text: str, *, dialect: str, path: str, line: int | None = None) -> ParsedSql:
    """The schema operations in SQL text. `line` pins every operation to one line (SQL
    inside a Python migration); otherwise each gets its statement's line in the file."""
    if dialect not in DIALECTS.values():
        dialect = DEFAULT_DIALECT
    with _quiet():
        return _parse(text, dialect, path, line)


def _parse(text: str, dialect: str, path: str, pinned: int | None) -> ParsedSql:
    d = Dialect.get_or_raise(dialect)
    try:
        tokens = d.tokenize(text)
    except Exception as exc:  # TokenError, RecursionError...: hostile text must not crash us
        return ParsedSql((), (SqlError(pinned or 1, _message(exc)),), 0)
    ops: list[MigrationOp] = []
    errors: list[SqlError] = []
    count = 0
    for chunk in _statements(tokens):
        count += 1
        if count > MAX_STATEMENTS:
            errors.append(SqlError(chunk[0].line, f"more than {MAX_STATEMENTS} statements"))
            break
        line = pinned or chunk[0].line
        try:
            expressions = d.parser().parse(chunk, text)
            reader = _Statement(dialect, path, line, pinned is not None)
            for expression in expressions:
                if expression is not None:
                    ops.extend(reader.ops(expression))
        except Exception as exc:  # ParseError, RecursionError, anything sqlglot raises
            errors.append(SqlError(line, _message(exc)))
    return ParsedSql(tuple(ops), tuple(errors), count)


def _statements(tokens: list[Token]) -> Iterator[list[Token]]:
    chunk: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if chunk:
                yield chunk
            chunk = []
        else:
            chunk.append(token)
    if chunk:
        yield chunk


_ANSI = re.compile(r"\x1b\[[0-9;]{0,16}m")
_TOKEN_REPR = re.compile(r"<Token token_type: [\w.]{1,64}, text: ([^,>]{0,80}),[^>]{0,300}>")


def _message(exc: BaseException) -> str:
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        text = str(first.get("description") or type(exc).__name__)
    else:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = _TOKEN_REPR.sub(r"'\1'", _ANSI.sub("", text))
    if isinstance(exc, RecursionError):
        text = "nested too deeply for the SQL parser"
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 3] + "..."
    return f"{type(exc).__name__}: {text}" if not text.startswith(type(exc).__name__) else text


# ---------------------------------------------------------------------------- statements

_COMMAND_INDEX = re.compile(
    r"^(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"`]{1,256}\s+)?"
    r"ON\s+(?:ONLY\s+)?([\w.\"`]{1,256})[^(;]{0,200}\(([^;]{1,2000}?)\)",
    re.IGNORECASE,
)
_COMMAND_RENAME = re.compile(
    r"^TABLE\s+([\w.\"`]{1,256})\s+TO\s+([\w.\"`]{1,256})\s*$", re.IGNORECASE
)


class _Statement:
    """Turns one parsed statement into operations."""

    __slots__ = ("_dialect", "_line", "_path", "_pinned")

    def __init__(self, dialect: str, path: str, line: int, pinned: bool) -> None:
        self._dialect = dialect
        self._path = path
        self._line = line
        self._pinned = pinned

    def _at(self, node: exp.Expression | None) -> int:
        """The line of a column or constraint within the statement, when sqlglot knows it."""
        if self._pinned or node is None:
            return self._line
        ident = node if isinstance(node, exp.Identifier) else node.find(exp.Identifier)
        line = ident.meta.get("line") if ident is not None else None
        return line if isinstance(line, int) and line >= self._line else self._line

    def _op(self, kind: OpKind, table: str, **kw: object) -> MigrationOp:
        return MigrationOp(kind, table, self._path, self._line, **kw)  # type: ignore[arg-type]

    def ops(self, node: exp.Expr) -> list[MigrationOp]:
        if isinstance(node, exp.Create):
            kind = str(node.args.get("kind") or "").upper()
            if kind == "TABLE":
                return self._create_table(node)
            if kind == "INDEX":
                return self._create_index(node)
            return []
        if isinstance(node, exp.Alter):
            if str(node.args.get("kind") or "TABLE").upper() != "TABLE":
                return []
            return self._alter(node)
        if isinstance(node, exp.Drop):
            return self._drop(node)
        if isinstance(node, exp.Command):
            return self._command(node)
        return []

    # -- CREATE

    def _create_table(self, node: exp.Create) -> list[MigrationOp]:
        schema = node.this
        if isinstance(schema, exp.Table):  # CREATE TABLE ... AS SELECT / LIKE: columns unknown
            return [self._op(OpKind.CREATE_TABLE, _table_name(schema))]
        if not isinstance(schema, exp.Schema) or not isinstance(schema.this, exp.Table):
            return []
        table = _table_name(schema.this)
        columns: list[Column] = []
        primary_key: list[str] = []
        indexes: list[Index] = []
        fks: list[ForeignKey] = []
        checks: list[Check] = []
        for item in schema.expressions:
            if isinstance(item, exp.ColumnDef):
                column, inline = self._column(table, item)
                columns.append(column)
                if column.primary_key:
                    primary_key.append(column.name)
                indexes.extend(inline.indexes)
                fks.extend(inline.foreign_keys)
                checks.extend(inline.checks)
            else:
                found = self._constraint(table, item, not_valid=False)
                primary_key = list(found.primary_key) or primary_key
                indexes.extend(found.indexes)
                fks.extend(found.foreign_keys)
                checks.extend(found.checks)
        if primary_key:
            keyed = set(primary_key)
            columns = [_not_null(c) if c.name in keyed else c for c in columns]
        return [
            self._op(
                OpKind.CREATE_TABLE,
                table,
                columns=tuple(columns),
                primary_key=tuple(primary_key),
                indexes=tuple(sorted(indexes)),
                foreign_keys=tuple(sorted(fks)),
                checks=tuple(sorted(checks)),
            )
        ]

    def _create_index(self, node: exp.Create) -> list[MigrationOp]:
        index = node.this
        if not isinstance(index, exp.Index) or not isinstance(index.args.get("table"), exp.Table):
            return []
        table = _table_name(index.args["table"])
        params = index.args.get("params")
        columns = tuple(
            self._index_column(c) for c in (params.args.get("columns") or [] if params else [])
        )
        if not columns:
            return []
        built = Index(
            table,
            _name(index.this),
            columns,
            unique=bool(node.args.get("unique")),
            concurrently=bool(node.args.get("concurrently")),
            file=self._path,
            line=self._line,
        )
        return [self._op(OpKind.CREATE_INDEX, table, indexes=(built,))]

    def _index_column(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Ordered):
            node = node.this
        if isinstance(node, exp.Column | exp.Identifier):
            return node.name.lower()
        return node.sql(dialect=self._dialect).lower()[:120]

    # -- columns and constraints

    def _column(self, table: str, node: exp.ColumnDef) -> tuple[Column, _Found]:
        name = node.name.lower()
        kind = node.args.get("kind")
        type_text = kind.sql(dialect=self._dialect).lower() if kind is not None else ""
        nullable = True
        primary = False
        default: str | None = "generated" if type_text in _SERIAL else None
        found = _Found()
        line = self._at(node)
        for constraint in node.args.get("constraints") or []:
            ckind = (
                constraint.args.get("kind")
                if isinstance(constraint, exp.ColumnConstraint)
                else None
            )
            if isinstance(ckind, exp.NotNullColumnConstraint):
                nullable = bool(ckind.args.get("allow_null"))
            elif isinstance(ckind, exp.PrimaryKeyColumnConstraint):
                primary = True
                nullable = False
            elif isinstance(ckind, exp.DefaultColumnConstraint):
                default = ckind.this.sql(dialect=self._dialect)[:120] if ckind.this else "default"
            elif isinstance(
                ckind,
                exp.AutoIncrementColumnConstraint
                | exp.GeneratedAsIdentityColumnConstraint
                | exp.ComputedColumnConstraint,
            ):
                default = "generated"
            elif isinstance(ckind, exp.UniqueColumnConstraint):
                found.indexes.append(
                    Index(
                        table,
                        "",
                        (name,),
                        True,
                        origin=IndexOrigin.IMPLIED,
                        file=self._path,
                        line=line,
                    )
                )
            elif isinstance(ckind, exp.CheckColumnConstraint):
                found.checks.append(
                    Check(table, _text(ckind.this, self._dialect), "", self._path, line)
                )
            elif isinstance(ckind, exp.Reference):
                ref_table, ref_columns = _reference(ckind)
                if ref_table:
                    found.foreign_keys.append(
                        ForeignKey(
                            table, (name,), ref_table, ref_columns, file=self._path, line=line
                        )
                    )
        if type_text in _SERIAL:
            nullable = False
        column = Column(name, type_text, nullable, default, primary, self._path, line)
        return column, found

    def _constraint(self, table: str, node: exp.Expression, *, not_valid: bool) -> _Found:
        """A table-level constraint: PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY, MySQL KEY/INDEX."""
        found = _Found()
        name = ""
        parts: list[exp.Expression] = [node]
        if isinstance(node, exp.Constraint):
            name = _name(node.this)
            parts = list(node.expressions)
        line = self._at(node)
        for part in parts:
            if isinstance(part, exp.PrimaryKey):
                found.primary_key = tuple(_names(part.expressions))
            elif isinstance(part, exp.UniqueColumnConstraint):
                columns, inline_name = _unique_columns(part)
                if columns:
                    found.indexes.append(
                        Index(
                            table,
                            name or inline_name,
                            columns,
                            True,
                            origin=IndexOrigin.UNIQUE_CONSTRAINT,
                            file=self._path,
                            line=line,
                        )
                    )
            elif isinstance(part, exp.CheckColumnConstraint):
                found.checks.append(
                    Check(table, _text(part.this, self._dialect), name, self._path, line)
                )
            elif isinstance(part, exp.ForeignKey):
                reference = part.args.get("reference")
                ref_table, ref_columns = _reference(reference) if reference else ("", ())
                columns = tuple(_names(part.expressions))
                if columns and ref_table:
                    found.foreign_keys.append(
                        ForeignKey(
                            table,
                            columns,
                            ref_table,
                            ref_columns,
                            name=name,
                            not_valid=not_valid,
                            file=self._path,
                            line=line,
                        )
                    )
            elif isinstance(part, exp.IndexColumnConstraint):
                columns = tuple(_names(part.expressions))
                if columns:
                    found.indexes.append(
                        Index(table, _name(part.this), columns, file=self._path, line=line)
                    )
        return found

    # -- ALTER

    def _alter(self, node: exp.Alter) -> list[MigrationOp]:
        if not isinstance(node.this, exp.Table):
            return []
        table = _table_name(node.this)
        not_valid = bool(node.args.get("not_valid"))
        ops: list[MigrationOp] = []
        for action in node.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                column, found = self._column(table, action)
                ops.append(
                    self._op(
                        OpKind.ADD_COLUMN,
                        table,
                        column=column.name,
                        columns=(column,),
                        indexes=tuple(found.indexes),
                        foreign_keys=tuple(
                            _with_not_valid(fk, not_valid) for fk in found.foreign_keys
                        ),
                        checks=tuple(found.checks),
                    )
                )
            elif isinstance(action, exp.Drop):
                ops.extend(self._drop_in_alter(table, action))
            elif isinstance(action, exp.AlterColumn):
                ops.extend(self._alter_column(table, action))
            elif isinstance(action, exp.RenameColumn):
                old, new = action.this, action.args.get("to")
                if old is not None and new is not None:
                    ops.append(
                        self._op(
                            OpKind.RENAME_COLUMN,
                            table,
                            column=old.name.lower(),
                            new_name=new.name.lower(),
                        )
                    )
            elif isinstance(action, exp.AlterRename):
                if isinstance(action.this, exp.Table):
                    ops.append(
                        self._op(OpKind.RENAME_TABLE, table, new_name=_table_name(action.this))
                    )
            elif isinstance(action, exp.AddConstraint):
                for item in action.expressions:
                    ops.extend(self._added(table, item, not_valid))
            elif type(action).__name__ == "ModifyColumn":
                ops.extend(self._modify(table, action))
        return ops

    def _added(self, table: str, item: exp.Expression, not_valid: bool) -> list[MigrationOp]:
        found = self._constraint(table, item, not_valid=not_valid)
        ops: list[MigrationOp] = []
        if found.primary_key:
            ops.append(self._op(OpKind.ADD_PRIMARY_KEY, table, primary_key=found.primary_key))
        for index in found.indexes:
            ops.append(self._op(OpKind.CREATE_INDEX, table, indexes=(index,)))
        for fk in found.foreign_keys:
            ops.append(self._op(OpKind.ADD_FOREIGN_KEY, table, foreign_keys=(fk,)))
        for check in found.checks:
            ops.append(self._op(OpKind.ADD_CHECK, table, checks=(check,)))
        return ops

    def _drop_in_alter(self, table: str, action: exp.Drop) -> list[MigrationOp]:
        kind = str(action.args.get("kind") or "").upper()
        names = [_name(t) for t in action.args.get("tables") or []]
        if kind == "COLUMN":
            return [self._op(OpKind.DROP_COLUMN, table, column=n) for n in names if n]
        if kind == "INDEX":
            return [self._op(OpKind.DROP_INDEX, table, name=n) for n in names if n]
        if kind in ("CONSTRAINT", "FOREIGN KEY"):
            return [self._op(OpKind.DROP_CONSTRAINT, table, name=n) for n in names if n]
        return []

    def _alter_column(self, table: str, action: exp.AlterColumn) -> list[MigrationOp]:
        column = action.name.lower()
        dtype = action.args.get("dtype")
        allow_null = action.args.get("allow_null")
        nullable: bool | None = None
        if allow_null is not None:
            nullable = bool(action.args.get("drop"))
        if dtype is None and nullable is None:
            return []
        type_text = dtype.sql(dialect=self._dialect).lower() if dtype is not None else None
        return [
            self._op(OpKind.ALTER_COLUMN, table, column=column, type=type_text, nullable=nullable)
        ]

    def _modify(self, table: str, action: exp.Expression) -> list[MigrationOp]:
        """MySQL MODIFY/CHANGE COLUMN: a full redefinition, possibly under a new name."""
        definition = action.this
        if not isinstance(definition, exp.ColumnDef):
            return []
        column, _ = self._column(table, definition)
        ops: list[MigrationOp] = []
        old = action.args.get("rename_from")
        if isinstance(old, exp.Expression) and old.name.lower() != column.name:
            ops.append(
                self._op(OpKind.RENAME_COLUMN, table, column=old.name.lower(), new_name=column.name)
            )
        ops.append(
            self._op(
                OpKind.ALTER_COLUMN,
                table,
                column=column.name,
                type=column.type,
                nullable=column.nullable,
            )
        )
        return ops

    # -- DROP and commands

    def _drop(self, node: exp.Drop) -> list[MigrationOp]:
        kind = str(node.args.get("kind") or "").upper()
        tables = [t for t in node.args.get("tables") or [] if isinstance(t, exp.Table)]
        if kind == "TABLE":
            return [self._op(OpKind.DROP_TABLE, _table_name(t)) for t in tables]
        if kind == "INDEX":
            return [self._op(OpKind.DROP_INDEX, "", name=_table_name(t)) for t in tables]
        return []

    def _command(self, node: exp.Command) -> list[MigrationOp]:
        """Statements sqlglot keeps as text: CREATE INDEX with MySQL options, RENAME TABLE."""
        verb = str(node.this).upper()
        rest = node.expression
        text = rest.this if isinstance(rest, exp.Literal) else str(rest or "")
        text = str(text).strip()[:4000]
        if verb == "CREATE" and (match := _COMMAND_INDEX.match(text)):
            table = _plain(match.group(4))
            columns = tuple(_plain(c.split()[0]) for c in match.group(5).split(",") if c.strip())
            index = Index(
                table,
                _plain(match.group(3) or ""),
                columns,
                unique=bool(match.group(1)),
                concurrently=bool(match.group(2)),
                file=self._path,
                line=self._line,
            )
            return [self._op(OpKind.CREATE_INDEX, table, indexes=(index,))]
        if verb == "RENAME" and (match := _COMMAND_RENAME.match(text)):
            return [
                self._op(
                    OpKind.RENAME_TABLE, _plain(match.group(1)), new_name=_plain(match.group(2))
                )
            ]
        return []


@dataclass(slots=True)
class _Found:
    primary_key: tuple[str, ...] = ()
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


def _name(node: exp.Expression | None) -> str:
    return node.name.lower() if node is not None else ""


def _names(nodes: list[exp.Expression]) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, exp.Ordered):
            node = node.this
        if node.name:
            yield node.name.lower()


def _table_name(table: exp.Table) -> str:
    name = table.name.lower()
    schema = table.db.lower() if table.db else ""
    return f"{schema}.{name}" if schema and schema != "public" else name


def _plain(text: str) -> str:
    name = text.strip().strip('"`').replace('"', "").replace("`", "").lower()
    return name.removeprefix("public.")


def _text(node: exp.Expression | None, dialect: str) -> str:
    return node.sql(dialect=dialect)[:200] if node is not None else ""


def _reference(reference: exp.Expression) -> tuple[str, tuple[str, ...]]:
    target = reference.this
    if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
        return _table_name(target.this), tuple(_names(target.expressions))
    if isinstance(target, exp.Table):
        return _table_name(target), ()
    return "", ()


def _unique_columns(node: exp.UniqueColumnConstraint) -> tuple[tuple[str, ...], str]:
    schema = node.this
    if isinstance(schema, exp.Schema):
        inline_name = _name(schema.this) if isinstance(schema.this, exp.Identifier) else ""
        return tuple(_names(schema.expressions)), inline_name
    return (), ""


def _not_null(column: Column) -> Column:
    return Column(column.name, column.type, False, column.default, True, column.file, column.line)


def _with_not_valid(fk: ForeignKey, not_valid: bool) -> ForeignKey:
    return ForeignKey(
        fk.table, fk.columns, fk.ref_table, fk.ref_columns, fk.name, not_valid, fk.file, fk.line
    )
