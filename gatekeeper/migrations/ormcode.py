"""Application code that shapes the schema without a migration: `metadata.create_all()` calls
and SQLAlchemy/SQLModel model classes (a schema source this slice does not replay yet)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.migrations import pyast

MAX_LINES = 50  # lines kept per kind and file


@dataclass(frozen=True, slots=True)
class OrmCode:
    path: str
    create_all: tuple[int, ...]  # lines of `<...>.create_all(...)` calls
    sqlalchemy_models: tuple[int, ...]  # lines of classes with __tablename__ or table=True


def extract(pf: ParsedFile) -> OrmCode | None:
    if pf.tree is None or not (
        "create_all" in pf.text or "__tablename__" in pf.text or "table=True" in pf.text
    ):
        return None
    create_all: list[int] = []
    models: list[int] = []
    for node in ast.walk(pf.tree):  # iterative
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "create_all"
        ):
            create_all.append(node.lineno)
        elif isinstance(node, ast.ClassDef) and _is_table_class(node):
            models.append(node.lineno)
    if not create_all and not models:
        return None
    return OrmCode(
        pf.path, tuple(sorted(create_all)[:MAX_LINES]), tuple(sorted(models)[:MAX_LINES])
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
