"""The JSON contract: `to_dict(report)` and a byte-stable `render(report)`.

The shape is defined by gatekeeper/schema/report.schema.json (versioned; see docs/report-format.md).
"""

from __future__ import annotations

import json
from typing import Any

from gatekeeper.model import (
    ConfigValue,
    CriterionResult,
    Detection,
    EngineRun,
    Evidence,
    Finding,
    Location,
    MigrationRow,
    PhaseResult,
    Remediation,
    Report,
    RouteRow,
    Service,
    SpecRow,
    TableRow,
    Unanalyzed,
)
from gatekeeper.report.safe import clean


def _evidence(e: Evidence) -> dict[str, Any]:
    return {"file": clean(e.path), "line": e.line, "what": clean(e.what)}


def _criterion(c: CriterionResult) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "status": c.status.value,
        "message": clean(c.message),
        "evidence": [_evidence(e) for e in c.evidence],
        "findings": list(c.findings),
    }


def _phase(p: PhaseResult) -> dict[str, Any]:
    return {
        "index": p.index,
        "id": p.id,
        "name": p.name,
        "status": p.status.value,
        "depends_on": list(p.depends_on),
        "blocked_by": list(p.blocked_by),
        "criteria": [_criterion(c) for c in p.criteria],
    }


def _location(loc: Location) -> dict[str, Any]:
    return {
        "path": clean(loc.path),
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "criterion_id": f.criterion_id,
        "phase": f.phase,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "message": clean(f.message),
        "location": _location(f.location),
        "symbol": clean(f.symbol) if f.symbol else None,
        "snippet": clean(f.snippet) if f.snippet is not None else None,
        "cwe": list(f.cwe),
        "owasp": list(f.owasp),
        "engines": sorted(set(f.engines)),
        "fingerprint": f.fingerprint,
        "state": f.state.value,
        "suppression": None
        if f.suppression is None
        else {
            "kind": f.suppression.kind.value,
            "reason": clean(f.suppression.reason),
            "until": f.suppression.until,
        },
    }


def _unanalyzed(u: Unanalyzed) -> dict[str, Any]:
    return {"path": clean(u.path), "reason": clean(u.reason), "engine": u.engine}


def _detection(d: Detection) -> dict[str, Any]:
    return {"kind": d.kind, "name": d.name, "evidence": [_evidence(e) for e in d.evidence]}


def _service(s: Service) -> dict[str, Any]:
    return {
        "root": clean(s.root),
        "name": clean(s.name),
        "manifests": [clean(m) for m in s.manifests],
        "detections": [_detection(d) for d in sorted(s.detections)],
    }


def _route(r: RouteRow) -> dict[str, Any]:
    return {
        "method": r.method,
        "url_path": clean(r.url_path),
        "handler": clean(r.handler),
        "file": clean(r.file),
        "line": r.line,
        "framework": r.framework,
        "service": clean(r.service),
        "in_spec": r.in_spec,
        "auth": r.auth,
        "mounts": [clean(m) for m in r.mounts],
    }


def _spec(s: SpecRow) -> dict[str, Any]:
    return {
        "path": clean(s.path),
        "kind": s.kind,
        "version": clean(s.version) if s.version is not None else None,
        "status": s.status,
        "operations": s.operations,
        "errors": s.errors,
        "ref_problems": s.ref_problems,
        "message": clean(s.message),
    }


def _table(t: TableRow) -> dict[str, Any]:
    return {
        "service": clean(t.service),
        "source": clean(t.source),
        "tool": t.tool,
        "name": clean(t.name),
        "file": clean(t.file),
        "line": t.line or None,
        "columns": [
            {
                "name": clean(c.name),
                "type": clean(c.type),
                "nullable": c.nullable,
                "primary_key": c.primary_key,
            }
            for c in t.columns
        ],
        "indexes": [clean(i) for i in t.indexes],
        "foreign_keys": [clean(f) for f in t.foreign_keys],
    }


def _migration(m: MigrationRow) -> dict[str, Any]:
    return {
        "source": clean(m.source),
        "order": m.order,
        "path": clean(m.path),
        "line": m.line or None,
        "tool": m.tool,
        "id": clean(m.id),
        "parents": [clean(p) for p in m.parents],
        "reversible": m.reversible,
        "unsafe": m.unsafe,
    }


def _config_value(v: ConfigValue) -> dict[str, Any]:
    return {"key": v.key, "value": v.value, "source": v.source.value, "origin": v.origin}


def _engine(run: EngineRun) -> dict[str, Any]:
    return {
        "engine": run.engine,
        "version": run.version,
        "ok": run.ok,
        "files_expected": run.files_expected,
        "files_scanned": run.files_scanned,
        "message": clean(run.message),
    }


def _remediation(r: Remediation) -> dict[str, Any]:
    return {
        "status": r.status.value,
        "target_phase": r.target_phase,
        "iteration": r.iteration,
        "max_iterations": r.max_iterations,
        "plan": [
            {
                "fingerprint": s.fingerprint,
                "rule_id": s.rule_id,
                "what": clean(s.what),
                "where": _location(s.where),
                "how": clean(s.how),
                "gates": list(s.gates),
            }
            for s in r.plan
        ],
        "iterations": [
            {
                "iteration": it.iteration,
                "fixed": [
                    {"rule_id": f.rule_id, "where": _location(f.where), "what": clean(f.what)}
                    for f in it.fixed
                ],
                "remaining": it.remaining,
            }
            for it in r.iterations
        ],
    }


def to_dict(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": report.schema_version,
        "tool": {"name": "gatekeeper", "version": report.tool_version},
        "verdict": report.verdict.value,
        "complete": report.complete,
        "scope": clean(report.scope) if report.scope is not None else None,
        "root_causes": list(report.root_causes),
        "phases": [_phase(p) for p in report.phases],
        "findings": [_finding(f) for f in report.findings],
        "unanalyzed": [_unanalyzed(u) for u in report.unanalyzed],
        "remediation": _remediation(report.remediation),
        "inventory": {
            "services": [_service(s) for s in report.services],
            "routes": [_route(r) for r in report.routes],
            "specs": [_spec(s) for s in report.specs],
            "schema": [_table(t) for t in report.tables],
            "migrations": [_migration(m) for m in report.migrations],
        },
        "config": [_config_value(v) for v in report.config],
        "engines": [_engine(e) for e in report.engines],
    }
    if report.timings is not None:
        data["timings"] = {name: seconds for name, seconds in report.timings}
    return data


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, sort_keys=False, ensure_ascii=True) + "\n"
