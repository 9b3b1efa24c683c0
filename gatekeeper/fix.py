"""`gatekeeper fix`: the remediation loop's mechanical part — codemods for findings whose fix is
certain and behaviour-preserving, applied with libcst so every other byte of the file stays as
it was, then the audit again, up to `max_remediation_iterations` rounds.

Fixed today (Python):
- GK3506, `yaml.load(x)` with no Loader: becomes `yaml.safe_load(x)`;
- GK3501, `verify=False` on an HTTP call: the argument is removed (certificates are checked);
- GK3113 / GK422, an outbound HTTP call without a timeout: `timeout=TIMEOUT` is added.

Everything else stays a finding for a person (the remediation plan says how). gatekeeper
never runs the target's tests; a rewritten file that would not parse is left unchanged.
"""

from __future__ import annotations

import ast
import difflib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from gatekeeper.model import Finding, FindingState

TIMEOUT_SECONDS = 10
YAML_LOAD = "GK3506"
NO_CERT_CHECK = "GK3501"
NO_TIMEOUT = frozenset({"GK3113", "GK422"})
FIXABLE = frozenset({YAML_LOAD, NO_CERT_CHECK, *NO_TIMEOUT})


@dataclass(frozen=True, slots=True, order=True)
class Change:
    path: str
    line: int
    rule_id: str
    what: str


@dataclass(slots=True)
class FileFix:
    path: str
    before: str
    after: str
    changes: list[Change] = field(default_factory=list)

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


def fixable(findings: Sequence[Finding]) -> dict[str, dict[int, set[str]]]:
    """path -> line -> rule ids, for the open Python findings a codemod can fix."""
    out: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for f in findings:
        if (
            f.state == FindingState.OPEN
            and f.rule_id in FIXABLE
            and f.location.line
            and f.location.path.endswith(".py")
        ):
            out[f.location.path][f.location.line].add(f.rule_id)
    return out


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else ""
    return ""


def _verify_off(arg: cst.Arg) -> bool:
    """`verify=False`."""
    keyword = arg.keyword is not None and arg.keyword.value == "verify"
    return keyword and isinstance(arg.value, cst.Name) and arg.value.value == "False"


class _Fixer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str, wanted: dict[int, set[str]], timeout: int) -> None:
        super().__init__()
        self.path = path
        self.wanted = wanted
        self.timeout = timeout
        self.changes: list[Change] = []

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        line = self.get_metadata(PositionProvider, original).start.line
        rules = self.wanted.get(line)
        if not rules:
            return updated
        name = _dotted(updated.func)
        keywords = {a.keyword.value for a in updated.args if a.keyword is not None}
        spread = any(a.star == "**" for a in updated.args)
        if YAML_LOAD in rules and name.endswith("yaml.load"):
            positional = [a for a in updated.args if a.keyword is None and not a.star]
            if "Loader" not in keywords and len(positional) == 1 and not spread:
                func = updated.func
                if isinstance(func, cst.Attribute):
                    updated = updated.with_changes(
                        func=func.with_changes(attr=cst.Name("safe_load"))
                    )
                    self._note(line, YAML_LOAD, "yaml.load -> yaml.safe_load")
        if NO_CERT_CHECK in rules:
            kept = [a for a in updated.args if not _verify_off(a)]
            if len(kept) != len(updated.args):
                updated = updated.with_changes(args=_without_trailing_comma(kept))
                self._note(line, NO_CERT_CHECK, "verify=False removed")
        if rules & NO_TIMEOUT and "timeout" not in keywords and not spread:
            updated = updated.with_changes(args=_with_timeout(list(updated.args), self.timeout))
            rule = sorted(rules & NO_TIMEOUT)[0]
            self._note(line, rule, f"timeout={self.timeout} added")
        return updated

    def _note(self, line: int, rule: str, what: str) -> None:
        self.changes.append(Change(self.path, line, rule, what))


def _without_trailing_comma(args: list[cst.Arg]) -> list[cst.Arg]:
    if args and isinstance(args[-1].comma, cst.Comma):
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return args


def _with_timeout(args: list[cst.Arg], timeout: int) -> list[cst.Arg]:
    """`timeout=N` appended in the call's own layout: on its own line, with a trailing comma,
    when the arguments are one per line; after a space otherwise."""
    added = cst.Arg(
        keyword=cst.Name("timeout"),
        value=cst.Integer(str(timeout)),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )
    if not args:
        return [added]
    last = args[-1].comma
    if isinstance(last, cst.Comma):
        # `f(\n    a,\n    b,\n)`: the new argument takes the closing comma and layout, and
        # the old last argument gets the comma between arguments.
        between = args[-2].comma if len(args) > 1 else None
        if not isinstance(between, cst.Comma):
            between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args[-1] = args[-1].with_changes(comma=between)
        return [*args, added.with_changes(comma=last)]
    args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return [*args, added]


def fix_text(
    path: str, text: str, wanted: dict[int, set[str]], timeout: int = TIMEOUT_SECONDS
) -> FileFix:
    """The file with its fixable findings fixed; unchanged when nothing applies, when libcst
    cannot read it, or when the result would not parse."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(text))
    except (cst.ParserSyntaxError, RecursionError):
        return FileFix(path, text, text)
    fixer = _Fixer(path, wanted, timeout)
    after = wrapper.visit(fixer).code
    if after == text:
        return FileFix(path, text, text)
    try:
        ast.parse(after)
    except SyntaxError:
        return FileFix(path, text, text)
    return FileFix(path, text, after, sorted(fixer.changes))


def fix_files(root: Path, findings: Sequence[Finding], *, timeout: int) -> list[FileFix]:
    """Fixes for every file with fixable findings (not written; see write())."""
    fixes = []
    for path, wanted in sorted(fixable(findings).items()):
        target = root / path
        if target.is_symlink() or not target.is_file():
            continue  # gatekeeper writes only regular files inside the root
        text = target.read_text(encoding="utf-8")
        done = fix_text(path, text, wanted, timeout)
        if done.changes:
            fixes.append(done)
    return fixes


def write(root: Path, fixes: Sequence[FileFix]) -> None:
    for fix in fixes:
        target = root / fix.path
        if target.is_symlink():
            continue
        target.write_text(fix.after, encoding="utf-8")
