"""The phase dependency graph: evaluation order, blocked phases, root causes, Mermaid output.

Edges: phase 0 feeds every phase (stack facts); API design feeds security and observability
(routes); phases 1-6 feed final validation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import networkx as nx

from gatekeeper.model import PhaseResult, Status
from gatekeeper.phases.base import Phase

FIRST = "requirements"
LAST = "validation"
ROUTE_CONSUMERS = ("security", "observability")


def build(phases: Sequence[Phase]) -> nx.DiGraph:
    graph = nx.DiGraph()
    ids = [p.id for p in phases]
    for p in phases:
        graph.add_node(p.id, index=p.index, name=p.name)
    for pid in ids:
        if pid != FIRST:
            graph.add_edge(FIRST, pid, fact="stack")
    for consumer in ROUTE_CONSUMERS:
        graph.add_edge("api_design", consumer, fact="routes")
    for pid in ids:
        if pid not in (FIRST, LAST):
            graph.add_edge(pid, LAST, fact="gates")
    if not nx.is_directed_acyclic_graph(graph):  # pragma: no cover - the edges above are fixed
        raise RuntimeError("phase graph has a cycle")
    return graph


def order(graph: nx.DiGraph) -> list[str]:
    """Topological order, ties broken by the seed's phase index so it is deterministic."""
    return list(nx.lexicographical_topological_sort(graph, key=lambda n: graph.nodes[n]["index"]))


def depends_on(graph: nx.DiGraph, phase_id: str) -> tuple[str, ...]:
    preds = graph.predecessors(phase_id)
    return tuple(sorted(preds, key=lambda n: graph.nodes[n]["index"]))


def blocked_by(
    graph: nx.DiGraph,
    phase: Phase,
    fact_errors: Mapping[str, str],
    producers: Mapping[str, str],
) -> tuple[str, ...]:
    """Upstream phases whose facts this phase consumes and which are missing or errored."""
    out = {
        producers[fact]
        for fact in phase.consumes
        if fact in fact_errors and fact in producers and producers[fact] != phase.id
    }
    return tuple(sorted(out, key=lambda n: graph.nodes[n]["index"]))


def root_causes(graph: nx.DiGraph, results: Iterable[PhaseResult]) -> tuple[str, ...]:
    """Failed gates none of whose ancestors failed: fix these first."""
    failed = {r.id for r in results if r.status == Status.FAIL}
    causes = [p for p in failed if not (nx.ancestors(graph, p) & failed)]
    return tuple(sorted(causes, key=lambda n: graph.nodes[n]["index"]))


_MERMAID_CLASS = {
    Status.PASS: "pass",
    Status.FAIL: "fail",
    Status.ERROR: "error",
    Status.NOT_APPLICABLE: "na",
    Status.SKIPPED: "na",
}


def mermaid(graph: nx.DiGraph, results: Sequence[PhaseResult] = ()) -> str:
    by_id = {r.id: r for r in results}
    lines = ["flowchart TD"]
    for node in order(graph):
        label = f"{graph.nodes[node]['index']}. {graph.nodes[node]['name']}"
        if node in by_id:
            label += f": {by_id[node].status.value}"
        lines.append(f'    {node}["{label}"]')
    for a, b in sorted(
        graph.edges, key=lambda e: (graph.nodes[e[0]]["index"], graph.nodes[e[1]]["index"])
    ):
        lines.append(f"    {a} -->|{graph.edges[a, b]['fact']}| {b}")
    if by_id:
        lines += [
            "    classDef pass fill:#d4edda,stroke:#1e7e34",
            "    classDef fail fill:#f8d7da,stroke:#bd2130",
            "    classDef error fill:#fff3cd,stroke:#d39e00",
            "    classDef na fill:#e2e3e5,stroke:#6c757d",
        ]
        for node in order(graph):
            if node in by_id:
                lines.append(f"    class {node} {_MERMAID_CLASS[by_id[node].status]}")
    return "\n".join(lines) + "\n"


def text(graph: nx.DiGraph, results: Sequence[PhaseResult] = ()) -> str:
    by_id = {r.id: r for r in results}
    lines = []
    for node in order(graph):
        deps = ", ".join(depends_on(graph, node)) or "-"
        status = f"  [{by_id[node].status.value}]" if node in by_id else ""
        lines.append(
            f"{graph.nodes[node]['index']}. {graph.nodes[node]['name']} ({node}){status}  <- {deps}"
        )
    return "\n".join(lines) + "\n"
