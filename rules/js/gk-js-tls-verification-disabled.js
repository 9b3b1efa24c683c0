// Test target for gk-js-tls-verification-disabled (semgrep --test).
const https = require("https");
const axios = require("axios");

// ruleid: gk-js-tls-verification-disabled
const agent = new https.Agent({ rejectUnauthorized: false });

// ruleid: gk-js-tls-verification-disabled
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  // ruleid: gk-js-tls-verification-disabled
  ssl: { rejectUnauthorized: false },
});

// ruleid: gk-js-tls-verification-disabled
request({ url: "https://internal.example.com", strictSSL: false });

// ok: gk-js-tls-verification-disabled
const strict = new https.Agent({ rejectUnauthorized: true });
// ok: gk-js-tls-verification-disabled
const withCa = new https.Agent({ ca: fs.readFileSync("ca.pem") });
// ok: gk-js-tls-verification-disabled
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "1";
