"""No network: a full audit makes no inet connection, and runs no slower without a network.

    python benchmarks/offline.py REPO [--json OUT]

Runs `gatekeeper audit REPO` (every phase, engines on, no cache) three ways, one after the
other: normally; inside a new network namespace (`unshare -n`: only a loopback that is down,
so any attempt to reach the network fails at once instead of waiting); and under
`strace -f -e trace=connect`, counting the connect() calls to AF_INET or AF_INET6 addresses
(AF_UNIX sockets are local and not counted). Issue 3 asks for zero inet connections and an
`unshare -n` run that takes no longer than a normal one; a tool that tried the network (a
version check, a registry, a remote `$ref`) would show up as connections here, or as a stall
in one of the two timed runs.

Needs `unshare` (root or user namespaces) and `strace`; prints what it could not run.
Nothing here runs in the test suite: timings belong in benchmarks, never in assertions.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_INET_CONNECT = re.compile(r"connect\(\d+, \{sa_family=AF_INET6?,")


def audit_argv(repo: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-I",
        "-m",
        "gatekeeper",
        "audit",
        str(repo),
        "--no-cache",
        "--format",
        "json",
        "--output",
        f"json={out}",
        "-q",
    ]


def timed(argv: list[str]) -> dict[str, float]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    return {"seconds": round(time.perf_counter() - start, 2), "exit_code": done.returncode}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    result: dict[str, object] = {"repository": str(repo)}
    with tempfile.TemporaryDirectory(prefix="gk-offline-") as tmp:
        out = Path(tmp) / "report.json"
        result["normal"] = timed(audit_argv(repo, out))
        print(f"normal          {result['normal']['seconds']:>7.2f} s")  # type: ignore[index]
        unshare = shutil.which("unshare")
        if unshare:
            result["unshare_n"] = timed([unshare, "-n", *audit_argv(repo, out)])
            print(f"unshare -n      {result['unshare_n']['seconds']:>7.2f} s")  # type: ignore[index]
        else:
            print("unshare not found: the no-network run was skipped")
        strace = shutil.which("strace")
        if strace:
            trace = Path(tmp) / "trace.txt"
            timed([strace, "-f", "-e", "trace=connect", "-o", str(trace), *audit_argv(repo, out)])
            lines = trace.read_text(encoding="utf-8", errors="replace").splitlines()
            inet = [line for line in lines if _INET_CONNECT.search(line)]
            result["inet_connects"] = len(inet)
            result["connect_calls"] = sum("connect(" in line for line in lines)
            print(f"inet connect()  {len(inet):>7d}  (of {result['connect_calls']} connect calls)")
            for line in inet[:10]:
                print(f"  {line}")
        else:
            print("strace not found: the connection count was skipped")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
