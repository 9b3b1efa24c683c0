// Test target for gk-js-hardcoded-secret (semgrep --test).
const jwt = require("jsonwebtoken");
const session = require("express-session");

// ruleid: gk-js-hardcoded-secret
const password = "hunter22";

// ruleid: gk-js-hardcoded-secret
let dbPassword = "s3cr3t-Pa55";

// ruleid: gk-js-hardcoded-secret
config.apiKey = "AKIA1234567890ABCD";

// ruleid: gk-js-hardcoded-secret
this.clientSecret = `Zq8d91kLm0`;

const db = {
  host: "localhost",
  // ruleid: gk-js-hardcoded-secret
  password: "hunter22",
};

const client = {
  // ruleid: gk-js-hardcoded-secret
  "access_token": "ghp_abcdefghijklmnop",
};

// ruleid: gk-js-hardcoded-secret
app.use(session({ secret: "keyboard cat", resave: false }));

// ruleid: gk-js-hardcoded-secret
const signed = jwt.sign({ sub: user.id }, "my-jwt-signing-key");

// ruleid: gk-js-hardcoded-secret
jwt.verify(token, "my-jwt-signing-key");

// ok: gk-js-hardcoded-secret
const fromEnv = process.env.DB_PASSWORD;

// ok: gk-js-hardcoded-secret
const jwtOk = jwt.sign({ sub: user.id }, process.env.JWT_SECRET);

// ok: gk-js-hardcoded-secret
let emptyPassword = "";

// ok: gk-js-hardcoded-secret
const apiKey = "changeme";

// ok: gk-js-hardcoded-secret
const secretToken = "<your token here>";

// ok: gk-js-hardcoded-secret
const tokenEnvName = "GITHUB_TOKEN";

// ok: gk-js-hardcoded-secret
const API_TOKEN = "API_TOKEN_VALUE";

// ok: gk-js-hardcoded-secret
const passwordLabel = "Password";

// ok: gk-js-hardcoded-secret
const passwordPrompt = "Enter your password";

// ok: gk-js-hardcoded-secret
const resetToken = `${prefix}-${id}`;

// ok: gk-js-hardcoded-secret
const form = { passwordField: "pwd-input" };

// ok: gk-js-hardcoded-secret
const hint = { password: "Enter a strong password please" };

// ok: gk-js-hardcoded-secret
crypto.sign("sha256", "payload-data", privateKey);

// ok: gk-js-hardcoded-secret
const user = "admin";

// ok: gk-js-hardcoded-secret
fetch(url, { method: 'POST', credentials: 'same-origin' });
