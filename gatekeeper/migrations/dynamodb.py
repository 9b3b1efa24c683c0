"""DynamoDB tables declared as infrastructure code, and how the application reads them.

Tables (key schema, attribute definitions, global and local secondary indexes) come from
CloudFormation, SAM and Serverless templates (`AWS::DynamoDB::Table`, `AWS::DynamoDB::
GlobalTable`, `AWS::Serverless::SimpleTable`; YAML through gatekeeper's safe loader with
CloudFormation's `!Ref`/`!GetAtt`/`!Sub` kept as plain values, or JSON), Terraform
`resource "aws_dynamodb_table"` blocks (a small HCL block reader: attributes and nested
blocks, expressions skipped), and CDK code (`new dynamodb.Table(this, id, {partitionKey,
sortKey})` and `addGlobalSecondaryIndex`/`addLocalSecondaryIndex` in TypeScript/JavaScript;
`dynamodb.Table(self, id, partition_key=dynamodb.Attribute(...))` in Python, read with `ast`).
Each table becomes a table of the schema model: its key schema is the primary key, each index
an Index.

Access patterns are read line by line from application code: a query naming an `IndexName`
(boto3, the JavaScript SDKs) and scans (`table.scan(`, `ScanCommand`, the scan paginator).
Nothing is executed; files and lines read are capped.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from gatekeeper.migrations.model import (
    Column,
    Index,
    IndexOrigin,
    Migration,
    MigrationOp,
    OpKind,
    Tool,
)
from gatekeeper.migrations.textscan import Kind, Node, Reader, tokenize
from gatekeeper.yamlsafe import DataFormatError, KeyPath, load_json, load_yaml_with_lines

MAX_BYTES = 2 * 1024 * 1024  # a template or code file larger than this is not read
MAX_TABLES = 500  # tables read per file
MAX_LINES = 20_000  # lines of one code file searched for access patterns
MAX_LINE_CHARS = 500
_CFN_TYPES = frozenset(
    {"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable"}
)
_TYPES = {"s": "string", "n": "number", "b": "binary"}
_CDK_TYPES = {"STRING": "string", "NUMBER": "number", "BINARY": "binary"}


@dataclass(frozen=True, slots=True)
class DynamoIndex:
    name: str
    hash_key: str
    range_key: str
    line: int
    local: bool = False


@dataclass(frozen=True, slots=True)
class DynamoTable:
    name: str
    path: str
    line: int
    hash_key: str
    range_key: str = ""
    attributes: tuple[tuple[str, str], ...] = ()  # (name, type) as declared
    indexes: tuple[DynamoIndex, ...] = ()


@dataclass(frozen=True, slots=True)
class DynamoFile:
    path: str
    tables: tuple[DynamoTable, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Access:
    """A read in application code: a query on a named index, or a scan."""

    path: str
    line: int
    kind: str  # "query" | "scan"
    index: str = ""


# ---------------------------------------------------------------------------- detection


def is_template(text: str) -> bool:
    return any(t in text for t in _CFN_TYPES)


def is_terraform(text: str) -> bool:
    return "aws_dynamodb_table" in text


def is_cdk(text: str) -> bool:
    return ("aws-cdk" in text or "aws_cdk" in text) and "dynamodb" in text.lower()


def is_dynamodb_code(text: str) -> bool:
    lowered = text.lower()
    return "dynamodb" in lowered or "documentclient" in lowered


def to_migration(found: DynamoFile) -> Migration:
    """A file's tables as one schema Migration (tool dynamodb, not run against a database)."""
    ops = []
    for t in found.tables:
        types = dict(t.attributes)
        keys = tuple(k for k in (t.hash_key, t.range_key) if k)
        names = list(keys) + [a for a, _ in t.attributes if a not in keys]
        columns = tuple(
            Column(n, _TYPES.get(types.get(n, "").lower(), types.get(n, "").lower()),
                   n not in keys, None, n in keys, t.path, t.line)
            for n in names
        )  # fmt: skip
        indexes = tuple(
            Index(
                t.name,
                i.name,
                tuple(k for k in (i.hash_key or t.hash_key, i.range_key) if k),
                origin=IndexOrigin.INDEX,
                file=t.path,
                line=i.line,
            )
            for i in t.indexes
        )
        ops.append(
            MigrationOp(
                OpKind.CREATE_TABLE,
                t.name,
                t.path,
                t.line,
                columns=columns,
                primary_key=keys,
                indexes=indexes,
            )
        )
    return Migration(
        path=found.path,
        tool=Tool.DYNAMODB,
        id=found.path,
        parents=(),
        operations=tuple(ops),
        reversible=None,
        problems=found.problems,
    )


# ---------------------------------------------------------------------------- CloudFormation


def read_template(path: str, text: str) -> DynamoFile:
    """CloudFormation, SAM or Serverless (`resources.Resources`), YAML or JSON."""
    lines: dict[KeyPath, int] = {}
    try:
        if path.lower().endswith(".json"):
            data = load_json(text, path)
        else:
            data, lines = load_yaml_with_lines(text, path=path, local_tags=True)
    except DataFormatError as exc:
        return DynamoFile(path, problems=(str(exc),))
    prefix: KeyPath = ("Resources",)
    resources = data.get("Resources") if isinstance(data, dict) else None
    if not isinstance(resources, dict) and isinstance(data, dict):
        holder = data.get("resources")
        resources = holder.get("Resources") if isinstance(holder, dict) else None
        prefix = ("resources", "Resources")
        if isinstance(holder, list):  # Serverless: resources as a list of fragments
            merged: dict[str, object] = {}
            for fragment in holder[:100]:
                inner = fragment.get("Resources") if isinstance(fragment, dict) else None
                if isinstance(inner, dict):
                    merged.update(inner)
            resources = merged or None
    if not isinstance(resources, dict):
        return DynamoFile(path)
    tables: list[DynamoTable] = []
    problems: list[str] = []
    for logical, resource in list(resources.items())[:10_000]:
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if not isinstance(resource, dict) or not isinstance(kind, str) or kind not in _CFN_TYPES:
            continue
        where = (*prefix, str(logical))
        line = lines.get(where) or _json_line(text, str(logical))
        props = resource.get("Properties")
        props = props if isinstance(props, dict) else {}
        table = _cfn_table(path, str(logical), kind, props, line, lines, where)
        if table is None:
            problems.append(f"line {line}: {logical} ({kind}) has no KeySchema")
        elif len(tables) < MAX_TABLES:
            tables.append(table)
    return DynamoFile(path, tuple(tables), tuple(problems))


def _json_line(text: str, key: str) -> int:
    at = text.find(f'"{key}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _literal_name(value: object, fallback: str) -> str:
    if isinstance(value, str) and value and "${" not in value and "{{" not in value:
        return value
    return fallback


def _cfn_table(
    path: str,
    logical: str,
    kind: str,
    props: Mapping[str, object],
    line: int,
    lines: Mapping[KeyPath, int],
    where: KeyPath,
) -> DynamoTable | None:
    name = _literal_name(props.get("TableName"), logical)
    if kind == "AWS::Serverless::SimpleTable":
        key = props.get("PrimaryKey")
        key_name = str(key.get("Name", "id")) if isinstance(key, dict) else "id"
        key_type = str(key.get("Type", "String")) if isinstance(key, dict) else "String"
        return DynamoTable(name, path, line, key_name, "", ((key_name, key_type.lower()),))
    hash_key, range_key = _key_schema(props.get("KeySchema"))
    if not hash_key:
        return None
    attributes = tuple(
        (str(a.get("AttributeName")), str(a.get("AttributeType", "")))
        for a in _items(props.get("AttributeDefinitions"))
        if a.get("AttributeName")
    )
    indexes: list[DynamoIndex] = []
    for key, local in (("GlobalSecondaryIndexes", False), ("LocalSecondaryIndexes", True)):
        for position, item in enumerate(_items(props.get(key))):
            index_hash, index_range = _key_schema(item.get("KeySchema"))
            at = lines.get((*where, "Properties", key, position), line)
            indexes.append(
                DynamoIndex(str(item.get("IndexName", "")), index_hash, index_range, at, local)
            )
    return DynamoTable(name, path, line, hash_key, range_key, attributes, tuple(indexes))


def _items(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)][:1000] if isinstance(value, list) else []


def _key_schema(value: object) -> tuple[str, str]:
    hash_key = range_key = ""
    for item in _items(value):
        kind = str(item.get("KeyType", "")).upper()
        name = str(item.get("AttributeName", ""))
        if kind == "HASH":
            hash_key = name
        elif kind == "RANGE":
            range_key = name
    return hash_key, range_key


# ---------------------------------------------------------------------------- Terraform

_HCL_TOKEN = re.compile(
    r"(?P<skip>[ \t\r\n]{1,10000}|#[^\n]{0,100000}|//[^\n]{0,100000}"
    r"|/\*(?:[^*]|\*(?!/)){0,1000000}(?:\*/)?)"
    r'|(?P<str>"(?:[^"\\\n]|\\.){0,10000}"?)'
    r"|(?P<name>[A-Za-z_][\w.\-]{0,255})"
    r"|(?P<num>\d[\w.]{0,64})"
    r"|(?P<punct>.)",
    re.DOTALL,
)
_MAX_HCL_TOKENS = 500_000


@dataclass(slots=True)
class _Block:
    kind: str
    labels: list[str]
    line: int
    attributes: dict[str, tuple[str, int]] = field(default_factory=dict)  # literal values only
    blocks: list[_Block] = field(default_factory=list)


def read_terraform(path: str, text: str) -> DynamoFile:
    tokens = list(_hcl_tokens(text))
    top, problem = _hcl_body(tokens, 0, 0)
    tables: list[DynamoTable] = []
    problems = [problem] if problem else []
    for block in top.blocks:
        if block.kind != "resource" or block.labels[:1] != ["aws_dynamodb_table"]:
            continue
        label = block.labels[1] if len(block.labels) > 1 else "table"
        name = _literal_name(block.attributes.get("name", ("", 0))[0], label)
        hash_key = block.attributes.get("hash_key", ("", 0))[0]
        if not hash_key:
            problems.append(
                f"line {block.line}: aws_dynamodb_table.{label} has no literal hash_key"
            )
            continue
        attributes = tuple(
            (b.attributes.get("name", ("", 0))[0], b.attributes.get("type", ("", 0))[0])
            for b in block.blocks
            if b.kind == "attribute" and b.attributes.get("name")
        )
        indexes = tuple(
            DynamoIndex(
                b.attributes.get("name", ("", 0))[0],
                b.attributes.get("hash_key", ("", 0))[0],
                b.attributes.get("range_key", ("", 0))[0],
                b.line,
                b.kind == "local_secondary_index",
            )
            for b in block.blocks
            if b.kind in ("global_secondary_index", "local_secondary_index")
        )
        range_key = block.attributes.get("range_key", ("", 0))[0]
        if len(tables) < MAX_TABLES:
            tables.append(
                DynamoTable(name, path, block.line, hash_key, range_key, attributes, indexes)
            )
    return DynamoFile(path, tuple(tables), tuple(problems))


def _hcl_tokens(text: str) -> Iterator[tuple[str, str, int]]:
    line = 1
    position = 0
    count = 0
    while position < len(text) and count < _MAX_HCL_TOKENS:
        match = _HCL_TOKEN.match(text, position)
        if match is None:
            return
        value = match.group()
        kind = match.lastgroup or "punct"
        if kind != "skip":
            count += 1
            yield kind, value, line
        line += value.count("\n")
        position = match.end()


def _hcl_body(tokens: Sequence[tuple[str, str, int]], i: int, depth: int) -> tuple[_Block, str]:
    """Attributes and blocks from tokens[i] to the `}` closing this body (or the end)."""
    block = _Block("", [], tokens[i][2] if i < len(tokens) else 1)
    body, _, problem = _hcl_items(tokens, i, depth, block)
    return body, problem


def _hcl_items(
    tokens: Sequence[tuple[str, str, int]], i: int, depth: int, block: _Block
) -> tuple[_Block, int, str]:
    n = len(tokens)
    while i < n:
        kind, value, line = tokens[i]
        if value == "}" and kind == "punct":
            if not depth:
                return block, n, f"line {line}: `}}` closes no block"
            return block, i + 1, ""
        if kind != "name":
            i += 1
            continue
        if i + 1 < n and tokens[i + 1][1] == "=":
            literal, i = _hcl_value(tokens, i + 2)
            block.attributes.setdefault(value, (literal, line))
            continue
        labels: list[str] = []
        j = i + 1
        while j < n and tokens[j][0] == "str" and len(labels) < 4:
            labels.append(tokens[j][1][1:-1])
            j += 1
        if j < n and tokens[j][1] == "{":
            if depth >= 32:
                return block, n, f"line {line}: blocks nested too deeply"
            child = _Block(value, labels, line)
            child, i, problem = _hcl_items(tokens, j + 1, depth + 1, child)
            if problem:
                return block, n, problem
            if len(block.blocks) < 10_000:
                block.blocks.append(child)
            continue
        i += 1
    if depth:
        return block, n, f"line {block.line}: block `{block.kind}` is never closed"
    return block, n, ""


def _hcl_value(tokens: Sequence[tuple[str, str, int]], i: int) -> tuple[str, int]:
    """A literal string (no interpolation) or name, and the index after the value; other
    expressions are skipped and read as ""."""
    if i >= len(tokens):
        return "", i
    kind, value, line = tokens[i]
    if value in ("[", "{", "(") and kind == "punct":
        return "", _skip_group(tokens, i)
    if kind == "name" and i + 1 < len(tokens) and tokens[i + 1][1] == "(":
        return "", _skip_group(tokens, i + 1)
    end = i + 1
    # A value continues on its line (operators, `a ? b : c`): skip to the line's end.
    while (
        end < len(tokens)
        and tokens[end][2] == line
        and tokens[end][1] != "}"
        and not (tokens[end][0] == "name" and end + 1 < len(tokens) and tokens[end + 1][1] == "=")
    ):
        end += 1
    if end != i + 1:
        return "", end
    if kind == "str":
        inner = value[1:-1]
        return ("" if "${" in inner else inner), end
    return (value if kind in ("name", "num") else ""), end


def _skip_group(tokens: Sequence[tuple[str, str, int]], i: int) -> int:
    depth = 0
    for j in range(i, len(tokens)):
        kind, value, _ = tokens[j]
        if kind != "punct":
            continue
        if value in "([{":
            depth += 1
        elif value in ")]}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens)


# ---------------------------------------------------------------------------- CDK


def read_cdk(path: str, text: str, language: str) -> DynamoFile:
    if language == "python":
        return _cdk_python(path, text)
    tokens = tokenize(text, language)
    reader = Reader(tokens)
    tables: dict[str, DynamoTable] = {}
    variables: dict[str, str] = {}
    indexes: dict[str, list[DynamoIndex]] = {}
    i = 0
    n = len(tokens)
    while i < n and len(tables) < MAX_TABLES:
        token = tokens[i]
        if token.kind == "name" and token.text == "new" and reader.name_at(i + 1):
            node, end = reader.value(i)
            last = node.last_name()
            if node.kind is Kind.CALL and last in ("Table", "TableV2"):
                table = _cdk_table(path, node)
                if table is not None:
                    tables[table.name] = table
                    variable = _assigned(reader, i)
                    if variable:
                        variables[variable] = table.name
            i = max(end, i + 1)
            continue
        if (
            token.kind == "name"
            and token.text in ("addGlobalSecondaryIndex", "addLocalSecondaryIndex")
            and i >= 2
            and tokens[i - 1].is_(".")
            and reader.at(i + 1, "(")
        ):
            call = Node(Kind.CALL, token.text, token.line)
            reader.arguments(i + 1, call, 1, keywords=False)
            owner = tokens[i - 2].text
            spec = call.arg(0)
            if spec is not None and spec.kind is Kind.OBJ:
                local = token.text == "addLocalSecondaryIndex"
                indexes.setdefault(owner, []).append(
                    DynamoIndex(
                        _str(spec.get("indexName")),
                        _cdk_key(spec.get("partitionKey"))[0],
                        _cdk_key(spec.get("sortKey"))[0],
                        token.line,
                        local,
                    )
                )
            i = reader.end_of(i + 1)
            continue
        i += 1
    return DynamoFile(path, _with_indexes(tables, variables, indexes))


def _with_indexes(
    tables: Mapping[str, DynamoTable],
    variables: Mapping[str, str],
    indexes: Mapping[str, list[DynamoIndex]],
) -> tuple[DynamoTable, ...]:
    out = dict(tables)
    for variable, found in indexes.items():
        name = variables.get(variable)
        if name is None and len(tables) == 1:
            name = next(iter(tables))
        if name is None:
            continue
        table = out[name]
        attributes = dict(table.attributes)
        for index in found:
            for key, kind in ((index.hash_key, ""), (index.range_key, "")):
                if key:
                    attributes.setdefault(key, kind)
        out[name] = DynamoTable(
            table.name,
            table.path,
            table.line,
            table.hash_key,
            table.range_key,
            tuple(attributes.items()),
            table.indexes + tuple(found),
        )
    return tuple(out[k] for k in sorted(out))


def _assigned(reader: Reader, i: int) -> str:
    """`const table = new ...` or `this.table = new ...`: the variable's last name."""
    if not reader.at(i - 1, "="):
        return ""
    return reader.name_at(i - 2) or ""


def _str(node: Node | None) -> str:
    return (node.string() or "") if node is not None else ""


def _cdk_key(node: Node | None) -> tuple[str, str]:
    if node is None or node.kind is not Kind.OBJ:
        return "", ""
    kind = node.get("type")
    return _str(node.get("name")), _CDK_TYPES.get(kind.last_name() if kind else "", "")


def _cdk_table(path: str, node: Node) -> DynamoTable | None:
    identifier = _str(node.arg(1))
    props = node.arg(2)
    if props is None or props.kind is not Kind.OBJ:
        return None
    hash_key, hash_type = _cdk_key(props.get("partitionKey"))
    if not hash_key:
        return None
    range_key, range_type = _cdk_key(props.get("sortKey"))
    name = _str(props.get("tableName")) or identifier or hash_key
    attributes = tuple((k, t) for k, t in ((hash_key, hash_type), (range_key, range_type)) if k)
    return DynamoTable(name, path, node.line, hash_key, range_key, attributes)


def _cdk_python(path: str, text: str) -> DynamoFile:
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return DynamoFile(path, problems=(f"does not parse: {exc}",))
    tables: dict[str, DynamoTable] = {}
    variables: dict[str, str] = {}
    indexes: dict[str, list[DynamoIndex]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            table = _py_table(path, node.value)
            if table is not None:
                tables[table.name] = table
                target = node.targets[0]
                name = (
                    target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                )
                if name:
                    variables[name] = table.name
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            table = _py_table(path, node.value)
            if table is not None:
                tables[table.name] = table
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr in (
                "add_global_secondary_index",
                "add_local_secondary_index",
            ):
                owner = func.value
                owner_name = (
                    owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                )
                kw = {k.arg: k.value for k in node.value.keywords if k.arg}
                indexes.setdefault(owner_name, []).append(
                    DynamoIndex(
                        _py_str(kw.get("index_name")),
                        _py_key(kw.get("partition_key"))[0],
                        _py_key(kw.get("sort_key"))[0],
                        node.lineno,
                        func.attr == "add_local_secondary_index",
                    )
                )
        if len(tables) >= MAX_TABLES:
            break
    return DynamoFile(path, _with_indexes(tables, variables, indexes))


def _py_str(node: ast.expr | None) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def _py_key(node: ast.expr | None) -> tuple[str, str]:
    if not isinstance(node, ast.Call):
        return "", ""
    kw = {k.arg: k.value for k in node.keywords if k.arg}
    kind = kw.get("type")
    type_name = kind.attr if isinstance(kind, ast.Attribute) else ""
    return _py_str(kw.get("name")), _CDK_TYPES.get(type_name, "")


def _py_table(path: str, call: ast.Call) -> DynamoTable | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in ("Table", "TableV2"):
        return None
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    hash_key, hash_type = _py_key(kw.get("partition_key"))
    if not hash_key:
        return None
    range_key, range_type = _py_key(kw.get("sort_key"))
    identifier = _py_str(call.args[1]) if len(call.args) > 1 else ""
    table_name = _py_str(kw.get("table_name")) or identifier or hash_key
    attributes = tuple((k, t) for k, t in ((hash_key, hash_type), (range_key, range_type)) if k)
    return DynamoTable(table_name, path, call.lineno, hash_key, range_key, attributes)


# ---------------------------------------------------------------------------- access patterns

_NOT_SERVING = frozenset(
    {"scripts", "script", "tools", "bin", "seed", "seeds", "migrations", "fixtures", "infra", "cdk"}
)


def serves_requests(path: str) -> bool:
    """Whether a code file may run while serving requests (not a script, seed or migration)."""
    parts = path.lower().split("/")
    base = parts[-1]
    return not (set(parts[:-1]) & _NOT_SERVING) and not any(
        word in base for word in ("seed", "backfill", "migrate")
    )


_INDEX_NAME = re.compile(r"""["']?IndexName["']?\s{0,8}[:=]\s{0,8}["'`]([\w.\-]{1,255})["'`]""")
_SCAN = re.compile(
    r"""\.scan\(|\bScanCommand\(|get_paginator\(\s{0,8}["']scan["']|paginateScan\("""
)
_NOT_DYNAMO_SCAN = ("redis", "redis.", "scan_iter", "sscan", "hscan", "zscan")


def accesses(path: str, text: str, language: str) -> list[Access]:
    """Queries on a named index and scans, with their lines (comments passed over)."""
    comment = "#" if language == "python" else "//"
    found: list[Access] = []
    for number, raw in enumerate(text.splitlines()[:MAX_LINES], start=1):
        line = raw[:MAX_LINE_CHARS]
        stripped = line.lstrip()
        if stripped.startswith((comment, "*", "/*")):
            continue
        for match in _INDEX_NAME.finditer(line):
            found.append(Access(path, number, "query", match.group(1)))
        if _SCAN.search(line) and not any(word in line.lower() for word in _NOT_DYNAMO_SCAN):
            found.append(Access(path, number, "scan"))
        if len(found) >= 1000:
            break
    return found
