"""Configuration: `[tool.gatekeeper]` in pyproject.toml, or gatekeeper.toml / .gatekeeper.toml.

Discovery never looks above the audited root; `--config PATH` replaces it (trusted policy).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from gatekeeper import repo
from gatekeeper.errors import ConfigError, UnsafePathError
from gatekeeper.model import ConfigValue, Service, Severity, ValueSource

CONFIG_FILES = ("pyproject.toml", "gatekeeper.toml", ".gatekeeper.toml")
MAX_CONFIG_BYTES = 1024 * 1024

PHASE_IDS = (
    "requirements",
    "api_design",
    "database",
    "security",
    "scalability",
    "testing",
    "observability",
    "validation",
)

TECH_STACKS = (
    "node-express",
    "node-koa",
    "node-fastify",
    "node-nestjs",
    "python-fastapi",
    "python-flask",
    "python-django",
    "python-aiohttp",
    "go-gin",
    "go-chi",
    "go-echo",
    "go-gorilla-mux",
    "java-spring",
    "java-jax-rs",
)
DATABASES = ("postgresql", "mysql", "mongodb", "dynamodb", "sqlite")
AUTH_METHODS = ("jwt", "oauth2", "session", "api-key")
API_STYLES = ("rest", "graphql", "grpc")
DEPLOYMENT_TARGETS = ("docker", "serverless", "vm", "kubernetes")
CLIENT_TYPES = ("web", "mobile", "internal-services")

# The seed's parameters and their defaults. A default is reported as such and is never evidence.
SEED_DEFAULTS: Mapping[str, object] = {
    "tech_stack": "node-express",
    "database": "postgresql",
    "auth_method": "jwt",
    "test_coverage_target": 70,
    "api_style": "rest",
    "deployment_target": "docker",
}


DEFAULT_OPERATIONAL_ROUTES = (
    "/health*",
    "/healthz*",
    "/livez*",
    "/readyz*",
    "/ready*",
    "/live*",
    "/ping",
    "/status",
    "/metrics*",
    "/docs*",
    "/redoc*",
    "/openapi*",
    "/swagger*",
    "/favicon.ico",
    "/robots.txt",
    "/admin*",
    "/static/*",
    "*/health*",
    "*/metrics",
)


@dataclass(frozen=True, slots=True)
class Config:
    tech_stack: str | None = None
    database: str | None = None
    auth_method: str | None = None
    test_coverage_target: int = 70
    api_style: str | None = None
    deployment_target: str | None = None
    client_types: tuple[str, ...] = ()
    scalability_requirements: str | None = None
    security_requirements: str | None = None
    phases: tuple[str, ...] = PHASE_IDS
    severity_threshold: Severity = Severity.MEDIUM
    exclude: tuple[str, ...] = ()
    public_routes: tuple[str, ...] = ()
    # Paths exempt from API versioning and code/spec drift: health, metrics, docs, admin.
    operational_routes: tuple[str, ...] = DEFAULT_OPERATIONAL_ROUTES
    # A document saying where rate limiting lives when it is not in this repository.
    rate_limiting_delegated_to: str | None = None
    # Budgets committed load-test results must meet (perfresults.BUDGETS keys), and where the
    # results are (default: every *_stats.csv and *summary*.json in the repository).
    performance_budgets: tuple[tuple[str, float], ...] = ()
    performance_results: tuple[str, ...] = ()
    # Unsafe operations and irreversibility are linted in the newest N migrations of each
    # history (each Django app); older ones are already applied. 0 lints every migration.
    lint_recent_migrations: int = 3
    max_remediation_iterations: int = 2
    max_file_bytes: int = repo.DEFAULT_MAX_FILE_BYTES
    # where each declared key came from: key -> "pyproject.toml [tool.gatekeeper]"
    origins: Mapping[str, str] = field(default_factory=dict)

    @property
    def declared(self) -> frozenset[str]:
        return frozenset(self.origins)


KNOWN_KEYS = tuple(f.name for f in fields(Config) if f.name != "origins")


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    config: Config
    path: str | None  # the file it came from (repo-relative, or as given to --config)
    trusted: bool  # True when given with --config (the policy from the base branch)


# ---------------------------------------------------------------------------- parsing


def _choice(key: str, value: object, choices: Sequence[str], where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: `{key}` must be a string, one of: {', '.join(choices)}")
    if value not in choices:
        hint = difflib.get_close_matches(value, choices, n=1)
        extra = f" Did you mean `{hint[0]}`?" if hint else ""
        raise ConfigError(
            f"{where}: `{key} = {value!r}` is not one of: {', '.join(choices)}.{extra}"
        )
    return value


def _str_list(key: str, value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def _int(key: str, value: object, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{where}: `{key}` must be an integer from {lo} to {hi}, not {value!r}")
    return value


def _text(key: str, value: object, where: str) -> str:
    # Requirements may be written as a sentence or as a table of targets; keep a stable text form.
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "; ".join(f"{k} = {value[k]}" for k in sorted(value))
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    raise ConfigError(f"{where}: `{key}` must be a string, a table or a list")


def parse_table(table: Mapping[str, Any], where: str) -> Config:
    """Validate one `[tool.gatekeeper]` table; unknown keys are errors with a did-you-mean."""
    values: dict[str, Any] = {}
    for key in sorted(table):
        value = table[key]
        if key == "rate_limiting" and isinstance(value, Mapping):
            # The dotted form `rate_limiting.delegated_to = "..."` reads as a nested table.
            unknown = sorted(set(value) - {"delegated_to"})
            if unknown:
                raise ConfigError(
                    f"{where}: unknown key `rate_limiting.{unknown[0]}`; the only one is "
                    "`rate_limiting.delegated_to`"
                )
            key, value = "rate_limiting_delegated_to", value.get("delegated_to")
        if key == "performance_budgets" and isinstance(value, Mapping) and "results" in value:
            values["performance_results"] = tuple(
                _relative_path("performance_budgets.results", v, where)
                for v in _str_list("performance_budgets.results", value["results"], where)
            )
            value = {k: v for k, v in value.items() if k != "results"}
        if key not in KNOWN_KEYS:
            hint = difflib.get_close_matches(key.replace("-", "_"), KNOWN_KEYS, n=1)
            extra = f" Did you mean `{hint[0]}`?" if hint else ""
            raise ConfigError(
                f"{where}: unknown key `{key}`.{extra} Known keys: {', '.join(KNOWN_KEYS)}"
            )
        if key == "tech_stack":
            values[key] = _choice(key, value, TECH_STACKS, where)
        elif key == "database":
            values[key] = _choice(key, value, DATABASES, where)
        elif key == "auth_method":
            values[key] = _choice(key, value, AUTH_METHODS, where)
        elif key == "api_style":
            values[key] = _choice(key, value, API_STYLES, where)
        elif key == "deployment_target":
            values[key] = _choice(key, value, DEPLOYMENT_TARGETS, where)
        elif key == "test_coverage_target":
            values[key] = _int(key, value, where, 0, 100)
        elif key == "max_remediation_iterations":
            values[key] = _int(key, value, where, 0, 10)
        elif key == "lint_recent_migrations":
            values[key] = _int(key, value, where, 0, 100_000)
        elif key == "max_file_bytes":
            values[key] = _int(key, value, where, 1024, 256 * 1024 * 1024)
        elif key == "client_types":
            values[key] = tuple(
                _choice(key, v, CLIENT_TYPES, where) for v in _str_list(key, value, where)
            )
        elif key == "phases":
            values[key] = tuple(
                _choice(key, v, PHASE_IDS, where) for v in _str_list(key, value, where)
            )
            if not values[key]:
                raise ConfigError(
                    f"{where}: `phases` is empty; list at least one phase to evaluate"
                )
        elif key == "severity_threshold":
            values[key] = Severity(_choice(key, value, [s.value for s in Severity], where))
        elif key in ("exclude", "public_routes", "operational_routes"):
            values[key] = _str_list(key, value, where)
        elif key == "rate_limiting_delegated_to":
            values[key] = _relative_path(key, value, where)
        elif key == "performance_budgets":
            values[key] = _budgets(value, where)
        elif key == "performance_results":
            values[key] = tuple(_relative_path(key, v, where) for v in _str_list(key, value, where))
        else:  # scalability_requirements, security_requirements
            values[key] = _text(key, value, where)
    return Config(**values, origins={k: where for k in values})


def _relative_path(key: str, value: object, where: str) -> str:
    text = _text(key, value, where).strip().replace("\\", "/")
    if not text or text.startswith("/") or ".." in text.split("/"):
        raise ConfigError(
            f"{where}: `{key}` must be a path relative to the repository root, inside it "
            f"(got {value!r})"
        )
    return text.removeprefix("./")


def _budgets(value: object, where: str) -> tuple[tuple[str, float], ...]:
    from gatekeeper.perfresults import BUDGETS

    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{where}: `performance_budgets` must be a table, e.g. "
            "[tool.gatekeeper.performance_budgets] p95_ms = 300"
        )
    out: list[tuple[str, float]] = []
    for name in sorted(value):
        if name not in BUDGETS:
            raise ConfigError(
                f"{where}: unknown budget `performance_budgets.{name}`; known: "
                f"{', '.join(sorted(BUDGETS))}, results"
            )
        limit = value[name]
        if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0:
            raise ConfigError(f"{where}: `performance_budgets.{name}` must be a number >= 0")
        out.append((name, float(limit)))
    return tuple(out)


def _parse_toml(data: bytes, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not valid UTF-8 ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(f"{where}: invalid TOML: nested too deeply") from exc


def _table_from(data: bytes, name: str, where: str) -> Mapping[str, Any] | None:
    doc = _parse_toml(data, where)
    if name == "pyproject.toml":
        tool = doc.get("tool")
        section = tool.get("gatekeeper") if isinstance(tool, dict) else None
        if section is None:
            return None
        if not isinstance(section, dict):
            raise ConfigError(f"{where}: [tool.gatekeeper] must be a table")
        return section
    return doc


def discover(root: Path) -> LoadedConfig:
    """Read the target's own configuration; never above the root, only regular files in it."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    for name in CONFIG_FILES:
        try:
            data = repo.safe_read(root, name, MAX_CONFIG_BYTES)
        except FileNotFoundError:
            continue
        except UnsafePathError as exc:
            raise ConfigError(
                f"{name}: cannot be read safely ({exc}); gatekeeper reads configuration only "
                "from regular files inside the audited root"
            ) from exc
        where = f"{name} [tool.gatekeeper]" if name == "pyproject.toml" else name
        table = _table_from(data, name, where)
        if table is not None:
            found.append((where, table))
    if len(found) > 1:
        names = " and ".join(w for w, _ in found)
        raise ConfigError(f"two configurations found: {names}; keep one of them")
    if not found:
        return LoadedConfig(Config(), None, trusted=False)
    where, table = found[0]
    return LoadedConfig(parse_table(table, where), where.split(" ")[0], trusted=False)


def _is_pyproject(doc: Mapping[str, Any]) -> bool:
    return any(key in doc for key in ("tool", "project", "build-system"))


def load_file(path: Path) -> LoadedConfig:
    """`--config PATH`: the given file replaces discovery (it may live outside the target).

    A pyproject.toml under any name (CI copies the base branch's) is read for its
    [tool.gatekeeper] table; one without that table is the default policy, still trusted.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"--config {path}: cannot read it ({exc.strerror})") from exc
    doc = _parse_toml(data, str(path))
    if path.name == "pyproject.toml" or _is_pyproject(doc):
        where = f"{path} [tool.gatekeeper]"
        tool = doc.get("tool")
        table = tool.get("gatekeeper", {}) if isinstance(tool, dict) else {}
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
    else:
        where, table = str(path), doc
    return LoadedConfig(parse_table(table, where), str(path), trusted=True)


def with_overrides(config: Config, **overrides: Any) -> Config:
    """Command-line values win over files; they are recorded with the source `cli`."""
    given = {k: v for k, v in overrides.items() if v is not None}
    origins = dict(config.origins)
    origins.update({k: "command line" for k in given})
    return replace(config, **given, origins=origins)


# ---------------------------------------------------------------------------- effective values

_DETECTED_KEYS = {
    "database": "database",
    "api_style": "api_style",
    "auth_method": "auth",
    "deployment_target": "deployment",
}
# Detected names (stack.DETECTION_NAMES) -> the seed's values. Libraries that serve several
# methods (fastapi-security, spring-security) decide nothing on their own.
_AUTH_LIBS = {
    "pyjwt": "jwt",
    "python-jose": "jwt",
    "jsonwebtoken": "jwt",
    "golang-jwt": "jwt",
    "jjwt": "jwt",
    "flask-jwt-extended": "jwt",
    "djangorestframework-simplejwt": "jwt",
    "fastapi-users": "jwt",
    "express-jwt": "jwt",
    "jose": "jwt",
    "nestjs-jwt": "jwt",
    "fastify-jwt": "jwt",
    "authlib": "oauth2",
    "passport": "oauth2",
    "oauth2": "oauth2",
    "spring-security-oauth2": "oauth2",
    "flask-login": "session",
    "django-auth": "session",
    "express-session": "session",
    "gorilla-sessions": "session",
}
_DEPLOYMENTS = {"docker-compose": "docker", "terraform": None}
_FRAMEWORK_STACKS = {"spring-boot": "spring", "connexion": "flask"}


def auth_method_of(library: str) -> str | None:
    """The seed's auth_method a detected auth library implements, when it is one of them."""
    method = _AUTH_LIBS.get(library, library)
    return method if method in AUTH_METHODS else None


def primary_databases(names: Sequence[str]) -> tuple[str, ...]:
    """SQLite beside a server database is the development or test default, not the stack."""
    servers = tuple(n for n in names if n != "sqlite")
    return servers or tuple(names)


_LANGUAGE_PREFIX = {"javascript": "node", "typescript": "node", "kotlin": "java"}


def stacks_of(service: Service) -> set[str]:
    """The seed's `<language>-<framework>` names a service matches (only real pairs)."""
    return {
        stack
        for lang in service.names("language")
        for fw in service.names("framework")
        if (stack := f"{_LANGUAGE_PREFIX.get(lang, lang)}-{_FRAMEWORK_STACKS.get(fw, fw)}")
        in TECH_STACKS
    }


def detected_value(key: str, services: Sequence[Service]) -> str | None:
    """The value detection supports for a seed parameter, when it is unambiguous."""
    names: set[str] = set()
    if key == "tech_stack":
        for s in services:
            names |= stacks_of(s)
    elif key in _DETECTED_KEYS:
        for s in services:
            found = s.names(_DETECTED_KEYS[key])
            if key == "database":
                found = primary_databases(found)
            for name in found:
                if key == "auth_method":
                    names.add(_AUTH_LIBS.get(name, name))
                elif key == "deployment_target":
                    names.add(_DEPLOYMENTS.get(name, name) or "")
                else:
                    names.add(name)
        allowed = {
            "database": DATABASES,
            "api_style": API_STYLES,
            "auth_method": AUTH_METHODS,
            "deployment_target": DEPLOYMENT_TARGETS,
        }[key]
        names &= set(allowed)
    return names.pop() if len(names) == 1 else None


def effective(loaded: LoadedConfig, services: Sequence[Service]) -> tuple[ConfigValue, ...]:
    """Every key with its value and where it came from (declared, detected, default)."""
    cfg = loaded.config
    out: list[ConfigValue] = []
    for key in KNOWN_KEYS:
        value: object = getattr(cfg, key)
        if isinstance(value, tuple):
            value = list(value)
        if key in cfg.origins:
            origin = cfg.origins[key]
            src = ValueSource.CLI if origin == "command line" else ValueSource.DECLARED
            out.append(ConfigValue(key, value, src, origin))
            continue
        if key in SEED_DEFAULTS or key in _DETECTED_KEYS:
            found = detected_value(key, services)
            if found is not None:
                out.append(ConfigValue(key, found, ValueSource.DETECTED, None))
                continue
            value = SEED_DEFAULTS.get(key, value)
        out.append(ConfigValue(key, value, ValueSource.DEFAULT, None))
    return tuple(out)


# ---------------------------------------------------------------------------- trusted policy


def weakenings(trusted: Config, target: Config) -> list[str]:
    """What the target's own configuration relaxes compared with the trusted policy."""
    out: list[str] = []
    extra_excludes = sorted(set(target.exclude) - set(trusted.exclude))
    if extra_excludes:
        out.append(f"adds excludes {', '.join(extra_excludes)}")
    disabled = [p for p in trusted.phases if p not in target.phases]
    if disabled:
        out.append(f"disables phases {', '.join(disabled)}")
    extra_public = sorted(set(target.public_routes) - set(trusted.public_routes))
    if extra_public:
        out.append(f"adds public routes {', '.join(extra_public)}")
    extra_operational = sorted(set(target.operational_routes) - set(trusted.operational_routes))
    if extra_operational:
        out.append(f"adds operational routes {', '.join(extra_operational)}")
    if target.rate_limiting_delegated_to and not trusted.rate_limiting_delegated_to:
        out.append(f"delegates rate limiting to {target.rate_limiting_delegated_to}")
    from gatekeeper.perfresults import BUDGETS

    target_budgets = dict(target.performance_budgets)
    for name, limit in trusted.performance_budgets:
        mine = target_budgets.get(name)
        looser = mine is None or (mine > limit if BUDGETS[name][1] == "max" else mine < limit)
        if looser:
            out.append(f"loosens performance budget {name} from {limit:g}")
    if target.severity_threshold.rank > trusted.severity_threshold.rank:
        out.append(
            f"raises severity_threshold from {trusted.severity_threshold} "
            f"to {target.severity_threshold}"
        )
    if target.test_coverage_target < trusted.test_coverage_target:
        out.append(
            f"lowers test_coverage_target from {trusted.test_coverage_target} "
            f"to {target.test_coverage_target}"
        )
    if target.max_file_bytes < trusted.max_file_bytes:
        out.append(
            f"lowers max_file_bytes from {trusted.max_file_bytes} to {target.max_file_bytes}"
        )
    return out
