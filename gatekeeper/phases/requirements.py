"""Phase 0, Requirements Clarification: the stack, the clients, the requirements, the repository."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gatekeeper import config as cfg
from gatekeeper import docsections
from gatekeeper.errors import GatekeeperError
from gatekeeper.model import (
    Confidence,
    Evidence,
    Finding,
    Location,
    Service,
    Severity,
    Status,
)
from gatekeeper.phases.base import (
    Context,
    Fact,
    Outcome,
    Phase,
    Rule,
    criterion,
    doc_sections,
    make_finding,
    outcome_from_findings,
)
from gatekeeper.repo import display_path

PHASE_ID = "requirements"
SUPPORTED_FRAMEWORKS = frozenset(
    {
        "fastapi",
        "flask",
        "connexion",
        "django",
        "aiohttp",
        "starlette",
        "express",
        "koa",
        "fastify",
        "nestjs",
        "gin",
        "chi",
        "echo",
        "gorilla-mux",
        "httprouter",
        "net/http",
        "spring-boot",
        "jax-rs",
    }
)

SYMLINK_ESCAPES = Rule(
    "GK001",
    "symlink-escapes-root",
    "requirements.repository_analyzable",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A symbolic link points outside the repository; gatekeeper never follows it.",
    "Replace the link with the file it points to, or remove it.",
    cwe=("CWE-59",),
)
SYMLINK_DANGLING = Rule(
    "GK002",
    "symlink-dangling",
    "requirements.repository_analyzable",
    Severity.LOW,
    Confidence.HIGH,
    "A symbolic link points to nothing.",
    "Remove the link or restore its target.",
)
FILE_UNANALYZED = Rule(
    "GK003",
    "file-unanalyzed",
    "requirements.repository_analyzable",
    Severity.LOW,
    Confidence.HIGH,
    "A file could not be analyzed (too large, binary, unparsable, or a parser crashed).",
    "Fix the file, raise max_file_bytes, or exclude it in [tool.gatekeeper].",
)
NO_SUPPORTED_FRAMEWORK = Rule(
    "GK004",
    "no-supported-framework",
    "requirements.framework_supported",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No supported backend framework was detected for a service.",
    "Declare tech_stack in [tool.gatekeeper], or check the service's manifest dependencies.",
)
POLICY_WEAKENED = Rule(
    "GK005",
    "policy-weakened",
    "requirements.policy_not_weakened",
    Severity.HIGH,
    Confidence.HIGH,
    "The repository's own gatekeeper configuration relaxes the trusted policy.",
    "Revert the relaxation, or change the policy on the base branch through review.",
)
MANIFEST_UNREADABLE = Rule(
    "GK006",
    "manifest-unreadable",
    "requirements.framework_supported",
    Severity.LOW,
    Confidence.HIGH,
    "A manifest or deployment file could not be read; the stack detection went on without it.",
    "Fix the file's syntax.",
)

STACK_MISMATCH = Rule(
    "GK007",
    "declared-stack-not-detected",
    "requirements.tech_stack_confirmed",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "The declared tech stack or database is not what the repository uses.",
    "Correct tech_stack / database in [tool.gatekeeper], or the manifests.",
)
STACK_UNDECLARED = Rule(
    "GK008",
    "stack-detected-not-declared",
    "requirements.tech_stack_confirmed",
    Severity.INFO,
    Confidence.HIGH,
    "The tech stack was detected but not declared; the gate relies on detection alone.",
    "Declare tech_stack and database in [tool.gatekeeper] (`gatekeeper init` writes them).",
)
STACK_AMBIGUOUS = Rule(
    "GK009",
    "stack-ambiguous",
    "requirements.tech_stack_confirmed",
    Severity.MEDIUM,
    Confidence.HIGH,
    "Nothing is declared and detection is ambiguous (several frameworks or databases, or none).",
    "Declare tech_stack and database in [tool.gatekeeper].",
)

CONFIG_INVALID = Rule(
    "GK010",
    "repository-config-invalid",
    "requirements.policy_not_weakened",
    Severity.LOW,
    Confidence.HIGH,
    "The repository's own gatekeeper configuration is invalid; the trusted policy was used.",
    "Fix the configuration file named in the message.",
)

CLIENT_TYPES_MISSING = Rule(
    "GK011",
    "client-types-not-identified",
    "requirements.client_types_identified",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "Neither the configuration nor the documentation says which clients use the service.",
    'Declare client_types = ["web", "mobile", "internal-services"] in [tool.gatekeeper], '
    "or add a 'Clients' section to the README naming them.",
)
CLIENT_SECTION_VAGUE = Rule(
    "GK012",
    "client-section-names-no-client-type",
    "requirements.client_types_identified",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A section about the service's clients names no client type (web, mobile, internal services).",
    "Say in that section which kinds of clients call the API: web/browser, mobile (iOS, "
    "Android), or internal services.",
)
CLIENT_TYPES_DISAGREE = Rule(
    "GK013",
    "client-types-docs-disagree-with-config",
    "requirements.client_types_identified",
    Severity.LOW,
    Confidence.MEDIUM,
    "The documentation names a client type that the declared client_types leaves out.",
    "Make client_types in [tool.gatekeeper] and the documentation's client section agree.",
)
SCALABILITY_MISSING = Rule(
    "GK014",
    "scalability-requirements-missing",
    "requirements.scalability_requirements_defined",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No scalability requirements: no declaration and no scalability, performance or SLO section.",
    "Declare scalability_requirements in [tool.gatekeeper], or add a 'Scalability' / 'SLOs' "
    "section with measurable targets (p95 latency < 200 ms, 500 req/s, 99.9% uptime).",
)
SCALABILITY_UNMEASURABLE = Rule(
    "GK015",
    "scalability-target-not-measurable",
    "requirements.scalability_requirements_defined",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "A scalability or performance section states no measurable target.",
    "Add numbers with units to the section: latency (ms), throughput (req/s), concurrent "
    "users, availability (99.9%).",
)
SECURITY_MISSING = Rule(
    "GK016",
    "security-requirements-missing",
    "requirements.security_requirements_clarified",
    Severity.MEDIUM,
    Confidence.MEDIUM,
    "No security requirements: no declaration, SECURITY.md, threat model or security section.",
    "Declare security_requirements in [tool.gatekeeper], or write SECURITY.md, a threat model, "
    "or a 'Security requirements' section (who may call what, data protection, compliance).",
)
SECURITY_EMPTY = Rule(
    "GK017",
    "security-document-empty",
    "requirements.security_requirements_clarified",
    Severity.MEDIUM,
    Confidence.HIGH,
    "A security document or section exists but holds no more than its title.",
    "Write the requirements into it: authentication, authorization, data protection, "
    "how to report a vulnerability.",
)

RULES = (
    SYMLINK_ESCAPES,
    SYMLINK_DANGLING,
    FILE_UNANALYZED,
    NO_SUPPORTED_FRAMEWORK,
    POLICY_WEAKENED,
    MANIFEST_UNREADABLE,
    STACK_MISMATCH,
    STACK_UNDECLARED,
    STACK_AMBIGUOUS,
    CONFIG_INVALID,
    CLIENT_TYPES_MISSING,
    CLIENT_SECTION_VAGUE,
    CLIENT_TYPES_DISAGREE,
    SCALABILITY_MISSING,
    SCALABILITY_UNMEASURABLE,
    SECURITY_MISSING,
    SECURITY_EMPTY,
)


def _evidence_of(service: Service, kind: str) -> list[Evidence]:
    return [
        Evidence(ev.path, ev.line, f"{service.name}: {d.name} ({ev.what})")
        for d in service.detections
        if d.kind == kind
        for ev in d.evidence[:2]
    ]


@criterion("requirements.tech_stack_confirmed", consumes=(Fact.STACK,))
def tech_stack_is_confirmed(ctx: Context) -> Outcome:
    """Tech stack confirmed (language, framework, database).

    Why: every later gate reads the code through its framework's conventions; a declared stack
    that the code does not use, or a stack nobody declared and detection cannot pin down, means
    the gates judge the wrong thing.
    Fix: declare `tech_stack` and `database` in [tool.gatekeeper] to match the manifests.
    """
    backends = [s for s in ctx.services if s.names("framework") or not s.names("frontend")]
    if not backends:
        return Outcome(Status.FAIL, "no backend service found to confirm a stack for")
    declared_origin = ctx.config.origins.get("tech_stack") or ctx.config.origins.get("database")
    where = Location((declared_origin or "pyproject.toml").split(" ")[0])
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    declared_stack, declared_db = ctx.config.tech_stack, ctx.config.database
    if declared_stack:
        matching = [s for s in backends if declared_stack in cfg.stacks_of(s)]
        if matching:
            for s in matching:
                evidence += _evidence_of(s, "framework")
        else:
            seen = sorted({st for s in backends for st in cfg.stacks_of(s)}) or [
                "nothing recognised"
            ]
            findings.append(
                make_finding(
                    STACK_MISMATCH,
                    where,
                    f"tech_stack = {declared_stack!r} is declared, but the code uses "
                    f"{', '.join(seen)}",
                    phase=PHASE_ID,
                )
            )
    if declared_db:
        matching = [s for s in backends if declared_db in s.names("database")]
        if matching:
            for s in matching:
                evidence += _evidence_of(s, "database")
        else:
            seen = sorted({db for s in backends for db in s.names("database")}) or ["none"]
            findings.append(
                make_finding(
                    STACK_MISMATCH,
                    where,
                    f"database = {declared_db!r} is declared, but the code uses {', '.join(seen)}",
                    phase=PHASE_ID,
                )
            )
    if not declared_stack or not declared_db:
        for s in backends:
            manifest = Location(s.manifests[0] if s.manifests else s.root)
            stacks, dbs = cfg.stacks_of(s), cfg.primary_databases(s.names("database"))
            missing = [
                k for k, v in (("tech_stack", declared_stack), ("database", declared_db)) if not v
            ]
            ambiguous = (not declared_stack and len(stacks) != 1) or (
                not declared_db and len(dbs) != 1
            )
            if ambiguous:
                findings.append(
                    make_finding(
                        STACK_AMBIGUOUS,
                        manifest,
                        f"service {s.name}: {', '.join(missing)} not declared and detection is "
                        f"ambiguous (stacks: {', '.join(sorted(stacks)) or 'none'}; "
                        f"databases: {', '.join(dbs) or 'none'})",
                        phase=PHASE_ID,
                    )
                )
                continue
            found = ", ".join(sorted(stacks) + list(dbs))
            findings.append(
                make_finding(
                    STACK_UNDECLARED,
                    manifest,
                    f"service {s.name}: {found} detected, {', '.join(missing)} not declared",
                    phase=PHASE_ID,
                )
            )
            evidence += _evidence_of(s, "framework") + _evidence_of(s, "database")
    return outcome_from_findings(
        ctx,
        findings,
        pass_message="declared stack matches the code"
        if declared_stack and declared_db
        else "stack detected unambiguously (not declared)",
        evidence=evidence,
    )


@criterion("requirements.repository_analyzable", seed=False)
def repository_is_analyzable(ctx: Context) -> Outcome:
    """Repository analyzable: no link leaves the root, every file could be read.

    Why: a link that leaves the repository can smuggle files from the CI machine into tools
    that follow links, and a file gatekeeper cannot read is a file no gate has checked.
    Fix: replace escaping links with real files; fix or exclude files listed as unanalyzed.
    """
    findings: list[Finding] = []
    for link in ctx.links:
        if link.kind == "escapes":
            findings.append(
                make_finding(
                    SYMLINK_ESCAPES,
                    Location(link.path),
                    f"symbolic link {display_path(link.path)} -> {link.target} leaves the "
                    "repository; it was not followed",
                    phase=PHASE_ID,
                )
            )
        elif link.kind == "dangling":
            findings.append(
                make_finding(
                    SYMLINK_DANGLING,
                    Location(link.path),
                    f"symbolic link {display_path(link.path)} -> {link.target} points to nothing",
                    phase=PHASE_ID,
                )
            )
    for item in ctx.unanalyzed:
        findings.append(
            make_finding(
                FILE_UNANALYZED,
                Location(item.path),
                f"{display_path(item.path)} was not analyzed ({item.engine}): {item.reason}",
                phase=PHASE_ID,
            )
        )
    count = len(ctx.index.files)
    evidence = (Evidence(".", None, f"{count} files indexed, {len(ctx.links)} links"),)
    return outcome_from_findings(
        ctx,
        findings,
        pass_message=f"{count} files indexed; nothing unsafe found",
        evidence=evidence,
    )


@criterion("requirements.framework_supported", consumes=(Fact.STACK,), seed=False)
def every_service_uses_a_supported_framework(ctx: Context) -> Outcome:
    """Every service uses a detected, supported backend framework.

    Why: the route, auth and observability checks read a framework's conventions; a service
    whose framework is not recognised would otherwise be judged on nothing.
    Fix: declare `tech_stack` in [tool.gatekeeper] or add the framework to the manifest.
    """
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for problem in ctx.stack_problems:
        findings.append(
            make_finding(
                MANIFEST_UNREADABLE,
                Location(problem.path),
                f"{display_path(problem.path)}: {problem.reason}",
                phase=PHASE_ID,
            )
        )
    if not ctx.services:
        return Outcome(
            Status.FAIL,
            "no service found: no pyproject.toml, requirements*.txt, package.json, go.mod, "
            "pom.xml or build.gradle in the repository",
            (),
            tuple(ctx.finalize(findings)),
        )
    for service in ctx.services:
        frameworks = [
            d
            for d in service.detections
            if d.kind == "framework" and d.name in SUPPORTED_FRAMEWORKS
        ]
        frontends = service.names("frontend")
        if not frameworks and frontends:
            manifest = service.manifests[0] if service.manifests else service.root
            evidence.append(
                Evidence(
                    manifest,
                    None,
                    f"{service.name}: a {', '.join(frontends)} front end, a client rather "
                    "than a backend service",
                )
            )
            continue
        if frameworks:
            for d in frameworks:
                for ev in d.evidence[:4]:
                    evidence.append(
                        Evidence(ev.path, ev.line, f"{service.name}: {d.name} ({ev.what})")
                    )
        else:
            langs = ", ".join(service.names("language")) or "no recognised language"
            manifest = service.manifests[0] if service.manifests else service.root
            findings.append(
                make_finding(
                    NO_SUPPORTED_FRAMEWORK,
                    Location(manifest),
                    f"service {service.name} ({service.root}, {langs}): no supported framework "
                    f"detected; supported: {', '.join(sorted(SUPPORTED_FRAMEWORKS))}",
                    phase=PHASE_ID,
                )
            )
    return outcome_from_findings(
        ctx,
        findings,
        pass_message=f"{len(ctx.services)} service(s), each with a supported framework",
        evidence=evidence,
    )


@criterion("requirements.policy_not_weakened", seed=False)
def repository_config_does_not_weaken_policy(ctx: Context) -> Outcome:
    """The repository's own configuration does not weaken the trusted policy.

    Why: in CI the policy comes from the base branch (`--config`); a pull request that adds
    excludes, disables phases, adds public routes or lowers thresholds would pass its own gate.
    Fix: make policy changes on the base branch, where they are reviewed.
    """
    if not ctx.loaded.trusted:
        return Outcome(
            Status.SKIPPED,
            "no trusted policy given: in CI pass --config with the base branch's configuration",
        )
    if ctx.target_config_error is not None:
        finding = make_finding(
            CONFIG_INVALID,
            Location(ctx.target_config_error.split(" ")[0].split(":")[0]),
            f"the repository's own configuration is invalid ({ctx.target_config_error}); "
            "the trusted policy applies",
            phase=PHASE_ID,
        )
        return outcome_from_findings(
            ctx,
            [finding],
            pass_message="the trusted policy applies; the repository's configuration is invalid",
            evidence=(Evidence(ctx.loaded.path or "--config", None, "trusted policy"),),
        )
    if ctx.target_config is None:
        return Outcome(
            Status.PASS,
            "the repository has no configuration of its own; the trusted policy applies",
            (Evidence(ctx.loaded.path or "--config", None, "trusted policy"),),
        )
    changes = cfg.weakenings(ctx.loaded.config, ctx.target_config)
    origin = next(iter(ctx.target_config.origins.values()), "pyproject.toml").split(" ")[0]
    findings = [
        make_finding(
            POLICY_WEAKENED,
            Location(origin),
            f"{origin} {change} compared with the trusted policy ({ctx.loaded.path})",
            phase=PHASE_ID,
        )
        for change in changes
    ]
    return outcome_from_findings(
        ctx,
        findings,
        pass_message="the repository's configuration is no weaker than the trusted policy",
        evidence=(Evidence(origin, None, "compared with the trusted policy"),),
    )


# ---------------------------------------------------------------------------- documents

_CLIENT_TERMS = {
    "web": (
        " web ",
        " webapp ",
        " website ",
        " browser ",
        " browsers ",
        " spa ",
        " single page ",
        " frontend ",
        " front end ",
        " react ",
        " angular ",
        " vue ",
    ),
    "mobile": (" mobile ", " ios ", " android ", " iphone ", " flutter ", " react native "),
    "internal-services": (
        " internal service ",
        " internal services ",
        " internal client ",
        " internal clients ",
        " internal api ",
        " service to service ",
        " server to server ",
        " machine to machine ",
        " m2m ",
        " microservice ",
        " microservices ",
        " backend services ",
        " other services ",
    ),
}
_CLIENT_HEADINGS = frozenset({"client", "clients", "consumer", "consumers", "caller", "callers"})
_CLIENT_HEADING_PHRASES = (" who uses ", " who calls ", " used by ", " users of ")
# "Client SDK", "Generating a client": about a client library, not about who calls the service.
_CLIENT_LIBRARY_WORDS = frozenset(
    {"sdk", "sdks", "library", "libraries", "generate", "generating", "generated", "install"}
)
_SCALABILITY_HEADINGS = frozenset(
    {
        "scalability",
        "scalable",
        "scaling",
        "scale",
        "performance",
        "slo",
        "slos",
        "sla",
        "slas",
        "sli",
        "slis",
        "capacity",
        "latency",
        "throughput",
        "load",
        "nfr",
        "nfrs",
        "nonfunctional",
    }
)
_SCALABILITY_HEADING_PHRASES = (" non functional ", " service level ")
_SECURITY_QUALIFIERS = frozenset(
    {
        "requirement",
        "requirements",
        "consideration",
        "considerations",
        "model",
        "policy",
        "objectives",
        "goals",
        "constraints",
        "design",
        "controls",
        "architecture",
        "overview",
    }
)
_AUTH_WORDS = frozenset(
    {"authentication", "authorization", "authorisation", "auth", "authn", "authz", "access"}
)
_AUTH_QUALIFIERS = frozenset(
    {"requirement", "requirements", "model", "policy", "considerations", "control", "rules"}
)
# A number with a unit: 200 ms, 1.5 s, 500 req/s, 1,000 requests per second, 10k rps, 99.9%,
# 5M users. Bodies are capped at 4 KiB and there are no nested quantifiers: linear time.
_TARGET = re.compile(
    # The lookbehind refuses a start right after a digit or separator and the repeats are
    # bounded, so "1,1,1,..." cannot restart inside a run (that was quadratic).
    r"(?<![\w.,])\d{1,15}(?:[.,]\d{1,6}){0,4}\s?(?:[km](?![a-z]))?\s?"
    r"(?:%|ms\b|milliseconds?\b|s\b|secs?\b|seconds?\b|mins?\b|minutes?\b|h\b|hours?\b"
    r"|rps\b|qps\b|tps\b|rpm\b|concurrent\b|users\b|connections\b|requests\b|gb\b|tb\b"
    r"|[a-z]{1,20} ?/ ?(?:s|sec|second|min|minute|h|hour|day)\b"
    r"|[a-z]{1,20} per (?:s|sec|second|min|minute|h|hour|day)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+")
_MIN_PROSE_CHARS = 20  # "more than a title": a sentence, not a placeholder such as "TBD"

# Supporting evidence only: a service that configures CORS serves browsers, push-notification
# libraries serve mobile apps, but neither says who the clients are meant to be.
_CORS_MARKERS = (
    "CORSMiddleware",
    "flask_cors",
    "corsheaders",
    "aiohttp_cors",
    "CORS_ALLOWED_ORIGINS",
    "@CrossOrigin",
    "addCorsMappings",
    "AllowOrigins",
    "allowedOrigins",
    "allowed-origins",
    "cors.New(",
    "cors.Default(",
    "enableCors(",
    "@fastify/cors",
    "cors(",
    "Access-Control-Allow-Origin",
)
_MOBILE_MARKERS = ("firebase_admin", "firebase-admin", "apns2", "pyfcm", "node-apn", "APNS_")
_MOBILE_FILES = ("apple-app-site-association", "assetlinks.json")
_HINT_LANGUAGES = frozenset(
    {"python", "javascript", "typescript", "go", "java", "kotlin", "yaml", "properties"}
)
MAX_HINT_FILES = 2000
MAX_HINT_BYTES = 256 * 1024
MAX_HINT_TOTAL_BYTES = 16 * 1024 * 1024  # the workers read the code already; this is a glance
MAX_HINTS = 5


@dataclass(frozen=True, slots=True)
class _Hint:
    path: str
    line: int
    kind: str  # "web" (CORS) or "mobile" (push notifications, app links)
    marker: str


def _docs(ctx: Context) -> docsections.DocSections:
    return doc_sections(ctx)


def _words(text: str) -> str:
    """Lower-case words joined by single spaces and padded, so " web " matches whole words."""
    return " " + " ".join(_WORD.findall(text.lower())) + " "


def _heading_words(title: str) -> str:
    """A heading's words outside code spans: `client_types_identified` names a key, not a topic."""
    return _words(" ".join(title.replace("``", "`").split("`")[0::2]))


def _quote(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def _where(path: str, line: int | None) -> str:
    return f"{display_path(path)}:{line}" if line else display_path(path)


def _declaration(ctx: Context, key: str) -> tuple[object, str, int | None] | None:
    """A non-empty declared value with its file and line (trusted policy first); never a default."""
    for config in (ctx.config, ctx.target_config):
        if config is None or key not in config.origins:
            continue
        value = getattr(config, key)
        if not value or (isinstance(value, str) and not value.strip()):
            continue
        origin = config.origins[key]
        path = origin.split(" ")[0]
        return value, path, _line_of_key(ctx, path, key, "[tool.gatekeeper]" in origin)
    return None


def _line_of_key(ctx: Context, path: str, key: str, in_pyproject: bool) -> int | None:
    if ctx.index.get(path) is None:  # a trusted policy outside the audited root
        return None
    try:
        text = ctx.index.read_text(path).text
    except (GatekeeperError, OSError):
        return None
    in_table = not in_pyproject
    for number, line in enumerate(text.splitlines(), 1):
        bare = line.strip()
        if in_pyproject and bare.startswith("["):
            in_table = bare.replace(" ", "").startswith("[tool.gatekeeper]")
            continue
        if in_table and bare.startswith(key) and bare[len(key) :].lstrip().startswith("="):
            return number
    return None


def _anchor(ctx: Context, docs: docsections.DocSections) -> Location:
    """Where a missing requirement belongs: the root README, else the repository root."""
    for doc in docs.documents:
        if "/" not in doc.path and doc.path.lower().startswith("readme"):
            return Location(doc.path)
    return Location(".")


def _passing_mention(
    docs: docsections.DocSections, stems: tuple[str, ...]
) -> tuple[str, int, str] | None:
    """The first place a document only mentions a topic ("highly scalable"), to point at it."""
    for doc in docs.documents:
        chunks = [(1, doc.preamble)] + [(s.body_line, s.body) for s in doc.sections]
        chunks += [(s.line, s.title) for s in doc.sections]
        for first_line, chunk in sorted(chunks):
            lowered = chunk.lower()
            for stem in stems:
                at = lowered.find(stem)
                if at >= 0:
                    end = at + len(stem)
                    while end < len(lowered) and lowered[end].isalpha() and end - at < 30:
                        end += 1
                    return doc.path, first_line + chunk.count("\n", 0, at), chunk[at:end]
    return None


def _line_at(body: str, at: int) -> str:
    start = body.rfind("\n", 0, at) + 1
    end = body.find("\n", at)
    return body[start : end if end >= 0 else len(body)]


# -- client types


def _client_heading(title: str) -> bool:
    words = _heading_words(title)
    tokens = set(words.split())
    if tokens & _CLIENT_LIBRARY_WORDS:
        return False
    return bool(tokens & _CLIENT_HEADINGS) or any(p in words for p in _CLIENT_HEADING_PHRASES)


def _client_types_named(text: str) -> tuple[str, ...]:
    words = _words(text)
    return tuple(kind for kind, terms in _CLIENT_TERMS.items() if any(t in words for t in terms))


def _client_hints(ctx: Context) -> tuple[_Hint, ...]:
    hints: list[_Hint] = []
    for entry in ctx.index.find_names(*_MOBILE_FILES)[:MAX_HINTS]:
        hints.append(_Hint(entry.path, 1, "mobile", entry.path.rpartition("/")[2]))
    scanned = read = 0
    for entry in ctx.index.files:
        if len(hints) >= MAX_HINTS or scanned >= MAX_HINT_FILES or read > MAX_HINT_TOTAL_BYTES:
            break
        if (
            entry.language not in _HINT_LANGUAGES
            or entry.size > MAX_HINT_BYTES
            or docsections.in_test_data(entry.path)
        ):
            continue
        scanned += 1
        read += entry.size
        try:
            text = ctx.index.read_text(entry.path).text
        except (GatekeeperError, OSError):
            continue
        for kind, markers in (("web", _CORS_MARKERS), ("mobile", _MOBILE_MARKERS)):
            found = [(at, m) for m in markers if (at := text.find(m)) >= 0]
            if found:
                at, marker = min(found)
                hints.append(_Hint(entry.path, text.count("\n", 0, at) + 1, kind, marker))
    return tuple(hints[:MAX_HINTS])


def _hint_evidence(hints: tuple[_Hint, ...]) -> list[Evidence]:
    what = {
        "web": "CORS configured ({}): browser clients likely (supporting evidence only)",
        "mobile": "mobile-specific configuration ({}): mobile clients likely "
        "(supporting evidence only)",
    }
    return [Evidence(h.path, h.line, what[h.kind].format(h.marker)) for h in hints]


@criterion("requirements.client_types_identified")
def client_types_are_identified(ctx: Context) -> Outcome:
    """Client types identified (web, mobile, internal services).

    Why: web, mobile and service-to-service clients need different things from a backend
    (CORS and cookies, offline sync and app-version skew, mutual TLS and quotas); a service
    whose clients nobody named gets its API, auth and rate limits designed for nobody in
    particular. CORS or push-notification code hints at clients but does not say who they are.
    Fix: declare `client_types = ["web", "mobile", "internal-services"]` in [tool.gatekeeper],
    or add a "Clients" section to the README naming the kinds of clients that call the API.
    """
    docs = _docs(ctx)
    hints = ctx.cached("client_hints", lambda: _client_hints(ctx))
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    named: list[tuple[docsections.Section, tuple[str, ...]]] = []
    vague: list[docsections.Section] = []
    for section in docs.sections:
        if not _client_heading(section.title):
            continue
        kinds = _client_types_named(section.title + "\n" + section.body)
        if kinds:
            named.append((section, kinds))
            evidence.append(
                Evidence(
                    section.path,
                    section.line,
                    f"section {_quote(section.title)} names {', '.join(kinds)} clients",
                )
            )
        else:
            vague.append(section)
    declared = _declaration(ctx, "client_types")
    if declared is not None:
        value, path, line = declared
        kinds_declared = tuple(str(v) for v in value) if isinstance(value, tuple) else ()
        evidence.insert(
            0, Evidence(path, line, f"client_types = {', '.join(kinds_declared)} declared")
        )
        for section, kinds in named:
            extra = [k for k in kinds if k not in kinds_declared]
            if extra:
                findings.append(
                    make_finding(
                        CLIENT_TYPES_DISAGREE,
                        Location(section.path, section.line),
                        f"section {_quote(section.title)} names {', '.join(extra)} clients, "
                        f"but client_types in {display_path(path)} declares only "
                        f"{', '.join(kinds_declared)}",
                        phase=PHASE_ID,
                    )
                )
        message = f"client types {', '.join(kinds_declared)} declared in {_where(path, line)}"
    elif named:
        section, kinds = named[0]
        all_kinds = [k for k in _CLIENT_TERMS if any(k in ks for _, ks in named)]
        message = (
            f"client types {', '.join(all_kinds)} named in section {_quote(section.title)} "
            f"({_where(section.path, section.line)})"
        )
    else:
        for section in vague[:3]:
            findings.append(
                make_finding(
                    CLIENT_SECTION_VAGUE,
                    Location(section.path, section.line),
                    f"section {_quote(section.title)} names no client type; say whether web "
                    "(browser), mobile (iOS, Android) or internal services call the API",
                    phase=PHASE_ID,
                )
            )
        if not vague:
            hinted = "".join(
                f"; {_where(h.path, h.line)} has {h.marker}, which suggests {h.kind} clients"
                for h in hints[:2]
            )
            findings.append(
                make_finding(
                    CLIENT_TYPES_MISSING,
                    _anchor(ctx, docs),
                    'client types not identified: declare client_types = ["web", "mobile", '
                    "\"internal-services\"] in [tool.gatekeeper] or add a 'Clients' section to "
                    f"the README naming them{hinted}",
                    phase=PHASE_ID,
                )
            )
        message = ""
    evidence += _hint_evidence(hints)
    if declared is None and not named:
        return Outcome(
            Status.FAIL,
            "no declared client_types and no documentation section naming the clients",
            tuple(evidence),
            tuple(ctx.finalize(findings)),
        )
    return outcome_from_findings(ctx, findings, pass_message=message, evidence=evidence)


# -- scalability


def _scalability_heading(title: str) -> bool:
    words = _heading_words(title)
    return bool(set(words.split()) & _SCALABILITY_HEADINGS) or any(
        p in words for p in _SCALABILITY_HEADING_PHRASES
    )


def _declared_pass(ctx: Context, key: str, evidence: list[Evidence]) -> Outcome | None:
    """A requirement declared in [tool.gatekeeper] passes, with any documents as support."""
    declared = _declaration(ctx, key)
    if declared is None:
        return None
    value, path, line = declared
    evidence.insert(0, Evidence(path, line, f"{key} = {_quote(str(value))}"))
    label = key.replace("_", " ")
    return Outcome(Status.PASS, f"{label} declared in {_where(path, line)}", tuple(evidence))


@criterion("requirements.scalability_requirements_defined")
def scalability_requirements_are_defined(ctx: Context) -> Outcome:
    """Scalability requirements defined.

    Why: caching, connection pools, rate limits and the database's indexes are sized against a
    load; without a stated target (requests per second, latency percentile, availability) no
    later gate can say whether the design is enough, and "highly scalable" is no target.
    Fix: declare `scalability_requirements` in [tool.gatekeeper], or add a "Scalability",
    "Performance" or "SLOs" section whose text sets measurable targets (p95 latency < 200 ms,
    500 req/s, 10k concurrent users, 99.9% uptime).
    """
    docs = _docs(ctx)
    evidence: list[Evidence] = []
    unmeasured: list[docsections.Section] = []
    for section in docs.sections:
        if not _scalability_heading(section.title):
            continue
        target = _TARGET.search(section.body)
        if target is None:
            unmeasured.append(section)
            continue
        evidence.append(
            Evidence(
                section.path,
                # the line of the target itself, not of the heading above it
                section.body_line + section.body.count("\n", 0, target.start()),
                f"section {_quote(section.title)} sets a target: "
                f"{_quote(_line_at(section.body, target.start()))}",
            )
        )
    declared = _declared_pass(ctx, "scalability_requirements", evidence)
    if declared is not None:
        return declared
    if evidence:
        first = evidence[0]
        return Outcome(
            Status.PASS,
            f"measurable scalability targets documented ({_where(first.path, first.line)})",
            tuple(evidence),
        )
    findings = [
        make_finding(
            SCALABILITY_UNMEASURABLE,
            Location(section.path, section.line),
            f"section {_quote(section.title)} states no measurable target; add numbers with "
            "units (p95 latency < 200 ms, 500 req/s, 99.9% uptime)",
            phase=PHASE_ID,
        )
        for section in unmeasured[:3]
    ]
    if not findings:
        mention = _passing_mention(docs, ("scalab", "scaling", "performan"))
        said = ""
        location = _anchor(ctx, docs)
        if mention is not None:
            path, line, word = mention
            location = Location(path, line)
            said = (
                f"{_where(path, line)} says {_quote(word)} only in passing, which sets no target; "
            )
        findings.append(
            make_finding(
                SCALABILITY_MISSING,
                location,
                f"no scalability requirements: {said}declare scalability_requirements in "
                "[tool.gatekeeper] or add a 'Scalability' or 'SLOs' section with measurable "
                "targets (p95 latency < 200 ms, 500 req/s, 99.9% uptime)",
                phase=PHASE_ID,
            )
        )
    return Outcome(
        Status.FAIL,
        "no measurable scalability requirement declared or documented",
        (),
        tuple(ctx.finalize(findings)),
    )


# -- security


def _security_heading(title: str) -> bool:
    words = _heading_words(title)
    tokens = set(words.split())
    if " threat model" in words or "threatmodel" in tokens:
        return True
    if "security" in tokens and (tokens & _SECURITY_QUALIFIERS or words == " security "):
        return True
    return bool(tokens & _AUTH_WORDS and tokens & _AUTH_QUALIFIERS)


def _security_document_kind(path: str) -> str | None:
    name = path.rpartition("/")[2].lower()
    stem = name.partition(".")[0]
    if stem == "security":
        return "security policy"
    if "threatmodel" in "".join(_WORD.findall(name)):
        return "threat model"
    return None


@criterion("requirements.security_requirements_clarified")
def security_requirements_are_clarified(ctx: Context) -> Outcome:
    """Security requirements clarified.

    Why: who may call what, which data must be protected and how vulnerabilities are reported
    decide the authentication, authorization and validation the security phase checks for; a
    README calling the service "secure" states none of them.
    Fix: declare `security_requirements` in [tool.gatekeeper], or write a SECURITY.md, a threat
    model (docs/threat-model.md), or a "Security requirements" section stating authentication,
    authorization and data-protection requirements.
    """
    docs = _docs(ctx)
    evidence: list[Evidence] = []
    empty: list[tuple[str, int, str]] = []
    judged: set[str] = set()
    for doc in docs.documents:
        kind = _security_document_kind(doc.path)
        if kind is None:
            continue
        # Cite the document's title, where a reader starts; a file without headings by its text.
        line = doc.sections[0].line if doc.sections else doc.first_prose_line
        judged.add(doc.path)  # its own sections are judged with it, not once more
        if doc.prose_chars >= _MIN_PROSE_CHARS:
            evidence.append(Evidence(doc.path, line, f"{kind} document"))
        else:
            empty.append((doc.path, line or 1, f"{display_path(doc.path)} ({kind})"))
    for section in docs.sections:
        if section.path in judged or not _security_heading(section.title):
            continue
        where = f"section {_quote(section.title)}"
        if section.prose_chars >= _MIN_PROSE_CHARS:
            evidence.append(Evidence(section.path, section.line, where))
        else:
            empty.append((section.path, section.line, where))
    declared = _declared_pass(ctx, "security_requirements", evidence)
    if declared is not None:
        return declared
    if evidence:
        first = evidence[0]
        return Outcome(
            Status.PASS,
            f"security requirements documented: {first.what} ({_where(first.path, first.line)})",
            tuple(evidence),
        )
    findings = [
        make_finding(
            SECURITY_EMPTY,
            Location(path, line),
            f"{where} holds no more than its title; write the security requirements into it "
            "(authentication, authorization, data protection, reporting vulnerabilities)",
            phase=PHASE_ID,
        )
        for path, line, where in empty[:3]
    ]
    if not findings:
        mention = _passing_mention(docs, ("secur",))
        said = ""
        location = _anchor(ctx, docs)
        if mention is not None:
            path, line, word = mention
            location = Location(path, line)
            said = (
                f"{_where(path, line)} says {_quote(word)} only in passing, which states no "
                "requirement; "
            )
        findings.append(
            make_finding(
                SECURITY_MISSING,
                location,
                f"no security requirements: {said}declare security_requirements in "
                "[tool.gatekeeper], or add SECURITY.md, a threat model or a 'Security "
                "requirements' section",
                phase=PHASE_ID,
            )
        )
    return Outcome(
        Status.FAIL,
        "no security requirements declared or documented",
        (),
        tuple(ctx.finalize(findings)),
    )


PHASE = Phase(
    0,
    PHASE_ID,
    "Requirements Clarification",
    (
        tech_stack_is_confirmed,
        client_types_are_identified,
        scalability_requirements_are_defined,
        security_requirements_are_clarified,
        repository_is_analyzable,
        every_service_uses_a_supported_framework,
        repository_config_does_not_weaken_policy,
    ),
    produces=(Fact.STACK,),
)
