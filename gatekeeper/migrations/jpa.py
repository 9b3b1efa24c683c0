"""JPA entities (Java and Kotlin): @Entity and @MappedSuperclass classes read from tokens into
model declarations, with @Table indexes and unique constraints, @Column, @Id, @ManyToOne and
@OneToOne join columns; Spring Data MongoDB @Document classes with @Indexed; and Bean Validation
annotations as validation evidence.

Names follow Spring Boot's default naming (camelCase to snake_case); field access only (mapping
annotations on getters, @Embedded and @ManyToMany join tables are not read).
"""

from __future__ import annotations

import re

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.migrations.model import Check, Index, IndexOrigin, Tool
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
from gatekeeper.migrations.textscan import Kind, Node, Reader, Token, match_brackets, tokenize

MAX_MENTIONS = 50
_MAX_CLASS_DEPTH = 8
_CLASS_WORDS = frozenset({"class", "interface", "enum", "record"})
_SKIPPED_BODIES = frozenset({"interface", "enum", "record"})
_MODIFIERS = frozenset(
    {
        "public",
        "private",
        "protected",
        "static",
        "final",
        "transient",
        "volatile",
        "abstract",
        "open",
        "override",
        "lateinit",
        "internal",
        "data",
        "const",
    }
)
_PRIMITIVES = frozenset({"int", "long", "short", "byte", "boolean", "double", "float", "char"})
_VALIDATION_PACKAGES = ("jakarta.validation", "javax.validation", "org.hibernate.validator")
_VALIDATION = frozenset(
    {
        "NotNull",
        "NotBlank",
        "NotEmpty",
        "Size",
        "Email",
        "Pattern",
        "Min",
        "Max",
        "Positive",
        "PositiveOrZero",
        "Negative",
        "NegativeOrZero",
        "Past",
        "PastOrPresent",
        "Future",
        "FutureOrPresent",
        "DecimalMin",
        "DecimalMax",
        "Digits",
        "Valid",
        "Validated",
        "AssertTrue",
        "AssertFalse",
        "Length",
        "Range",
    }
)
_RELATIONS = ("ManyToOne", "OneToOne", "OneToMany", "ManyToMany")
_COLLECTIONS = frozenset({"List", "Set", "Collection", "MutableList", "MutableSet", "Iterable"})
_COMPOUND_KEY = re.compile(r"""['"]?([\w.]{1,128})['"]?\s{0,8}:\s{0,8}-?1""")


def extract(pf: ParsedFile) -> CodeSchema | None:
    text = pf.text
    jpa = "@Entity" in text or "@MappedSuperclass" in text
    mongo = "@Document" in text and "springframework.data.mongodb" in text
    validation = any(p in text for p in _VALIDATION_PACKAGES)
    if not (jpa or mongo or validation):
        return None
    tokens = tokenize(text, pf.language)
    scanner = _Scanner(pf.path, tokens, kotlin=pf.language == "kotlin", mongo=mongo)
    if jpa or mongo:
        scanner.scan(0, len(tokens), None, 0)
    mentions = _validation_mentions(tokens) if validation else ()
    if not scanner.models and not mentions and not scanner.problems:
        return None
    return CodeSchema(
        pf.path,
        models=tuple(scanner.models),
        validation=mentions,
        problems=tuple(scanner.problems),
        truncated=scanner.reader.truncated or len(scanner.models) >= MAX_MODELS,
    )


def _validation_mentions(tokens: list[Token]) -> tuple[Mention, ...]:
    found: list[Mention] = []
    for i in range(len(tokens) - 1):
        if tokens[i].is_("@") and tokens[i + 1].kind == "name":
            name = tokens[i + 1].text
            if name in _VALIDATION:
                found.append(Mention(tokens[i].line, f"@{name} (Bean Validation)"))
                if len(found) >= MAX_MENTIONS:
                    break
    return tuple(found)


class _Class:
    __slots__ = ("fields", "kind", "name", "relations")

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind
        self.fields: list[Field] = []
        self.relations: list[Relation] = []


class _Scanner:
    def __init__(self, path: str, tokens: list[Token], *, kotlin: bool, mongo: bool) -> None:
        self.path = path
        self.tokens = tokens
        self.partner = match_brackets(tokens)
        self.reader = Reader(tokens, self.partner, named="=", braces_are_arrays=not kotlin)
        self.kotlin = kotlin
        self.mongo = mongo
        self.models: list[ModelDecl] = []
        self.problems: list[str] = []

    def _word(self, i: int) -> str:
        token = self.tokens[i] if 0 <= i < len(self.tokens) else None
        return token.text if token is not None and token.kind == "name" else ""

    def scan(self, start: int, end: int, cls: _Class | None, depth: int) -> None:
        """Declarations in tokens[start:end]; members belong to `cls` when it is given."""
        i = start
        annotations: list[Node] = []
        while i < end:
            token = self.tokens[i]
            if token.is_("@") and self._word(i + 1) == "interface":
                i += 1
                continue
            if token.is_("@") and self._word(i + 1):
                node, i = self.reader.annotation(i)
                annotations.append(node)
                continue
            if token.kind == "name" and token.text in _CLASS_WORDS and self._word(i + 1):
                i = self._class(i, end, annotations, depth)
                annotations = []
                continue
            if cls is None:
                if token.is_(";") or token.is_("}"):
                    annotations = []
                i = self.reader.end_of(i) if token.text in ("(", "[", "{") else i + 1
                if token.text in ("(", "[", "{"):
                    annotations = []
                continue
            if self.kotlin:
                i = self._kotlin_member(i, end, annotations, cls, depth)
            else:
                i = self._java_member(i, end, annotations, cls, depth)
            annotations = []

    # -- classes

    def _class(self, i: int, end: int, annotations: list[Node], depth: int) -> int:
        keyword = self.tokens[i].text
        name = self.tokens[i + 1].text
        line = self.tokens[i].line
        j = i + 2
        bases: list[str] = []
        ctor: int | None = None
        last_line = self.tokens[i + 1].line
        while j < end:
            token = self.tokens[j]
            if token.is_("{") or token.is_(";"):
                break
            if (
                self.kotlin
                and token.line > last_line
                and not token.is_(":")
                and not token.is_(",")
                and not self.tokens[j - 1].is_(":")
                and not self.tokens[j - 1].is_(",")
            ):
                break  # a Kotlin class without a body ends with its header
            if token.is_("("):
                if ctor is None:
                    ctor = j
                j = self.reader.end_of(j)
                last_line = self.tokens[j - 1].line
                continue
            if token.is_("<"):
                j = self._skip_angles(j)
                continue
            extends = token.kind == "name" and token.text == "extends"
            if (extends or (self.kotlin and token.is_(":"))) and self._word(j + 1):
                bases.append(self.reader.dotted(j + 1)[0].rpartition(".")[2])
            last_line = token.line
            j += 1
        body_end = j
        cls = _Class(name, keyword)
        if j < end and self.tokens[j].is_("{"):
            close = self.partner[j]
            body_end = self.reader.end_of(j)
            marked = self._marked(annotations)
            if close >= len(self.tokens) or not self.tokens[close].is_("}"):
                if marked:
                    self.problems.append(
                        f"line {line}: the body of {keyword} {name} is not closed; not read"
                    )
                return len(self.tokens)
            if self.kotlin and ctor is not None and keyword == "class":
                self._kotlin_parameters(ctor, cls)
                ctor = None
            if keyword not in _SKIPPED_BODIES and depth < _MAX_CLASS_DEPTH:
                self.scan(j + 1, close, cls, depth + 1)
        if self.kotlin and ctor is not None and keyword == "class":
            self._kotlin_parameters(ctor, cls)
        self._declare(cls, annotations, bases, line)
        return body_end

    def _marked(self, annotations: list[Node]) -> bool:
        names = {a.last_name() for a in annotations}
        return bool(names & {"Entity", "MappedSuperclass"}) or (self.mongo and "Document" in names)

    def _declare(self, cls: _Class, annotations: list[Node], bases: list[str], line: int) -> None:
        by_name = {a.last_name(): a for a in annotations}
        entity = by_name.get("Entity")
        mapped = "MappedSuperclass" in by_name
        document = by_name.get("Document") if self.mongo else None
        if (entity is None and not mapped and document is None) or len(self.models) >= MAX_MODELS:
            return
        if document is not None:
            self.models.append(self._document(cls, by_name, document, line))
            return
        table = by_name.get("Table")
        name = ""
        if table is not None:
            name = _string(table.arg(0, "name")) or ""
        if not name and entity is not None:
            name = snake(_string(entity.arg(0, "name")) or cls.name)
        indexes: list[Index] = []
        if table is not None:
            indexes = _table_indexes(table, self.path, line)
        check = by_name.get("Check")
        checks = []
        if check is not None:
            expression = _string(check.arg(0, "constraints"))
            if expression:
                checks.append(Check("", expression[:200], "", self.path, check.line))
        self.models.append(
            ModelDecl(
                Tool.JPA,
                cls.name,
                self.path,
                line,
                table=name,
                fields=tuple(cls.fields[:MAX_FIELDS]),
                relations=tuple(cls.relations[:MAX_FIELDS]),
                indexes=tuple(indexes),
                checks=tuple(checks),
                bases=tuple(bases),
                abstract=entity is None,
            )
        )

    def _document(
        self, cls: _Class, by_name: dict[str, Node], document: Node, line: int
    ) -> ModelDecl:
        collection = _string(document.arg(0, "collection")) or _string(document.get("value"))
        name = collection or (cls.name[:1].lower() + cls.name[1:])
        indexes = []
        compound = [by_name[k] for k in ("CompoundIndex",) if k in by_name]
        if "CompoundIndexes" in by_name:
            holder = by_name["CompoundIndexes"].arg(0, "value")
            compound += holder.elements() if holder is not None else []
        for node in compound:
            definition = _string(node.arg(0, "def")) or ""
            columns = tuple(m.group(1) for m in _COMPOUND_KEY.finditer(definition[:2000]))
            if columns:
                indexes.append(
                    Index(
                        "",
                        _string(node.get("name")) or "",
                        columns,
                        _bool(node.get("unique")) is True,
                        file=self.path,
                        line=node.line,
                    )
                )
        return ModelDecl(
            Tool.MONGODB,
            cls.name,
            self.path,
            line,
            table=name,
            fields=tuple(cls.fields[:MAX_FIELDS]),
            indexes=tuple(indexes),
        )

    # -- members

    def _java_member(
        self, i: int, end: int, annotations: list[Node], cls: _Class, depth: int
    ) -> int:
        j = i
        head: list[Token] = []
        angle = 0
        while j < end:
            token = self.tokens[j]
            if token.is_("@") and self._word(j + 1):
                node, j = self.reader.annotation(j)
                annotations.append(node)
                continue
            if token.kind == "name" and token.text in _CLASS_WORDS and self._word(j + 1):
                return self._class(j, end, annotations, depth)
            if token.is_("("):
                return self._skip_method(j, end)
            if token.is_("{"):
                return self.reader.end_of(j)
            if token.is_("<"):
                angle += 1
            elif token.is_(">"):
                angle = max(0, angle - 1)
            elif token.is_("=") or token.is_(";") or (token.is_(",") and angle == 0):
                self._field(cls, annotations, head)
                while j < end and not self.tokens[j].is_(";"):
                    after = self.reader.skip(j + 1)
                    j = after if after > j else j + 1
                    if j < end and not self.tokens[j].is_(";") and not self.tokens[j].is_(","):
                        return j  # a closing brace: the member ends without `;`
                return j + 1
            head.append(token)
            j += 1
        return j

    def _skip_method(self, j: int, end: int) -> int:
        j = self.reader.end_of(j)
        while j < end and not self.tokens[j].is_("{") and not self.tokens[j].is_(";"):
            j = self.reader.end_of(j) if self.tokens[j].text in ("(", "[") else j + 1
        if j < end and self.tokens[j].is_("{"):
            return self.reader.end_of(j)
        return j + 1

    def _kotlin_member(
        self, i: int, end: int, annotations: list[Node], cls: _Class, depth: int
    ) -> int:
        j = i
        while j < end:
            token = self.tokens[j]
            if token.is_("@") and self._word(j + 1):
                node, j = self.reader.annotation(j)
                annotations.append(node)
                continue
            word = token.text if token.kind == "name" else ""
            if word in _CLASS_WORDS and self._word(j + 1):
                return self._class(j, end, annotations, depth)
            if word in ("val", "var") and self._word(j + 1):
                name = self.tokens[j + 1]
                k = j + 2
                type_tokens: list[Token] = []
                if self.reader.at(k, ":"):
                    k += 1
                    while k < end and self.tokens[k].line == name.line:
                        if self.tokens[k].text in ("=", "{") and self.tokens[k].kind == "punct":
                            break
                        type_tokens.append(self.tokens[k])
                        k += 1
                self._field(cls, annotations, [*type_tokens, name], kotlin_type=True)
                if k < end and self.tokens[k].line == name.line:
                    return self._line_end(k, end)  # an initializer or a getter
                return k
            if word == "fun" or word in ("init", "constructor", "companion", "object"):
                return self._line_end(j, end)
            if token.kind == "punct" and token.text in ("{", "(", "["):
                return self.reader.end_of(j)
            if token.kind != "name":
                return j + 1
            j += 1
        return j

    def _line_end(self, j: int, end: int) -> int:
        """Past an expression or block that starts at j and ends with its last line."""
        if j >= end:
            return end
        line = self.tokens[j].line
        while j < end:
            token = self.tokens[j]
            if token.line > line and not token.is_("{") and not token.is_("."):
                return j
            if token.kind == "punct" and token.text in ("{", "(", "["):
                j = self.reader.end_of(j)
                line = self.tokens[j - 1].line
                continue
            line = token.line
            j += 1
        return j

    def _kotlin_parameters(self, open_index: int, cls: _Class) -> None:
        close = min(self.partner[open_index], len(self.tokens))
        j = open_index + 1
        while j < close:
            annotations: list[Node] = []
            head: list[Token] = []
            is_property = False
            while j < close and not self.tokens[j].is_(","):
                token = self.tokens[j]
                if token.is_("@") and self._word(j + 1):
                    node, j = self.reader.annotation(j)
                    annotations.append(node)
                    continue
                if token.is_("="):
                    j = self.reader.skip(j + 1)
                    break
                if token.kind == "name" and token.text in ("val", "var"):
                    is_property = True
                elif token.kind == "punct" and token.text in ("(", "[", "{"):
                    j = self.reader.end_of(j)
                    continue
                head.append(token)
                j += 1
            if is_property and head:
                # `name: Type` -> type tokens first, then the name, as _field expects
                names = [t for t in head if t.kind == "name" and t.text not in _MODIFIERS]
                colon = next((k for k, t in enumerate(head) if t.is_(":")), None)
                if colon is not None and colon > 0:
                    self._field(cls, annotations, [*head[colon + 1 :], head[colon - 1]], True)
                elif names:
                    self._field(cls, annotations, [names[-1]], True)
            j += 1

    def _skip_angles(self, j: int) -> int:
        """Past the type arguments `<...>` at j; past the whole window when they never close,
        so a run of `<` costs linear time."""
        depth = 0
        stop = min(j + 256, len(self.tokens))
        for k in range(j, stop):
            text = self.tokens[k].text
            if text == "<":
                depth += 1
            elif text == ">":
                depth -= 1
                if depth == 0:
                    return k + 1
        return stop

    # -- one field

    def _field(
        self, cls: _Class, annotations: list[Node], head: list[Token], kotlin_type: bool = False
    ) -> None:
        """A field from its declaration head (modifiers, type tokens, then its name last)."""
        words = [t for t in head if t.kind == "name"]
        if not words or len(cls.fields) >= MAX_FIELDS:
            return
        name_token = words[-1]
        modifiers = {t.text for t in words[:-1] if t.text in _MODIFIERS}
        if modifiers & {"static", "transient", "const"}:
            return
        type_tokens = [t for t in head[:-1] if not (t.kind == "name" and t.text in _MODIFIERS)]
        if not kotlin_type and name_token is not head[-1]:
            return  # not `Type name`: an expression statement in an initializer
        by_name = {a.last_name(): a for a in annotations}
        if "Transient" in by_name:
            return
        base, element = _type_names(type_tokens)
        # Kotlin's `String?` is the same column type as `String` (nullability comes from JPA).
        type_text = "".join(t.text for t in type_tokens).lower().rstrip("?")[:80]
        name = name_token.text
        line = name_token.line
        if annotations:
            line = min(line, min(a.line for a in annotations))
        if cls.kind != "class":
            return
        if self.mongo and "Entity" not in by_name and "Column" not in by_name:
            cls.fields.append(_document_field(name, by_name, type_text, line))
            return
        relation = next((by_name[k] for k in _RELATIONS if k in by_name), None)
        if relation is not None:
            self._relation(cls, relation, by_name, name, base, element, line)
            return
        if {"Embedded", "EmbeddedId", "ElementCollection"} & set(by_name):
            return  # embedded values and element collections are not read
        column = by_name.get("Column")
        column_name = definition = None
        length: int | None = None
        if column is not None:
            column_name = _string(column.arg(0, "name"))
            definition = _string(column.get("columnDefinition"))
            length_node = column.get("length")
            length = length_node.number() if length_node is not None else None
        if definition:
            type_text = definition.lower()[:80]
        elif length is not None:
            type_text = f"{type_text}({length})"
        primary = "Id" in by_name
        not_null = (
            primary
            or (column is not None and _bool(column.get("nullable")) is False)
            or "NotNull" in by_name
            or base in _PRIMITIVES
        )
        unique = (column is not None and _bool(column.get("unique")) is True) or (
            "NaturalId" in by_name
        )
        cls.fields.append(
            Field(
                name,
                column_name or snake(name),
                type_text,
                line,
                nullable=not not_null,
                primary_key=primary,
                unique=unique,
                default="generated" if "GeneratedValue" in by_name else None,
            )
        )

    def _relation(
        self,
        cls: _Class,
        relation: Node,
        by_name: dict[str, Node],
        name: str,
        base: str,
        element: str,
        line: int,
    ) -> None:
        kind = relation.last_name()
        target_node = relation.get("targetEntity")
        target = (
            target_node.text.removesuffix(".class").removesuffix("::class").rpartition(".")[2]
            if target_node is not None and target_node.kind is Kind.NAME
            else (element if base in _COLLECTIONS else base)
        )
        join = by_name.get("JoinColumn")
        join_name = _string(join.arg(0, "name")) if join is not None else None
        mapped_by = relation.get("mappedBy") is not None
        if kind == "OneToMany" and join_name:
            # A unidirectional one-to-many with a join column: the key is on the target's table.
            cls.relations.append(
                Relation(RelationKind.HAS, name, target, line, columns=(join_name,))
            )
            return
        if kind not in ("ManyToOne", "OneToOne") or mapped_by:
            return  # the other side holds the key, or a join table (not read)
        referenced = _string(join.get("referencedColumnName")) if join is not None else None
        nullable = not (
            (join is not None and _bool(join.get("nullable")) is False)
            or _bool(relation.get("optional")) is False
            or "NotNull" in by_name
        )
        unique = kind == "OneToOne" or (join is not None and _bool(join.get("unique")) is True)
        cls.relations.append(
            Relation(
                RelationKind.BELONGS_TO,
                name,
                target,
                line,
                columns=(join_name,) if join_name else (),
                references=(referenced,) if referenced else (),
                nullable=nullable,
                unique=unique,
                adds_column=True,
            )
        )


def _document_field(name: str, by_name: dict[str, Node], type_text: str, line: int) -> Field:
    """A Spring Data MongoDB field: @Id is _id, @Field renames, @Indexed indexes."""
    renamed = by_name.get("Field")
    column = (_string(renamed.arg(0, "name")) if renamed is not None else None) or name
    primary = "Id" in by_name or "MongoId" in by_name
    if primary:
        column = "_id"
    indexed = by_name.get("Indexed")
    return Field(
        name,
        column,
        type_text,
        line,
        nullable=not primary and "NotNull" not in by_name,
        primary_key=primary,
        unique=indexed is not None and _bool(indexed.get("unique")) is True,
        indexed=indexed is not None,
    )


def _type_names(tokens: list[Token]) -> tuple[str, str]:
    """(the type's simple name, its first type argument's): `List<Order>` -> (List, Order),
    `java.util.Set<com.acme.Tag>` -> (Set, Tag)."""
    base = element = ""
    depth = 0
    argument_started = False
    for k, token in enumerate(tokens):
        if token.is_("<"):
            depth += 1
        elif token.is_(">"):
            depth -= 1
        elif token.is_(","):
            argument_started = argument_started or depth == 1
        elif token.kind == "name":
            after_dot = k > 0 and tokens[k - 1].is_(".")
            if depth == 0:
                base = token.text
            elif (
                depth == 1
                and not argument_started
                and token.text not in ("out", "in")
                and (not element or after_dot)
            ):
                element = token.text  # the last part of a dotted name wins
    return base, element


def _table_indexes(table: Node, path: str, line: int) -> list[Index]:
    indexes: list[Index] = []
    holder = table.get("indexes")
    for node in holder.elements() if holder is not None else []:
        if node.kind is not Kind.CALL:
            continue
        columns = _column_list(_string(node.get("columnList")) or "")
        if columns:
            indexes.append(
                Index(
                    "",
                    (_string(node.get("name")) or "").lower(),
                    columns,
                    _bool(node.get("unique")) is True,
                    file=path,
                    line=node.line or line,
                )
            )
    holder = table.get("uniqueConstraints")
    for node in holder.elements() if holder is not None else []:
        names = node.get("columnNames")
        columns = tuple(c.lower() for c in names.strings()) if names is not None else ()
        if node.kind is Kind.CALL and columns:
            indexes.append(
                Index(
                    "",
                    (_string(node.get("name")) or "").lower(),
                    columns,
                    True,
                    origin=IndexOrigin.UNIQUE_CONSTRAINT,
                    file=path,
                    line=node.line or line,
                )
            )
    return indexes


def _column_list(text: str) -> tuple[str, ...]:
    """`"customer_id, created_at DESC"` -> ("customer_id", "created_at")."""
    columns = []
    for part in text.split(",")[:32]:
        words = part.split()
        if words:
            columns.append(words[0].lower())
    return tuple(columns)


def _string(node: Node | None) -> str | None:
    return node.string() if node is not None else None


def _bool(node: Node | None) -> bool | None:
    return node.boolean() if node is not None else None


EXTRACTOR = FunctionExtractor("migrations.jpa", frozenset({"java", "kotlin"}), extract)
