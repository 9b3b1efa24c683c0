// Test target for gk-js-xss (semgrep --test).
const escapeHtml = require("escape-html");

app.get("/hello", (req, res) => {
  // ruleid: gk-js-xss
  res.send("<h1>Hello " + req.query.name + "</h1>");
});

app.get("/search", (req, res) => {
  const q = req.query.q;
  // ruleid: gk-js-xss
  res.status(200).send(`<p>No results for ${q}</p>`);
});

app.post("/echo", (req, res) => {
  // ruleid: gk-js-xss
  res.write(req.body.comment);
  res.end();
});

async function greet(ctx) {
  // ruleid: gk-js-xss
  ctx.body = `<h1>Hello ${ctx.query.name}</h1>`;
}

app.get("/hello-safe", async (req, res) => {
  // ok: gk-js-xss
  res.send("<h1>Hello " + escapeHtml(req.query.name) + "</h1>");
  // ok: gk-js-xss
  res.json({ name: req.query.name });
  // ok: gk-js-xss
  res.send({ name: req.query.name });
  const users = await User.find({ name: String(req.query.name) });
  // ok: gk-js-xss
  res.send(users);
  // ok: gk-js-xss
  res.render("hello", { name: req.query.name });
});

async function greetText(ctx) {
  // ok: gk-js-xss
  ctx.body = { name: ctx.query.name };
}
