// Test target for gk-js-path-traversal (semgrep --test).
const fs = require("fs");
const path = require("path");

app.get("/files/:name", (req, res) => {
  // ruleid: gk-js-path-traversal
  res.sendFile(path.join(__dirname, "uploads", req.params.name));
});

app.get("/download", (req, res) => {
  const file = "reports/" + req.query.file;
  // ruleid: gk-js-path-traversal
  const data = fs.readFileSync(file);
  // ruleid: gk-js-path-traversal
  res.download(req.query.file);
  res.send(data);
});

app.delete("/avatars", async (req, res) => {
  // ruleid: gk-js-path-traversal
  await fs.promises.unlink(path.resolve("avatars", req.body.name));
  res.end();
});

app.get("/attachments/:id", async (req, res) => {
  const attachment = await Attachment.findById(req.params.id);
  // ok: gk-js-path-traversal
  res.sendFile(attachment.storagePath);
});

app.get("/files-safe/:name", (req, res) => {
  // ok: gk-js-path-traversal
  res.sendFile(req.params.name, { root: path.join(__dirname, "uploads") });
  // ok: gk-js-path-traversal
  const data = fs.readFileSync(path.join("reports", path.basename(req.query.file)));
  // ok: gk-js-path-traversal
  fs.readFile(path.join(__dirname, "static", "index.html"), () => {});
  res.send(data);
});
