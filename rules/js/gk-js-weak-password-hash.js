// Test target for gk-js-weak-password-hash (semgrep --test).
const crypto = require("crypto");
const md5 = require("md5");
const CryptoJS = require("crypto-js");

function store(user, password) {
  // ruleid: gk-js-weak-password-hash
  user.passwordHash = crypto.createHash("md5").update(password).digest("hex");
}

app.post("/register", (req, res) => {
  // ruleid: gk-js-weak-password-hash
  const hash = crypto.createHash("sha256").update(req.body.password + salt).digest("hex");
  // ruleid: gk-js-weak-password-hash
  const legacy = md5(req.body.password);
  // ruleid: gk-js-weak-password-hash
  const other = CryptoJS.SHA1(user.password).toString();
  // ruleid: gk-js-weak-password-hash
  const short = crypto.createHash("sha1").update(pass).digest("hex");
  res.json({ hash, legacy, other });
});

async function safe(password, resetToken, body) {
  // ok: gk-js-weak-password-hash
  const hash = await bcrypt.hash(password, 12);
  // ok: gk-js-weak-password-hash
  const tokenHash = crypto.createHash("sha256").update(resetToken).digest("hex");
  // ok: gk-js-weak-password-hash
  const etag = crypto.createHash("md5").update(body).digest("hex");
  // ok: gk-js-weak-password-hash
  const key = crypto.scryptSync(password, salt, 64);
  // ok: gk-js-weak-password-hash
  const pwdResetHash = crypto.createHash("sha256").update(user.passwordResetToken).digest("hex");
  // ok: gk-js-weak-password-hash
  const passportRef = crypto.createHash("sha256").update(body.passportNumber).digest("hex");
  return { hash, tokenHash, etag, key, pwdResetHash, passportRef };
}
