"""Phase 0, Requirements Clarification: the stack, the clients, the requirements, the repository."""

from __future__ import annotations

from gatekeeper import config as cfg
from gatekeeper.model import Confidence, Evidence, Finding, Location, Severity, Status
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

RULES = (
    SYMLINK_ESCAPES,
    SYMLINK_DANGLING,
    FILE_UNANALYZED,
    NO_SUPPORTED_FRAMEWORK,
    POLICY_WEAKENED,
    MANIFEST_UNREADABLE,
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
        planned(
            "requirements.tech_stack_confirmed",
            "Tech stack confirmed (language, framework, database)",
            "issue 4",
            consumes=(Fact.STACK,),
        ),
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
