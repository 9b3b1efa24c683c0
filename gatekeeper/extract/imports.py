"""Import extractors: which modules each source file imports, with lines, as stack evidence.

Python uses its syntax tree; the other languages use a small comment- and string-aware tokenizer.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gatekeeper.extract import pyparse
from gatekeeper.extract.base import FunctionExtractor, ParsedFile

if TYPE_CHECKING:
    import libcst


@dataclass(frozen=True, slots=True, order=True)
class ImportFact:
    module: str  # as written: "fastapi", "..models", "@nestjs/core", "github.com/gin-gonic/gin"
    line: int


@dataclass(frozen=True, slots=True)
class FileImports:
    path: str
    imports: tuple[ImportFact, ...]  # sorted by line, then module
    package: str = ""  # Java/Kotlin: the file's own `package` declaration ("" when none)


def _file_imports(pf: ParsedFile, found: Iterator[ImportFact], package: str = "") -> FileImports:
    ordered = tuple(sorted(set(found), key=lambda i: (i.line, i.module)))
    return FileImports(pf.path, ordered, package)


# ---------------------------------------------------------------------------- python


def _python_imports(pf: ParsedFile) -> FileImports:
    if pf.tree is not None:
        return _file_imports(pf, _ast_imports(pf.tree))
    return _file_imports(pf, _cst_imports(pf.cst))


def _ast_imports(tree: ast.Module) -> Iterator[ImportFact]:
    # Iterative, so deep but valid trees cannot exhaust the recursion limit here; imports are
    # statements, so expressions are never visited.
    for node in pyparse.statements(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield ImportFact(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            yield ImportFact("." * node.level + (node.module or ""), node.lineno)


def _cst_imports(module: libcst.Module) -> Iterator[ImportFact]:
    import libcst
    from libcst.metadata import MetadataWrapper, PositionProvider

    # The module is ours alone inside the worker, so the defensive deep copy is not needed.
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    for node, position in positions.items():
        line = position.start.line
        if isinstance(node, libcst.Import):
            for alias in node.names:
                yield ImportFact(_dotted(alias.name), line)
        elif isinstance(node, libcst.ImportFrom):
            name = "" if node.module is None else _dotted(node.module)
            yield ImportFact("." * len(node.relative) + name, line)


def _dotted(node: libcst.Attribute | libcst.Name) -> str:
    import libcst

    if isinstance(node, libcst.Name):
        return node.value
    assert isinstance(node.value, libcst.Attribute | libcst.Name)  # dotted names only
    return f"{_dotted(node.value)}.{node.attr.value}"


# ---------------------------------------------------------------------------- tokenizer

_COMMENT = r"//[^\n]*|/\*.*?(?:\*/|\Z)"
_QUOTED = r"""'(?:[^'\\\n]|\\.)*'?|"(?:[^"\\\n]|\\.)*"?"""
_JS_TOKEN = re.compile(
    rf"(?P<skip>\s+|{_COMMENT})"
    rf"|(?P<string>{_QUOTED}|`(?:[^`\\]|\\.)*`?)"
    r"|(?P<ident>[^\W\d][\w$]*|\$[\w$]*)"
    r"|(?P<punct>.)",
    re.DOTALL,
)
_GO_TOKEN = re.compile(
    rf"(?P<skip>\s+|{_COMMENT})"
    rf"|(?P<string>{_QUOTED}|`[^`]*`?)"
    r"|(?P<ident>[^\W\d]\w*)"
    r"|(?P<punct>.)",
    re.DOTALL,
)
_JVM_TOKEN = re.compile(
    rf"(?P<skip>\s+|{_COMMENT})"
    rf'|(?P<string>""".*?(?:"""|\Z)|{_QUOTED})'
    r"|(?P<ident>[^\W\d]\w*|`[^`\n]*`)"
    r"|(?P<punct>.)",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # string | ident | punct
    text: str
    line: int


def _tokens(pattern: re.Pattern[str], text: str) -> list[_Token]:
    line_starts = [m.end() for m in re.finditer("\n", text)]
    tokens = []
    for match in pattern.finditer(text):
        kind = match.lastgroup
        if kind is None or kind == "skip":
            continue
        line = bisect.bisect_right(line_starts, match.start()) + 1
        tokens.append(_Token(kind, match.group(), line))
    return tokens


def _unquote(token: _Token) -> str | None:
    """The literal's text when it is a complete, escape-free string: a plausible module name."""
    text = token.text
    if len(text) < 3 or text[0] != text[-1] or "\\" in text or "\n" in text:
        return None
    return text[1:-1]


# ---------------------------------------------------------------------------- javascript

# What may stand between `import`/`export` and `from`: names, `type`, `as`, `* {} ,`.
_CLAUSE_PUNCT = frozenset("{},*")
_MAX_CLAUSE_TOKENS = 2000


def _javascript_imports(pf: ParsedFile) -> FileImports:
    return _file_imports(pf, _js_imports(_tokens(_JS_TOKEN, pf.text)))


def _js_imports(tokens: list[_Token]) -> Iterator[ImportFact]:
    for i, token in enumerate(tokens):
        if token.kind != "string" or token.text[0] == "`" or i == 0:
            continue
        module = _unquote(token)
        if module is None:
            continue
        before = tokens[i - 1]
        if before.kind == "ident" and before.text == "from":
            start = _clause_start(tokens, i - 1)
            if start is not None:
                yield ImportFact(module, start.line)
        elif before.kind == "ident" and before.text == "import" and not _is_member(tokens, i - 1):
            yield ImportFact(module, before.line)  # import 'side-effect'
        elif before.text == "(" and i >= 2 and tokens[i - 2].text in ("import", "require"):
            callee = tokens[i - 2]
            if callee.kind == "ident" and not _is_member(tokens, i - 2):
                yield ImportFact(module, callee.line)  # require('x'), import('x')


def _clause_start(tokens: list[_Token], from_index: int) -> _Token | None:
    """The `import`/`export` token that begins the clause ending at tokens[from_index]."""
    stop = max(-1, from_index - _MAX_CLAUSE_TOKENS)
    for j in range(from_index - 1, stop, -1):
        token = tokens[j]
        if token.kind == "ident":
            if token.text in ("import", "export"):
                return None if _is_member(tokens, j) else token
        elif token.kind != "punct" or token.text not in _CLAUSE_PUNCT:
            return None
    return None


def _is_member(tokens: list[_Token], index: int) -> bool:
    return index > 0 and tokens[index - 1].text in (".", "?.")


# ---------------------------------------------------------------------------- go


def _go_imports(pf: ParsedFile) -> FileImports:
    return _file_imports(pf, _go_specs(_tokens(_GO_TOKEN, pf.text)))


def _go_specs(tokens: list[_Token]) -> Iterator[ImportFact]:
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.kind != "ident" or token.text != "import":
            continue
        if i < len(tokens) and tokens[i].text == "(":
            i += 1
            while i < len(tokens) and tokens[i].text != ")":
                fact = _go_spec(tokens[i])
                if fact is not None:
                    yield fact
                i += 1
        else:
            # `import "x"`, `import alias "x"`, `import _ "x"`, `import . "x"`
            for candidate in tokens[i : i + 2]:
                fact = _go_spec(candidate)
                if fact is not None:
                    yield fact
                    break


def _go_spec(token: _Token) -> ImportFact | None:
    if token.kind != "string" or token.text[0] == "'":
        return None
    module = _unquote(token)
    return None if module is None else ImportFact(module, token.line)


# ---------------------------------------------------------------------------- java, kotlin


def _jvm_imports(pf: ParsedFile) -> FileImports:
    kotlin = pf.language == "kotlin"
    tokens = _tokens(_JVM_TOKEN, pf.text)
    return _file_imports(pf, _jvm_specs(tokens, kotlin=kotlin), _jvm_package(tokens))


_MAX_PACKAGE_TOKENS = 200  # a package name longer than this is not one


def _jvm_package(tokens: list[_Token]) -> str:
    """The dotted name after a leading `package` keyword (annotations may come first)."""
    start = next(
        (i for i, t in enumerate(tokens[:_MAX_PACKAGE_TOKENS]) if t.text in ("package", "import")),
        None,
    )
    if start is None or tokens[start].text != "package":
        return ""
    parts: list[str] = []
    for token in tokens[start + 1 : start + 1 + _MAX_PACKAGE_TOKENS]:
        expect_name = not parts or parts[-1] == "."
        if expect_name and token.kind == "ident":
            parts.append(token.text.strip("`"))
        elif not expect_name and token.text == ".":
            parts.append(".")
        else:
            break
    return "".join(parts) if parts and parts[-1] != "." else ""


def _jvm_specs(tokens: list[_Token], *, kotlin: bool) -> Iterator[ImportFact]:
    for i, token in enumerate(tokens):
        if token.kind != "ident" or token.text != "import":
            continue
        # Kotlin has no semicolons and lets `import` be an ordinary name elsewhere, so there
        # a directive is the first token on its line and ends with that line.
        if kotlin and i > 0 and tokens[i - 1].line == token.line:
            continue
        j = i + 1
        if j < len(tokens) and tokens[j].text == "static":
            j += 1
        parts: list[str] = []
        while j < len(tokens) and not (kotlin and tokens[j].line != token.line):
            part = tokens[j]
            expect_name = not parts or parts[-1] == "."
            if expect_name and (part.kind == "ident" or part.text == "*"):
                parts.append(part.text.strip("`"))
            elif not expect_name and part.text == ".":
                parts.append(".")
            else:
                break
            j += 1
        if parts and parts[-1] != ".":
            yield ImportFact("".join(parts), token.line)


# ---------------------------------------------------------------------------- extractors

PYTHON = FunctionExtractor("imports.python", frozenset({"python"}), _python_imports)
JAVASCRIPT = FunctionExtractor(
    "imports.javascript", frozenset({"javascript", "typescript"}), _javascript_imports
)
GO = FunctionExtractor("imports.go", frozenset({"go"}), _go_imports)
JAVA = FunctionExtractor("imports.java", frozenset({"java", "kotlin"}), _jvm_imports)
