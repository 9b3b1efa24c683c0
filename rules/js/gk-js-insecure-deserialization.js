// Test target for gk-js-insecure-deserialization (semgrep --test).
const serialize = require("node-serialize");
const yaml = require("js-yaml");

app.get("/profile", (req, res) => {
  const raw = Buffer.from(req.cookies.profile, "base64").toString();
  // ruleid: gk-js-insecure-deserialization
  const profile = serialize.unserialize(raw);
  res.json(profile);
});

app.post("/import", (req, res) => {
  // ruleid: gk-js-insecure-deserialization
  const doc = yaml.load(req.body.yaml, { schema: yaml.DEFAULT_FULL_SCHEMA });
  res.json(doc);
});

app.post("/import-safe", (req, res) => {
  // ok: gk-js-insecure-deserialization
  const data = JSON.parse(req.body.json);
  // ok: gk-js-insecure-deserialization
  const doc = yaml.load(req.body.yaml);
  // ok: gk-js-insecure-deserialization
  const out = serialize.serialize({ a: 1 });
  res.json({ data, doc, out });
});
