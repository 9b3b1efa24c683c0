"""Phase 2, Database Architecture: schema, indexes, migrations, validation."""

from __future__ import annotations

from gatekeeper.phases.base import Fact, Phase, planned

PHASE = Phase(
    2,
    "database",
    "Database Architecture",
    (
        planned(
            "database.schema_documented",
            "Database schema documented",
            "issue 7",
            consumes=(Fact.MIGRATIONS,),
        ),
        planned(
            "database.indexing_strategy",
            "Indexing strategy defined",
            "issue 7",
            consumes=(Fact.MIGRATIONS,),
        ),
        planned(
            "database.migration_approach",
            "Migration approach established",
            "issue 7",
            consumes=(Fact.MIGRATIONS,),
        ),
        planned(
            "database.data_validation_rules",
            "Data validation rules specified",
            "issue 7",
            consumes=(Fact.MIGRATIONS,),
        ),
    ),
    produces=(Fact.MIGRATIONS,),
    consumes=(Fact.STACK,),
)
