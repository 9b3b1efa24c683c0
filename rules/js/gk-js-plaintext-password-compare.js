// Test target for gk-js-plaintext-password-compare (semgrep --test).
app.post("/login", async (req, res) => {
  const user = await User.findOne({ where: { email: String(req.body.email) } });
  // ruleid: gk-js-plaintext-password-compare
  if (!user || user.password !== req.body.password) {
    return res.status(401).end();
  }
  res.json({ ok: true });
});

async function login(email, password) {
  const account = await accounts.byEmail(email);
  // ruleid: gk-js-plaintext-password-compare
  return account.password === password;
}

async function safe(req, user, password) {
  // ok: gk-js-plaintext-password-compare
  if (req.body.password !== req.body.confirmPassword) throw new Error("mismatch");
  // ok: gk-js-plaintext-password-compare
  if (user.password === undefined) throw new Error("no password");
  // ok: gk-js-plaintext-password-compare
  const ok = await bcrypt.compare(password, user.password);
  // ok: gk-js-plaintext-password-compare
  if (dto.password !== dto.passwordConfirmation) throw new Error("mismatch");
  // ok: gk-js-plaintext-password-compare
  if (user.password === hashedPassword) return true;
  return ok;
}
