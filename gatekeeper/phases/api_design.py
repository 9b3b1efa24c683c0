"""Phase 1, API Design: contracts, versioning, rate limiting, error handling."""

from __future__ import annotations

from gatekeeper.phases.base import Fact, Phase, planned

PHASE = Phase(
    1,
    "api_design",
    "API Design",
    (
        planned(
            "api_design.endpoints_have_contracts",
            "API endpoints defined with contracts",
            "issues 5 and 6",
            consumes=(Fact.ROUTES, Fact.SPECS),
        ),
        planned(
            "api_design.versioning_strategy",
            "Versioning strategy established",
            "issue 5",
            consumes=(Fact.ROUTES, Fact.SPECS),
        ),
        planned(
            "api_design.rate_limiting_rules",
            "Rate limiting rules specified",
            "issue 5",
            consumes=(Fact.ROUTES,),
        ),
        planned(
            "api_design.error_handling_patterns",
            "Error handling patterns defined",
            "issue 5",
            consumes=(Fact.ROUTES, Fact.SPECS),
        ),
    ),
    produces=(Fact.ROUTES, Fact.SPECS),
    consumes=(Fact.STACK,),
)
