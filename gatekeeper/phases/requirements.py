"""Phase 0, Requirements Clarification: the stack, the clients, the requirements, the repository."""

from __future__ import annotations

from gatekeeper import config as cfg
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
    make_finding,
    outcome_from_findings,
    planned,
)
from gatekeeper.repo import display_path

PHASE_ID = "requirements"
SUPPORTED_FRAMEWORKS = frozenset(
    {
        "fastapi",
        "flask",
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


PHASE = Phase(
    0,
    PHASE_ID,
    "Requirements Clarification",
    (
        tech_stack_is_confirmed,
        planned(
            "requirements.client_types_identified",
            "Client types identified (web, mobile, internal services)",
            "issue 4",
        ),
        planned(
            "requirements.scalability_requirements_defined",
            "Scalability requirements defined",
            "issue 4",
        ),
        planned(
            "requirements.security_requirements_clarified",
            "Security requirements clarified",
            "issue 4",
        ),
        repository_is_analyzable,
        every_service_uses_a_supported_framework,
        repository_config_does_not_weaken_policy,
    ),
    produces=(Fact.STACK,),
)
