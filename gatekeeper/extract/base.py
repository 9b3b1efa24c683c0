"""What an extractor is, what it receives (ParsedFile) and what it may return (a Fact).

Extractors run inside worker processes; only their facts, plain picklable values, come back.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from gatekeeper import pysyntax
from gatekeeper.extract import pyparse

if TYPE_CHECKING:
    import libcst


class Fact(Protocol):
    """Any frozen, slotted dataclass instance; never a syntax tree or anything holding one."""

    __dataclass_fields__: ClassVar[dict[str, Any]]


class Extractor(Protocol):
    """One per-file analysis; `name` is stable: it keys the extractor's fact in a TaskResult."""

    @property
    def name(self) -> str: ...

    @property
    def languages(self) -> frozenset[str]: ...

    @property
    def needs_cst(self) -> bool: ...

    def extract(self, pf: ParsedFile) -> Fact | None: ...


class ParsedFile:
    """One decoded source file, parsed once and shared by every extractor that runs on it.

    For Python, `tree` is the ast (None when only libcst could parse the file) and `cst` is
    parsed on first use, so extractors that never ask for concrete syntax never pay for it.
    """

    __slots__ = (
        "_cst",
        "_cst_error",
        "_downleveled",
        "_nodes",
        "encoding_fallback",
        "language",
        "path",
        "raw",
        "text",
        "tree",
    )

    def __init__(
        self,
        path: str,
        language: str,
        text: str,
        *,
        encoding_fallback: bool = False,
        tree: ast.Module | None = None,
        cst: libcst.Module | None = None,
        raw: bytes | None = None,
    ) -> None:
        self.path = path
        self.language = language
        self.text = text
        self.encoding_fallback = encoding_fallback
        self.tree = tree
        self._cst = cst
        self._cst_error: pyparse.PythonUnparsableError | None = None
        self._nodes: list[ast.AST] | None = None
        self._downleveled: tuple[ast.Module | None] | None = None
        self.raw = raw  # the bytes read, when the worker kept them (bandit's encoding test)

    @property
    def nodes(self) -> list[ast.AST]:
        """Every node of the ast in ast.walk's order, walked once and shared by every
        extractor that reads expressions (the tree is read-only to them); empty without one."""
        if self._nodes is None:
            self._nodes = list(ast.walk(self.tree)) if self.tree is not None else []
        return self._nodes

    @property
    def readable_tree(self) -> ast.Module | None:
        """The ast, or for syntax newer than the running interpreter the ast of pysyntax's
        same-line rewrite (every line where it was), built once; None when neither parses."""
        if self.tree is not None or self.language != "python":
            return self.tree
        if self._downleveled is None:
            done = pysyntax.downlevel(self.text)
            self._downleveled = (done[1] if done is not None else None,)
        return self._downleveled[0]

    @property
    def cst(self) -> libcst.Module:
        """The libcst module; raises PythonUnparsableError when it cannot be built safely."""
        if self._cst is not None:
            return self._cst
        if self.language != "python":
            raise pyparse.PythonUnparsableError(f"no concrete syntax tree for {self.language}")
        if self._cst_error is None:
            try:
                self._cst = pyparse.parse_cst(self.text)
                return self._cst
            except pyparse.PythonUnparsableError as exc:
                # Remembered so a second extractor does not retry a parse that already failed.
                self._cst_error = exc
        raise self._cst_error


@dataclass(frozen=True, slots=True)
class FunctionExtractor:
    """An Extractor made from a plain function; enough for most extractors."""

    name: str
    languages: frozenset[str]
    function: Callable[[ParsedFile], Fact | None]
    needs_cst: bool = False

    def extract(self, pf: ParsedFile) -> Fact | None:
        return self.function(pf)
