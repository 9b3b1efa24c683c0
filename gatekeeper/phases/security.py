"""Phase 3, Authentication & Security: authentication, authorization, input validation, OWASP."""

from __future__ import annotations

from gatekeeper.phases.base import Fact, Phase, planned

PHASE = Phase(
    3,
    "security",
    "Authentication & Security",
    (
        planned(
            "security.authentication_implemented",
            "Authentication mechanism implemented",
            "issue 8",
            consumes=(Fact.STACK,),
        ),
        planned(
            "security.authorization_rules",
            "Authorization rules defined",
            "issue 8",
            consumes=(Fact.ROUTES,),
        ),
        planned(
            "security.input_validation",
            "Input validation present",
            "issue 8",
            consumes=(Fact.ROUTES,),
        ),
        planned(
            "security.owasp_top10_addressed",
            "OWASP Top 10 addressed",
            "issue 9",
            consumes=(Fact.STACK,),
        ),
    ),
    consumes=(Fact.STACK, Fact.ROUTES),
)
