"""JavaScript and TypeScript schema sources, read from tokens:

- Sequelize models: `sequelize.define(name, attributes, options)` and `Model.init(attributes,
  {sequelize, ...})` (allowNull, unique, primaryKey, defaultValue, field, references, validate;
  options tableName, freezeTableName, underscored, indexes), associations (belongsTo, hasOne,
  hasMany, belongsToMany) and `sequelize.sync()`;
- sequelize-cli migrations: `queryInterface.*` calls in `up`, and whether `down` does anything;
- mongoose: `new Schema({...})` fields (type, required, unique, index), `schema.index(...)` and
  the `model(name, schema[, collection])` that names the collection;
- MongoDB indexes: `db.collection("x").createIndex({...}, {unique: true})`, `db.x.createIndex`,
  `createIndexes([...])`, in code and migration scripts.

Decorator-based models (sequelize-typescript, Typegoose, NestJS @Schema) are not read; TypeORM
entities and migrations and Knex migrations are read by `jsmigrations`.
"""

from __future__ import annotations

import posixpath
import re

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
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
    CodeSchema,
    Field,
    Mention,
    ModelDecl,
    Relation,
    RelationKind,
    plural,
    snake,
)
from gatekeeper.migrations.textscan import (
    Kind,
    Node,
    Reader,
    Token,
    match_brackets,
    receiver,
    tokenize,
    unbalanced,
)
from gatekeeper.migrations.textscan import node_flag as _flag
from gatekeeper.migrations.textscan import node_text as _text
from gatekeeper.migrations.textscan import render_node as _render

MAX_MENTIONS = 50
_MIGRATION_DIRS = frozenset({"migrations", "migration", "migrate"})
_VERSION = re.compile(r"^(\d{1,32})")
_ASSOCIATIONS = {
    "belongsTo": RelationKind.BELONGS_TO,
    "hasOne": RelationKind.HAS,
    "hasMany": RelationKind.HAS,
    "belongsToMany": RelationKind.MANY_TO_MANY,
}
_QUERY_INTERFACE = frozenset(
    {
        "createTable",
        "dropTable",
        "renameTable",
        "addColumn",
        "removeColumn",
        "renameColumn",
        "changeColumn",
        "addIndex",
        "removeIndex",
        "addConstraint",
        "removeConstraint",
        "query",
    }
)
_COLLECTION_HOLDERS = frozenset({"db", "database", "conn", "connection", "mongo", "client"})
_SCHEMA_VALIDATORS = frozenset({"validate", "match"})
# Names whose calls the scanner reads; any other call is passed over without a look inside.
_CALLS = frozenset(
    {"define", "init", "sync", "model", "index", "createIndex", "ensureIndex", "createIndexes"}
    | set(_ASSOCIATIONS)
)
_MAX_FUNCTION_CANDIDATES = 64  # `up`/`down` names examined per file


def extract(pf: ParsedFile) -> CodeSchema | None:
    text = pf.text
    lowered_path = pf.path.lower()
    sequelize = "sequelize" in text.lower() or "DataTypes" in text or "queryInterface" in text
    mongoose = "Schema" in text and "mongoose" in text
    mongo = "createIndex" in text or "ensureIndex" in text
    # Knex migrations (knex.schema.createTable) look alike; `jsmigrations` reads those.
    migration = (
        _in_migrations_dir(lowered_path)
        and ("queryInterface" in text or "Sequelize" in text)
        and "knex" not in text
    )
    if not (sequelize or mongoose or mongo):
        return None
    tokens = tokenize(text, pf.language)
    scanner = _Scanner(pf.path, tokens, sequelize=sequelize, mongoose=mongoose)
    scanner.scan()
    built = scanner.migration() if migration else None
    models = scanner.finish_models()
    if models or built is not None or scanner.indexes:
        broken = unbalanced(tokens, scanner.partner)
        if broken is not None:
            scanner.problems.append(
                f"line {broken.line}: `{broken.text}` is never closed; the schema it declares "
                "may be read incompletely"
            )
    if not (
        models
        or scanner.relations
        or scanner.indexes
        or scanner.mentions
        or scanner.sync
        or built is not None
        or scanner.problems
    ):
        return None
    return CodeSchema(
        pf.path,
        models=tuple(models),
        relations=tuple(scanner.relations),
        indexes=tuple(scanner.indexes),
        migration=built,
        validation=tuple(scanner.mentions),
        startup_sync=tuple(scanner.sync),
        problems=tuple(scanner.problems),
        truncated=scanner.reader.truncated or len(scanner.models) >= MAX_MODELS,
    )


def _in_migrations_dir(path: str) -> bool:
    return any(part in _MIGRATION_DIRS for part in path.split("/")[:-1])


class _Schema:
    """A mongoose schema assigned to a variable, until a model() call names its collection."""

    __slots__ = ("collection", "fields", "indexes", "line")

    def __init__(self, fields: list[Field], collection: str, line: int) -> None:
        self.fields = fields
        self.collection = collection
        self.line = line
        self.indexes: list[Index] = []


class _Scanner:
    def __init__(self, path: str, tokens: list[Token], *, sequelize: bool, mongoose: bool) -> None:
        self.path = path
        self.tokens = tokens
        self.partner = match_brackets(tokens)
        self.reader = Reader(tokens, self.partner)
        self.sequelize = sequelize
        self.mongoose = mongoose
        self.models: list[ModelDecl] = []
        self.relations: list[Relation] = []
        self.indexes: list[Index] = []
        self.mentions: list[Mention] = []
        self.sync: list[Mention] = []
        self.problems: list[str] = []
        self.schemas: dict[str, _Schema] = {}  # variable -> schema
        self.model_collections: dict[str, str] = {}  # model variable -> collection
        self.bindings: list[tuple[str, _Schema, str]] = []  # (model, schema, collection)
        self.classes = _class_ranges(tokens, self.partner)

    # -- the pass over the file

    def scan(self) -> None:
        tokens = self.tokens
        n = len(tokens)
        i = 0
        while i < n:
            token = tokens[i]
            if token.kind != "name":
                i += 1
                continue
            if token.text == "new" and self.mongoose and self._schema_after(i):
                node, end = self.reader.value(i)
                self._schema_statement(i, node)
                i = max(end, i + 1)
                continue
            call = self._call_open(i) if token.text in _CALLS else None
            if call is None:
                i += 1
                continue
            member = i > 0 and tokens[i - 1].text in (".", "?.") and tokens[i - 1].kind == "punct"
            name = token.text
            node = Node(Kind.CALL, name, token.line)
            self.reader.arguments(call, node, 1, keywords=False)
            end = self.reader.end_of(call)
            handled = self._dispatch(i, name, member, node)
            # Arguments that were read are skipped; others may hold calls of their own.
            i = end if handled else i + 1

    def _call_open(self, i: int) -> int | None:
        """Index of the `(` of a call to the name at i (type arguments `model<T>(` skipped)."""
        j = i + 1
        if self.reader.at(j, "<"):
            depth = 0
            for k in range(j, min(j + 64, len(self.tokens))):
                if self.tokens[k].is_("<"):
                    depth += 1
                elif self.tokens[k].is_(">"):
                    depth -= 1
                    if depth == 0:
                        j = k + 1
                        break
        return j if self.reader.at(j, "(") else None

    def _dispatch(self, i: int, name: str, member: bool, call: Node) -> bool:
        if self.sequelize and member and name == "define":
            return self._define(call)
        if self.sequelize and member and name == "init":
            return self._init(i, call)
        if self.sequelize and member and name in _ASSOCIATIONS:
            return self._association(i, name, call)
        if self.sequelize and member and name == "sync":
            parts = receiver(self.tokens, self.partner, i)
            if any("sequelize" in p.lower() for p in parts):
                self.sync.append(Mention(call.line, "sequelize.sync()"))
            return False
        if self.mongoose and name == "model":
            return self._model(i, call)
        if self.mongoose and member and name == "index":
            return self._schema_index(i, call)
        if member and name in ("createIndex", "ensureIndex", "createIndexes"):
            return self._create_index(i, name, call)
        return False

    def _owner(self, i: int) -> str:
        """The model a member call is made on: `User.x()`, `models.User.x()`, `this.x()`."""
        parts = receiver(self.tokens, self.partner, i)
        if not parts:
            return ""
        if parts[-1] == "this":
            return self._enclosing_class(i)
        return parts[-1] if not parts[-1].startswith(("(", "[")) else ""

    def _enclosing_class(self, i: int) -> str:
        inner = ""
        for start, end, name in self.classes:
            if start <= i < end:
                inner = name
        return inner

    # -- Sequelize models

    def _define(self, call: Node) -> bool:
        name = call.arg(0)
        attributes = call.arg(1)
        if name is None or name.string() is None or attributes is None:
            return False
        if attributes.kind is not Kind.OBJ:
            return False
        options = call.arg(2)
        self._sequelize_model(name.text, attributes, options, call.line)
        return True

    def _init(self, i: int, call: Node) -> bool:
        attributes = call.arg(0)
        options = call.arg(1)
        if (
            attributes is None
            or attributes.kind is not Kind.OBJ
            or options is None
            or options.kind is not Kind.OBJ
            or "sequelize" not in options.fields
        ):
            return False
        name = _text(options.get("modelName")) or self._owner(i)
        if not name:
            return False
        self._sequelize_model(name, attributes, options, call.line)
        return True

    def _sequelize_model(
        self, name: str, attributes: Node, options: Node | None, line: int
    ) -> None:
        underscored = _flag(options, "underscored")
        table = _text(options.get("tableName")) if options is not None else None
        if not table:
            table = name if _flag(options, "freezeTableName") else plural(name)
        fields, relations, checks = self._sequelize_attributes(attributes, underscored)
        if not any(f.primary_key for f in fields):
            fields.insert(0, Field("id", "id", "integer", line, False, True, default="generated"))
        indexes = []
        holder = options.get("indexes") if options is not None else None
        for item in holder.elements() if holder is not None else []:
            index = _sequelize_index(item, "", self.path)
            if index is not None:
                indexes.append(index)
        if len(self.models) < MAX_MODELS:
            self.models.append(
                ModelDecl(
                    Tool.SEQUELIZE_MODELS,
                    name,
                    self.path,
                    line,
                    table=table,
                    fields=tuple(fields[:MAX_FIELDS]),
                    relations=tuple(relations),
                    indexes=tuple(indexes),
                    checks=tuple(checks),
                )
            )

    def _sequelize_attributes(
        self, attributes: Node, underscored: bool
    ) -> tuple[list[Field], list[Relation], list[Check]]:
        fields: list[Field] = []
        relations: list[Relation] = []
        checks: list[Check] = []
        for key, value in list(attributes.fields.items())[:MAX_FIELDS]:
            column = snake(key) if underscored else key
            spec = value if value.kind is Kind.OBJ else None
            type_node = spec.get("type") if spec is not None else value
            type_text = _sequelize_type(type_node)
            if type_text == "virtual":
                continue
            if spec is None:
                fields.append(Field(key, column, type_text, value.line))
                continue
            column = _text(spec.get("field")) or column
            unique = spec.get("unique")
            unique_flag = unique is not None and (
                unique.boolean() is True or unique.kind in (Kind.STR, Kind.OBJ)
            )
            primary = _flag(spec, "primaryKey")
            default = None
            if _flag(spec, "autoIncrement"):
                default = "generated"
            elif spec.get("defaultValue") is not None:
                default = _render(spec.get("defaultValue"))
            fields.append(
                Field(
                    key,
                    column,
                    type_text,
                    value.line,
                    nullable=spec.get("allowNull") is None
                    or spec.fields["allowNull"].boolean() is not False,
                    primary_key=primary,
                    unique=unique_flag,
                    default=default,
                )
            )
            if spec.get("validate") is not None:
                self._mention(value.line, "Sequelize model validation")
            reference = spec.get("references")
            if reference is not None and reference.kind is Kind.OBJ:
                target = _reference_table(reference)
                if target:
                    relations.append(
                        Relation(
                            RelationKind.BELONGS_TO,
                            key,
                            "",
                            value.line,
                            columns=(key,),
                            references=tuple(s for s in (_text(reference.get("key")),) if s),
                            target_table=target,
                        )
                    )
        return fields, relations, checks

    def _association(self, i: int, name: str, call: Node) -> bool:
        source = self._owner(i)
        target_node = call.arg(0)
        if not source or target_node is None or target_node.kind is not Kind.NAME:
            return False
        options = call.arg(1)
        foreign = options.get("foreignKey") if options is not None else None
        key = _text(foreign) or (_text(foreign.get("name")) if foreign is not None else None)
        through = options.get("through") if options is not None else None
        join = ""
        if through is not None:
            join = _text(through) or (through.last_name() if through.kind is Kind.NAME else "")
            if through.kind is Kind.OBJ:
                join = _text(through.get("model")) or ""
        alias = _text(options.get("as")) if options is not None else None
        kind = _ASSOCIATIONS[name]
        if kind is RelationKind.MANY_TO_MANY and not join:
            return True
        self.relations.append(
            Relation(
                kind,
                alias or "",
                target_node.last_name(),
                call.line,
                columns=(key,) if key else (),
                join_table=join,
                source=source,
                path=self.path,
            )
        )
        return True

    # -- mongoose

    def _schema_after(self, i: int) -> bool:
        name, _ = self.reader.dotted(i + 1) if self.reader.name_at(i + 1) else ("", i)
        return name.rpartition(".")[2] == "Schema"

    def _schema_statement(self, i: int, node: Node) -> None:
        schema = self._schema_of(node)
        if schema is None:
            return
        variable = self.reader.name_at(i - 2) if self.reader.at(i - 1, "=") else None
        if variable is not None:
            self.schemas[variable] = schema

    def _schema_of(self, node: Node) -> _Schema | None:
        if node.kind is not Kind.CALL or not node.new or node.last_name() != "Schema":
            return None
        definition = node.arg(0)
        if definition is None or definition.kind is not Kind.OBJ:
            return None
        options = node.arg(1)
        collection = _text(options.get("collection")) if options is not None else None
        fields = [Field("_id", "_id", "objectid", node.line, False, True, default="generated")]
        fields += self._mongoose_fields(definition, "", 0)
        return _Schema(fields[:MAX_FIELDS], collection or "", node.line)

    def _mongoose_fields(self, definition: Node, prefix: str, depth: int) -> list[Field]:
        fields: list[Field] = []
        for key, value in list(definition.fields.items())[:MAX_FIELDS]:
            if key.startswith("$") or key == "_id":
                continue
            name = prefix + key
            if value.kind is Kind.OBJ and "type" not in value.fields:
                if depth < 2:  # a nested path: address.city
                    fields += self._mongoose_fields(value, name + ".", depth + 1)
                continue
            spec = value if value.kind is Kind.OBJ else None
            type_node = spec.get("type") if spec is not None else value
            type_text = (
                "array"
                if type_node is not None and type_node.kind is Kind.ARR
                else (type_node.last_name().lower() if type_node is not None else "")
            )
            required = unique = indexed = False
            default = None
            if spec is not None:
                required_node = spec.get("required")
                required = required_node is not None and required_node.boolean() is True
                unique_node = spec.get("unique")
                unique = unique_node is not None and unique_node.boolean() is True
                index_node = spec.get("index")
                if index_node is not None and index_node.kind is Kind.OBJ:
                    unique = unique or _flag(index_node, "unique")
                    indexed = True
                else:
                    indexed = index_node is not None and index_node.boolean() is True
                if spec.get("default") is not None:
                    default = _render(spec.get("default"))
                if _SCHEMA_VALIDATORS & set(spec.fields):
                    self._mention(value.line, "mongoose schema validator")
            fields.append(
                Field(
                    name,
                    name,
                    type_text[:40],
                    value.line,
                    nullable=not required,
                    unique=unique,
                    indexed=indexed,
                    default=default,
                )
            )
        return fields

    def _model(self, i: int, call: Node) -> bool:
        name = call.arg(0)
        schema_node = call.arg(1)
        if name is None or name.string() is None or schema_node is None:
            return False
        schema: _Schema | None = None
        if schema_node.kind is Kind.NAME:
            schema = self.schemas.get(schema_node.text)
        else:
            schema = self._schema_of(schema_node)
        if schema is None:
            return True
        explicit = call.arg(2)
        collection = (
            (explicit.string() if explicit is not None else None)
            or schema.collection
            or plural(name.text.lower())
        )
        variable = self._assigned_to(i)
        if variable:
            self.model_collections[variable] = collection
        if len(self.bindings) < MAX_MODELS:
            self.bindings.append((name.text, schema, collection))
        return True

    def _assigned_to(self, i: int) -> str:
        """`const User = mongoose.model(...)`: the variable before the call's receiver."""
        j = i
        while (
            j >= 2 and self.tokens[j - 1].text in (".", "?.") and self.tokens[j - 2].kind == "name"
        ):
            j -= 2
        return (self.reader.name_at(j - 2) or "") if self.reader.at(j - 1, "=") else ""

    def _schema_index(self, i: int, call: Node) -> bool:
        parts = receiver(self.tokens, self.partner, i)
        schema = self.schemas.get(parts[-1]) if len(parts) == 1 else None
        keys = call.arg(0)
        if schema is None or keys is None or keys.kind is not Kind.OBJ:
            return False
        index = _mongo_index(keys, call.arg(1), "", self.path, call.line)
        if index is not None:
            schema.indexes.append(index)
        return True

    def _create_index(self, i: int, name: str, call: Node) -> bool:
        parts = receiver(self.tokens, self.partner, i)
        collection = self._collection(parts)
        if not collection:
            return False
        specs: list[tuple[Node, Node | None]] = []
        if name == "createIndexes":
            holder = call.arg(0)
            for item in holder.elements() if holder is not None else []:
                key = item.get("key") if item.kind is Kind.OBJ else None
                if key is not None:
                    specs.append((key, item))
        elif call.arg(0) is not None:
            specs.append((call.items[0], call.arg(1)))
        for keys, options in specs:
            index = _mongo_index(keys, options, collection, self.path, keys.line or call.line)
            if index is not None:
                self.indexes.append(index)
        return True

    def _collection(self, parts: list[str]) -> str:
        """The collection a createIndex() call is made on, when the code names it."""
        if (
            len(parts) >= 2
            and parts[-1].startswith("(")
            and parts[-2]
            in (
                "collection",
                "getCollection",
            )
        ):
            return parts[-1][1:-1] if parts[-1] != "(?)" else ""
        if len(parts) >= 2 and parts[-1] == "collection" and parts[-2] in self.model_collections:
            return self.model_collections[parts[-2]]
        if len(parts) == 1 and parts[0] in self.model_collections:
            return self.model_collections[parts[0]]
        if len(parts) >= 2 and parts[-2] in _COLLECTION_HOLDERS and parts[-1].isidentifier():
            return parts[-1]
        return ""

    def _mention(self, line: int, what: str) -> None:
        if len(self.mentions) < MAX_MENTIONS:
            self.mentions.append(Mention(line, what))

    def finish_models(self) -> list[ModelDecl]:
        """Sequelize models, then mongoose models (built last: schema.index() calls may come
        after the model() call)."""
        mongoose = [
            ModelDecl(
                Tool.MONGODB,
                name,
                self.path,
                schema.line,
                table=collection,
                fields=tuple(schema.fields),
                indexes=tuple(schema.indexes),
            )
            for name, schema, collection in self.bindings
        ]
        return (self.models + mongoose)[:MAX_MODELS]

    # -- sequelize-cli migrations

    def migration(self) -> Migration | None:
        up = self._function_range("up")
        if up is None:
            return None
        down = self._function_range("down")
        ops = self._query_interface_ops(*up)
        irreversible: list[Irreversible] = []
        if down is None:
            irreversible.append(Irreversible(self.tokens[up[0]].line, "no down() function"))
        elif not any(
            self.tokens[k].kind == "name" and self.reader.at(k + 1, "(")
            for k in range(down[0], down[1])
        ) or self._only_throws(*down):
            irreversible.append(Irreversible(self.tokens[down[0]].line, "down() does nothing"))
        base = posixpath.basename(self.path)
        match = _VERSION.match(base)
        return Migration(
            path=self.path,
            tool=Tool.SEQUELIZE,
            id=base.rpartition(".")[0] or base,
            parents=(),
            operations=tuple(ops[:MAX_OPS]),
            reversible=not irreversible,
            line=self.tokens[up[0]].line,
            irreversible=tuple(irreversible),
            version=(int(match.group(1)),) if match else (),
            truncated=len(ops) > MAX_OPS,
        )

    def _only_throws(self, start: int, end: int) -> bool:
        words = [t.text for t in self.tokens[start:end] if t.kind == "name"]
        return bool(words) and words[0] == "throw"

    def _function_range(self, key: str) -> tuple[int, int] | None:
        """The body of `up`/`down` in `module.exports = {...}` (method, arrow or function)."""
        tokens = self.tokens
        candidates = 0
        for i, token in enumerate(tokens):
            if token.kind != "name" or token.text != key:
                continue
            candidates += 1
            if candidates > _MAX_FUNCTION_CANDIDATES:
                break
            if i >= 2 and tokens[i - 1].is_(".") and tokens[i - 2].text != "exports":
                continue  # x.up(...): a call, not the definition
            for k in range(i + 1, min(i + 200, len(tokens))):
                t = tokens[k]
                if t.is_("(") or t.is_("["):
                    after = self.reader.end_of(k)
                    if self.reader.at(after, "=>") and not self.reader.at(after + 1, "{"):
                        start = after + 1
                        return start, self.reader.skip(start)
                    if self.reader.at(after, "{") and not self.reader.at(k - 1, "=>"):
                        close = self.reader.partner[after]
                        return after + 1, min(close, len(tokens))
                    if self.reader.at(after, "=>") and self.reader.at(after + 1, "{"):
                        close = self.reader.partner[after + 1]
                        return after + 2, min(close, len(tokens))
                    continue
                if t.is_(",") or t.is_(";") or t.is_("}"):
                    break
        return None

    def _query_interface_ops(self, start: int, end: int) -> list[MigrationOp]:
        ops: list[MigrationOp] = []
        i = start
        while i < end and len(ops) <= MAX_OPS:
            token = self.tokens[i]
            if (
                token.kind == "name"
                and token.text in _QUERY_INTERFACE
                and i > 0
                and self.tokens[i - 1].is_(".")
                and self.reader.at(i + 1, "(")
            ):
                call = Node(Kind.CALL, token.text, token.line)
                self.reader.arguments(i + 1, call, 1, keywords=False)
                ops.extend(self._qi_op(i, call))
                i = self.reader.end_of(i + 1)
                continue
            i += 1
        return ops

    def _qi_op(self, i: int, call: Node) -> list[MigrationOp]:
        name = call.text
        line = call.line
        path = self.path
        table = _table_arg(call.arg(0))
        if name == "query":
            parts = receiver(self.tokens, self.partner, i)
            statement = call.arg(0)
            if any("sequelize" in p.lower() for p in parts) and statement is not None:
                text = statement.string()
                if text is not None:
                    return [MigrationOp(OpKind.EXECUTE_SQL, "", path, line, sql=text)]
            return []
        if not table:
            return []
        if name == "createTable":
            attributes = call.arg(1)
            if attributes is None or attributes.kind is not Kind.OBJ:
                return [MigrationOp(OpKind.CREATE_TABLE, table, path, line)]
            columns, indexes, fks = _table_columns(table, attributes, path)
            keys = tuple(c.name for c in columns if c.primary_key)
            return [
                MigrationOp(
                    OpKind.CREATE_TABLE,
                    table,
                    path,
                    line,
                    columns=tuple(columns),
                    primary_key=keys,
                    indexes=tuple(indexes),
                    foreign_keys=tuple(fks),
                )
            ]
        if name == "dropTable":
            return [MigrationOp(OpKind.DROP_TABLE, table, path, line)]
        if name == "renameTable":
            new = _table_arg(call.arg(1))
            return (
                [MigrationOp(OpKind.RENAME_TABLE, table, path, line, new_name=new)] if new else []
            )
        column = (_text(call.arg(1)) or "").lower()
        if name == "addColumn" and column:
            spec = call.arg(2)
            holder = Node(Kind.OBJ, "", line)
            if spec is not None:
                holder.fields[column] = spec
            columns, indexes, fks = _table_columns(table, holder, path, line)
            return [
                MigrationOp(
                    OpKind.ADD_COLUMN,
                    table,
                    path,
                    line,
                    column=column,
                    columns=tuple(columns),
                    indexes=tuple(indexes),
                    foreign_keys=tuple(fks),
                )
            ]
        if name == "removeColumn" and column:
            return [MigrationOp(OpKind.DROP_COLUMN, table, path, line, column=column)]
        if name == "renameColumn" and column:
            new = (_text(call.arg(2)) or "").lower()
            return (
                [MigrationOp(OpKind.RENAME_COLUMN, table, path, line, column=column, new_name=new)]
                if new
                else []
            )
        if name == "changeColumn" and column:
            spec = call.arg(2)
            type_node = spec.get("type") if spec is not None and spec.kind is Kind.OBJ else spec
            nullable = None
            if spec is not None and spec.kind is Kind.OBJ and spec.get("allowNull") is not None:
                nullable = spec.fields["allowNull"].boolean() is not False
            return [
                MigrationOp(
                    OpKind.ALTER_COLUMN,
                    table,
                    path,
                    line,
                    column=column,
                    type=_sequelize_type(type_node) or None,
                    nullable=nullable,
                )
            ]
        if name == "addIndex":
            target = call.arg(1)
            options = call.arg(2)
            if target is not None and target.kind is Kind.OBJ and options is None:
                options = target
            index = _sequelize_index(target, table, path, options, line)
            return (
                [MigrationOp(OpKind.CREATE_INDEX, table, path, line, indexes=(index,))]
                if index
                else []
            )
        if name == "removeIndex":
            index_name = _text(call.arg(1))
            return (
                [MigrationOp(OpKind.DROP_INDEX, table, path, line, name=index_name.lower())]
                if index_name
                else []
            )
        if name == "removeConstraint":
            constraint = _text(call.arg(1))
            return (
                [MigrationOp(OpKind.DROP_CONSTRAINT, table, path, line, name=constraint.lower())]
                if constraint
                else []
            )
        if name == "addConstraint":
            return _constraint(table, call, path, line)
        return []


# ---------------------------------------------------------------------------- helpers


def _class_ranges(tokens: list[Token], partner: list[int]) -> list[tuple[int, int, str]]:
    ranges = []
    for i, token in enumerate(tokens):
        if token.kind == "name" and token.text == "class" and i + 1 < len(tokens):
            name = tokens[i + 1]
            if name.kind != "name":
                continue
            for k in range(i + 2, min(i + 32, len(tokens))):
                if tokens[k].is_("{"):
                    ranges.append((k, partner[k] if partner[k] >= 0 else k, name.text))
                    break
            if len(ranges) >= 500:
                break
    return ranges


def _sequelize_type(node: Node | None) -> str:
    """`DataTypes.STRING(50)` -> "string(50)", `Sequelize.INTEGER` -> "integer"."""
    if node is None:
        return ""
    name = node.last_name().lower()
    if node.kind is Kind.CALL and node.items:
        args = ",".join(i.text for i in node.items[:4] if i.kind in (Kind.NUM, Kind.STR))
        return f"{name}({args})"[:80]
    return name[:80]


def _reference_table(reference: Node) -> str:
    model = reference.get("model")
    if model is None:
        return ""
    if model.kind is Kind.OBJ:
        return (_text(model.get("tableName")) or "").lower()
    return (model.string() or "").lower()


def _table_arg(node: Node | None) -> str:
    if node is None:
        return ""
    if node.kind is Kind.OBJ:  # {tableName: 'users', schema: 'public'}
        return (_text(node.get("tableName")) or "").lower()
    return (node.string() or "").lower()


def _table_columns(
    table: str, attributes: Node, path: str, line: int | None = None
) -> tuple[list[Column], list[Index], list[ForeignKey]]:
    columns: list[Column] = []
    indexes: list[Index] = []
    fks: list[ForeignKey] = []
    for key, value in list(attributes.fields.items())[:MAX_FIELDS]:
        name = key.lower()
        at = line or value.line
        spec = value if value.kind is Kind.OBJ else None
        type_text = _sequelize_type(spec.get("type") if spec is not None else value)
        if spec is None:
            columns.append(Column(name, type_text, True, None, False, path, at))
            continue
        primary = _flag(spec, "primaryKey")
        allow = spec.get("allowNull")
        nullable = (allow is None or allow.boolean() is not False) and not primary
        default = None
        if _flag(spec, "autoIncrement"):
            default = "generated"
        elif spec.get("defaultValue") is not None:
            default = _render(spec.get("defaultValue"))
        columns.append(Column(name, type_text, nullable, default, primary, path, at))
        unique = spec.get("unique")
        if unique is not None and (unique.boolean() is True or unique.kind is Kind.STR):
            indexes.append(
                Index(table, "", (name,), True, origin=IndexOrigin.IMPLIED, file=path, line=at)
            )
        reference = spec.get("references")
        if reference is not None and reference.kind is Kind.OBJ:
            target = _reference_table(reference)
            key_column = (_text(reference.get("key")) or "").lower()
            if target:
                fks.append(
                    ForeignKey(
                        table,
                        (name,),
                        target,
                        (key_column,) if key_column else (),
                        file=path,
                        line=at,
                    )
                )
    return columns, indexes, fks


def _sequelize_index(
    target: Node | None,
    table: str,
    path: str,
    options: Node | None = None,
    line: int | None = None,
) -> Index | None:
    """An index from `{fields: [...], unique, name}` or (`[...]`, options)."""
    if target is None:
        return None
    spec = target if target.kind is Kind.OBJ else options
    holder = target.get("fields") if target.kind is Kind.OBJ else target
    columns: list[str] = []
    for item in holder.elements() if holder is not None else []:
        if item.kind is Kind.STR:
            columns.append(item.text.lower())
        elif item.kind is Kind.OBJ:
            named = _text(item.get("name")) or _text(item.get("attribute"))
            if named:
                columns.append(named.lower())
    if not columns:
        return None
    unique = _flag(spec, "unique")
    concurrently = _flag(spec, "concurrently")
    name = (_text(spec.get("name")) or "") if spec is not None and spec.kind is Kind.OBJ else ""
    return Index(
        table,
        name.lower(),
        tuple(columns),
        unique,
        concurrently,
        file=path,
        line=line or target.line,
    )


def _constraint(table: str, call: Node, path: str, line: int) -> list[MigrationOp]:
    """`addConstraint(table, {fields, type, name, references})` (and the v4 form)."""
    spec = call.arg(1)
    fields_node: Node | None = None
    if spec is not None and spec.kind is Kind.ARR:
        fields_node, spec = spec, call.arg(2)
    if spec is None or spec.kind is not Kind.OBJ:
        return []
    fields_node = fields_node or spec.get("fields")
    columns = tuple(c.lower() for c in (fields_node.strings() if fields_node else ()))
    kind = (_text(spec.get("type")) or "").lower()
    name = (_text(spec.get("name")) or "").lower()
    if kind == "unique" and columns:
        index = Index(
            table, name, columns, True, origin=IndexOrigin.UNIQUE_CONSTRAINT, file=path, line=line
        )
        return [MigrationOp(OpKind.CREATE_INDEX, table, path, line, indexes=(index,))]
    if kind == "foreign key" and columns:
        reference = spec.get("references")
        target = ""
        key: tuple[str, ...] = ()
        if reference is not None and reference.kind is Kind.OBJ:
            target = (_text(reference.get("table")) or _reference_table(reference)).lower()
            key = tuple(
                c.lower() for c in (reference.get("field") or Node(Kind.OTHER, "", 0)).strings()
            )
        if target:
            fk = ForeignKey(table, columns, target, key, name, file=path, line=line)
            return [MigrationOp(OpKind.ADD_FOREIGN_KEY, table, path, line, foreign_keys=(fk,))]
    if kind == "check":
        check = Check(table, "check", name, path, line)
        return [MigrationOp(OpKind.ADD_CHECK, table, path, line, checks=(check,))]
    if kind == "primary key" and columns:
        return [MigrationOp(OpKind.ADD_PRIMARY_KEY, table, path, line, primary_key=columns)]
    return []


def _mongo_index(
    keys: Node, options: Node | None, collection: str, path: str, line: int
) -> Index | None:
    if keys.kind is not Kind.OBJ or not keys.fields:
        return None
    columns = tuple(keys.fields)[:32]
    return Index(
        collection,
        (_text(options.get("name")) or "")
        if options is not None and options.kind is Kind.OBJ
        else "",
        columns,
        _flag(options, "unique"),
        file=path,
        line=line,
    )


EXTRACTOR = FunctionExtractor(
    "migrations.javascript", frozenset({"javascript", "typescript"}), extract
)
