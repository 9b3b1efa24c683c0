"""Outbound HTTP calls in Python code and whether each one bounds its wait (a timeout).

requests and urllib wait forever by default; httpx and aiohttp have default timeouts, so only
the calls that can hang are recorded. Runs in the workers over the shared ast.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gatekeeper.extract.base import FunctionExtractor, ParsedFile
from gatekeeper.extract.pyparse import dotted

MAX_CALLS = 2000
_REQUESTS_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})


@dataclass(frozen=True, slots=True, order=True)
class OutboundCall:
    line: int
    callee: str  # as written: "requests.get", "urlopen", "session.post"
    timeout: bool  # a timeout= argument is passed


@dataclass(frozen=True, slots=True)
class OutboundCalls:
    path: str
    calls: tuple[OutboundCall, ...]


def _extract(pf: ParsedFile) -> OutboundCalls | None:
    if pf.tree is None or ("requests" not in pf.text and "urlopen" not in pf.text):
        return None
    requests_names = {"requests"}
    urlopen_names: set[str] = set()
    sessions: set[str] = set()
    for node in pf.nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "requests":
                    requests_names.add(alias.asname or "requests")
        elif isinstance(node, ast.ImportFrom) and node.module in ("urllib.request", "urllib2"):
            urlopen_names.update(a.asname or a.name for a in node.names if a.name == "urlopen")
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            made = dotted(node.value.func) or ""
            if made.endswith("Session") and made.split(".")[0] in requests_names | {"Session"}:
                sessions.update(t.id for t in node.targets if isinstance(t, ast.Name))
    calls: list[OutboundCall] = []
    for node in pf.nodes:
        if not isinstance(node, ast.Call) or len(calls) >= MAX_CALLS:
            continue
        callee = dotted(node.func)
        if callee is None:
            continue
        head, _, verb = callee.rpartition(".")
        hangs = (
            (head in requests_names and verb in _REQUESTS_VERBS)
            or (head in sessions and verb in _REQUESTS_VERBS)
            or callee in urlopen_names
            or callee in ("urllib.request.urlopen", "request.urlopen")
        )
        if not hangs:
            continue
        # `**options` may carry the timeout: not reported (a finding must be certain)
        timeout = any(k.arg in ("timeout", None) for k in node.keywords) or (
            callee.endswith("urlopen") and len(node.args) >= 3
        )
        calls.append(OutboundCall(node.lineno, callee, timeout))
    return OutboundCalls(pf.path, tuple(sorted(calls))) if calls else None


PYTHON = FunctionExtractor("outbound.python", frozenset({"python"}), _extract)
