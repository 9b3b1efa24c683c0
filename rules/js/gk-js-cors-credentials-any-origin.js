// Test target for gk-js-cors-credentials-any-origin (semgrep --test).
const cors = require("cors");

// ruleid: gk-js-cors-credentials-any-origin
app.use(cors({ origin: true, credentials: true }));

// ruleid: gk-js-cors-credentials-any-origin
app.use(cors({ credentials: true, origin: (origin, callback) => callback(null, true) }));

app.use((req, res, next) => {
  // ruleid: gk-js-cors-credentials-any-origin
  res.setHeader("Access-Control-Allow-Origin", req.headers.origin);
  res.setHeader("Access-Control-Allow-Credentials", "true");
  next();
});

// ruleid: gk-js-cors-credentials-any-origin
nestApp.enableCors({ origin: true, credentials: true });

// ok: gk-js-cors-credentials-any-origin
app.use(cors({ origin: ["https://app.example.com"], credentials: true }));
// ok: gk-js-cors-credentials-any-origin
app.use(cors({ origin: "*" }));
// ok: gk-js-cors-credentials-any-origin
app.use(cors({ origin: "*", credentials: true })); // browsers refuse credentials with a wildcard
// ok: gk-js-cors-credentials-any-origin
app.use(cors());
app.use((req, res, next) => {
  // ok: gk-js-cors-credentials-any-origin
  res.setHeader("Access-Control-Allow-Origin", "https://app.example.com");
  res.setHeader("Access-Control-Allow-Credentials", "true");
  next();
});
