"""Phase 3, OWASP Top 10 on Python: gatekeeper's own checks (request data followed to dangerous
calls, JWT, passwords, secrets, settings), committed key and .env files, and how they join
bandit's findings under security.owasp_top10_addressed."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.extract.base import ParsedFile
from gatekeeper.extract.pysecurity import PYTHON, SecurityHits
from gatekeeper.model import Finding, Report, Severity, Status
from gatekeeper.phases import owasp

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "owasp-python"
VULNERABLE = FIXTURES / "vulnerable"
CLEAN = FIXTURES / "clean"
R = {key: rule.id for key, rule in owasp.PYTHON_RULES.items()}

# Every planted weakness of the vulnerable fixture: (rule, file, line).
EXPECTED = {
    ("GK3827", ".env", 2),
    ("GK3828", "deploy.pem", 1),
    ("GK3818", "app/settings.py", 3),
    ("GK3823", "app/settings.py", 4),
    ("GK3824", "app/settings.py", 5),
    ("GK3825", "app/settings.py", 9),
    ("GK3825", "app/views.py", 18),
    ("GK3819", "app/views.py", 19),
    ("GK3818", "app/views.py", 20),
    ("GK3820", "app/views.py", 21),
    ("GK3822", "app/views.py", 22),
    ("GK3821", "app/views.py", 24),
    ("GK3801", "app/views.py", 31),
    ("GK3802", "app/views.py", 38),
    ("GK3803", "app/views.py", 44),
    ("GK3804", "app/views.py", 50),
    ("GK3805", "app/views.py", 56),
    ("GK3806", "app/views.py", 62),
    ("GK3807", "app/views.py", 67),
    ("GK3808", "app/views.py", 72),
    ("GK3808", "app/views.py", 77),
    ("GK3809", "app/views.py", 83),
    ("GK3810", "app/views.py", 88),
    ("GK3811", "app/views.py", 94),
    ("GK3812", "app/views.py", 99),
    ("GK3813", "app/views.py", 103),
    ("GK3814", "app/views.py", 107),
    ("GK3815", "app/views.py", 111),
    ("GK3817", "app/views.py", 115),
    ("GK3826", "app/views.py", 124),
    ("GK3816", "app/views.py", 125),
    ("GK3829", "app/views.py", 119),
    ("GK3832", "app/views.py", 136),
    ("GK3831", "app/views.py", 144),
    ("GK3833", "app/templates/search.html", 3),
    ("GK3834", "app/views.py", 147),
    ("GK3830", "requirements.txt", None),  # a service-wide absence: no line to point at
}
OWN_IDS = {rule.id for rule in owasp.RULES}


def hits(source: str, path: str = "app/views.py") -> set[tuple[int, str]]:
    text = source.strip("\n") + "\n"
    fact = PYTHON.extract(ParsedFile(path, "python", text, tree=ast.parse(text)))
    assert fact is None or isinstance(fact, SecurityHits)
    return {(h.line, h.check) for h in fact.hits} if fact else set()


def own(report: Report) -> set[tuple[str, str, int | None]]:
    return {
        (f.rule_id, f.location.path, f.location.line)
        for f in report.findings
        if f.rule_id in OWN_IDS
    }


def criterion(report: Report, criterion_id: str) -> tuple[Status, str]:
    for phase in report.phases:
        for c in phase.criteria:
            if c.id == criterion_id:
                return c.status, c.message
    raise AssertionError(criterion_id)


def copy(src: Path, tmp_path: Path) -> Path:
    dest = tmp_path / src.name
    shutil.copytree(src, dest)
    return dest


def test_every_planted_weakness_is_found_and_nothing_else() -> None:
    report = api.audit(VULNERABLE, api.Options(engines=False, phases=("security",))).report
    assert own(report) == EXPECTED
    # the fixture marks each planted line; the list above and the marks agree
    marked = set()
    for path in sorted(VULNERABLE.rglob("*")):
        if path.is_file():
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"(?:#|<!--) VULN:", line):
                    marked.add((str(path.relative_to(VULNERABLE)), number))
    assert {(p, n) for _, p, n in EXPECTED if n is not None} == marked


def test_every_check_has_a_planted_case() -> None:
    assert {rule.id for rule in owasp.RULES} == {rule for rule, _, _ in EXPECTED}


def test_the_clean_twin_has_none() -> None:
    report = api.audit(CLEAN, api.Options(engines=False, phases=("security",))).report
    assert own(report) == set()


def test_findings_carry_cwe_owasp_and_api_categories() -> None:
    report = api.audit(VULNERABLE, api.Options(engines=False, phases=("security",))).report
    for f in report.findings:
        if f.rule_id in OWN_IDS:
            assert f.cwe and f.cwe[0].startswith("CWE-")
            assert any(":2021 - " in o for o in f.owasp), f
            assert any(o.startswith("API") and ":2023 - " in o for o in f.owasp), f
            assert f.criterion_id == "security.owasp_top10_addressed" and f.phase == "security"
    sql = next(f for f in report.findings if f.rule_id == "GK3801")
    assert sql.cwe == ("CWE-89",) and sql.severity is Severity.HIGH
    assert "request.args" in sql.message


def test_without_engines_the_criterion_errors_but_lists_what_was_found() -> None:
    report = api.audit(VULNERABLE, api.Options(engines=False, phases=("security",))).report
    status, message = criterion(report, "security.owasp_top10_addressed")
    assert status is Status.ERROR and "--no-engines" in message


@pytest.mark.engines
def test_with_bandit_the_gate_fails_and_duplicates_are_dropped() -> None:
    report = api.audit(VULNERABLE, api.Options(phases=("security", "validation"))).report
    status, message = criterion(report, "security.owasp_top10_addressed")
    assert status is Status.FAIL and "GK38" in message
    scan_status, scan_message = criterion(report, "validation.security_scan_passed")
    assert scan_status is Status.FAIL and "listed under security.owasp_top10_addressed" in (
        scan_message
    )
    # bandit's B602 (shell=True) is on the same line as gatekeeper's command injection: one
    # weakness, reported once, by the check that knows where the data came from
    on_shell_line = [
        f for f in report.findings if (f.location.path, f.location.line) == ("app/views.py", 38)
    ]
    assert [f.rule_id for f in on_shell_line] == ["GK3802"]
    bandit = [f for f in report.findings if "bandit" in f.engines]
    assert bandit and all(f.owasp for f in bandit if f.cwe and f.cwe[0] in ("CWE-78", "CWE-502"))
    assert all(f.criterion_id == "security.owasp_top10_addressed" for f in bandit)


@pytest.mark.engines
def test_the_clean_twin_passes_with_bandit() -> None:
    report = api.audit(CLEAN, api.Options(phases=("security",))).report
    status, message = criterion(report, "security.owasp_top10_addressed")
    assert status is Status.PASS, message


def test_request_data_is_followed_through_names_and_string_building() -> None:
    found = hits(
        """
@app.post("/search")
def search(q: str, db=Depends(get_db)):
    where = "name LIKE '%" + q + "%'"
    sql = "SELECT * FROM items WHERE " + where
    return db.execute(sql)
"""
    )
    assert found == {(5, "sql-injection")}


def test_parameters_that_are_dependencies_or_numbers_are_not_request_text() -> None:
    assert (
        hits(
            """
@router.get("/items/{item_id}")
def by_id(item_id: str, db=Depends(get_db)):
    db.execute(f"SELECT * FROM items WHERE id = {int(item_id)}")
@router.get("/items/{item_id}")
def read(item_id: int, session: SessionDep, current_user: CurrentUser, token=Depends(auth)):
    session.execute(f"SELECT * FROM items WHERE id = {item_id}")
    session.execute(f"SELECT * FROM users WHERE id = {current_user.id}")
    session.execute(f"SELECT * FROM tokens WHERE t = '{token}'")
"""
        )
        == set()
    )


def test_a_lookup_result_is_not_request_text_but_a_method_on_it_is() -> None:
    source = """
from aiohttp import web

async def follow(request):
    code = request.match_info["code"]
    url = await redis.get(code)
    raise web.HTTPFound(url)

async def jump(request):
    target = request.query.get("to", "/").strip()
    raise web.HTTPFound(target)
"""
    assert hits(source) == {(10, "open-redirect")}


def test_helpers_taking_request_first_are_not_views_outside_views_modules() -> None:
    source = """
def redirect_to(request, name):
    return web.HTTPFound(location=name)
"""
    assert hits(source, "app/utils.py") == set()
    assert hits(source, "app/views.py") == {(2, "open-redirect")}


def test_guarded_redirects_and_fixed_hosts_are_not_findings() -> None:
    source = """
@app.route("/next")
def after_login():
    target = request.args.get("next")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.host}):
        target = "/"
    return redirect(target)

@app.route("/proxy/<path>")
def proxy(path):
    return requests.get("https://api.example.com/" + path, timeout=3).json()
"""
    assert hits(source) == set()


def test_fallback_secret_the_app_refuses_is_not_a_finding() -> None:
    refused = """
SECRET = os.getenv("APP_SECRET", "changethis-in-prod")
if SECRET == "changethis-in-prod":
    raise RuntimeError("set APP_SECRET")
"""
    assert hits(refused) == set()
    assert hits('SECRET = os.getenv("APP_SECRET", "changethis-in-prod")') == {
        (1, "fallback-secret")
    }
    assert hits('SECRET = os.getenv("APP_SECRET", "")') == set()
    assert hits('LEVEL = os.getenv("LOG_LEVEL", "info")') == set()


@pytest.mark.parametrize(
    "line",
    [
        'PASSWORD_FIELD = "password"',
        'TOKEN_HEADER = "X-Auth-Token"',
        'api_key = "API_KEY"',
        'SECRET_KEY_CHARSET = "abcdefghijklmnopqrstuvwxyz0123456789"',
        'CENSOR_TOKEN = "***CHANGED***"',
        'reset_password_message = "We sent you a link to reset it"',
        'password = "<your password>"',
        'token_url = "https://auth.example.com/token"',
    ],
)
def test_names_and_placeholders_are_not_secrets(line: str) -> None:
    assert hits(line) == set()


def test_secrets_in_test_and_example_files_are_not_reported_as_code() -> None:
    assert hits('API_KEY = "sk-test-1234567890"', "examples/settings.py") == set()
    assert hits('API_KEY = "sk-live-1234567890"', "app/config.py") == {(1, "hardcoded-secret")}


def test_local_development_urls_are_not_credentials_in_code() -> None:
    assert hits('BROKER = env("BROKER", default="amqp://guest:guest@localhost//")') == set()
    assert hits('DSN = "mysql://root:${DB_PASSWORD}@db/app"') == set()


def test_settings_in_development_files_are_not_production_settings() -> None:
    settings = 'INSTALLED_APPS = []\nDEBUG = True\nALLOWED_HOSTS = ["*"]\n'
    assert hits(settings, "config/settings/local.py") == set()
    assert hits(settings, "config/settings/production.py") == {
        (2, "django-debug"),
        (3, "allowed-hosts-any"),
    }
    assert hits("DEBUG = True\n", "app/config.py") == set()  # not a Django settings module


def test_cors_for_listed_origins_is_fine() -> None:
    assert hits('app.add_middleware(CORSMiddleware, allow_origins=["*"])') == set()
    assert hits(
        'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)'
    ) == {(1, "cors-any-origin-credentials")}
    assert hits('CORS(app, origins="https://a.example", supports_credentials=True)') == set()


def test_password_checks() -> None:
    assert hits("ok = user.password == hash_password(given)") == set()
    assert hits('if form["password"] != form["password2"]: pass') == set()
    assert hits("if user.password == request.form['password']: pass") == {
        (1, "plaintext-password-compare")
    }
    assert hits("digest = hashlib.sha256(data).hexdigest()") == set()
    assert hits("digest = hashlib.sha1(user.password.encode()).hexdigest()") == {
        (1, "weak-password-hash")
    }


def test_random_is_fine_for_non_secrets() -> None:
    source = """
import random
delay = random.uniform(0.1, 0.5)
session_token = random.getrandbits(128)
"""
    assert hits(source) == {(3, "weak-random-token")}


def test_user_enumeration_needs_both_messages_in_a_login_handler() -> None:
    both = """
def login(email, password):
    if not user:
        raise HTTPException(404, "No such user")
    raise HTTPException(401, "Incorrect password")
"""
    assert hits(both) == {(3, "user-enumeration")}
    assert hits(both.replace("def login", "def update_profile")) == set()
    assert hits(both.replace('"No such user"', '"Incorrect email or password"')) == set()


def test_committed_files(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import os\n")
    (tmp_path / ".env").write_text("DEBUG=1\nDB_PASSWORD=\nAPI_TOKEN=change-me\n")
    (tmp_path / ".env.example").write_text("API_TOKEN=real-looking-value-123\n")
    (tmp_path / ".env.production").write_text("# prod\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n")
    (tmp_path / "server.key").write_text("-----BEGIN EC PRIVATE KEY-----\nabc\n")
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nabc\n")
    report = api.audit(tmp_path, api.Options(engines=False, phases=("security",))).report
    assert own(report) == {("GK3827", ".env.production", 2), ("GK3828", "server.key", 1)}


def test_an_inline_suppression_with_a_reason_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(
        "import jwt\n"
        "claims = jwt.decode(t, options={'verify_signature': False})"
        "  # gatekeeper: ignore[GK3812] -- only reads the expiry of our own token\n"
    )
    report = api.audit(tmp_path, api.Options(engines=False, phases=("security",))).report
    [f] = [f for f in report.findings if f.rule_id == "GK3812"]
    assert isinstance(f, Finding) and f.state != "open"


def test_hits_are_bounded_and_sorted() -> None:
    source = "\n".join(f"x{i} = hashlib.md5(password).hexdigest()" for i in range(700))
    fact = PYTHON.extract(ParsedFile("a.py", "python", source, tree=ast.parse(source)))
    assert isinstance(fact, SecurityHits)
    assert len(fact.hits) == 500
    assert [h.line for h in fact.hits] == sorted(h.line for h in fact.hits)


def test_rule_ids_are_stable_and_unique() -> None:
    ids = [rule.id for rule in owasp.RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"GK38\d\d", i) for i in ids)


def _fastapi_app(tmp_path: Path, body: str) -> Report:
    tmp_path.mkdir()
    (tmp_path / "requirements.txt").write_text("fastapi==0.110.0\nslowapi==0.1.9\n")
    (tmp_path / "main.py").write_text(
        "from fastapi import FastAPI\nfrom slowapi import Limiter\n"
        "from slowapi.middleware import SlowAPIMiddleware\n"
        "app = FastAPI()\n" + body
    )
    return api.audit(tmp_path, api.Options(engines=False, phases=("security",))).report


def test_login_needs_a_limit_on_the_route_or_app_wide(tmp_path: Path) -> None:
    login = '@app.post("/api/login")\ndef login(form: LoginForm):\n    return {}\n'
    assert ("GK3829", "main.py", 5) in own(_fastapi_app(tmp_path / "a", login))
    limited = '@app.post("/api/login")\n@limiter.limit("5/minute")\ndef login(f: F):\n  return {}\n'
    assert not {f for f in own(_fastapi_app(tmp_path / "b", limited)) if f[0] == "GK3829"}
    app_wide = "app.add_middleware(SlowAPIMiddleware)\n" + login
    assert not {f for f in own(_fastapi_app(tmp_path / "c", app_wide)) if f[0] == "GK3829"}


def test_security_headers_are_looked_for_per_service(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "package.json").write_text('{"dependencies": {"express": "^4.19.0"}}')
    (bare / "app.js").write_text("const express = require('express');\nconst app = express();\n")
    assert ("GK3830", "package.json", None) in own(
        api.audit(bare, api.Options(engines=False, phases=("security",))).report
    )
    helmet = tmp_path / "helmet"
    shutil.copytree(bare, helmet)
    (helmet / "app.js").write_text(
        "const express = require('express');\nconst helmet = require('helmet');\n"
        "const app = express();\napp.use(helmet());\n"
    )
    report = api.audit(helmet, api.Options(engines=False, phases=("security",))).report
    assert not {f for f in own(report) if f[0] == "GK3830"}


def test_newer_syntax_is_read_line_for_line_or_the_gate_errors(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(
        "import subprocess\n\n@app.route('/run')\ndef run():\n"
        "    try:\n        subprocess.call(request.args['c'], shell=True)\n"
        "    except ValueError, TypeError:\n        pass\n"
    )
    report = api.audit(tmp_path, api.Options(engines=False, phases=("security",))).report
    assert ("GK3802", "views.py", 6) in own(report)  # PEP 758 rewritten on the same line
    # PEP 701 lets a replacement field hold a backslash: no same-line rewrite reads it on 3.11
    # (one that only reuses the f-string's quote is rewritten: tests/test_pysyntax.py)
    newer = "lines = ['a']\nx = f\"{'\\n'.join(lines)}\"\n"
    (tmp_path / "newer.py").write_text(newer)
    report = api.audit(tmp_path, api.Options(engines=False, phases=("security",))).report
    fact = PYTHON.extract(ParsedFile("newer.py", "python", newer))
    assert isinstance(fact, SecurityHits) and "newer than the interpreter" in fact.unread
    status, message = criterion(report, "security.owasp_top10_addressed")
    assert status is Status.ERROR and "1 file(s) could not be scanned (newer.py" in message


@pytest.mark.engines
def test_bandit_reads_newer_syntax_through_the_same_line_rewrite(tmp_path: Path) -> None:
    (tmp_path / "tool.py").write_text(
        "import subprocess\n\ntry:\n    subprocess.call(cmd, shell=True)\n"
        "except ValueError, TypeError:\n    pass\n"
    )
    report = api.audit(tmp_path, api.Options(phases=("security",))).report
    assert ("GK3602", "tool.py", 4) in {
        (f.rule_id, f.location.path, f.location.line) for f in report.findings
    }
    assert not [u for u in report.unanalyzed if u.path == "tool.py"]
    (tmp_path / "newer.py").write_text("lines = ['a']\nx = f\"{'\\n'.join(lines)}\"\n")
    report = api.audit(tmp_path, api.Options(phases=("security",))).report
    status, message = criterion(report, "security.owasp_top10_addressed")
    assert status is Status.ERROR and "newer.py" in message


def test_privileges_from_cookies_and_headers() -> None:
    source = """
def lab(request):
    agent = request.headers["User-Agent"]
    if agent == "lab_admin":
        pass
    cookie = request.COOKIES.get("session_info")
    if cookie.split("|")[0] == "admin":
        pass
    if request.cookies["role"] != "staff":
        pass
    theme = request.COOKIES.get("theme")
    if theme == "dark" or request.args.get("role") == "admin":
        pass
"""
    assert hits(source) == {
        (3, "client-controlled-authorization"),
        (6, "client-controlled-authorization"),
        (8, "client-controlled-authorization"),
    }


def test_nosec_with_a_reason_suppresses_gatekeepers_python_checks_too(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(
        "@app.route('/run')\ndef run():\n"
        "    os.system('ls ' + request.args['d'])  # nosec B605 -- d is checked by the proxy\n"
        "    os.system('cat ' + request.args['f'])  # nosec\n"
    )
    report = api.audit(tmp_path, api.Options(engines=False, phases=("security",))).report
    states = {
        f.location.line: (f.state, f.suppression.reason if f.suppression else None)
        for f in report.findings
        if f.rule_id == "GK3802"
    }
    assert states[3][0] != "open" and states[3][1] == "d is checked by the proxy"
    assert states[4] == ("open", None)  # no reason, no suppression
