// Test target for gk-js-jwt-verify-without-algorithms (semgrep --test).
const jwt = require("jsonwebtoken");
const fs = require("fs");
const publicKey = fs.readFileSync("keys/public.pem");

function check(token) {
  // ruleid: gk-js-jwt-verify-without-algorithms
  return jwt.verify(token, publicKey);
}

function checkCb(token, cb) {
  // ruleid: gk-js-jwt-verify-without-algorithms
  jwt.verify(token, config.jwtPublicKey, (err, claims) => cb(err, claims));
}

function checkOpts(token) {
  // ruleid: gk-js-jwt-verify-without-algorithms
  return jwt.verify(token, PUBLIC_CERT, { audience: "api" });
}

function safe(token) {
  // ok: gk-js-jwt-verify-without-algorithms
  jwt.verify(token, publicKey, { algorithms: ["RS256"] });
  // ok: gk-js-jwt-verify-without-algorithms
  jwt.verify(token, process.env.JWT_SECRET);
}
