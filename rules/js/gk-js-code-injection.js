// Test target for gk-js-code-injection (semgrep --test).
const vm = require("vm");

app.post("/calc", (req, res) => {
  // ruleid: gk-js-code-injection
  const result = eval(req.body.expression);
  res.json({ result });
});

app.post("/rule", (req, res) => {
  // ruleid: gk-js-code-injection
  const fn = new Function("x", "return " + req.body.rule);
  // ruleid: gk-js-code-injection
  vm.runInNewContext(req.query.code, {});
  // ruleid: gk-js-code-injection
  setTimeout("refresh(" + req.query.n + ")", 10);
  // ruleid: gk-js-code-injection
  const total = mathjs.eval(req.body.formula);
  res.json({ ok: fn(1), total });
});

app.post("/calc-safe", (req, res) => {
  // ok: gk-js-code-injection
  const data = JSON.parse(req.body.payload);
  // ok: gk-js-code-injection
  eval("1 + 1");
  // ok: gk-js-code-injection
  setTimeout(() => notify(req.body.user), 1000);
  // ok: gk-js-code-injection
  const n = eval(parseInt(req.query.n, 10));
  res.json({ data, n });
});
