"""Alembic revision files: `revision`/`down_revision` and the op.* calls of `upgrade()`.

Read from the worker's shared ast; Alembic's own revision walker imports the files, so it is
never used.
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

# op.<name> -> position of the table argument (dropped inside batch_alter_table blocks)
_TABLE_POSITION = {
    "create_table": 0,
    "drop_table": 0,
    "add_column": 0,
    "drop_column": 0,
    "alter_column": 0,
    "create_index": 1,
    "drop_index": 1,
    "create_foreign_key": 1,
    "create_unique_constraint": 1,
    "create_check_constraint": 1,
    "create_primary_key": 1,
    "drop_constraint": 1,
}
_GENERATED = frozenset({"Identity", "Computed", "Sequence"})  # a column value the database makes
_TABLE_KEYWORD = {
    "create_index": "table_name",
    "drop_index": "table_name",
    "create_foreign_key": "source_table",
}


def extract(pf: ParsedFile) -> Migration | None:
    """The revision in an Alembic revision file; None for any other file (cheaply)."""
    if pf.tree is None or "down_revision" not in pf.text:
        return None
    assigned = _module_assignments(pf.tree)
    if "revision" not in assigned or "down_revision" not in assigned:
        return None
    problems: list[str] = []
    revision_node, line = assigned["revision"]
    revision = pyast.string(revision_node)
    if revision is None:
        problems.append(f"line {line}: `revision` is not a string literal")
    down_node, _ = assigned["down_revision"]
    parents = _down_revisions(down_node)
    if parents is None:
        problems.append(f"line {line}: `down_revision` is not a string, a tuple of strings or None")
    functions = {
        node.name: node
        for node in pf.tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    upgrade = functions.get("upgrade")
    reader = _Reader(pf.path)
    if upgrade is not None:
        reader.read(upgrade)
    downgrade = functions.get("downgrade")
    irreversible: list[Irreversible] = []
    if downgrade is None:
        irreversible.append(Irreversible(line, "no downgrade() function"))
    elif (why := _empty_body(downgrade)) is not None:
        irreversible.append(Irreversible(downgrade.lineno, f"downgrade() {why}"))
    return Migration(
        path=pf.path,
        tool=Tool.ALEMBIC,
        id=revision if revision is not None else pf.path,
        parents=parents or (),
        operations=tuple(reader.ops),
        reversible=not irreversible,
        line=line,
        irreversible=tuple(irreversible),
        problems=tuple(problems),
        truncated=reader.truncated,
    )


def _module_assignments(tree: ast.Module) -> dict[str, tuple[ast.expr | None, int]]:
    found: dict[str, tuple[ast.expr | None, int]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = (node.value, node.lineno)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = (node.value, node.lineno)
    return found


def _down_revisions(node: ast.expr | None) -> tuple[str, ...] | None:
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return ()
    return pyast.strings(node)


def _empty_body(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """Why a function undoes nothing ("is empty", "only raises"), or None when it does work."""
    body = [
        s
        for s in fn.body
        if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))  # docstring, ...
        and not isinstance(s, ast.Pass)
    ]
    if not body:
        return "is empty"
    if all(isinstance(s, ast.Raise) for s in body):
        return "only raises"
    return None


@dataclass(slots=True)
class _Batch:
    alias: str
    table: str
    start: int
    end: int


@dataclass(slots=True)
class _Reader:
    path: str
    ops: list[MigrationOp] = field(default_factory=list)
    truncated: bool = False

    def read(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        batches: list[_Batch] = []
        calls: list[ast.Call] = []
        for node in ast.walk(fn):  # iterative
            if isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    batch = _batch_of(item)
                    if batch is not None:
                        end = node.end_lineno or node.lineno
                        batches.append(_Batch(batch[0], batch[1], node.lineno, end))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
            ):
                calls.append(node)
        aliases = {b.alias for b in batches}
        for call in pyast.call_lines(calls):
            assert isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
            receiver = call.func.value.id
            batch_table: str | None = None
            if receiver in aliases:
                inner = [b for b in batches if b.alias == receiver and b.start <= call.lineno]
                inner = [b for b in inner if call.lineno <= b.end]
                if not inner:
                    continue
                batch_table = max(inner, key=lambda b: b.start).table
            elif receiver != "op":
                continue
            if len(self.ops) >= MAX_OPS:
                self.truncated = True
                return
            self.ops.extend(self._operation(call.func.attr, call, batch_table))

    def _operation(self, name: str, call: ast.Call, batch_table: str | None) -> list[MigrationOp]:
        args = _Args(call, name, batch_table)
        line = call.lineno
        if name == "execute":
            return self._execute(call)
        if name == "rename_table":
            old = pyast.string(args.get(0, "old_table_name"))
            new = pyast.string(args.get(1, "new_table_name"))
            if old is None or new is None:
                return []
            return [self._op(OpKind.RENAME_TABLE, _table(old), line, new_name=_table(new))]
        table = args.table()
        if table is None:
            return []
        if name == "create_table":
            return [self._create_table(table, call)]
        if name == "drop_table":
            return [self._op(OpKind.DROP_TABLE, table, line)]
        if name == "add_column":
            column_node = args.get(1, "column")
            if not isinstance(column_node, ast.Call):
                return []
            parsed = self._column(table, column_node)
            if parsed is None:
                return []
            column, fks, indexes = parsed
            return [
                self._op(
                    OpKind.ADD_COLUMN,
                    table,
                    line,
                    column=column.name,
                    columns=(column,),
                    foreign_keys=fks,
                    indexes=indexes,
                )
            ]
        if name == "drop_column":
            column_name = pyast.string(args.get(1, "column_name"))
            if column_name is None:
                return []
            return [self._op(OpKind.DROP_COLUMN, table, line, column=column_name.lower())]
        if name == "alter_column":
            return self._alter_column(table, call, args)
        if name == "create_index":
            index_name = pyast.string(args.get(0, "index_name")) or ""
            columns = _index_columns(args.get(2, "columns"))
            if not columns:
                return []
            index = Index(
                table,
                index_name,
                columns,
                unique=pyast.boolean(pyast.argument(call, None, "unique")) is True,
                concurrently=pyast.boolean(pyast.argument(call, None, "postgresql_concurrently"))
                is True,
                file=self.path,
                line=line,
            )
            return [self._op(OpKind.CREATE_INDEX, table, line, indexes=(index,))]
        if name == "drop_index":
            dropped = pyast.string(args.get(0, "index_name"))
            return [self._op(OpKind.DROP_INDEX, table, line, name=dropped)]
        if name == "create_foreign_key":
            referent = pyast.string(args.get(2, "referent_table"))
            local = pyast.strings(args.get(3, "local_cols"))
            remote = pyast.strings(args.get(4, "remote_cols")) or ()
            if referent is None or not local:
                return []
            not_valid = pyast.boolean(pyast.argument(call, None, "postgresql_not_valid")) is True
            fk = ForeignKey(
                table,
                _lower(local),
                _table(referent),
                _lower(remote),
                name=pyast.string(args.get(0, "constraint_name")) or "",
                not_valid=not_valid,
                file=self.path,
                line=line,
            )
            return [self._op(OpKind.ADD_FOREIGN_KEY, table, line, foreign_keys=(fk,))]
        if name == "create_unique_constraint":
            unique_columns = pyast.strings(args.get(2, "unique_columns"))
            if not unique_columns:
                return []
            unique = Index(
                table,
                pyast.string(args.get(0, "constraint_name")) or "",
                _lower(unique_columns),
                unique=True,
                origin=IndexOrigin.UNIQUE_CONSTRAINT,
                file=self.path,
                line=line,
            )
            return [self._op(OpKind.CREATE_INDEX, table, line, indexes=(unique,))]
        if name == "create_check_constraint":
            condition = args.get(2, "condition")
            check = Check(
                table,
                pyast.string(condition) or pyast.render(condition),
                pyast.string(args.get(0, "constraint_name")) or "",
                self.path,
                line,
            )
            return [self._op(OpKind.ADD_CHECK, table, line, checks=(check,))]
        if name == "create_primary_key":
            key_columns = pyast.strings(args.get(2, "columns"))
            if not key_columns:
                return []
            return [self._op(OpKind.ADD_PRIMARY_KEY, table, line, primary_key=_lower(key_columns))]
        if name == "drop_constraint":
            constraint = pyast.string(args.get(0, "constraint_name"))
            return [self._op(OpKind.DROP_CONSTRAINT, table, line, name=constraint)]
        return []

    def _op(self, kind: OpKind, table: str, line: int, **kw: object) -> MigrationOp:
        return MigrationOp(kind, table, self.path, line, **kw)  # type: ignore[arg-type]

    def _execute(self, call: ast.Call) -> list[MigrationOp]:
        sql = pyast.string(pyast.argument(call, 0, "sqltext"))
        if sql is None:
            return []  # built at run time: nothing to read statically
        if len(sql) > MAX_SQL_CHARS:
            sql = None  # the parent reports it as not parsed
        return [self._op(OpKind.EXECUTE_SQL, "", call.lineno, sql=sql)]

    def _alter_column(self, table: str, call: ast.Call, args: _Args) -> list[MigrationOp]:
        column = pyast.string(args.get(1, "column_name"))
        if column is None:
            return []
        ops: list[MigrationOp] = []
        nullable = pyast.boolean(pyast.argument(call, None, "nullable"))
        type_node = pyast.argument(call, None, "type_")
        default_node = pyast.argument(call, None, "server_default")
        if type_node is not None or nullable is not None or default_node is not None:
            ops.append(
                self._op(
                    OpKind.ALTER_COLUMN,
                    table,
                    call.lineno,
                    column=column.lower(),
                    type=pyast.type_text(type_node) if type_node is not None else None,
                    nullable=nullable,
                )
            )
        new_name = pyast.string(pyast.argument(call, None, "new_column_name"))
        if new_name is not None:
            ops.append(
                self._op(
                    OpKind.RENAME_COLUMN,
                    table,
                    call.lineno,
                    column=column.lower(),
                    new_name=new_name.lower(),
                )
            )
        return ops

    def _create_table(self, table: str, call: ast.Call) -> MigrationOp:
        columns: list[Column] = []
        primary_key: list[str] = []
        indexes: list[Index] = []
        fks: list[ForeignKey] = []
        checks: list[Check] = []
        for item in call.args[1:] if call.args else ():
            if not isinstance(item, ast.Call):
                continue
            kind = pyast.callee(item)
            line = item.lineno
            if kind == "Column":
                parsed = self._column(table, item)
                if parsed is not None:
                    columns.append(parsed[0])
                    fks.extend(parsed[1])
                    indexes.extend(parsed[2])
                    if parsed[0].primary_key:
                        primary_key.append(parsed[0].name)
            elif kind == "PrimaryKeyConstraint":
                primary_key = list(_lower(_string_args(item)))
            elif kind == "UniqueConstraint":
                cols = _lower(_string_args(item))
                if cols:
                    name = pyast.string(pyast.argument(item, None, "name")) or ""
                    origin = IndexOrigin.UNIQUE_CONSTRAINT
                    indexes.append(Index(table, name, cols, True, False, origin, self.path, line))
            elif kind == "ForeignKeyConstraint":
                local = pyast.strings(pyast.argument(item, 0, "columns"))
                remote = pyast.strings(pyast.argument(item, 1, "refcolumns"))
                if local and remote:
                    ref_table, ref_cols = _split_reference(remote)
                    fks.append(
                        ForeignKey(
                            table,
                            _lower(local),
                            ref_table,
                            ref_cols,
                            name=pyast.string(pyast.argument(item, None, "name")) or "",
                            file=self.path,
                            line=line,
                        )
                    )
            elif kind == "CheckConstraint":
                condition = pyast.argument(item, 0, "sqltext")
                checks.append(
                    Check(
                        table,
                        pyast.string(condition) or pyast.render(condition),
                        pyast.string(pyast.argument(item, None, "name")) or "",
                        self.path,
                        line,
                    )
                )
            elif kind == "Index":
                name = pyast.string(pyast.argument(item, 0, "name")) or ""
                cols = _lower(_string_args(item, start=1))
                if cols:
                    unique = pyast.boolean(pyast.argument(item, None, "unique")) is True
                    indexes.append(Index(table, name, cols, unique, file=self.path, line=line))
        return self._op(
            OpKind.CREATE_TABLE,
            table,
            call.lineno,
            columns=tuple(columns),
            primary_key=tuple(primary_key),
            indexes=tuple(sorted(indexes)),
            foreign_keys=tuple(sorted(fks)),
            checks=tuple(sorted(checks)),
        )

    def _column(
        self, table: str, call: ast.Call
    ) -> tuple[Column, tuple[ForeignKey, ...], tuple[Index, ...]] | None:
        if pyast.callee(call) != "Column":
            return None
        name = pyast.string(pyast.argument(call, None, "name"))
        type_node = pyast.argument(call, None, "type_")
        fks: list[ForeignKey] = []
        generated = False
        for position, arg in enumerate(call.args):
            text = pyast.string(arg)
            if position == 0 and text is not None:
                name = text
                continue
            if isinstance(arg, ast.Call) and pyast.callee(arg) == "ForeignKey":
                target = pyast.string(pyast.argument(arg, 0, "column"))
                if target is not None:
                    ref_table, ref_cols = _split_reference((target,))
                    fks.append(
                        ForeignKey(table, (), ref_table, ref_cols, file=self.path, line=arg.lineno)
                    )
            elif isinstance(arg, ast.Call) and pyast.callee(arg) in _GENERATED:
                generated = True
            elif type_node is None:
                type_node = arg
        if name is None:
            return None
        column_name = name.lower()
        primary_key = pyast.boolean(pyast.argument(call, None, "primary_key")) is True
        nullable = pyast.boolean(pyast.argument(call, None, "nullable"))
        default_node = pyast.argument(call, None, "server_default")
        default: str | None = None
        if default_node is not None and not (
            isinstance(default_node, ast.Constant) and default_node.value is None
        ):
            default = pyast.render(default_node)
        elif generated:
            default = "generated"
        column = Column(
            column_name,
            pyast.type_text(type_node),
            nullable if nullable is not None else not primary_key,
            default,
            primary_key,
            self.path,
            call.lineno,
        )
        indexes: list[Index] = []
        if pyast.boolean(pyast.argument(call, None, "unique")) is True:
            indexes.append(
                Index(
                    table,
                    "",
                    (column_name,),
                    True,
                    origin=IndexOrigin.IMPLIED,
                    file=self.path,
                    line=call.lineno,
                )
            )
        if pyast.boolean(pyast.argument(call, None, "index")) is True:
            indexes.append(
                Index(
                    table,
                    "",
                    (column_name,),
                    False,
                    origin=IndexOrigin.IMPLIED,
                    file=self.path,
                    line=call.lineno,
                )
            )
        with_columns = tuple(
            ForeignKey(
                fk.table, (column_name,), fk.ref_table, fk.ref_columns, file=fk.file, line=fk.line
            )
            for fk in fks
        )
        return column, with_columns, tuple(indexes)


class _Args:
    """An op call's arguments, with the table supplied by an enclosing batch_alter_table."""

    __slots__ = ("_batch_table", "_call", "_table_keyword", "_table_position")

    def __init__(self, call: ast.Call, name: str, batch_table: str | None) -> None:
        self._call = call
        self._batch_table = batch_table
        self._table_position = _TABLE_POSITION.get(name, 0)
        self._table_keyword = _TABLE_KEYWORD.get(name, "table_name")

    def table(self) -> str | None:
        if self._batch_table is not None:
            return self._batch_table
        name = pyast.string(pyast.argument(self._call, self._table_position, self._table_keyword))
        if name is None:
            return None
        schema = pyast.string(pyast.argument(self._call, None, "schema"))
        return _table(name, schema)

    def get(self, position: int, keyword: str) -> ast.expr | None:
        if self._batch_table is not None and position > self._table_position:
            position -= 1
        elif self._batch_table is not None and position == self._table_position:
            return pyast.argument(self._call, None, keyword)
        return pyast.argument(self._call, position, keyword)


def _batch_of(item: ast.withitem) -> tuple[str, str] | None:
    call = item.context_expr
    if not (
        isinstance(call, ast.Call)
        and pyast.callee(call) == "batch_alter_table"
        and isinstance(item.optional_vars, ast.Name)
    ):
        return None
    table = pyast.string(pyast.argument(call, 0, "table_name"))
    if table is None:
        return None
    schema = pyast.string(pyast.argument(call, None, "schema"))
    return item.optional_vars.id, _table(table, schema)


def _table(name: str, schema: str | None = None) -> str:
    name = name.lower().removeprefix("public.")
    if schema and schema.lower() != "public":
        return f"{schema.lower()}.{name}"
    return name


def _lower(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n.lower() for n in names)


def _string_args(call: ast.Call, start: int = 0) -> tuple[str, ...]:
    return tuple(s for a in call.args[start:] if (s := pyast.string(a)) is not None)


def _index_columns(node: ast.AST | None) -> tuple[str, ...]:
    if not isinstance(node, ast.List | ast.Tuple):
        single = pyast.string(node)
        return (single.lower(),) if single is not None else ()
    columns = []
    for element in node.elts:
        text = pyast.string(element)
        columns.append(text.lower() if text is not None else pyast.render(element).lower())
    return tuple(columns)


def _split_reference(targets: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """("users.id",) -> ("users", ("id",)); "schema.table.col" keeps the schema."""
    table, _, _ = targets[0].lower().rpartition(".")
    columns = tuple(t.lower().rpartition(".")[2] for t in targets)
    return _table(table) if table else "", columns


EXTRACTOR = FunctionExtractor("migrations.alembic", frozenset({"python"}), extract)
