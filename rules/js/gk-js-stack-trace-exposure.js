// Test target for gk-js-stack-trace-exposure (semgrep --test).
app.use((err, req, res, next) => {
  // ruleid: gk-js-stack-trace-exposure
  res.status(500).json({ message: err.message, stack: err.stack });
});

app.get("/report", async (req, res) => {
  try {
    await buildReport();
  } catch (e) {
    // ruleid: gk-js-stack-trace-exposure
    res.status(500).send(e.stack);
  }
});

async function errors(ctx, next) {
  try {
    await next();
  } catch (err) {
    // ruleid: gk-js-stack-trace-exposure
    ctx.body = { error: err.message, trace: err.stack };
  }
}

app.use((err, req, res, next) => {
  console.error(err.stack);
  if (process.env.NODE_ENV === "development") {
    // ok: gk-js-stack-trace-exposure
    return res.status(500).json({ message: err.message, stack: err.stack });
  }
  // ok: gk-js-stack-trace-exposure
  res.status(500).json({ message: "internal error" });
});

process.on("uncaughtException", (err) => {
  // ok: gk-js-stack-trace-exposure
  process.send(err.stack);
});
