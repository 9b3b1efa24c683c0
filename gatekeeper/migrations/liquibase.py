"""Liquibase changelogs (YAML, JSON, XML): changeSets in include order, each a migration whose
changes become operations (createTable, addColumn, createIndex, addForeignKeyConstraint,
addUniqueConstraint, addNotNullConstraint, modifyDataType, renames, drops, sql) and whose
rollback is known when every change rolls back automatically or a rollback block is written.

Read in the parent through yamlsafe and defusedxml (no DTD, no entities). Formatted-SQL
changelogs and sqlFile changes are not read.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from gatekeeper import yamlsafe
from gatekeeper.migrations.model import (
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

MAX_CHANGESETS = 5000  # per changelog file
MAX_INCLUDE_DEPTH = 16
_SUFFIXES = (".yaml", ".yml", ".json", ".xml")
_CHANGESET_TAG = re.compile(r"<(?:[\w-]{1,32}:)?changeSet\b")
# Change types Liquibase can roll back by itself.
_AUTO_ROLLBACK = frozenset(
    {
        "createTable",
        "addColumn",
        "renameColumn",
        "renameTable",
        "createIndex",
        "addForeignKeyConstraint",
        "addUniqueConstraint",
        "addPrimaryKey",
        "addNotNullConstraint",
        "dropNotNullConstraint",
        "addDefaultValue",
        "dropDefaultValue",
        "createView",
        "renameView",
        "createSequence",
        "addAutoIncrement",
        "addLookupTable",
        "tagDatabase",
        "addCheckConstraint",
    }
)
_IGNORED_CHILDREN = frozenset({"comment", "preConditions", "validCheckSum", "modifySql"})


def is_candidate(path: str) -> bool:
    """A file worth reading as a changelog: its name or directory says so."""
    lowered = path.lower()
    return lowered.endswith(_SUFFIXES) and ("changelog" in lowered or "liquibase" in lowered)


@dataclass(slots=True)
class _ChangeSet:
    id: str
    line: int
    changes: list[tuple[str, dict[str, object], int]]  # (type, attributes, line)
    rollback: bool


@dataclass(slots=True)
class ChangeLog:
    path: str
    entries: list[tuple[str, object]] = field(default_factory=list)  # ("changeSet", _ChangeSet) ...
    problems: list[str] = field(default_factory=list)


def parse(path: str, text: str) -> ChangeLog | None:
    """A changelog's changeSets and includes; None when the file is no changelog."""
    if "databaseChangeLog" not in text:
        return None
    if path.lower().endswith(".xml"):
        return _parse_xml(path, text)
    return _parse_yaml(path, text)


# ---------------------------------------------------------------------------- YAML and JSON


def _parse_yaml(path: str, text: str) -> ChangeLog:
    log = ChangeLog(path)
    try:
        data, lines = yamlsafe.load_yaml_with_lines(text, path=path)
    except yamlsafe.DataFormatError as exc:
        log.problems.append(str(exc))
        return log
    root = data.get("databaseChangeLog") if isinstance(data, dict) else None
    if not isinstance(root, list):
        log.problems.append("`databaseChangeLog` is not a list of changeSets and includes")
        return log
    for position, item in enumerate(root[:MAX_CHANGESETS]):
        if not isinstance(item, dict):
            continue
        at = lines.get(("databaseChangeLog", position), 1)
        if isinstance(item.get("changeSet"), dict):
            body = item["changeSet"]
            key: tuple[str | int, ...] = ("databaseChangeLog", position, "changeSet")
            changes: list[tuple[str, dict[str, object], int]] = []
            for k, change in enumerate(body.get("changes") or []):
                if isinstance(change, dict) and len(change) == 1:
                    kind, attributes = next(iter(change.items()))
                    line = lines.get((*key, "changes", k), at)
                    changes.append((str(kind), _as_dict(attributes), line))
            log.entries.append(
                (
                    "changeSet",
                    _ChangeSet(
                        f"{body.get('author', '')}:{body.get('id', position)}",
                        lines.get(key, at),
                        changes,
                        "rollback" in body,
                    ),
                )
            )
        elif isinstance(item.get("include"), dict):
            log.entries.append(("include", _include(path, item["include"], "file")))
        elif isinstance(item.get("includeAll"), dict):
            log.entries.append(("includeAll", _include(path, item["includeAll"], "path")))
    return log


def _as_dict(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _include(path: str, spec: Mapping[str, object], key: str) -> str:
    target = str(spec.get(key) or "")
    relative = str(spec.get("relativeToChangelogFile", "")).lower() == "true"
    if relative:
        return posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    return target.lstrip("/")


# ---------------------------------------------------------------------------- XML


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def _parse_xml(path: str, text: str) -> ChangeLog:
    log = ChangeLog(path)
    try:
        root: Element = SafeET.fromstring(
            text, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as exc:
        log.problems.append(f"declares a DTD or entities ({type(exc).__name__}); not read")
        return log
    except ParseError as exc:
        line = exc.position[0] if exc.position else None
        log.problems.append(f"invalid XML{f' at line {line}' if line else ''}: {exc}"[:200])
        return log
    starts = [m.start() for m in _CHANGESET_TAG.finditer(text)]
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_at(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    count = 0
    for child in list(root)[:MAX_CHANGESETS]:
        tag = _local(child.tag)
        if tag == "changeSet":
            start = starts[count] if count < len(starts) else 0
            stop = starts[count + 1] if count + 1 < len(starts) else len(text)
            line = line_at(start)
            count += 1
            changes: list[tuple[str, dict[str, object], int]] = []
            rollback = False
            position = start
            for change in child:
                kind = _local(change.tag)
                if kind == "rollback":
                    rollback = True
                elif kind not in _IGNORED_CHILDREN:
                    # The change's own line: its tag's next occurrence inside this changeSet.
                    found = text.find(kind, position, stop)
                    if found != -1:
                        position = found + len(kind)
                    changes.append(
                        (kind, _xml_change(change), line_at(found) if found != -1 else line)
                    )
            identity = f"{child.get('author', '')}:{child.get('id', count)}"
            log.entries.append(("changeSet", _ChangeSet(identity, line, changes, rollback)))
        elif tag == "include":
            log.entries.append(("include", _include(path, dict(child.attrib), "file")))
        elif tag == "includeAll":
            log.entries.append(("includeAll", _include(path, dict(child.attrib), "path")))
    return log


def _xml_change(element: Element) -> dict[str, object]:
    """An XML change in the shape the YAML form has: attributes, `columns`, `constraints`."""
    data: dict[str, object] = dict(element.attrib)
    columns: list[object] = []
    for child in element:
        tag = _local(child.tag)
        if tag == "column":
            column: dict[str, object] = dict(child.attrib)
            constraints = next((c for c in child if _local(c.tag) == "constraints"), None)
            if constraints is not None:
                column["constraints"] = dict(constraints.attrib)
            columns.append({"column": column})
    if _local(element.tag) == "sql":
        data["sql"] = (element.text or "")[: 512 * 1024]
    if columns:
        data["columns"] = columns
    return data


# ---------------------------------------------------------------------------- order


def ordered(logs: Mapping[str, ChangeLog]) -> list[tuple[str, str]]:
    """(changelog path, root changelog) in the order Liquibase runs them: every changelog no
    other includes is a root, followed through its includes; unreached files come last."""
    included: set[str] = set()
    for log in logs.values():
        for kind, target in log.entries:
            if kind == "include" and isinstance(target, str):
                found = _find(target, logs)
                if found is not None:
                    included.add(found)
            elif kind == "includeAll" and isinstance(target, str):
                included.update(_under(target, logs))
    result: list[tuple[str, str]] = []
    seen: set[str] = set()

    def visit(path: str, root: str, depth: int) -> None:
        if path in seen or depth > MAX_INCLUDE_DEPTH:
            return
        seen.add(path)
        result.append((path, root))
        for kind, target in logs[path].entries:
            if kind == "include" and isinstance(target, str):
                found = _find(target, logs)
                if found is not None:
                    visit(found, root, depth + 1)
            elif kind == "includeAll" and isinstance(target, str):
                for found in _under(target, logs):
                    visit(found, root, depth + 1)

    for path in sorted(logs):
        if path not in included:
            visit(path, path, 0)
    for path in sorted(logs):  # a cycle of includes: still read, in path order
        visit(path, path, 0)
    return result


def _find(target: str, logs: Mapping[str, ChangeLog]) -> str | None:
    if target in logs:
        return target
    # A classpath include ("db/changelog/x.yaml"): the changelog whose path ends with it.
    matches = sorted(p for p in logs if p.endswith("/" + target))
    return matches[0] if matches else None


def _under(directory: str, logs: Mapping[str, ChangeLog]) -> list[str]:
    prefix = directory.rstrip("/") + "/"
    return sorted(p for p in logs if p.startswith(prefix) or ("/" + prefix) in p)


# ---------------------------------------------------------------------------- migrations


def migrations(logs: Mapping[str, ChangeLog], order: Sequence[tuple[str, str]]) -> list[Migration]:
    """Every changeSet as a Migration, numbered in run order within its root changelog."""
    built: list[Migration] = []
    sequence: dict[str, int] = {}
    for path, root in order:
        for kind, entry in logs[path].entries:
            if kind != "changeSet" or not isinstance(entry, _ChangeSet):
                continue
            number = sequence.get(root, 0) + 1
            sequence[root] = number
            ops: list[MigrationOp] = []
            for change, attributes, line in entry.changes:
                ops.extend(_ops(change, attributes, path, line))
            auto = all(change in _AUTO_ROLLBACK for change, _, _ in entry.changes)
            irreversible: tuple[Irreversible, ...] = ()
            if not entry.rollback and not auto:
                kinds = sorted({c for c, _, _ in entry.changes if c not in _AUTO_ROLLBACK})
                irreversible = (
                    Irreversible(
                        entry.line,
                        f"changeSet {entry.id}: {', '.join(kinds[:3])} has no automatic "
                        "rollback and no rollback block",
                    ),
                )
            built.append(
                Migration(
                    path=path,
                    tool=Tool.LIQUIBASE,
                    id=entry.id,
                    parents=(),
                    operations=tuple(ops),
                    reversible=not irreversible,
                    line=entry.line,
                    irreversible=irreversible,
                    app=root,
                    version=(number,),
                )
            )
    return built


def _s(attributes: Mapping[str, object], key: str) -> str:
    value = attributes.get(key)
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _lower(attributes: Mapping[str, object], key: str) -> str:
    return _s(attributes, key).strip('"`').lower()


def _names(text: str) -> tuple[str, ...]:
    return tuple(p.strip().strip('"`').lower() for p in text.split(",") if p.strip())[:32]


def _flag(attributes: Mapping[str, object], key: str) -> bool | None:
    value = attributes.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _columns(attributes: Mapping[str, object]) -> list[dict[str, object]]:
    found = []
    items = attributes.get("columns")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("column"), dict):
            found.append(_as_dict(item["column"]))
    return found[:1000]


def _column(
    table: str, spec: Mapping[str, object], path: str, line: int
) -> tuple[Column, list[Index], list[ForeignKey]]:
    constraints = _as_dict(spec.get("constraints"))
    name = _lower(spec, "name")
    primary = _flag(constraints, "primaryKey") is True
    nullable = _flag(constraints, "nullable") is not False and not primary
    default = next(
        (
            _s(spec, k)
            for k in (
                "defaultValue",
                "defaultValueNumeric",
                "defaultValueBoolean",
                "defaultValueDate",
                "defaultValueComputed",
            )
            if _s(spec, k)
        ),
        None,
    )
    if _flag(spec, "autoIncrement"):
        default = "generated"
    column = Column(name, _lower(spec, "type")[:80], nullable, default, primary, path, line)
    indexes = []
    if _flag(constraints, "unique"):
        indexes.append(
            Index(
                table,
                _lower(constraints, "uniqueConstraintName"),
                (name,),
                True,
                origin=IndexOrigin.IMPLIED,
                file=path,
                line=line,
            )
        )
    fks = []
    ref_table = _lower(constraints, "referencedTableName")
    ref_columns = _names(_s(constraints, "referencedColumnNames"))
    references = _s(constraints, "references")
    if not ref_table and "(" in references:  # references: orders(id)
        ref_table, _, rest = references.partition("(")
        ref_table = ref_table.strip().lower()
        ref_columns = _names(rest.rstrip(")"))
    if ref_table:
        fks.append(
            ForeignKey(
                table,
                (name,),
                ref_table,
                ref_columns,
                _lower(constraints, "foreignKeyName"),
                file=path,
                line=line,
            )
        )
    return column, indexes, fks


def _ops(change: str, attributes: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    table = _lower(attributes, "tableName") or _lower(attributes, "baseTableName")
    builder = _BUILDERS.get(change)
    return builder(table, attributes, path, line) if builder is not None else []


def _create_table(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    columns, indexes, fks = [], [], []
    for spec in _columns(a):
        column, more_indexes, more_fks = _column(t, spec, path, line)
        columns.append(column)
        indexes += more_indexes
        fks += more_fks
    keys = tuple(c.name for c in columns if c.primary_key)
    return [
        MigrationOp(
            OpKind.CREATE_TABLE,
            t,
            path,
            line,
            columns=tuple(columns),
            primary_key=keys,
            indexes=tuple(indexes),
            foreign_keys=tuple(fks),
        )
    ]


def _add_column(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    ops = []
    for spec in _columns(a):
        column, indexes, fks = _column(t, spec, path, line)
        ops.append(
            MigrationOp(
                OpKind.ADD_COLUMN,
                t,
                path,
                line,
                column=column.name,
                columns=(column,),
                indexes=tuple(indexes),
                foreign_keys=tuple(fks),
            )
        )
    return ops


def _create_index(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    columns = tuple(_lower(c, "name") for c in _columns(a) if _lower(c, "name"))
    if not columns:
        return []
    index = Index(
        t, _lower(a, "indexName"), columns, _flag(a, "unique") is True, file=path, line=line
    )
    return [MigrationOp(OpKind.CREATE_INDEX, t, path, line, indexes=(index,))]


def _unique(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    columns = _names(_s(a, "columnNames"))
    index = Index(
        t,
        _lower(a, "constraintName"),
        columns,
        True,
        origin=IndexOrigin.UNIQUE_CONSTRAINT,
        file=path,
        line=line,
    )
    return [MigrationOp(OpKind.CREATE_INDEX, t, path, line, indexes=(index,))] if columns else []


def _foreign_key(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    columns = _names(_s(a, "baseColumnNames"))
    target = _lower(a, "referencedTableName")
    if not columns or not target:
        return []
    fk = ForeignKey(
        t,
        columns,
        target,
        _names(_s(a, "referencedColumnNames")),
        _lower(a, "constraintName"),
        not_valid=_flag(a, "validate") is False,
        file=path,
        line=line,
    )
    return [MigrationOp(OpKind.ADD_FOREIGN_KEY, t, path, line, foreign_keys=(fk,))]


def _alter(
    nullable: bool | None,
) -> Callable[[str, dict[str, object], str, int], list[MigrationOp]]:
    def build(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
        column = _lower(a, "columnName")
        new_type = _lower(a, "newDataType") or None
        if not column:
            return []
        return [
            MigrationOp(
                OpKind.ALTER_COLUMN, t, path, line, column=column, type=new_type, nullable=nullable
            )
        ]

    return build


def _drop_column(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    names = [_lower(a, "columnName")] + [_lower(c, "name") for c in _columns(a)]
    return [MigrationOp(OpKind.DROP_COLUMN, t, path, line, column=n) for n in names if n]


def _rename_column(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    old, new = _lower(a, "oldColumnName"), _lower(a, "newColumnName")
    if not old or not new:
        return []
    return [MigrationOp(OpKind.RENAME_COLUMN, t, path, line, column=old, new_name=new)]


def _rename_table(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    old, new = _lower(a, "oldTableName"), _lower(a, "newTableName")
    return [MigrationOp(OpKind.RENAME_TABLE, old, path, line, new_name=new)] if old and new else []


def _drop_table(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    return [MigrationOp(OpKind.DROP_TABLE, t, path, line)] if t else []


def _drop_index(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    name = _lower(a, "indexName")
    return [MigrationOp(OpKind.DROP_INDEX, t, path, line, name=name)] if name else []


def _drop_constraint(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    name = _lower(a, "constraintName")
    return [MigrationOp(OpKind.DROP_CONSTRAINT, t, path, line, name=name)] if name else []


def _primary_key(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    columns = _names(_s(a, "columnNames"))
    return [MigrationOp(OpKind.ADD_PRIMARY_KEY, t, path, line, primary_key=columns)]


def _check(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    body = _s(a, "constraintBody")
    check = Check(t, body[:200], _lower(a, "constraintName"), path, line)
    return [MigrationOp(OpKind.ADD_CHECK, t, path, line, checks=(check,))] if body else []


def _sql(t: str, a: dict[str, object], path: str, line: int) -> list[MigrationOp]:
    text = _s(a, "sql")
    return [MigrationOp(OpKind.EXECUTE_SQL, "", path, line, sql=text)] if text else []


_BUILDERS: dict[str, Callable[[str, dict[str, object], str, int], list[MigrationOp]]] = {
    "createTable": _create_table,
    "addColumn": _add_column,
    "createIndex": _create_index,
    "addUniqueConstraint": _unique,
    "addForeignKeyConstraint": _foreign_key,
    "addNotNullConstraint": _alter(False),
    "dropNotNullConstraint": _alter(True),
    "modifyDataType": _alter(None),
    "dropColumn": _drop_column,
    "renameColumn": _rename_column,
    "renameTable": _rename_table,
    "dropTable": _drop_table,
    "dropIndex": _drop_index,
    "dropForeignKeyConstraint": _drop_constraint,
    "dropUniqueConstraint": _drop_constraint,
    "addPrimaryKey": _primary_key,
    "addCheckConstraint": _check,
    "sql": _sql,
}
