// Test target for gk-js-errorhandler-in-production (semgrep --test).
const express = require("express");
const errorhandler = require("errorhandler");
const app = express();

// ruleid: gk-js-errorhandler-in-production
app.use(errorhandler());

if (process.env.NODE_ENV === "development") {
  // ok: gk-js-errorhandler-in-production
  app.use(errorhandler());
}

const isProduction = process.env.NODE_ENV === "production";
if (!isProduction) {
  // ok: gk-js-errorhandler-in-production
  app.use(errorhandler({ log: true }));
}

// ok: gk-js-errorhandler-in-production
app.use(errorHandlerMiddleware);
