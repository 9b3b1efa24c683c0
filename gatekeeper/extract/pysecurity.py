"""gatekeeper's own Python security checks, over the shared ast, in the workers.

bandit sees dangerous calls; it does not see where their arguments come from. These checks
follow request data inside each function (a taint pass in statement order: names assigned from
`request.args`, `request.json`, a route handler's parameters ... and anything built from them)
to the calls where it does harm: SQL, shell, eval, templates, file paths, URLs, redirects, HTML,
deserializers and regular expressions. They add what bandit has no check for: JWT verification
switched off, passwords hashed with a fast hash or compared in plain text, tokens from `random`,
secrets with a fallback value, credentials in URLs, service addresses hard-coded in code,
Django DEBUG and ALLOWED_HOSTS, CORS that lets any site send credentials, and login handlers
that tell "no such user" from "wrong password".

Each hit names a check (a key of phases/owasp.py's PYTHON_RULES) and a line; the phase turns
hits into findings, so the rule text lives in one place.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.extract.pyparse import dotted
from gatekeeper.stack import is_test_path

MAX_HITS = 500

# --- where request data comes from ------------------------------------------------------------

_REQUEST_NAMES = frozenset({"request", "req", "self.request", "flask.request"})
_REQUEST_ATTRS = frozenset(
    {
        "args", "form", "values", "json", "data", "files", "cookies", "headers", "GET", "POST",
        "FILES", "COOKIES", "META", "body", "query_params", "path_params", "match_info", "query",
        "rel_url", "content", "get_json", "get_data", "post", "text", "read", "params",
        "view_args", "query_string", "stream", "multipart",
    }
)  # fmt: skip
_ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "patch", "delete", "route", "api_route", "head", "options", "view"}
)
# Parameters of a route handler that the framework fills from the request (FastAPI path,
# query and body parameters, Flask and Django URL arguments), unless they are dependencies.
_NOT_REQUEST_PARAM = re.compile(
    r"(?i)^(?:self|cls|request|req|db|session|background_tasks|response|current_user|user|"
    r"settings|conn|connection|client|app|websocket)$"
)
_DEPENDENCY_ANNOTATION = re.compile(
    r"(?:Dep|Depends|Session|User|Request|Response|BackgroundTasks|WebSocket|Settings|"
    r"Connection|Pool|Client|Engine|Db|DB)\b"
)
# Calls whose result is safe whatever went in: numbers, escaped or reduced text.
_SANITIZERS = frozenset(
    {
        "int", "float", "bool", "len", "abs", "round", "uuid.UUID", "UUID", "secure_filename",
        "os.path.basename", "basename", "escape", "html.escape", "markupsafe.escape",
        "shlex.quote", "quote", "pipes.quote", "re.escape", "bleach.clean", "clean",
        "urllib.parse.quote", "quote_plus", "str.isdigit", "hash", "type", "isinstance",
        "url_for", "reverse", "get_object_or_404", "check_password_hash", "verify",
    }
)  # fmt: skip

# Calls whose result carries their argument's text: taint passes through them. Any other
# function or method called with request data (a lookup, a form, a helper) returns something
# else, so its result is not treated as the caller's text.
_PASS_THROUGH = frozenset(
    {
        "str", "bytes", "repr", "format", "join", "urljoin", "Path", "PurePath", "dict", "list",
        "tuple", "set", "sorted", "reversed", "b64decode", "urlsafe_b64decode", "unquote",
        "unquote_plus", "loads", "decode", "encode", "strip", "lower", "upper", "replace",
        "normpath", "abspath", "expanduser", "getattr", "urlparse",
    }
)  # fmt: skip

# --- sinks ------------------------------------------------------------------------------------

_SQL_METHODS = frozenset(
    {"execute", "executemany", "executescript", "raw", "extra", "exec_driver_sql", "mogrify",
     "fetch", "fetchrow", "fetchval", "text", "RawSQL"}
)  # fmt: skip
_SHELL_CALLS = frozenset({"os.system", "os.popen", "commands.getoutput", "subprocess.getoutput"})
_SUBPROCESS = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
     "subprocess.Popen", "run", "call", "check_output", "check_call", "Popen"}
)  # fmt: skip
_SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "cmd", "zsh"})
_CODE_CALLS = frozenset({"eval", "exec", "compile", "builtins.eval", "builtins.exec"})
_TEMPLATE_CALLS = frozenset(
    {"render_template_string", "flask.render_template_string", "Template", "jinja2.Template",
     "from_string", "mako.template.Template"}
)  # fmt: skip
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_HTTP_MODULES = frozenset({"requests", "httpx", "urllib3"})
_URLOPEN = frozenset({"urlopen", "urllib.request.urlopen", "request.urlopen", "urllib2.urlopen"})
_FILE_CALLS = frozenset(
    {"open", "io.open", "codecs.open", "send_file", "flask.send_file", "FileResponse",
     "web.FileResponse", "os.remove", "os.unlink", "shutil.rmtree", "shutil.copy",
     "shutil.copyfile", "shutil.move", "os.rename", "static_file", "Path", "pathlib.Path"}
)  # fmt: skip
_REDIRECTS = frozenset(
    {"redirect", "flask.redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect",
     "RedirectResponse", "web.HTTPFound", "HTTPFound", "web.HTTPSeeOther", "HTTPSeeOther",
     "web.HTTPMovedPermanently", "web.HTTPTemporaryRedirect"}
)  # fmt: skip
_REDIRECT_GUARD = re.compile(r"(?i)safe\w*redirect|redirect\w*safe|allowed_host|is_safe_url|netloc")
_HTML_CALLS = frozenset(
    {"Markup", "markupsafe.Markup", "flask.Markup", "mark_safe", "HTMLResponse", "HttpResponse",
     "make_response", "Response"}
)  # fmt: skip
_DESERIALIZERS = frozenset(
    {"pickle.loads", "pickle.load", "cPickle.loads", "dill.loads", "marshal.loads",
     "jsonpickle.decode", "yaml.unsafe_load", "yaml.load", "shelve.open", "joblib.load"}
)  # fmt: skip
_REGEX_CALLS = frozenset(
    {"re.compile", "re.match", "re.search", "re.fullmatch", "re.findall", "re.finditer",
     "re.sub", "re.split", "regex.compile", "regex.search", "regex.match"}
)  # fmt: skip
# A quantified group whose body also repeats (`(a+)+`, `(\w+\s?)*`): star height above one.
_NESTED_REPEAT = re.compile(r"\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\})")
_MONGO_METHODS = frozenset(
    {"find", "find_one", "find_one_and_update", "find_one_and_delete", "update_one",
     "update_many", "delete_one", "delete_many", "count_documents", "aggregate"}
)  # fmt: skip

# --- names that say what a value is -----------------------------------------------------------

_PASSWORD_NAME = re.compile(r"(?i)(?:passw(?:or)?d|passphrase|\bpwd\b|^pwd|pwd$)")
_SECRET_NAME = re.compile(
    r"(?i)(?:passw(?:or)?d|passphrase|secret|token|api_?key|access_?key|private_?key|"
    r"auth_?key|signing_?key|credential|^pwd$|_pwd$)"
)
_NOT_SECRET_NAME = re.compile(
    r"(?i)(?:label|field|name|type|header|prompt|placeholder|hint|message|msg|error|url|uri|"
    r"path|endpoint|length|len|regex|pattern|policy|file|env|var|param|_id|count|expir|ttl|"
    r"timeout|reset_at|hash(?:ed)?$|salt_rounds|input|format|mode|style|class|selector|"
    r"prefix|suffix|cookie_name|_key_name|header_name|algorithm|alg|lifetime|minutes|"
    r"seconds|days|hours|location|scheme|method|backend|class_path|module|validators?|"
    r"help_text|verbose_name|description|template|widget|min_|max_|required|enabled|"
    r"_VALIDATORS|HASHERS|_KEY_PREFIX|_FUNCTION|_STORAGE|_CLASS|charset|chars|alphabet|"
    r"censor|constraint|placeholder)"
)
_TOKEN_NAME = re.compile(
    r"(?i)(?:token|secret|passw(?:or)?d|otp|nonce|salt|session_?id|sessionid|reset|csrf|"
    r"api_?key|verification|activation|invite|one_?time|auth_?code)"
)
_PLACEHOLDER = re.compile(
    r"(?i)^(?:change[-_ ]?me|change[-_ ]?this|changeit|placeholder|example|dummy|redacted|"
    r"todo|fixme|none|null|password|secret|token|api_?key|x{3,}|\*+|\.+|<[^>]*>|"
    r"\$\{[^}]*\}|\{\{.*\}\}|%\(.*\)s|your[-_ ].*|test|testing)$"
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_URL_WITH_PASSWORD = re.compile(
    r"^[a-z][a-z0-9+.-]*://(?P<user>[^/\s:@{}$<>]+):(?P<password>[^/\s@{}$<>]+)@[^\s/]+", re.I
)
_INTERNAL_URL = re.compile(
    r"^(?:https?|postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|amqp)://"
    r"(?:[^/\s@]*@)?(?P<host>localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|10\.\d+\.\d+\.\d+|"
    r"192\.168\.\d+\.\d+|172\.(?:1[6-9]|2\d|3[01])\.\d+\.\d+|[a-z0-9-]+\.(?:internal|local|"
    r"svc(?:\.cluster\.local)?|corp|lan)|[a-z][a-z0-9]*-[a-z0-9-]+)(?::\d+)?(?:/|$)",
    re.I,
)
_CLIENT_CONSTRUCTORS = frozenset(
    {"create_engine", "create_async_engine", "sqlalchemy.create_engine", "MongoClient",
     "pymongo.MongoClient", "AsyncIOMotorClient", "motor.motor_asyncio.AsyncIOMotorClient",
     "redis.Redis", "redis.StrictRedis", "Redis", "redis.from_url", "aioredis.from_url",
     "psycopg2.connect", "psycopg.connect", "pymysql.connect", "mysql.connector.connect",
     "asyncpg.connect", "asyncpg.create_pool", "pika.URLParameters", "Celery"}
)  # fmt: skip
# A PEM private key with key material after its header (not a pattern that looks for one).
_PEM_BLOCK = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----\s*[A-Za-z0-9+/=]{16,}")
_USER_MISSING_MESSAGE = re.compile(
    r"(?i)\b(?:user|account|e-?mail|username|login)\b[^.]{0,30}\b(?:not (?:found|exist|"
    r"registered)|does ?n[o']t exist|unknown|no such)|\bno (?:such )?(?:user|account)\b|"
    r"\bunknown (?:user|account|e-?mail|username)\b"
)
_WRONG_PASSWORD_MESSAGE = re.compile(
    r"(?i)\b(?:wrong|incorrect|invalid|bad)\s+password\b|\bpassword\s+(?:is\s+)?(?:wrong|"
    r"incorrect|invalid|does not match|mismatch)"
)
_LOGIN_FUNCTION = re.compile(r"(?i)log_?in|sign_?in|authenticat|token|session")
_EXAMPLE_PATH = re.compile(r"(?i)(?:^|[/_.-])(?:tests?|testing|examples?|samples?)(?:[/_.-]|$)")
_DEV_SETTINGS = re.compile(
    r"(?i)(?:^|[/_.-])(?:dev|develop|development|local|test|tests|testing|ci)(?:[/_.-]|$)"
)


@dataclass(frozen=True, slots=True, order=True)
class Hit:
    line: int
    column: int
    check: str  # a key of phases/owasp.py PYTHON_RULES
    detail: str  # what was seen, for the message: the call, the name, the source


@dataclass(frozen=True, slots=True)
class SecurityHits:
    path: str
    hits: tuple[Hit, ...]
    controls: tuple[Hit, ...] = ()  # security controls seen (password hashing, headers, CSRF)
    unread: str = ""  # why the checks could not read the file (fail closed: the gate errors)


def _extract(pf: ParsedFile) -> SecurityHits | None:
    tree = pf.readable_tree
    if tree is None:
        return SecurityHits(
            pf.path,
            (),
            unread="uses Python syntax newer than the interpreter running gatekeeper",
        )
    scan = _Scan(pf, tree)
    scan.run()
    if not scan.hits and not scan.controls:
        return None
    return SecurityHits(
        pf.path, tuple(sorted(set(scan.hits))[:MAX_HITS]), tuple(sorted(set(scan.controls)))
    )


PYTHON = FunctionExtractor("security.python", frozenset({"python"}), _extract)
_FUNCTION_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef})


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _short(node: ast.AST, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every node ast.parse makes
        return "?"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _built_string(node: ast.AST) -> bool:
    """A string assembled at run time: f-string with a value, `+`, `%` or `.format`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        if isinstance(node.op, ast.Mod):
            return _const_str(node.left) is not None or _built_string(node.left)
        return any(
            _const_str(side) is not None or _built_string(side) for side in (node.left, node.right)
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and (
            _const_str(node.func.value) is not None or _built_string(node.func.value)
        )
    return False


def _html_literal(node: ast.AST) -> bool:
    parts: list[str] = []
    for sub in ast.walk(node):
        text = _const_str(sub)
        if text:
            parts.append(text)
    return any("<" in p and ">" in p for p in parts)


class _Scan:
    def __init__(self, pf: ParsedFile, tree: ast.Module) -> None:
        self.pf = pf
        self.tree = tree
        self.hits: list[Hit] = []
        self.controls: list[Hit] = []
        self.random_names: set[str] = set()
        self.jwt_names: set[str] = set()
        self.compared_literals: set[str] = set()
        self.docstrings: set[int] = set()
        self.constants: dict[str, str] = {}  # module-level NAME = "text"
        self.in_tests = is_test_path(pf.path)

    def hit(self, node: ast.AST, check: str, detail: str) -> None:
        if len(self.hits) < MAX_HITS:
            self.hits.append(
                Hit(getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1, check, detail)
            )

    def control(self, node: ast.AST, what: str, detail: str) -> None:
        self.controls.append(Hit(getattr(node, "lineno", 1), 1, what, detail))

    # -- module level ------------------------------------------------------------------------

    def run(self) -> None:
        tree = self.tree
        # walked once per file, shared with the other extractors, read by every pass below;
        # each pass dispatches on the node's exact type (ast classes are never subclassed in a
        # parsed tree), which costs a dict lookup per node instead of a chain of isinstance
        nodes = self.pf.nodes if self.pf.tree is tree else list(ast.walk(tree))
        first: dict[type, Callable[[Any], None]] = {
            ast.Import: self._note_import,
            ast.ImportFrom: self._note_import_from,
            ast.Compare: self._note_compared,
            ast.FunctionDef: self._note_docstring,
            ast.AsyncFunctionDef: self._note_docstring,
            ast.ClassDef: self._note_docstring,
        }
        for node in nodes:
            note = first.get(type(node))
            if note is not None:
                note(node)
        self._note_docstring(tree)
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and (text := _const_str(stmt.value)) is not None:
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self.constants[target.id] = text
        self._module_settings(tree)
        second: dict[type, Callable[[Any], None]] = {
            ast.Call: self._call_checks,
            ast.Compare: self._plaintext_compare,
            ast.Constant: self._string_checks,  # returns at once for other constants
            ast.Assign: self._assignment_checks,
            ast.AnnAssign: self._assignment_checks,
        }
        functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        for node in nodes:
            check = second.get(type(node))
            if check is not None:
                check(node)
            elif type(node) in _FUNCTION_TYPES:
                functions.append(node)  # type: ignore[arg-type]
        lines = self.pf.text.splitlines()
        for fn in functions:
            self._login_messages(fn)
            if self._may_see_requests(fn, lines):
                _Taint(self, fn).run()

    def _note_import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "random":
                self.random_names.add(alias.asname or "random")
            if alias.name in ("jwt", "jose.jwt"):
                self.jwt_names.add(alias.asname or alias.name)

    def _note_import_from(self, node: ast.ImportFrom) -> None:
        if node.module == "random":
            self.random_names.update(
                f"@{a.asname or a.name}" for a in node.names if a.name != "SystemRandom"
            )
        if node.module in ("jose", "jwt") or (node.module or "").startswith("jose"):
            self.jwt_names.update(a.asname or a.name for a in node.names)

    def _note_compared(self, node: ast.Compare) -> None:
        for side in (node.left, *node.comparators):
            text = _const_str(side)
            if text:
                self.compared_literals.add(text)

    def _may_see_requests(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]
    ) -> bool:
        """Whether the taint pass can find anything: a route handler, a view, or a body that
        names a request. Most functions (models, forms, helpers) are skipped unread."""
        if any(_route_decorator(d) for d in fn.decorator_list):
            return True
        end = getattr(fn, "end_lineno", None) or fn.lineno
        body = "\n".join(lines[fn.lineno - 1 : end])
        return "req" in body

    def _note_docstring(self, node: ast.AST) -> None:
        body = getattr(node, "body", None)
        if body and isinstance(body[0], ast.Expr) and _const_str(body[0].value) is not None:
            self.docstrings.add(id(body[0].value))

    def _module_settings(self, tree: ast.Module) -> None:
        """Django settings: DEBUG, ALLOWED_HOSTS, CORS; read only in a settings-like module."""
        assigned: dict[str, ast.Assign] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        assigned[target.id] = stmt
        is_settings = bool({"INSTALLED_APPS", "ROOT_URLCONF", "MIDDLEWARE"} & set(assigned))
        if not is_settings or _DEV_SETTINGS.search(self.pf.path):
            return
        debug = assigned.get("DEBUG")
        if (
            debug is not None
            and isinstance(debug.value, ast.Constant)
            and debug.value.value is True
        ):
            self.hit(debug, "django-debug", "DEBUG = True")
        hosts = assigned.get("ALLOWED_HOSTS")
        if (
            hosts is not None
            and isinstance(hosts.value, (ast.List, ast.Tuple))
            and any(_const_str(e) == "*" for e in hosts.value.elts)
        ):
            self.hit(hosts, "allowed-hosts-any", "ALLOWED_HOSTS = ['*']")
        any_origin = next(
            (
                assigned[n]
                for n in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
                if n in assigned and _is_true(assigned[n].value)
            ),
            None,
        )
        credentials = assigned.get("CORS_ALLOW_CREDENTIALS")
        if any_origin is not None and credentials is not None and _is_true(credentials.value):
            self.hit(
                any_origin, "cors-any-origin-credentials", "CORS_ALLOW_ALL_ORIGINS with credentials"
            )
        middleware = assigned.get("MIDDLEWARE")
        if middleware is not None and "SecurityMiddleware" in _short(middleware.value, 4000):
            self.control(middleware, "security-headers", "django SecurityMiddleware")

    # -- call checks that need no data flow --------------------------------------------------

    def _call_checks(self, call: ast.Call) -> None:
        name = dotted(call.func) or ""
        last = name.rsplit(".", 1)[-1]
        self._jwt(call, name, last)
        self._cors(call, name, last)
        self._fallback_secret(call, name)
        self._fast_password_hash(call, name)
        self._hardcoded_address(call, name)
        self._control_calls(call, name, last)
        if name in _REGEX_CALLS and call.args:
            pattern = _const_str(call.args[0])
            if pattern is not None and _NESTED_REPEAT.search(pattern):
                self.hit(call, "redos-pattern", f"{name}({pattern[:40]!r})")
        for k in call.keywords:
            if (
                k.arg == "autoescape"
                and isinstance(k.value, ast.Constant)
                and k.value.value is False
            ):
                self.hit(call, "autoescape-disabled", f"{name}(autoescape=False)")

    def _is_jwt_call(self, name: str, last: str) -> bool:
        head = name.rsplit(".", 1)[0] if "." in name else ""
        return (head in self.jwt_names or head.endswith("jwt")) or (
            not head and last in self.jwt_names
        )

    def _jwt(self, call: ast.Call, name: str, last: str) -> None:
        if last not in ("decode", "encode", "decode_complete") or not self._is_jwt_call(name, last):
            return
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if last == "encode":
            alg = _const_str(keywords.get("algorithm"))
            if alg is not None and alg.lower() == "none":
                self.hit(call, "jwt-none-algorithm", f'{name}(..., algorithm="none")')
            return
        options = keywords.get("options")
        off = False
        if isinstance(options, ast.Dict):
            for key, value in zip(options.keys, options.values, strict=False):
                if _const_str(key) in ("verify_signature", "verify_exp", "verify_aud") and (
                    isinstance(value, ast.Constant) and value.value is False
                ):
                    off = _const_str(key) == "verify_signature" or off
        verify = keywords.get("verify")
        if isinstance(verify, ast.Constant) and verify.value is False:
            off = True
        if off:
            self.hit(call, "jwt-verification-disabled", f"{name}(...) with the signature unchecked")
            return
        algorithms = keywords.get("algorithms")
        if algorithms is not None:
            values = (
                algorithms.elts if isinstance(algorithms, (ast.List, ast.Tuple)) else [algorithms]
            )
            if any((_const_str(v) or "").lower() == "none" for v in values):
                self.hit(call, "jwt-none-algorithm", f'{name}(..., algorithms=["none"])')
            return
        if len(call.args) < 3 and not any(k.arg is None for k in call.keywords):
            self.hit(call, "jwt-algorithms-unpinned", f"{name}(...) without algorithms=")

    def _cors(self, call: ast.Call, name: str, last: str) -> None:
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if last == "CORS" and _is_true(keywords.get("supports_credentials")):
            origins = keywords.get("origins", keywords.get("resources"))
            if origins is None or _wildcard(origins):
                self.hit(
                    call,
                    "cors-any-origin-credentials",
                    "CORS(..., supports_credentials=True) for any origin",
                )
        elif (
            (
                last == "add_middleware"
                and call.args
                and (dotted(call.args[0]) or "").endswith("CORSMiddleware")
            )
            and _is_true(keywords.get("allow_credentials"))
            and _wildcard(keywords.get("allow_origins"))
        ):
            self.hit(
                call,
                "cors-any-origin-credentials",
                'CORSMiddleware(allow_origins=["*"], allow_credentials=True)',
            )

    def _fallback_secret(self, call: ast.Call, name: str) -> None:
        if name not in (
            "os.getenv",
            "os.environ.get",
            "environ.get",
            "getenv",
            "env.str",
            "config",
        ):
            return
        key = _const_str(call.args[0]) if call.args else None
        default = call.args[1] if len(call.args) > 1 else None
        for k in call.keywords:
            if k.arg == "default":
                default = k.value
        value = _const_str(default)
        if key is None or value is None or not _secret_value(key, value):
            return
        if value in self.compared_literals:
            return  # the app compares with the placeholder, and (we assume) refuses it
        self.hit(call, "fallback-secret", f'{name}("{key}", "{_mask(value)}")')

    def _fast_password_hash(self, call: ast.Call, name: str) -> None:
        head, _, algo = name.rpartition(".")
        fast = (
            head == "hashlib" and algo in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
        ) or (
            name == "hashlib.new"
            and (_const_str(call.args[0]) or "").lower() in ("md5", "sha1", "sha256")
            if call.args
            else False
        )
        if not fast:
            return
        args = call.args[1:] if name == "hashlib.new" else call.args
        if any(_mentions_password(a) for a in args):
            self.hit(call, "weak-password-hash", f"{name}(<password>)")

    def _hardcoded_address(self, call: ast.Call, name: str) -> None:
        if self.in_tests:
            return
        last = name.rsplit(".", 1)[-1]
        outbound = (name.split(".")[0] in _HTTP_MODULES and last in _HTTP_VERBS) or name in _URLOPEN
        if not outbound and name not in _CLIENT_CONSTRUCTORS:
            return
        candidates: list[ast.AST] = list(call.args[:1])
        candidates += [k.value for k in call.keywords if k.arg in ("url", "host", "dsn", "broker")]
        for arg in candidates:
            text = _const_str(arg)
            if text is None and isinstance(arg, ast.JoinedStr) and arg.values:
                text = _const_str(arg.values[0])
            if text and (
                _INTERNAL_URL.match(text) or (name in _CLIENT_CONSTRUCTORS and _is_ip(text))
            ):
                self.hit(arg, "hardcoded-service-address", f"{name}({_mask_url(text)!r})")
                return

    def _control_calls(self, call: ast.Call, name: str, last: str) -> None:
        if last in (
            "generate_password_hash",
            "make_password",
            "hashpw",
            "CryptContext",
            "PasswordHasher",
        ):
            self.control(call, "password-hashing", name)
        elif last in ("Talisman", "Secure", "SecureHeaders"):
            self.control(call, "security-headers", name)
        elif last in ("CSRFProtect", "CsrfProtect"):
            self.control(call, "csrf", name)

    def _plaintext_compare(self, node: ast.Compare) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return
        for side in (node.left, node.comparators[0]):
            key = _client_claim(side)
            if key is not None:
                self.hit(node, "client-controlled-authorization", f"{_short(side)} decides {key}")
                return
        left, right = node.left, node.comparators[0]
        for stored, other in ((left, right), (right, left)):
            if not _stored_password(stored):
                continue
            if isinstance(other, ast.Constant) or _mentions(
                other, ("hash", "digest", "encrypt", "crypt")
            ):
                continue
            if _stored_password(other) or _mentions(other, ("password", "passwd", "pwd")):
                continue  # two passwords compared: a confirmation field, a migration, __eq__
            self.hit(node, "plaintext-password-compare", _short(node))
            return

    def _string_checks(self, node: ast.Constant) -> None:
        if id(node) in self.docstrings:
            return
        text = node.value
        if not isinstance(text, str):
            return
        if "://" in text and "@" in text:
            m = _URL_WITH_PASSWORD.match(text.strip())
            local = re.search(r"@(?:localhost|127\.0\.0\.1)(?:[:/]|$)", text)
            if (
                m
                and not local
                and not _PLACEHOLDER.match(m.group("password"))
                and not self.in_tests
            ):
                self.hit(node, "credentials-in-url", _mask_url(text))
        if "PRIVATE KEY-----" in text and _PEM_BLOCK.search(text):
            self.hit(node, "private-key-in-code", "a PEM private key")

    def _assignment_checks(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        if value is None:
            return
        for target in targets:
            name = (
                target.id
                if isinstance(target, ast.Name)
                else (target.attr if isinstance(target, ast.Attribute) else _subscript_key(target))
            )
            if not name:
                continue
            text = _const_str(value)
            if (
                text is not None
                and _secret_value(name, text)
                and not _EXAMPLE_PATH.search(self.pf.path)
            ):
                if text not in self.compared_literals:
                    self.hit(value, "hardcoded-secret", f"{name} = {_mask(text)!r}")
            elif _TOKEN_NAME.search(name) and self._uses_random(value):
                self.hit(value, "weak-random-token", f"{name} from the random module")

    def _uses_random(self, node: ast.AST) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                callee = dotted(sub.func) or ""
                head = callee.split(".")[0]
                if (
                    head in self.random_names and callee.count(".") == 1
                ) or f"@{callee}" in self.random_names:
                    return True
        return False

    def _login_messages(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if not _LOGIN_FUNCTION.search(fn.name):
            return
        missing: ast.AST | None = None
        wrong = False
        for sub in ast.walk(fn):
            text = _const_str(sub)
            if not text or id(sub) in self.docstrings:
                continue
            if missing is None and _USER_MISSING_MESSAGE.search(text):
                missing = sub
            elif _WRONG_PASSWORD_MESSAGE.search(text):
                wrong = True
        if missing is not None and wrong:
            self.hit(missing, "user-enumeration", fn.name)


class _Taint:
    """Request data followed through one function body, statement by statement."""

    def __init__(self, scan: _Scan, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scan = scan
        self.fn = fn
        self.tainted: dict[str, str] = {}  # name -> the source it came from
        self.built: set[str] = set()  # names holding a string assembled at run time
        self._guarded: bool | None = None
        self.is_route = any(_route_decorator(d) for d in fn.decorator_list)
        self._seed_parameters()

    def _seed_parameters(self) -> None:
        args = self.fn.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        defaults = dict(
            zip(
                [a.arg for a in [*args.posonlyargs, *args.args]][::-1],
                list(args.defaults)[::-1],
                strict=False,
            )
        )
        defaults.update(
            {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
        )
        django_view = (
            bool(params)
            and params[0].arg == "request"
            and bool(re.search(r"(?:^|/)views?(?:/|\.py$)", scan_path(self.scan)))
        )
        if not (self.is_route or django_view):
            return
        for param in params:
            if _NOT_REQUEST_PARAM.match(param.arg):
                continue
            default = defaults.get(param.arg)
            if isinstance(default, ast.Call) and (dotted(default.func) or "").endswith(
                ("Depends", "Security")
            ):
                continue
            annotation = _short(param.annotation, 200) if param.annotation is not None else ""
            if _DEPENDENCY_ANNOTATION.search(annotation) or "Depends(" in annotation:
                continue
            if annotation in ("int", "float", "bool", "UUID", "uuid.UUID", "datetime", "date"):
                continue
            self.tainted[param.arg] = f"parameter {param.arg}"

    @property
    def guarded_redirect(self) -> bool:
        """The function checks a redirect target somewhere (read once, when a redirect is seen)."""
        if self._guarded is None:
            lines = self.scan.pf.text.splitlines()
            end = getattr(self.fn, "end_lineno", None) or self.fn.lineno
            self._guarded = bool(_REDIRECT_GUARD.search("\n".join(lines[self.fn.lineno - 1 : end])))
        return self._guarded

    # -- taint queries -------------------------------------------------------------------------

    def source(self, node: ast.AST | None) -> str | None:
        """Where the request data in `node` comes from, or None when it carries none."""
        if node is None:
            return None
        if isinstance(node, ast.Name):
            return self.tainted.get(node.id)
        if isinstance(node, ast.Attribute):
            base = dotted(node.value)
            if base in _REQUEST_NAMES and node.attr in _REQUEST_ATTRS:
                return f"{base}.{node.attr}"
            return self.source(node.value)
        if isinstance(node, ast.Call):
            callee = dotted(node.func) or ""
            last = callee.rsplit(".", 1)[-1]
            if callee in _SANITIZERS or last in _SANITIZERS:
                return None
            if isinstance(node.func, ast.Attribute):
                if node.func.attr in ("count", "exists"):
                    return None
                found = self.source(node.func)  # request.args.get(...), name.strip()
                if found or not (_const_str(node.func.value) is not None or last in _PASS_THROUGH):
                    return found
            elif last not in _PASS_THROUGH:
                # a lookup or a helper: what it returns is not the caller's text
                return None
            for part in (*node.args, *(k.value for k in node.keywords)):
                found = self.source(part)
                if found:
                    return found
            return None
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.Constant, ast.Compare)):
            return None  # a comparison yields a bool, not the caller's text
        if isinstance(node, ast.IfExp):
            return self.source(node.body) or self.source(node.orelse)
        for child in ast.iter_child_nodes(node):
            found = self.source(child)
            if found:
                return found
        return None

    def is_built(self, node: ast.AST) -> bool:
        return _built_string(node) or (isinstance(node, ast.Name) and node.id in self.built)

    # -- the pass ------------------------------------------------------------------------------

    def run(self) -> None:
        self._block(self.fn.body)

    def _block(self, body: Iterable[ast.stmt]) -> None:
        for stmt in body:
            self._statement(stmt)

    def _statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return  # checked on its own
        for node in _calls_in(stmt):
            if isinstance(node, ast.Call):
                self._sinks(node)
            else:
                self._privilege_compare(node)
        if isinstance(stmt, ast.Return) and stmt.value is not None and self.is_route:
            self._returned_html(stmt.value)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            value = stmt.value
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if value is not None:
                src = self.source(value)
                built = self.is_built(value)
                for target in targets:
                    for name in _target_names(target):
                        if src:
                            self.tainted[name] = src
                        elif not isinstance(stmt, ast.AugAssign):
                            self.tainted.pop(name, None)
                        if built:
                            self.built.add(name)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            src = self.source(stmt.iter)
            if src:
                for name in _target_names(stmt.target):
                    self.tainted[name] = src
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                src = self.source(item.context_expr)
                if src and item.optional_vars is not None:
                    for name in _target_names(item.optional_vars):
                        self.tainted[name] = src
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                for part in inner:
                    if isinstance(part, ast.stmt):
                        self._statement(part)
                    elif isinstance(part, (ast.ExceptHandler, ast.match_case)):
                        self._block(part.body)

    def _sinks(self, call: ast.Call) -> None:
        name = dotted(call.func) or ""
        if not name and isinstance(call.func, ast.Attribute):
            name = f"(...).{call.func.attr}"  # a method on a call's result: db().execute(...)
        last = name.rsplit(".", 1)[-1]
        first = call.args[0] if call.args else None
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        scan = self.scan
        if last in _SQL_METHODS and first is not None:
            src = self.source(first)
            if (
                src
                and (self.is_built(first) or not isinstance(first, ast.Constant))
                and (last != "text" or name in ("text", "sqlalchemy.text", "sa.text"))
            ):
                scan.hit(call, "sql-injection", f"{name}() gets {src}")
                return
        if name in _SHELL_CALLS and first is not None and (src := self.source(first)):
            scan.hit(call, "command-injection", f"{name}() gets {src}")
        elif name in _SUBPROCESS and first is not None:
            shell = _is_true(keywords.get("shell"))
            if shell and (src := self.source(first)):
                scan.hit(call, "command-injection", f"{name}(shell=True) gets {src}")
            elif isinstance(first, (ast.List, ast.Tuple)) and len(first.elts) >= 3:
                head = [_const_str(e) for e in first.elts[:2]]
                through_shell = head[0] in _SHELLS and head[1] in ("-c", "/c")
                if through_shell and (src := self.source(first.elts[2])):
                    scan.hit(call, "command-injection", f"{name}([shell, -c, ...]) gets {src}")
        elif name in _CODE_CALLS and first is not None and (src := self.source(first)):
            scan.hit(call, "code-injection", f"{name}() gets {src}")
        elif (name in _TEMPLATE_CALLS or last == "from_string") and first is not None:
            if src := self.source(first):
                scan.hit(
                    call, "template-injection", f"{name}() renders a template built from {src}"
                )
        elif name in _DESERIALIZERS and first is not None and (src := self.source(first)):
            if name == "yaml.load" and "SafeLoader" in _short(call, 400):
                return
            scan.hit(call, "unsafe-deserialization", f"{name}() gets {src}")
        elif name in _REGEX_CALLS and first is not None and (src := self.source(first)):
            scan.hit(call, "regex-from-request", f"{name}() compiles {src}")
        elif name in _REDIRECTS or last in ("HTTPFound", "HTTPSeeOther"):
            target = first if first is not None else keywords.get("location", keywords.get("url"))
            if (
                target is not None
                and not self.guarded_redirect
                and (src := self.source(target))
                and not _fixed_prefix(target, self.scan.constants)
            ):
                scan.hit(call, "open-redirect", f"{name}() to {src}")
        elif name in _FILE_CALLS and first is not None and (src := self.source(first)):
            scan.hit(call, "path-traversal", f"{name}() opens a path from {src}")
        elif name in _HTML_CALLS and first is not None and (src := self.source(first)):
            if name in ("Markup", "markupsafe.Markup", "flask.Markup", "mark_safe") or (
                self.is_built(first) and _html_literal(first)
            ):
                scan.hit(call, "xss", f"{name}() outputs {src} unescaped")
        elif self._is_http_call(name, last):
            target = first if first is not None else keywords.get("url")
            if name.endswith("request") and len(call.args) >= 2:
                target = call.args[1]
            if (
                target is not None
                and (src := self.source(target))
                and not _fixed_prefix(target, self.scan.constants)
            ):
                scan.hit(call, "ssrf", f"{name}() fetches a URL from {src}")
        elif last in _MONGO_METHODS and first is not None and isinstance(call.func, ast.Attribute):
            if not isinstance(first, (ast.Dict, ast.Constant, ast.List)) and (
                src := self.source(first)
            ):
                if "json" in src or "body" in src or "data" in src or "get_json" in src:
                    scan.hit(call, "nosql-injection", f"{name}() takes a query from {src}")
            elif (
                isinstance(first, ast.Dict)
                and any(_const_str(k) == "$where" for k in first.keys)
                and (src := self.source(first))
            ):
                scan.hit(call, "nosql-injection", f"{name}() runs $where built from {src}")

    def _privilege_compare(self, node: ast.Compare) -> None:
        """A value from the client's cookies or headers compared with a role name
        (`user_agent == "pygoat_admin"`, `cookie.split("|")[0] == "admin"`)."""
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return
        left, right = node.left, node.comparators[0]
        for value, other in ((left, right), (right, left)):
            role = _const_str(other)
            if role is None or not _PRIVILEGE_KEY.search(role) or _client_claim(value):
                continue
            src = self.source(value)
            if src and src.rsplit(".", 1)[-1] in _CLIENT_STORES:
                self.scan.hit(node, "client-controlled-authorization", f"{src} == {role!r}")
                return

    def _is_http_call(self, name: str, last: str) -> bool:
        head = name.split(".")[0]
        return (
            (head in _HTTP_MODULES and last in _HTTP_VERBS)
            or name in _URLOPEN
            or (last in _HTTP_VERBS and ("session" in head.lower() or "client" in head.lower()))
        )

    def _returned_html(self, value: ast.AST) -> None:
        if self.is_built(value) and _html_literal(value) and (src := self.source(value)):
            self.scan.hit(value, "xss", f"the handler returns HTML built from {src}")


def _calls_in(stmt: ast.stmt) -> Iterator[ast.Call | ast.Compare]:
    """Calls and comparisons in the statement itself, not in nested blocks or functions."""
    stack: list[ast.AST] = []
    for field, value in ast.iter_fields(stmt):
        if field in ("body", "orelse", "finalbody", "handlers", "cases", "decorator_list"):
            continue
        if isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            stack.append(value)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Call, ast.Compare)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _route_decorator(node: ast.expr) -> bool:
    func = node.func if isinstance(node, ast.Call) else node
    name = dotted(func) or ""
    return "." in name and name.rsplit(".", 1)[-1] in _ROUTE_DECORATORS


def _fixed_prefix(node: ast.AST, constants: dict[str, str]) -> bool:
    """A URL whose scheme and host are constant ("https://api.example.com/" + id; "/items/"
    + id): only its path comes from the caller, which neither redirects off-site nor reaches
    another host."""
    first: ast.AST | None = None
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        first = node.left
        while isinstance(first, ast.BinOp) and isinstance(first.op, ast.Add):
            first = first.left
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        first = node.func.value
    text = _const_str(first)
    if text is None and isinstance(first, ast.Name):
        text = constants.get(first.id)
    if not text:
        return False
    if text.startswith("/") and not text.startswith("//"):
        return True
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://[^/{}]+/", text, re.I))


_PRIVILEGE_KEY = re.compile(r"(?i)admin|role|superuser|staff|privilege|is_auth|authori[sz]ed|level")
_CLIENT_STORES = frozenset({"COOKIES", "cookies", "headers", "META"})


def _client_claim(node: ast.AST) -> str | None:
    """`request.COOKIES.get("admin")`, `request.cookies["role"]`: a privilege read from what
    the client sends, returned as the key's name."""
    store: ast.AST | None = None
    key: str | None = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        if node.func.attr == "get":
            store, key = node.func.value, _const_str(node.args[0])
    elif isinstance(node, ast.Subscript):
        store, key = node.value, _const_str(node.slice)
    if not isinstance(store, ast.Attribute) or store.attr not in _CLIENT_STORES:
        return None
    if dotted(store.value) not in _REQUEST_NAMES or key is None:
        return None
    return key if _PRIVILEGE_KEY.search(key) else None


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _wildcard(node: ast.AST | None) -> bool:
    if node is None:
        return False
    if _const_str(node) == "*":
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return any(_const_str(e) == "*" for e in node.elts)
    return False


def _is_ip(text: str) -> bool:
    local = ("0.0.0.0", "127.0.0.1")  # noqa: S104  # nosec B104 -- compared with, never bound
    return bool(re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", text)) and text not in local


def _subscript_key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Subscript):
        return _const_str(node.slice)
    return None


def _secret_value(name: str, value: str) -> bool:
    """A string stored under a secret's name that looks like a real value, not a placeholder,
    a variable's name, a message or a file path."""
    if not _SECRET_NAME.search(name) or _NOT_SECRET_NAME.search(name):
        return False
    value = value.strip()
    if len(value) < 4 or _PLACEHOLDER.match(value) or _ENV_NAME.match(value):
        return False
    if "***" in value or value.startswith(("$", "%", "{")):
        return False  # a mask, or a template variable
    if len(value.split()) >= 3 or any(ord(c) > 127 for c in value):
        return False  # a sentence or a label
    if value.startswith(("/", "./", "http://", "https://")) or value.endswith(
        (".pem", ".key", ".json")
    ):
        return False
    return not re.fullmatch(r"[a-z]+(?:[._-][a-z]+)*", value) or len(value) >= 12


def _mask(value: str) -> str:
    return value[:2] + "…" if len(value) > 4 else "…"


def _mask_url(text: str) -> str:
    return _URL_WITH_PASSWORD.sub(lambda m: m.group(0).replace(m.group("password"), "***"), text)[
        :80
    ]


def _name_of(node: ast.AST) -> str | None:
    """The name a node reads: `x`, the `y` of `x.y`, the key of `x["k"]`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return _subscript_key(node)


def _mentions(node: ast.AST, words: tuple[str, ...]) -> bool:
    for sub in ast.walk(node):
        name = sub.id if isinstance(sub, ast.Name) else getattr(sub, "attr", None)
        if isinstance(name, str) and any(w in name.lower() for w in words):
            return True
    return False


def _mentions_password(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        name = _name_of(sub)
        if name and _PASSWORD_NAME.search(name) and "hash" not in name.lower():
            return True
    return False


def _stored_password(node: ast.AST) -> bool:
    """`user.password`, `row["password"]`: a password read from a stored object."""
    if isinstance(node, ast.Attribute):
        return node.attr.lower() in ("password", "passwd", "pwd") and not isinstance(
            node.value, ast.Call
        )
    if isinstance(node, ast.Subscript):
        key = _const_str(node.slice)
        return (
            key is not None
            and key.lower() in ("password", "passwd", "pwd")
            and isinstance(node.value, (ast.Name, ast.Attribute))
            and (dotted(node.value) or "")
            not in {f"{r}.{a}" for r in _REQUEST_NAMES for a in _REQUEST_ATTRS}
            | {"data", "form", "body", "payload", "credentials"}
            and not (dotted(node.value) or "").endswith(("cleaned_data", "validated_data", "form"))
        )
    return False


def scan_path(scan: _Scan) -> str:
    return scan.pf.path


def is_test_like(path: str) -> bool:
    return is_test_path(path)
