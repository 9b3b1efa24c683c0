// Test target for gk-js-xpath-injection (semgrep --test).
const xpath = require("xpath");
const { DOMParser } = require("@xmldom/xmldom");

const doc = new DOMParser().parseFromString(fs.readFileSync("users.xml", "utf8"));

app.post("/login", (req, res) => {
  const expr = "//user[name='" + req.body.name + "' and password='" + req.body.password + "']";
  // ruleid: gk-js-xpath-injection
  const nodes = xpath.select(expr, doc);
  res.json({ ok: nodes.length > 0 });
});

app.get("/user", (req, res) => {
  // ruleid: gk-js-xpath-injection
  const node = xpath.select1(`//user[@id='${req.query.id}']`, doc);
  res.json({ found: !!node });
});

app.get("/user-safe", (req, res) => {
  // ok: gk-js-xpath-injection
  const node = xpath.parse("//user[@id=$id]").select1({ node: doc, variables: { id: req.query.id } });
  // ok: gk-js-xpath-injection
  const all = xpath.select("//user", doc);
  // ok: gk-js-xpath-injection
  const byNum = xpath.select1("//user[position()=" + parseInt(req.query.n, 10) + "]", doc);
  res.json({ found: !!node, n: all.length, byNum: !!byNum });
});
