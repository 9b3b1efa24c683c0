// Test target for gk-js-xxe (semgrep --test).
const libxmljs = require("libxmljs");

app.post("/invoice", (req, res) => {
  // ruleid: gk-js-xxe
  const doc = libxmljs.parseXml(req.body, { noent: true });
  res.json({ total: doc.get("//total").text() });
});

app.post("/feed", (req, res) => {
  // ruleid: gk-js-xxe
  const doc = libxmljs.parseXmlString(req.body.xml, { dtdload: true, noblanks: true });
  res.json({ n: doc.childNodes().length });
});

app.post("/invoice-safe", (req, res) => {
  // ok: gk-js-xxe
  const doc = libxmljs.parseXml(req.body);
  // ok: gk-js-xxe
  const doc2 = libxmljs.parseXml(req.body, { noent: false, noblanks: true });
  res.json({ a: doc.root().name(), b: doc2.root().name() });
});
