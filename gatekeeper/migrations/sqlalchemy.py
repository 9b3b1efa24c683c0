"""SQLAlchemy and SQLModel models read as a schema source, from the shared Python syntax tree.

Declarative classes (`__tablename__`, Flask-SQLAlchemy's `db.Model` with its snake_case default
name, SQLModel's `table=True` with the lower-cased class name), their columns (`Column(...)`,
2.0-style `Mapped[...]` annotations with or without `mapped_column(...)`, SQLModel fields and
`Field(...)`), keys (`primary_key=`, `ForeignKey("table.column")`, SQLModel `foreign_key=`),
`unique=`/`index=`/`nullable=` and server defaults, `__table_args__` (Index, UniqueConstraint,
CheckConstraint), module-level `Index("name", Model.column)` and classic `Table("name",
metadata, Column(...))`. Mixins and abstract bases with columns pass them to their subclasses.

Nothing is imported: the declarations are read as written, so a column built by a helper
function is not seen (the model is still read; its other columns count). Used, like the other
model sources, when the service has no migration history.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.migrations import pyast
from gatekeeper.migrations.model import Check, Index, IndexOrigin, Tool
from gatekeeper.migrations.ormmodels import (
    MAX_FIELDS,
    MAX_MODELS,
    CodeSchema,
    Field,
    ModelDecl,
    Relation,
    RelationKind,
    snake,
)

_COLUMN_CALLS = frozenset({"Column", "mapped_column"})
_FIELD_CALLS = frozenset({"Field"})  # SQLModel
_NOT_COLUMNS = frozenset(
    {
        "relationship",
        "Relationship",
        "backref",
        "column_property",
        "synonym",
        "association_proxy",
        "hybrid_property",
        "query_expression",
        "deferred",
    }
)
# A file is read when it names one of the libraries (Flask-SQLAlchemy models often import only
# the app's `db`) and declares something that can be a table.
_LIBRARIES = ("sqlalchemy", "sqlmodel", "db.Model", "db.Column")
_MARKERS = ("__tablename__", "table=True", "Column(", "mapped_column(", "Mapped[", "Table(")
_CLASS_VARS = frozenset({"__tablename__", "__table_args__", "__abstract__", "__mapper_args__"})


def extract(pf: ParsedFile) -> CodeSchema | None:
    if pf.tree is None or not any(library in pf.text for library in _LIBRARIES):
        return None
    if not any(marker in pf.text for marker in _MARKERS):
        return None
    models: list[ModelDecl] = []
    indexes: list[tuple[str, Index]] = []  # module-level Index("ix", Model.column): (model, index)
    truncated = False
    for node in _top_level(pf.tree):
        if len(models) >= MAX_MODELS:
            truncated = True
            break
        if isinstance(node, ast.ClassDef):
            decl = _model(pf.path, node)
            if decl is not None:
                models.append(decl)
        elif isinstance(node, ast.Assign | ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if pyast.callee(call) == "Table":
                decl = _table(pf.path, call)
                if decl is not None:
                    models.append(decl)
            elif pyast.callee(call) == "Index":
                found = _module_index(pf.path, call)
                if found is not None:
                    indexes.append(found)
    if indexes:
        models = _attach_indexes(models, indexes)
    if not models:
        return None
    return CodeSchema(pf.path, models=tuple(models), truncated=truncated)


def _top_level(tree: ast.Module) -> Iterable[ast.stmt]:
    """Module-level statements, and those inside top-level `if`/`try` blocks (guarded imports,
    TYPE_CHECKING) one level down."""
    for node in tree.body:
        yield node
        if isinstance(node, ast.If | ast.Try):
            yield from node.body


# ---------------------------------------------------------------------------- classes


def _model(path: str, cls: ast.ClassDef) -> ModelDecl | None:
    bases = tuple(b for b in (pyast.dotted(base) for base in cls.bases) if b)
    sqlmodel_table = any(
        kw.arg == "table" and pyast.boolean(kw.value) is True for kw in cls.keywords
    )
    sqlmodel = sqlmodel_table or any(b.rpartition(".")[2] == "SQLModel" for b in bases)
    tablename: str | None = None
    abstract = False
    fields: list[Field] = []
    relations: list[Relation] = []
    indexes: list[Index] = []
    checks: list[Check] = []
    for statement in cls.body:
        target, annotation, value = _assignment(statement)
        if target is None:
            continue
        if target == "__tablename__":
            tablename = pyast.string(value)
            continue
        if target == "__abstract__":
            abstract = pyast.boolean(value) is True
            continue
        if target == "__table_args__":
            _table_args(path, value, indexes, checks)
            continue
        if target in _CLASS_VARS or target.startswith("__") or len(fields) >= MAX_FIELDS:
            continue
        found = _field(target, annotation, value, sqlmodel=sqlmodel, line=statement.lineno)
        if found is None:
            continue
        field, foreign = found
        fields.append(field)
        if foreign is not None:
            relations.append(_foreign_key(field, foreign))
    flask_model = any(b.rpartition(".")[2] == "Model" and "." in b for b in bases)
    is_table = (
        tablename is not None or sqlmodel_table or (flask_model and bool(fields) and not abstract)
    )
    if not is_table and not fields:
        return None
    # Columns in a class that is no table (a mixin, an abstract base, a SQLModel base class):
    # not a table of its own; its subclasses inherit them.
    if tablename is None and is_table:
        tablename = cls.name.lower() if sqlmodel_table else snake(cls.name)
    return ModelDecl(
        Tool.SQLALCHEMY_MODELS,
        cls.name,
        path,
        cls.lineno,
        table=tablename or "",
        fields=tuple(fields),
        relations=tuple(relations),
        indexes=tuple(indexes),
        checks=tuple(checks),
        bases=tuple(b.rpartition(".")[2] for b in bases),
        abstract=abstract or not is_table,
    )


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, None, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.annotation, statement.value
    return None, None, None


def _field(
    name: str,
    annotation: ast.expr | None,
    value: ast.expr | None,
    *,
    sqlmodel: bool,
    line: int,
) -> tuple[Field, str | None] | None:
    """The column an attribute declares, and the `table.column` its foreign key names."""
    call = value if isinstance(value, ast.Call) else None
    called = pyast.callee(call) if call is not None else ""
    if called in _NOT_COLUMNS:
        return None
    inner, optional, mapped = _annotation(annotation)
    if called in _COLUMN_CALLS and call is not None:
        return _column_call(name, call, inner, optional if mapped else None, line)
    if sqlmodel and called in _FIELD_CALLS and call is not None:
        column = pyast.argument(call, None, "sa_column")
        if isinstance(column, ast.Call) and pyast.callee(column) == "Column":
            return _column_call(name, column, inner, optional, line)
        return _sqlmodel_field(name, call, inner, optional, line)
    if annotation is None or _is_classvar(annotation):
        return None
    if mapped or (sqlmodel and call is None):
        # `x: Mapped[int]` is a column; in SQLModel every plain annotated attribute is one.
        if not mapped and inner is not None and _looks_like_relation(inner):
            return None
        nullable = optional or (sqlmodel and _is_none(value))
        return Field(name, name, _type(inner), line, nullable=nullable), None
    return None


def _annotation(node: ast.expr | None) -> tuple[ast.expr | None, bool, bool]:
    """(the value type, Optional?, Mapped[...]?) of an annotation."""
    mapped = False
    if isinstance(node, ast.Subscript) and (pyast.dotted(node.value) or "").endswith("Mapped"):
        mapped, node = True, node.slice
    optional = False
    if isinstance(node, ast.Subscript) and (pyast.dotted(node.value) or "").endswith("Optional"):
        optional, node = True, node.slice
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        if _is_none(node.right):
            optional, node = True, node.left
        elif _is_none(node.left):
            optional, node = True, node.right
    elif isinstance(node, ast.Subscript) and (pyast.dotted(node.value) or "").endswith("Union"):
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        rest = [e for e in elts if not _is_none(e)]
        optional = len(rest) < len(elts)
        node = rest[0] if len(rest) == 1 else node
    return node, optional, mapped


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_classvar(node: ast.expr) -> bool:
    head = node.value if isinstance(node, ast.Subscript) else node
    return (pyast.dotted(head) or "").endswith("ClassVar")


def _looks_like_relation(node: ast.expr) -> bool:
    """`list["Hero"]`, `"Team"`: SQLModel relationship attributes are annotated with models."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.Subscript):
        return (pyast.dotted(node.value) or "").rpartition(".")[2] in ("list", "List", "Sequence")
    return False


def _type(node: ast.expr | None) -> str:
    return pyast.type_text(node) if node is not None else ""


def _column_call(
    name: str, call: ast.Call, annotated: ast.expr | None, optional: bool | None, line: int
) -> tuple[Field, str | None]:
    """`Column([name,] [Type,] [ForeignKey(...),] **options)` or `mapped_column(...)`."""
    args = [a for a in call.args if not isinstance(a, ast.Starred)]
    column = name
    if args and pyast.string(args[0]) is not None:
        column = pyast.string(args[0]) or name
        args = args[1:]
    foreign: str | None = None
    type_node: ast.expr | None = None
    for arg in args:
        if isinstance(arg, ast.Call) and pyast.callee(arg) == "ForeignKey":
            foreign = pyast.string(arg.args[0]) if arg.args else None
            if foreign is None and arg.args:
                model_column = pyast.dotted(arg.args[0])  # ForeignKey(User.id): a model's column
                foreign = f"@{model_column}" if model_column else None
        elif type_node is None:
            type_node = arg
    primary = pyast.boolean(pyast.argument(call, None, "primary_key")) is True
    given = pyast.boolean(pyast.argument(call, None, "nullable"))
    if given is not None:
        nullable = given
    elif optional is not None:  # Mapped[...] decides when nullable= is not given
        nullable = optional
    else:
        nullable = not primary  # Column's own default
    default = pyast.argument(call, None, "server_default")
    field = Field(
        name,
        column,
        _type(type_node) or _type(annotated),
        line,
        nullable=nullable and not primary,
        primary_key=primary,
        unique=pyast.boolean(pyast.argument(call, None, "unique")) is True,
        indexed=pyast.boolean(pyast.argument(call, None, "index")) is True,
        default=pyast.render(default) if default is not None else None,
    )
    return field, foreign


def _sqlmodel_field(
    name: str, call: ast.Call, annotated: ast.expr | None, optional: bool, line: int
) -> tuple[Field, str | None]:
    primary = pyast.boolean(pyast.argument(call, None, "primary_key")) is True
    given = pyast.boolean(pyast.argument(call, None, "nullable"))
    default = pyast.argument(call, 0, "default")
    nullable = given if given is not None else (optional or _is_none(default))
    field = Field(
        name,
        name,
        _type(annotated),
        line,
        nullable=nullable and not primary,
        primary_key=primary,
        unique=pyast.boolean(pyast.argument(call, None, "unique")) is True,
        indexed=pyast.boolean(pyast.argument(call, None, "index")) is True,
    )
    return field, pyast.string(pyast.argument(call, None, "foreign_key"))


def _foreign_key(field: Field, target: str) -> Relation:
    """`ForeignKey("users.id")` (a table, maybe schema-qualified) or `ForeignKey(User.id)`
    (marked "@": a model, whose table resolution finds): a key on this field."""
    model = target.startswith("@")
    table, _, column = target.removeprefix("@").rpartition(".")
    if not table:  # no column named: keep the table
        table, column = column, ""
    table = table.rpartition(".")[2]
    return Relation(
        RelationKind.BELONGS_TO,
        "",
        table if model else "",
        field.line,
        columns=(field.name,),
        references=(column,) if column else (),
        nullable=field.nullable,
        target_table="" if model else table,
    )


def _table_args(
    path: str, value: ast.expr | None, indexes: list[Index], checks: list[Check]
) -> None:
    elements = value.elts if isinstance(value, ast.Tuple | ast.List) else []
    for element in elements[:64]:
        if not isinstance(element, ast.Call):
            continue
        kind = pyast.callee(element)
        if kind in ("Index", "UniqueConstraint"):
            index = _index(
                path, element, unique=kind == "UniqueConstraint", named_first=kind == "Index"
            )
            if index is not None:
                indexes.append(index)
        elif kind == "CheckConstraint" and element.args:
            expression = pyast.string(element.args[0])
            if expression is not None:
                name = pyast.string(pyast.argument(element, None, "name")) or ""
                checks.append(Check("", expression, name, path, element.lineno))


def _index(path: str, call: ast.Call, *, unique: bool, named_first: bool) -> Index | None:
    args = [a for a in call.args if not isinstance(a, ast.Starred)]
    name = ""
    if named_first and args:
        name = pyast.string(args[0]) or ""
        args = args[1:]
    columns = []
    for arg in args[:32]:
        text = pyast.string(arg)
        if text is None:
            dotted = pyast.dotted(arg)
            text = dotted.rpartition(".")[2] if dotted else None
        if text is None:
            return None  # an expression index gatekeeper does not render
        columns.append(text)
    if not columns:
        return None
    if not named_first:
        name = pyast.string(pyast.argument(call, None, "name")) or ""
    unique = unique or pyast.boolean(pyast.argument(call, None, "unique")) is True
    origin = IndexOrigin.UNIQUE_CONSTRAINT if not named_first else IndexOrigin.INDEX
    return Index("", name, tuple(columns), unique, origin=origin, file=path, line=call.lineno)


def _module_index(path: str, call: ast.Call) -> tuple[str, Index] | None:
    """`Index("ix_users_email", User.email, unique=True)` outside the class: (model, index)."""
    model = ""
    for arg in call.args[1:2]:
        dotted = pyast.dotted(arg)
        if dotted and "." in dotted:
            model = dotted.rsplit(".", 2)[-2]
    index = _index(path, call, unique=False, named_first=True)
    if not model or index is None:
        return None
    return model, index


def _attach_indexes(models: list[ModelDecl], found: list[tuple[str, Index]]) -> list[ModelDecl]:
    by_name = {m.name: m for m in models}
    for model, index in found:
        decl = by_name.get(model)
        if decl is not None:
            by_name[model] = ModelDecl(
                decl.tool,
                decl.name,
                decl.path,
                decl.line,
                table=decl.table,
                fields=decl.fields,
                relations=decl.relations,
                indexes=(*decl.indexes, index),
                checks=decl.checks,
                bases=decl.bases,
                abstract=decl.abstract,
            )
    return [by_name.get(m.name, m) for m in models]


# ---------------------------------------------------------------------------- Table()


def _table(path: str, call: ast.Call) -> ModelDecl | None:
    """`Table("users", metadata, Column("id", Integer, primary_key=True), Index(...), ...)`."""
    name = pyast.string(call.args[0]) if call.args else None
    if not name:
        return None
    fields: list[Field] = []
    relations: list[Relation] = []
    indexes: list[Index] = []
    checks: list[Check] = []
    for arg in call.args[1 : MAX_FIELDS + 2]:
        if not isinstance(arg, ast.Call):
            continue
        kind = pyast.callee(arg)
        if kind == "Column" and arg.args and pyast.string(arg.args[0]):
            column = pyast.string(arg.args[0]) or ""
            field, foreign = _column_call(column, arg, None, None, arg.lineno)
            fields.append(field)
            if foreign is not None:
                relations.append(_foreign_key(field, foreign))
        elif kind in ("Index", "UniqueConstraint", "CheckConstraint"):
            _table_args(path, ast.Tuple(elts=[arg], ctx=ast.Load()), indexes, checks)
    if not fields:
        return None
    return ModelDecl(
        Tool.SQLALCHEMY_MODELS,
        f"Table:{name}",
        path,
        call.lineno,
        table=name,
        fields=tuple(fields),
        relations=tuple(relations),
        indexes=tuple(indexes),
        checks=tuple(checks),
    )


EXTRACTOR = FunctionExtractor("migrations.sqlalchemy_models", frozenset({"python"}), extract)
