"""Columns that Python code filters rows by through an ORM, for the "filtered but not indexed"
check of the indexing criterion.

Read from the shared syntax tree, only where the model is named in the expression itself:
Django `Model.objects.filter(email=...)`, `.get/.exclude/.get_or_create(...)` and
`get_object_or_404(Model, slug=...)`; SQLAlchemy `session.query(Model).filter_by(email=...)`,
`Model.query.filter_by(...)` (Flask-SQLAlchemy), and comparisons on `Model.column` inside
`.filter(...)`/`.where(...)` (`select(User).where(User.email == x)`). A queryset whose model is
not written down (`self.get_queryset().filter(...)`) is left alone: guessing it would make the
check noisy.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.migrations import pyast

MAX_FILTERS = 500  # per file

_DJANGO_METHODS = frozenset(
    {"filter", "get", "exclude", "get_or_create", "update_or_create", "filter_by"}
)
_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404"})
_CONDITIONS = frozenset({"filter", "where", "filter_by"})
_COLUMN_OPERATORS = frozenset(
    {"ilike", "like", "in_", "is_", "startswith", "endswith", "contains", "between"}
)
# Django lookups that still filter on the field itself; another `__part` follows a relation.
_LOOKUPS = frozenset(
    {
        "exact",
        "iexact",
        "contains",
        "icontains",
        "in",
        "gt",
        "gte",
        "lt",
        "lte",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "range",
        "isnull",
        "date",
        "year",
        "month",
        "day",
        "regex",
        "iregex",
    }
)
_NOT_COLUMNS = frozenset({"pk", "id", "defaults", "create_defaults"})
_MARKERS = ("objects.", "filter_by(", ".filter(", ".where(", "get_object_or_404", "get_list_or_404")


@dataclass(frozen=True, slots=True, order=True)
class OrmFilter:
    line: int
    model: str  # the model class as written (last part of a dotted name)
    field: str  # the attribute or keyword filtered on, without a Django lookup
    how: str  # "filter(email=...)", "where(User.email == ...)"


@dataclass(frozen=True, slots=True)
class OrmFilters:
    path: str
    filters: tuple[OrmFilter, ...]


def extract(pf: ParsedFile) -> OrmFilters | None:
    if pf.tree is None or not any(marker in pf.text for marker in _MARKERS):
        return None
    found: set[OrmFilter] = set()
    for node in pf.nodes:
        if len(found) >= MAX_FILTERS:
            break
        if isinstance(node, ast.Call):
            found.update(_filters(node))
    if not found:
        return None
    return OrmFilters(pf.path, tuple(sorted(found)[:MAX_FILTERS]))


def _filters(call: ast.Call) -> list[OrmFilter]:
    func = call.func
    if isinstance(func, ast.Name) and func.id in _SHORTCUTS and call.args:
        model = _model_name(call.args[0])
        return _keywords(model, call, f"{func.id}({model}, ") if model else []
    if not isinstance(func, ast.Attribute):
        return []
    method = func.attr
    found: list[OrmFilter] = []
    if method in _DJANGO_METHODS:
        chain = _chain_model(func.value)
        if chain is not None:
            model, via = chain
            found.extend(_keywords(model, call, f"{model}.{via}{method}("))
    if method in _CONDITIONS:
        for arg in call.args[:16]:
            found.extend(_comparisons(arg, method))
    return found


def _keywords(model: str, call: ast.Call, opening: str) -> list[OrmFilter]:
    """Keyword filters; `opening` is how the query reads up to its arguments."""
    if any(kw.arg is None for kw in call.keywords):
        return []  # `**filters`: the query's other columns are not known
    found = []
    for kw in call.keywords[:32]:
        if kw.arg is None:
            continue
        field, *rest = kw.arg.split("__")
        if field in _NOT_COLUMNS or field.startswith("_"):
            continue
        if rest and (len(rest) > 1 or rest[0] not in _LOOKUPS):
            continue  # follows a relation: the filter is on another table
        found.append(OrmFilter(call.lineno, model, field, f"{opening}{kw.arg}=...)"))
    return found


def _chain_model(node: ast.expr) -> tuple[str, str] | None:
    """The model a query chain starts from, and how the chain reaches the query: `User.objects...`
    ("objects."), `User.query...` ("query."), `session.query(User)...`, `select(User)...` ("");
    None when the chain does not name a model."""
    for _ in range(12):  # a chain of at most a dozen calls is followed
        if isinstance(node, ast.Attribute):
            if node.attr in ("objects", "query") and isinstance(node.value, ast.Name):
                model = _model_name(node.value)
                return (model, f"{node.attr}.") if model else None
            node = node.value
        elif isinstance(node, ast.Call):
            head = pyast.callee(node)
            if head in ("query", "select") and node.args:
                model = _model_name(node.args[0])
                return (model, "") if model else None
            node = node.func
        else:
            return None
    return None


def _model_name(node: ast.expr) -> str | None:
    name = pyast.dotted(node)
    if not name:
        return None
    last = name.rpartition(".")[2]
    return last if last[:1].isupper() else None  # a class, not a variable


def _comparisons(node: ast.expr, method: str) -> list[OrmFilter]:
    """`User.email == x`, `User.email.ilike(x)`, and those inside and_/or_ (bounded)."""
    found: list[OrmFilter] = []
    stack: list[tuple[ast.expr, int]] = [(node, 0)]
    while stack and len(found) < 16:
        item, depth = stack.pop()
        if isinstance(item, ast.Compare):
            column = _column(item.left)
            if column is not None:
                found.append(_filter(item.lineno, column, method, "=="))
        elif isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute):
            if item.func.attr in _COLUMN_OPERATORS:
                column = _column(item.func.value)
                if column is not None:
                    found.append(_filter(item.lineno, column, method, item.func.attr))
            elif depth < 3 and pyast.callee(item) in ("and_", "or_", "not_"):
                stack.extend((a, depth + 1) for a in item.args[:16])
        elif isinstance(item, ast.Call) and depth < 3 and pyast.callee(item) in ("and_", "or_"):
            stack.extend((a, depth + 1) for a in item.args[:16])
        elif isinstance(item, ast.BoolOp) and depth < 3:
            stack.extend((v, depth + 1) for v in item.values[:16])
    return found


def _column(node: ast.expr) -> tuple[str, str] | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id[:1].isupper()
    ):
        return node.value.id, node.attr
    return None


def _filter(line: int, column: tuple[str, str], method: str, operator: str) -> OrmFilter:
    model, field = column
    return OrmFilter(line, model, field, f"{method}({model}.{field} {operator} ...)")


EXTRACTOR = FunctionExtractor("migrations.orm_queries", frozenset({"python"}), extract)
