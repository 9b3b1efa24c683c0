"""Phase 3's OWASP criterion: the security scan's findings, judged where the seed puts them.

Three sources make one list: bandit on Python, gatekeeper's semgrep rules on JavaScript and
TypeScript, Go and Java (engines/scan.py), and gatekeeper's own Python checks that follow
request data to dangerous calls (extract/pysecurity.py). Committed key files and `.env` files
are found from the file index. A failure here is what sends the remediation loop back to
phase 3; phase 7's "Security scan passed" restates the verdict without listing the findings
twice.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Sequence

from gatekeeper.errors import GatekeeperError
from gatekeeper.extract.imports import FileImports
from gatekeeper.extract.pysecurity import SecurityHits
from gatekeeper.model import Confidence, Evidence, Finding, Location, Severity, Status
from gatekeeper.phases.api_design import api_inventory, limits_every_route, route_limiter
from gatekeeper.phases.base import (
    Context,
    Fact,
    Outcome,
    Rule,
    criterion,
    first_matching_lines,
    make_finding,
)
from gatekeeper.repo import display_path, language_for
from gatekeeper.stack import is_test_path

CRITERION = "security.owasp_top10_addressed"
# bandit reads Python; the semgrep rules read the rest (engines/scan.py).
SCANNED_LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "java"})
PHASE_ID = "security"

A01 = "A01:2021 - Broken Access Control"
A02 = "A02:2021 - Cryptographic Failures"
A03 = "A03:2021 - Injection"
A05 = "A05:2021 - Security Misconfiguration"
A07 = "A07:2021 - Identification and Authentication Failures"
A08 = "A08:2021 - Software and Data Integrity Failures"
A10 = "A10:2021 - Server-Side Request Forgery"
API2 = "API2:2023 - Broken Authentication"
API4 = "API4:2023 - Unrestricted Resource Consumption"
API7 = "API7:2023 - Server Side Request Forgery"
API8 = "API8:2023 - Security Misconfiguration"

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW
HC, MC, LC = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW


def _rule(
    rule_id: str,
    name: str,
    severity: Severity,
    confidence: Confidence,
    summary: str,
    fix: str,
    cwe: str,
    *owasp: str,
) -> Rule:
    return Rule(rule_id, name, CRITERION, severity, confidence, summary, fix, (cwe,), owasp)


_FROM_REQUEST = "Request data reaches"
# Keys are the checks of extract/pysecurity.py; ids are stable (GK38nn: gatekeeper's Python).
PYTHON_RULES: dict[str, Rule] = {
    "sql-injection": _rule(
        "GK3801",
        "py-sql-injection",
        H,
        HC,
        f"{_FROM_REQUEST} a raw SQL call (execute, raw, text ...) inside the query text.",
        "Pass the values as query parameters (cursor.execute(sql, params), text(...).bindparams"
        ") or use the ORM; never build SQL text from input.",
        "CWE-89",
        A03,
        API8,
    ),
    "command-injection": _rule(
        "GK3802",
        "py-command-injection",
        H,
        HC,
        f"{_FROM_REQUEST} a shell command (os.system, subprocess with shell=True, sh -c).",
        "Run the program with an argument list and no shell; validate the value against an "
        "allow-list.",
        "CWE-78",
        A03,
        API8,
    ),
    "code-injection": _rule(
        "GK3803",
        "py-code-injection",
        H,
        HC,
        f"{_FROM_REQUEST} eval, exec or compile: the caller runs code on the server.",
        "Parse the value (json.loads, ast.literal_eval, int()) instead of evaluating it.",
        "CWE-95",
        A03,
        API8,
    ),
    "template-injection": _rule(
        "GK3804",
        "py-template-injection",
        H,
        HC,
        f"{_FROM_REQUEST} the text of a template (render_template_string, Template, "
        "from_string): template syntax in it runs on the server.",
        "Keep templates constant and pass the input as a template variable.",
        "CWE-1336",
        A03,
        API8,
    ),
    "ssrf": _rule(
        "GK3805",
        "py-ssrf",
        H,
        MC,
        f"{_FROM_REQUEST} the URL of an outbound HTTP call: the caller chooses which host the "
        "server contacts, internal ones and cloud metadata included.",
        "Build the URL from a fixed base and an allow-listed host; never fetch a URL the "
        "caller gives.",
        "CWE-918",
        A10,
        API7,
    ),
    "path-traversal": _rule(
        "GK3806",
        "py-path-traversal",
        H,
        MC,
        f"{_FROM_REQUEST} a file path (open, send_file, FileResponse, os.remove): '../' reaches "
        "files outside the intended directory.",
        "Reduce the name with secure_filename/os.path.basename, or resolve it and check it stays "
        "under the base directory (send_from_directory does both).",
        "CWE-22",
        A01,
        API8,
    ),
    "open-redirect": _rule(
        "GK3807",
        "py-open-redirect",
        M,
        MC,
        f"{_FROM_REQUEST} a redirect target unchecked: a link on your domain sends users to any "
        "site (phishing).",
        "Redirect only to relative paths or allow-listed hosts (url_has_allowed_host_and_scheme).",
        "CWE-601",
        A01,
        API8,
    ),
    "xss": _rule(
        "GK3808",
        "py-xss",
        H,
        MC,
        f"{_FROM_REQUEST} HTML unescaped (Markup, mark_safe, an HTML string built from input).",
        "Render through an autoescaping template, or escape the value (markupsafe.escape, "
        "format_html).",
        "CWE-79",
        A03,
        API8,
    ),
    "nosql-injection": _rule(
        "GK3809",
        "py-nosql-injection",
        H,
        MC,
        f"{_FROM_REQUEST} a MongoDB query as a whole object, or inside $where: operators such as "
        "$ne and $gt in the body change what the query matches.",
        "Build the query from validated fields of known types; never pass a request body as "
        "the filter.",
        "CWE-943",
        A03,
        API8,
    ),
    "unsafe-deserialization": _rule(
        "GK3810",
        "py-unsafe-deserialization",
        H,
        HC,
        f"{_FROM_REQUEST} a deserializer that can build any object (pickle, marshal, yaml.load "
        "without SafeLoader): loading it runs the caller's code.",
        "Accept JSON (json.loads) or yaml.safe_load, and validate the result.",
        "CWE-502",
        A08,
        API8,
    ),
    "regex-from-request": _rule(
        "GK3811",
        "py-regex-from-request",
        M,
        MC,
        f"{_FROM_REQUEST} a regular expression: a crafted pattern backtracks for minutes "
        "(ReDoS) or matches what it should not.",
        "Escape the value (re.escape) or match it as plain text.",
        "CWE-1333",
        A03,
        API4,
    ),
    "jwt-verification-disabled": _rule(
        "GK3812",
        "py-jwt-verification-disabled",
        H,
        HC,
        "A JWT is decoded with its signature check switched off: anyone can forge a token.",
        "Verify the signature: pass the key and algorithms=[...], drop verify_signature=False.",
        "CWE-347",
        A02,
        API2,
    ),
    "jwt-none-algorithm": _rule(
        "GK3813",
        "py-jwt-none-algorithm",
        H,
        HC,
        "A JWT uses or accepts the 'none' algorithm: tokens without a signature are valid.",
        "Sign and verify with a real algorithm (HS256 with a strong secret, RS256, ES256).",
        "CWE-327",
        A02,
        API2,
    ),
    "jwt-algorithms-unpinned": _rule(
        "GK3814",
        "py-jwt-algorithms-unpinned",
        M,
        MC,
        "A JWT is decoded without an algorithms list: with python-jose or an old PyJWT the "
        "token's header chooses the algorithm (algorithm confusion).",
        'Pass algorithms=["HS256"] (the one algorithm you sign with).',
        "CWE-347",
        A02,
        API2,
    ),
    "weak-password-hash": _rule(
        "GK3815",
        "py-weak-password-hash",
        H,
        HC,
        "A password is hashed with a fast hash (md5, sha1, sha256 ...): stolen hashes are "
        "cracked at billions of guesses per second.",
        "Hash passwords with a slow, salted algorithm: argon2, bcrypt or scrypt (passlib, "
        "werkzeug.security, Django's make_password).",
        "CWE-916",
        A02,
        API2,
    ),
    "plaintext-password-compare": _rule(
        "GK3816",
        "py-plaintext-password",
        H,
        MC,
        "A stored password is compared with ==: passwords are kept in plain text, and the "
        "comparison leaks timing.",
        "Store a slow salted hash and check it with the library's verify (check_password_hash, "
        "bcrypt.checkpw, passlib verify).",
        "CWE-256",
        A02,
        API2,
    ),
    "weak-random-token": _rule(
        "GK3817",
        "py-weak-random-token",
        H,
        MC,
        "A token, secret, password or code comes from the random module, whose output can be "
        "predicted from earlier values.",
        "Use the secrets module (secrets.token_urlsafe, secrets.choice).",
        "CWE-338",
        A02,
        API2,
    ),
    "hardcoded-secret": _rule(
        "GK3818",
        "py-hardcoded-secret",
        H,
        MC,
        "A secret is written in the code (a literal stored under a password, secret, token or "
        "key name): everyone with the code has it, and rotating it needs a release.",
        'Read it from the environment or a secret store (os.environ["NAME"]) and rotate the '
        "exposed value.",
        "CWE-798",
        A07,
        API2,
    ),
    "fallback-secret": _rule(
        "GK3819",
        "py-fallback-secret",
        H,
        HC,
        "A secret read from the environment falls back to a literal: a deployment that forgets "
        "the variable runs with a value everyone knows.",
        'Require the variable (os.environ["NAME"]) or refuse to start with the placeholder.',
        "CWE-798",
        A05,
        API2,
    ),
    "credentials-in-url": _rule(
        "GK3820",
        "py-credentials-in-url",
        H,
        HC,
        "A connection URL with a user and password is written in the code.",
        "Read the URL (or its password) from the environment or a secret store.",
        "CWE-798",
        A07,
        API2,
    ),
    "private-key-in-code": _rule(
        "GK3821",
        "py-private-key-in-code",
        H,
        HC,
        "A PEM private key is embedded in the code.",
        "Remove it, revoke it, and load the key from a secret store at run time.",
        "CWE-321",
        A02,
        API2,
    ),
    "hardcoded-service-address": _rule(
        "GK3822",
        "py-hardcoded-service-address",
        M,
        MC,
        "A service address (a localhost, private IP or internal host name) is written into a "
        "client call instead of configuration: the code only works in one environment "
        "(a common pitfall of the seed).",
        "Read the URL or host from settings or the environment.",
        "CWE-547",
        A05,
        API8,
    ),
    "django-debug": _rule(
        "GK3823",
        "py-django-debug",
        H,
        MC,
        "A Django settings module sets DEBUG = True: error pages show settings, code and SQL "
        "to anyone.",
        "Read DEBUG from the environment with a false default; keep DEBUG = True in local "
        "settings files only.",
        "CWE-489",
        A05,
        API8,
    ),
    "allowed-hosts-any": _rule(
        "GK3824",
        "py-allowed-hosts-any",
        M,
        HC,
        "ALLOWED_HOSTS accepts any Host header: password-reset links and cache keys can be "
        "poisoned with an attacker's host.",
        "List the real host names.",
        "CWE-346",
        A05,
        API8,
    ),
    "cors-any-origin-credentials": _rule(
        "GK3825",
        "py-cors-any-origin-credentials",
        H,
        HC,
        "CORS lets any origin send credentialed requests: any web site a signed-in user visits "
        "can call the API as that user.",
        "List the allowed origins, or turn credentials off for the wildcard.",
        "CWE-942",
        A05,
        API8,
    ),
    "user-enumeration": _rule(
        "GK3826",
        "py-user-enumeration",
        M,
        MC,
        "A login handler answers differently for an unknown user and a wrong password: callers "
        "learn which accounts exist.",
        "Answer both cases with the same message (and the same status and timing).",
        "CWE-204",
        A07,
        API2,
    ),
    "autoescape-disabled": _rule(
        "GK3831",
        "py-autoescape-disabled",
        H,
        HC,
        "A template engine is set up with autoescaping off: every variable a template prints "
        "is raw HTML, so any user text in a page is cross-site scripting.",
        "Keep autoescape on (select_autoescape(), the framework default) and mark the few "
        "trusted fragments safe one by one.",
        "CWE-79",
        A03,
        API8,
    ),
    "client-controlled-authorization": _rule(
        "GK3832",
        "py-client-controlled-authorization",
        H,
        MC,
        "A privilege is decided from a cookie or header the client sends (admin=1, role=...): "
        "anyone can set it.",
        "Keep roles on the server (the session or the user record) or in a signed token "
        "that is verified.",
        "CWE-565",
        A01,
        "API5:2023 - Broken Function Level Authorization",
    ),
    "redos-pattern": _rule(
        "GK3834",
        "py-redos-pattern",
        L,
        LC,
        "A regular expression nests one repetition inside another (`(a+)+`, `(\\w+\\s?)*`): on "
        "input that almost matches it backtracks exponentially (ReDoS). Low: a repetition "
        "separated by a fixed character (`(\\d+\\.)*`) is slow only in rare cases.",
        "Rewrite it so each character matches one way (drop a quantifier, use a character "
        "class) or bound the input length first.",
        "CWE-1333",
        "A05:2021 - Security Misconfiguration",
        API4,
    ),
}

COMMITTED_ENV = _rule(
    "GK3827",
    "committed-env-file",
    H,
    MC,
    "A .env file with secret values is committed to the repository.",
    "Remove it from the repository (and its history), rotate the values, commit a .env.example "
    "with placeholders, and add .env to .gitignore.",
    "CWE-312",
    A05,
    API2,
)
COMMITTED_KEY = _rule(
    "GK3828",
    "committed-private-key",
    H,
    HC,
    "A private key file is committed to the repository.",
    "Remove it (and from the history), revoke the key, and load keys from a secret store.",
    "CWE-321",
    A02,
    API2,
)
UNESCAPED_TEMPLATE = _rule(
    "GK3833",
    "template-unescaped-output",
    L,
    LC,
    "A template prints a value without escaping (|safe, autoescape off, th:utext, EJS <%- %>, "
    "Handlebars {{{ }}}): if the value can hold user text, it is cross-site scripting.",
    "Print it escaped; keep raw output for HTML your code produced and sanitized.",
    "CWE-79",
    A03,
    API8,
)
LOGIN_UNLIMITED = _rule(
    "GK3829",
    "login-without-brute-force-protection",
    M,
    MC,
    "A login route has no rate limit or lockout: passwords can be guessed as fast as the "
    "server answers (credential stuffing).",
    "Limit the login route per client and per account (slowapi/Flask-Limiter "
    "decorator, express-rate-limit on the route, django-axes, a gateway limit) or lock out "
    "after repeated failures.",
    "CWE-307",
    A07,
    API2,
)
NO_SECURITY_HEADERS = _rule(
    "GK3830",
    "no-security-headers",
    L,
    MC,
    "No security response headers are configured (HSTS, X-Content-Type-Options, "
    "Content-Security-Policy, X-Frame-Options): browsers get no protection against "
    "downgrade, sniffing and framing.",
    "Add a headers middleware (helmet, flask-talisman, Django SecurityMiddleware, "
    "unrolled/secure, Spring Security's defaults) or set the headers at the proxy.",
    "CWE-693",
    A05,
    API8,
)
# Judged file by file (what the pre-commit hook checks; diff mode follows their lines).
FILE_RULE_IDS = frozenset(
    r.id for r in (*PYTHON_RULES.values(), COMMITTED_ENV, COMMITTED_KEY, UNESCAPED_TEMPLATE)
)
RULES: tuple[Rule, ...] = (
    *PYTHON_RULES.values(),
    COMMITTED_ENV,
    COMMITTED_KEY,
    UNESCAPED_TEMPLATE,
    LOGIN_UNLIMITED,
    NO_SECURITY_HEADERS,
)

_LOGIN_PATH = re.compile(
    r"/(?:login|log-in|signin|sign-in|sign_in|sessions?|authenticate|auth/token|token|"
    r"access-token|oauth/token|api-token-auth|jwt/create)/?$",
    re.IGNORECASE,
)
_LOCKOUT_IMPORTS = (
    "axes", "django_axes", "express-brute", "rate-limiter-flexible", "flask_limiter",
)  # fmt: skip
_HEADER_LIBRARIES = (
    "helmet", "flask_talisman", "talisman", "secure", "django.middleware.security",
    "github.com/unrolled/secure", "github.com/gin-contrib/secure", "@fastify/helmet",
    "koa-helmet", "org.springframework.security",
)  # fmt: skip
_HEADER_NAMES = re.compile(
    r"Strict-Transport-Security|Content-Security-Policy|X-Content-Type-Options|X-Frame-Options|"
    r"SecurityMiddleware|helmet\(|Talisman\(|\.headers\(\)"
)
_HEADER_FILES = (".py", ".js", ".ts", ".mjs", ".go", ".java", ".kt", ".conf", ".yaml", ".yml")

# Kinds test code holds on purpose (fake secrets, local addresses): low severity in tests.
TEST_FIXTURE_RULES = frozenset(
    PYTHON_RULES[k].id
    for k in (
        "hardcoded-secret", "fallback-secret", "credentials-in-url", "private-key-in-code",
        "hardcoded-service-address", "weak-random-token", "jwt-verification-disabled",
        "jwt-algorithms-unpinned",
    )
) | {COMMITTED_ENV.id, COMMITTED_KEY.id}  # fmt: skip

_ENV_FILE = re.compile(
    r"^\.env(?:\.(?!example$|sample$|template$|dist$|defaults?$|test$|ci$)[\w.-]+)?$"
)
_ENV_SECRET_LINE = re.compile(
    r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|"
    r"APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Za-z0-9_]*)\s*=\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_KEY_FILE = re.compile(r"(?:\.pem|\.key|(?:^|/)id_(?:rsa|dsa|ecdsa|ed25519))$")
_PEM_PRIVATE = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")
_PLACEHOLDER_VALUE = re.compile(
    r"""(?ix)^["']?(?:|change[-_ ]?me|change[-_ ]?this|changeit|placeholder|example|dummy|
    redacted|todo|xxx+|\*+|<[^>]*>|\$\{[^}]*\}|your[-_].*|secret|password|test|none|null)["']?$"""
)
MAX_FILE_BYTES = 256 * 1024


def _python_findings(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for path, facts in sorted(ctx.file_facts.items()):
        fact = facts.get("security.python")
        if not isinstance(fact, SecurityHits):
            continue
        for hit in fact.hits:
            rule = PYTHON_RULES.get(hit.check)
            if rule is None:
                continue
            out.append(
                make_finding(
                    _test_severity(rule, path),
                    Location(path, hit.line, hit.column),
                    f"{_lead(rule)}: {hit.detail}",
                    phase=PHASE_ID,
                )
            )
    return out


def _lead(rule: Rule) -> str:
    """The summary's first clause, to put before what was seen."""
    return re.split(r"[:(]", rule.summary, maxsplit=1)[0].strip().rstrip(".")


def _test_severity(rule: Rule, path: str) -> Rule:
    if rule.id in TEST_FIXTURE_RULES and is_test_path(path) and rule.severity.rank > L.rank:
        return Rule(
            rule.id, rule.name, rule.criterion_id, L, rule.confidence, rule.summary, rule.fix,
            rule.cwe, rule.owasp,
        )  # fmt: skip
    return rule


def _committed_files(ctx: Context) -> list[Finding]:
    """Committed .env files with secret values, and private key files."""
    out: list[Finding] = []
    for entry in ctx.index.files:
        base = posixpath.basename(entry.path)
        env = bool(_ENV_FILE.match(base))
        key = bool(_KEY_FILE.search(entry.path))
        if not (env or key) or entry.size > MAX_FILE_BYTES:
            continue
        try:
            text = ctx.index.read_text(entry.path).text
        except (GatekeeperError, OSError, ValueError):
            continue
        if key:
            m = _PEM_PRIVATE.search(text)
            if m:
                line = text.count("\n", 0, m.start()) + 1
                out.append(
                    make_finding(
                        _test_severity(COMMITTED_KEY, entry.path),
                        Location(entry.path, line),
                        "a PEM private key is committed",
                        phase=PHASE_ID,
                    )
                )
            continue
        for number, raw in enumerate(text.splitlines()[:2000], 1):
            m = _ENV_SECRET_LINE.match(raw)
            if m and not _PLACEHOLDER_VALUE.match(m.group("value").split(" #")[0].strip()):
                out.append(
                    make_finding(
                        _test_severity(COMMITTED_ENV, entry.path),
                        Location(entry.path, number),
                        f"{m.group('key')} has a value in a committed {base}",
                        phase=PHASE_ID,
                    )
                )
                break
    return out


def _imports(ctx: Context, service_root: str) -> list[tuple[str, str, int]]:
    """(module, path, line) of every import in the service's non-test files."""
    out: list[tuple[str, str, int]] = []
    prefix = "" if service_root in ("", ".") else service_root.rstrip("/") + "/"
    for path, facts in sorted(ctx.file_facts.items()):
        if is_test_path(path) or not path.startswith(prefix):
            continue
        for fact in facts.values():
            if isinstance(fact, FileImports):
                out.extend((imp.module, path, imp.line) for imp in fact.imports)
    return out


def _matches(module: str, libraries: Sequence[str]) -> bool:
    return any(module == lib or module.startswith((lib + ".", lib + "/")) for lib in libraries)


def _login_routes(ctx: Context) -> list[Finding]:
    """POST login routes with no limiter on the route, none app-wide and no lockout library."""
    out: list[Finding] = []
    for svc in api_inventory(ctx).services:
        logins = [
            r for r in svc.routes if r.method in ("POST", "ANY") and _LOGIN_PATH.search(r.url_path)
        ]
        if not logins or limits_every_route(ctx, svc):
            continue
        if any(_matches(m, _LOCKOUT_IMPORTS) for m, _, _ in _imports(ctx, svc.service.root)):
            continue
        for route in logins:
            if route_limiter(route) is None and not is_test_path(route.file):
                out.append(
                    make_finding(
                        LOGIN_UNLIMITED,
                        Location(route.file, route.line),
                        f"{route.method} {route.url_path} ({route.handler}) has no rate limit",
                        phase=PHASE_ID,
                    )
                )
    return out


def _security_headers(ctx: Context) -> tuple[list[Finding], list[Evidence]]:
    return ctx.cached("security_headers", lambda: _find_security_headers(ctx))


def _find_security_headers(ctx: Context) -> tuple[list[Finding], list[Evidence]]:
    """Per web service: a headers library, middleware or header names set somewhere."""
    findings: list[Finding] = []
    evidence: list[Evidence] = []

    def written() -> list[Evidence]:
        """Header names set in code or proxy config: read only when no library is imported."""
        return ctx.cached(
            "security_header_lines",
            lambda: first_matching_lines(
                ctx,
                lambda p: p.endswith(_HEADER_FILES),
                lambda _p, line: "sets security headers" if _HEADER_NAMES.search(line) else None,
            ),
        )

    headers_controls = [e for e in _controls(ctx) if e.what.startswith("security-headers")]
    for svc in api_inventory(ctx).services:
        if not (svc.frameworks or svc.routes):
            continue
        root = svc.service.root
        prefix = "" if root in ("", ".") else root.rstrip("/") + "/"
        seen = (
            [
                Evidence(path, line, f"imports {module}")
                for module, path, line in _imports(ctx, root)
                if _matches(module, _HEADER_LIBRARIES)
            ][:1]
            or [e for e in headers_controls if e.path.startswith(prefix)][:1]
            or [e for e in written() if e.path.startswith(prefix) or "/" not in e.path][:1]
        )
        if seen:
            evidence.extend(seen)
            continue
        manifest = svc.service.manifests[0] if svc.service.manifests else root
        findings.append(
            make_finding(
                NO_SECURITY_HEADERS,
                Location(manifest, None),
                f"service {svc.service.name}: no security headers middleware and no header set",
                phase=PHASE_ID,
            )
        )
    return findings, evidence


SCAN_ENGINES = frozenset({"bandit", "semgrep"})
_SOURCE_LANGUAGES = frozenset({*SCANNED_LANGUAGES, "kotlin"})


def unscanned_files(ctx: Context) -> list[str]:
    """Source files some part of the scan could not read: refused by bandit or semgrep,
    unreadable for gatekeeper's own Python checks, or left out of the index itself (too large,
    binary, a FIFO). A file no scanner read is not a clean file."""

    def build() -> list[str]:
        missed = {
            u.path
            for u in ctx.unanalyzed
            if u.engine in SCAN_ENGINES
            or (
                u.engine == "index" and language_for(u.path.rsplit("/", 1)[-1]) in _SOURCE_LANGUAGES
            )
        }
        for path, facts in ctx.file_facts.items():
            fact = facts.get("security.python")
            if isinstance(fact, SecurityHits) and fact.unread:
                missed.add(path)
        return sorted(missed)

    return ctx.cached("unscanned_files", build)


def engine_evidence(ctx: Context) -> list[Evidence]:
    """What each engine run read: "bandit 1.9.4 scanned 87 of 87 files"."""
    return [
        Evidence(
            ".",
            None,
            f"{run.engine} {run.version or ''}".strip()
            + f" scanned {run.files_scanned} of {run.files_expected} files",
        )
        for run in ctx.engine_runs
    ]


def unscanned_message(missed: Sequence[str]) -> str:
    shown = ", ".join(display_path(p) for p in missed[:5])
    more = f" and {len(missed) - 5} more" if len(missed) > 5 else ""
    return (
        f"{len(missed)} file(s) could not be scanned ({shown}{more}; reasons in "
        "unanalyzed[]); a file no scanner read is not a clean file. Fix or exclude them; "
        "code written for a newer Python needs gatekeeper installed on that Python"
    )


_TEMPLATE_FILES = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".ejs", ".hbs", ".handlebars")
_UNESCAPED = (
    (re.compile(r"\{\{[^}]*\|\s*safe\b[^}]*\}\}"), "|safe"),
    (re.compile(r"\{%-?\s*autoescape\s+(?:off|false)\b"), "autoescape off"),
    (re.compile(r"\bth:utext\s*="), "th:utext"),
    (re.compile(r"<%-\s*(?!include\b)[\w.$\[\]'\"]+\s*-?%>"), "EJS <%- %>"),
    (re.compile(r"\{\{\{\s*(?![>#/])[\w.]+\s*\}\}\}"), "Handlebars {{{ }}}"),
)


def _unescaped_templates(ctx: Context) -> list[Finding]:
    def match(_path: str, line: str) -> str | None:
        return next((what for pattern, what in _UNESCAPED if pattern.search(line)), None)

    found: list[Finding] = []
    for entry in ctx.index.files:
        if not entry.path.lower().endswith(_TEMPLATE_FILES) or is_test_path(entry.path):
            continue
        if entry.size > MAX_FILE_BYTES:
            continue
        try:
            text = ctx.index.read_text(entry.path).text
        except (GatekeeperError, OSError, ValueError):
            continue
        for number, line in enumerate(text.splitlines()[:5000], 1):
            what = match(entry.path, line[:2000])
            if what is not None:
                found.append(
                    make_finding(
                        UNESCAPED_TEMPLATE,
                        Location(entry.path, number),
                        f"the template prints a value unescaped ({what})",
                        phase=PHASE_ID,
                    )
                )
    return found


def file_findings(ctx: Context) -> list[Finding]:
    """The findings judged file by file (what the pre-commit hook checks): gatekeeper's Python
    checks, committed key and .env files, unescaped templates, and the engines' findings; a
    bandit finding on a line where one of gatekeeper's own checks reports is left out (the
    same weakness, said twice)."""
    own = _python_findings(ctx) + _committed_files(ctx) + _unescaped_templates(ctx)
    lines = {(f.location.path, f.location.line) for f in own}
    engines = [
        f
        for f in ctx.engine_findings
        if not ("bandit" in f.engines and (f.location.path, f.location.line) in lines)
    ]
    return sorted(own + engines, key=Finding.sort_key)


def scan_findings(ctx: Context) -> list[Finding]:
    """Every security-scan finding once: the per-file ones and the repository-wide checks
    (login routes without a limit, no security headers)."""

    def build() -> list[Finding]:
        repo_wide = _login_routes(ctx) + _security_headers(ctx)[0]
        return sorted(file_findings(ctx) + repo_wide, key=Finding.sort_key)

    return ctx.cached("owasp_findings", build)


def _category_counts(findings: Sequence[Finding]) -> list[Evidence]:
    counts: Counter[str] = Counter()
    for f in findings:
        for category in f.owasp:
            if ":2021" in category:
                counts[category] += 1
    return [
        Evidence(".", None, f"{category}: {n} finding(s)") for category, n in sorted(counts.items())
    ]


def _controls(ctx: Context) -> list[Evidence]:
    seen: list[Evidence] = []
    kinds: set[str] = set()
    for path, facts in sorted(ctx.file_facts.items()):
        fact = facts.get("security.python")
        if not isinstance(fact, SecurityHits) or is_test_path(path):
            continue
        for control in fact.controls:
            if control.check not in kinds:
                kinds.add(control.check)
                seen.append(Evidence(path, control.line, f"{control.check}: {control.detail}"))
    return seen


@criterion(CRITERION, consumes=(Fact.STACK, Fact.ROUTES))
def owasp_top10_is_addressed(ctx: Context) -> Outcome:
    """OWASP Top 10 addressed.

    Why: injection, broken cryptography, hard-coded secrets, insecure deserialization, SSRF,
    XSS and misconfiguration are the weaknesses attackers try first. gatekeeper follows request
    data to dangerous calls in Python, runs bandit on Python and its own semgrep rules on
    JavaScript/TypeScript, Go and Java, and looks for committed keys and .env files; every
    finding names its CWE and its OWASP Top 10 2021 and API Security Top 10 2023 categories.
    Fix: fix each finding as its rule says, or suppress it inline with a reason
    (`# gatekeeper: ignore[GK3801] -- reason`).
    """
    findings = scan_findings(ctx)
    missed = unscanned_files(ctx)
    if missed:
        return Outcome(
            Status.ERROR, unscanned_message(missed), findings=tuple(ctx.finalize(findings))
        )
    if not ctx.engines_enabled:
        return Outcome(
            Status.ERROR,
            "bandit and semgrep were not run (--no-engines); only gatekeeper's own checks ran",
            findings=tuple(ctx.finalize(findings)),
        )
    failed = [run for run in ctx.engine_runs if not run.ok]
    if failed:
        return Outcome(
            Status.ERROR,
            "; ".join(f"{run.engine} did not complete: {run.message}" for run in failed),
            findings=tuple(ctx.finalize(findings)),
        )
    sources = [e for e in ctx.index.files if e.language in SCANNED_LANGUAGES]
    if not sources and not findings:
        return Outcome(Status.NOT_APPLICABLE, "no source file in a scanned language")
    evidence = engine_evidence(ctx)
    python = sum(1 for e in sources if e.language == "python")
    if python:
        evidence.append(
            Evidence(".", None, f"gatekeeper's Python checks read {python} Python file(s)")
        )
    evidence += _controls(ctx) + _security_headers(ctx)[1] + _category_counts(findings)
    threshold = ctx.config.severity_threshold
    final = ctx.finalize(findings)
    failing = [f for f in final if f.state == "open" and f.severity.rank >= threshold.rank]
    if failing:
        worst = Counter(f.rule_id for f in failing).most_common(5)
        return Outcome(
            Status.FAIL,
            f"{len(failing)} open finding(s) at or above {threshold} "
            f"({', '.join(f'{rule} x{n}' for rule, n in worst)})",
            tuple(evidence),
            tuple(final),
        )
    return Outcome(
        Status.PASS,
        f"no open finding at or above {threshold} in {len(sources)} scanned source file(s)",
        tuple(evidence),
        tuple(final),
    )
