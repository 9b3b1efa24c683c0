"""Phase 4, Architecture & Scalability: scaling, caching, circuit breakers, boundaries."""

from __future__ import annotations

from gatekeeper.phases.base import Fact, Phase, planned

PHASE = Phase(
    4,
    "scalability",
    "Architecture & Scalability",
    (
        planned(
            "scalability.scaling_strategy_documented",
            "Scaling strategy documented",
            "issue 11",
        ),
        planned("scalability.caching_layers", "Caching layers identified", "issue 11"),
        planned("scalability.circuit_breakers", "Circuit breaker patterns applied", "issue 11"),
        planned(
            "scalability.service_boundaries",
            "Service boundaries defined",
            "issue 11",
            consumes=(Fact.STACK,),
        ),
    ),
    consumes=(Fact.STACK,),
)
