"""Prisma schema files: the datasource provider and relation mode, and each model's fields
(`?` optional, `[]` lists, @id, @unique, @default, @map, @db.*, @relation(fields:, references:))
with @@id, @@unique, @@index and @@map, as model declarations. Read in the parent from text
the index gives; prisma/migrations/*/migration.sql files go through the SQL reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from gatekeeper.migrations.model import Index, IndexOrigin, Tool
from gatekeeper.migrations.ormmodels import (
    MAX_FIELDS,
    MAX_MODELS,
    Field,
    ModelDecl,
    Relation,
    RelationKind,
)
from gatekeeper.migrations.textscan import (
    Kind,
    Node,
    Reader,
    Token,
    match_brackets,
    tokenize,
    unbalanced,
)

_BLOCKS = frozenset({"model", "enum", "datasource", "generator", "type", "view"})
# Prisma's provider names -> gatekeeper's dialects (cockroachdb speaks PostgreSQL).
PROVIDERS = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "cockroachdb": "postgres",
    "mysql": "mysql",
    "sqlite": "sqlite",
    "mongodb": "mongodb",
}


@dataclass(frozen=True, slots=True)
class PrismaSchema:
    path: str
    provider: str  # as written ("postgresql"); "" when the file has no datasource
    relation_mode: str  # "prisma": no foreign keys in the database
    models: tuple[ModelDecl, ...]
    problems: tuple[str, ...]

    @property
    def dialect(self) -> str:
        return PROVIDERS.get(self.provider, "")


def parse_schema(text: str, path: str) -> PrismaSchema:
    tokens = tokenize(text, "prisma")
    partner = match_brackets(tokens)
    reader = Reader(tokens, partner, named=":")
    problems: list[str] = []
    broken = unbalanced(tokens, partner)
    if broken is not None:
        problems.append(f"line {broken.line}: `{broken.text}` is never closed")
        return PrismaSchema(path, "", "", (), tuple(problems))
    blocks: list[tuple[str, str, int, int, int]] = []  # keyword, name, line, open, close
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (
            token.kind == "name"
            and token.text in _BLOCKS
            and i + 2 < len(tokens)
            and tokens[i + 1].kind == "name"
            and tokens[i + 2].is_("{")
        ):
            blocks.append((token.text, tokens[i + 1].text, token.line, i + 2, partner[i + 2]))
            i = partner[i + 2] + 1
            continue
        problems.append(f"line {token.line}: unexpected `{token.text[:40]}` outside a block")
        break
    enums = {name for keyword, name, *_ in blocks if keyword in ("enum", "type")}
    model_names = {name for keyword, name, *_ in blocks if keyword == "model"}
    provider = relation_mode = ""
    models: list[ModelDecl] = []
    for keyword, name, line, open_index, close in blocks:
        lines = _lines(tokens, reader, open_index + 1, close)
        if keyword == "datasource":
            settings = _settings(tokens, lines)
            provider = settings.get("provider", "")
            relation_mode = settings.get("relationMode", settings.get("referentialIntegrity", ""))
        elif keyword == "model" and len(models) < MAX_MODELS:
            decl = _model(path, name, line, lines, reader, enums, model_names, problems)
            if decl is not None:
                models.append(decl)
    return PrismaSchema(path, provider, relation_mode, tuple(models), tuple(problems))


def _lines(tokens: list[Token], reader: Reader, start: int, close: int) -> list[list[int]]:
    """Token indexes of each line of a block body; bracketed arguments stay on their line."""
    lines: list[list[int]] = []
    j = start
    current: list[int] = []
    line = -1
    while j < close:
        token = tokens[j]
        if token.line != line and current:
            lines.append(current)
            current = []
        current.append(j)
        if token.kind == "punct" and token.text in ("(", "[", "{"):
            end = reader.end_of(j)
            line = tokens[min(end, close) - 1].line
            current.extend(range(j + 1, min(end, close)))
            j = end
            continue
        line = token.line
        j += 1
    if current:
        lines.append(current)
    return lines


def _settings(tokens: list[Token], lines: list[list[int]]) -> dict[str, str]:
    """`key = "value"` lines of a datasource block (values that are not strings are left out)."""
    found: dict[str, str] = {}
    for line in lines:
        if len(line) >= 3 and tokens[line[1]].is_("=") and tokens[line[2]].kind == "str":
            found.setdefault(tokens[line[0]].text, tokens[line[2]].text)
    return found


def _model(
    path: str,
    name: str,
    line: int,
    lines: list[list[int]],
    reader: Reader,
    enums: set[str],
    models: set[str],
    problems: list[str],
) -> ModelDecl | None:
    tokens = reader.tokens
    table = name
    fields: list[Field] = []
    relations: list[Relation] = []
    indexes: list[Index] = []
    keys: tuple[str, ...] = ()
    for indexes_of_line in lines[:MAX_FIELDS]:
        first = tokens[indexes_of_line[0]]
        start = indexes_of_line[0]
        if first.is_("@") and reader.at(start + 1, "@"):
            attribute, _ = reader.annotation(start + 1)
            kind = attribute.text
            fields_node = attribute.arg(0, "fields")
            columns = _field_names(fields_node)
            if kind == "map":
                table = _string(attribute.arg(0, "name")) or table
            elif kind == "ignore":
                return None
            elif kind == "id":
                keys = columns
            elif kind in ("unique", "index") and columns:
                indexes.append(
                    Index(
                        "",
                        (
                            _string(attribute.get("map")) or _string(attribute.get("name")) or ""
                        ).lower(),
                        columns,
                        kind == "unique",
                        origin=IndexOrigin.UNIQUE_CONSTRAINT
                        if kind == "unique"
                        else IndexOrigin.INDEX,
                        file=path,
                        line=first.line,
                    )
                )
            continue
        if first.kind != "name" or len(indexes_of_line) < 2:
            problems.append(f"line {first.line}: model {name}: cannot read `{first.text[:40]}`")
            continue
        field = _field(path, first, indexes_of_line[1:], reader, enums, models, relations)
        if field is not None:
            fields.append(field)
    if keys:
        fields = [
            Field(f.name, f.column, f.type, f.line, False, True, f.unique, f.indexed, f.default)
            if f.name in keys
            else f
            for f in fields
        ]
    return ModelDecl(
        Tool.PRISMA,
        name,
        path,
        line,
        table=table,
        fields=tuple(fields),
        relations=tuple(relations),
        indexes=tuple(indexes),
    )


def _field(
    path: str,
    name: Token,
    rest: list[int],
    reader: Reader,
    enums: set[str],
    models: set[str],
    relations: list[Relation],
) -> Field | None:
    tokens = reader.tokens
    type_token = tokens[rest[0]]
    type_text = type_token.text
    position = 1
    is_list = optional = False
    attributes: dict[str, Node] = {}
    while position < len(rest):
        k = rest[position]
        token = tokens[k]
        if token.is_("?"):
            optional = True
        elif token.is_("["):
            is_list = True
        elif token.is_("(") and type_text == "Unsupported":
            inner = tokens[k + 1] if k + 1 < len(tokens) else None
            type_text = inner.text if inner is not None and inner.kind == "str" else type_text
        elif token.is_("@") and not reader.at(k + 1, "@"):
            node, end = reader.annotation(k)
            attributes.setdefault(node.text, node)
            while position < len(rest) and rest[position] < end:
                position += 1
            continue
        position += 1
    if "ignore" in attributes:
        return None
    if type_text in models:
        relation = attributes.get("relation")
        columns = _field_names(relation.get("fields")) if relation is not None else ()
        if relation is not None and columns:
            relations.append(
                Relation(
                    RelationKind.BELONGS_TO,
                    name.text,
                    type_text,
                    name.line,
                    columns=columns,
                    references=_field_names(relation.get("references")),
                    nullable=optional,
                )
            )
        return None  # the relation field itself is no column
    column = _string(attributes["map"].arg(0, "name")) if "map" in attributes else None
    native = next((node for key, node in attributes.items() if key.startswith("db.")), None)
    sql_type = type_text.lower()
    if native is not None:
        args = ",".join(i.text for i in native.items if i.kind is Kind.NUM)
        sql_type = native.text[3:].lower() + (f"({args})" if args else "")
    elif type_text in enums:
        sql_type = f"enum {type_text.lower()}"
    if is_list:
        sql_type += "[]"
    default_node = attributes.get("default")
    default = None
    if default_node is not None:
        value = default_node.arg(0)
        default = (
            "generated"
            if value is not None and value.kind is Kind.CALL
            else (value.text[:120] if value is not None else "default")
        )
    return Field(
        name.text,
        column or name.text,
        sql_type[:80],
        name.line,
        nullable=optional,
        primary_key="id" in attributes,
        unique="unique" in attributes,
        default=default,
    )


def _field_names(node: Node | None) -> tuple[str, ...]:
    """`[a, b(sort: Desc)]` -> ("a", "b")."""
    if node is None:
        return ()
    return tuple(
        item.text for item in node.elements() if item.kind in (Kind.NAME, Kind.CALL) and item.text
    )


def _string(node: Node | None) -> str | None:
    return node.string() if node is not None else None
