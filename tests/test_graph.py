from __future__ import annotations

from gatekeeper import graph
from gatekeeper.model import PhaseResult, Status
from gatekeeper.phases import ALL_PHASES
from gatekeeper.phases.base import Fact


def result(pid: str, index: int, status: Status) -> PhaseResult:
    return PhaseResult(index, pid, pid, status, (), (), ())


def test_edges_follow_the_design() -> None:
    g = graph.build(ALL_PHASES)
    for p in ALL_PHASES[1:]:
        assert g.has_edge("requirements", p.id)
    assert g.has_edge("api_design", "security")
    assert g.has_edge("api_design", "observability")
    for p in ALL_PHASES[1:7]:
        assert g.has_edge(p.id, "validation")
    assert not g.has_edge("validation", "security")


def test_order_is_the_seed_order() -> None:
    g = graph.build(ALL_PHASES)
    assert graph.order(g) == [p.id for p in ALL_PHASES]


def test_depends_on() -> None:
    g = graph.build(ALL_PHASES)
    assert graph.depends_on(g, "security") == ("requirements", "api_design")
    assert graph.depends_on(g, "requirements") == ()


def test_blocked_only_by_missing_facts() -> None:
    g = graph.build(ALL_PHASES)
    security = next(p for p in ALL_PHASES if p.id == "security")
    producers = {Fact.STACK: "requirements", Fact.ROUTES: "api_design"}
    assert graph.blocked_by(g, security, {}, producers) == ()
    assert graph.blocked_by(g, security, {Fact.ROUTES: "x"}, producers) == ("api_design",)
    assert graph.blocked_by(g, security, {Fact.ROUTES: "x", Fact.STACK: "y"}, producers) == (
        "requirements",
        "api_design",
    )


def test_root_causes_skip_failures_downstream_of_a_failure() -> None:
    g = graph.build(ALL_PHASES)
    results = [
        result("requirements", 0, Status.PASS),
        result("api_design", 1, Status.FAIL),
        result("security", 3, Status.FAIL),
        result("database", 2, Status.FAIL),
        result("validation", 7, Status.FAIL),
    ]
    assert graph.root_causes(g, results) == ("api_design", "database")


def test_mermaid_and_text() -> None:
    g = graph.build(ALL_PHASES)
    static = graph.mermaid(g)
    assert static.startswith("flowchart TD\n")
    assert "api_design -->|routes| security" in static
    assert "classDef" not in static
    coloured = graph.mermaid(g, [result("security", 3, Status.FAIL)])
    assert "class security fail" in coloured
    assert "3. Authentication & Security: fail" in coloured
    plain = graph.text(g, [result("security", 3, Status.FAIL)])
    assert "3. Authentication & Security (security)  [fail]  <- requirements, api_design" in plain
