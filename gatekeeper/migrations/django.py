"""Django: migration files (`class Migration` with its dependencies and operations) and, as a
schema source of last resort, the model classes of models.py.

Tables follow Django's naming (`<app label>_<model name>`); the app label is the directory that
holds migrations/ or models.py (an AppConfig.label that renames it is not read).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.migrations import pyast
from gatekeeper.migrations.model import (
    MAX_OPS,
    MAX_SQL_CHARS,
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

MAX_FIELDS = 1000  # fields read per model

# Field keyword arguments that change the column type (the rest are validation or display).
_TYPE_KEYWORDS = ("max_length", "max_digits", "decimal_places")
_AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
_INDEXED_BY_DEFAULT = frozenset({"SlugField"})
_MODEL_BASES = frozenset(
    {"Model", "AbstractUser", "AbstractBaseUser", "PermissionsMixin", "TimeStampedModel"}
)
# Field classes gatekeeper knows are not columns.
_NOT_COLUMNS = frozenset({"GenericForeignKey", "GenericRelation"})


# ---------------------------------------------------------------------------- migrations


def extract_migration(pf: ParsedFile) -> Migration | None:
    """A Django migration file's graph node and operations; None for any other file."""
    parts = pf.path.split("/")
    if pf.tree is None or len(parts) < 2 or parts[-2] != "migrations":
        return None
    if "Migration" not in pf.text or "operations" not in pf.text:
        return None
    cls = next(
        (
            node
            for node in pf.tree.body
            if isinstance(node, ast.ClassDef)
            and node.name == "Migration"
            and any((pyast.dotted(b) or "").endswith("Migration") for b in node.bases)
        ),
        None,
    )
    if cls is None:
        return None
    app = parts[-3] if len(parts) >= 3 else "app"
    name = parts[-1].removesuffix(".py")
    body = _class_assignments(cls)
    problems: list[str] = []
    parents: list[str] = []
    deps = body.get("dependencies")
    if deps is not None:
        if isinstance(deps, ast.List | ast.Tuple):
            for element in deps.elts:
                dep = _dependency(element, app)
                if dep is not None:
                    parents.append(dep)
        else:
            problems.append(f"line {deps.lineno}: `dependencies` is not a list")
    replaces = tuple(
        dep
        for element in getattr(body.get("replaces"), "elts", ())
        if (dep := _dependency(element, app)) is not None
    )
    reader = _OpReader(pf.path, app)
    operations = body.get("operations")
    if operations is None:
        problems.append(f"line {cls.lineno}: the Migration class has no `operations` list")
    elif not isinstance(operations, ast.List | ast.Tuple):
        problems.append(f"line {operations.lineno}: `operations` is not a list")
    else:
        reader.read(operations.elts)
    return Migration(
        path=pf.path,
        tool=Tool.DJANGO,
        id=f"{app}.{name}",
        parents=tuple(sorted(set(parents))),
        operations=tuple(reader.ops),
        reversible=not reader.irreversible,
        line=cls.lineno,
        irreversible=tuple(reader.irreversible),
        app=app,
        replaces=replaces,
        problems=tuple(problems),
        truncated=reader.truncated,
    )


def _class_assignments(cls: ast.ClassDef) -> dict[str, ast.expr]:
    found: dict[str, ast.expr] = {}
    for node in cls.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            found[node.target.id] = node.value
    return found


def _dependency(node: ast.AST, app: str) -> str | None:
    """("blog", "0001_initial") -> "blog.0001_initial"; swappable settings are external."""
    names = pyast.strings(node)
    if names is not None and len(names) == 2:
        return f"{names[0]}.{names[1]}"
    return None


@dataclass(slots=True)
class _OpReader:
    path: str
    app: str
    ops: list[MigrationOp] = field(default_factory=list)
    irreversible: list[Irreversible] = field(default_factory=list)
    truncated: bool = False

    def read(self, elements: list[ast.expr]) -> None:
        pending = list(reversed(elements))  # an explicit stack: SeparateDatabaseAndState nests
        while pending:
            node = pending.pop()
            if not isinstance(node, ast.Call):
                continue
            name = pyast.callee(node)
            if name == "SeparateDatabaseAndState":
                inner = pyast.argument(node, None, "database_operations")
                if isinstance(inner, ast.List | ast.Tuple):
                    pending.extend(reversed(inner.elts))
                continue
            if len(self.ops) >= MAX_OPS:
                self.truncated = True
                return
            self.ops.extend(self._operation(name, node))

    def _model(self, call: ast.Call, keyword: str = "model_name") -> tuple[str, str] | None:
        """(model key "app.model", its default table) for the operation's model argument."""
        name = pyast.string(pyast.argument(call, 0, keyword))
        if name is None:
            return None
        return model_key(self.app, name), default_table(self.app, name)

    def _op(self, kind: OpKind, table: str, line: int, **kw: object) -> MigrationOp:
        return MigrationOp(kind, table, self.path, line, **kw)  # type: ignore[arg-type]

    def _operation(self, name: str, call: ast.Call) -> list[MigrationOp]:
        line = call.lineno
        if name == "CreateModel":
            model = self._model(call, "name")
            if model is None:
                return []
            options = _dict_items(pyast.argument(call, 2, "options"))
            fields = _field_tuples(pyast.argument(call, 1, "fields"))
            return model_ops(self.app, model[0], model[1], fields, options, self.path, line)
        if name in ("RunPython", "RunSQL"):
            return self._run(name, call)
        if name == "DeleteModel":
            model = self._model(call, "name")
            if model is None:
                return []
            return [self._op(OpKind.DROP_TABLE, model[1], line, model=model[0])]
        if name == "RenameModel":
            old = self._model(call, "old_name")
            new = pyast.string(pyast.argument(call, 1, "new_name"))
            if old is None or new is None:
                return []
            new_table = default_table(self.app, new)
            return [self._op(OpKind.RENAME_TABLE, old[1], line, new_name=new_table, model=old[0])]
        if name == "AlterModelTable":
            model = self._model(call, "name")
            if model is None:
                return []
            table = pyast.string(pyast.argument(call, 1, "table"))
            new_table = table.lower() if table else model[1]
            return [
                self._op(OpKind.RENAME_TABLE, model[1], line, new_name=new_table, model=model[0])
            ]
        model = self._model(call)
        if model is None:
            return []
        key, table = model
        if name in ("AddField", "AlterField"):
            field_name = pyast.string(pyast.argument(call, 1, "name"))
            field_call = pyast.argument(call, 2, "field")
            if field_name is None or not isinstance(field_call, ast.Call):
                return []
            parsed = parse_field(self.app, key, table, field_name, field_call, self.path)
            if parsed is None:
                return []
            if parsed.join_table is not None:
                return [parsed.join_table] if name == "AddField" else []
            column = parsed.column
            if name == "AddField":
                return [
                    self._op(
                        OpKind.ADD_COLUMN,
                        table,
                        line,
                        column=column.name,
                        columns=(column,),
                        foreign_keys=parsed.foreign_keys,
                        indexes=parsed.indexes,
                        model=key,
                    )
                ]
            return [
                self._op(
                    OpKind.ALTER_COLUMN,
                    table,
                    line,
                    column=column.name,
                    type=column.type,
                    nullable=column.nullable,
                    model=key,
                )
            ]
        if name == "RemoveField":
            field_name = pyast.string(pyast.argument(call, 1, "name"))
            if field_name is None:
                return []
            return [self._op(OpKind.DROP_COLUMN, table, line, column=field_name.lower(), model=key)]
        if name == "RenameField":
            old_field = pyast.string(pyast.argument(call, 1, "old_name"))
            new_field = pyast.string(pyast.argument(call, 2, "new_name"))
            if old_field is None or new_field is None:
                return []
            return [
                self._op(
                    OpKind.RENAME_COLUMN,
                    table,
                    line,
                    column=old_field.lower(),
                    new_name=new_field.lower(),
                    model=key,
                )
            ]
        if name in ("AddIndex", "AddIndexConcurrently"):
            index = _index(table, pyast.argument(call, 1, "index"), self.path)
            if index is None:
                return []
            if name == "AddIndexConcurrently":
                index = _replace_index(index, concurrently=True)
            return [self._op(OpKind.CREATE_INDEX, table, line, indexes=(index,), model=key)]
        if name in ("RemoveIndex", "RemoveIndexConcurrently", "RemoveConstraint"):
            removed = pyast.string(pyast.argument(call, 1, "name"))
            kind = OpKind.DROP_CONSTRAINT if name == "RemoveConstraint" else OpKind.DROP_INDEX
            return [self._op(kind, table, line, name=removed, model=key)]
        if name == "AddConstraint":
            return self._constraint(key, table, pyast.argument(call, 1, "constraint"), line)
        if name in ("AlterUniqueTogether", "AlterIndexTogether"):
            model = self._model(call, "name")
            if model is None:
                return []
            keyword = "unique_together" if name == "AlterUniqueTogether" else "index_together"
            groups = pyast.argument(call, 1, keyword)
            indexes = _together(model[1], keyword, groups, self.path, line)
            return [
                self._op(OpKind.DROP_INDEX, model[1], line, name=keyword, model=model[0]),
                self._op(OpKind.CREATE_INDEX, model[1], line, indexes=indexes, model=model[0]),
            ]
        return []

    def _constraint(
        self, key: str, table: str, node: ast.expr | None, line: int
    ) -> list[MigrationOp]:
        built = constraint(table, node, self.path)
        if isinstance(built, Index):
            return [self._op(OpKind.CREATE_INDEX, table, line, indexes=(built,), model=key)]
        if isinstance(built, Check):
            return [self._op(OpKind.ADD_CHECK, table, line, checks=(built,), model=key)]
        return []

    def _run(self, name: str, call: ast.Call) -> list[MigrationOp]:
        line = call.lineno
        reverse_keyword = "reverse_code" if name == "RunPython" else "reverse_sql"
        reverse = pyast.argument(call, 1, reverse_keyword)
        if reverse is None or (isinstance(reverse, ast.Constant) and reverse.value is None):
            what = (
                "RunPython without reverse_code"
                if name == "RunPython"
                else ("RunSQL without reverse_sql")
            )
            self.irreversible.append(Irreversible(line, what))
        if name == "RunPython":
            return [self._op(OpKind.RUN_CODE, "", line)]
        sql_node = pyast.argument(call, 0, "sql")
        ops = []
        for text in _sql_texts(sql_node):
            sql = text if len(text) <= MAX_SQL_CHARS else None
            ops.append(self._op(OpKind.EXECUTE_SQL, "", line, sql=sql))
        return ops


def _sql_texts(node: ast.expr | None) -> list[str]:
    """RunSQL's sql: a string, or a list of strings and (sql, params) pairs."""
    single = pyast.string(node)
    if single is not None:
        return [single]
    if not isinstance(node, ast.List | ast.Tuple):
        return []
    texts = []
    for element in node.elts:
        if isinstance(element, ast.Tuple) and element.elts:
            element = element.elts[0]
        text = pyast.string(element)
        if text is not None:
            texts.append(text)
    return texts


# ---------------------------------------------------------------------------- models and fields


def model_key(app: str, model: str) -> str:
    return f"{app.lower()}.{model.lower()}"


def default_table(app: str, model: str) -> str:
    return f"{app.lower()}_{model.lower()}"


def _target(app: str, key: str, table: str, node: ast.AST | None) -> tuple[str, str]:
    """(table, model) a relation points to: "app.Model", "Model", "self", AUTH_USER_MODEL."""
    text = pyast.string(node)
    if text is None:
        name = pyast.dotted(node) if node is not None else None
        if name is not None and name.endswith("AUTH_USER_MODEL"):
            return "auth_user", "user"
        if name is None:
            return "", ""
        text = name.rpartition(".")[2]
    if text == "self":
        return table, key.partition(".")[2]
    target_app, _, target_model = text.rpartition(".")
    return default_table(target_app or app, target_model), target_model.lower()


@dataclass(frozen=True, slots=True)
class ParsedField:
    column: Column
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[Index, ...] = ()
    join_table: MigrationOp | None = None  # a ManyToManyField's table instead of a column


def parse_field(
    app: str, key: str, table: str, name: str, call: ast.Call, path: str
) -> ParsedField | None:
    """One model field as the column Django creates for it (None when it has no column)."""
    kind = pyast.callee(call)
    if not kind or kind in _NOT_COLUMNS:
        return None
    line = call.lineno
    if kind.endswith("ManyToManyField"):
        if pyast.argument(call, None, "through") is not None:
            return None  # the through model is a model of its own
        target, target_model = _target(app, key, table, pyast.argument(call, 0, "to"))
        source_model = key.partition(".")[2]
        return _join_table(table, name, (source_model, target, target_model), path, line)
    relation = kind.endswith(("ForeignKey", "OneToOneField"))
    db_column = pyast.string(pyast.argument(call, None, "db_column"))
    column_name = (db_column or (f"{name}_id" if relation else name)).lower()
    primary_key = pyast.boolean(pyast.argument(call, None, "primary_key")) is True
    nullable = pyast.boolean(pyast.argument(call, None, "null")) is True
    default_node = pyast.argument(call, None, "db_default") or pyast.argument(call, None, "default")
    default = pyast.render(default_node) if default_node is not None else None
    if kind in _AUTO_FIELDS:
        default = "generated"
    target = _target(app, key, table, pyast.argument(call, 0, "to"))[0] if relation else ""
    if relation:
        type_text = f"{kind.lower()}({target})"
    else:
        params = [
            f"{kw}={pyast.render(value)}"
            for kw in _TYPE_KEYWORDS
            if (value := pyast.argument(call, None, kw)) is not None
        ]
        type_text = f"{kind.lower()}({', '.join(params)})" if params else kind.lower()
    column = Column(column_name, type_text, nullable, default, primary_key, path, line)
    indexes: list[Index] = []
    unique = pyast.boolean(pyast.argument(call, None, "unique")) is True or (
        kind.endswith("OneToOneField")
    )
    db_index = pyast.boolean(pyast.argument(call, None, "db_index"))
    if unique and not primary_key:
        indexes.append(
            Index(table, "", (column_name,), True, origin=IndexOrigin.IMPLIED, file=path, line=line)
        )
    elif not primary_key and (
        db_index is True or (db_index is None and (relation or kind in _INDEXED_BY_DEFAULT))
    ):
        indexes.append(
            Index(table, "", (column_name,), origin=IndexOrigin.IMPLIED, file=path, line=line)
        )
    fks: tuple[ForeignKey, ...] = ()
    if relation:
        constraint = pyast.boolean(pyast.argument(call, None, "db_constraint"))
        if constraint is not False:
            fks = (ForeignKey(table, (column_name,), target, (), file=path, line=line),)
    return ParsedField(column, fks, tuple(indexes))


def _join_table(
    table: str, name: str, target_of: tuple[str, str, str], path: str, line: int
) -> ParsedField:
    """The table Django creates for a ManyToManyField without `through`."""
    source_model, target, target_model = target_of
    join = f"{table}_{name.lower()}"
    if source_model == target_model:
        left, right = f"from_{source_model}_id", f"to_{target_model}_id"
    else:
        left, right = f"{source_model}_id", f"{target_model}_id"
    columns = (
        Column("id", "autofield", False, "generated", True, path, line),
        Column(left, f"foreignkey({table})", False, None, False, path, line),
        Column(right, f"foreignkey({target})", False, None, False, path, line),
    )
    implied = IndexOrigin.IMPLIED
    op = MigrationOp(
        OpKind.CREATE_TABLE,
        join,
        path,
        line,
        columns=columns,
        primary_key=("id",),
        indexes=(
            Index(join, "", (left,), origin=implied, file=path, line=line),
            Index(join, "", (left, right), True, origin=implied, file=path, line=line),
            Index(join, "", (right,), origin=implied, file=path, line=line),
        ),
        foreign_keys=(
            ForeignKey(join, (left,), table, ("id",), file=path, line=line),
            ForeignKey(join, (right,), target, ("id",), file=path, line=line),
        ),
    )
    placeholder = Column(name.lower(), "manytomanyfield", True, None, False, path, line)
    return ParsedField(placeholder, join_table=op)


def model_ops(
    app: str,
    key: str,
    table: str,
    fields: list[tuple[str, ast.Call, int]],
    options: dict[str, ast.expr],
    path: str,
    line: int,
) -> list[MigrationOp]:
    """The tables a model creates: its own (unless proxy or unmanaged) and its M2M tables."""
    if (
        pyast.boolean(options.get("proxy")) is True
        or pyast.boolean(options.get("managed")) is False
    ):
        return []
    db_table = pyast.string(options.get("db_table"))
    if db_table:
        table = db_table.lower()
    columns: list[Column] = []
    indexes: list[Index] = []
    fks: list[ForeignKey] = []
    checks: list[Check] = []
    extra: list[MigrationOp] = []
    for name, call, _ in fields[:MAX_FIELDS]:
        parsed = parse_field(app, key, table, name, call, path)
        if parsed is None:
            continue
        if parsed.join_table is not None:
            extra.append(parsed.join_table)
            continue
        columns.append(parsed.column)
        indexes.extend(parsed.indexes)
        fks.extend(parsed.foreign_keys)
    by_field = {name.lower(): column for name, column in _field_columns(fields, columns)}
    for keyword in ("unique_together", "index_together"):
        for index in _together(table, keyword, options.get(keyword), path, line):
            indexes.append(_resolve(index, by_field))
    for node in getattr(options.get("indexes"), "elts", ()):
        declared = _index(table, node, path)
        if declared is not None:
            indexes.append(_resolve(declared, by_field))
    for node in getattr(options.get("constraints"), "elts", ()):
        built = constraint(table, node, path)
        if isinstance(built, Index):
            indexes.append(_resolve(built, by_field))
        elif isinstance(built, Check):
            checks.append(built)
    primary_key = tuple(c.name for c in columns if c.primary_key)
    create = MigrationOp(
        OpKind.CREATE_TABLE,
        table,
        path,
        line,
        columns=tuple(columns),
        primary_key=primary_key,
        indexes=tuple(sorted(indexes)),
        foreign_keys=tuple(sorted(fks)),
        checks=tuple(sorted(checks)),
        model=key,
    )
    return [create, *extra]


def _field_columns(
    fields: list[tuple[str, ast.Call, int]], columns: list[Column]
) -> list[tuple[str, Column]]:
    by_line_name = {(c.line, c.name): c for c in columns}
    pairs = []
    for name, call, _ in fields:
        for candidate in (name.lower(), f"{name.lower()}_id"):
            column = by_line_name.get((call.lineno, candidate))
            if column is not None:
                pairs.append((name, column))
                break
    return pairs


def _resolve(index: Index, by_field: dict[str, Column]) -> Index:
    """Index fields named by field ("author") mean the column ("author_id")."""
    columns = tuple(by_field[c].name if c in by_field else c for c in index.columns)
    return _replace_index(index, columns=columns)


def _replace_index(index: Index, **changes: object) -> Index:
    values = {
        "table": index.table,
        "name": index.name,
        "columns": index.columns,
        "unique": index.unique,
        "concurrently": index.concurrently,
        "origin": index.origin,
        "file": index.file,
        "line": index.line,
    }
    values.update(changes)
    return Index(**values)  # type: ignore[arg-type]


def _field_tuples(node: ast.expr | None) -> list[tuple[str, ast.Call, int]]:
    """CreateModel's fields=[("name", models.CharField(...)), ...]."""
    found = []
    for element in getattr(node, "elts", ())[:MAX_FIELDS]:
        if isinstance(element, ast.Tuple) and len(element.elts) == 2:
            name = pyast.string(element.elts[0])
            call = element.elts[1]
            if name is not None and isinstance(call, ast.Call):
                found.append((name, call, element.lineno))
    return found


def _dict_items(node: ast.expr | None) -> dict[str, ast.expr]:
    if not isinstance(node, ast.Dict):
        return {}
    items: dict[str, ast.expr] = {}
    for k, v in zip(node.keys, node.values, strict=True):
        name = pyast.string(k)
        if name is not None:
            items[name] = v
    return items


def _index(table: str, node: ast.AST | None, path: str) -> Index | None:
    """models.Index(fields=[...], name=...) or an expression index Index(Lower("x"), name=)."""
    if not isinstance(node, ast.Call):
        return None
    fields = pyast.strings(pyast.argument(node, None, "fields"))
    columns: tuple[str, ...]
    if fields:
        columns = tuple(f.lstrip("-").lower() for f in fields)
    else:
        columns = tuple(pyast.render(a).lower() for a in node.args)
    if not columns:
        return None
    name = pyast.string(pyast.argument(node, None, "name")) or ""
    return Index(table, name, columns, file=path, line=node.lineno)


def constraint(table: str, node: ast.AST | None, path: str) -> Index | Check | None:
    """models.UniqueConstraint as a unique index, models.CheckConstraint as a check."""
    if not isinstance(node, ast.Call):
        return None
    kind = pyast.callee(node)
    name = pyast.string(pyast.argument(node, None, "name")) or ""
    if kind == "UniqueConstraint":
        fields = pyast.strings(pyast.argument(node, None, "fields"))
        columns = (
            tuple(f.lower() for f in fields)
            if fields
            else tuple(pyast.render(a).lower() for a in node.args)
        )
        if not columns:
            return None
        origin = IndexOrigin.UNIQUE_CONSTRAINT
        return Index(table, name, columns, True, origin=origin, file=path, line=node.lineno)
    if kind == "CheckConstraint":
        condition = pyast.argument(node, None, "condition") or pyast.argument(node, None, "check")
        return Check(table, pyast.render(condition), name, path, node.lineno)
    return None


def _together(
    table: str, keyword: str, node: ast.expr | None, path: str, line: int
) -> tuple[Index, ...]:
    """unique_together / index_together: {("a", "b")}, (("a", "b"),) or ("a", "b")."""
    if node is None:
        return ()
    flat = pyast.strings(node)
    groups: list[tuple[str, ...]] = []
    if flat:
        groups.append(flat)
    else:
        for element in getattr(node, "elts", ()):
            names = pyast.strings(element)
            if names:
                groups.append(names)
    unique = keyword == "unique_together"
    origin = IndexOrigin.UNIQUE_CONSTRAINT if unique else IndexOrigin.INDEX
    return tuple(
        sorted(
            Index(table, keyword, tuple(n.lower() for n in g), unique, False, origin, path, line)
            for g in groups
        )
    )


# ---------------------------------------------------------------------------- models.py


def extract_models(pf: ParsedFile) -> Migration | None:
    """Model classes of a Django models module, as CreateModel-like operations."""
    parts = pf.path.split("/")
    in_package = len(parts) >= 2 and parts[-2] == "models"
    if pf.tree is None or not (parts[-1] == "models.py" or in_package):
        return None
    if "models." not in pf.text or "django" not in pf.text or "migrations" in parts[:-1]:
        return None
    if in_package:
        app = parts[-3] if len(parts) >= 3 else "app"
    else:
        app = parts[-2] if len(parts) >= 2 else "app"
    classes = [node for node in pf.tree.body if isinstance(node, ast.ClassDef)]
    known: dict[str, _ModelClass] = {}
    ops: list[MigrationOp] = []
    for cls in classes:
        model = _model_class(cls, known)
        if model is None:
            continue
        known[cls.name] = model
        if model.abstract:
            continue
        if not any(
            pyast.boolean(pyast.argument(c, None, "primary_key")) for _, c, _ in model.fields
        ):
            auto = ast.Call(
                func=ast.Name("BigAutoField"),
                args=[],
                keywords=[ast.keyword("primary_key", ast.Constant(True))],
                lineno=cls.lineno,
                col_offset=0,
            )
            model.fields.insert(0, ("id", auto, cls.lineno))
        key = model_key(app, cls.name)
        ops.extend(
            model_ops(
                app,
                key,
                default_table(app, cls.name),
                model.fields,
                model.meta,
                pf.path,
                cls.lineno,
            )
        )
        if len(ops) >= MAX_OPS:
            break
    if not ops:
        return None
    return Migration(
        path=pf.path,
        tool=Tool.DJANGO_MODELS,
        id=pf.path,
        parents=(),
        operations=tuple(ops[:MAX_OPS]),
        reversible=None,
        app=app,
        truncated=len(ops) > MAX_OPS,
    )


@dataclass(slots=True)
class _ModelClass:
    fields: list[tuple[str, ast.Call, int]]
    meta: dict[str, ast.expr]
    abstract: bool


def _model_class(cls: ast.ClassDef, known: dict[str, _ModelClass]) -> _ModelClass | None:
    fields: list[tuple[str, ast.Call, int]] = []
    meta: dict[str, ast.expr] = {}
    inherited: list[tuple[str, ast.Call, int]] = []
    is_model = False
    for base in cls.bases:
        name = (pyast.dotted(base) or "").rpartition(".")[2]
        parent = known.get(name)
        if parent is not None and parent.abstract:
            inherited.extend(parent.fields)
            is_model = True
        elif parent is not None or name in _MODEL_BASES:
            is_model = True
    for node in cls.body:
        if isinstance(node, ast.ClassDef) and node.name == "Meta":
            meta = _class_assignments(node)
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and _is_field(node.value)
        ):
            fields.append((node.targets[0].id, node.value, node.lineno))
    if not is_model and not fields:
        return None
    own = {name for name, _, _ in fields}
    merged = [f for f in inherited if f[0] not in own] + fields
    abstract = pyast.boolean(meta.get("abstract")) is True
    return _ModelClass(merged[:MAX_FIELDS], meta, abstract)


def _is_field(call: ast.Call) -> bool:
    name = pyast.callee(call)
    # Plain `Field(...)` is pydantic's or SQLModel's; Django's field classes all have a prefix.
    return name != "Field" and name.endswith(("Field", "ForeignKey")) and name not in _NOT_COLUMNS


MIGRATIONS = FunctionExtractor("migrations.django", frozenset({"python"}), extract_migration)
MODELS = FunctionExtractor("migrations.django_models", frozenset({"python"}), extract_models)
