"""TypeORM and Knex schema sources, read from tokens (never executed):

- TypeORM migrations: `class X1700000000000 implements MigrationInterface` with `up(queryRunner)`
  calling `queryRunner.query(sql)` (the SQL goes to the SQL reader) and the schema builder
  (`createTable(new Table({...}))`, `addColumn`, `createIndex`, `createForeignKey`,
  `dropColumn` ...); ordered by the timestamp in the class or file name, reversible when
  `down()` does something;
- TypeORM entities: `@Entity()` classes with `@PrimaryGeneratedColumn`, `@PrimaryColumn`,
  `@Column({...})`, the date columns, `@ManyToOne`/`@OneToOne` + `@JoinColumn` (the owning side
  holds the key `<property>Id`), `@Index` and `@Unique`: the schema when no migration exists;
- Knex migrations: `exports.up = (knex) => knex.schema.createTable('x', (t) => {...})`,
  `alterTable`/`table`, `dropTable`, `renameTable`, `knex.raw(sql)`, with column builders
  (`t.increments()`, `t.string('email').notNullable().unique()`, `.references('id')
  .inTable('orgs')`, `t.index([...])`, `t.foreign(...)`), ordered by file name.

The scan is linear in the tokens (textscan's bounded reader); operations per file are capped.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from gatekeeper.migrations.model import (
    MAX_OPS,
    Check,
    Column,
    ForeignKey,
    Index,
    IndexOrigin,
    Irreversible,
    Migration,
    MigrationOp,
    OpKind,
    Tool,
)
from gatekeeper.migrations.ormmodels import (
    MAX_FIELDS,
    MAX_MODELS,
    Field,
    ModelDecl,
    Relation,
    RelationKind,
    snake,
)
from gatekeeper.migrations.textscan import Kind, Node, Reader, Token, tokenize, unbalanced
from gatekeeper.migrations.textscan import node_flag as _flag
from gatekeeper.migrations.textscan import node_text as _text
from gatekeeper.migrations.textscan import render_node as _render

MIGRATION_DIRS = frozenset({"migrations", "migration", "migrate"})
MAX_BYTES = 1024 * 1024  # a migration or entity file larger than this is not read
_MAX_CANDIDATES = 64  # `up`/`down` names examined per file
_MAX_CHAIN = 32  # `.a().b().c()` links read per column builder
_CLASS_VERSION = re.compile(r"(\d{10,20})$")
_FILE_VERSION = re.compile(r"^(\d{1,20})")
_KNEXFILE_DIRECTORY = re.compile(r"""directory\s{0,8}:\s{0,8}['"]([^'"\n]{1,200})['"]""")


@dataclass(frozen=True, slots=True)
class EntityFile:
    """The TypeORM entities one file declares, and what could not be read."""

    path: str
    models: tuple[ModelDecl, ...]
    problems: tuple[str, ...] = ()


# ---------------------------------------------------------------------------- detection


def in_migrations_dir(path: str, directories: Sequence[str] = ()) -> bool:
    parent = posixpath.dirname(path)
    if any(parent == d or parent.startswith(d + "/") for d in directories):
        return True
    return any(part in MIGRATION_DIRS for part in path.lower().split("/")[:-1])


def is_typeorm_migration(text: str) -> bool:
    return "MigrationInterface" in text or "QueryRunner" in text or "queryRunner" in text


def is_knex_migration(text: str) -> bool:
    return "queryInterface" not in text and (
        "knex" in text.lower() or ".schema." in text or "schema.createTable" in text
    )


def is_typeorm_entity(text: str) -> bool:
    return "@Entity" in text and "typeorm" in text


def knexfile_directories(path: str, text: str) -> list[str]:
    """`migrations: {directory: './db/migrations'}` in a knexfile, relative to its folder."""
    base = posixpath.dirname(path)
    found = []
    for match in _KNEXFILE_DIRECTORY.finditer(text[:200_000]):
        joined = posixpath.normpath(posixpath.join(base, match.group(1)))
        if not joined.startswith(".."):
            found.append("" if joined == "." else joined)
        if len(found) >= 16:
            break
    return found


# ---------------------------------------------------------------------------- shared


class _File:
    def __init__(self, path: str, text: str, language: str) -> None:
        self.path = path
        self.tokens: list[Token] = tokenize(text, language)
        self.reader = Reader(self.tokens)
        self.partner = self.reader.partner

    def at(self, i: int, text: str) -> bool:
        return self.reader.at(i, text)

    def body(self, key: str) -> tuple[int, int] | None:
        """The body of the function or method named `key` (`up`, `down`), as a token range."""
        tokens = self.tokens
        seen = 0
        for i, token in enumerate(tokens):
            if token.kind != "name" or token.text != key:
                continue
            seen += 1
            if seen > _MAX_CANDIDATES:
                return None
            if i >= 2 and tokens[i - 1].is_(".") and tokens[i - 2].text != "exports":
                continue  # x.up(...): a call, not the definition
            found = self._body_after(i)
            if found is not None:
                return found
        return None

    def _body_after(self, i: int) -> tuple[int, int] | None:
        n = len(self.tokens)
        for k in range(i + 1, min(i + 40, n)):
            token = self.tokens[k]
            if token.is_("("):
                return self._function_body(self.reader.end_of(k))
            if token.kind == "name" and self.at(k + 1, "=>") and k > i + 1:
                return self._function_body(k + 1)
            if token.is_(",") or token.is_(";") or token.is_("}") or token.is_(")"):
                return None
        return None

    def _function_body(self, j: int) -> tuple[int, int] | None:
        n = len(self.tokens)
        if self.at(j, ":"):  # a TypeScript return type: up(...): Promise<void> {
            for k in range(j + 1, min(j + 32, n)):
                if self.at(k, "{") or self.at(k, "=>"):
                    j = k
                    break
        if self.at(j, "=>"):
            if self.at(j + 1, "{"):
                return j + 2, min(self.partner[j + 1], n)
            return j + 1, self.reader.skip(j + 1)
        if self.at(j, "{"):
            return j + 1, min(self.partner[j], n)
        return None

    def does_something(self, start: int, end: int) -> bool:
        words = [t.text for t in self.tokens[start:end] if t.kind == "name"]
        if words and words[0] == "throw":
            return False
        return any(self.tokens[k].kind == "name" and self.at(k + 1, "(") for k in range(start, end))

    def call(self, i: int) -> Node:
        """The call whose name is at i (its `(` at i + 1), arguments read."""
        node = Node(Kind.CALL, self.tokens[i].text, self.tokens[i].line)
        self.reader.arguments(i + 1, node, 1, keywords=False)
        return node

    def member_call(self, i: int, names: frozenset[str]) -> bool:
        token = self.tokens[i]
        return (
            token.kind == "name"
            and token.text in names
            and i > 0
            and self.tokens[i - 1].is_(".")
            and self.at(i + 1, "(")
        )

    def broken(self) -> str | None:
        token = unbalanced(self.tokens, self.partner)
        if token is None:
            return None
        return f"line {token.line}: `{token.text}` is never closed; the file does not parse"


def _names(node: Node | None) -> tuple[str, ...]:
    if node is None:
        return ()
    return tuple(s.lower() for s in node.strings())[:32]


def _version(path: str, class_name: str = "") -> tuple[int, ...]:
    match = _CLASS_VERSION.search(class_name) if class_name else None
    match = match or _FILE_VERSION.match(posixpath.basename(path))
    return (int(match.group(1)),) if match else ()


def _migration(
    f: _File,
    tool: Tool,
    ops: list[MigrationOp],
    up: tuple[int, int],
    down: tuple[int, int] | None,
    name: str,
) -> Migration:
    line = f.tokens[up[0] - 1].line if up[0] > 0 else 1
    irreversible: list[Irreversible] = []
    if down is None:
        irreversible.append(Irreversible(line, "no down() function"))
    elif not f.does_something(*down):
        down_line = f.tokens[max(down[0] - 1, 0)].line
        irreversible.append(Irreversible(down_line, "down() does nothing"))
    base = posixpath.basename(f.path)
    problem = f.broken()
    return Migration(
        path=f.path,
        tool=tool,
        id=name or base.rpartition(".")[0] or base,
        parents=(),
        operations=tuple(ops[:MAX_OPS]),
        reversible=not irreversible,
        line=line,
        irreversible=tuple(irreversible),
        version=_version(f.path, name),
        problems=(problem,) if problem else (),
        truncated=len(ops) > MAX_OPS,
    )


def _unread(path: str, tool: Tool, problem: str) -> Migration:
    base = posixpath.basename(path)
    return Migration(
        path=path,
        tool=tool,
        id=base.rpartition(".")[0] or base,
        parents=(),
        operations=(),
        reversible=None,
        version=_version(path),
        problems=(problem,),
    )


# ---------------------------------------------------------------------------- TypeORM migrations

_RUNNER_METHODS = frozenset(
    {
        "query",
        "createTable",
        "dropTable",
        "renameTable",
        "addColumn",
        "addColumns",
        "dropColumn",
        "dropColumns",
        "renameColumn",
        "changeColumn",
        "createIndex",
        "createIndices",
        "dropIndex",
        "createForeignKey",
        "createForeignKeys",
        "dropForeignKey",
        "createUniqueConstraint",
        "createCheckConstraint",
        "createPrimaryKey",
        "dropUniqueConstraint",
        "dropCheckConstraint",
    }
)


def typeorm_migration(path: str, text: str, language: str) -> Migration:
    """One TypeORM migration class; a file whose up() cannot be found is a problem."""
    f = _File(path, text, language)
    up = f.body("up")
    if up is None:
        problem = f.broken() or "no up(queryRunner) method found; the migration was not read"
        return _unread(path, Tool.TYPEORM, problem)
    ops: list[MigrationOp] = []
    i = up[0]
    while i < up[1] and len(ops) <= MAX_OPS:
        if f.member_call(i, _RUNNER_METHODS):
            call = f.call(i)
            ops.extend(_runner_op(call, path))
            i = f.reader.end_of(i + 1)
            continue
        i += 1
    return _migration(f, Tool.TYPEORM, ops, up, f.body("down"), _class_name(f))


def _class_name(f: _File) -> str:
    for i, token in enumerate(f.tokens[:50_000]):
        if token.kind == "name" and token.text == "class":
            name = f.reader.name_at(i + 1)
            if name:
                return name
    return ""


def _spec(node: Node | None) -> Node | None:
    """`new Table({...})` or `{...}`: the object literal."""
    if node is None:
        return None
    if node.kind is Kind.CALL and node.new:
        inner = node.arg(0)
        return inner if inner is not None and inner.kind is Kind.OBJ else None
    return node if node.kind is Kind.OBJ else None


def _table_name(node: Node | None) -> str:
    if node is None:
        return ""
    spec = _spec(node)
    if spec is not None:
        return (_text(spec.get("name")) or "").lower()
    return (node.string() or "").lower()


def _runner_column(table: str, spec: Node, path: str, line: int) -> tuple[Column, list[Index]]:
    name = (_text(spec.get("name")) or "").lower()
    type_node = spec.get("type")
    kind = _text(type_node) or (type_node.last_name() if type_node is not None else "")
    length = spec.get("length")
    type_text = kind.lower() + (f"({length.text})" if length is not None and length.text else "")
    primary = _flag(spec, "isPrimary")
    default = None
    if _flag(spec, "isGenerated"):
        default = "generated"
    elif spec.get("default") is not None:
        default = _render(spec.get("default"))
    column = Column(name, type_text[:80], _flag(spec, "isNullable") and not primary, default,
                    primary, path, spec.line or line)  # fmt: skip
    indexes = []
    if _flag(spec, "isUnique") and not primary:
        indexes.append(
            Index(table, "", (name,), True, origin=IndexOrigin.IMPLIED, file=path, line=column.line)
        )
    return column, indexes


def _runner_index(
    table: str, node: Node | None, path: str, line: int, unique: bool
) -> Index | None:
    spec = _spec(node)
    if spec is None:
        return None
    columns = _names(spec.get("columnNames"))
    if not columns:
        return None
    return Index(
        table,
        (_text(spec.get("name")) or "").lower(),
        columns,
        unique or _flag(spec, "isUnique"),
        origin=IndexOrigin.UNIQUE_CONSTRAINT if unique else IndexOrigin.INDEX,
        file=path,
        line=line,
    )


def _runner_fk(table: str, node: Node | None, path: str, line: int) -> ForeignKey | None:
    spec = _spec(node)
    if spec is None:
        return None
    columns = _names(spec.get("columnNames"))
    target = _table_name(spec.get("referencedTableName"))
    if not columns or not target:
        return None
    return ForeignKey(
        table,
        columns,
        target,
        _names(spec.get("referencedColumnNames")),
        (_text(spec.get("name")) or "").lower(),
        file=path,
        line=line,
    )


def _runner_op(call: Node, path: str) -> list[MigrationOp]:
    name = call.text
    line = call.line
    if name == "query":
        statement = _text(call.arg(0))
        return [MigrationOp(OpKind.EXECUTE_SQL, "", path, line, sql=statement)] if statement else []
    table = _table_name(call.arg(0))
    if not table:
        return []
    if name == "createTable":
        spec = _spec(call.arg(0))
        if spec is None:
            return []
        columns: list[Column] = []
        indexes: list[Index] = []
        for item in (spec.get("columns") or Node(Kind.ARR, "", line)).elements()[:MAX_FIELDS]:
            if item.kind is Kind.OBJ:
                column, implied = _runner_column(table, item, path, line)
                if column.name:
                    columns.append(column)
                    indexes.extend(implied)
        for key, unique in (("indices", False), ("uniques", True)):
            for item in (spec.get(key) or Node(Kind.ARR, "", line)).elements():
                index = _runner_index(table, item, path, item.line or line, unique)
                if index is not None:
                    indexes.append(index)
        fks = [
            fk
            for item in (spec.get("foreignKeys") or Node(Kind.ARR, "", line)).elements()
            if (fk := _runner_fk(table, item, path, item.line or line)) is not None
        ]
        checks = [
            Check(table, _text(item.get("expression")) or "check", "", path, line)
            for item in (spec.get("checks") or Node(Kind.ARR, "", line)).elements()
            if item.kind is Kind.OBJ
        ]
        return [
            MigrationOp(
                OpKind.CREATE_TABLE,
                table,
                path,
                line,
                columns=tuple(columns),
                primary_key=tuple(c.name for c in columns if c.primary_key),
                indexes=tuple(indexes),
                foreign_keys=tuple(fks),
                checks=tuple(checks),
            )
        ]
    if name == "dropTable":
        return [MigrationOp(OpKind.DROP_TABLE, table, path, line)]
    if name == "renameTable":
        new = _table_name(call.arg(1))
        return [MigrationOp(OpKind.RENAME_TABLE, table, path, line, new_name=new)] if new else []
    if name in ("addColumn", "addColumns"):
        holder = call.arg(1)
        ops = []
        for item in holder.elements() if holder is not None else []:
            spec = _spec(item)
            if spec is None:
                continue
            column, implied = _runner_column(table, spec, path, line)
            if column.name:
                ops.append(
                    MigrationOp(
                        OpKind.ADD_COLUMN,
                        table,
                        path,
                        line,
                        column=column.name,
                        columns=(column,),
                        indexes=tuple(implied),
                    )
                )
        return ops
    if name in ("dropColumn", "dropColumns"):
        holder = call.arg(1)
        ops = []
        for item in holder.elements() if holder is not None else []:
            column_name = _table_name(item)
            if column_name:
                ops.append(MigrationOp(OpKind.DROP_COLUMN, table, path, line, column=column_name))
        return ops
    if name == "renameColumn":
        old, new = _table_name(call.arg(1)), _table_name(call.arg(2))
        if old and new:
            return [MigrationOp(OpKind.RENAME_COLUMN, table, path, line, column=old, new_name=new)]
        return []
    if name == "changeColumn":
        old = _table_name(call.arg(1))
        spec = _spec(call.arg(2))
        if not old or spec is None:
            return []
        column, _ = _runner_column(table, spec, path, line)
        ops = []
        if column.name and column.name != old:
            ops.append(
                MigrationOp(
                    OpKind.RENAME_COLUMN, table, path, line, column=old, new_name=column.name
                )
            )
        ops.append(
            MigrationOp(
                OpKind.ALTER_COLUMN,
                table,
                path,
                line,
                column=column.name or old,
                type=column.type or None,
                nullable=column.nullable,
            )
        )
        return ops
    if name in ("createIndex", "createIndices", "createUniqueConstraint"):
        holder = call.arg(1)
        unique = name == "createUniqueConstraint"
        return [
            MigrationOp(OpKind.CREATE_INDEX, table, path, line, indexes=(index,))
            for item in (holder.elements() if holder is not None else [])
            if (index := _runner_index(table, item, path, line, unique)) is not None
        ]
    if name in ("createForeignKey", "createForeignKeys"):
        holder = call.arg(1)
        return [
            MigrationOp(OpKind.ADD_FOREIGN_KEY, table, path, line, foreign_keys=(fk,))
            for item in (holder.elements() if holder is not None else [])
            if (fk := _runner_fk(table, item, path, line)) is not None
        ]
    if name == "createCheckConstraint":
        spec = _spec(call.arg(1))
        expression = (_text(spec.get("expression")) if spec is not None else None) or "check"
        check = Check(table, expression, "", path, line)
        return [MigrationOp(OpKind.ADD_CHECK, table, path, line, checks=(check,))]
    if name == "createPrimaryKey":
        keys = _names(call.arg(1))
        return [MigrationOp(OpKind.ADD_PRIMARY_KEY, table, path, line, primary_key=keys)]
    dropped = _table_name(call.arg(1))
    if name == "dropIndex" and dropped:
        return [MigrationOp(OpKind.DROP_INDEX, table, path, line, name=dropped)]
    if name in ("dropForeignKey", "dropUniqueConstraint", "dropCheckConstraint") and dropped:
        return [MigrationOp(OpKind.DROP_CONSTRAINT, table, path, line, name=dropped)]
    return []


# ---------------------------------------------------------------------------- TypeORM entities

_TS_TYPES = {"string": "varchar", "number": "integer", "boolean": "boolean", "date": "timestamp"}
_DATE_COLUMNS = frozenset({"CreateDateColumn", "UpdateDateColumn"})
_COLUMN_DECORATORS = frozenset(
    {"Column", "PrimaryColumn", "PrimaryGeneratedColumn", "DeleteDateColumn", "VersionColumn"}
    | _DATE_COLUMNS
)
_OWNING_RELATIONS = frozenset({"ManyToOne", "OneToOne"})


def typeorm_entities(path: str, text: str, language: str) -> EntityFile:
    f = _File(path, text, language)
    models: list[ModelDecl] = []
    pending: list[Node] = []
    i = 0
    n = len(f.tokens)
    while i < n and len(models) < MAX_MODELS:
        token = f.tokens[i]
        if token.is_("@") and f.reader.name_at(i + 1):
            node, i = f.reader.annotation(i)
            node.line = token.line
            node.items = node.items or []
            pending.append(node)
            continue
        if token.kind == "name" and token.text == "class":
            decorators, pending = pending, []
            entity = next((d for d in decorators if d.last_name() == "Entity"), None)
            name = f.reader.name_at(i + 1)
            open_at = next((k for k in range(i + 1, min(i + 64, n)) if f.at(k, "{")), None)
            if entity is None or not name or open_at is None:
                i += 1
                continue
            models.append(_entity(f, name, entity, decorators, open_at, token.line))
            i = f.reader.end_of(open_at)
            continue
        if token.kind == "name" and token.text in ("export", "default", "abstract"):
            i += 1
            continue
        pending = []
        i += 1
    problem = f.broken() if models else None
    return EntityFile(path, tuple(models), (problem,) if problem else ())


def _entity(
    f: _File, name: str, entity: Node, decorators: list[Node], open_at: int, line: int
) -> ModelDecl:
    first = entity.arg(0)
    table = _text(first) or (_text(first.get("name")) if first is not None else None)
    fields: list[Field] = []
    relations: list[Relation] = []
    end = min(f.partner[open_at], len(f.tokens))
    pending: list[Node] = []
    j = open_at + 1
    while j < end and len(fields) < MAX_FIELDS:
        token = f.tokens[j]
        if token.is_("@") and f.reader.name_at(j + 1):
            start = j
            node, j = f.reader.annotation(j)
            node.line = token.line
            pending.append(node)
            if node.last_name() in _OWNING_RELATIONS | {"ManyToMany", "OneToMany"}:
                node.text = f"{node.text}:{_relation_target(f, start)}"
            continue
        if token.kind == "name" and pending and not f.at(j + 1, "("):
            _member(f, j, token, pending, fields, relations)
            pending = []
            j = f.reader.skip(j) + 1
            continue
        if token.is_("{") or token.is_("("):
            j = f.reader.end_of(j)
            pending = []
            continue
        j += 1
    indexes = [index for d in decorators if (index := _class_index(d, f.path)) is not None]
    return ModelDecl(
        Tool.TYPEORM_MODELS,
        name,
        f.path,
        line,
        table=(table or snake(name)).lower(),
        fields=tuple(fields),
        relations=tuple(relations),
        indexes=tuple(indexes),
    )


def _relation_target(f: _File, at: int) -> str:
    """`@ManyToOne(() => User, ...)` or `@ManyToOne('User')`: the related entity's name."""
    k = at + 2
    while k < len(f.tokens) and f.tokens[k].is_("."):
        k += 2
    if not f.at(k, "("):
        return ""
    end = min(f.partner[k], len(f.tokens))
    for m in range(k + 1, min(end, k + 16)):
        if f.tokens[m].kind == "str":
            return f.tokens[m].text
        if f.tokens[m].is_("=>") and f.reader.name_at(m + 1):
            return f.tokens[m + 1].text
    return ""


def _member(
    f: _File,
    j: int,
    token: Token,
    decorators: list[Node],
    fields: list[Field],
    relations: list[Relation],
) -> None:
    prop = token.text
    type_name = ""
    k = j + 1
    if f.at(k, "?") or f.at(k, "!"):
        k += 1
    if f.at(k, ":") and f.reader.name_at(k + 1):
        type_name = f.tokens[k + 1].text
    by_name = {d.last_name().partition(":")[0]: d for d in decorators}
    column = next((by_name[n] for n in by_name if n in _COLUMN_DECORATORS), None)
    indexed = by_name.get("Index")
    index_unique = indexed is not None and any(_flag(a, "unique") for a in indexed.items)
    relation = next((by_name[n] for n in by_name if n in _OWNING_RELATIONS), None)
    if column is not None:
        fields.append(_column_field(prop, type_name, column, token.line, indexed, index_unique))
    elif relation is not None:
        kind, _, target = relation.text.partition(":")
        join = by_name.get("JoinColumn")
        if kind.endswith("OneToOne") and join is None:
            return  # the inverse side: the other entity holds the key
        options = next((a for a in relation.items if a.kind is Kind.OBJ), None)
        join_spec = join.arg(0) if join is not None else None
        key = (_text(join_spec.get("name")) if join_spec is not None else None) or f"{prop}Id"
        references = _text(join_spec.get("referencedColumnName")) if join_spec else None
        if target:
            relations.append(
                Relation(
                    RelationKind.BELONGS_TO,
                    prop,
                    target,
                    token.line,
                    columns=(key,),
                    references=(references,) if references else (),
                    nullable=not (options is not None and options.get("nullable") is not None
                                  and options.fields["nullable"].boolean() is False),
                    unique=kind.endswith("OneToOne"),
                    adds_column=True,
                )
            )  # fmt: skip


def _column_field(
    prop: str, type_name: str, decorator: Node, line: int, indexed: Node | None, unique: bool
) -> Field:
    kind = decorator.last_name()
    options = next((a for a in decorator.items if a.kind is Kind.OBJ), None)
    first = decorator.arg(0)
    declared = _text(first) or (_text(options.get("type")) if options is not None else None)
    if declared is None and options is not None and options.get("type") is not None:
        declared = options.fields["type"].last_name()
    type_text = (declared or _TS_TYPES.get(type_name.lower(), type_name)).lower()
    length = options.get("length") if options is not None else None
    if length is not None and length.text and "(" not in type_text:
        type_text += f"({length.text})"
    primary = kind in ("PrimaryColumn", "PrimaryGeneratedColumn") or _flag(options, "primary")
    default = (
        _render(options.get("default"))
        if options is not None and "default" in options.fields
        else None
    )
    if kind == "PrimaryGeneratedColumn":
        type_text = "uuid" if declared == "uuid" else "integer"
        default = "generated"
    elif kind in _DATE_COLUMNS:
        type_text, default = "timestamp", "now()"
    elif kind == "VersionColumn":
        type_text = "integer"
    nullable = (_flag(options, "nullable") or kind == "DeleteDateColumn") and not primary
    column = (_text(options.get("name")) if options is not None else None) or prop
    return Field(
        prop,
        column,
        type_text[:80],
        line,
        nullable=nullable,
        primary_key=primary,
        unique=_flag(options, "unique") or unique,
        indexed=indexed is not None,
        default=default,
    )  # fmt: skip


def _class_index(decorator: Node, path: str) -> Index | None:
    """`@Index(['a', 'b'], {unique: true})`, `@Index('name', ['a'])`, `@Unique(['a'])`."""
    kind = decorator.last_name()
    if kind not in ("Index", "Unique"):
        return None
    name = ""
    columns: tuple[str, ...] = ()
    options: Node | None = None
    for item in decorator.items:
        if item.kind is Kind.STR and not name and not columns:
            name = item.text
        elif item.kind is Kind.ARR and not columns:
            columns = tuple(item.strings())
        elif item.kind is Kind.OBJ:
            options = item
    if not columns:
        return None
    unique = kind == "Unique" or _flag(options, "unique")
    return Index(
        "",
        name.lower(),
        columns[:32],
        unique,
        origin=IndexOrigin.UNIQUE_CONSTRAINT if kind == "Unique" else IndexOrigin.INDEX,
        file=path,
        line=decorator.line,
    )


# ---------------------------------------------------------------------------- Knex migrations

_SCHEMA_METHODS = frozenset(
    {
        "createTable",
        "createTableIfNotExists",
        "alterTable",
        "table",
        "dropTable",
        "dropTableIfExists",
        "renameTable",
        "raw",
    }
)
# Column builders: name -> (type, the argument holding the column name is the first).
_KNEX_TYPES = {
    "increments": "integer",
    "bigIncrements": "bigint",
    "integer": "integer",
    "bigInteger": "bigint",
    "bigint": "bigint",
    "tinyint": "tinyint",
    "smallint": "smallint",
    "mediumint": "mediumint",
    "string": "varchar",
    "text": "text",
    "float": "float",
    "double": "double",
    "decimal": "decimal",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "timestamp": "timestamp",
    "json": "json",
    "jsonb": "jsonb",
    "uuid": "uuid",
    "binary": "binary",
    "enum": "enum",
    "enu": "enum",
    "specificType": "",
}


@dataclass(slots=True)
class _Builder:
    """What one createTable/alterTable callback declares."""

    table: str
    path: str
    columns: list[Column]
    altered: list[Column]
    indexes: list[Index]
    fks: list[ForeignKey]
    primary: list[str]
    other: list[MigrationOp]


def knex_migration(path: str, text: str, language: str) -> Migration:
    f = _File(path, text, language)
    up = f.body("up")
    if up is None:
        problem = (
            f.broken() or "no exports.up / up(knex) function found; the migration was not read"
        )
        return _unread(path, Tool.KNEX, problem)
    ops: list[MigrationOp] = []
    i = up[0]
    while i < up[1] and len(ops) <= MAX_OPS:
        if f.member_call(i, _SCHEMA_METHODS) and (
            f.tokens[i].text != "table" or _after_schema(f, i)
        ):
            ops.extend(_knex_op(f, i))
            i = f.reader.end_of(i + 1)
            continue
        i += 1
    return _migration(f, Tool.KNEX, ops, up, f.body("down"), "")


def _after_schema(f: _File, i: int) -> bool:
    return i >= 2 and f.tokens[i - 2].text == "schema"


def _knex_op(f: _File, i: int) -> list[MigrationOp]:
    name = f.tokens[i].text
    line = f.tokens[i].line
    path = f.path
    args_end = min(f.partner[i + 1], len(f.tokens))
    first = f.reader.value(i + 2)[0] if i + 2 < args_end else None
    if name == "raw":
        statement = _text(first)
        return [MigrationOp(OpKind.EXECUTE_SQL, "", path, line, sql=statement)] if statement else []
    table = (_text(first) or "").lower()
    if not table:
        return []
    if name in ("dropTable", "dropTableIfExists"):
        return [MigrationOp(OpKind.DROP_TABLE, table, path, line)]
    if name == "renameTable":
        call = f.call(i)
        new = (_text(call.arg(1)) or "").lower()
        return [MigrationOp(OpKind.RENAME_TABLE, table, path, line, new_name=new)] if new else []
    callback = _callback(f, i + 1, args_end)
    builder = _Builder(table, path, [], [], [], [], [], [])
    if callback is not None:
        param, start, end = callback
        _read_builder(f, param, start, end, builder)
    if name in ("createTable", "createTableIfNotExists"):
        keys = tuple(dict.fromkeys(builder.primary)) or tuple(
            c.name for c in builder.columns if c.primary_key
        )
        columns = tuple(
            Column(c.name, c.type, False, c.default, True, c.file, c.line) if c.name in keys else c
            for c in builder.columns
        )
        create = MigrationOp(
            OpKind.CREATE_TABLE,
            table,
            path,
            line,
            columns=columns,
            primary_key=keys,
            indexes=tuple(builder.indexes),
            foreign_keys=tuple(builder.fks),
        )
        return [create, *builder.other]
    ops = [
        MigrationOp(OpKind.ADD_COLUMN, table, path, c.line, column=c.name, columns=(c,))
        for c in builder.columns
    ]
    ops += [
        MigrationOp(
            OpKind.ALTER_COLUMN, table, path, c.line, column=c.name, type=c.type or None,
            nullable=c.nullable,
        )
        for c in builder.altered
    ]  # fmt: skip
    ops += [
        MigrationOp(OpKind.CREATE_INDEX, table, path, x.line, indexes=(x,)) for x in builder.indexes
    ]
    ops += [
        MigrationOp(OpKind.ADD_FOREIGN_KEY, table, path, fk.line, foreign_keys=(fk,))
        for fk in builder.fks
    ]
    if builder.primary:
        ops.append(
            MigrationOp(
                OpKind.ADD_PRIMARY_KEY, table, path, line, primary_key=tuple(builder.primary)
            )
        )
    return ops + builder.other


def _callback(f: _File, open_at: int, end: int) -> tuple[str, int, int] | None:
    """`(t) => {...}`, `t => {...}` or `function (t) {...}` among a call's arguments."""
    for k in range(open_at + 1, end):
        token = f.tokens[k]
        if (token.kind == "name" and token.text == "function") or token.is_("("):
            paren = (
                k
                if token.is_("(")
                else next((m for m in range(k, min(k + 4, end)) if f.at(m, "(")), None)
            )
            if paren is None:
                continue
            param = f.reader.name_at(paren + 1)
            body = f._function_body(f.reader.end_of(paren))
            if param and body is not None:
                return param, body[0], body[1]
        elif token.kind == "name" and f.at(k + 1, "=>"):
            body = f._function_body(k + 1)
            if body is not None:
                return token.text, body[0], body[1]
    return None


def _read_builder(f: _File, param: str, start: int, end: int, b: _Builder) -> None:
    i = start
    while i < end:
        token = f.tokens[i]
        if (
            token.kind == "name"
            and token.text == param
            and f.at(i + 1, ".")
            and f.reader.name_at(i + 2)
            and f.at(i + 3, "(")
            and not (i > 0 and f.tokens[i - 1].is_("."))
        ):
            chain, i = _chain(f, i + 2)
            _builder_statement(chain, b)
            continue
        i += 1


def _chain(f: _File, i: int) -> tuple[list[Node], int]:
    """`a(x).b(y).c()` from the name at i: each link read as a call, and the index after."""
    links: list[Node] = []
    while len(links) < _MAX_CHAIN and f.reader.name_at(i) and f.at(i + 1, "("):
        links.append(f.call(i))
        i = f.reader.end_of(i + 1)
        if f.at(i, ".") and f.reader.name_at(i + 1):
            i += 1
            continue
        break
    return links, i


def _builder_statement(chain: list[Node], b: _Builder) -> None:
    head = chain[0]
    name = head.text
    line = head.line
    table, path = b.table, b.path
    modifiers = {link.text: link for link in chain[1:]}
    if name in _KNEX_TYPES:
        column_name = (_text(head.arg(0)) or ("id" if "ncrements" in name else "")).lower()
        if not column_name:
            return
        type_text = _KNEX_TYPES[name] or (_text(head.arg(1)) or "").lower()
        if name == "string":
            size = head.arg(1)
            type_text += f"({size.text if size is not None and size.kind is Kind.NUM else 255})"
        increments = "ncrements" in name
        nullable = "notNullable" not in modifiers and "primary" not in modifiers and not increments
        default = "generated" if increments else None
        if "defaultTo" in modifiers:
            default = _render(modifiers["defaultTo"].arg(0))
        primary = increments or "primary" in modifiers
        column = Column(column_name, type_text[:80], nullable, default, primary, path, line)
        if "alter" in modifiers:
            b.altered.append(column)
            return
        b.columns.append(column)
        if primary:
            b.primary.append(column_name)
        if "unique" in modifiers:
            b.indexes.append(
                Index(table, "", (column_name,), True, origin=IndexOrigin.IMPLIED, file=path,
                      line=line)
            )  # fmt: skip
        elif "index" in modifiers:
            index_name = (_text(modifiers["index"].arg(0)) or "").lower()
            b.indexes.append(Index(table, index_name, (column_name,), False, file=path, line=line))
        reference = _reference(modifiers)
        if reference is not None:
            target, key = reference
            b.fks.append(ForeignKey(table, (column_name,), target, key, file=path, line=line))
        return
    if name == "timestamps":
        required = any(a.boolean() is True for a in head.items[:2])
        for column_name in ("created_at", "updated_at"):
            b.columns.append(
                Column(column_name, "timestamp", not required, "now()" if required else None,
                       False, path, line)
            )  # fmt: skip
        return
    columns = _names(head.arg(0))
    if name in ("index", "unique") and columns:
        second = head.arg(1)
        index_name = (_text(second) or _text(second.get("indexName")) if second else "") or ""
        unique = name == "unique"
        origin = IndexOrigin.UNIQUE_CONSTRAINT if unique else IndexOrigin.INDEX
        b.indexes.append(
            Index(table, index_name.lower(), columns, unique, origin=origin, file=path, line=line)
        )
    elif name == "primary" and columns:
        b.primary.extend(columns)
    elif name == "foreign" and columns:
        reference = _reference(modifiers)
        if reference is not None:
            b.fks.append(ForeignKey(table, columns, reference[0], reference[1], file=path,
                                    line=line))  # fmt: skip
    elif name in ("dropColumn", "dropColumns"):
        for item in head.items[:MAX_FIELDS]:
            for column_name in _names(item):
                b.other.append(
                    MigrationOp(OpKind.DROP_COLUMN, table, path, line, column=column_name)
                )
    elif name == "renameColumn" and columns:
        new = (_text(head.arg(1)) or "").lower()
        if new:
            b.other.append(
                MigrationOp(
                    OpKind.RENAME_COLUMN, table, path, line, column=columns[0], new_name=new
                )
            )
    elif name in ("dropIndex", "dropUnique", "dropForeign"):
        dropped = (_text(head.arg(1)) or "").lower() or "_".join(columns)
        kind = OpKind.DROP_INDEX if name != "dropForeign" else OpKind.DROP_CONSTRAINT
        b.other.append(MigrationOp(kind, table, path, line, name=dropped))


def _reference(modifiers: dict[str, Node]) -> tuple[str, tuple[str, ...]] | None:
    """`.references('id').inTable('orgs')` or `.references('orgs.id')`."""
    link = modifiers.get("references")
    target = _text(link.arg(0)) if link is not None else None
    if not target:
        return None
    in_table = modifiers.get("inTable")
    table = _text(in_table.arg(0)) if in_table is not None else None
    if table:
        return table.lower(), (target.lower(),)
    owner, dot, key = target.rpartition(".")
    return (owner.lower(), (key.lower(),)) if dot else None
