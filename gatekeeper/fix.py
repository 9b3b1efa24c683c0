"""`gatekeeper fix`: the remediation loop's mechanical part — codemods for findings whose fix is
certain and behaviour-preserving, applied with libcst so every other byte of the file stays as
it was, then the audit again, up to `max_remediation_iterations` rounds.

Fixed today (Python):
- GK3506, `yaml.load(x)` with no Loader: becomes `yaml.safe_load(x)`;
- GK3501, `verify=False` on an HTTP call: the argument is removed (certificates are checked);
- GK3113 / GK422, an outbound HTTP call without a timeout: `timeout=TIMEOUT` is added;
- GK3201, `app.run(debug=True)`: debug is read from the environment
  (`os.environ.get("FLASK_DEBUG") == "1"`), off unless set;
- GK3823, `DEBUG = True` in Django settings: likewise, from `DJANGO_DEBUG`;
- GK3602, `subprocess.*("literal command", shell=True)` where the literal has no shell syntax
  (no quoting, variables, globs, redirections, pipes or builtins): becomes an argument list
  without the shell.

Everything else stays a finding for a person (the remediation plan says how). gatekeeper
never runs the target's tests; a rewritten file that would not parse is left unchanged.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from gatekeeper import api
from gatekeeper.engines import rulemap
from gatekeeper.model import (
    AppliedFix,
    Finding,
    FindingState,
    Location,
    RemediationIteration,
    RemediationStatus,
)

TIMEOUT_SECONDS = rulemap.FIX_TIMEOUT_SECONDS
YAML_LOAD = "GK3506"
NO_CERT_CHECK = "GK3501"
NO_TIMEOUT = frozenset({"GK3113", "GK422"})
FLASK_DEBUG = "GK3201"
DJANGO_DEBUG = "GK3823"
SHELL_TRUE = "GK3602"
FIXABLE = rulemap.FIXABLE
# A literal command becomes an argument list only when the shell would have done nothing but
# split it on spaces: plain words, no builtins or keywords, no `VAR=value` prefix.
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./:,@+-]+")
_SHELL_WORDS = frozenset(
    [
        "alias",
        "bg",
        "break",
        "builtin",
        "case",
        "cd",
        "command",
        "continue",
        "declare",
        "do",
        "done",
        "echo",
        "elif",
        "else",
        "enable",
        "esac",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "fg",
        "fi",
        "for",
        "function",
        "getopts",
        "hash",
        "if",
        "jobs",
        "kill",
        "let",
        "local",
        "printf",
        "pushd",
        "popd",
        "pwd",
        "read",
        "readonly",
        "return",
        "set",
        "shift",
        "source",
        "test",
        "then",
        "time",
        "times",
        "trap",
        "true",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "until",
        "wait",
        "while",
        ".",
        ":",
        "[",
    ]
)
_SUBPROCESS_FUNCS = frozenset({"run", "call", "check_call", "check_output", "Popen"})


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
        self.needs_os = False

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
            kept = _drop(updated.args, _verify_off)
            if len(kept) != len(updated.args):
                updated = updated.with_changes(args=kept)
                self._note(line, NO_CERT_CHECK, "verify=False removed")
        if FLASK_DEBUG in rules and name.endswith("run"):
            args = [self._debug_from_env(a, "FLASK_DEBUG") for a in updated.args]
            if args != list(updated.args):
                updated = updated.with_changes(args=args)
                self._note(line, FLASK_DEBUG, "debug=True -> read from FLASK_DEBUG")
        if SHELL_TRUE in rules and name.rsplit(".", 1)[-1] in _SUBPROCESS_FUNCS:
            updated = self._without_shell(line, updated, keywords, spread)
        if rules & NO_TIMEOUT and "timeout" not in keywords and not spread:
            updated = updated.with_changes(args=_with_timeout(list(updated.args), self.timeout))
            rule = sorted(rules & NO_TIMEOUT)[0]
            self._note(line, rule, f"timeout={self.timeout} added")
        return updated

    def _debug_from_env(self, arg: cst.Arg, variable: str) -> cst.Arg:
        if arg.keyword is None or arg.keyword.value != "debug" or not _is_true(arg.value):
            return arg
        self.needs_os = True
        return arg.with_changes(value=_env_flag(variable))

    def _without_shell(
        self, line: int, call: cst.Call, keywords: set[str], spread: bool
    ) -> cst.Call:
        """`run("ls -l /tmp", shell=True)` -> `run(["ls", "-l", "/tmp"])`, only when the
        literal holds nothing the shell would interpret."""
        if spread or "executable" in keywords or not call.args:
            return call
        first = call.args[0]
        if first.keyword is not None or first.star or not isinstance(first.value, cst.SimpleString):
            return call
        literal = first.value
        if "b" in literal.prefix.lower():
            return call
        command = literal.evaluated_value
        words = command.split(" ") if isinstance(command, str) else []
        words = [w for w in words if w]
        if (
            not words
            or not all(_PLAIN_WORD.fullmatch(w) for w in words)
            or words[0] in _SHELL_WORDS
        ):
            return call
        shells = [a for a in call.args if _shell_on(a)]
        if len(shells) != 1:
            return call
        quote = literal.quote[0]
        listed = cst.List([cst.Element(cst.SimpleString(f"{quote}{w}{quote}")) for w in words])
        args = _drop([first.with_changes(value=listed), *call.args[1:]], _shell_on)
        self._note(line, SHELL_TRUE, "shell=True removed; the literal command is now a list")
        return call.with_changes(args=args)

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        line = self.get_metadata(PositionProvider, original).start.line
        if DJANGO_DEBUG not in self.wanted.get(line, set()):
            return updated
        names = [t.target for t in updated.targets]
        if len(names) == 1 and _is_name(names[0], "DEBUG") and _is_true(updated.value):
            self.needs_os = True
            self._note(line, DJANGO_DEBUG, "DEBUG = True -> read from DJANGO_DEBUG")
            return updated.with_changes(value=_env_flag("DJANGO_DEBUG"))
        return updated

    def leave_AnnAssign(self, original: cst.AnnAssign, updated: cst.AnnAssign) -> cst.AnnAssign:
        line = self.get_metadata(PositionProvider, original).start.line
        if DJANGO_DEBUG not in self.wanted.get(line, set()):
            return updated
        if (
            _is_name(updated.target, "DEBUG")
            and updated.value is not None
            and _is_true(updated.value)
        ):
            self.needs_os = True
            self._note(line, DJANGO_DEBUG, "DEBUG = True -> read from DJANGO_DEBUG")
            return updated.with_changes(value=_env_flag("DJANGO_DEBUG"))
        return updated

    def _note(self, line: int, rule: str, what: str) -> None:
        self.changes.append(Change(self.path, line, rule, what))


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _is_name(node: cst.BaseExpression, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _shell_on(arg: cst.Arg) -> bool:
    return arg.keyword is not None and arg.keyword.value == "shell" and _is_true(arg.value)


def _env_flag(variable: str) -> cst.BaseExpression:
    """`os.environ.get("VARIABLE") == "1"`: on only when the environment says so."""
    return cst.parse_expression(f'os.environ.get("{variable}") == "1"')


def _drop(args: Sequence[cst.Arg], unwanted: Callable[[cst.Arg], bool]) -> list[cst.Arg]:
    """The arguments without the unwanted ones, keeping the call's layout: a dropped last
    argument hands its comma (trailing comma and closing-line whitespace, or none) to the
    argument before it."""
    kept: list[cst.Arg] = []
    for arg in args:
        if not unwanted(arg):
            kept.append(arg)
        elif kept and arg is args[-1]:
            kept[-1] = kept[-1].with_changes(comma=arg.comma)
    return kept


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
    module = wrapper.visit(fixer)
    if fixer.needs_os:
        context = CodemodContext()
        AddImportsVisitor.add_needed_import(context, "os")
        module = AddImportsVisitor(context).transform_module(module)
    after = module.code
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


@dataclass(slots=True)
class Outcome:
    """The loop's result: the last audit (its report's `remediation` tells the iterations and
    the status) and the fixes of each iteration."""

    audit: api.Audit
    rounds: list[list[FileFix]]


def preview(root: Path, opts: api.Options, *, timeout: int = TIMEOUT_SECONDS) -> list[FileFix]:
    """The first iteration's fixes, not written."""
    return fix_files(root.resolve(), api.audit(root, opts).report.findings, timeout=timeout)


def remediate(root: Path, opts: api.Options, *, timeout: int = TIMEOUT_SECONDS) -> Outcome:
    """Iteration 0 is the audit; each further iteration (at most max_remediation_iterations)
    applies the codemods to the open findings they can fix, writes the files and audits again.
    It stops early when no codemod applies. The report's remediation then says `fixed` when the
    security gates failed and now pass, `exhausted` when they still fail (the plan names what
    is left), `not_needed` when they never failed."""
    root = root.resolve()
    audit = api.audit(root, opts)
    failed_at_start = audit.report.remediation.status == RemediationStatus.OPEN
    iterations: list[RemediationIteration] = []
    rounds: list[list[FileFix]] = []
    for iteration in range(1, audit.report.remediation.max_iterations + 1):
        fixes = fix_files(root, audit.report.findings, timeout=timeout)
        if not fixes:
            break
        write(root, fixes)
        rounds.append(fixes)
        audit = api.audit(root, opts)
        fixed = sorted(
            AppliedFix(Location(c.path, c.line), c.rule_id, c.what)
            for f in fixes
            for c in f.changes
        )
        iterations.append(
            RemediationIteration(iteration, tuple(fixed), len(audit.report.remediation.plan))
        )
    failing = audit.report.remediation.status != RemediationStatus.NOT_NEEDED
    if failing:
        status = RemediationStatus.EXHAUSTED
    elif failed_at_start:
        status = RemediationStatus.FIXED
    else:
        status = RemediationStatus.NOT_NEEDED
    remediation = replace(
        audit.report.remediation,
        status=status,
        target_phase="security" if failed_at_start or failing else None,
        iteration=len(iterations),
        iterations=tuple(iterations),
    )
    report = replace(audit.report, remediation=remediation)
    return Outcome(replace(audit, report=report), rounds)
