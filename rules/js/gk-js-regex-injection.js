// Test target for gk-js-regex-injection (semgrep --test).
const escapeStringRegexp = require("escape-string-regexp");

app.get("/search", async (req, res) => {
  // ruleid: gk-js-regex-injection
  const re = new RegExp(req.query.pattern, "i");
  // ruleid: gk-js-regex-injection
  const posts = await Post.find({ title: { $regex: req.query.q, $options: "i" } });
  res.json(posts.filter((p) => re.test(p.body)));
});

app.get("/filter", (req, res) => {
  const term = req.query.term;
  // ruleid: gk-js-regex-injection
  const matcher = RegExp("^" + term);
  res.json(names.filter((n) => matcher.test(n)));
});

app.get("/search-safe", async (req, res) => {
  // ok: gk-js-regex-injection
  const re = new RegExp(escapeStringRegexp(req.query.pattern), "i");
  const safe = req.query.q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // ok: gk-js-regex-injection
  const posts = await Post.find({ title: { $regex: safe, $options: "i" } });
  // ok: gk-js-regex-injection
  const fixed = new RegExp("^[a-z]+$");
  res.json({ re: re.source, posts, fixed: fixed.source });
});
