"""Outbound-call timeouts and logging checks for JavaScript, Go and Java: semgrep's inventory
rules in rules/observability/, the facts they become, and the two criteria on real audits.
Fixture audits run the real semgrep; the resolver tests use hand-built matches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.extract import sgobservability as sgo
from gatekeeper.extract.logging_calls import LogSighting
from gatekeeper.extract.outbound import OutboundCall
from gatekeeper.model import Report, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CRITERIA = ("scalability.circuit_breakers", "observability.structured_logging")
RULES = {"GK421", "GK422", "GK601", "GK602", "GK603", "GK604", "GK605"}

EXPRESS_ROUTE = "src/routes/payments.js"
GIN_HANDLERS = "internal/payments/handlers.go"
SPRING = "src/main/java/com/acme/payments"
EXPECTED = {
    "obs-express": {
        ("GK421", "src/lib/rates.js", 4),  # axios calls, no breaker or retry library
        ("GK422", "src/lib/rates.js", 9),  # axios.post without options (the get has a timeout)
        ("GK602", EXPRESS_ROUTE, 10),  # console.log (scripts/seed.js is a script)
        ("GK603", EXPRESS_ROUTE, 13),  # template literal message
        ("GK605", EXPRESS_ROUTE, 14),  # { apiKey }
        ("GK604", EXPRESS_ROUTE, 17),  # catch (err) {}
    },
    "obs-gin": {
        # the client with Timeout is bounded; gobreaker is imported: no GK421
        ("GK422", "internal/rates/rates.go", 34),  # http.Post
        ("GK602", GIN_HANDLERS, 27),  # fmt.Println in a handler (main() and tools/ are not)
        ("GK603", GIN_HANDLERS, 34),  # log.Printf("... %v ...")
        ("GK604", GIN_HANDLERS, 35),  # if err := ...; err != nil {}
        ("GK605", GIN_HANDLERS, 37),  # zap.String("token", ...)
    },
    "obs-spring": {
        # the builder with connect/read timeouts is bounded; resilience4j is imported
        ("GK422", f"{SPRING}/HttpClients.java", 18),  # new RestTemplate()
        ("GK602", f"{SPRING}/PaymentController.java", 24),  # System.out.println
        ("GK603", f"{SPRING}/PaymentController.java", 26),  # "charged " + amount
        ("GK605", f"{SPRING}/PaymentController.java", 28),  # apiToken
        ("GK604", f"{SPRING}/PaymentController.java", 31),  # catch (Exception e) {}
    },
}
# The same services with every finding fixed, as a team would fix them.
FIXES = {
    "obs-express": {
        "src/lib/rates.js": [
            ("{ card, amount });", "{ card, amount }, { timeout: 5000 });"),
            (
                "const axios = require('axios');",
                "const axios = require('axios');\n"
                "const axiosRetry = require('axios-retry');\n\naxiosRetry(axios, { retries: 3 });",
            ),
        ],
        EXPRESS_ROUTE: [
            ("  console.log('charging card');\n", ""),
            (
                "logger.info(`charged ${charge.id} for ${amount}`);",
                "logger.info({ chargeId: charge.id, amount }, 'charged');",
            ),
            ("  logger.debug({ apiKey }, 'partner key used');\n", ""),
            (
                "} catch (err) {}",
                "} catch (err) {\n    logger.warn({ err }, 'notify failed');\n  }",
            ),
        ],
    },
    "obs-gin": {
        "internal/rates/rates.go": [
            ('http.Post("https://psp', 'client.Post("https://psp'),
        ],
        GIN_HANDLERS: [
            ('\t\tfmt.Println("charging card")\n', ""),
            (
                'log.Printf("charging %v %s", req.Amount*rate, req.Currency)',
                'logger.Info("charging", zap.Float64("amount", req.Amount*rate))',
            ),
            (
                "err != nil {\n\t\t}",
                'err != nil {\n\t\t\tlogger.Error("charge", zap.Error(err))\n\t\t}',
            ),
            ('zap.String("token", req.APIToken)', 'zap.String("currency", req.Currency)'),
            ('\t"fmt"\n\t"log"\n', ""),
        ],
    },
    "obs-spring": {
        f"{SPRING}/HttpClients.java": [
            (
                "RestTemplate pspClient() {\n        return new RestTemplate();",
                "RestTemplate pspClient(RestTemplateBuilder builder) {\n"
                "        return builder.setReadTimeout(Duration.ofSeconds(5)).build();",
            ),
        ],
        f"{SPRING}/PaymentController.java": [
            ('        System.out.println("charging card");\n', ""),
            (
                'log.info("charged " + request.amount() + " " + request.currency());',
                'log.info("charged {} {}", request.amount(), request.currency());',
            ),
            ('log.debug("partner token {}", apiToken);', 'log.debug("partner token set");'),
            (
                "} catch (Exception e) {\n        }",
                '} catch (Exception e) {\n            log.warn("notify failed", e);\n        }',
            ),
        ],
    },
}


def copy_fixture(name: str, dest: Path) -> Path:
    root = dest / name
    shutil.copytree(FIXTURES / name, root)
    return root


def fixed(name: str, dest: Path) -> Path:
    root = copy_fixture(name, dest)
    for path, edits in FIXES[name].items():
        text = (root / path).read_text()
        for old, new in edits:
            assert old in text, (path, old)
            text = text.replace(old, new)
        (root / path).write_text(text)
    return root


def run(root: Path, *, engines: bool = True) -> Report:
    options = api.Options(phases=("scalability", "observability"), engines=engines)
    return api.audit(root, options).report


def found(report: Report) -> set[tuple[str, str, int | None]]:
    return {
        (f.rule_id, f.location.path, f.location.line) for f in report.findings if f.rule_id in RULES
    }


def outcome(report: Report, criterion: str) -> tuple[Status, str]:
    [crit] = [c for p in report.phases for c in p.criteria if c.id == criterion]
    return crit.status, crit.message


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Each fixture audited once with the engines on (one real semgrep run each)."""
    return {name: run(copy_fixture(name, tmp_path_factory.mktemp(name))) for name in EXPECTED}


@pytest.mark.engines
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_findings_are_exact(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    assert found(report) == EXPECTED[name]
    for criterion in CRITERIA:
        assert outcome(report, criterion)[0] is Status.FAIL


@pytest.mark.engines
def test_findings_say_what_is_wrong(reports: dict[str, Report]) -> None:
    messages = {
        (f.rule_id, f.location.line): f.message
        for f in reports["obs-spring"].findings
        if f.rule_id in RULES
    }
    assert messages[("GK422", 18)] == "new RestTemplate() has no timeout"
    assert messages[("GK605", 28)] == "log.debug(..., apiToken)"
    gin = {f.rule_id: f.message for f in reports["obs-gin"].findings if f.rule_id in RULES}
    assert gin["GK422"] == "http.Post(...) has no timeout"
    assert gin["GK603"] == 'log.Printf("...%v...", ...)'


@pytest.mark.engines
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixed_twin_passes(tmp_path: Path, name: str) -> None:
    report = run(fixed(name, tmp_path))
    assert found(report) == set()
    for criterion in CRITERIA:
        assert outcome(report, criterion)[0] is Status.PASS, outcome(report, criterion)


@pytest.mark.parametrize(("name", "language"), [("obs-express", "javascript"), ("obs-gin", "go")])
def test_without_semgrep_the_criteria_err(tmp_path: Path, name: str, language: str) -> None:
    report = run(fixed(name, tmp_path), engines=False)
    for criterion in CRITERIA:
        status, message = outcome(report, criterion)
        assert status is Status.ERROR
        assert f"in {language} are unknown (semgrep did not run" in message
    assert found(report) == set()


# ------------------------------------------------------------------ resolver, hand-built


def m(rule: str, path: str, line: int, **bound: str) -> InventoryMatch:
    return InventoryMatch(path, line, 1, line, 80, rule, tuple(bound.items()))


def resolve(
    *matches: InventoryMatch,
    imports: dict[str, frozenset[str]] | None = None,
    texts: dict[str, str] | None = None,
) -> sgo.EngineObservability:
    known, files = imports or {}, texts or {}
    return sgo.resolve(matches, lambda p: known.get(p, frozenset()), files.get)


AXIOS = {"a.js": frozenset({"axios"})}


def test_js_options_decide_the_timeout() -> None:
    out = resolve(
        m(sgo.JS_OUTBOUND, "a.js", 1, CLIENT="axios", VERB="get", URL="url"),
        m(sgo.JS_OUTBOUND, "a.js", 2, CLIENT="axios", VERB="get", URL="url", OPTS="{ timeout }"),
        m(sgo.JS_OUTBOUND, "a.js", 3, CLIENT="axios", VERB="get", URL="url", OPTS="config"),
        m(sgo.JS_OUTBOUND, "a.js", 4, CLIENT="axios", VERB="get", URL="u", OPTS="{ ...base }"),
        m(sgo.JS_OUTBOUND, "a.js", 5, CLIENT="axios", URL="{ url, method: 'get' }"),
        m(sgo.JS_OUTBOUND, "a.js", 6, CLIENT="fetch", URL="'/api/items'"),
        m(sgo.JS_OUTBOUND, "a.js", 6, CLIENT="fetch", URL="`/api/items/${id"),
        m(sgo.JS_OUTBOUND, "a.js", 7, CLIENT="fetch", URL="id"),
        m(sgo.JS_OUTBOUND, "a.js", 8, CLIENT="fetch", URL="orderUrl", OPTS="{ method: 'POST' }"),
        m(sgo.JS_OUTBOUND, "b.js", 1, CLIENT="axios", VERB="get", URL="url"),  # no import
        m(sgo.JS_OUTBOUND, "a.test.js", 1, CLIENT="axios", VERB="get", URL="url"),
        imports=AXIOS,
    )
    assert out.calls == (
        (
            "a.js",
            (
                OutboundCall(1, "axios.get", False),
                OutboundCall(2, "axios.get", True),
                OutboundCall(3, "axios.get", True),  # a variable: not certain
                OutboundCall(4, "axios.get", True),  # a spread: not certain
                OutboundCall(5, "axios", False),
                OutboundCall(8, "fetch", False),  # relative URLs and the app's fetch(id) left out
            ),
        ),
    )


def test_axios_default_timeout_bounds_every_axios_call() -> None:
    out = resolve(
        m(sgo.JS_OUTBOUND, "a.js", 1, CLIENT="axios", VERB="get", URL="url"),
        m(sgo.JS_OUTBOUND, "a.js", 9, SET="5000"),
        imports=AXIOS,
    )
    assert out.calls == (("a.js", (OutboundCall(1, "axios.get", True),)),)


def test_log_sightings_per_language() -> None:
    out = resolve(
        m(sgo.JS_LOG, "a.js", 1, OWNER="console", LEVEL="error", ARGS="err"),
        m(sgo.JS_LOG, "a.js", 2, OWNER="logger", LEVEL="info", ARGS="`paid ${order.id"),
        m(sgo.JS_LOG, "a.js", 3, OWNER="logger", LEVEL="info", ARGS="{ tokenCount }, 'ok'"),
        m(sgo.JS_LOG, "a.js", 4, OWNER="logger", LEVEL="info", ARGS="'a' + 'b'"),
        m(sgo.GO_LOG, "a.go", 1, OWNER="log", LEVEL="Printf", ARGS='"done"'),
        m(sgo.GO_LOG, "a.go", 2, OWNER="sugar", LEVEL="Infow", ARGS='"login", "password", pw'),
        m(sgo.JAVA_LOG, "A.java", 1, OWNER="log", LEVEL="info", ARGS='String.format("%s", x)'),
        m(sgo.JAVA_LOG, "A.java", 2, OWNER="e", LEVEL="printStackTrace"),
        m(
            sgo.JAVA_LOG,
            "A.java",
            3,
            OWNER="log",
            LEVEL="info",
            ARGS='"h {}", headers.authorization',
        ),
    )
    assert dict(out.logs) == {
        "A.java": (
            LogSighting(1, "interpolated", "log.info(String.format(...))"),
            LogSighting(2, "print", "e.printStackTrace()"),
            LogSighting(3, "secret", "log.info(..., headers.authorization)"),
        ),
        "a.go": (LogSighting(2, "secret", "sugar.Infow(..., password)"),),
        "a.js": (LogSighting(2, "interpolated", "logger.info(`...${}...`)"),),
    }


def test_browser_and_test_files_are_not_the_service() -> None:
    assert sgo.skipped("public/js/app.js") and sgo.skipped("src/components/Cart.tsx")
    assert sgo.skipped("internal/orders/handlers_test.go")
    assert not sgo.skipped("src/routes/payments.js") and not sgo.skipped("static/main.go")
    # NetBox's TypeScript for the browser, under a Django static source directory
    assert sgo.skipped("netbox/project-static/src/util.ts")
    assert sgo.skipped("app/staticfiles/js/site.js")
    assert not sgo.skipped("src/statistics/report.ts")


def test_explained_empty_handlers_and_shell_scripts_are_left_out() -> None:
    handlers = "try {\n  a();\n} catch (err) {\n  // optional: anonymous users\n}\n"
    out = resolve(
        m(sgo.JS_SWALLOWED, "a.js", 3, CAUGHT="err"),  # the comment says why
        m(sgo.JAVA_SWALLOWED, "A.java", 7, CAUGHT="Exception", NAME="ignored"),
        m(sgo.JAVA_SWALLOWED, "A.java", 9, CAUGHT="Throwable", NAME="t"),
        m(sgo.JS_LOG, "bin.js", 4, OWNER="console", LEVEL="log", ARGS="'done'"),
        m(sgo.JS_LOG, "bin.js", 5, OWNER="console", LEVEL="log", ARGS="token"),
        texts={"a.js": handlers, "bin.js": "#!/usr/bin/env node\n"},
    )
    assert dict(out.logs) == {
        "A.java": (LogSighting(9, "swallowed", "catch (Throwable t) {}"),),
        "bin.js": (LogSighting(5, "secret", "console.log(..., token)"),),
    }
