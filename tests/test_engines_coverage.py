"""Coverage reports read without running the target: every format, path mapping, hostile input.

All reports are generated in tmp_path; the .coverage files come from coverage.py measuring a
module the test itself writes (our code, not a target's), then are made hostile.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import coverage
import pytest

from gatekeeper.engines import coverage_reports as cr
from gatekeeper.engines import proc
from gatekeeper.engines.coverage_reports import CoverageReport, ReportFormat, ReportStatus
from gatekeeper.repo import RepoIndex

CALC = "def add(a, b):\n    return a + b\n\n\ndef unused():\n    return 0\n"
CI = "/home/runner/work/app/app"


def write(root: Path, rel: str, data: bytes | str = "x = 1\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def repo(tmp_path: Path, files: dict[str, bytes | str]) -> RepoIndex:
    root = tmp_path / "repo"
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        write(root, rel, data)
    return RepoIndex.build(root)


def only(index: RepoIndex, **kwargs: float) -> CoverageReport:
    reports = cr.read_coverage(index, **kwargs)  # type: ignore[arg-type]
    assert len(reports) == 1, reports
    return reports[0]


def by_reported(report: CoverageReport) -> dict[str, tuple[str | None, int | None, int]]:
    return {
        f.reported_path: (f.path, f.lines_valid, f.lines_covered) for f in report.measured_files
    }


def measure(root: Path) -> Path:
    """A real .coverage: coverage.py runs our generated src/app/calc.py in this process."""
    module = write(root, "src/app/calc.py", CALC)
    data_file = root / ".coverage"
    cov = coverage.Coverage(data_file=str(data_file), config_file=False, source=[str(root / "src")])
    cov.start()
    try:
        spec = importlib.util.spec_from_file_location("gk_cov_calc", module)
        assert spec is not None and spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        assert loaded.add(1, 2) == 3
    finally:
        cov.stop()
    cov.save()
    return data_file


# ---------------------------------------------------------------------------- coverage.py data


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (proc.ProcResult(0, b"{}", b"", False, False, 0.1, True), "more than gatekeeper keeps"),
        (proc.ProcResult(-9, b"", b"MemoryError", False, False, 0.1), "killed by signal 9"),
        (proc.ProcResult(1, b"not json", b"Traceback", False, False, 0.1), "exited with 1"),
        (proc.ProcResult(0, b'{"files": []}', b"", False, False, 0.1), "no 'files' object"),
        (proc.ProcResult(0, b'{"files": {"a": 1}}', b"", False, False, 0.1), "malformed"),
        (proc.ProcResult(0, b'{"files": {"a": [-1]}}', b"", False, False, 0.1), "executed line"),
    ],
)
def test_unusable_reader_output_is_an_error(result: proc.ProcResult, expected: str) -> None:
    with pytest.raises(cr._ReportError, match=expected):
        cr._data_from_child(result)


def test_real_data_file_is_read_with_executed_lines(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    data_file = measure(root)
    report = only(RepoIndex.build(root))
    assert (report.path, report.format, report.status) == (
        ".coverage",
        ReportFormat.COVERAGE_DATA,
        ReportStatus.OK,
    )
    [measured] = report.measured_files
    # Statements: def add, return a + b, def unused, return 0; the last one never ran.
    assert (measured.path, measured.lines_valid, measured.lines_covered) == (
        "src/app/calc.py",
        4,
        3,
    )
    assert measured.reported_path == str(root / "src" / "app" / "calc.py")
    assert report.line_rate == pytest.approx(3 / 4) and report.unmapped == ()
    assert "coverage.py's own parser" in report.message
    # The same figure `coverage report` prints for this data file.
    cov = coverage.Coverage(data_file=str(data_file), config_file=False)
    cov.load()
    _, statements, _, missing, _ = cov.analysis2(str(root / "src" / "app" / "calc.py"))
    assert (len(statements), len(statements) - len(missing)) == (4, 3)


def test_data_file_statements_follow_coverage_exclusions(tmp_path: Path) -> None:
    """`# pragma: no cover` blocks and continuation lines count as coverage.py counts them; a
    measured file that does not parse is left out of the rate and named."""
    root = tmp_path / "repo"
    data_file = measure(root)
    # The repository's copy now differs from what ran: an excluded block and a multi-line call.
    write(
        root,
        "src/app/calc.py",
        "def add(a, b):\n    return (a +\n            b)\n\n\n"
        "def unused():  # pragma: no cover\n    return 0\n",
    )
    report = only(RepoIndex.build(root))
    [measured] = report.measured_files
    assert (measured.lines_valid, measured.lines_covered) == (2, 2)
    assert report.line_rate == pytest.approx(1.0)

    write(root, "src/app/calc.py", "def add(a, b:\n")  # a syntax error
    report = only(RepoIndex.build(root))
    [measured] = report.measured_files
    assert measured.lines_valid is None and report.line_rate is None
    assert "could not be parsed for statements" in report.message
    assert "src/app/calc.py" in report.message
    assert data_file.exists()


def test_child_logic_runs_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_file = measure(tmp_path / "repo")
    files = cr.read_data_file(str(data_file))
    assert files == {str(data_file.parent / "src" / "app" / "calc.py"): [1, 2, 5]}

    assert cr.main([str(data_file.parent), ".coverage"]) == 0
    assert json.loads(capsys.readouterr().out) == {"files": files}

    write(tmp_path, "junk.sqlite", b"SQLite format 3\x00" + b"\xff" * 2000)
    assert cr.main([str(tmp_path), "junk.sqlite"]) == 1
    assert "error" in json.loads(capsys.readouterr().out)

    assert cr.main(["only-one"]) == 2
    assert "usage" in capsys.readouterr().err


def test_target_coverage_config_and_plugins_are_never_loaded(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    measure(root)
    marker = tmp_path / "MARKER"
    evil = f"open({str(marker)!r}, 'w').write('imported')\n\n\n"
    evil += "def coverage_init(reg, options):\n    pass\n"
    for rel, text in {
        "evil.py": evil,
        ".coveragerc": "[run]\nplugins = evil\n",
        "setup.cfg": "[coverage:run]\nplugins = evil\n",
        "tox.ini": "[coverage:run]\nplugins = evil\n",
        "pyproject.toml": '[tool.coverage.run]\nplugins = ["evil"]\n',
        ".gitignore": ".coverage\n",  # CI output is ignored, and still read
    }.items():
        write(root, rel, text)

    # Control: coverage's own API on this tree does import the plugin (so would its CLI).
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("COV", "PYTHON"))}
    subprocess.run(
        [sys.executable, "-c", "import coverage; coverage.Coverage().load()"],
        cwd=root,
        env=clean_env,
        check=False,
        capture_output=True,
        timeout=60,
    )
    assert marker.read_text() == "imported"
    marker.unlink()

    # Shadows of the coverage package and of site's hook, if the target were ever on sys.path.
    write(root, "coverage.py", evil)
    write(root, "sitecustomize.py", evil)
    report = only(RepoIndex.build(root))
    assert report.status is ReportStatus.OK, report.message
    assert [f.path for f in report.measured_files] == ["src/app/calc.py"]
    assert not marker.exists()


def test_recursive_view_ends_as_an_error_not_a_hang(tmp_path: Path) -> None:
    data_file = measure(tmp_path / "repo")
    with sqlite3.connect(data_file) as con:
        con.execute("DROP TABLE file")
        con.execute(
            "CREATE VIEW file AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r) "
            "SELECT x AS id, 'a' AS path FROM r"
        )
    con.close()
    report = only(RepoIndex.build(data_file.parent), timeout=3.0)
    assert report.status is ReportStatus.ERROR
    assert report.message.startswith(".coverage: ")
    assert "did not finish" in report.message or "not a readable" in report.message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"SQLite format 3\x00" + bytes(range(256)) * 16, "not a readable coverage.py data file"),
        (b"!coverage.py: This is a private format, don't read it directly!{}", "4.x"),
        (b"just some text\n", "not a SQLite database"),
    ],
)
def test_corrupt_data_file_is_an_error(tmp_path: Path, data: bytes, expected: str) -> None:
    report = only(repo(tmp_path, {".coverage": data}))
    assert report.status is ReportStatus.ERROR
    assert expected in report.message


def test_truncated_real_database_is_an_error(tmp_path: Path) -> None:
    data_file = measure(tmp_path / "repo")
    data_file.write_bytes(data_file.read_bytes()[:2048])
    report = only(RepoIndex.build(data_file.parent))
    assert report.status is ReportStatus.ERROR, report.message


def test_data_files_share_one_time_budget(tmp_path: Path) -> None:
    data_file = measure(tmp_path / "repo")
    report = only(RepoIndex.build(data_file.parent), timeout=0.0)
    assert report.status is ReportStatus.ERROR
    assert "budget" in report.message


def test_reader_that_cannot_start_is_an_error(tmp_path: Path) -> None:
    data_file = measure(tmp_path / "repo")
    reports = cr.read_coverage(RepoIndex.build(data_file.parent), python=str(tmp_path / "nope"))
    assert reports[0].status is ReportStatus.ERROR
    assert "could not start" in reports[0].message


# ---------------------------------------------------------------------------- Cobertura


COBERTURA = f"""<?xml version="1.0" ?>
<coverage version="7.6.1" timestamp="1700000000000" lines-valid="6" lines-covered="4"
  line-rate="0.6667" branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">
  <!-- Generated by coverage.py: https://coverage.readthedocs.io/en/7.6.1 -->
  <sources>
    <source>{CI}/src</source>
  </sources>
  <packages>
    <package name="app" line-rate="0.6667" branch-rate="0" complexity="0">
      <classes>
        <class name="calc.py" filename="app/calc.py" complexity="0" line-rate="0.75">
          <methods/>
          <lines>
            <line number="1" hits="1"/>
            <line number="2" hits="3"/>
            <line number="5" hits="1"/>
            <line number="6" hits="0"/>
          </lines>
        </class>
        <class name="gone.py" filename="app/gone.py" complexity="0" line-rate="0.5">
          <methods/>
          <lines>
            <line number="1" hits="1"/>
            <line number="2" hits="0"/>
          </lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>
"""


def test_cobertura_with_absolute_ci_sources_maps_by_suffix(tmp_path: Path) -> None:
    report = only(repo(tmp_path, {"src/app/calc.py": CALC, "coverage.xml": COBERTURA}))
    assert (report.format, report.status) == (ReportFormat.COBERTURA, ReportStatus.OK)
    assert by_reported(report) == {
        "app/calc.py": ("src/app/calc.py", 4, 3),
        "app/gone.py": (None, 2, 1),
    }
    assert report.line_rate == 0.75  # mapped files only
    assert report.unmapped == ("app/gone.py",)
    assert "1 reported paths match no file" in report.message


def test_istanbul_cobertura_with_doctype_and_absolute_filenames(tmp_path: Path) -> None:
    xml = f"""<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage lines-valid="2" lines-covered="1" line-rate="0.5" version="0.1">
  <sources><source>{CI}/web</source></sources>
  <packages><package name="src"><classes>
    <class name="index.js" filename="src/index.js" line-rate="0.5">
      <methods><method name="(anonymous_0)" hits="1" signature="()V">
        <lines><line number="1" hits="1"/></lines></method></methods>
      <lines><line number="1" hits="1" branch="false"/><line number="2" hits="0"/></lines>
    </class>
    <class name="dep.js" filename="{CI}/web/node_modules/dep/index.js">
      <lines><line number="1" hits="1"/></lines>
    </class>
  </classes></package></packages>
</coverage>
"""
    index = repo(tmp_path, {"web/src/index.js": "x\n", "index.js": "y\n", "web/cobertura.xml": xml})
    report = only(index)
    assert by_reported(report) == {
        "src/index.js": ("web/src/index.js", 2, 1),
        # shares index.js with a file of ours, but lives in node_modules
        f"{CI}/web/node_modules/dep/index.js": (None, 1, 1),
    }
    assert report.line_rate == 0.5


def test_cobertura_xxe_is_refused(tmp_path: Path) -> None:
    xxe = """<?xml version="1.0"?>
<!DOCTYPE coverage [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<coverage><sources><source>&x;</source></sources><packages><package><classes>
<class filename="&x;"><lines><line number="1" hits="1"/></lines></class>
</classes></package></packages></coverage>
"""
    report = only(repo(tmp_path, {"coverage.xml": xxe}))
    assert report.status is ReportStatus.ERROR
    assert "entity" in report.message
    assert "root:" not in repr(report) and report.measured_files == ()


def test_cobertura_billion_laughs_is_refused(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE coverage [{lol}]><coverage>&lol9;</coverage>'
    report = only(repo(tmp_path, {"coverage.xml": bomb}))
    assert report.status is ReportStatus.ERROR
    assert "entity 'lol0'" in report.message


def test_external_parameter_entity_is_refused(tmp_path: Path) -> None:
    xml = (
        '<?xml version="1.0"?><!DOCTYPE report [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd">'
        "%p;]><report/>"
    )
    report = only(repo(tmp_path, {"jacoco.xml": xml}))
    assert report.status is ReportStatus.ERROR
    assert report.format is ReportFormat.JACOCO


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        ("<coverage><packages>\n<package>\n</coverage>", "coverage.xml:3: invalid XML"),
        ("<html><body/></html>", "root element is <html>"),
        (
            '<coverage><packages><package><classes><class filename="a.py"><lines>'
            '<line number="x" hits="1"/></lines></class></classes></package></packages></coverage>',
            "<line number> is not a non-negative integer",
        ),
        (
            "<coverage><packages><package><classes><class/></classes></package></packages>"
            "</coverage>",
            "no filename attribute",
        ),
    ],
)
def test_invalid_xml_names_the_problem(tmp_path: Path, xml: str, expected: str) -> None:
    report = only(repo(tmp_path, {"coverage.xml": xml}))
    assert report.status is ReportStatus.ERROR
    assert expected in report.message


def test_cobertura_measuring_nothing_is_empty(tmp_path: Path) -> None:
    xml = '<?xml version="1.0" ?><coverage line-rate="0"><sources/><packages/></coverage>'
    report = only(repo(tmp_path, {"coverage.xml": xml}))
    assert report.status is ReportStatus.EMPTY
    assert "measured no files" in report.message
    assert report.line_rate is None


# ---------------------------------------------------------------------------- JaCoCo, Clover

JACOCO = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="app">
<sessioninfo id="ci" start="1700000000000" dump="1700000001000"/>
<package name="com/example/app">
  <class name="com/example/app/App" sourcefilename="App.java">
    <method name="main" desc="([Ljava/lang/String;)V" line="3">
      <counter type="LINE" missed="1" covered="1"/></method>
  </class>
  <sourcefile name="App.java">
    <line nr="3" mi="0" ci="3" mb="0" cb="0"/>
    <line nr="4" mi="0" ci="2" mb="0" cb="0"/>
    <line nr="6" mi="4" ci="0" mb="0" cb="0"/>
    <counter type="LINE" missed="1" covered="2"/>
  </sourcefile>
  <sourcefile name="Gen.java"><counter type="LINE" missed="3" covered="1"/></sourcefile>
</package>
<counter type="LINE" missed="4" covered="3"/>
</report>
"""


def test_jacoco_with_its_doctype_maps_package_paths(tmp_path: Path) -> None:
    index = repo(
        tmp_path,
        {
            "app/src/main/java/com/example/app/App.java": "class App {}\n",
            "lib/src/main/java/com/example/app/App.java": "class App {}\n",
            "app/src/main/java/com/example/app/Gen.java": "class Gen {}\n",
            "app/build/reports/jacoco/test/jacocoTestReport.xml": JACOCO,
        },
    )
    report = only(index)
    assert (report.format, report.status) == (ReportFormat.JACOCO, ReportStatus.OK)
    # Two modules hold com/example/app/App.java: the one beside the report wins.
    assert by_reported(report) == {
        "com/example/app/App.java": ("app/src/main/java/com/example/app/App.java", 3, 2),
        "com/example/app/Gen.java": ("app/src/main/java/com/example/app/Gen.java", 4, 1),
    }
    assert report.line_rate == pytest.approx(3 / 7)


def test_equally_near_candidates_are_left_unmapped(tmp_path: Path) -> None:
    index = repo(
        tmp_path,
        {
            "a/src/com/example/app/App.java": "x\n",
            "b/src/com/example/app/App.java": "x\n",
            "jacoco.xml": JACOCO,
        },
    )
    report = only(index)
    assert "com/example/app/App.java" in report.unmapped
    assert report.line_rate is None and "no line rate" in report.message


def test_clover(tmp_path: Path) -> None:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1700000000000" clover="3.2.0"><project timestamp="1700000000000" name="All">
  <metrics statements="4" coveredstatements="2"/>
  <file name="index.js" path="{CI}/web/src/index.js">
    <metrics statements="3" coveredstatements="2"/>
    <line num="1" count="1" type="stmt"/>
    <line num="2" count="0" type="cond" truecount="1" falsecount="0"/>
    <line num="3" count="1" type="method"/>
    <line num="4" count="0" type="stmt"/>
  </file>
  <package name="lib"><file name="util.php"><metrics statements="5" coveredstatements="4"/>
  </file></package>
</project></coverage>
"""
    index = repo(
        tmp_path, {"web/src/index.js": "x\n", "lib/util.php": "<?php\n", "clover.xml": xml}
    )
    report = only(index)
    assert report.format is ReportFormat.CLOVER
    assert by_reported(report) == {
        f"{CI}/web/src/index.js": ("web/src/index.js", 3, 2),
        "util.php": ("lib/util.php", 5, 4),  # PHPUnit's bare name: the one file so named
    }


# ---------------------------------------------------------------------------- LCOV and Go

LCOV = f"""TN:
SF:{CI}/src/app/calc.py
FN:1,add
FNDA:1,add
DA:1,1
DA:2,4
DA:5,1
DA:6,0
LF:4
LH:3
end_of_record
SF:../../outside.py
DA:1,1
end_of_record
SF:src/app/totals_only.py
LF:10
LH:7
end_of_record
"""


def test_lcov_maps_absolute_paths_and_leaves_escapes_unmapped(tmp_path: Path) -> None:
    # outside.py exists in the repository, and ../../outside.py still must not reach it.
    files: dict[str, bytes | str] = {
        "src/app/calc.py": CALC,
        "src/app/totals_only.py": "x\n",
        "outside.py": "x\n",
        "lcov.info": LCOV,
    }
    report = only(repo(tmp_path, files))
    assert (report.format, report.status) == (ReportFormat.LCOV, ReportStatus.OK)
    assert by_reported(report) == {
        f"{CI}/src/app/calc.py": ("src/app/calc.py", 4, 3),
        "src/app/totals_only.py": ("src/app/totals_only.py", 10, 7),
        "../../outside.py": (None, 1, 1),
    }
    assert report.unmapped == ("../../outside.py",)
    assert report.line_rate == pytest.approx(10 / 14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SF:a.py\nDA:1,1\n", "lcov.info:2: the record for a.py (line 1) is not closed"),
        ("SF:a.py\nDA:one,1\nend_of_record\n", "lcov.info:2: the value is not a non-negative"),
        ("DA:1,1\n", "lcov.info:1: DA: outside a record"),
        ("SF:a.py\nSF:b.py\n", "lcov.info:2: SF: before the record for a.py"),
        ("end_of_record\n", "lcov.info:1: end_of_record outside a record"),
        ("SF:a.py\nDA:1\nend_of_record\n", "DA: needs a line number"),
        ("SF:\n", "SF: with no path"),
        ("<html>oops</html>\n", "lcov.info:1: not an LCOV record"),
        ("SF:a.py\x00\n", "not a text file"),
    ],
)
def test_invalid_lcov_names_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    report = only(repo(tmp_path, {"lcov.info": text}))
    assert report.status is ReportStatus.ERROR
    assert expected in report.message


def test_lcov_negative_wrapped_counts_and_empty_file(tmp_path: Path) -> None:
    report = only(repo(tmp_path, {"a.py": "x\n", "app.lcov": "SF:a.py\nDA:1,-3\nend_of_record\n"}))
    assert by_reported(report) == {"a.py": ("a.py", 1, 1)}
    empty = only(repo(tmp_path / "other", {"lcov.info": "\n"}))
    assert empty.status is ReportStatus.EMPTY


GO_PROFILE = """mode: count
github.com/acme/shop/internal/cart/cart.go:3.20,5.2 2 4
github.com/acme/shop/internal/cart/cart.go:7.30,9.2 1 0
github.com/acme/shop/internal/cart/cart.go:3.20,5.2 2 0
mode: count
github.com/acme/tools/pkg/fmt/fmt.go:1.1,2.2 3 1
golang.org/x/other/x.go:1.1,2.2 1 1
"""


def test_go_profile_maps_module_paths(tmp_path: Path) -> None:
    index = repo(
        tmp_path,
        {
            "services/shop/go.mod": "// shop\nmodule github.com/acme/shop\n\ngo 1.22\n",
            "services/shop/internal/cart/cart.go": "package cart\n",
            "pkg/fmt/fmt.go": "package fmt\n",  # no go.mod: found by suffix
            "services/shop/coverage.out": GO_PROFILE,
        },
    )
    report = only(index)
    assert (report.format, report.status) == (ReportFormat.GO, ReportStatus.OK)
    # Go counts statements; the repeated block (concatenated profiles) counts once.
    assert by_reported(report) == {
        "github.com/acme/shop/internal/cart/cart.go": (
            "services/shop/internal/cart/cart.go",
            3,
            2,
        ),
        "github.com/acme/tools/pkg/fmt/fmt.go": ("pkg/fmt/fmt.go", 3, 3),
        "golang.org/x/other/x.go": (None, 1, 1),
    }
    assert report.line_rate == pytest.approx(5 / 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.go:1.1,2.2 1 1\n", "cover.out:1: not a Go cover profile"),
        ("mode: set\na.go:1.1,2.2 one 1\n", "cover.out:2: not a cover profile block"),
        ("mode: weird\n", "cover.out:1: unknown cover mode"),
        ("", "cover.out:1: not a Go cover profile: the file is empty"),
    ],
)
def test_invalid_go_profile(tmp_path: Path, text: str, expected: str) -> None:
    report = only(repo(tmp_path, {"cover.out": text}))
    assert report.status is ReportStatus.ERROR
    assert expected in report.message


def test_go_profile_with_only_a_mode_line_is_empty(tmp_path: Path) -> None:
    assert only(repo(tmp_path, {"cover.out": "mode: set\n"})).status is ReportStatus.EMPTY


# ---------------------------------------------------------------------------- JSON


def coverage_json(files: dict[str, object]) -> str:
    meta = {"format": 3, "version": "7.6.1", "branch_coverage": False, "show_contexts": False}
    return json.dumps({"meta": meta, "files": files, "totals": {}}, indent=2)


def test_coverage_py_json(tmp_path: Path) -> None:
    files = {
        "src/app/calc.py": {
            "executed_lines": [1, 2, 5],
            "missing_lines": [6],
            "excluded_lines": [],
            "summary": {"num_statements": 4, "covered_lines": 3},
        },
        "src/app/summary_only.py": {"summary": {"num_statements": 4, "covered_lines": 1}},
        "src/app/calc.py\x00.txt": {"executed_lines": [1], "missing_lines": []},
    }
    index = repo(
        tmp_path,
        {
            "src/app/calc.py": CALC,
            "src/app/summary_only.py": "x\n",
            "reports/coverage.json": coverage_json(files),
        },
    )
    report = only(index)
    assert (report.format, report.status) == (ReportFormat.COVERAGE_JSON, ReportStatus.OK)
    assert by_reported(report) == {
        "src/app/calc.py": ("src/app/calc.py", 4, 3),
        "src/app/summary_only.py": ("src/app/summary_only.py", 4, 1),
        "src/app/calc.py\\x00.txt": (None, 1, 1),
    }
    assert report.line_rate == 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"files": {}, "files": {}}', "coverage.json:1: duplicate key"),
        ('{"files": [\n', "coverage.json:2: invalid JSON"),
        ('{"files": []}', "'files' is not an object"),
        ('{"files": {"a.py": 1}}', "is not an object"),
        ('{"files": {"a.py": {}}}', "neither executed_lines/missing_lines nor a summary"),
        ('{"files": {"a.py": {"executed_lines": [true], "missing_lines": []}}}', "executed line"),
        ("[1, 2]", "neither coverage.py's JSON report"),
        ("[" * 100 + "]" * 100, "nested deeper"),
    ],
)
def test_invalid_json_reports(tmp_path: Path, text: str, expected: str) -> None:
    report = only(repo(tmp_path, {"coverage.json": text}))
    assert report.status is ReportStatus.ERROR
    assert expected in report.message


def test_istanbul_coverage_final(tmp_path: Path) -> None:
    path = f"{CI}/web/src/cart.ts"
    data = {
        path: {
            "path": path,
            "statementMap": {
                "0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 20}},
                "1": {"start": {"line": 2, "column": 2}, "end": {"line": 2, "column": 10}},
                "2": {"start": {"line": 2, "column": 12}, "end": {"line": 2, "column": 30}},
                "3": {"start": {"line": 4, "column": 0}, "end": {"line": 4, "column": 9}},
            },
            "fnMap": {},
            "branchMap": {},
            "s": {"0": 1, "1": 0, "2": 2, "3": 0},
            "f": {},
            "b": {},
        },
        "legacy.js": {"data": {"path": "src/legacy.js", "statementMap": {}, "s": {}}},
    }
    index = repo(
        tmp_path,
        {
            "web/src/cart.ts": "x\n",
            "web/src/legacy.js": "x\n",
            "web/coverage/coverage-final.json": json.dumps(data),
        },
    )
    report = only(index)
    assert (report.format, report.status) == (ReportFormat.ISTANBUL, ReportStatus.OK)
    assert by_reported(report) == {
        path: ("web/src/cart.ts", 3, 2),
        "src/legacy.js": ("web/src/legacy.js", 0, 0),
    }
    assert report.line_rate == pytest.approx(2 / 3)


def test_invalid_istanbul(tmp_path: Path) -> None:
    bad = {"a.js": {"statementMap": {"0": {"start": {"line": "1"}}}, "s": {"0": 1}}}
    report = only(repo(tmp_path, {"coverage-final.json": json.dumps(bad)}))
    assert report.status is ReportStatus.ERROR
    assert "start.line of a.js" in report.message
    no_s: dict[str, object] = {"a.js": {"statementMap": {}}}
    report = only(repo(tmp_path / "b", {"coverage-final.json": json.dumps(no_s)}))
    assert "has no statementMap and s objects" in report.message


def test_empty_istanbul_object_is_empty(tmp_path: Path) -> None:
    report = only(repo(tmp_path, {"coverage-final.json": "{}"}))
    assert (report.format, report.status) == (ReportFormat.ISTANBUL, ReportStatus.EMPTY)


# ---------------------------------------------------------------------------- across formats


def test_report_deleted_after_indexing_is_an_error(tmp_path: Path) -> None:
    index = repo(tmp_path, {"lcov.info": "SF:a.py\nend_of_record\n"})
    (index.root / "lcov.info").unlink()
    report = only(index)
    assert report.status is ReportStatus.ERROR
    assert report.message.startswith("lcov.info: could not be read")


def test_hostile_reported_paths_are_escaped_and_never_opened(tmp_path: Path) -> None:
    lcov = "SF:/etc/passwd\nDA:1,1\nend_of_record\nSF:x\x1b[31m.py\nDA:1,1\nend_of_record\n"
    lcov += "SF:C:\\Users\\ci\\src\\app\\calc.py\nDA:1,1\nend_of_record\n"
    lcov += "SF:/../../src/app/calc.py\nDA:2,1\nend_of_record\n"
    report = only(repo(tmp_path, {"src/app/calc.py": CALC, "lcov.info": lcov}))
    assert report.unmapped == ("/etc/passwd", "x\\x1b[31m.py")
    mapped = [f for f in report.measured_files if f.path == "src/app/calc.py"]
    assert len(mapped) == 2
    # Two spellings of one file count it once, line by line.
    assert report.line_rate == 1.0
    assert "root:" not in repr(report)


def test_reports_are_sorted_and_deterministic(tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {
        "src/app/calc.py": CALC,
        "outside.py": "x\n",
        "z/lcov.info": LCOV,
        "coverage.xml": COBERTURA,
        "a/cover.out": GO_PROFILE,
        "coverage.json": coverage_json(
            {"src/app/calc.py": {"summary": {"num_statements": 1, "covered_lines": 1}}}
        ),
    }
    first = cr.read_coverage(repo(tmp_path / "one", files))
    second = cr.read_coverage(repo(tmp_path / "two", dict(reversed(files.items()))))
    assert first == second
    assert [r.path for r in first] == [
        "a/cover.out",
        "coverage.json",
        "coverage.xml",
        "z/lcov.info",
    ]
    for report in first:
        assert list(report.measured_files) == sorted(
            report.measured_files, key=lambda f: f.sort_key()
        )
        assert list(report.unmapped) == sorted(report.unmapped)


def test_unmapped_list_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cr, "MAX_UNMAPPED_LISTED", 2)
    lcov = "".join(f"SF:gone{i}.py\nDA:1,1\nend_of_record\n" for i in range(5))
    report = only(repo(tmp_path, {"lcov.info": lcov}))
    assert report.unmapped == ("gone0.py", "gone1.py")
    assert "5 reported paths match no file" in report.message
    assert "the first 2 are listed" in report.message


def test_report_format_by_name() -> None:
    assert cr.report_format("x/.coverage") is ReportFormat.COVERAGE_DATA
    assert cr.report_format("x/app.lcov") is ReportFormat.LCOV
    assert cr.report_format("jacocoTestReport.xml") is ReportFormat.JACOCO
    assert cr.report_format("clover.xml") is ReportFormat.CLOVER
    assert cr.report_format("cobertura-coverage.xml") is ReportFormat.COBERTURA
    assert cr.report_format("cover.out") is ReportFormat.GO
    assert cr.report_format("README.md") is None
