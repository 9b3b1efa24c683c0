"""Import extractors and Python parsing, run in-process on small generated sources."""

from __future__ import annotations

import ast

import pytest

from gatekeeper.extract import EXTRACTORS, imports, pyparse
from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.extract.imports import FileImports, ImportFact


def parsed(language: str, text: str, path: str = "src/file") -> ParsedFile:
    tree = cst = None
    if language == "python":
        tree, cst = pyparse.parse(text)
    return ParsedFile(path, language, text, tree=tree, cst=cst)


def found(extractor: FunctionExtractor, language: str, text: str) -> list[tuple[str, int]]:
    fact = extractor.extract(parsed(language, text))
    assert isinstance(fact, FileImports)
    return [(i.module, i.line) for i in fact.imports]


PYTHON_SOURCE = """\
import os
import a.b as c, d
from . import x
from ..pkg.mod import y as z
from fastapi import (
    FastAPI,
)


def handler():
    import json  # imported late on purpose
"""


def test_python_imports_come_from_the_ast_with_statement_lines() -> None:
    assert found(imports.PYTHON, "python", PYTHON_SOURCE) == [
        ("os", 1),
        ("a.b", 2),
        ("d", 2),
        (".", 3),
        ("..pkg.mod", 4),
        ("fastapi", 5),
        ("json", 11),
    ]


def test_python_312_syntax_parses_with_libcst_and_still_yields_imports() -> None:
    text = (
        "type UserId = int\n"
        "import fastapi\n"
        "from .models import User\n\n\n"
        "def f[T](x: T) -> T:\n"
        "    import sqlalchemy.orm as orm\n"
        "    return x\n"
    )
    pf = parsed("python", text)
    assert pf.tree is None  # ast on 3.11 cannot read it ...
    assert found(imports.PYTHON, "python", text) == [  # ... libcst can
        ("fastapi", 2),
        (".models", 3),
        ("sqlalchemy.orm", 7),
    ]


def test_python_same_imports_from_ast_and_from_cst() -> None:
    via_cst = imports._cst_imports(pyparse.parse_cst(PYTHON_SOURCE))
    via_ast = imports._ast_imports(ast.parse(PYTHON_SOURCE))
    assert sorted(set(via_cst)) == sorted(set(via_ast))


JAVASCRIPT_SOURCE = """\
// import 'commented-out'
/* require('in-a-block-comment')
   import x from 'also-commented' */
import express from 'express';
import { a,
  b } from "./local";
import type { Request } from '@types/express';
import './side-effect.css';
const fs = require('fs');
const lazy = await import('lazy-module');
export * from 're-exported';
export { helper as h } from "./helpers";
const s = "import 'inside-a-string'";
obj.require('a-method-not-require');
const t = `template ${import('in-template')}`;
import Default, * as ns from 'combined'
"""


def test_javascript_imports_skip_comments_and_strings() -> None:
    assert found(imports.JAVASCRIPT, "javascript", JAVASCRIPT_SOURCE) == [
        ("express", 4),
        ("./local", 5),
        ("@types/express", 7),
        ("./side-effect.css", 8),
        ("fs", 9),
        ("lazy-module", 10),
        ("re-exported", 11),
        ("./helpers", 12),
        ("combined", 16),
    ]


def test_typescript_import_type_and_import_equals_require() -> None:
    text = (
        "import type { A } from './types';\n"
        "import { type B, C } from '@nestjs/common';\n"
        "import fs = require('node:fs');\n"
    )
    assert found(imports.JAVASCRIPT, "typescript", text) == [
        ("./types", 1),
        ("@nestjs/common", 2),
        ("node:fs", 3),
    ]


def test_javascript_tolerates_unterminated_literals_and_comments() -> None:
    text = "const a = 'unterminated\nimport x from 'kept';\n/* never closed\nimport 'lost'"
    assert found(imports.JAVASCRIPT, "javascript", text) == [("kept", 2)]


GO_SOURCE = """\
package main

import "fmt"
import f "fmt2"
import (
\t"net/http"
\tgin "github.com/gin-gonic/gin"
\t_ "github.com/lib/pq" // driver
\t// "commented/out"
\t. "math"
\t`raw/string`
)

var s = "import \\"not-an-import\\""
var r = 'i'
"""


def test_go_single_and_block_imports_with_aliases() -> None:
    assert found(imports.GO, "go", GO_SOURCE) == [
        ("fmt", 3),
        ("fmt2", 4),
        ("net/http", 6),
        ("github.com/gin-gonic/gin", 7),
        ("github.com/lib/pq", 8),
        ("math", 10),
        ("raw/string", 11),
    ]


JAVA_SOURCE = """\
package com.example;

import java.util.List;
import static org.junit.Assert.assertEquals;
import org.springframework.boot.*;
// import commented.Out;
/*
import block.Out;
*/
public class A { String s = "import not.real;"; }
"""


def test_java_imports_including_static_and_wildcard() -> None:
    assert found(imports.JAVA, "java", JAVA_SOURCE) == [
        ("java.util.List", 3),
        ("org.junit.Assert.assertEquals", 4),
        ("org.springframework.boot.*", 5),
    ]


def test_kotlin_imports_with_alias_and_import_as_a_name() -> None:
    text = (
        "package app\n"
        "import io.ktor.server.application.*\n"
        "import kotlinx.coroutines.launch as go\n"
        "import a.`when`.b\n"
        "val x = 1; val import = 3\n"
        'val s = """\nimport in.raw.string\n"""\n'
    )
    assert found(imports.JAVA, "kotlin", text) == [
        ("io.ktor.server.application.*", 2),
        ("kotlinx.coroutines.launch", 3),
        ("a.when.b", 4),
    ]


def test_import_facts_are_sorted_deduplicated_and_picklable() -> None:
    import pickle

    fact = imports.PYTHON.extract(parsed("python", "import b\nimport a\nimport b, b\n"))
    expected = (ImportFact("b", 1), ImportFact("a", 2), ImportFact("b", 3))
    assert fact == FileImports("src/file", expected)
    assert pickle.loads(pickle.dumps(fact)) == fact


def test_registry_is_a_written_out_tuple_with_unique_names() -> None:
    names = [extractor.name for extractor in EXTRACTORS]
    assert names[:4] == ["imports.python", "imports.javascript", "imports.go", "imports.java"]
    assert "routes.python" in names and "migrations.alembic" in names
    assert len(names) == len(set(names))
    assert all(not extractor.needs_cst for extractor in EXTRACTORS)


# ---------------------------------------------------------------------------- pyparse


def test_syntax_error_names_the_line_and_both_parsers() -> None:
    with pytest.raises(pyparse.PythonUnparsableError) as caught:
        pyparse.parse("import os\n\ndef broken(:\n    pass\n")
    reason = str(caught.value)
    assert reason.startswith("python syntax error at line 3: invalid syntax")
    assert "with ast, newer syntax with libcst" in reason


def test_deep_nesting_is_refused_before_libcst_sees_it() -> None:
    text = "x = " + "[" * 3000 + "]" * 3000 + "\n"
    assert "nested more than 500 deep" in (pyparse.cst_hazard(text) or "")
    with pytest.raises(pyparse.PythonUnparsableError, match="libcst not run: brackets"):
        pyparse.parse(text)


def test_long_elif_chains_are_refused_before_libcst_sees_them() -> None:
    text = "if a:\n    pass\n" + "elif a:\n    pass\n" * 5001
    assert "elif branches" in (pyparse.cst_hazard(text) or "")
    assert pyparse.cst_hazard(text[: len(text) // 2]) is None


def test_parser_giving_up_on_depth_is_unanalyzed_without_trying_libcst() -> None:
    with pytest.raises(pyparse.PythonUnparsableError, match="nested too deeply"):
        pyparse.parse("x = " + "-" * 100_000 + "1\n")


def test_nul_byte_past_the_binary_check_is_unparsable() -> None:
    with pytest.raises(pyparse.PythonUnparsableError, match="binary content"):
        pyparse.parse("x = 1\n" + "\0")


def test_cst_is_lazy_and_a_failure_is_remembered() -> None:
    text = 's = "' + "(" * 600 + '"\n'  # valid, but the cheap pre-scan counts brackets in strings
    pf = parsed("python", text)
    assert pf.tree is not None
    for _ in range(2):
        with pytest.raises(pyparse.PythonUnparsableError, match="libcst not run"):
            pf.cst  # noqa: B018
    ok = parsed("python", "x = 1\n")
    assert ok.cst.code == "x = 1\n"
    assert ok.cst is ok.cst


def test_libcst_syntax_error_and_non_python_cst() -> None:
    with pytest.raises(pyparse.PythonUnparsableError, match="libcst: syntax error at line 1"):
        pyparse.parse_cst("def (:\n")
    with pytest.raises(pyparse.PythonUnparsableError, match="no concrete syntax tree for go"):
        ParsedFile("main.go", "go", "package main\n").cst  # noqa: B018
