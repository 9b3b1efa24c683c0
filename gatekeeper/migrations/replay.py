"""Replays migrations in revision-graph order into a SchemaModel, marking each operation that
is unsafe on a table which already held data, and reporting a history that is not linear."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from gatekeeper.migrations.model import (
    Check,
    Column,
    ForeignKey,
    Hazard,
    HistoryProblem,
    Index,
    IndexOrigin,
    Migration,
    MigrationOp,
    OpKind,
    ProblemKind,
    SchemaModel,
    Table,
    Tool,
)

_MAX_LISTED = 5  # heads or revisions named in one problem message


def replay(
    migrations: Sequence[Migration], *, dialect: str = "postgres", check_safety: bool = True
) -> SchemaModel:
    """The schema `migrations` build, applied in graph order (Alembic down_revision, Django
    dependencies, SQL version), and the history's problems. `check_safety` marks operations
    unsafe on existing tables; it is off for schema dumps and models, which are not run
    against a live database."""
    ordered, problems, heads = order(migrations)
    state = _State(dialect)
    applied = [state.apply(m, check_safety=check_safety) for m in ordered]
    return SchemaModel(
        dialect=dialect,
        tables=state.tables_out(),
        migrations=tuple(applied),
        problems=tuple(sorted(problems)),
        heads=tuple(heads),
    )


# ---------------------------------------------------------------------------- ordering


def order(
    migrations: Sequence[Migration],
) -> tuple[list[Migration], list[HistoryProblem], list[str]]:
    """(migrations in apply order, problems of the history, heads)."""
    graph_tools = (Tool.ALEMBIC, Tool.DJANGO)
    in_graph = [m for m in migrations if m.tool in graph_tools]
    linear = sorted(
        (m for m in migrations if m.tool not in graph_tools),
        key=lambda m: (m.version == (), m.version, m.path),
    )
    problems: list[HistoryProblem] = []
    problems.extend(_duplicates(linear, by_version=True))
    if not in_graph:
        return linear, problems, ([linear[-1].id] if linear else [])
    nodes, parents, graph_problems = _graph(in_graph)
    problems.extend(graph_problems)
    ordered, cycle = _topological(nodes, parents)
    if cycle:
        first = nodes[cycle[0]]
        listed = ", ".join(cycle[:_MAX_LISTED])
        problems.append(
            HistoryProblem(
                ProblemKind.CYCLE,
                first.path,
                first.line,
                f"migrations depend on each other in a cycle: {listed}",
            )
        )
    heads = _heads(nodes, parents)
    problems.extend(_head_problems(nodes, parents, heads))
    return [nodes[i] for i in ordered + cycle] + linear, problems, heads


def _duplicates(migrations: Iterable[Migration], *, by_version: bool) -> list[HistoryProblem]:
    seen: dict[tuple[str, str], Migration] = {}
    problems = []
    for m in migrations:
        if by_version and not m.version:
            continue
        key = (m.path.rpartition("/")[0], ".".join(map(str, m.version)) if by_version else m.id)
        if key in seen:
            other = seen[key]
            problems.append(
                HistoryProblem(
                    ProblemKind.DUPLICATE_ID,
                    m.path,
                    m.line,
                    f"{m.path} has the same version {key[1]} as {other.path}",
                )
            )
        else:
            seen[key] = m
    return problems


def _graph(
    migrations: Sequence[Migration],
) -> tuple[dict[str, Migration], dict[str, tuple[str, ...]], list[HistoryProblem]]:
    problems: list[HistoryProblem] = []
    nodes: dict[str, Migration] = {}
    for m in sorted(migrations, key=lambda m: m.path):
        if m.id in nodes:
            problems.append(
                HistoryProblem(
                    ProblemKind.DUPLICATE_ID,
                    m.path,
                    m.line,
                    f"{m.path} declares revision {m.id}, already declared by {nodes[m.id].path}",
                )
            )
            continue
        nodes[m.id] = m
    # Django: a squashed migration stands in for the ones it replaces (a fresh database runs it).
    replaced: dict[str, str] = {}
    for m in nodes.values():
        for old in m.replaces:
            if old in nodes and old != m.id:
                replaced[old] = m.id
    for old in replaced:
        del nodes[old]
    apps = {m.app for m in nodes.values() if m.tool is Tool.DJANGO}
    by_app: dict[str, list[str]] = {}
    for m in nodes.values():
        if m.tool is Tool.DJANGO:
            by_app.setdefault(m.app, []).append(m.id)
    parents: dict[str, tuple[str, ...]] = {}
    for m in nodes.values():
        resolved: set[str] = set()
        for parent in m.parents:
            parent = replaced.get(parent, parent)
            app, _, name = parent.partition(".")
            if m.tool is Tool.DJANGO and name in ("__first__", "__latest__"):
                resolved.update(_app_ends(nodes, by_app.get(app, []), first=name == "__first__"))
                continue
            if parent in nodes:
                if parent != m.id:
                    resolved.add(parent)
            elif m.tool is Tool.ALEMBIC or app in apps:
                problems.append(
                    HistoryProblem(
                        ProblemKind.MISSING_PARENT,
                        m.path,
                        m.line,
                        f"{m.path} builds on {parent}, which no migration file declares",
                    )
                )
            # else: a Django app outside the repository (django.contrib.auth ...)
        parents[m.id] = tuple(sorted(resolved))
    return nodes, parents, problems


def _app_ends(nodes: dict[str, Migration], ids: list[str], *, first: bool) -> list[str]:
    members = set(ids)
    if first:
        return [i for i in ids if not any(p in members for p in nodes[i].parents)]
    children = {p for i in ids for p in nodes[i].parents if p in members}
    return [i for i in ids if i not in children]


def _topological(
    nodes: dict[str, Migration], parents: dict[str, tuple[str, ...]]
) -> tuple[list[str], list[str]]:
    """Kahn's algorithm, ties broken by path: (ordered ids, ids left in a cycle)."""
    waiting = {i: len(parents[i]) for i in nodes}
    children: dict[str, list[str]] = {i: [] for i in nodes}
    for i, ps in parents.items():
        for p in ps:
            children[p].append(i)
    ready = [(nodes[i].path, i) for i, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        _, current = heapq.heappop(ready)
        ordered.append(current)
        for child in children[current]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (nodes[child].path, child))
    done = set(ordered)
    cycle = sorted((i for i in nodes if i not in done), key=lambda i: nodes[i].path)
    return ordered, cycle


def _heads(nodes: dict[str, Migration], parents: dict[str, tuple[str, ...]]) -> list[str]:
    has_child = {p for ps in parents.values() for p in ps}
    return sorted((i for i in nodes if i not in has_child), key=lambda i: nodes[i].path)


def _head_problems(
    nodes: dict[str, Migration], parents: dict[str, tuple[str, ...]], heads: list[str]
) -> list[HistoryProblem]:
    problems = []
    alembic = [h for h in heads if nodes[h].tool is Tool.ALEMBIC]
    if len(alembic) > 1:
        last = nodes[alembic[-1]]
        problems.append(
            HistoryProblem(
                ProblemKind.MULTIPLE_HEADS,
                last.path,
                last.line,
                f"{len(alembic)} Alembic heads: {_listing(nodes, alembic)}",
            )
        )
    # Django: a leaf is a migration no other migration of its own app depends on.
    by_app: dict[str, list[str]] = {}
    for i, m in nodes.items():
        if m.tool is Tool.DJANGO:
            by_app.setdefault(m.app, []).append(i)
    for app in sorted(by_app):
        members = set(by_app[app])
        inner_children = {p for i in members for p in parents[i] if p in members}
        leaves = sorted(
            (i for i in members if i not in inner_children), key=lambda i: nodes[i].path
        )
        if len(leaves) > 1:
            last = nodes[leaves[-1]]
            problems.append(
                HistoryProblem(
                    ProblemKind.LEAF_CONFLICT,
                    last.path,
                    last.line,
                    f"app {app} has {len(leaves)} leaf migrations: {_listing(nodes, leaves)}",
                )
            )
    return problems


def _listing(nodes: dict[str, Migration], ids: list[str]) -> str:
    shown = ", ".join(f"{i} ({nodes[i].path})" for i in ids[:_MAX_LISTED])
    more = len(ids) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


# ---------------------------------------------------------------------------- applying


@dataclass(slots=True)
class _TableState:
    name: str
    file: str
    line: int
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def freeze(self) -> Table:
        return Table(
            name=self.name,
            columns=tuple(self.columns.values()),
            primary_key=self.primary_key,
            indexes=tuple(sorted(set(self.indexes))),
            foreign_keys=tuple(sorted(set(self.foreign_keys))),
            checks=tuple(sorted(set(self.checks))),
            file=self.file,
            line=self.line,
        )


@dataclass(slots=True)
class _State:
    dialect: str
    tables: dict[str, _TableState] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)  # Django "app.model" -> table

    def tables_out(self) -> tuple[Table, ...]:
        return tuple(self.tables[name].freeze() for name in sorted(self.tables))

    def apply(self, migration: Migration, *, check_safety: bool) -> Migration:
        created: set[str] = set()
        annotated = []
        for op in migration.operations:
            table = self.models.get(op.model, op.table) if op.model else op.table
            existing = table not in created
            hazards = self._hazards(op, table, migration) if check_safety and existing else []
            self._apply(op, table, migration, created)
            annotated.append(
                replace(op, table=table, unsafe=tuple(hazards))
                if hazards or table != op.table
                else op
            )
        return replace(migration, operations=tuple(annotated))

    # -- what makes an operation unsafe on a table that already has rows

    def _hazards(self, op: MigrationOp, table: str, migration: Migration) -> list[Hazard]:
        postgres = self.dialect == "postgres"
        kind = op.kind
        if kind is OpKind.ADD_COLUMN:
            return [
                Hazard.NOT_NULL_WITHOUT_DEFAULT
                for c in op.columns
                if not c.nullable and c.default is None and not c.primary_key
            ][:1]
        if kind is OpKind.CREATE_INDEX and postgres:
            explicit = [
                i for i in op.indexes if i.origin is not IndexOrigin.IMPLIED and not i.concurrently
            ]
            return [Hazard.INDEX_NOT_CONCURRENT] if explicit else []
        if kind is OpKind.ADD_FOREIGN_KEY and postgres:
            return (
                [Hazard.FOREIGN_KEY_VALIDATES]
                if any(not fk.not_valid for fk in op.foreign_keys)
                else []
            )
        if kind is OpKind.ALTER_COLUMN and op.type is not None and op.column is not None:
            state = self.tables.get(table)
            column = _column(state, op.column, migration.tool) if state else None
            before = state.columns[column].type if state and column else None
            if before is None:
                # Django restates the whole field: only a known, different type is a change.
                return [] if migration.tool is Tool.DJANGO else [Hazard.TYPE_CHANGE]
            return [Hazard.TYPE_CHANGE] if _normal(before) != _normal(op.type) else []
        return {
            OpKind.RENAME_COLUMN: [Hazard.RENAME_COLUMN],
            OpKind.RENAME_TABLE: [Hazard.RENAME_TABLE],
            OpKind.DROP_COLUMN: [Hazard.DROP_COLUMN],
            OpKind.DROP_TABLE: [Hazard.DROP_TABLE],
        }.get(kind, [])

    # -- the schema change itself

    def _table(self, name: str, op: MigrationOp) -> _TableState:
        state = self.tables.get(name)
        if state is None:  # altered before any create we could read: keep what we learn
            state = _TableState(name, op.file, op.line)
            self.tables[name] = state
        return state

    def _apply(self, op: MigrationOp, table: str, migration: Migration, created: set[str]) -> None:
        kind = op.kind
        django = migration.tool in (Tool.DJANGO, Tool.DJANGO_MODELS)
        if kind is OpKind.CREATE_TABLE:
            if not table:
                return
            if op.model:
                self.models[op.model] = table
            if table in self.tables and not op.columns:
                return  # CREATE TABLE IF NOT EXISTS ... AS / LIKE over a known table
            state = _TableState(table, op.file, op.line, {c.name: c for c in op.columns})
            state.primary_key = op.primary_key
            state.indexes = [replace(i, table=table) for i in op.indexes]
            state.foreign_keys = [replace(f, table=table) for f in op.foreign_keys]
            state.checks = [replace(c, table=table) for c in op.checks]
            self.tables[table] = state
            created.add(table)
        elif kind is OpKind.DROP_TABLE:
            self.tables.pop(table, None)
        elif kind is OpKind.RENAME_TABLE:
            self._rename_table(op, table, migration, created)
        elif kind is OpKind.ADD_COLUMN:
            state = self._table(table, op)
            for column in op.columns:
                state.columns[column.name] = column
            state.indexes.extend(replace(i, table=table) for i in op.indexes)
            state.foreign_keys.extend(replace(f, table=table) for f in op.foreign_keys)
            state.checks.extend(replace(c, table=table) for c in op.checks)
        elif kind is OpKind.DROP_COLUMN and op.column:
            state = self._table(table, op)
            name = _column(state, op.column, migration.tool) or op.column
            state.columns.pop(name, None)
            state.indexes = [i for i in state.indexes if name not in i.columns]
            state.foreign_keys = [f for f in state.foreign_keys if name not in f.columns]
        elif kind is OpKind.ALTER_COLUMN and op.column:
            state = self._table(table, op)
            altered = _column(state, op.column, migration.tool)
            if altered is not None:
                before = state.columns[altered]
                state.columns[altered] = replace(
                    before,
                    type=op.type if op.type is not None else before.type,
                    nullable=op.nullable if op.nullable is not None else before.nullable,
                )
        elif kind is OpKind.RENAME_COLUMN and op.column and op.new_name:
            self._rename_column(self._table(table, op), op.column, op.new_name, migration.tool)
        elif kind is OpKind.CREATE_INDEX:
            state = self._table(table, op)
            for index in op.indexes:
                columns = index.columns
                if django:
                    columns = tuple(_column(state, c, migration.tool) or c for c in columns)
                state.indexes.append(replace(index, table=table, columns=columns))
        elif kind is OpKind.DROP_INDEX and op.name:
            for state in [self.tables[table]] if table in self.tables else self.tables.values():
                state.indexes = [i for i in state.indexes if i.name != op.name]
        elif kind is OpKind.ADD_FOREIGN_KEY:
            self._table(table, op).foreign_keys.extend(
                replace(f, table=table) for f in op.foreign_keys
            )
        elif kind is OpKind.ADD_CHECK:
            self._table(table, op).checks.extend(replace(c, table=table) for c in op.checks)
        elif kind is OpKind.ADD_PRIMARY_KEY:
            self._table(table, op).primary_key = op.primary_key
        elif kind is OpKind.DROP_CONSTRAINT and op.name and table in self.tables:
            state = self.tables[table]
            state.indexes = [i for i in state.indexes if i.name != op.name]
            state.foreign_keys = [f for f in state.foreign_keys if f.name != op.name]
            state.checks = [c for c in state.checks if c.name != op.name]

    def _rename_table(
        self, op: MigrationOp, table: str, migration: Migration, created: set[str]
    ) -> None:
        new = op.new_name
        if not new:
            return
        state = self.tables.pop(table, None)
        if state is not None:
            state.name = new
            state.indexes = [replace(i, table=new) for i in state.indexes]
            state.foreign_keys = [replace(f, table=new) for f in state.foreign_keys]
            state.checks = [replace(c, table=new) for c in state.checks]
            self.tables[new] = state
            for other in self.tables.values():
                other.foreign_keys = [
                    replace(f, ref_table=new) if f.ref_table == table else f
                    for f in other.foreign_keys
                ]
        if table in created:
            created.add(new)
        if op.model:
            self.models[op.model] = new
            prefix = f"{migration.app}_"
            if migration.app and new.startswith(prefix):
                self.models[f"{migration.app}.{new[len(prefix) :]}"] = new

    def _rename_column(self, state: _TableState, old: str, new: str, tool: Tool) -> None:
        name = _column(state, old, tool)
        if name is None:
            return
        if name != old:  # Django ForeignKey: "author" is the column "author_id"
            new = f"{new}_id"
        state.columns = {
            (new if k == name else k): (replace(c, name=new) if k == name else c)
            for k, c in state.columns.items()
        }

        def renamed(columns: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(new if c == name else c for c in columns)

        state.primary_key = renamed(state.primary_key)
        state.indexes = [replace(i, columns=renamed(i.columns)) for i in state.indexes]
        state.foreign_keys = [replace(f, columns=renamed(f.columns)) for f in state.foreign_keys]


def _column(state: _TableState | None, name: str, tool: Tool) -> str | None:
    """The column an operation names; Django names a ForeignKey by its field ("author")."""
    if state is None:
        return None
    if name in state.columns:
        return name
    if tool in (Tool.DJANGO, Tool.DJANGO_MODELS) and f"{name}_id" in state.columns:
        return f"{name}_id"
    return None


def _normal(type_text: str) -> str:
    return "".join(type_text.lower().split())
