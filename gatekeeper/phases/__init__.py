"""The eight phases in the seed's order, and every rule gatekeeper reports, written out."""

from __future__ import annotations

from gatekeeper.phases import (
    api_design,
    database,
    observability,
    owasp,
    requirements,
    scalability,
    security,
    testing,
    validation,
)
from gatekeeper.phases.base import Criterion, Phase, Rule

ALL_PHASES: tuple[Phase, ...] = (
    requirements.PHASE,
    api_design.PHASE,
    database.PHASE,
    security.PHASE,
    scalability.PHASE,
    testing.PHASE,
    observability.PHASE,
    validation.PHASE,
)

CORE_RULES: tuple[Rule, ...] = (
    requirements.RULES
    + api_design.RULES
    + database.RULES
    + security.RULES
    + owasp.RULES
    + scalability.RULES
    + testing.RULES
    + observability.RULES
    + validation.RULES
)


def all_criteria() -> tuple[Criterion, ...]:
    return tuple(c for p in ALL_PHASES for c in p.criteria)


def phase_of(criterion_id: str) -> Phase:
    for phase in ALL_PHASES:
        if any(c.id == criterion_id for c in phase.criteria):
            return phase
    raise KeyError(criterion_id)
