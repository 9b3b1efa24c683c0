"""The HTML report: one self-contained page a person can look at, safe with hostile target text."""

from __future__ import annotations

import itertools
import re
import shutil
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from gatekeeper import api
from gatekeeper import graph as phase_graph
from gatekeeper.model import (
    FindingState,
    Location,
    Report,
    RouteRow,
    Severity,
    Status,
    Suppression,
    SuppressionKind,
    Unanalyzed,
    Verdict,
)
from gatekeeper.phases import ALL_PHASES
from gatekeeper.report import html as html_report

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FAILING = "routes-fastapi"  # fails several gates, has open findings, routes and a plan

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
SCRIPT = "<script>alert(1)</script>"
ATTR = '" onmouseover="x'
HOSTILE = f"{SCRIPT} {ATTR}"

VOID = {"meta", "br", "input", "link", "img", "hr", "wbr", "source", "col", "area", "base"}
SVG_LEAVES = {"path", "rect", "text", "title", "marker", "defs", "g", "a", "svg"}
URL_ATTRS = {"src", "href", "action", "xlink:href", "formaction", "poster", "data", "srcset"}
NETWORK = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


@dataclass(eq=False)  # elements are told apart by identity
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    parents: tuple[str, ...] = ()
    classes: tuple[str, ...] = field(default=())


class Page(HTMLParser):
    """Every element with its attributes, ancestors and text; unbalanced tags are recorded."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.errors: list[str] = []
        self.decl = ""
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {[e.tag for e in self.stack]}")

    def handle_decl(self, decl: str) -> None:
        self.decl = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if len(values) != len(attrs):
            self.errors.append(f"duplicate attribute in <{tag}>")
        el = Element(
            tag,
            values,
            parents=tuple(e.tag for e in self.stack),
            classes=tuple(values.get("class", "").split()),
        )
        self.elements.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1].tag != tag:
            self.errors.append(f"unexpected </{tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for el in self.stack:
            el.text += data
        if self.stack and self.stack[-1].tag == "script":
            self.scripts.append(data)
        if self.stack and self.stack[-1].tag == "style":
            self.styles.append(data)

    def find(self, tag: str, cls: str | None = None, inside: str | None = None) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag
            and (cls is None or cls in e.classes)
            and (inside is None or inside in e.parents)
        ]

    def by_id(self, ident: str) -> Element:
        (el,) = [e for e in self.elements if e.attrs.get("id") == ident]
        return el


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("html") / FAILING
    shutil.copytree(FIXTURES / FAILING, root)
    result = api.audit(root, api.Options(engines=False)).report
    assert result.verdict == Verdict.FAIL
    assert any(f.state == FindingState.OPEN for f in result.findings)
    assert result.routes and result.remediation.plan
    return result


def finding_rows(page: Page) -> list[Element]:
    return page.find("tr", "finding")


def cells(page: Page, row: Element) -> list[str]:
    """The text of a row's own cells, whitespace collapsed."""
    depth = len(row.parents) + 1
    return [
        " ".join(e.text.split())
        for e in _within(page, row)
        if e.tag in ("td", "th") and len(e.parents) == depth
    ]


def _within(page: Page, el: Element) -> list[Element]:
    """The elements inside `el`, in document order."""
    start = page.elements.index(el)
    depth = len(el.parents)
    out = []
    for inner in page.elements[start + 1 :]:
        if len(inner.parents) <= depth:
            break
        out.append(inner)
    return out


def network_references(page: Page) -> list[str]:
    found = []
    for el in page.elements:
        for name, value in el.attrs.items():
            if name in URL_ATTRS and not value.startswith("#") and NETWORK.match(value):
                found.append(f"<{el.tag} {name}={value!r}>")
            for url in CSS_URL.findall(value):
                if not url.startswith("#"):
                    found.append(f"<{el.tag} {name}> url({url})")
    for css in page.styles:
        found += [f"<style> url({u})" for u in CSS_URL.findall(css)]
        found += [f"<style> {m}" for m in re.findall(r"@import[^;]*|@font-face", css)]
    return found


# ---------------------------------------------------------------------------- a real report


def test_a_failing_audit_renders_one_complete_self_contained_page(report: Report) -> None:
    out = html_report.render(report)
    page = Page(out)
    assert page.errors == []
    assert page.decl.lower() == "doctype html"
    assert out.count("<html") == 1 and out.rstrip().endswith("</html>")

    (h1,) = page.find("h1")
    assert ("FAIL" if report.complete else "INCOMPLETE") in h1.text
    header = page.find("header")[0].text
    opened = sum(f.state == FindingState.OPEN for f in report.findings)
    assert f"{opened} open findings" in " ".join(header.split())
    assert f"gatekeeper {report.tool_version}" in header
    errors = sum(c.status == Status.ERROR for p in report.phases for c in p.criteria)
    assert not report.complete and errors  # the fixture audit runs without its engines
    assert f"{errors} criteria could not be evaluated" in " ".join(header.split())
    assert "what was evaluated: FAIL" in header

    csp = [m for m in page.find("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert [m.attrs["content"] for m in csp] == [CSP]
    assert page.find("meta", inside="head") and page.find("style", inside="head")
    assert network_references(page) == []
    assert not page.find("link") and not page.find("iframe") and not page.find("img")
    assert all("src" not in s.attrs for s in page.find("script"))
    assert "http://" not in out and "https://" not in out  # nothing in the fixture has a URL


def test_the_gate_table_lists_every_phase_with_its_status_and_criteria(report: Report) -> None:
    page = Page(html_report.render(report))
    rows = page.find("tr", "gate")
    assert len(rows) == len(ALL_PHASES) == len(report.phases)
    for row, phase in zip(rows, report.phases, strict=True):
        text = cells(page, row)
        assert text[0] == str(phase.index) and phase.name in text[1]
        assert text[2].startswith({"not_applicable": "n/a"}.get(phase.status, phase.status))
        (badge,) = [e for e in page.find("span", "badge") if e in _within(page, row)]
        assert f"s-{phase.status.value}" in badge.classes  # the colour follows the status
        fails = sum(c.status == Status.FAIL for c in phase.criteria)
        assert text[4] == str(fails)  # pass, fail, error, n/a, skipped
    details = page.find("details", inside="table")
    gate_details = [d for d in details if "of " in d.text]
    assert len(gate_details) == len(report.phases)
    for detail, phase in zip(gate_details, report.phases, strict=True):
        assert not detail.attrs.get("open")  # collapsed until someone expands it
        for criterion in phase.criteria:
            assert criterion.id in detail.text and criterion.title in detail.text
            for ev in criterion.evidence[: html_report.MAX_EVIDENCE]:
                where = f"{ev.path}:{ev.line}" if ev.line else ev.path
                assert where in detail.text


def test_the_graph_is_inline_svg_with_one_coloured_node_per_phase(report: Report) -> None:
    page = Page(html_report.render(report))
    assert len(page.find("svg")) == 1
    nodes = page.find("g", "node", inside="svg")
    assert [n.attrs["data-phase"] for n in nodes] == [p.id for p in ALL_PHASES]
    status = {p.id: p.status.value for p in report.phases}
    assert all(n.attrs["data-status"] == status[n.attrs["data-phase"]] for n in nodes)
    fills = {p.status: "" for p in report.phases}
    for node in nodes:
        (rect,) = [e for e in _within(page, node) if e.tag == "rect"]
        fills[Status(node.attrs["data-status"])] = rect.attrs["fill"]
    assert len(set(fills.values())) == len(fills)  # a failing gate does not look like a passing one
    graph = phase_graph.build(ALL_PHASES)
    edges = page.find("path", "edge", inside="svg")
    assert sorted((e.attrs["data-from"], e.attrs["data-to"]) for e in edges) == sorted(graph.edges)
    links = {a.attrs["href"] for a in page.find("a", inside="svg")}
    assert links == {f"#phase-{p.id}" for p in ALL_PHASES}
    assert all(page.by_id(link[1:]).tag == "tr" for link in links)  # each node jumps to its gate


def _crowded_graph() -> nx.DiGraph:
    """Long edges that must get past full rows, the way a bigger phase graph would."""
    graph = nx.DiGraph()
    names = ["root", "m1", "m2", "m3", "m4", "m5", "mid", "end"]
    for i, name in enumerate(names):
        graph.add_node(name, index=i, name=f"Phase {name}")
    graph.add_edges_from((("root", f"m{i}") for i in range(1, 6)), fact="stack")
    graph.add_edges_from([("m1", "mid"), ("m2", "mid"), ("mid", "end")], fact="gates")
    graph.add_edges_from([("root", "end"), ("m3", "end"), ("m5", "end"), ("root", "mid")])
    return graph


@pytest.mark.parametrize("which", ["phases", "crowded"])
def test_the_graph_layout_keeps_edges_out_of_the_boxes_they_skip(which: str) -> None:
    graph = phase_graph.build(ALL_PHASES) if which == "phases" else _crowded_graph()
    _, _, node_w, pos, routes = html_report._layout(graph)
    boxes = sorted(pos.values())
    for i, (x, y) in enumerate(boxes):  # no two boxes overlap
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x - x2) >= node_w or abs(y - y2) >= html_report._NODE_H
    for (a, b), points in routes.items():
        assert points[0][1] == pos[a][1] + html_report._NODE_H and points[-1][1] == pos[b][1]
        skipped = (pos[b][1] - pos[a][1]) // (html_report._NODE_H + html_report._GAP_Y) - 1
        assert len(points) == 2 + 2 * skipped  # it steers past every layer it skips
        for (x1, y1), (x2, y2) in itertools.pairwise(points[1:-1]):
            if x1 != x2:
                continue  # the curves run between layers, through empty space
            for n, (bx, by) in pos.items():
                if n in (a, b):
                    continue
                crosses_row = y1 <= by + html_report._NODE_H and y2 >= by
                assert not (crosses_row and bx <= x1 <= bx + node_w), (a, b, n)
    width = html_report._layout(graph)[0]
    assert all(0 <= x <= width for points in routes.values() for x, _ in points)
    again = html_report._layout(graph)
    assert again[3] == pos and again[4] == routes


def test_every_finding_is_listed_worst_first_with_its_location(report: Report) -> None:
    page = Page(html_report.render(report))
    rows = finding_rows(page)
    assert len(rows) == len(report.findings)
    shown_rules = {cells(page, r)[1].split()[0] for r in rows}
    assert {f.rule_id for f in report.findings if f.state == FindingState.OPEN} <= shown_rules
    ranks = [Severity(r.attrs["data-severity"]).rank for r in rows]
    assert ranks == sorted(ranks, reverse=True)
    worst = max(report.findings, key=lambda f: f.severity.rank)
    assert rows[0].attrs["data-severity"] == worst.severity.value
    for f in report.findings:
        where = f"{f.location.path}:{f.location.line}" if f.location.line else f.location.path
        assert any(
            cells(page, r)[4] == where and cells(page, r)[5] == " ".join(f.message.split())
            for r in rows
        ), f.rule_id
    assert all("hidden" not in r.attrs for r in rows)  # readable with JavaScript off


def test_open_findings_come_before_suppressed_ones_which_show_why(report: Report) -> None:
    first, *rest = sorted(report.findings, key=lambda f: -f.severity.rank)
    hushed = replace(
        first,
        state=FindingState.SUPPRESSED,
        suppression=Suppression(SuppressionKind.BASELINE, "accepted in review 42", "2030-01-01"),
    )
    page = Page(html_report.render(replace(report, findings=(hushed, *rest))))
    rows = finding_rows(page)
    states = [r.attrs["data-state"] for r in rows]
    assert states == ["open"] * len(rest) + ["suppressed"]
    state_cell = cells(page, rows[-1])[3]
    assert "suppressed" in state_cell and "accepted in review 42" in state_cell
    assert "baseline" in state_cell and "2030-01-01" in state_cell
    assert "1 suppressed" in " ".join(page.find("header")[0].text.split())


def test_the_filters_are_hidden_without_javascript_and_the_script_builds_no_markup(
    report: Report,
) -> None:
    page = Page(html_report.render(report))
    filters = page.by_id("finding-filters")
    assert "hidden" in filters.attrs  # the script reveals them; without it nothing is hidden
    options = {
        sel: [o.attrs["value"] for o in _within(page, page.by_id(sel)) if o.tag == "option"]
        for sel in ("filter-severity", "filter-phase", "filter-state")
    }
    assert options["filter-severity"] == ["", "critical", "high", "medium", "low", "info"]
    assert options["filter-state"] == ["", "open", "suppressed"]
    assert set(options["filter-phase"][1:]) == {f.phase for f in report.findings}
    (script,) = page.scripts
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    for ident in ("filter-severity", "filter-phase", "filter-state", "filter-text", "findings"):
        assert f'"{ident}"' in script and page.by_id(ident)


def test_routes_and_the_remediation_plan_are_shown(report: Report) -> None:
    page = Page(html_report.render(report))
    routes = page.by_id("routes").text
    for r in report.routes:
        assert r.url_path in routes and f"{r.file}:{r.line}" in routes
    plan = page.by_id("remediation").text
    for step in report.remediation.plan:
        assert step.rule_id in plan and " ".join(step.how.split()) in " ".join(plan.split())
    nothing = replace(report, remediation=replace(report.remediation, plan=()), routes=())
    bare = html_report.render(nothing)
    assert 'id="remediation"' not in bare and 'id="routes"' not in bare


def test_the_route_table_is_capped_and_says_how_many_it_left_out(report: Report) -> None:
    many = tuple(
        RouteRow("app.py", i + 1, "GET", f"/v1/items/{i}", "h", "fastapi", ".", None, "required")
        for i in range(3_000)
    )
    page = Page(html_report.render(replace(report, routes=many)))
    section = page.by_id("routes")
    rows = [e for e in _within(page, section) if e.tag == "tr" and "tbody" in e.parents]
    assert 50 <= len(rows) <= 1_000
    assert cells(page, rows[0])[1] == "/v1/items/0"  # the report's order, from the top
    assert f"{3_000 - len(rows)} more not shown" in section.text
    assert "(3000)" in section.text  # the heading still counts them all


# ---------------------------------------------------------------------------- hostile text


def test_hostile_target_text_only_ever_appears_escaped(report: Report) -> None:
    base = report.findings[0]
    evil = replace(
        base,
        message=f"message {HOSTILE}",
        location=Location(f"src/{HOSTILE}.py", 7),
        rule_id=f"R{ATTR}",
        phase=f"security{ATTR}",
        state=FindingState.SUPPRESSED,
        suppression=Suppression(SuppressionKind.INLINE, f"because {HOSTILE}"),
    )
    phase = report.phases[0]
    crit = replace(phase.criteria[0], message=f"criterion {HOSTILE}")
    phases = (replace(phase, criteria=(crit, *phase.criteria[1:])), *report.phases[1:])
    route = replace(report.routes[0], url_path=f"/x/{HOSTILE}", handler=HOSTILE)
    step = replace(report.remediation.plan[0], how=f"do {HOSTILE}", where=evil.location)
    hostile = replace(
        report,
        findings=(evil, *report.findings[1:]),
        phases=phases,
        routes=(route, *report.routes[1:]),
        remediation=replace(report.remediation, plan=(step,)),
        tool_version=f"1{ATTR}",
        unanalyzed=(Unanalyzed(f"big/{HOSTILE}.py", f"too large {HOSTILE}"),),
    )
    out = html_report.render(hostile)
    page = Page(out)
    assert page.errors == []
    assert SCRIPT not in out and ATTR not in out and "alert(1)</script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&quot; onmouseover=&quot;x" in out
    assert len(page.find("script")) == 1  # only the page's own
    assert not [(e.tag, a) for e in page.elements for a in e.attrs if a.startswith("on")]
    rows = finding_rows(page)
    (row,) = [r for r in rows if r.attrs["data-state"] == "suppressed"]
    assert row.attrs["data-phase"] == f"security{ATTR}"  # an attribute value, nothing more
    text = cells(page, row)
    assert text[4] == f"src/{HOSTILE}.py:7" and text[5] == f"message {HOSTILE}"
    assert f"because {HOSTILE}" in text[3]  # what a reader sees: the text itself, inert
    assert f"/x/{HOSTILE}" in page.by_id("routes").text
    assert f"do {HOSTILE}" in page.by_id("remediation").text
    assert f"criterion {HOSTILE}" in page.by_id(f"criterion-{crit.id}").text
    assert f"big/{HOSTILE}.py" in page.by_id("unanalyzed").text


def test_control_characters_and_huge_messages_are_cleaned(report: Report) -> None:
    evil = replace(report.findings[0], message="bell\x07 \x1b[31mred\u202e " + "y" * 50_000)
    out = html_report.render(replace(report, findings=(evil,)))
    assert "\x07" not in out and "\x1b" not in out and "\u202e" not in out
    assert "\\x1b[31mred" in out and "more characters]" in out
    assert len(out) < 200_000


# ---------------------------------------------------------------------------- stability, edges


def test_the_same_report_gives_the_same_bytes_whatever_the_order(report: Report) -> None:
    first = html_report.render(report)
    assert html_report.render(report).encode() == first.encode()
    shuffled = replace(report, findings=tuple(reversed(report.findings)))
    assert html_report.render(shuffled) == first
    assert not re.search(r"\b20\d\d-\d\d-\d\d", first)  # no timestamp sneaks in


def test_a_report_without_findings_says_so(report: Report) -> None:
    clean_report = replace(
        report,
        findings=(),
        remediation=replace(report.remediation, plan=()),
        verdict=Verdict.PASS,
        complete=True,
    )
    page = Page(html_report.render(clean_report))
    assert page.errors == []
    assert "PASS" in page.find("h1")[0].text
    assert not finding_rows(page)
    with pytest.raises(ValueError):
        page.by_id("findings")  # no empty table, no filters for nothing
    section = page.by_id("findings-section")
    assert "No findings" in section.text
    assert "0 open findings" in " ".join(page.find("header")[0].text.split())
    assert len(page.find("g", "node", inside="svg")) == len(ALL_PHASES)


def test_the_findings_table_stops_at_5000_rows_and_says_how_many_more(report: Report) -> None:
    base = report.findings[0]
    many = tuple(
        replace(
            base,
            location=Location(f"src/m{i:05}.py", i + 1),
            fingerprint=f"{i:032x}",
            severity=Severity.HIGH if i % 2 else Severity.LOW,
        )
        for i in range(5_100)
    )
    out = html_report.render(replace(report, findings=many))
    page = Page(out)
    rows = finding_rows(page)
    assert len(rows) == 5_000
    assert "100 more in the JSON report" in page.by_id("findings-more").text
    assert "5100 open findings" in " ".join(page.find("header")[0].text.split())
    assert [r.attrs["data-severity"] for r in rows[:2550]] == ["high"] * 2550  # worst kept
    assert len(out) < 10_000_000


def test_diff_mode_says_what_was_audited() -> None:
    from dataclasses import replace

    from gatekeeper import api
    from gatekeeper.report import html as html_report

    report = api.audit(
        Path(__file__).resolve().parent.parent / "fixtures" / "example", api.Options(engines=False)
    ).report
    page = html_report.render(replace(report, scope="git diff against main: <b>1</b> file"))
    assert "Diff mode: git diff against main: &lt;b&gt;1&lt;/b&gt; file" in page
    assert "Diff mode" not in html_report.render(report)
