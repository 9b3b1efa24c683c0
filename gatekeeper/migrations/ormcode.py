"""Application code that shapes the schema without a migration: `metadata.create_all()` calls,
SQLAlchemy/SQLModel model classes (a schema source not replayed yet) and pymongo/motor
`create_index` calls on a named collection."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.migrations import pyast
from gatekeeper.migrations.model import Index

MAX_LINES = 50  # lines kept per kind and file


@dataclass(frozen=True, slots=True)
class OrmCode:
    path: str
    create_all: tuple[int, ...]  # lines of `<...>.create_all(...)` calls
    sqlalchemy_models: tuple[int, ...]  # lines of classes with __tablename__ or table=True
    mongo_indexes: tuple[Index, ...] = ()  # db.users.create_index(...): table is the collection


def extract(pf: ParsedFile) -> OrmCode | None:
    text = pf.text
    mongo = "create_index" in text and ("mongo" in text or "motor" in text)
    if pf.tree is None or not (
        "create_all" in text or "__tablename__" in text or "table=True" in text or mongo
    ):
        return None
    create_all: list[int] = []
    models: list[int] = []
    indexes: list[Index] = []
    for node in ast.walk(pf.tree):  # iterative
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "create_all":
                create_all.append(node.lineno)
            elif mongo and node.func.attr == "create_index" and len(indexes) < MAX_LINES:
                index = _mongo_index(pf.path, node, node.func)
                if index is not None:
                    indexes.append(index)
        elif isinstance(node, ast.ClassDef) and _is_table_class(node):
            models.append(node.lineno)
    if not create_all and not models and not indexes:
        return None
    return OrmCode(
        pf.path,
        tuple(sorted(create_all)[:MAX_LINES]),
        tuple(sorted(models)[:MAX_LINES]),
        tuple(sorted(indexes)),
    )


def _mongo_index(path: str, call: ast.Call, func: ast.Attribute) -> Index | None:
    """`db.users.create_index("email", unique=True)`, `db["users"].create_index([("a", 1)])`,
    `db.get_collection("users").create_index(...)`; None when the collection is not named."""
    target = func.value
    collection: str | None = None
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name | ast.Attribute):
        collection = target.attr  # db.users, self.db.users
    elif isinstance(target, ast.Subscript):
        collection = pyast.string(target.slice)  # db["users"]
    elif isinstance(target, ast.Call) and pyast.callee(target) == "get_collection" and target.args:
        collection = pyast.string(target.args[0])
    keys = pyast.argument(call, 0, "keys")
    columns: tuple[str, ...] = ()
    single = pyast.string(keys)
    if single is not None:
        columns = (single,)
    elif isinstance(keys, ast.List | ast.Tuple):
        names = []
        for element in keys.elts[:32]:
            pair = element.elts if isinstance(element, ast.Tuple | ast.List) else [element]
            name = pyast.string(pair[0]) if pair else None
            if name is None:
                return None
            names.append(name)
        columns = tuple(names)
    if not collection or not columns or collection in ("op", "batch_op"):
        return None
    return Index(
        collection,
        pyast.string(pyast.argument(call, None, "name")) or "",
        columns,
        pyast.boolean(pyast.argument(call, None, "unique")) is True,
        file=path,
        line=call.lineno,
    )


def _is_table_class(cls: ast.ClassDef) -> bool:
    if any(kw.arg == "table" and pyast.boolean(kw.value) is True for kw in cls.keywords):
        return True  # SQLModel: class Hero(SQLModel, table=True)
    for node in cls.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in targets):
            return True
    return False


EXTRACTOR = FunctionExtractor("migrations.orm_code", frozenset({"python"}), extract)
