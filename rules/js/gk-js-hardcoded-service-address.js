// Test target for gk-js-hardcoded-service-address (semgrep --test).
const axios = require("axios");
const mongoose = require("mongoose");

async function orders() {
  // ruleid: gk-js-hardcoded-service-address
  const res = await axios.get("http://orders-service:8080/api/orders");
  // ruleid: gk-js-hardcoded-service-address
  await fetch("http://localhost:3001/health");
  // ok: gk-js-hardcoded-service-address
  await fetch("https://api.github.com/repos");
  // ok: gk-js-hardcoded-service-address
  await axios.get(process.env.ORDERS_URL + "/api/orders");
  // ok: gk-js-hardcoded-service-address
  await axios.get(`${config.ordersUrl}/api/orders`);
  return res;
}

// ruleid: gk-js-hardcoded-service-address
mongoose.connect("mongodb://10.0.0.12:27017/shop");

// ok: gk-js-hardcoded-service-address
mongoose.connect(process.env.MONGO_URL);

// ruleid: gk-js-hardcoded-service-address
const pool = new Pool({ connectionString: "postgres://db.internal:5432/app" });
