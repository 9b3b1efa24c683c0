// Test target for gk-js-jwt-none-algorithm (semgrep --test).
const jwt = require("jsonwebtoken");
const { expressjwt } = require("express-jwt");
const jose = require("jose");

function check(token) {
  // ruleid: gk-js-jwt-none-algorithm
  return jwt.verify(token, process.env.JWT_SECRET, { algorithms: ["HS256", "none"] });
}

function issue(user) {
  // ruleid: gk-js-jwt-none-algorithm
  return jwt.sign({ sub: user.id }, null, { algorithm: "none" });
}

// ruleid: gk-js-jwt-none-algorithm
app.use(expressjwt({ secret: process.env.JWT_SECRET, algorithms: ["none"] }));

function readUnsecured(token) {
  // ruleid: gk-js-jwt-none-algorithm
  return jose.UnsecuredJWT.decode(token);
}

function safe(token, user) {
  // ok: gk-js-jwt-none-algorithm
  jwt.verify(token, process.env.JWT_SECRET, { algorithms: ["HS256"] });
  // ok: gk-js-jwt-none-algorithm
  jwt.sign({ sub: user.id }, process.env.JWT_SECRET, { algorithm: "HS256", expiresIn: "1h" });
  // ok: gk-js-jwt-none-algorithm
  app.use(expressjwt({ secret: process.env.JWT_SECRET, algorithms: ["HS256"] }));
}
