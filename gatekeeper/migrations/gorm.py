"""GORM models (Go): struct fields and their `gorm:"..."` tags (column, type, primaryKey, not
null, unique, index, uniqueIndex, default, check, foreignKey, references, many2many, embedded),
gorm.Model, TableName() methods and AutoMigrate(...) calls; `validate:"..."` and `binding:"..."`
tags anywhere as request validation evidence.

A struct is a model when it embeds gorm.Model, carries a gorm tag, has a TableName() method or
is given to AutoMigrate; which of its fields are relations is decided in the parent, where every
struct of the service is known.
"""

from __future__ import annotations

import re

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.migrations.model import Check, Tool
from gatekeeper.migrations.ormmodels import (
    MAX_FIELDS,
    MAX_MODELS,
    CodeSchema,
    Field,
    Mention,
    ModelDecl,
    Relation,
    RelationKind,
    snake,
)
from gatekeeper.migrations.textscan import Reader, Token, match_brackets, tokenize, unbalanced

MAX_MENTIONS = 50
_MAX_ARGUMENT_TOKENS = 2000  # tokens of one AutoMigrate(...) call read for model names
_TAG = re.compile(r"""([\w-]{1,64}):"((?:[^"\\]|\\.){0,2000})\"""")
# Go types that are values in one column, never a relation to another model.
_SCALAR_PACKAGES = frozenset(
    {"time", "sql", "datatypes", "json", "uuid", "decimal", "pq", "pgtype", "null", "gorm"}
)
_SCALARS = frozenset(
    {
        "string",
        "bool",
        "byte",
        "rune",
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float32",
        "float64",
        "complex64",
        "complex128",
        "any",
        "interface",
        "error",
    }
)
_GORM_MODEL = (
    ("ID", "id", "uint", True, False),
    ("CreatedAt", "created_at", "time.time", False, False),
    ("UpdatedAt", "updated_at", "time.time", False, False),
    ("DeletedAt", "deleted_at", "gorm.deletedat", False, True),
)


def extract(pf: ParsedFile) -> CodeSchema | None:
    text = pf.text
    gorm = "gorm" in text
    tags = 'validate:"' in text or 'binding:"' in text
    if not gorm and not tags and "AutoMigrate" not in text:
        return None
    tokens = tokenize(text, "go")
    partner = match_brackets(tokens)
    reader = Reader(tokens, partner)
    scanner = _Scanner(pf.path, tokens, reader)
    scanner.scan()
    broken = unbalanced(tokens, partner) if scanner.models and gorm else None
    if broken is not None and not scanner.problems:
        scanner.problems.append(
            f"line {broken.line}: `{broken.text}` is never closed; the models may be read "
            "incompletely"
        )
    if not (
        scanner.models
        or scanner.mentions
        or scanner.migrated
        or scanner.table_names
        or scanner.sync
        or scanner.problems
    ):
        return None
    return CodeSchema(
        pf.path,
        models=tuple(scanner.models) if gorm else (),
        validation=tuple(scanner.mentions),
        startup_sync=tuple(scanner.sync),
        migrated=tuple(sorted(set(scanner.migrated))),
        table_names=tuple(sorted(scanner.table_names.items())),
        problems=tuple(scanner.problems),
        truncated=len(scanner.models) >= MAX_MODELS,
    )


def tag_values(tag: str) -> dict[str, str]:
    """A Go struct tag's key:"value" pairs."""
    return {m.group(1): m.group(2) for m in _TAG.finditer(tag[:4000])}


def gorm_settings(value: str) -> list[tuple[str, str]]:
    """`column:name;not null;index:idx_a,unique` -> [(COLUMN, name), (NOT NULL, ""), ...]."""
    settings = []
    for part in value.split(";")[:64]:
        key, _, rest = part.partition(":")
        key = key.strip().upper()
        if key:
            settings.append((key, rest.strip()))
    return settings


class _Scanner:
    def __init__(self, path: str, tokens: list[Token], reader: Reader) -> None:
        self.path = path
        self.tokens = tokens
        self.reader = reader
        self.models: list[ModelDecl] = []
        self.mentions: list[Mention] = []
        self.migrated: list[str] = []
        self.table_names: dict[str, str] = {}
        self.sync: list[Mention] = []
        self.problems: list[str] = []

    def scan(self) -> None:
        tokens = self.tokens
        i = 0
        n = len(tokens)
        while i < n:
            token = tokens[i]
            if (
                token.kind == "name"
                and token.text == "struct"
                and i + 1 < n
                and tokens[i + 1].is_("{")
                and i >= 1
                and tokens[i - 1].kind == "name"
                and (i < 2 or tokens[i - 2].text == "type" or tokens[i - 2].line < token.line)
            ):
                close = self.reader.partner[i + 1]
                if close >= n or not tokens[close].is_("}"):
                    self.problems.append(
                        f"line {token.line}: struct {tokens[i - 1].text} is not closed; not read"
                    )
                    return
                self._struct(tokens[i - 1].text, tokens[i - 1].line, i + 1, close)
                i = close + 1
                continue
            if token.kind == "name" and token.text == "TableName" and self._table_name(i):
                i += 1
                continue
            if (
                token.kind == "name"
                and token.text in ("AutoMigrate", "CreateTable")
                and i + 1 < n
                and tokens[i + 1].is_("(")
            ):
                i = self._auto_migrate(i)  # past its arguments: nested calls are not re-read
                continue
            i += 1

    # -- structs

    def _struct(self, name: str, line: int, open_index: int, close: int) -> None:
        fields: list[Field] = []
        relations: list[Relation] = []
        checks: list[Check] = []
        confirmed = False
        explicit_key = False
        for tokens in self._field_lines(open_index + 1, close):
            tag = tokens[-1].text if len(tokens) >= 2 and tokens[-1].kind == "str" else ""
            body = tokens[:-1] if tag else tokens
            values = tag_values(tag) if tag else {}
            self._mention(values, tokens[0].line)
            if "gorm" in values:
                confirmed = True
            embedded = _embedded(body)
            if embedded is not None:
                if embedded == "gorm.Model":
                    confirmed = True
                    fields.extend(
                        Field(f, c, t, tokens[0].line, nullable=not pk, primary_key=pk, indexed=ix)
                        for f, c, t, pk, ix in _GORM_MODEL
                    )
                else:
                    fields.append(Field(embedded, "", "", tokens[0].line, embedded=_last(embedded)))
                continue
            names, type_tokens = _names_and_type(body)
            if not names or not type_tokens:
                continue
            settings = gorm_settings(values.get("gorm", ""))
            keys = {k for k, _ in settings}
            if "-" in keys or any(k.startswith("-") for k in keys):
                continue
            type_text = "".join(t.text for t in type_tokens)
            for key, value in settings:
                if key == "CHECK" and value:
                    # `check:name,expression` or `check:expression`
                    head, comma, rest = value.partition(",")
                    named = comma and head.strip().isidentifier()
                    checks.append(
                        Check(
                            "",
                            (rest if named else value)[:200],
                            head if named else "",
                            self.path,
                            tokens[0].line,
                        )
                    )
            for field_name in names:
                if not field_name[:1].isupper():
                    continue  # unexported: GORM ignores it
                built = _field(field_name, type_text, tokens[0].line, settings)
                explicit_key = explicit_key or built.primary_key
                if "EMBEDDED" in keys:
                    prefix = next((v for k, v in settings if k == "EMBEDDEDPREFIX"), "")
                    fields.append(
                        Field(
                            field_name,
                            "",
                            "",
                            built.line,
                            embedded=_base_type(type_text),
                            embedded_prefix=prefix,
                        )
                    )
                    continue
                relation = _relation(field_name, type_text, built.line, settings)
                if relation is not None:
                    relations.append(relation)
                    if relation.kind is not RelationKind.AUTO or type_text.startswith("[]"):
                        continue  # a slice of models is never a column
                fields.append(built)
                if len(fields) >= MAX_FIELDS:
                    break
        if not explicit_key:
            fields = [
                Field(
                    f.name,
                    f.column,
                    f.type,
                    f.line,
                    False,
                    True,
                    f.unique,
                    f.indexed,
                    f.default,
                    f.index_names,
                    f.embedded,
                    f.embedded_prefix,
                )
                if f.name == "ID" and not f.embedded
                else f
                for f in fields
            ]
        if len(self.models) < MAX_MODELS:
            self.models.append(
                ModelDecl(
                    Tool.GORM,
                    name,
                    self.path,
                    line,
                    fields=tuple(fields),
                    relations=tuple(relations),
                    checks=tuple(checks),
                    confirmed=confirmed,
                )
            )

    def _field_lines(self, start: int, close: int) -> list[list[Token]]:
        """The struct's fields: tokens grouped by line, nested brackets kept whole."""
        lines: list[list[Token]] = []
        current: list[Token] = []
        j = start
        last_line = -1
        while j < close:
            token = self.tokens[j]
            if token.is_(";"):
                if current:
                    lines.append(current)
                current = []
                j += 1
                continue
            if token.line != last_line and current and not self.tokens[j - 1].is_(","):
                lines.append(current)
                current = []
            current.append(token)
            if token.kind == "punct" and token.text in ("{", "(", "["):
                end = self.reader.end_of(j)
                current.extend(self.tokens[j + 1 : min(end, close)])
                last_line = self.tokens[min(end, close) - 1].line
                j = end
                continue
            last_line = token.line
            j += 1
        if current:
            lines.append(current)
        return lines[:MAX_FIELDS]

    def _mention(self, values: dict[str, str], line: int) -> None:
        for key in ("validate", "binding"):
            if key in values and values[key] not in ("", "-") and len(self.mentions) < MAX_MENTIONS:
                self.mentions.append(Mention(line, f'{key}:"{values[key][:60]}" tag'))

    # -- functions and calls

    def _table_name(self, i: int) -> bool:
        """`func (User) TableName() string { return "people" }`: the struct's table."""
        tokens = self.tokens
        if i < 3 or not tokens[i - 1].is_(")"):
            return False
        opener = next((j for j in range(i - 2, max(-1, i - 8), -1) if tokens[j].is_("(")), None)
        if opener is None or opener < 1 or tokens[opener - 1].text != "func":
            return False
        receiver = [t.text for t in tokens[opener + 1 : i - 1] if t.kind == "name"]
        window = tokens[i + 1 : i + 8]
        texts = [t.text for t in window]
        if not receiver or texts[:4] != ["(", ")", "string", "{"] or "return" not in texts:
            return False
        value = (
            window[texts.index("return") + 1] if texts.index("return") + 1 < len(window) else None
        )
        if value is not None and value.kind == "str" and value.text:
            self.table_names[receiver[-1]] = value.text
        return True

    def _auto_migrate(self, i: int) -> int:
        tokens = self.tokens
        close = min(self.reader.partner[i + 1], len(tokens), i + 2 + _MAX_ARGUMENT_TOKENS)
        if len(self.sync) < MAX_MENTIONS:
            self.sync.append(Mention(tokens[i].line, f"{tokens[i].text}()"))
        for j in range(i + 2, close):
            if len(self.migrated) >= MAX_MODELS:
                break
            token = tokens[j]
            if token.is_("{") and tokens[j - 1].kind == "name":
                self.migrated.append(tokens[j - 1].text)  # &User{}, &models.User{}
            elif token.text == "new" and j + 2 < close and tokens[j + 1].is_("("):
                # new(User), new(models.User): the last name before `)`
                inside = tokens[j + 2 : min(close, j + 8)]
                names = [t.text for t in inside if t.kind == "name"]
                if names and any(t.is_(")") for t in inside):
                    self.migrated.append(names[-1])
        return max(close, i + 1)


def _embedded(body: list[Token]) -> str | None:
    """`gorm.Model`, `Base`, `*Base`: an embedded struct's (qualified) name; None otherwise."""
    words = [t for t in body if not t.is_("*")]
    if len(words) == 1 and words[0].kind == "name":
        return words[0].text
    if len(words) == 3 and words[1].is_(".") and words[0].kind == words[2].kind == "name":
        return f"{words[0].text}.{words[2].text}"
    return None


def _names_and_type(body: list[Token]) -> tuple[list[str], list[Token]]:
    names: list[str] = []
    j = 0
    while j < len(body) and body[j].kind == "name":
        names.append(body[j].text)
        if j + 1 < len(body) and body[j + 1].is_(","):
            j += 2
            continue
        j += 1
        break
    return names, body[j:]


def _last(name: str) -> str:
    return name.rpartition(".")[2]


def _base_type(type_text: str) -> str:
    """`[]*models.Order` -> `Order`."""
    return _last(type_text.lstrip("[]*"))


def _field(name: str, type_text: str, line: int, settings: list[tuple[str, str]]) -> Field:
    values = dict(settings)
    column = values.get("COLUMN") or snake(name)
    sql_type = values.get("TYPE") or type_text.lower()
    if "SIZE" in values and "TYPE" not in values:
        sql_type = f"{sql_type}({values['SIZE']})"
    primary = "PRIMARYKEY" in values or "PRIMARY_KEY" in values
    unique = "UNIQUE" in values
    indexed = False
    named: list[tuple[str, bool]] = []
    for key, value in settings:
        if key not in ("INDEX", "UNIQUEINDEX", "UNIQUE_INDEX"):
            continue
        index_name, _, options = value.partition(",")
        is_unique = key != "INDEX" or "unique" in options.lower().split(",")
        if index_name.strip():
            named.append((index_name.strip(), is_unique))
        elif is_unique:
            unique = True
        else:
            indexed = True
    default = values.get("DEFAULT")
    if "AUTOINCREMENT" in values:
        default = "generated"
    return Field(
        name,
        column,
        sql_type[:80],
        line,
        nullable="NOT NULL" not in values and not primary,
        primary_key=primary,
        unique=unique,
        indexed=indexed,
        default=default,
        index_names=tuple(named),
    )


def _relation(
    name: str, type_text: str, line: int, settings: list[tuple[str, str]]
) -> Relation | None:
    """A field whose type may be another model; the parent keeps it only if it is one."""
    base = type_text.lstrip("[]*")
    package, _, simple = base.rpartition(".")
    if (
        not simple
        or not simple[:1].isupper()
        or simple.lower() in _SCALARS
        or package in _SCALAR_PACKAGES
        or "map[" in type_text
        or "func" in type_text
    ):
        return None
    values = dict(settings)
    foreign = tuple(c.strip() for c in values.get("FOREIGNKEY", "").split(",") if c.strip())
    references = tuple(c.strip() for c in values.get("REFERENCES", "").split(",") if c.strip())
    if "MANY2MANY" in values:
        return Relation(
            RelationKind.MANY_TO_MANY, name, simple, line, join_table=values["MANY2MANY"]
        )
    kind = RelationKind.HAS if type_text.startswith("[]") else RelationKind.AUTO
    return Relation(kind, name, simple, line, columns=foreign, references=references)


EXTRACTOR = FunctionExtractor("migrations.gorm", frozenset({"go"}), extract)
