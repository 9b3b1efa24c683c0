"""Phase 6, Monitoring & Observability: logging, metrics, tracing, health checks."""

from __future__ import annotations

from gatekeeper.phases.base import Fact, Phase, planned

PHASE = Phase(
    6,
    "observability",
    "Monitoring & Observability",
    (
        planned("observability.structured_logging", "Structured logging implemented", "issue 11"),
        planned("observability.metrics_collection", "Metrics collection configured", "issue 11"),
        planned("observability.distributed_tracing", "Distributed tracing enabled", "issue 11"),
        planned(
            "observability.health_checks",
            "Health check endpoints present",
            "issue 11",
            consumes=(Fact.ROUTES,),
        ),
    ),
    consumes=(Fact.STACK, Fact.ROUTES),
)
