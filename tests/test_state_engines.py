"""Statelessness outside Python (issue 11): a request handler that changes module-level state
(GK402) and uploads written to the local disk of a replicated service (GK404) in Express,
Gin/net/http and Spring services, found by the gk-obs-{js,go,java}-{state,upload} rules and
gatekeeper/extract/sgstate.py. Real audits with semgrep on small repositories written here;
every case names the line it is about by a snippet of that line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.model import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CRITERION = "scalability.scaling_strategy_documented"
COMPOSE = "services:\n  api:\n    build: .\n    deploy:\n      replicas: 3\n"
Finding3 = tuple[str, str, int]

EXPRESS_APP = """\
import express from 'express';
import multer from 'multer';

const app = express();
const cache: Record<string, number> = {};
const seen = new Set<string>();
let hits = 0;
const LIMIT = 10;
const upload = multer({ dest: 'uploads/' });
const inMemory = multer({ storage: multer.memoryStorage() });

app.get('/v1/rates/:code', async (req, res) => {
  cache[req.params.code] = 1;
  hits++;
  res.json({ hits, limit: LIMIT });
});

app.post('/v1/local', (req, res) => {
  const cache: Record<string, number> = {};
  cache[req.body.code] = 2;
  const perRequest = new Map<string, number>();
  perRequest.set('a', 1);
  res.json(cache);
});

function listRates(req, res) {
  seen.add(req.query.code);
  res.json([...seen]);
}
app.get('/v1/rates', listRates);

function warm() {
  seen.add('EUR');
}

app.post('/v1/files', upload.single('file'), (req, res) => res.json({}));
app.post('/v1/memory', inMemory.single('file'), (req, res) => res.json({}));
app.listen(3000);
"""
EXPRESS_TEST = """\
import { cache } from './app';

const counts = {};
app.get('/t', (req, res) => {
  counts['a'] = 1;
});
"""

GIN_MAIN = """\
package main

import (
\t"net/http"

\t"github.com/gin-gonic/gin"
)

var cache = map[string]float64{}

var (
\tserved  int
\tlimits  = []int{1, 2}
\tversion = "v1"
)

type handler struct {
\tclient *http.Client
}

func getRate(c *gin.Context) {
\tcache[c.Param("code")] = 1.0
\tserved++
\tlocal := map[string]int{}
\tlocal["a"] = 1
\tversion := "v2"
\tversion = "v3"
\tc.JSON(200, gin.H{"version": version})
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
\tlimits = append(limits, 3)
}

func warm() {
\tcache["EUR"] = 1.0
}

func upload(c *gin.Context) {
\tfh, _ := c.FormFile("file")
\tc.SaveUploadedFile(fh, "/data/"+fh.Filename)
}

func main() {
\tr := gin.New()
\tr.GET("/v1/rates/:code", getRate)
\tr.POST("/v1/files", upload)
\tr.GET("/v1/seen", func(c *gin.Context) {
\t\tdelete(cache, c.Query("code"))
\t})
\tr.Run(":8080")
}
"""

SPRING_DIR = "src/main/java/com/acme/rates"
SPRING_CONTROLLER = """\
package com.acme.rates;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.multipart.MultipartFile;

@RestController
public class RatesController {
    private final Map<String, Double> cache = new HashMap<>();
    private static final AtomicLong HITS = new AtomicLong();
    private int served = 0;
    private final List<String> codes = List.of("EUR", "USD");
    private final RatesClient client;
    @Autowired
    private AuditLog audit;

    public RatesController(RatesClient client) {
        this.client = client;
    }

    @GetMapping("/v1/rates/{code}")
    public double rate(@PathVariable String code) {
        cache.put(code, 1.0);
        HITS.incrementAndGet();
        this.served += 1;
        Map<String, Double> perRequest = new HashMap<>();
        perRequest.put(code, 2.0);
        audit.add(code);
        client.remember(code);
        return 1.0;
    }

    @PostMapping("/v1/files")
    public void upload(@RequestParam("file") MultipartFile file) throws Exception {
        file.transferTo(new java.io.File("/data/" + file.getOriginalFilename()));
    }

    void warm() {
        cache.put("EUR", 1.0);
    }
}
"""
SPRING_STORAGE = """\
package com.acme.rates;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.web.multipart.MultipartFile;

public class Storage {
    public void store(MultipartFile file) throws Exception {
        Files.copy(file.getInputStream(), Path.of("/data/x"));
    }

    public void toBucket(MultipartFile file) throws Exception {
        bucket.put(file.getOriginalFilename(), file.getInputStream());
    }
}
"""


def line_of(text: str, snippet: str) -> int:
    """The 1-based line of the only line containing `snippet`."""
    [line] = [n for n, row in enumerate(text.splitlines(), 1) if snippet in row]
    return line


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def repos() -> dict[str, dict[str, str]]:
    express_manifest = (FIXTURES / "ops-express/bad/package.json").read_text()
    express = {
        "package.json": express_manifest.replace('"axios"', '"multer": "^1.4.5",\n    "axios"'),
        "src/app.ts": EXPRESS_APP,
        "src/app.test.ts": EXPRESS_TEST,
    }
    gin = {"go.mod": (FIXTURES / "ops-gin/bad/go.mod").read_text(), "main.go": GIN_MAIN}
    spring = {
        "pom.xml": (FIXTURES / "ops-spring/bad/pom.xml").read_text(),
        f"{SPRING_DIR}/RatesController.java": SPRING_CONTROLLER,
        f"{SPRING_DIR}/Storage.java": SPRING_STORAGE,
    }
    return {
        "express": {**express, "docker-compose.yml": COMPOSE},
        "express-single": express,
        "gin": {**gin, "docker-compose.yml": COMPOSE},
        "spring": {**spring, "docker-compose.yml": COMPOSE},
    }


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Each repository written and audited once (scalability only, one semgrep run each)."""
    out: dict[str, Report] = {}
    for name, files in repos().items():
        root = write(tmp_path_factory.mktemp(name) / "repo", files)
        out[name] = api.audit(root, api.Options(phases=("scalability",))).report
    return out


def state_findings(report: Report) -> set[Finding3]:
    return {
        (f.rule_id, f.location.path, f.location.line or 0)
        for f in report.findings
        if f.criterion_id == CRITERION and f.rule_id in {"GK402", "GK403", "GK404"}
    }


def messages(report: Report) -> dict[tuple[str, int], str]:
    return {
        (f.location.path, f.location.line or 0): f.message
        for f in report.findings
        if f.rule_id in {"GK402", "GK404"}
    }


def at(rule: str, path: str, text: str, snippet: str) -> Finding3:
    return (rule, path, line_of(text, snippet))


@pytest.mark.engines
def test_express_handlers_that_change_module_state_and_disk_uploads(
    reports: dict[str, Report],
) -> None:
    # Not reported: the shadowing local cache, the per-request Map, warm() (no route names
    # it), the test file, the memoryStorage upload.
    app = "src/app.ts"
    assert state_findings(reports["express"]) == {
        at("GK402", app, EXPRESS_APP, "cache[req.params.code] = 1"),
        at("GK402", app, EXPRESS_APP, "hits++"),
        at("GK402", app, EXPRESS_APP, "seen.add(req.query.code)"),
        at("GK404", app, EXPRESS_APP, "multer({ dest: 'uploads/' })"),
    }
    shown = messages(reports["express"])
    assert shown[(app, line_of(EXPRESS_APP, "hits++"))] == (
        "GET /v1/rates/:code handler changes module-level counter hits"
    )
    assert shown[(app, line_of(EXPRESS_APP, "seen.add(req.query.code)"))] == (
        "listRates() calls .add() on module-level Set seen"
    )
    assert shown[(app, line_of(EXPRESS_APP, "multer({ dest"))] == (
        "multer writes uploads to the local disk (dest)"
    )


@pytest.mark.engines
def test_uploads_are_reported_only_when_the_service_runs_replicas(
    reports: dict[str, Report],
) -> None:
    found = state_findings(reports["express-single"])
    assert {rule for rule, _, _ in found} == {"GK402"}
    assert found == {f for f in state_findings(reports["express"]) if f[0] == "GK402"}


@pytest.mark.engines
def test_gin_handlers_that_change_package_state_and_saved_uploads(
    reports: dict[str, Report],
) -> None:
    # Not reported: the local map, the local `version` shadowing the package-level string,
    # warm() (not a handler), a string package variable.
    assert state_findings(reports["gin"]) == {
        at("GK402", "main.go", GIN_MAIN, 'cache[c.Param("code")] = 1.0'),
        at("GK402", "main.go", GIN_MAIN, "served++"),
        at("GK402", "main.go", GIN_MAIN, "limits = append(limits, 3)"),
        at("GK402", "main.go", GIN_MAIN, 'delete(cache, c.Query("code"))'),
        at("GK404", "main.go", GIN_MAIN, "c.SaveUploadedFile("),
    }
    shown = messages(reports["gin"])
    assert shown[("main.go", line_of(GIN_MAIN, "limits = append"))] == (
        "list() appends to package-level slice limits"
    )
    assert shown[("main.go", line_of(GIN_MAIN, "delete(cache"))] == (
        "handler func literal deletes from package-level map cache"
    )


@pytest.mark.engines
def test_spring_controller_fields_changed_in_mappings_and_uploads(
    reports: dict[str, Report],
) -> None:
    # Not reported: the per-request map, the @Autowired and constructor-injected fields, the
    # immutable List.of, warm() (no mapping), streaming the upload to a bucket.
    controller = f"{SPRING_DIR}/RatesController.java"
    storage = f"{SPRING_DIR}/Storage.java"
    assert state_findings(reports["spring"]) == {
        at("GK402", controller, SPRING_CONTROLLER, "cache.put(code, 1.0)"),
        at("GK402", controller, SPRING_CONTROLLER, "HITS.incrementAndGet()"),
        at("GK402", controller, SPRING_CONTROLLER, "this.served += 1"),
        at("GK404", controller, SPRING_CONTROLLER, "file.transferTo("),
        at("GK404", storage, SPRING_STORAGE, "Files.copy("),
    }
    shown = messages(reports["spring"])
    assert shown[(controller, line_of(SPRING_CONTROLLER, "HITS.incrementAndGet()"))] == (
        "RatesController.rate() calls .incrementAndGet() on field AtomicLong HITS"
    )
    assert shown[(storage, line_of(SPRING_STORAGE, "Files.copy("))] == (
        "store() Files.copy(file.getInputStream(), ...) writes the upload to the local disk"
    )
