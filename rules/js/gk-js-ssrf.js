// Test target for gk-js-ssrf (semgrep --test).
const axios = require("axios");
const http = require("http");

app.get("/proxy", async (req, res) => {
  // ruleid: gk-js-ssrf
  const r = await axios.get(req.query.url);
  res.send(r.data);
});

app.post("/webhook-test", async (req, res) => {
  const { target } = req.body;
  // ruleid: gk-js-ssrf
  const r = await fetch(target, { method: "POST" });
  // ruleid: gk-js-ssrf
  http.get(`http://${req.body.host}/status`, (resp) => resp.resume());
  // ruleid: gk-js-ssrf
  await axios({ method: "get", url: target });
  res.json({ status: r.status });
});

app.get("/avatar/:id", async (req, res) => {
  // ok: gk-js-ssrf
  const r = await axios.get("https://avatars.example.com/u/" + req.params.id);
  // ok: gk-js-ssrf
  const s = await fetch(`https://api.example.com/users/${encodeURIComponent(req.params.id)}`);
  // ok: gk-js-ssrf
  const t = await axios.get(`${config.apiBaseUrl}/users/${req.params.id}`);
  // ok: gk-js-ssrf
  const u = await fetch(process.env.STATUS_URL);
  const SOURCES = { files: "https://files.example.com", cdn: "https://cdn.example.com" };
  const base = SOURCES[req.query.source];
  // ok: gk-js-ssrf
  const v = await axios.get(`${base}/${encodeURIComponent(req.query.file)}`);
  res.json({ a: r.status, b: s.status, c: t.status, d: u.status, e: v.status });
});

const ALLOWED = ["https://a.example.com/hook"];
app.post("/hook", async (req, res) => {
  const url = req.body.url;
  if (ALLOWED.includes(url)) {
    // ok: gk-js-ssrf
    await fetch(url);
  }
  res.end();
});
