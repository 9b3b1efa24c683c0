"""Client types, scalability and security requirements: document sections, config, fixtures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gatekeeper import config as cfg
from gatekeeper import docsections
from gatekeeper.api import _finalizer
from gatekeeper.cli import cli
from gatekeeper.model import Evidence, Severity, Status
from gatekeeper.phases import requirements
from gatekeeper.phases.base import Context, Outcome
from gatekeeper.repo import RepoIndex

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CLIENTS = requirements.client_types_are_identified
SCALABILITY = requirements.scalability_requirements_are_defined
SECURITY = requirements.security_requirements_are_clarified


def copy_fixture(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def make_ctx(
    root: Path,
    files: dict[str, str | bytes] | None = None,
    *,
    loaded: cfg.LoadedConfig | None = None,
    target_config: cfg.Config | None = None,
) -> Context:
    write(root, {"app.py": "import os\n", **(files or {})})
    index = RepoIndex.build(root)
    return Context(
        index=index,
        loaded=loaded or cfg.LoadedConfig(cfg.Config(), None, False),
        target_config=target_config,
        services=(),
        stack_problems=(),
        file_facts={},
        unanalyzed=(),
        fact_errors={},
        finalize=_finalizer(index, (), ()),
    )


def declared(root: Path, toml: str) -> cfg.LoadedConfig:
    """The repository's own pyproject.toml, discovered as the CLI does."""
    write(root, {"pyproject.toml": toml})
    return cfg.discover(root)


def check(crit: object, ctx: Context) -> Outcome:
    return crit.check(ctx)  # type: ignore[attr-defined, no-any-return]


def located(out: Outcome) -> list[tuple[str, str, int | None]]:
    return [(f.rule_id, f.location.path, f.location.line) for f in out.findings]


# ------------------------------------------------------------------ docsections


def test_markdown_headings_sections_and_lines() -> None:
    text = (
        "---\ntitle: x\n---\n"  # front matter is no setext heading
        "# Payments\n\nintro\n\n"
        "## Clients ##\n\nWeb and mobile.\n\n### Partners\nnone yet\n\n"
        "```sh\n# not a heading\n```\n"
        "Scalability\n-----------\n\ntext\n"
    )
    doc = docsections.parse("README.md", text)
    assert [(s.line, s.level, s.title) for s in doc.sections] == [
        (4, 1, "Payments"),
        (8, 2, "Clients"),
        (12, 3, "Partners"),
        (18, 2, "Scalability"),
    ]
    clients = doc.sections[1]
    assert clients.body_line == 9
    assert "Web and mobile." in clients.body and "### Partners" in clients.body
    assert "# not a heading" in clients.body  # code stays in the body, not as a heading
    assert "Scalability" not in clients.body
    assert doc.preamble == "---\ntitle: x\n---\n"


def test_rst_titles_levels_follow_first_use() -> None:
    text = "=====\nGuide\n=====\n\nintro\n\nSecurity\n--------\n\ntext\n\nThreats\n~~~~~~~\nx\n"
    doc = docsections.parse("docs/guide.rst", text, rst=True)
    assert [(s.line, s.level, s.title) for s in doc.sections] == [
        (2, 1, "Guide"),
        (7, 2, "Security"),
        (12, 3, "Threats"),
    ]
    # a transition between paragraphs and a too-short underline are not titles
    plain = docsections.parse("a.rst", "text\n\n----------\n\nmore\nLonger title\n--\n", rst=True)
    assert plain.sections == ()


def test_title_only_document_has_no_prose() -> None:
    assert docsections.parse("SECURITY.md", "# Security policy\n\n").prose_chars == 0
    doc = docsections.parse("SECURITY.md", "# Security\n\nReport issues to sec@example.com\n")
    assert doc.prose_chars > 20 and doc.first_prose_line == 3


@pytest.mark.parametrize(
    ("path", "language", "expected"),
    [
        ("README", None, True),
        ("SECURITY.txt", "text", True),
        ("docs/notes.txt", "text", True),
        ("services/api/docs/slo.adoc", None, True),
        ("notes/design.md", "markdown", True),
        ("requirements.txt", "text", False),
        ("docs/logo.png", None, False),
        ("tests/fixtures/README.md", "markdown", False),
        ("app/main.py", "python", False),
    ],
)
def test_which_files_are_documents(path: str, language: str | None, expected: bool) -> None:
    assert docsections.is_document(path, language) is expected


def test_hostile_documents_are_bounded(tmp_path: Path) -> None:
    many = "".join(f"# h{i}\nweb\n" for i in range(10_000))  # 10k headings, under 256 KiB
    spaces = " " * 100_000 + "\n# Real\nbody\n"
    assert [s.title for s in docsections.parse("x.md", spaces).sections] == ["Real"]
    assert docsections.parse("x.rst", spaces, rst=True).sections == ()
    [setext] = docsections.parse("x.md", "#" * 100_000 + "\n" + "=" * 100_000).sections
    assert len(setext.title) == docsections.MAX_TITLE_CHARS
    doc = docsections.parse("x.md", many)
    assert len(doc.sections) == docsections.MAX_HEADINGS_PER_FILE and doc.truncated
    long_body = docsections.parse("x.md", "# T\n" + "word " * 100_000)
    assert len(long_body.sections[0].body) == docsections.MAX_SECTION_CHARS

    files: dict[str, str | bytes] = {f"notes/n{i}.md": many for i in range(6)}
    files["README.md"] = "# svc\n\n## Clients\n\nMobile apps.\n"
    files["docs/huge.md"] = "# x\n" + "a" * (docsections.MAX_DOC_BYTES + 1)
    files["docs/blob.md"] = b"\0\1\2 binary"
    index = RepoIndex.build(write(tmp_path, files))
    docs = docsections.collect(index)
    assert docs.documents[0].path == "README.md"  # the root README is read before the rest
    assert len(docs.sections) == docsections.MAX_HEADINGS
    assert {p for p, _ in docs.skipped} == {"docs/huge.md", "docs/blob.md"}


# ------------------------------------------------------------------ client types


def test_declared_client_types_pass_citing_the_config_line(tmp_path: Path) -> None:
    loaded = declared(
        tmp_path, '[project]\nname = "x"\n\n[tool.gatekeeper]\nclient_types = ["web"]\n'
    )
    out = check(CLIENTS, make_ctx(tmp_path, loaded=loaded))
    assert out.status is Status.PASS
    assert out.message == "client types web declared in pyproject.toml:5"
    assert out.evidence[0] == Evidence("pyproject.toml", 5, "client_types = web declared")


def test_a_clients_section_naming_clients_passes(tmp_path: Path) -> None:
    readme = "# orders\n\n## Who uses this API\n\n- the iOS app\n- billing, service-to-service\n"
    out = check(CLIENTS, make_ctx(tmp_path, {"README.md": readme}))
    assert out.status is Status.PASS
    assert out.message == (
        "client types mobile, internal-services named in section 'Who uses this API' (README.md:3)"
    )
    assert (
        Evidence(
            "README.md", 3, "section 'Who uses this API' names mobile, internal-services clients"
        )
        in out.evidence
    )


def test_docs_naming_an_undeclared_client_type_is_a_low_finding(tmp_path: Path) -> None:
    loaded = declared(tmp_path, '[tool.gatekeeper]\nclient_types = ["web"]\n')
    readme = "# orders\n\n## Clients\n\nThe React SPA and the Android app.\n"
    out = check(CLIENTS, make_ctx(tmp_path, {"README.md": readme}, loaded=loaded))
    assert out.status is Status.PASS  # a note, not a failure at the default threshold
    assert located(out) == [("GK013", "README.md", 3)]
    assert out.findings[0].severity is Severity.LOW
    assert "names mobile clients" in out.findings[0].message
    assert "declares only web" in out.findings[0].message


def test_cors_alone_is_supporting_evidence_not_a_pass(tmp_path: Path) -> None:
    code = (
        "from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app)\n"
    )
    out = check(CLIENTS, make_ctx(tmp_path, {"api.py": code, "README.md": "orders API\n"}))
    assert out.status is Status.FAIL
    assert located(out) == [("GK011", "README.md", None)]
    assert "client_types = " in out.findings[0].message
    assert "api.py:2 has flask_cors" in out.findings[0].message
    assert any(e.path == "api.py" and e.line == 2 and "CORS" in e.what for e in out.evidence)


def test_a_clients_section_naming_no_client_type_fails(tmp_path: Path) -> None:
    readme = "# crm\n\n## Clients\n\nA client has a name and an account manager.\n"
    out = check(CLIENTS, make_ctx(tmp_path, {"README.md": readme}))
    assert out.status is Status.FAIL
    assert located(out) == [("GK012", "README.md", 3)]
    assert "names no client type" in out.findings[0].message


@pytest.mark.parametrize(
    "heading",
    [
        "Generating a client SDK",  # a client library, not who calls the service
        "`requirements.client_types_identified`",  # a code span names a key, not a topic
    ],
)
def test_headings_that_are_not_about_the_clients(heading: str, tmp_path: Path) -> None:
    readme = f"# api\n\n## {heading}\n\nRun it for web or mobile clients.\n"
    out = check(CLIENTS, make_ctx(tmp_path, {"README.md": readme}))
    assert out.status is Status.FAIL
    assert [f.rule_id for f in out.findings] == ["GK011"]


def test_client_types_in_the_repository_config_count_under_a_trusted_policy(
    tmp_path: Path,
) -> None:
    own = declared(tmp_path, '[tool.gatekeeper]\nclient_types = ["mobile"]\n').config
    policy = cfg.LoadedConfig(cfg.Config(), "/ci/policy.toml", True)
    out = check(CLIENTS, make_ctx(tmp_path, loaded=policy, target_config=own))
    assert out.status is Status.PASS
    assert out.evidence[0] == Evidence("pyproject.toml", 2, "client_types = mobile declared")


# ------------------------------------------------------------------ scalability


def test_declared_scalability_requirements_pass(tmp_path: Path) -> None:
    loaded = declared(tmp_path, '[tool.gatekeeper]\nscalability_requirements = "500 req/s"\n')
    out = check(SCALABILITY, make_ctx(tmp_path, loaded=loaded))
    assert out.status is Status.PASS
    assert out.message == "scalability requirements declared in pyproject.toml:2"


def test_an_slo_section_with_a_target_passes(tmp_path: Path) -> None:
    doc = "# Design\n\nintro\n\n## Service level objectives\n\nAvailability: 99.95% monthly.\n"
    out = check(SCALABILITY, make_ctx(tmp_path, {"docs/design.md": doc}))
    assert out.status is Status.PASS
    assert out.evidence == (
        Evidence(
            "docs/design.md",
            7,  # the line of the target, not the heading
            "section 'Service level objectives' sets a target: 'Availability: 99.95% monthly.'",
        ),
    )


def test_a_performance_section_without_numbers_fails_at_its_heading(tmp_path: Path) -> None:
    readme = "# api\n\n## Performance\n\nIt is fast and scales horizontally.\n"
    out = check(SCALABILITY, make_ctx(tmp_path, {"README.md": readme}))
    assert out.status is Status.FAIL
    assert located(out) == [("GK015", "README.md", 3)]
    assert "states no measurable target" in out.findings[0].message


def test_highly_scalable_in_a_sentence_is_no_requirement(tmp_path: Path) -> None:
    readme = "# api\n\nA small API.\nIt is highly scalable and cloud native.\n"
    out = check(SCALABILITY, make_ctx(tmp_path, {"README.md": readme}))
    assert out.status is Status.FAIL
    assert located(out) == [("GK014", "README.md", 4)]
    assert "'scalable' only in passing" in out.findings[0].message


def test_nothing_at_all_fails_at_the_repository_root(tmp_path: Path) -> None:
    out = check(SCALABILITY, make_ctx(tmp_path))
    assert located(out) == [("GK014", ".", None)]
    assert "declare scalability_requirements" in out.findings[0].message


@pytest.mark.parametrize(
    ("body", "measurable"),
    [
        ("p95 latency below 200ms", True),
        ("1.5 s end to end", True),
        ("sustain 1,000 requests per second", True),
        ("| throughput | 300 req/s |", True),
        ("10k rps at peak", True),
        ("500 concurrent users", True),
        ("99.9% uptime", True),
        ("we use p95 and p99 dashboards", False),
        ("version 2 of the API, see RFC 7231", False),
        ("highly scalable", False),
    ],
)
def test_measurable_targets(body: str, measurable: bool, tmp_path: Path) -> None:
    out = check(
        SCALABILITY, make_ctx(tmp_path, {"README.md": f"# x\n\n## Scalability\n\n{body}\n"})
    )
    assert (out.status is Status.PASS) is measurable


# ------------------------------------------------------------------ security


def test_declared_security_requirements_pass(tmp_path: Path) -> None:
    loaded = declared(tmp_path, '[tool.gatekeeper]\nsecurity_requirements = "OAuth2 scopes"\n')
    out = check(SECURITY, make_ctx(tmp_path, loaded=loaded))
    assert out.status is Status.PASS
    assert out.message == "security requirements declared in pyproject.toml:2"


def test_security_md_passes(tmp_path: Path) -> None:
    policy = "# Security policy\n\nReport vulnerabilities to security@example.com.\n"
    out = check(SECURITY, make_ctx(tmp_path, {".github/SECURITY.md": policy}))
    assert out.status is Status.PASS
    assert out.evidence == (Evidence(".github/SECURITY.md", 1, "security policy document"),)


def test_a_title_only_security_md_fails(tmp_path: Path) -> None:
    out = check(SECURITY, make_ctx(tmp_path, {"SECURITY.md": "# Security\n\nTBD\n"}))
    assert out.status is Status.FAIL
    assert located(out) == [("GK017", "SECURITY.md", 1)]
    assert "holds no more than its title" in out.findings[0].message


@pytest.mark.parametrize(
    ("files", "cited"),
    [
        ({"docs/threat-model.md": "STRIDE per endpoint: spoofing is handled by mTLS.\n"}, 1),
        ({"docs/design.rst": "Design\n======\n\nThreat model\n------------\n\n" + "x " * 20}, 4),
        ({"README.md": "# a\n\n## Security considerations\n\nTokens expire after 15 min.\n"}, 3),
        ({"README.md": "# a\n\n## Authentication & authorization requirements\n\n" + "y " * 20}, 3),
    ],
)
def test_threat_models_and_security_sections_pass(
    files: dict[str, str | bytes], cited: int, tmp_path: Path
) -> None:
    out = check(SECURITY, make_ctx(tmp_path, files))
    assert out.status is Status.PASS
    assert out.evidence[0].path == next(iter(files)) and out.evidence[0].line == cited


def test_calling_the_service_secure_is_no_requirement(tmp_path: Path) -> None:
    readme = "Orders API.\n\nIt is secure by default.\n"
    out = check(SECURITY, make_ctx(tmp_path, {"README.md": readme}))
    assert out.status is Status.FAIL
    assert located(out) == [("GK016", "README.md", 3)]
    assert "'secure' only in passing" in out.findings[0].message


# ------------------------------------------------------------------ end to end


def criteria_of(root: Path) -> tuple[int, dict[str, dict[str, object]], list[dict[str, object]]]:
    result = run("audit", str(root), "--phase", "requirements", "--no-engines", "--format", "json")
    report = json.loads(result.stdout)
    crit = {c["id"]: c for p in report["phases"] for c in p["criteria"]}
    return result.exit_code, crit, report["findings"]


def test_documented_fixture_passes_all_three(tmp_path: Path) -> None:
    _, crit, findings = criteria_of(copy_fixture("requirements-documented", tmp_path))
    clients = crit["requirements.client_types_identified"]
    assert clients["status"] == "pass"
    assert clients["message"] == "client types web, mobile named in section 'Clients' (README.md:3)"
    cors = "CORS configured (CORSMiddleware): browser clients likely (supporting evidence only)"
    assert {"file": "app/main.py", "line": 5, "what": cors} in clients["evidence"]
    scalability = crit["requirements.scalability_requirements_defined"]
    assert scalability["status"] == "pass"
    [target] = scalability["evidence"]
    assert (target["file"], target["line"]) == ("docs/architecture.md", 11)
    assert "< 250 ms" in target["what"]
    security = crit["requirements.security_requirements_clarified"]
    assert security["status"] == "pass"
    assert security["evidence"] == [
        {"file": "SECURITY.md", "line": 1, "what": "security policy document"}
    ]
    assert not [f for f in findings if f["rule_id"] in {f"GK0{n}" for n in range(11, 20)}]


def test_missing_fixture_fails_all_three_and_says_what_to_add(tmp_path: Path) -> None:
    code, crit, findings = criteria_of(copy_fixture("requirements-missing", tmp_path))
    for cid in (
        "requirements.client_types_identified",
        "requirements.scalability_requirements_defined",
        "requirements.security_requirements_clarified",
    ):
        assert crit[cid]["status"] == "fail", cid
    assert code == 1
    by_rule = {f["rule_id"]: f for f in findings}
    assert by_rule["GK011"]["location"]["path"] == "README.md"
    assert "orders.py:5 has flask_cors" in by_rule["GK011"]["message"]
    assert crit["requirements.client_types_identified"]["evidence"][0]["file"] == "orders.py"
    assert (by_rule["GK014"]["location"]["path"], by_rule["GK014"]["location"]["line"]) == (
        "README.md",
        1,
    )
    assert "'scalable' only in passing" in by_rule["GK014"]["message"]
    assert by_rule["GK016"]["location"]["line"] == 1
    assert "'secure' only in passing" in by_rule["GK016"]["message"]
    assert {f["severity"] for f in findings if f["rule_id"] in by_rule} >= {"medium"}


def test_explain_documents_the_new_criteria_and_rules() -> None:
    result = run("explain", "requirements.scalability_requirements_defined")
    assert "why:" in result.stdout and "fix:" in result.stdout
    assert "scalability-target-not-measurable" in run("explain", "GK015").stdout
