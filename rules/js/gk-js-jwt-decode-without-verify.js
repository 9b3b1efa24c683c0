// Test target for gk-js-jwt-decode-without-verify (semgrep --test).
const jwt = require("jsonwebtoken");

function auth(req, res, next) {
  const token = req.headers.authorization.split(" ")[1];
  // ruleid: gk-js-jwt-decode-without-verify
  const claims = jwt.decode(token);
  req.user = { id: claims.sub, role: claims.role };
  next();
}

app.get("/me", (req, res) => {
  // ruleid: gk-js-jwt-decode-without-verify
  const payload = jwt.decode(req.cookies.session);
  res.json({ id: payload.sub });
});

function authVerified(req, res, next) {
  const token = req.headers.authorization.split(" ")[1];
  // ok: gk-js-jwt-decode-without-verify
  const header = jwt.decode(token, { complete: true }).header;
  req.user = jwt.verify(token, keys[header.kid], { algorithms: ["RS256"] });
  next();
}

function tokenExpiry(token) {
  // ok: gk-js-jwt-decode-without-verify
  return jwt.decode(token).exp;
}
