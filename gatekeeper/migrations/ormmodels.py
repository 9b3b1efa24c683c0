"""Schemas declared in application code (JPA entities, GORM structs, Prisma models, Sequelize
models, mongoose schemas): the facts the extractors send back per file, each tool's naming rules,
and the resolution of a service's declarations into tables, run in the parent because models
refer to each other across files (a relation's target, a superclass, an embedded struct).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from gatekeeper.migrations.model import (
    Check,
    Column,
    ForeignKey,
    Index,
    IndexOrigin,
    Migration,
    MigrationOp,
    OpKind,
    Tool,
)

MODEL_TOOLS = frozenset(
    {
        Tool.DJANGO_MODELS,
        Tool.JPA,
        Tool.GORM,
        Tool.PRISMA,
        Tool.SEQUELIZE_MODELS,
        Tool.SQLALCHEMY_MODELS,
        Tool.MONGODB,
    }
)
MAX_MODELS = 2000  # declarations read per file
MAX_FIELDS = 500  # fields read per declaration
_MAX_BASES = 8  # superclass / embedded-struct levels followed


class RelationKind(StrEnum):
    BELONGS_TO = "belongs_to"  # this model's table holds the foreign key
    HAS = "has"  # the target's table holds it (has-one, has-many)
    AUTO = "auto"  # GORM: belongs-to when this struct has the key field, else has-one
    MANY_TO_MANY = "many_to_many"  # a join table holds both keys


@dataclass(frozen=True, slots=True)
class Field:
    """A persistent field of a model, with the column it maps to."""

    name: str  # as written in code
    column: str  # the column (or document field) name
    type: str
    line: int
    nullable: bool = True
    primary_key: bool = False
    unique: bool = False
    indexed: bool = False
    default: str | None = None
    index_names: tuple[tuple[str, bool], ...] = ()  # GORM named (composite) indexes: (name, unique)
    embedded: str = ""  # GORM: an embedded struct whose fields join this model
    embedded_prefix: str = ""


@dataclass(frozen=True, slots=True)
class Relation:
    kind: RelationKind
    field: str  # the relation field or property ("customer"); "" for a bare association
    target: str  # the related model's name
    line: int
    columns: tuple[str, ...] = ()  # the foreign key's columns or fields, as the code names them
    references: tuple[str, ...] = ()
    nullable: bool = True
    unique: bool = False
    join_table: str = ""  # MANY_TO_MANY
    adds_column: bool = False  # the key column exists only through this relation (JPA)
    source: str = ""  # an association written outside its model (Sequelize): the model's name
    path: str = ""  # where the relation is written, when it is not the model's file
    target_table: str = ""  # the code names the referenced table itself (Sequelize references)


@dataclass(frozen=True, slots=True)
class ModelDecl:
    tool: Tool
    name: str  # class, struct or model name
    path: str
    line: int
    table: str = ""  # "" when the tool's default naming applies in resolution (GORM)
    fields: tuple[Field, ...] = ()
    relations: tuple[Relation, ...] = ()
    indexes: tuple[Index, ...] = ()  # columns as the code names them (fields or columns)
    checks: tuple[Check, ...] = ()
    bases: tuple[str, ...] = ()  # JPA superclasses whose mapped fields this entity inherits
    abstract: bool = False  # not a table of its own (a mapped superclass, an embedded struct)
    confirmed: bool = True  # False: a GORM struct that is a model only if AutoMigrate names it


@dataclass(frozen=True, slots=True, order=True)
class Mention:
    line: int
    what: str


@dataclass(frozen=True, slots=True)
class CodeSchema:
    """What one source file says about the schema."""

    path: str
    models: tuple[ModelDecl, ...] = ()
    relations: tuple[Relation, ...] = ()  # associations written outside their model
    indexes: tuple[Index, ...] = ()  # MongoDB indexes created on a named collection
    migration: Migration | None = None  # a migration file (Sequelize)
    validation: tuple[Mention, ...] = ()  # request or model validation written in this file
    startup_sync: tuple[Mention, ...] = ()  # AutoMigrate(), sequelize.sync(): schema at startup
    migrated: tuple[str, ...] = ()  # GORM: struct names given to AutoMigrate
    table_names: tuple[tuple[str, str], ...] = ()  # GORM TableName() methods: (struct, table)
    problems: tuple[str, ...] = ()  # what could not be read: the file is an error
    truncated: bool = False


# ---------------------------------------------------------------------------- naming


def snake(name: str) -> str:
    """CamelCase to snake_case the way GORM and Spring name columns: `UserID` -> `user_id`,
    `HTTPServer` -> `http_server`, `customerId` -> `customer_id`."""
    out: list[str] = []
    for i, char in enumerate(name):
        if char.isupper():
            before = name[i - 1] if i else ""
            after = name[i + 1] if i + 1 < len(name) else ""
            boundary = (
                before.islower() or before.isdigit() or (before.isupper() and after.islower())
            )
            if i and boundary and out and out[-1] != "_":
                out.append("_")
            out.append(char.lower())
        else:
            out.append(char)
    return "".join(out)


_IRREGULAR = {
    "person": "people",
    "man": "men",
    "woman": "women",
    "child": "children",
    "mouse": "mice",
    "goose": "geese",
    "ox": "oxen",
    "datum": "data",
}
_UNCOUNTABLE = frozenset(
    {"equipment", "information", "rice", "money", "species", "series", "fish", "sheep", "news"}
)


def plural(word: str) -> str:
    """English plural of the last word, as GORM, Sequelize and mongoose name tables (the common
    rules of the inflection libraries they use; rare irregular nouns may differ)."""
    head, sep, last = word.rpartition("_")
    lowered = last.lower()
    if not lowered or lowered in _UNCOUNTABLE:
        return word
    if lowered in _IRREGULAR:
        result = _IRREGULAR[lowered]
        result = result[0].upper() + result[1:] if last[0].isupper() else result
    elif lowered.endswith(("s", "x", "z", "ch", "sh")):
        result = last + "es"
    elif lowered.endswith("y") and len(lowered) > 1 and lowered[-2] not in "aeiou":
        result = last[:-1] + "ies"
    else:
        result = last + "s"
    return head + sep + result


# ---------------------------------------------------------------------------- resolution


@dataclass(slots=True)
class _Table:
    name: str
    decl: ModelDecl
    columns: dict[str, Column] = field(default_factory=dict)
    by_field: dict[str, str] = field(default_factory=dict)  # code field name -> column
    primary_key: list[str] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    path: str = ""
    line: int = 0

    def column_of(self, name: str) -> str:
        return self.by_field.get(name) or self.by_field.get(name.lower()) or name.lower()

    def add_column(self, column: Column, field_name: str = "") -> None:
        if column.name not in self.columns:
            self.columns[column.name] = column
        if field_name:
            self.by_field.setdefault(field_name, column.name)
        if column.primary_key and column.name not in self.primary_key:
            self.primary_key.append(column.name)

    def op(self) -> MigrationOp:
        keys = set(self.primary_key)
        columns = tuple(
            replace(c, nullable=False, primary_key=True) if c.name in keys else c
            for c in self.columns.values()
        )
        return MigrationOp(
            OpKind.CREATE_TABLE,
            self.name,
            self.path,
            self.line,
            columns=columns,
            primary_key=tuple(self.primary_key),
            indexes=tuple(sorted(set(self.indexes))),
            foreign_keys=tuple(sorted(set(self.foreign_keys))),
            checks=tuple(sorted(set(self.checks))),
            model=self.decl.name,
        )


def resolve(
    tool: Tool,
    decls: Sequence[ModelDecl],
    *,
    relations: Sequence[Relation] = (),
    indexes: Sequence[tuple[str, Index]] = (),
    table_names: Mapping[str, str] | None = None,
    migrated: Iterable[str] = (),
    keys: bool = True,
) -> list[Migration]:
    """One model-tool's declarations in one service, as one schema Migration per file.

    `relations` are associations written outside their model, `indexes` (path, index) are
    indexes created on a named table or collection elsewhere in the code, `table_names` the
    GORM TableName() overrides, `migrated` the structs AutoMigrate names; `keys` False drops
    foreign keys (MongoDB has none)."""
    named = dict(table_names or {})
    wanted = set(migrated) | set(named)
    by_name: dict[str, ModelDecl] = {}
    for decl in sorted(decls, key=lambda d: (d.path, d.line)):
        by_name.setdefault(decl.name, decl)
    models = [d for d in by_name.values() if not d.abstract and (d.confirmed or d.name in wanted)]
    model_names = {d.name for d in models}
    tables: dict[str, _Table] = {}
    of_model: dict[str, _Table] = {}
    for decl in models:
        name = (decl.table or named.get(decl.name) or _default_table(tool, decl.name)).lower()
        table = tables.get(name)
        if table is None:
            table = _Table(name, decl, path=decl.path, line=decl.line)
            tables[name] = table
        of_model[decl.name] = table
        # A field typed as another model is the relation, not a column (GORM `Company Company`).
        related = {r.field for r in decl.relations if r.target in model_names and r.field}
        for f, path in _all_fields(decl, by_name):
            if f.name not in related or tool is not Tool.GORM:
                _add_field(table, f, path)
    for decl in models:
        table = of_model[decl.name]
        for index in decl.indexes:
            columns = tuple(table.column_of(c) for c in index.columns)
            table.indexes.append(replace(index, table=table.name, columns=columns))
        table.checks.extend(replace(c, table=table.name) for c in decl.checks)
        _named_indexes(table, _all_fields(decl, by_name))
    if keys:
        pending = [(of_model[d.name], d.name, r, d.path) for d in models for r in d.relations]
        pending += [
            (of_model[r.source], r.source, r, r.path) for r in relations if r.source in of_model
        ]
        for table, name, relation, path in pending:
            _relate(tool, table, name, relation, path, of_model, tables)
    for path, index in indexes:
        name = index.table.lower()
        table = tables.get(name)
        if table is None:
            decl = ModelDecl(tool, name, path, index.line, table=name)
            table = _Table(name, decl, path=path, line=index.line)
            table.add_column(Column("_id", "objectid", False, "generated", True, path, index.line))
            tables[name] = table
        for column in index.columns:
            if column not in table.columns and "(" not in column:
                table.add_column(Column(column, "", True, None, False, path, index.line))
        table.indexes.append(replace(index, table=name))
    by_path: dict[str, list[MigrationOp]] = {}
    for table in sorted(tables.values(), key=lambda t: (t.path, t.line, t.name)):
        by_path.setdefault(table.path, []).append(table.op())
    return [
        Migration(path=path, tool=tool, id=path, parents=(), operations=tuple(ops), reversible=None)
        for path, ops in sorted(by_path.items())
    ]


def _default_table(tool: Tool, name: str) -> str:
    if tool is Tool.GORM:
        return plural(snake(name))
    if tool is Tool.JPA:
        return snake(name)
    if tool is Tool.SEQUELIZE_MODELS:
        return plural(name)
    return name


def _all_fields(decl: ModelDecl, by_name: Mapping[str, ModelDecl]) -> list[tuple[Field, str]]:
    """The declaration's fields after those of its bases and embedded structs (bounded), each
    with the file that declares it."""
    out: list[tuple[Field, str]] = []
    seen = {decl.name}

    def add(d: ModelDecl, prefix: str, depth: int) -> None:
        for base in d.bases:
            parent = by_name.get(base)
            if parent is not None and parent.name not in seen and depth < _MAX_BASES:
                seen.add(parent.name)
                add(parent, prefix, depth + 1)
        for f in d.fields:
            if f.embedded:
                inner = by_name.get(f.embedded)
                if inner is not None and inner.name not in seen and depth < _MAX_BASES:
                    seen.add(inner.name)
                    add(inner, prefix + f.embedded_prefix, depth + 1)
                continue
            if prefix:
                f = replace(f, column=prefix + f.column)
            out.append((f, d.path))

    add(decl, "", 0)
    return out[:MAX_FIELDS]


def _add_field(table: _Table, f: Field, path: str) -> None:
    column = Column(
        f.column.lower(),
        f.type,
        f.nullable and not f.primary_key,
        f.default,
        f.primary_key,
        path,
        f.line,
    )
    table.add_column(column, f.name)
    if f.unique and not f.primary_key:
        table.indexes.append(_implied(table, column, unique=True))
    elif f.indexed and not f.primary_key:
        table.indexes.append(_implied(table, column, unique=False))


def _implied(table: _Table, column: Column, *, unique: bool) -> Index:
    return Index(
        table.name,
        "",
        (column.name,),
        unique,
        origin=IndexOrigin.IMPLIED,
        file=column.file,
        line=column.line,
    )


def _named_indexes(table: _Table, fields: Sequence[tuple[Field, str]]) -> None:
    """GORM `index:name` / `uniqueIndex:name` on several fields: one composite index each."""
    groups: dict[str, tuple[list[str], bool, Field, str]] = {}
    for f, path in fields:
        for name, unique in f.index_names:
            columns, was_unique, first, where = groups.get(name, ([], False, f, path))
            columns.append(f.column.lower())
            groups[name] = (columns, was_unique or unique, first, where)
    for name, (columns, unique, first, where) in groups.items():
        table.indexes.append(
            Index(
                table.name,
                name.lower(),
                tuple(columns),
                unique,
                origin=IndexOrigin.INDEX,
                file=where,
                line=first.line,
            )
        )


def _relate(
    tool: Tool,
    table: _Table,
    model: str,
    relation: Relation,
    path: str,
    of_model: Mapping[str, _Table],
    tables: dict[str, _Table],
) -> None:
    target = of_model.get(relation.target)
    if relation.target_table:
        target = tables.get(relation.target_table.lower())
    if target is None and tool is Tool.GORM:
        return  # a struct that is no model (a value type): the field is a column
    target_name = (
        target.name
        if target is not None
        else relation.target_table.lower() or _default_table(tool, relation.target).lower()
    )
    kind = relation.kind
    file = path or table.path
    if kind is RelationKind.AUTO:  # GORM: who holds the key decides the direction
        key = relation.columns[0] if relation.columns else f"{relation.field}ID"
        kind = RelationKind.BELONGS_TO if key in table.by_field else RelationKind.HAS
    if kind is RelationKind.BELONGS_TO:
        columns = relation.columns or (_default_key(tool, relation.field, relation.target),)
        names = tuple(table.column_of(c) for c in columns)
        if relation.adds_column or tool is Tool.SEQUELIZE_MODELS:
            key_types = [
                target.columns[k].type if target is not None and k in target.columns else ""
                for k in _references(relation, target)
            ]
            for position, name in enumerate(names):
                if name not in table.columns:
                    key_type = key_types[position] if position < len(key_types) else ""
                    table.add_column(
                        Column(name, key_type, relation.nullable, None, False, file, relation.line)
                    )
                    if relation.unique:
                        table.indexes.append(_implied(table, table.columns[name], unique=True))
        references = _references(relation, target)
        # Declared from both sides (has-many here, belongs-to there): the holding side wins.
        table.foreign_keys = [
            fk for fk in table.foreign_keys if (fk.columns, fk.ref_table) != (names, target_name)
        ]
        table.foreign_keys.append(
            ForeignKey(table.name, names, target_name, references, file=file, line=relation.line)
        )
    elif kind is RelationKind.HAS and target is not None:
        columns = relation.columns or (_owner_key(tool, model),)
        names = tuple(target.column_of(c) for c in columns)
        if any((fk.columns, fk.ref_table) == (names, table.name) for fk in target.foreign_keys):
            return
        for name in names:
            if name not in target.columns:
                target.add_column(Column(name, "", True, None, False, file, relation.line))
        target.foreign_keys.append(
            ForeignKey(
                target.name,
                names,
                table.name,
                relation.references or tuple(table.primary_key),
                file=file,
                line=relation.line,
            )
        )
    elif kind is RelationKind.MANY_TO_MANY and relation.join_table:
        _join_table(tool, table, model, relation, target, target_name, file, tables)


def _join_table(
    tool: Tool,
    table: _Table,
    model: str,
    relation: Relation,
    target: _Table | None,
    target_name: str,
    file: str,
    tables: dict[str, _Table],
) -> None:
    name = relation.join_table.lower()
    if name in tables:
        return  # declared from the other side, or as a model of its own
    left = _owner_key(tool, model).lower()
    right = _owner_key(tool, relation.target).lower()
    decl = ModelDecl(tool, name, file, relation.line, table=name)
    join = _Table(name, decl, path=file, line=relation.line)
    for column in (left, right):
        join.add_column(Column(column, "", False, None, True, file, relation.line))
    join.foreign_keys.append(
        ForeignKey(
            name, (left,), table.name, tuple(table.primary_key), file=file, line=relation.line
        )
    )
    join.foreign_keys.append(
        ForeignKey(
            name,
            (right,),
            target_name,
            tuple(target.primary_key) if target is not None else (),
            file=file,
            line=relation.line,
        )
    )
    tables[name] = join


def _references(relation: Relation, target: _Table | None) -> tuple[str, ...]:
    if target is None:
        return tuple(c.lower() for c in relation.references)
    if relation.references:
        return tuple(target.column_of(c) for c in relation.references)
    return tuple(target.primary_key)


def _default_key(tool: Tool, relation_field: str, target: str) -> str:
    """The key column a belongs-to relation uses when the code names none."""
    if tool is Tool.JPA:
        return f"{snake(relation_field)}_id"
    if tool is Tool.SEQUELIZE_MODELS:
        return f"{relation_field or target}Id"
    return f"{relation_field}ID"


def _owner_key(tool: Tool, model: str) -> str:
    """The key column a has-one/has-many/many-to-many relation puts on the other table."""
    if tool is Tool.GORM:
        return f"{snake(model)}_id"
    if tool is Tool.SEQUELIZE_MODELS:
        return f"{model}Id"
    return f"{snake(model)}_id"
