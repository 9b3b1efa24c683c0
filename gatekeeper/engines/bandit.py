"""bandit's security tests, run inside the parsing workers on the tree every extractor shares.

bandit is a library as much as a command: its tests are plugins that read a `Context` built
for one syntax node. gatekeeper runs them as one more per-file extractor ("bandit"), on the
`ast` the worker already parsed, instead of starting `bandit -r` on the same files.

Why not the command (issue 13's profile, NetBox, 1,212 files, one core): `bandit` took 15.5 s,
of which 4.1 s parsed files gatekeeper had already parsed and about 6 s went to bandit's
driver rather than its tests: for each of 218,000 nodes a context dictionary, a copy of it
per test, the `# nosec` lookup (gatekeeper runs with nosec ignored), score bookkeeping and
debug logging, also for the node types no test looks at. The driver below keeps bandit's own
visit_* methods (imports, aliases, namespaces, the Str/Bytes/Call contexts), its parent and
sibling links and its tests, and drops only that overhead: 4.9 s instead of 10.6 s for the
same issues. Two answers are also remembered or skipped where the result cannot differ
(is_module_imported_like per file, B613 on a file without a bidirectional character): 3.7 s.
Compared field by field with the command's JSON on NetBox and 29 other public backends
(about 2,000 results) and, in tests/test_engines_bandit.py, on every fixture.

Nothing reads a configuration: the tests run with bandit's defaults, never the target's
`.bandit`, `pyproject.toml` or `# nosec` comments (suppressions are gatekeeper's own).
"""

from __future__ import annotations

import ast
import io
import logging
import sys
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata as importlib_metadata
from typing import TYPE_CHECKING, Any

from gatekeeper.engines import proc
from gatekeeper.errors import EngineOutputError
from gatekeeper.model import EngineRun, Unanalyzed

if TYPE_CHECKING:
    from gatekeeper.extract.base import ParsedFile

ENGINE = "bandit"


@dataclass(frozen=True, slots=True)
class BanditIssue:
    test_id: str  # B602
    test_name: str  # subprocess_popen_with_shell_equals_true
    path: str  # POSIX, relative to the audited root
    line: int
    col: int  # 1-based (bandit reports 0-based offsets)
    end_col: int | None  # 1-based, exclusive
    severity: str  # LOW MEDIUM HIGH, bandit's words; mapping to ours is policy
    confidence: str
    cwe: int | None
    text: str
    line_range: tuple[int, ...]

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.test_id)


@dataclass(frozen=True, slots=True)
class BanditFile:
    """bandit's verdict on one file: the fact the "bandit" extractor returns."""

    path: str
    issues: tuple[BanditIssue, ...]
    unread: str = ""  # why bandit could not check the file (or all of it); "" when it did


@dataclass(frozen=True, slots=True)
class BanditRun:
    version: str | None
    issues: tuple[BanditIssue, ...]
    scanned: frozenset[str]  # files bandit checked completely
    unanalyzed: tuple[Unanalyzed, ...]
    ok: bool  # False: bandit itself failed (not installed, a bug), not just one odd file
    message: str = ""
    expected: int = 0

    def engine_run(self) -> EngineRun:
        return EngineRun(
            engine=ENGINE,
            version=self.version,
            ok=self.ok,
            files_expected=self.expected,
            files_scanned=len(self.scanned),
            message=self.message,
            stats=(("issues", len(self.issues)), ("unanalyzed", len(self.unanalyzed))),
        )


def version() -> str | None:
    """The installed bandit distribution's version, without importing it."""
    try:
        return importlib_metadata.version("bandit")
    except importlib_metadata.PackageNotFoundError:
        return None


# ---------------------------------------------------------------------------- the extractor


def check_file(pf: ParsedFile) -> BanditFile | None:
    """Run every bandit test on one parsed Python file. Files with syntax newer than the
    running interpreter are checked on pysyntax's same-line rewrite, as gatekeeper's own checks
    are, so findings keep their real lines."""
    tree = pf.readable_tree
    if tree is None:
        return BanditFile(
            pf.path,
            (),
            unread="bandit could not check it: Python syntax newer than the interpreter "
            f"running gatekeeper ({sys.version_info.major}.{sys.version_info.minor})",
        )
    data = pf.raw if pf.raw is not None and not pf.encoding_fallback else pf.text.encode()
    found, failures = _runner().run(pf.path, tree, data, pf.text)
    if not found and not failures:
        return None
    issues = issues_of(found)
    unread = ""
    if failures:
        unread = "bandit could not finish checking it: " + proc.short_text("; ".join(failures), 600)
    return BanditFile(pf.path, issues, unread)


class _Extractor:
    """The "bandit" extractor (gatekeeper.extract lists it; this module cannot import that
    package, which imports this one)."""

    name = ENGINE
    languages = frozenset({"python"})
    needs_cst = False

    def extract(self, pf: ParsedFile) -> BanditFile | None:
        return check_file(pf)


EXTRACTOR = _Extractor()


class _Runner:
    """bandit's test set and a lean driver for it, built once per worker process."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            # stevedore, loading bandit's plugins, warns about an argument bandit still passes.
            warnings.simplefilter("ignore", DeprecationWarning)
            from bandit.core import config as b_config
            from bandit.core import context as b_context
            from bandit.core import node_visitor as b_visitor
            from bandit.core import test_set as b_test_set
            from bandit.core import utils as b_utils
            from bandit.plugins import trojansource

        # bandit logs a debug line per node and warns through the root logger; the worker's
        # stderr is kept for crash reports, not for this.
        logging.getLogger("bandit").setLevel(logging.CRITICAL + 1)
        # Defaults only: no file is read, every installed test runs, nothing is excluded.
        tests: dict[str, list[Any]] = b_test_set.BanditTestSet(
            b_config.BanditConfig(), profile={"include": set(), "exclude": set()}
        ).tests
        # Node classes worth a context: those some test checks, and those bandit's visitor
        # handles itself (imports and aliases, class and function namespaces, constants).
        wanted = frozenset(
            cls
            for name, cls in vars(ast).items()
            if isinstance(cls, type)
            and issubclass(cls, ast.AST)
            and (name in tests or hasattr(b_visitor.BanditNodeVisitor, f"visit_{name}"))
        )
        self.tests = tests
        self.context_class = _memo_context(b_context.Context)
        self.visitor_class = _lean_visitor(b_visitor.BanditNodeVisitor, b_utils, wanted)
        # B613 looks for bidirectional control characters line by line, one exception per
        # character and line; a file holding none of them cannot fail it.
        self.bidi_test = trojansource.trojansource
        self.bidi = tuple(trojansource.BIDI_CHARACTERS)
        self.singletons = _shared_nodes()

    def run(
        self, path: str, tree: ast.Module, data: bytes, text: str
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """bandit's results on the file as the dictionaries its JSON report holds, and the
        tests that raised (bandit's command logs these and carries on; we report them)."""
        visitor = self.visitor_class(path, io.BytesIO(data), self)
        try:
            visitor.generic_visit(tree)
        except RecursionError:
            visitor.failures.append("the file is nested too deeply for bandit's visitor")
        finally:
            # bandit links the interpreter's shared Load/Store/operator nodes to this tree
            # too; left there, the link would keep the whole tree alive after the task.
            for node in self.singletons:
                node.__dict__.pop("_bandit_parent", None)
                node.__dict__.pop("_bandit_sibling", None)
        visitor.context = {
            "file_data": visitor.fdata,
            "filename": path,
            "lineno": 0,
            "linerange": [0, 1],
            "col_offset": 0,
        }
        skip = () if any(c in text for c in self.bidi) else (self.bidi_test,)
        self.run_tests(visitor, "File", skip)
        return [r.as_dict(with_code=False) for r in visitor.results], visitor.failures

    def run_tests(self, visitor: Any, checktype: str, skip: tuple[object, ...] = ()) -> None:
        """bandit's BanditTester.run_tests without what gatekeeper does not use: one Context
        for all tests of a node (no test writes to it), no `# nosec` lookup, no scores."""
        tests = self.tests.get(checktype)
        if not tests:
            return
        raw = visitor.context
        context = self.context_class(raw, visitor.memo)
        for test in tests:
            if test in skip:
                continue
            try:
                result = test(context, test._config) if hasattr(test, "_config") else test(context)
            except Exception as exc:  # bandit's command logs this and goes on; so do we
                visitor.failures.append(
                    f"test {test.__name__} raised {type(exc).__name__} at line "
                    f"{raw.get('lineno', '?')}: {proc.short_text(str(exc), 200)}"
                )
                continue
            if result is None:
                continue
            result.fname = raw["filename"]
            result.fdata = None
            if result.lineno is None:
                result.lineno = raw["lineno"]
            if result.linerange == []:
                result.linerange = raw["linerange"]
            if result.col_offset == -1:
                result.col_offset = raw["col_offset"]
            result.end_col_offset = raw.get("end_col_offset", 0)
            result.test = test.__name__
            if result.test_id == "":
                result.test_id = test._test_id
            visitor.results.append(result)


def _shared_nodes() -> tuple[ast.AST, ...]:
    """The node instances CPython's parser shares between all trees (contexts, operators)."""
    sample = ast.parse(
        "del a\n"
        "a = -b + +c - ~d * e / f // g % h ** i << j >> k | l ^ m & n @ o\n"
        "a = not b and c or d\n"
        "a = b == c != d < e <= f > g >= h is i is not j in k not in l\n"
        "a += b[c]\n"
    )
    kinds = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
    found = {id(n): n for n in ast.walk(sample) if isinstance(n, kinds)}
    return tuple(found.values())


def _memo_context(base: type) -> type:
    """bandit's Context, remembering is_module_imported_like per file: several tests ask it on
    every call, and each answer is a scan of all the file's imports. The imports seen so far
    only grow while a file is visited, so (module, how many) decides the answer."""

    class MemoContext(base):  # type: ignore[misc]
        def __init__(self, raw: dict[str, Any], memo: dict[tuple[str, int], bool]) -> None:
            super().__init__(raw)
            self._memo = memo

        def is_module_imported_like(self, module: str) -> bool:
            key = (module, len(self._context.get("imports", ())))
            found = self._memo.get(key)
            if found is None:
                found = self._memo[key] = bool(super().is_module_imported_like(module))
            return found

    return MemoContext


def _lean_visitor(base: type, b_utils: Any, wanted: frozenset[type]) -> type:
    """bandit's node visitor with its per-node bookkeeping reduced to the nodes that matter."""
    scopes = (ast.FunctionDef, ast.ClassDef)  # bandit's visitor names these in its namespace

    class LeanVisitor(base):  # type: ignore[misc]
        def __init__(self, path: str, fdata: io.BytesIO, runner: _Runner) -> None:
            self.runner = runner
            self.fname = path
            self.fdata = fdata
            self.depth = 0
            self.debug = False
            self.imports: set[str] = set()
            self.import_aliases: dict[str, str] = {}
            # bandit derives this from __init__.py files on disk; no test reports it, and a
            # worker reads nothing but the file it was given.
            self.namespace = path.rsplit("/", 1)[-1].removesuffix(".py")
            self.context: dict[str, Any] = {}
            self.results: list[Any] = []
            self.failures: list[str] = []
            self.memo: dict[tuple[str, int], bool] = {}
            self.tester = self  # bandit's visit_* methods call self.tester.run_tests(...)

        def run_tests(self, context: object, checktype: str) -> None:
            # bandit's visit_* methods call self.tester.run_tests(self.context, "Call").
            self.runner.run_tests(self, checktype)

        def update_scores(self, scores: object) -> None:
            pass

        def generic_visit(self, node: Any) -> None:
            # bandit's generic_visit: parent and sibling links on every node, and for the
            # node classes some test or visit_* method reads, a context, the visit and, for
            # functions and classes, the namespace popped afterwards.
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    last = len(value) - 1
                    for index, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            sibling = value[index + 1] if index < last else None
                            item._bandit_sibling = sibling  # type: ignore[attr-defined]
                            item._bandit_parent = node  # type: ignore[attr-defined]
                            self._enter(item)
                elif isinstance(value, ast.AST):
                    value._bandit_sibling = None  # type: ignore[attr-defined]
                    value._bandit_parent = node  # type: ignore[attr-defined]
                    self._enter(value)

        def _enter(self, node: ast.AST) -> None:
            kind = type(node)
            if kind not in wanted:
                self.generic_visit(node)
                return
            self.pre_visit(node)
            method = getattr(self, f"visit_{kind.__name__}", None)
            if method is not None:
                method(node)
            else:
                self.runner.run_tests(self, kind.__name__)
            self.generic_visit(node)
            if kind in scopes:
                self.namespace = b_utils.namespace_path_split(self.namespace)[0]

        def pre_visit(self, node: ast.AST) -> bool:
            context = self.context = {
                "imports": self.imports,
                "import_aliases": self.import_aliases,
            }
            if hasattr(node, "lineno"):
                context["lineno"] = node.lineno
            if hasattr(node, "col_offset"):
                context["col_offset"] = node.col_offset
            if hasattr(node, "end_col_offset"):
                context["end_col_offset"] = node.end_col_offset
            context["node"] = node
            context["linerange"] = b_utils.linerange(node)
            context["filename"] = self.fname
            context["file_data"] = self.fdata
            return True

    return LeanVisitor


@cache
def _runner() -> _Runner:
    return _Runner()


# ---------------------------------------------------------------------------- the run


def run_from_facts(
    py_files: Collection[str],
    facts: Mapping[str, Mapping[str, object]],
    unanalyzed: Iterable[Unanalyzed],
) -> BanditRun:
    """The whole repository's bandit run, put together from the workers' per-file facts.

    A file the workers could not read or parse at all is reported once, by the parse stage;
    here it simply does not count as scanned. A file bandit could not (fully) check is
    unanalyzed by bandit; bandit failing outright (an extractor error) also fails the run.
    """
    failed = {u.path: u.reason for u in unanalyzed if u.engine == ENGINE}
    issues: list[BanditIssue] = []
    scanned: set[str] = set()
    entries: list[Unanalyzed] = []
    for path in py_files:
        if path in failed:
            continue
        per_file = facts.get(path)
        if per_file is None:
            continue  # the parse stage reports why
        fact = per_file.get(ENGINE)
        if isinstance(fact, BanditFile):
            issues.extend(fact.issues)
            if fact.unread:
                entries.append(Unanalyzed(path, fact.unread, ENGINE))
                continue
        scanned.add(path)
    message = ""
    if failed:
        first = sorted(failed.items())[0]
        message = proc.short_text(
            f"bandit failed on {len(failed)} file(s), first {first[0]}: {first[1]}", 2000
        )
    return BanditRun(
        version=version(),
        issues=tuple(sorted(issues, key=BanditIssue.sort_key)),
        scanned=frozenset(scanned),
        unanalyzed=tuple(sorted(entries)),
        ok=not failed,
        message=message,
        expected=len(py_files),
    )


# ---------------------------------------------------------------------------- bandit's dicts


def _issue(item: object) -> BanditIssue:
    """One result in the shape of bandit's JSON report (Issue.as_dict)."""
    try:
        if not isinstance(item, dict):
            raise TypeError("not an object")
        cwe = item.get("issue_cwe")
        cwe_id = cwe.get("id") if isinstance(cwe, dict) else None
        end = item.get("end_col_offset")
        return BanditIssue(
            test_id=str(item["test_id"]),
            test_name=str(item.get("test_name", "")),
            path=str(item["filename"]),
            line=int(item["line_number"]),
            col=int(item.get("col_offset") or 0) + 1,
            end_col=int(end) + 1 if end is not None else None,
            severity=str(item.get("issue_severity", "")),
            confidence=str(item.get("issue_confidence", "")),
            cwe=int(cwe_id) if cwe_id is not None else None,
            text=proc.short_text(str(item.get("issue_text", "")), 2000),
            line_range=tuple(int(n) for n in item.get("line_range") or ()),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise EngineOutputError(ENGINE, f"a result is not in bandit's shape ({exc!r})") from exc


def issues_of(items: Sequence[object]) -> tuple[BanditIssue, ...]:
    """bandit's result dictionaries (its JSON report's `results`) as BanditIssues."""
    return tuple(sorted({_issue(item) for item in items}, key=BanditIssue.sort_key))
