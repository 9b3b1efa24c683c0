"""The only YAML and JSON loaders gatekeeper uses on target files (all of them attacker-controlled).

Safe tags only, YAML 1.2 core scalars, duplicate keys rejected, and alias expansion, nesting and
node counts capped while the document is composed, before anything can blow up.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Hashable
from typing import Any

import yaml
import yaml.constructor
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from gatekeeper.errors import GatekeeperError

try:  # libyaml does the tokenizing; composing stays in Python so the caps below apply.
    from yaml._yaml import CParser as _Parser

    _LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _LIBYAML = False

__all__ = [
    "DEFAULT_MAX_ALIASES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_NODES",
    "DataFormatError",
    "KeyPath",
    "YamlError",
    "load_json",
    "load_yaml",
    "load_yaml_all",
    "load_yaml_all_with_lines",
    "load_yaml_with_lines",
]

DEFAULT_MAX_ALIASES = 100
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_NODES = 200_000

_TAG = "tag:yaml.org,2002:"

# A path to a node: mapping keys as their YAML source text, sequence positions as ints.
KeyPath = tuple[str | int, ...]


class DataFormatError(GatekeeperError):
    """A target's YAML or JSON file gatekeeper refuses to load; names the file, line and fix."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.message = message


class YamlError(DataFormatError):
    """YAML that is invalid, unsafe (expansion, depth, tags) or ambiguous (duplicate keys)."""


# ---------------------------------------------------------------------------- resolver


class _Resolver(BaseResolver):
    """YAML 1.2 core schema: `on`/`yes`/`n` stay strings, `22:22` is not sexagesimal, no dates."""


_INT_PATTERN = r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
_INT = re.compile(_INT_PATTERN)

for _tag, _pattern, _first in (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", _INT_PATTERN, "-+0123456789"),
    (
        "float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("merge", r"<<", "<"),
):
    _Resolver.add_implicit_resolver(_TAG + _tag, re.compile(f"^(?:{_pattern})$"), list(_first))


# ---------------------------------------------------------------------------- constructor


class _Constructor(SafeConstructor):
    """SafeConstructor with YAML 1.2 scalars, timestamps as strings and duplicate keys rejected."""

    gk_path: str

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Hashable, Any]:
        if isinstance(node, MappingNode):
            self._reject_duplicate_keys(node)
        return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]

    def _reject_duplicate_keys(self, node: MappingNode) -> None:
        # Only explicit keys: overriding a key brought in by a `<<` merge is the point of merging.
        seen: dict[Hashable, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _TAG + "merge":
                continue
            key = self.construct_object(key_node)  # scalars construct to hashable values
            line = key_node.start_mark.line + 1
            first = seen.get(key)
            if first is not None:
                raise YamlError(
                    self.gk_path,
                    line,
                    f"duplicate key {_show(key)} (first on line {first}, again on line {line}); "
                    "YAML parsers silently keep only one of them. Fix: remove one of the two.",
                )
            seen[key] = line

    def construct_yaml_bool(self, node: Node) -> bool:
        value = str(self.construct_scalar(node)).lower()  # type: ignore[arg-type]
        if value not in ("true", "false"):
            raise _value_error(self.gk_path, node, f"{value!r} is not a boolean (true or false)")
        return value == "true"

    def construct_yaml_int(self, node: Node) -> int:
        text = str(self.construct_scalar(node))  # type: ignore[arg-type]
        if not _INT.fullmatch(text):  # an explicit !!int tag skips the resolver's check
            raise _value_error(self.gk_path, node, f"invalid integer: {text[:40]!r}")
        try:
            if text.startswith("0o"):
                return int(text[2:], 8)
            if text.startswith("0x"):
                return int(text[2:], 16)
            return int(text, 10)
        except ValueError as exc:  # Python's cap on very long digit strings
            raise _value_error(self.gk_path, node, f"invalid integer: {exc}") from None

    def construct_yaml_float(self, node: Node) -> float:
        text = str(self.construct_scalar(node)).lower()  # type: ignore[arg-type]
        if text.endswith(".inf"):
            return -math.inf if text.startswith("-") else math.inf
        if text == ".nan":
            return math.nan
        try:
            return float(text)
        except ValueError:
            raise _value_error(self.gk_path, node, f"{text[:40]!r} is not a number") from None

    def construct_plain(self, suffix: str, node: Node) -> object:
        """A local tag (`!Ref`, `!GetAtt`, compose `!reset`): keep the value, drop the tag."""
        del suffix
        if isinstance(node, MappingNode):
            return self.construct_mapping(node)
        if isinstance(node, SequenceNode):
            return self.construct_sequence(node)
        return self.construct_scalar(node)  # type: ignore[arg-type]


_Constructor.yaml_constructors = {
    **SafeConstructor.yaml_constructors,
    _TAG + "bool": _Constructor.construct_yaml_bool,
    _TAG + "int": _Constructor.construct_yaml_int,
    _TAG + "float": _Constructor.construct_yaml_float,
    # Timestamps stay the text they were written as: nothing in gatekeeper needs a datetime.
    _TAG + "timestamp": SafeConstructor.construct_yaml_str,
}


class _LocalTagConstructor(_Constructor):
    yaml_multi_constructors = {
        **_Constructor.yaml_multi_constructors,
        "!": _Constructor.construct_plain,
    }


def _value_error(path: str, node: Node, message: str) -> YamlError:
    return YamlError(path, node.start_mark.line + 1, message)


def _show(key: object) -> str:
    text = repr(key)
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------------------- composer


class _GuardedComposer(Composer):
    """Counts nesting, aliases and the nodes aliases expand to while composing, and stops early.

    An alias is cheap to compose (it reuses a node) but every consumer that walks the result pays
    for the whole referenced subtree, so each alias is charged the size of what it points to.
    """

    gk_path: str
    gk_max_aliases: int
    gk_max_depth: int
    gk_max_nodes: int

    def gk_reset(self) -> None:
        self.gk_depth = 0
        self.gk_aliases = 0
        self.gk_nodes = 0
        self.gk_sizes: dict[str, int] = {}  # anchor -> expanded size, once fully composed

    def compose_document(self) -> Node | None:
        self.gk_sizes = {}  # anchors are per document
        return super().compose_document()

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        line = event.start_mark.line + 1
        if isinstance(event, AliasEvent):
            self.gk_aliases += 1
            if self.gk_aliases > self.gk_max_aliases:
                raise YamlError(
                    self.gk_path,
                    line,
                    f"more than {self.gk_max_aliases} aliases; refusing to expand them "
                    "(a 'billion laughs' document?). Fix: write the values out or use fewer "
                    "anchors.",
                )
            alias = str(event.anchor)
            if alias in self.anchors and alias not in self.gk_sizes:
                raise YamlError(
                    self.gk_path,
                    line,
                    f"alias *{alias} refers to a node that contains it (a recursive structure); "
                    "gatekeeper does not load those. Fix: remove the self-reference.",
                )
            self._charge(self.gk_sizes.get(alias, 0), line)
            return super().compose_node(parent, index)
        self.gk_depth += 1
        if self.gk_depth > self.gk_max_depth:
            raise YamlError(
                self.gk_path,
                line,
                f"nesting deeper than {self.gk_max_depth} levels; refusing to load. "
                "Fix: flatten the document.",
            )
        before = self.gk_nodes
        self._charge(1, line)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.gk_depth -= 1
        anchor = event.anchor if isinstance(event, NodeEvent) else None
        if anchor is not None:
            self.gk_sizes[anchor] = self.gk_nodes - before
        return node

    def _charge(self, nodes: int, line: int) -> None:
        self.gk_nodes += nodes
        if self.gk_nodes > self.gk_max_nodes:
            raise YamlError(
                self.gk_path,
                line,
                f"the document expands to more than {self.gk_max_nodes} nodes once aliases are "
                "resolved (a 'billion laughs' expansion?); refusing to load it. "
                "Fix: remove the nested aliases.",
            )


if _LIBYAML:

    class _Loader(_GuardedComposer, _Parser, _Constructor, _Resolver):
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            _GuardedComposer.__init__(self)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

    class _LocalTagLoader(_GuardedComposer, _Parser, _LocalTagConstructor, _Resolver):
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            _GuardedComposer.__init__(self)
            _LocalTagConstructor.__init__(self)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(Reader, Scanner, Parser, _GuardedComposer, _Constructor, _Resolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            _GuardedComposer.__init__(self)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

    class _LocalTagLoader(  # type: ignore[no-redef]
        Reader, Scanner, Parser, _GuardedComposer, _LocalTagConstructor, _Resolver
    ):
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            _GuardedComposer.__init__(self)
            _LocalTagConstructor.__init__(self)
            _Resolver.__init__(self)


# ---------------------------------------------------------------------------- YAML API


def load_yaml(
    text: str,
    *,
    path: str,
    max_aliases: int = DEFAULT_MAX_ALIASES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
    local_tags: bool = False,
) -> object:
    """Load a single-document YAML text; an empty document is None.

    `local_tags=True` accepts application tags such as CloudFormation's `!Ref` or compose's
    `!reset` and keeps their plain value; otherwise any tag outside the YAML core is an error.
    `max_nodes` bounds the document size with every alias expanded.
    """
    docs = _load(text, path, max_aliases, max_depth, max_nodes, local_tags, single=True)
    return docs[0][0] if docs else None


def load_yaml_all(
    text: str,
    *,
    path: str,
    max_aliases: int = DEFAULT_MAX_ALIASES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
    local_tags: bool = False,
) -> list[object]:
    """Load every document of a YAML stream (Kubernetes files hold several); caps apply per file."""
    docs = _load(text, path, max_aliases, max_depth, max_nodes, local_tags, single=False)
    return [data for data, _ in docs]


def load_yaml_with_lines(
    text: str,
    *,
    path: str,
    max_aliases: int = DEFAULT_MAX_ALIASES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
    local_tags: bool = False,
) -> tuple[object, dict[KeyPath, int]]:
    """Like load_yaml, plus the 1-based line of every mapping key and sequence item.

    Lines are keyed by path: `("services", "db", "image")` or `("spec", "containers", 0)`; keys
    are their source text (`on`, `8080`), and keys that are not scalars are left out.
    """
    docs = _load(text, path, max_aliases, max_depth, max_nodes, local_tags, single=True, lines=True)
    return docs[0] if docs else (None, {})


def load_yaml_all_with_lines(
    text: str,
    *,
    path: str,
    max_aliases: int = DEFAULT_MAX_ALIASES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
    local_tags: bool = False,
) -> list[tuple[object, dict[KeyPath, int]]]:
    """Like load_yaml_all, with each document's line map (see load_yaml_with_lines)."""
    return _load(
        text, path, max_aliases, max_depth, max_nodes, local_tags, single=False, lines=True
    )


def _load(
    text: str,
    path: str,
    max_aliases: int,
    max_depth: int,
    max_nodes: int,
    local_tags: bool,
    *,
    single: bool,
    lines: bool = False,
) -> list[tuple[object, dict[KeyPath, int]]]:
    try:
        loader = (_LocalTagLoader if local_tags else _Loader)(text)
        loader.gk_path = path
        loader.gk_max_aliases = max_aliases
        loader.gk_max_depth = max_depth
        loader.gk_max_nodes = max_nodes
        loader.gk_reset()
        try:
            return _read_documents(loader, single=single, lines=lines)
        finally:
            loader.dispose()
    except YamlError:
        raise
    except yaml.constructor.ConstructorError as exc:
        raise YamlError(
            path,
            _mark_line(exc),
            f"unsupported YAML: {_detail(exc)}; gatekeeper loads plain data only "
            "(mappings, lists and scalars, no language-specific tags). Fix: remove it.",
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise YamlError(path, _mark_line(exc), f"invalid YAML: {_detail(exc)}") from None
    except yaml.YAMLError as exc:  # ReaderError: characters YAML does not allow
        detail = str(exc).splitlines()[0]
        raise YamlError(path, None, f"invalid YAML: {detail}") from None
    except RecursionError:  # pragma: no cover - depth is capped far below the recursion limit
        raise YamlError(path, None, "YAML nested too deeply to load") from None


def _read_documents(
    loader: _Loader | _LocalTagLoader, *, single: bool, lines: bool
) -> list[tuple[object, dict[KeyPath, int]]]:
    out: list[tuple[object, dict[KeyPath, int]]] = []
    if single:
        node = loader.get_single_node()
        if node is not None:
            out.append(_construct(loader, node, lines))
        return out
    while loader.check_node():
        node = loader.get_node()
        if node is not None:
            out.append(_construct(loader, node, lines))
    return out


def _mark_line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark is not None else None


def _detail(exc: yaml.MarkedYAMLError) -> str:
    return " ".join(str(part) for part in (exc.context, exc.problem) if part)


def _construct(
    loader: _Loader | _LocalTagLoader, node: Node, lines: bool
) -> tuple[object, dict[KeyPath, int]]:
    line_map: dict[KeyPath, int] = {}
    if lines:
        _collect_lines(node, (), line_map)
    return loader.construct_document(node), line_map


def _collect_lines(node: Node, prefix: KeyPath, out: dict[KeyPath, int]) -> None:
    # Walks the composed graph; aliases were charged their full size, so this stays bounded.
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                key_path = (*prefix, str(key_node.value))
                out.setdefault(key_path, key_node.start_mark.line + 1)
                _collect_lines(value_node, key_path, out)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            item_path = (*prefix, index)
            out.setdefault(item_path, item.start_mark.line + 1)
            _collect_lines(item, item_path, out)


# ---------------------------------------------------------------------------- JSON

# A string (escapes included, optionally followed by `:` when it is a key) or a bracket.
_JSON_TOKEN = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?|[\[\]{}]')


def load_json(text: str, path: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> object:
    """Load JSON, rejecting duplicate keys (with both lines) and nesting deeper than max_depth."""
    _prescan_json(text, path, max_depth)
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_pairs(path))
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            path, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno}). Fix the syntax."
        ) from None
    except RecursionError:  # pragma: no cover - the prescan caps depth far below the limit
        raise DataFormatError(path, None, "JSON nested too deeply to load") from None
    except ValueError as exc:  # Python's cap on very long integers
        raise DataFormatError(path, None, f"invalid JSON: {exc}") from None


def _reject_duplicate_pairs(path: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:  # pragma: no cover - the prescan reports these first, with lines
                raise DataFormatError(path, None, f"duplicate key {_show(key)}")
            result[key] = value
        return result

    return hook


def _prescan_json(text: str, path: str, max_depth: int) -> None:
    # One regex pass before json.loads: fails fast on deep nesting and finds duplicate keys'
    # lines, which object_pairs_hook cannot know. Syntax errors are left for json.loads.
    stack: list[dict[str, int] | None] = []  # per open bracket: keys seen (None for an array)
    line = 1
    position = 0
    for match in _JSON_TOKEN.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        bracket = match.group(0)
        if bracket in ("[", "{"):
            if len(stack) >= max_depth:
                raise DataFormatError(
                    path,
                    line,
                    f"JSON nested deeper than {max_depth} levels; refusing to load. "
                    "Fix: flatten the document.",
                )
            stack.append({} if bracket == "{" else None)
        elif bracket in ("]", "}"):
            if stack:
                stack.pop()
        elif match.group(2) is not None and stack and (keys := stack[-1]) is not None:
            try:
                key = json.loads(match.group(1))
            except ValueError:
                continue
            first = keys.get(key)
            if first is not None:
                raise DataFormatError(
                    path,
                    line,
                    f"duplicate key {_show(key)} (first on line {first}, again on line {line}); "
                    "JSON parsers silently keep only one of them. Fix: remove one of the two.",
                )
            keys[key] = line
