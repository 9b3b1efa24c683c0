// Test target for gk-js-jwt-ignore-expiration (semgrep --test).
const jwt = require("jsonwebtoken");

function check(token) {
  // ruleid: gk-js-jwt-ignore-expiration
  return jwt.verify(token, process.env.JWT_SECRET, { algorithms: ["HS256"], ignoreExpiration: true });
}

function safe(token) {
  // ok: gk-js-jwt-ignore-expiration
  jwt.verify(token, process.env.JWT_SECRET, { algorithms: ["HS256"], ignoreExpiration: false });
  // ok: gk-js-jwt-ignore-expiration
  jwt.verify(token, process.env.JWT_SECRET, { algorithms: ["HS256"] });
}
