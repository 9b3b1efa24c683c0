// Test target for gk-js-nosql-injection (semgrep --test).
const express = require("express");
const User = require("./models/user");
const app = express();

app.post("/login", async (req, res) => {
  // ruleid: gk-js-nosql-injection
  const user = await User.findOne({ email: req.body.email, password: req.body.password });
  res.json({ ok: !!user });
});

app.get("/users", async (req, res) => {
  // ruleid: gk-js-nosql-injection
  const users = await User.find(req.query);
  res.json(users);
});

app.get("/allocations", async (req, res) => {
  const threshold = req.query.threshold;
  // ruleid: gk-js-nosql-injection
  const rows = await db.collection("allocations").find({ $where: "this.stocks > " + threshold }).toArray();
  res.json(rows);
});

app.delete("/posts", async (req, res) => {
  const filter = { author: req.body.author };
  // ruleid: gk-js-nosql-injection
  await Post.deleteMany(filter);
  // ruleid: gk-js-nosql-injection
  await db.collection("posts").findOne({ slug: req.query.slug });
  // ruleid: gk-js-nosql-injection
  await this.articleModel.find({ tag: req.query.tag });
  res.sendStatus(204);
});

app.post("/login-safe", async (req, res) => {
  // ok: gk-js-nosql-injection
  const user = await User.findOne({ email: String(req.body.email) });
  // ok: gk-js-nosql-injection
  const byId = await User.findById(req.params.id);
  // ok: gk-js-nosql-injection
  const byParam = await User.findOne({ username: req.params.username });
  // ok: gk-js-nosql-injection
  const tag = req.body.tags.find((t) => t === "x");
  // ok: gk-js-nosql-injection
  const clean = await User.find(mongoSanitize(req.query));
  // ok: gk-js-nosql-injection
  const lower = await User.findOne({ email: req.body.email.toLowerCase() });
  // ok: gk-js-nosql-injection
  const viaService = await this.userService.findOne(req.body.user);
  res.json({ user, byId, byParam, tag, clean, lower, viaService });
});
