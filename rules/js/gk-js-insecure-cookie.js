// Test target for gk-js-insecure-cookie (semgrep --test).
const session = require("express-session");
const cookieSession = require("cookie-session");

app.use(
  session({
    secret: process.env.SESSION_SECRET,
    // ruleid: gk-js-insecure-cookie
    cookie: { httpOnly: false, maxAge: 3600000 },
  }),
);

app.use(
  // ruleid: gk-js-insecure-cookie
  session({ secret: process.env.SESSION_SECRET, cookie: { secure: false } }),
);

app.post("/login", (req, res) => {
  // ruleid: gk-js-insecure-cookie
  res.cookie("sid", sessionId, { secure: false, httpOnly: true });
  res.end();
});

// ok: gk-js-insecure-cookie
app.use(session({ secret: process.env.SESSION_SECRET, cookie: { httpOnly: true, secure: true, sameSite: "lax" } }));
// ok: gk-js-insecure-cookie
app.use(session({ secret: process.env.SESSION_SECRET, cookie: { secure: process.env.NODE_ENV === "production" } }));
app.use((req, res, next) => {
  // ok: gk-js-insecure-cookie
  res.cookie("XSRF-TOKEN", req.csrfToken(), { httpOnly: false, secure: true, sameSite: "strict" });
  next();
});
// ok: gk-js-insecure-cookie
const transport = nodemailer.createTransport({ host: "smtp.example.com", port: 587, secure: false });
