// Test target for gk-js-command-injection (semgrep --test).
const { exec, execFile, spawn } = require("child_process");
const cp = require("child_process");
const run = require("child_process").exec;

app.get("/ping", (req, res) => {
  // ruleid: gk-js-command-injection
  exec("ping -c 1 " + req.query.host, (err, out) => res.send(out));
});

app.post("/convert", (req, res) => {
  const name = req.body.file;
  // ruleid: gk-js-command-injection
  cp.execSync(`convert ${name} out.png`);
  // ruleid: gk-js-command-injection
  spawn(`tar -xf ${name}`, { shell: true });
  // ruleid: gk-js-command-injection
  cp.spawn("sh", ["-c", "ls " + name]);
  // ruleid: gk-js-command-injection
  run("unzip " + req.body.archive);
  res.end();
});

app.get("/ping-safe", (req, res) => {
  // ok: gk-js-command-injection
  execFile("ping", ["-c", "1", req.query.host], (err, out) => res.send(out));
  // ok: gk-js-command-injection
  spawn("ls", ["-l", req.query.dir]);
  // ok: gk-js-command-injection
  exec("uptime", (err, out) => res.send(out));
  // ok: gk-js-command-injection
  /ab+c/.exec(req.query.text);
  // ok: gk-js-command-injection
  db.exec(req.query.text);
});
