// Test target for gk-js-open-redirect (semgrep --test).
app.get("/login/callback", (req, res) => {
  // ruleid: gk-js-open-redirect
  res.redirect(req.query.returnTo || "/");
});

app.get("/go", (req, res) => {
  const next = req.query.next;
  // ruleid: gk-js-open-redirect
  res.redirect(302, next);
});

async function back(ctx) {
  // ruleid: gk-js-open-redirect
  ctx.redirect(ctx.query.url);
}

app.get("/out", (req, res) => {
  // ruleid: gk-js-open-redirect
  res.setHeader("Location", req.query.to);
  res.status(302).end();
});

app.get("/l/:code", async (req, res) => {
  const link = await prisma.shortLink.findUnique({ where: { code: req.params.code } });
  // ok: gk-js-open-redirect
  res.redirect(link.target);
});

app.use((req, res, next) => {
  if (req.secure) return next();
  // ok: gk-js-open-redirect
  res.redirect(301, "https://" + req.headers.host + req.originalUrl);
});

const SAFE_TARGETS = ["/dashboard", "/settings"];
app.get("/go-safe", (req, res) => {
  // ok: gk-js-open-redirect
  res.redirect("/articles/" + req.query.slug);
  // ok: gk-js-open-redirect
  res.redirect(`/search?q=${encodeURIComponent(req.query.q)}`);
  const target = req.query.next;
  if (SAFE_TARGETS.includes(target)) {
    // ok: gk-js-open-redirect
    return res.redirect(target);
  }
  // ok: gk-js-open-redirect
  res.redirect("/");
});
