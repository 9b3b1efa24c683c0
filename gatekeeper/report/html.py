"""One self-contained HTML page for people who would rather look than read.

The verdict, the gate table (each gate expands into its criteria), the phase graph drawn as
inline SVG, the route x auth table, the findings (filterable when JavaScript runs, all visible
when it does not) and the remediation plan. No external resource of any kind: inline style,
inline script, a Content-Security-Policy that forbids loading anything else.

Every piece of target text goes through `clean()` and then `html.escape(quote=True)`; the
script only reads `textContent` and toggles `hidden`. The same Report gives the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import networkx as nx

from gatekeeper import graph as phase_graph
from gatekeeper.model import (
    CriterionResult,
    Evidence,
    Finding,
    FindingState,
    Location,
    PhaseResult,
    Report,
    RouteRow,
    Severity,
    Status,
)
from gatekeeper.phases import ALL_PHASES
from gatekeeper.report.safe import clean

MAX_FINDINGS = 5_000
MAX_ROUTES = 500
MAX_EVIDENCE = 20  # per criterion
MAX_UNANALYZED = 200

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

_STATUS_LABEL = {
    Status.PASS: "pass",
    Status.FAIL: "fail",
    Status.ERROR: "error",
    Status.NOT_APPLICABLE: "n/a",
    Status.SKIPPED: "skipped",
}
# (fill, stroke) for SVG nodes; the CSS below uses the same colours.
_STATUS_COLOUR = {
    Status.PASS: ("#d4edda", "#1e7e34"),
    Status.FAIL: ("#f8d7da", "#bd2130"),
    Status.ERROR: ("#fff3cd", "#b07d00"),
    Status.NOT_APPLICABLE: ("#e2e3e5", "#6c757d"),
    Status.SKIPPED: ("#e2e3e5", "#6c757d"),
}
_SEVERITIES = sorted(Severity, key=lambda s: -s.rank)  # critical first

_STYLE = """
:root{--pass:#1e7e34;--pass-bg:#d4edda;--fail:#bd2130;--fail-bg:#f8d7da;--error:#b07d00;
--error-bg:#fff3cd;--na:#6c757d;--na-bg:#e2e3e5;--line:#d0d7de;--muted:#57606a}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;
margin:0 auto;padding:1rem 1.5rem 3rem;max-width:1400px}
h1{font-size:1.6rem;margin:.2rem 0 .6rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;
border-bottom:1px solid var(--line);padding-bottom:.3rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.zero{color:#aaa}
td.wrap{overflow-wrap:anywhere;word-break:break-word}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:.8rem;font-weight:600;
font-size:12px;border:1px solid;white-space:nowrap}
.s-pass{color:var(--pass);background:var(--pass-bg);border-color:var(--pass)}
.s-fail{color:var(--fail);background:var(--fail-bg);border-color:var(--fail)}
.s-error{color:var(--error);background:var(--error-bg);border-color:var(--error)}
.s-not_applicable,.s-skipped{color:var(--na);background:var(--na-bg);border-color:var(--na)}
.verdict{font-size:1.1rem;padding:.15rem .8rem}
.v-pass{color:#fff;background:var(--pass);border-color:var(--pass)}
.v-fail{color:#fff;background:var(--fail);border-color:var(--fail)}
.v-incomplete{color:#1f2328;background:#ffd33d;border-color:var(--error)}
.sev-critical{color:#fff;background:#82071e;border-color:#82071e}
.sev-high{color:var(--fail);background:var(--fail-bg);border-color:var(--fail)}
.sev-medium{color:var(--error);background:var(--error-bg);border-color:var(--error)}
.sev-low{color:#0550ae;background:#ddf4ff;border-color:#0550ae}
.sev-info{color:var(--na);background:var(--na-bg);border-color:var(--na)}
.a-required{color:var(--pass);background:var(--pass-bg);border-color:var(--pass)}
.a-public{color:#0550ae;background:#ddf4ff;border-color:#0550ae}
.a-none{color:var(--fail);background:var(--fail-bg);border-color:var(--fail)}
.a-unknown,.a-undecided{color:var(--na);background:var(--na-bg);border-color:var(--na)}
.st-suppressed{color:var(--muted);background:#f6f8fa;border-color:var(--line)}
.st-open{color:#1f2328;background:#fff;border-color:#1f2328}
.facts{display:flex;flex-wrap:wrap;gap:.4rem 1.6rem;margin:.4rem 0;color:var(--muted)}
.facts b{color:#1f2328}
.note{color:var(--muted);font-style:italic}
tr.detail>td{background:#fbfcfd;padding:.2rem .5rem}
tr.detail summary{cursor:pointer;color:var(--muted)}
tr.detail table{margin:.4rem 0 .6rem}
ul.ev{margin:0;padding-left:1.1rem}
tr.f-suppressed td{color:var(--muted)}
.graph{overflow-x:auto;border:1px solid var(--line);border-radius:6px;padding:.5rem;
background:#fff}
.graph svg{display:block;margin:0 auto;max-width:100%;height:auto}
.graph a:focus rect{stroke-width:3}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.4rem 0}
.filters input{min-width:16rem}
.legend{color:var(--muted);font-size:12px}
@media print{details{display:block}details>summary{display:none}.filters{display:none}}
"""

# Reads textContent and data-* attributes only, and toggles `hidden`: no markup is built.
_SCRIPT = """
(function () {
  var box = document.getElementById("finding-filters");
  var table = document.getElementById("findings");
  if (!box || !table) { return; }
  box.hidden = false;
  var sev = document.getElementById("filter-severity");
  var phase = document.getElementById("filter-phase");
  var state = document.getElementById("filter-state");
  var text = document.getElementById("filter-text");
  var count = document.getElementById("filter-count");
  var rows = table.tBodies[0].rows;
  function apply() {
    var q = text.value.trim().toLowerCase();
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!sev.value || r.getAttribute("data-severity") === sev.value) &&
        (!phase.value || r.getAttribute("data-phase") === phase.value) &&
        (!state.value || r.getAttribute("data-state") === state.value) &&
        (!q || r.textContent.toLowerCase().indexOf(q) !== -1);
      r.hidden = !ok;
      if (ok) { shown++; }
    }
    count.textContent = shown + " of " + rows.length + " rows shown";
  }
  [sev, phase, state].forEach(function (el) { el.addEventListener("change", apply); });
  text.addEventListener("input", apply);
  apply();
})();
"""


def _e(text: object) -> str:
    """Untrusted (or any) text made safe for element content and quoted attribute values."""
    return html.escape(clean(str(text)), quote=True)


def _where(path: str, line: int | None) -> str:
    return _e(f"{path}:{line}" if line else path)


def _loc(loc: Location) -> str:
    return _where(loc.path, loc.line)


def _badge(css: str, label: str) -> str:
    return f'<span class="badge {_e(css)}">{_e(label)}</span>'


def _status(status: Status) -> str:
    return _badge(f"s-{status.value}", _STATUS_LABEL[status])


def _plural(n: int, word: str, many: str = "") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


# ---------------------------------------------------------------------------- header


def _header(report: Report) -> list[str]:
    opened = sum(f.state == FindingState.OPEN for f in report.findings)
    suppressed = sum(f.state == FindingState.SUPPRESSED for f in report.findings)
    names = {p.id: p.name for p in report.phases}
    if report.complete:
        verdict, css = report.verdict.value.upper(), f"v-{report.verdict.value}"
    else:
        verdict, css = "INCOMPLETE", "v-incomplete"
    causes = ", ".join(f"{names.get(c, c)} ({c})" if c in names else c for c in report.root_causes)
    out = [
        "<header>",
        f"<h1>gatekeeper {_badge(css + ' verdict', verdict)}</h1>",
        '<div class="facts">',
        f"<span><b>{opened}</b> open {'finding' if opened == 1 else 'findings'}</span>",
        f"<span><b>{suppressed}</b> suppressed</span>",
        f"<span>root causes: <b>{_e(causes or 'none')}</b></span>",
        f"<span>gatekeeper {_e(report.tool_version)}</span>",
        f"<span>report schema {_e(report.schema_version)}</span>",
        "</div>",
    ]
    if not report.complete:
        errors = sum(c.status == Status.ERROR for p in report.phases for c in p.criteria)
        out.append(
            f'<p class="note">{_plural(errors, "criterion", "criteria")} could not be evaluated'
            f"{''.join('; ' + r for r in _incomplete_reasons(report))}; "
            f"what was evaluated: {_e(report.verdict.value.upper())}.</p>"
        )
    if report.scope is not None:
        out.append(f'<p class="note">Diff mode: {_e(report.scope)}</p>')
    out.append("</header>")
    return out


def _incomplete_reasons(report: Report) -> list[str]:
    reasons = []
    if report.unanalyzed:
        reasons.append(f"{_plural(len(report.unanalyzed), 'file')} not analyzed")
    failed = sorted(run.engine for run in report.engines if not run.ok)
    if failed:
        reasons.append(f"engines that did not finish: {_e(', '.join(failed))}")
    return reasons


# ---------------------------------------------------------------------------- gates


def _evidence(items: Sequence[Evidence]) -> str:
    if not items:
        return ""
    shown = [
        f"<li><code>{_where(e.path, e.line)}</code> {_e(e.what)}</li>" for e in items[:MAX_EVIDENCE]
    ]
    if len(items) > MAX_EVIDENCE:
        shown.append(f'<li class="note">{len(items) - MAX_EVIDENCE} more in the JSON report</li>')
    return '<ul class="ev">' + "".join(shown) + "</ul>"


def _criteria(criteria: Sequence[CriterionResult]) -> str:
    if not criteria:
        return '<p class="note">No criteria.</p>'
    rows = [
        "<table><thead><tr><th>criterion</th><th>status</th><th>message</th>"
        "<th>evidence</th><th>findings</th></tr></thead><tbody>"
    ]
    for c in criteria:
        rows.append(
            f'<tr id="criterion-{_e(c.id)}"><td><code>{_e(c.id)}</code><br>{_e(c.title)}</td>'
            f"<td>{_status(c.status)}</td>"
            f'<td class="wrap">{_e(c.message)}</td>'
            f'<td class="wrap">{_evidence(c.evidence)}</td>'
            f'<td class="num">{len(c.findings) or ""}</td></tr>'
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _gates(phases: Sequence[PhaseResult]) -> list[str]:
    statuses = list(Status)
    head = "".join(f'<th class="num">{_e(_STATUS_LABEL[s])}</th>' for s in statuses)
    out = [
        '<section id="gates"><h2>Gates</h2>',
        '<table class="gates"><thead><tr><th>#</th><th>gate</th><th>status</th>'
        f"{head}<th>depends on</th></tr></thead><tbody>",
    ]
    names = {p.id: p.name for p in phases}
    width = 4 + len(statuses)
    for p in phases:
        cells = []
        for s in statuses:
            n = sum(c.status == s for c in p.criteria)
            cells.append(f'<td class="num{"" if n else " zero"}">{n}</td>')
        deps = ", ".join(names.get(d, d) for d in p.depends_on) or "-"
        blocked = ""
        if p.blocked_by:
            blocked = f"<br><small>blocked by {_e(', '.join(p.blocked_by))}</small>"
        out.append(
            f'<tr id="phase-{_e(p.id)}" class="gate"><td class="num">{p.index}</td>'
            f'<td><b>{_e(p.name)}</b> <small class="mono">{_e(p.id)}</small></td>'
            f"<td>{_status(p.status)}{blocked}</td>{''.join(cells)}<td>{_e(deps)}</td></tr>"
        )
        count = _plural(len(p.criteria), "criterion", "criteria")
        out.append(
            f'<tr class="detail"><td colspan="{width}"><details>'
            f"<summary>{count} of {_e(p.name)}</summary>"
            f"{_criteria(p.criteria)}</details></td></tr>"
        )
    out.append("</tbody></table></section>")
    return out


# ---------------------------------------------------------------------------- phase graph

_NODE_H, _GAP_X, _GAP_Y, _PAD = 48, 36, 72, 16
_CHAR_W = 8  # a generous width for a 13px bold character, so labels fit their boxes

Point = tuple[int, int]


def _layers(graph: nx.DiGraph) -> list[list[str]]:
    """Layer = longest path from a root; inside a layer, by phase index."""
    depth: dict[str, int] = {}
    for node in phase_graph.order(graph):
        preds = list(graph.predecessors(node))
        depth[node] = max((depth[p] + 1 for p in preds), default=0)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node, d in depth.items():
        layers[d].append(node)
    for layer in layers:
        layer.sort(key=lambda n: (graph.nodes[n]["index"], n))
    return layers


def _label(graph: nx.DiGraph, node: str) -> str:
    return f"{graph.nodes[node]['index']}. {graph.nodes[node]['name']}"


def _edge_key(graph: nx.DiGraph, edge: tuple[str, str]) -> tuple[int, int]:
    return graph.nodes[edge[0]]["index"], graph.nodes[edge[1]]["index"]


def _layout(
    graph: nx.DiGraph,
) -> tuple[int, int, int, dict[str, Point], dict[tuple[str, str], list[Point]]]:
    """Width, height, node width, each node's top-left corner and each edge's waypoints.

    An edge leaves the bottom of its source and enters the top of its target at ports spread
    along the box; an edge that skips layers goes down a gap between the boxes of every layer
    it crosses instead of through them.
    """
    layers = _layers(graph)
    node_w = max([200] + [24 + _CHAR_W * len(_label(graph, n)) for n in graph.nodes])
    widest = max((len(layer) for layer in layers), default=1)
    width = (_PAD + _GAP_X) * 2 + widest * node_w + (widest - 1) * _GAP_X  # room for a side gap
    height = _PAD * 2 + len(layers) * _NODE_H + max(len(layers) - 1, 0) * _GAP_Y
    pos: dict[str, Point] = {}
    row_of: dict[str, int] = {}
    for row, layer in enumerate(layers):
        span = len(layer) * node_w + (len(layer) - 1) * _GAP_X
        x0 = (width - span) // 2
        for col, node in enumerate(layer):
            pos[node] = (x0 + col * (node_w + _GAP_X), _PAD + row * (_NODE_H + _GAP_Y))
            row_of[node] = row
    centre = {n: x + node_w // 2 for n, (x, _) in pos.items()}
    edges = sorted(graph.edges, key=lambda e: _edge_key(graph, e))

    def ports(node: str, others: list[str]) -> dict[str, int]:
        others = sorted(others, key=lambda o: (centre[o], graph.nodes[o]["index"]))
        x = pos[node][0]
        return {o: x + node_w * (i + 1) // (len(others) + 1) for i, o in enumerate(others)}

    out_port = {n: ports(n, list(graph.successors(n))) for n in graph.nodes}
    in_port = {n: ports(n, list(graph.predecessors(n))) for n in graph.nodes}

    # Where a long edge crosses a layer: its straight-line x, moved into the nearest gap when
    # that x falls inside (or close to) a box. Edges sharing a gap are spread across it.
    cross_x: dict[tuple[tuple[str, str], int], int] = {}  # (edge, row) -> x
    in_gap: dict[tuple[int, int], list[tuple[str, str]]] = {}  # (row, gap) -> edges
    for a, b in edges:
        x1, x2 = out_port[a][b], in_port[b][a]
        r1, r2 = row_of[a], row_of[b]
        for row in range(r1 + 1, r2):
            x = x1 + (x2 - x1) * (row - r1) // (r2 - r1)
            cross_x[((a, b), row)] = x
            boxes = [pos[n][0] for n in layers[row]]
            if any(left - 6 <= x <= left + node_w + 6 for left in boxes):
                gaps = [boxes[0] - _GAP_X // 2] + [left + node_w + _GAP_X // 2 for left in boxes]
                gap = min(range(len(gaps)), key=lambda g: (abs(gaps[g] - x), g))
                in_gap.setdefault((row, gap), []).append((a, b))
    for (row, gap), members in sorted(in_gap.items()):
        boxes = [pos[n][0] for n in layers[row]]
        left = boxes[0] - _GAP_X if gap == 0 else boxes[gap - 1] + node_w
        members.sort(key=lambda e: (out_port[e[0]][e[1]], _edge_key(graph, e)))
        for i, edge in enumerate(members):
            cross_x[(edge, row)] = left + _GAP_X * (i + 1) // (len(members) + 1)
    routes: dict[tuple[str, str], list[Point]] = {}
    for a, b in edges:
        points: list[Point] = [(out_port[a][b], pos[a][1] + _NODE_H)]
        for row in range(row_of[a] + 1, row_of[b]):
            x = cross_x[((a, b), row)]
            top = _PAD + row * (_NODE_H + _GAP_Y)
            points += [(x, top - 8), (x, top + _NODE_H + 8)]
        points.append((in_port[b][a], pos[b][1]))
        routes[(a, b)] = points
    return width, height, node_w, pos, routes


def _path(points: Sequence[Point]) -> str:
    """Straight down where x does not change, an S-curve with vertical ends where it does."""
    (x, y), rest = points[0], points[1:]
    d = [f"M{x},{y}"]
    for nx_, ny in rest:
        if nx_ == x:
            d.append(f"L{nx_},{ny}")
        else:
            mid = (y + ny) // 2
            d.append(f"C{x},{mid} {nx_},{mid} {nx_},{ny}")
        x, y = nx_, ny
    return " ".join(d)


def _svg(phases: Sequence[PhaseResult]) -> str:
    graph = phase_graph.build(ALL_PHASES)
    by_id = {p.id: p for p in phases}
    width, height, node_w, pos, routes = _layout(graph)
    out = [
        f'<svg role="img" aria-labelledby="graph-title" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="system-ui,sans-serif" font-size="13">',
        '<title id="graph-title">Phase dependency graph, nodes coloured by gate status</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="#8c959f"/></marker></defs>',
        '<g class="edges" fill="none" stroke="#8c959f" stroke-width="1.4">',
    ]
    for (a, b), points in routes.items():
        fact = str(graph.edges[a, b].get("fact", ""))
        dash = ' stroke-dasharray="5 4"' if fact == "routes" else ""
        out.append(
            f'<path class="edge" data-from="{_e(a)}" data-to="{_e(b)}"{dash} '
            f'd="{_path(points)}" marker-end="url(#arrow)">'
            f"<title>{_e(a)} \u2192 {_e(b)}: {_e(fact)}</title></path>"
        )
    out.append("</g>")
    for node in phase_graph.order(graph):
        x, y = pos[node]
        result = by_id.get(node)
        status = result.status if result else Status.SKIPPED
        label = "not evaluated" if result is None else _STATUS_LABEL[status]
        fill, stroke = _STATUS_COLOUR[status]
        name = _label(graph, node)
        cx = x + node_w // 2
        out.append(
            f'<a href="#phase-{_e(node)}"><g class="node" data-phase="{_e(node)}" '
            f'data-status="{_e(status.value)}">'
            f"<title>{_e(name)}: {_e(label)}</title>"
            f'<rect x="{x}" y="{y}" width="{node_w}" height="{_NODE_H}" rx="8" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.6"/>'
            f'<text x="{cx}" y="{y + 20}" text-anchor="middle" font-weight="600" '
            f'fill="#1f2328">{_e(name)}</text>'
            f'<text x="{cx}" y="{y + 37}" text-anchor="middle" font-size="12" '
            f'fill="{stroke}">{_e(label)}</text></g></a>'
        )
    out.append("</svg>")
    return "".join(out)


def _graph_section(phases: Sequence[PhaseResult]) -> list[str]:
    return [
        '<section id="graph"><h2>Phase graph</h2>',
        f'<div class="graph">{_svg(phases)}</div>',
        '<p class="legend">An arrow runs from the phase that produces facts to the one that '
        "consumes them: stack facts from requirements, routes (dashed) from API design, gate "
        "results into final validation. Click a phase to see its gate.</p>",
        "</section>",
    ]


# ---------------------------------------------------------------------------- routes


def _routes(routes: Sequence[RouteRow]) -> list[str]:
    if not routes:
        return []
    out = [
        f'<section id="routes"><h2>Routes and their authentication ({len(routes)})</h2>',
        "<table><thead><tr><th>method</th><th>path</th><th>handler</th><th>auth</th>"
        "<th>in spec</th><th>where</th><th>framework</th></tr></thead><tbody>",
    ]
    for r in routes[:MAX_ROUTES]:
        auth = r.auth or "undecided"
        spec = {True: "yes", False: "no", None: "-"}[r.in_spec]
        out.append(
            f"<tr><td><code>{_e(r.method)}</code></td>"
            f'<td class="wrap"><code>{_e(r.url_path)}</code></td>'
            f'<td class="wrap">{_e(r.handler)}</td>'
            f"<td>{_badge(f'a-{auth}', auth)}</td><td>{spec}</td>"
            f'<td class="wrap"><code>{_where(r.file, r.line)}</code></td>'
            f"<td>{_e(r.framework)}</td></tr>"
        )
    out.append("</tbody></table>")
    if len(routes) > MAX_ROUTES:
        out.append(
            f'<p class="note">{len(routes) - MAX_ROUTES} more not shown; the JSON report '
            "lists every route.</p>"
        )
    out.append("</section>")
    return out


# ---------------------------------------------------------------------------- findings


def _ordered(report: Report) -> list[Finding]:
    """Open before suppressed, then worst severity first, then phase order, then location."""
    index = {p.id: p.index for p in report.phases}
    return sorted(
        report.findings,
        key=lambda f: (
            f.state != FindingState.OPEN,
            -f.severity.rank,
            index.get(f.phase, len(index)),
            f.phase,
            *f.sort_key(),
        ),
    )


def _state(f: Finding) -> str:
    cell = _badge(f"st-{f.state.value}", f.state.value)
    s = f.suppression
    if s is not None:
        until = f" until {_e(s.until)}" if s.until else ""
        cell += f"<br><small>{_e(s.kind.value)}{until}: {_e(s.reason)}</small>"
    return cell


def _options(values: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<option value="{_e(v)}">{_e(label)}</option>' for v, label in values)


def _findings(report: Report) -> list[str]:
    findings = _ordered(report)
    out = [f'<section id="findings-section"><h2>Findings ({len(findings)})</h2>']
    if not findings:
        out += ['<p class="note">No findings: there are none to show.</p>', "</section>"]
        return out
    names = {p.id: p.name for p in report.phases}
    phase_order = {p.id: p.index for p in report.phases}
    phases = sorted(
        {f.phase for f in findings}, key=lambda p: (phase_order.get(p, len(phase_order)), p)
    )
    out += [
        '<div class="filters" id="finding-filters" hidden>',
        '<label>severity <select id="filter-severity"><option value="">all</option>'
        f"{_options((s.value, s.value) for s in _SEVERITIES)}</select></label>",
        '<label>phase <select id="filter-phase"><option value="">all</option>'
        f"{_options((p, names.get(p, p)) for p in phases)}</select></label>",
        '<label>state <select id="filter-state"><option value="">all</option>'
        f"{_options((s.value, s.value) for s in FindingState)}</select></label>",
        '<label>text <input type="search" id="filter-text" '
        'placeholder="rule, path, message"></label>',
        '<span id="filter-count" class="note"></span>',
        "</div>",
        '<table id="findings"><thead><tr><th>severity</th><th>rule</th><th>phase</th>'
        "<th>state</th><th>location</th><th>message</th></tr></thead><tbody>",
    ]
    for f in findings[:MAX_FINDINGS]:
        cwe = f" <small>{_e(', '.join(f.cwe))}</small>" if f.cwe else ""
        out.append(
            f'<tr class="finding f-{_e(f.state.value)}" data-severity="{_e(f.severity.value)}" '
            f'data-phase="{_e(f.phase)}" data-state="{_e(f.state.value)}">'
            f"<td>{_badge(f'sev-{f.severity.value}', f.severity.value)}</td>"
            f"<td><code>{_e(f.rule_id)}</code>{cwe}</td>"
            f"<td>{_e(names.get(f.phase, f.phase))}</td>"
            f"<td>{_state(f)}</td>"
            f'<td class="wrap"><code>{_loc(f.location)}</code></td>'
            f'<td class="wrap">{_e(f.message)}</td></tr>'
        )
    out.append("</tbody></table>")
    if len(findings) > MAX_FINDINGS:
        out.append(
            f'<p class="note" id="findings-more">{len(findings) - MAX_FINDINGS} more in the '
            "JSON report (this page shows the first "
            f"{MAX_FINDINGS:,}, open and worst first).</p>"
        )
    out.append("</section>")
    return out


# ---------------------------------------------------------------------------- remediation


def _remediation(report: Report) -> list[str]:
    r = report.remediation
    if not r.plan:
        return []
    names = {p.id: p.name for p in report.phases}
    target = names.get(r.target_phase, r.target_phase) if r.target_phase else "-"
    out = [
        '<section id="remediation"><h2>Remediation plan</h2>',
        f'<div class="facts"><span>status: <b>{_e(r.status.value)}</b></span>'
        f"<span>target gate: <b>{_e(target)}</b></span>"
        f"<span>iteration <b>{r.iteration}</b> of {r.max_iterations}</span></div>",
        "<table><thead><tr><th>#</th><th>rule</th><th>what</th><th>where</th><th>how</th>"
        "<th>gates</th></tr></thead><tbody>",
    ]
    for n, step in enumerate(r.plan, 1):
        gates = ", ".join(names.get(g, g) for g in step.gates)
        out.append(
            f'<tr><td class="num">{n}</td><td><code>{_e(step.rule_id)}</code></td>'
            f'<td class="wrap">{_e(step.what)}</td>'
            f'<td class="wrap"><code>{_loc(step.where)}</code></td>'
            f'<td class="wrap">{_e(step.how)}</td><td>{_e(gates)}</td></tr>'
        )
    out.append("</tbody></table></section>")
    return out


# ---------------------------------------------------------------------------- unanalyzed


def _unanalyzed(report: Report) -> list[str]:
    items = sorted(report.unanalyzed)
    if not items:
        return []
    out = [
        f'<section id="unanalyzed"><h2>Not analyzed ({len(items)})</h2><details>'
        f"<summary>{_plural(len(items), 'file')} gatekeeper could not read</summary>",
        "<table><thead><tr><th>path</th><th>engine</th><th>reason</th></tr></thead><tbody>",
    ]
    for u in items[:MAX_UNANALYZED]:
        out.append(
            f'<tr><td class="wrap"><code>{_e(u.path)}</code></td><td>{_e(u.engine)}</td>'
            f'<td class="wrap">{_e(u.reason)}</td></tr>'
        )
    out.append("</tbody></table>")
    if len(items) > MAX_UNANALYZED:
        out.append(f'<p class="note">{len(items) - MAX_UNANALYZED} more in the JSON report.</p>')
    out.append("</details></section>")
    return out


# ---------------------------------------------------------------------------- page


def render(report: Report) -> str:
    verdict = report.verdict.value.upper() if report.complete else "INCOMPLETE"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',  # a constant, no quotes
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>gatekeeper: {_e(verdict)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        *_header(report),
        *_gates(report.phases),
        *_graph_section(report.phases),
        *_findings(report),
        *_remediation(report),
        *_routes(report.routes),
        *_unanalyzed(report),
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
