"""Phase 5, Testing & Quality: coverage, integration and end-to-end tests, CI."""

from __future__ import annotations

from gatekeeper.phases.base import Fact, Phase, Rule, planned

RULES: tuple[Rule, ...] = ()

PHASE = Phase(
    5,
    "testing",
    "Testing & Quality",
    (
        planned(
            "testing.unit_tests_coverage",
            "Unit tests present (70%+ coverage)",
            "issue 4",
            consumes=(Fact.COVERAGE,),
        ),
        planned("testing.integration_tests", "Integration tests implemented", "issue 4"),
        planned("testing.e2e_tests", "E2E tests for critical paths", "issue 4"),
        planned("testing.ci_pipeline", "CI/CD pipeline configured", "issue 4"),
    ),
    produces=(Fact.COVERAGE,),
    consumes=(Fact.STACK,),
)
