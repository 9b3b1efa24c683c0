// Test target for gk-js-template-injection (semgrep --test).
const ejs = require("ejs");
const pug = require("pug");
const Handlebars = require("handlebars");

app.post("/preview", (req, res) => {
  // ruleid: gk-js-template-injection
  res.send(ejs.render(req.body.template, { user: req.user }));
});

app.get("/greet", (req, res) => {
  const tpl = "h1 Hello " + req.query.name;
  // ruleid: gk-js-template-injection
  const html = pug.render(tpl);
  // ruleid: gk-js-template-injection
  const t = Handlebars.compile(req.body.layout);
  res.send(html + t({}));
});

app.get("/greet-safe", (req, res) => {
  // ok: gk-js-template-injection
  const html = ejs.render("<h1>Hello <%= name %></h1>", { name: req.query.name });
  // ok: gk-js-template-injection
  res.render("greet", { name: req.query.name });
  // ok: gk-js-template-injection
  const t = Handlebars.compile(fs.readFileSync("views/mail.hbs", "utf8"));
  res.send(html + t({ name: req.query.name }));
});
