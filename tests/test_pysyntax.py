"""Newer Python syntax brought down to the running interpreter on the same lines.

gatekeeper runs on Python 3.11; audited code may be written for 3.12+. bandit and the ast-based
checks read a rewritten copy whose lines and columns are the original's, so a finding there
keeps its real place. A file that no same-length rewrite fixes stays unread (fail closed).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from gatekeeper import api, pysyntax

needs_311 = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="the running Python reads PEP 701 f-strings itself"
)


@needs_311
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # NetBox's dcim/forms/bulk_import.py has this shape
        (
            "p = {f'site__{self.fields['a'].name}': 1}\n",
            "p = {f'site__{self.fields[\"a\"].name}': 1}\n",
        ),
        ('x = f"{a["b"]:>{w}} {c!r}"\n', "x = f\"{a['b']:>{w}} {c!r}\"\n"),
        ("x = f'{ {'a': 1}['a']}'\n", 'x = f\'{ {"a": 1}["a"]}\'\n'),
        # a plain string and a comment with quotes before it are stepped over
        ("# it's\ns = 'f{'\nx = f'{d['k']}'\n", "# it's\ns = 'f{'\nx = f'{d[\"k\"]}'\n"),
    ],
)
def test_reused_fstring_quotes_get_the_other_quote(source: str, expected: str) -> None:
    with pytest.raises(SyntaxError):
        ast.parse(source)
    done = pysyntax.downlevel(source)
    assert done is not None
    text, tree = done
    assert text == expected
    assert len(text) == len(source) and text.count("\n") == source.count("\n")
    assert isinstance(tree, ast.Module)


@needs_311
@pytest.mark.parametrize(
    "source",
    [
        "x = f'{d['k\"']}'\n",  # the nested string holds the other quote already
        "x = f'{d[f'{e['k']}']}'\n",  # three levels: no quote left to use
        "x = f'{d['\\n']}'\n",  # a backslash in the field: 3.11 refuses it either way
        "x = f'{d['k']\n",  # unterminated
    ],
)
def test_fstrings_no_rewrite_can_fix_stay_unread(source: str) -> None:
    assert pysyntax.downlevel(source) is None


def test_valid_311_source_is_left_alone() -> None:
    source = "x = f'{d[\"k\"]}' + f\"{e['k']:{w}}\" + 'f{' + rb'\\'' # f'{'\n"
    ast.parse(source)
    assert pysyntax.downlevel(source) is None


@needs_311
@pytest.mark.engines
def test_bandit_checks_a_pep701_file_at_its_real_lines(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import subprocess\n"
        "label = f'site__{fields['site'].name}'\n"
        "subprocess.call(label, shell=True)\n"
    )
    report = api.audit(tmp_path, api.Options(use_cache=False, phases=("security",))).report
    assert not [u for u in report.unanalyzed if u.path == "app.py"]
    shell = [f for f in report.findings if f.rule_id == "GK3602"]
    assert [(f.location.path, f.location.line) for f in shell] == [("app.py", 3)]
