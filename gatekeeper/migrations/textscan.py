"""A comment- and string-aware tokenizer for JavaScript/TypeScript, Java/Kotlin, Go and Prisma
source, and a bounded reader of the literal values the schema extractors need: object and array
literals, call arguments, annotation arguments.

Hostile text costs linear time: the regexes have no nested repeats, bracket pairs are matched
once per file, the reader never looks at a token twice, and nesting and node counts are capped.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

MAX_DEPTH = 48  # nesting the reader descends into; deeper values read as OTHER
MAX_NODES = 50_000  # values built per file; the rest read as OTHER and the reader is `truncated`
MAX_STRING = 4000  # characters of a string literal's value kept

_NUMBER = r"(?P<num>\d[\w.]{0,64})"
_NAME = r"(?P<name>[^\W\d][\w$]{0,255}|\$[\w$]{0,255})"
_PUNCT = r"(?P<punct>=>|===|!==|==|!=|\?\.|\.\.\.|::|&&|\|\||.)"
_LINE_COMMENT = r"//[^\n]{0,100000}"
_BLOCK_COMMENT = r"/\*(?:[^*]|\*(?!/)){0,1000000}(?:\*/)?"
_SQ = r"'(?:[^'\\\n]|\\.){0,100000}'?"
_DQ = r'"(?:[^"\\\n]|\\.){0,100000}"?'

_JS = re.compile(
    rf"(?P<skip>\s{{1,100000}}|{_LINE_COMMENT}|{_BLOCK_COMMENT})"
    rf"|(?P<str>{_SQ}|{_DQ}|`(?:[^`\\]|\\.){{0,1000000}}`?)"
    rf"|{_NUMBER}|{_NAME}|{_PUNCT}",
    re.DOTALL,
)
_GO = re.compile(
    rf"(?P<skip>\s{{1,100000}}|{_LINE_COMMENT}|{_BLOCK_COMMENT})"
    rf"|(?P<str>{_SQ}|{_DQ}|`[^`]{{0,1000000}}`?)"
    rf"|{_NUMBER}|{_NAME}|{_PUNCT}",
    re.DOTALL,
)
_JVM = re.compile(
    rf"(?P<skip>\s{{1,100000}}|{_LINE_COMMENT}|{_BLOCK_COMMENT})"
    rf'|(?P<str>"""(?:[^"]|"(?!"")){{0,1000000}}(?:""")?|{_SQ}|{_DQ})'
    rf"|{_NUMBER}|{_NAME}|{_PUNCT}",
    re.DOTALL,
)
# Prisma: `//` comments only; `@`, `@@`, `?` and `[]` are punctuation.
_PRISMA = re.compile(
    rf"(?P<skip>\s{{1,100000}}|{_LINE_COMMENT}|{_BLOCK_COMMENT})"
    rf"|(?P<str>{_DQ})|{_NUMBER}|{_NAME}|{_PUNCT}",
    re.DOTALL,
)
PATTERNS = {"javascript": _JS, "typescript": _JS, "go": _GO, "java": _JVM, "kotlin": _JVM}
PATTERNS["prisma"] = _PRISMA

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = frozenset(_OPEN.values())
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # str | num | name | punct
    text: str  # as written; for strings, the value without quotes (escapes resolved)
    line: int

    def is_(self, text: str) -> bool:
        return self.kind != "str" and self.text == text


# After these a JavaScript `/` starts a regular expression literal, not a division.
_REGEX_AFTER_PUNCT = frozenset("(,=:[!&|?{};+-*%<>~^") | {"=>", "==", "===", "!=", "!==", "&&"}
_REGEX_AFTER_WORDS = frozenset({"return", "typeof", "case", "do", "else", "in", "of", "void"})
_REGEX_BODY = re.compile(r"(?:[^\\/\[\n]|\\.|\[(?:[^\]\\\n]|\\.){0,1000}\]?){0,10000}/?[a-z]{0,8}")


def tokenize(text: str, language: str) -> list[Token]:
    """The tokens of `text`, comments and blank space dropped, each with its 1-based line.
    JavaScript regular expression literals are one token (kind "str"), so the brackets and
    quotes inside them do not count."""
    pattern = PATTERNS[language]
    javascript = pattern is _JS
    newlines = [m.start() for m in re.finditer("\n", text)]
    tokens: list[Token] = []
    position = 0
    end = len(text)
    while position < end:
        match = pattern.match(text, position)
        if match is None:  # cannot happen: the punct group matches any character
            break
        position = match.end()
        kind = match.lastgroup
        if kind is None or kind == "skip":
            continue
        value = match.group()
        line = bisect.bisect_left(newlines, match.start()) + 1
        if kind == "str":
            value = _unquote(value)
        elif javascript and value == "/" and _regex_may_start(tokens):
            body = _REGEX_BODY.match(text, position)
            if body is not None and body.group().rstrip("abcdefghijklmnopqrstuvwxyz").endswith("/"):
                position = body.end()
                tokens.append(Token("str", body.group()[:MAX_STRING], line))
                continue
        tokens.append(Token(kind or "punct", value, line))
    return tokens


def _regex_may_start(tokens: list[Token]) -> bool:
    if not tokens:
        return True
    last = tokens[-1]
    if last.kind == "punct":
        return last.text in _REGEX_AFTER_PUNCT
    return last.kind == "name" and last.text in _REGEX_AFTER_WORDS


def _unquote(raw: str) -> str:
    if raw.startswith('"""'):
        inner = raw[3:-3] if raw.endswith('"""') and len(raw) >= 6 else raw[3:]
    else:
        quote = raw[0]
        inner = raw[1:-1] if len(raw) >= 2 and raw.endswith(quote) else raw[1:]
        if quote != "`" and "\\" in inner:
            inner = _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), inner)
    return inner[:MAX_STRING]


def match_brackets(tokens: Sequence[Token]) -> list[int]:
    """For each opening bracket, the index of its closing partner (len(tokens) when missing);
    -1 for every other token. A closer that matches no opener is ignored."""
    partner = [-1] * len(tokens)
    stack: list[int] = []
    for i, token in enumerate(tokens):
        if token.kind != "punct":
            continue
        if token.text in _OPEN:
            stack.append(i)
        elif token.text in _CLOSE:
            # Pop to the opener this closer belongs to; openers left open end at the closer.
            while stack:
                j = stack.pop()
                if _OPEN[tokens[j].text] == token.text:
                    partner[j] = i
                    break
                partner[j] = i
    for j in stack:
        partner[j] = len(tokens)
    return partner


def unbalanced(tokens: Sequence[Token], partner: Sequence[int]) -> Token | None:
    """The first opening bracket that is never closed, or closed by the wrong bracket."""
    for i, token in enumerate(tokens):
        if partner[i] == -1:
            continue
        end = partner[i]
        if end >= len(tokens) or tokens[end].text != _OPEN[token.text]:
            return token
    return None


# ---------------------------------------------------------------------------- values


class Kind(Enum):
    OBJ = "object"  # {key: value}; also a call's keyword arguments
    ARR = "array"  # [a, b]; Java annotation arrays {a, b}
    STR = "string"
    NUM = "number"
    NAME = "name"  # a (dotted) name: true, null, DataTypes.STRING, FetchType.LAZY
    CALL = "call"  # name(args), new Name(args), @Annotation(args)
    OTHER = "other"  # anything else (functions, operators, values past the caps)


class Node:
    """One value read from source text. `items` are array items or positional arguments,
    `fields` object entries or keyword arguments, in source order."""

    __slots__ = ("fields", "items", "kind", "line", "new", "text")

    def __init__(self, kind: Kind, text: str, line: int) -> None:
        self.kind = kind
        self.text = text
        self.line = line
        self.items: list[Node] = []
        self.fields: dict[str, Node] = {}
        self.new = False  # CALL: written with `new`

    def get(self, key: str) -> Node | None:
        return self.fields.get(key)

    def arg(self, position: int, keyword: str | None = None) -> Node | None:
        if keyword is not None and keyword in self.fields:
            return self.fields[keyword]
        return self.items[position] if position < len(self.items) else None

    def string(self) -> str | None:
        return self.text if self.kind is Kind.STR else None

    def boolean(self) -> bool | None:
        if self.kind is Kind.NAME and self.text in ("true", "false"):
            return self.text == "true"
        if self.kind is Kind.ARR and self.items:  # mongoose: required: [true, "message"]
            return self.items[0].boolean()
        return None

    def number(self) -> int | None:
        if self.kind is Kind.NUM:
            digits = self.text.removesuffix("L").removesuffix("l").replace("_", "")
            if digits.lstrip("-").isdigit():
                return int(digits[:18])
        return None

    def strings(self) -> tuple[str, ...]:
        """A string, or an array (or arrayOf/listOf call) of strings and names, as strings."""
        if self.kind is Kind.STR:
            return (self.text,)
        if self.kind is Kind.NAME:
            return (self.text,)
        if self.kind is Kind.ARR or (
            self.kind is Kind.CALL and self.text in ("arrayOf", "listOf", "setOf")
        ):
            return tuple(i.text for i in self.items if i.kind is Kind.STR or i.kind is Kind.NAME)
        return ()

    def elements(self) -> list[Node]:
        """Array items (a lone value is an array of one)."""
        if self.kind is Kind.ARR or (
            self.kind is Kind.CALL and self.text in ("arrayOf", "listOf", "setOf")
        ):
            return self.items
        return [self]

    def last_name(self) -> str:
        return self.text.rpartition(".")[2]


class Reader:
    """Reads values from a token list. `named` is the separator of named arguments and object
    keys (":" for JavaScript and Prisma, "=" for Java and Kotlin annotations); `braces_are_arrays`
    reads `{a, b}` as an array (Java annotation values)."""

    def __init__(
        self,
        tokens: Sequence[Token],
        partner: Sequence[int] | None = None,
        *,
        named: str = ":",
        braces_are_arrays: bool = False,
    ) -> None:
        self.tokens = tokens
        self.partner = partner if partner is not None else match_brackets(tokens)
        self.named = named
        self.braces_are_arrays = braces_are_arrays
        self.nodes = 0
        self.truncated = False

    # -- positions

    def at(self, i: int, text: str) -> bool:
        return 0 <= i < len(self.tokens) and self.tokens[i].is_(text)

    def name_at(self, i: int) -> str | None:
        if 0 <= i < len(self.tokens) and self.tokens[i].kind == "name":
            return self.tokens[i].text
        return None

    def end_of(self, i: int) -> int:
        """Index just past the bracket group opening at i."""
        return min(self.partner[i], len(self.tokens) - 1) + 1 if self.partner[i] >= 0 else i + 1

    def skip(self, i: int) -> int:
        """Index of the `,` `;` or closing bracket ending the value that starts at i."""
        n = len(self.tokens)
        while i < n:
            token = self.tokens[i]
            if token.kind == "punct":
                if token.text in _OPEN:
                    i = self.end_of(i)
                    continue
                if token.text in _CLOSE or token.text in (",", ";"):
                    return i
            i += 1
        return n

    def dotted(self, i: int) -> tuple[str, int]:
        """A dotted name starting at i (`a.b.c`, `a?.b`), and the index after it."""
        parts = [self.tokens[i].text]
        i += 1
        while (
            i + 1 < len(self.tokens)
            and self.tokens[i].text in (".", "?.")
            and self.tokens[i].kind == "punct"
            and self.tokens[i + 1].kind == "name"
            and len(parts) < 32
        ):
            parts.append(self.tokens[i + 1].text)
            i += 2
        return ".".join(parts), i

    # -- values

    def _node(self, kind: Kind, text: str, line: int) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.truncated = True
            return Node(Kind.OTHER, "", line)
        return Node(kind, text, line)

    def value(self, i: int, depth: int = 0) -> tuple[Node, int]:
        """The value starting at tokens[i] and the index of the token that ends it."""
        n = len(self.tokens)
        if i >= n:
            return Node(Kind.OTHER, "", self.tokens[-1].line if self.tokens else 1), n
        token = self.tokens[i]
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            self.truncated = self.truncated or self.nodes > MAX_NODES
            return Node(Kind.OTHER, "", token.line), self.skip(i)
        node: Node
        kind = token.kind
        if kind == "str":
            node, i = self._node(Kind.STR, token.text, token.line), i + 1
        elif kind == "num":
            node, i = self._node(Kind.NUM, token.text, token.line), i + 1
        elif token.is_("-") and i + 1 < n and self.tokens[i + 1].kind == "num":
            node = self._node(Kind.NUM, "-" + self.tokens[i + 1].text, token.line)
            i += 2
        elif token.is_("{"):
            if self.braces_are_arrays:
                node, i = self._sequence(i, depth, Kind.ARR)
            else:
                node, i = self.object(i, depth)
        elif token.is_("["):
            node, i = self._sequence(i, depth, Kind.ARR)
        elif token.is_("("):
            inner, _ = self.value(i + 1, depth + 1)
            node, i = inner, self.end_of(i)
            if self.at(i, "=>"):  # (a, b) => ...: a function
                node = Node(Kind.OTHER, "", token.line)
        elif token.is_("@") and self.name_at(i + 1):
            node, i = self.annotation(i, depth)
        elif kind == "name" and token.text == "new" and self.name_at(i + 1):
            name, i = self.dotted(i + 1)
            node = self._node(Kind.CALL, name, token.line)
            node.new = True
            if self.at(i, "<"):  # new Map<string, X>(): skip simple type arguments
                i = self._skip_type_arguments(i)
            if self.at(i, "("):
                self.arguments(i, node, depth + 1, keywords=False)
                i = self.end_of(i)
        elif kind == "name" and token.text not in ("function", "async", "class"):
            name, i = self.dotted(i)
            if self.at(i, "("):
                node = self._node(Kind.CALL, name, token.line)
                self.arguments(i, node, depth + 1, keywords=self.named == "=")
                i = self.end_of(i)
            else:
                node = self._node(Kind.NAME, name, token.line)
        else:
            node = self._node(Kind.OTHER, token.text, token.line)
        end = self.skip(i)
        # Something follows the value (an operator, a chained call): keep what was read for
        # strings and calls, which carry their meaning first (`"a" + b`, `x.y().z()`).
        changed = end != i and not self._harmless_tail(i, end)
        if changed and node.kind in (Kind.NAME, Kind.NUM, Kind.OBJ, Kind.ARR):
            node = Node(Kind.OTHER, node.text, node.line)
        return node, end

    def _harmless_tail(self, start: int, end: int) -> bool:
        """Tokens after a value that do not change it: TypeScript `as const`, `!`."""
        tail = [t.text for t in self.tokens[start : min(end, start + 3)]]
        return tail in (["as", "const"], ["!"])

    def _skip_type_arguments(self, i: int) -> int:
        depth = 0
        stop = min(i + 64, len(self.tokens))
        for j in range(i, stop):
            text = self.tokens[j].text
            if text == "<":
                depth += 1
            elif text == ">":
                depth -= 1
                if depth == 0:
                    return j + 1
        return stop  # never closed: skip the window, so runs of `<` stay linear

    def annotation(self, i: int, depth: int = 0) -> tuple[Node, int]:
        """`@Name`, `@a.b.Name(args)`, Kotlin `@field:Name(args)`; i is at the `@`."""
        line = self.tokens[i].line
        name, j = self.dotted(i + 1)
        if self.at(j, ":") and self.name_at(j + 1):  # use-site target: @field:Column
            name, j = self.dotted(j + 1)
        node = self._node(Kind.CALL, name, line)
        if self.at(j, "("):
            self.arguments(j, node, depth + 1, keywords=True)
            j = self.end_of(j)
        return node, j

    def arguments(self, i: int, into: Node, depth: int, *, keywords: bool) -> None:
        """Arguments between tokens[i] == "(" and its partner, into `into`."""
        end = min(self.partner[i], len(self.tokens)) if self.partner[i] >= 0 else i
        j = i + 1
        while j < end:
            if self.at(j, ","):
                j += 1
                continue
            key = self.name_at(j)
            start = j
            if keywords and key is not None and self.at(j + 1, self.named):
                node, j = self.value(j + 2, depth)
                node.line = self.tokens[start].line
                into.fields.setdefault(key, node)
            else:
                node, j = self.value(j, depth)
                if len(into.items) < 256:
                    into.items.append(node)
            if j <= start:
                j = start + 1
            elif j < end and not self.at(j, ","):
                j += 1  # a stray `;` or a mismatched closer: step over it

    def _sequence(self, i: int, depth: int, kind: Kind) -> tuple[Node, int]:
        node = self._node(kind, "", self.tokens[i].line)
        end = min(self.partner[i], len(self.tokens))
        j = i + 1
        while j < end:
            if self.at(j, ","):
                j += 1
                continue
            item, after = self.value(j, depth + 1)
            if len(node.items) < 1024:
                node.items.append(item)
            j = after if after > j else j + 1
        return node, self.end_of(i)

    def object(self, i: int, depth: int = 0) -> tuple[Node, int]:
        """`{key: value, ...}` starting at tokens[i] == "{"; shorthand, spread and methods are
        kept as names or skipped. Each entry's node carries the line of its key."""
        node = self._node(Kind.OBJ, "", self.tokens[i].line)
        end = min(self.partner[i], len(self.tokens))
        j = i + 1
        while j < end:
            token = self.tokens[j]
            if token.is_(","):
                j += 1
                continue
            key: str | None = None
            if token.kind in ("name", "str", "num"):
                key = token.text
            if key is not None and self.at(j + 1, self.named):
                value, after = self.value(j + 2, depth + 1)
                value.line = token.line
                if len(node.fields) < 4096:
                    node.fields[key] = value  # a repeated key overrides, as in JavaScript
                j = after if after > j else j + 1
            elif key is not None and token.kind == "name" and (self.at(j + 1, ",") or j + 1 >= end):
                node.fields.setdefault(key, Node(Kind.NAME, key, token.line))  # shorthand
                j += 1
            else:
                after = self.skip(j)  # spread, computed key, method: not read
                j = after if after > j else j + 1
        return node, self.end_of(i)


def receiver(tokens: Sequence[Token], partner: Sequence[int], i: int) -> list[str]:
    """The dotted receiver before the member at tokens[i] (`db.users` for db.users.x()), read
    backwards over names, dots and one call's parentheses: `db.collection("users")` gives
    ["db", "collection", "(users)"]. Empty when tokens[i] is not a member."""
    parts: list[str] = []
    j = i - 1
    while j > 0 and len(parts) < 16 and tokens[j].text in (".", "?.") and tokens[j].kind == "punct":
        j -= 1
        token = tokens[j]
        if token.kind == "name":
            parts.append(token.text)
            j -= 1
            continue
        if token.is_(")") or token.is_("]"):
            opener = _opener(partner, j, max(0, j - 64))
            if opener is None:
                break
            inner = tokens[opener + 1 : j]
            argument = inner[0].text if len(inner) == 1 and inner[0].kind == "str" else "?"
            parts.append(f"({argument})" if token.is_(")") else f"[{argument}]")
            j = opener - 1
            if j >= 0 and tokens[j].kind == "name":  # collection("x"), db["x"]
                parts.append(tokens[j].text)
                j -= 1
            continue
        break
    return list(reversed(parts))


def _opener(partner: Sequence[int], close: int, stop: int) -> int | None:
    for j in range(close - 1, stop - 1, -1):
        if partner[j] == close:
            return j
    return None


# ---------------------------------------------------------------------------- node helpers
# Shared by the JavaScript readers (jsorm, jsmigrations).


def node_text(node: Node | None) -> str | None:
    """A string node's value; None for anything else or nothing."""
    return node.string() if node is not None else None


def node_flag(node: Node | None, key: str) -> bool:
    """Whether an object node has `key: true`."""
    value = node.get(key) if node is not None and node.kind is Kind.OBJ else None
    return value is not None and value.boolean() is True


def render_node(node: Node | None) -> str:
    """Short text for a default or type: a quoted string, `call()`, or the node's text."""
    if node is None:
        return ""
    if node.kind is Kind.STR:
        return repr(node.text)[:120]
    if node.kind is Kind.CALL:
        return f"{node.text}()"[:120]
    return (node.text or node.kind.value)[:120]
