// Test target for gk-js-hardcoded-db-url (semgrep --test).
const { Pool } = require("pg");
const mongoose = require("mongoose");

// ruleid: gk-js-hardcoded-db-url
const pool = new Pool({ connectionString: "postgres://app:Sup3rS3cret@db.internal:5432/app" });

// ruleid: gk-js-hardcoded-db-url
mongoose.connect("mongodb+srv://admin:hunter22@cluster0.example.net/prod?retryWrites=true");

// ruleid: gk-js-hardcoded-db-url
const redisUrl = `redis://default:r3d1s-pw@cache:6379/0`;

// ruleid: gk-js-hardcoded-db-url
const mysqlUrl = "mysql://root:toor@127.0.0.1:3306/shop";

// ok: gk-js-hardcoded-db-url
const fromEnv = new Pool({ connectionString: process.env.DATABASE_URL });

// ok: gk-js-hardcoded-db-url
const noCredentials = "postgres://localhost:5432/app";

// ok: gk-js-hardcoded-db-url
const userOnly = "postgresql://app@db.internal/app";

// ok: gk-js-hardcoded-db-url
const built = `postgres://${user}:${password}@${host}/app`;

// ok: gk-js-hardcoded-db-url
const placeholder = "postgres://user:<password>@host/db";

// ok: gk-js-hardcoded-db-url
const docs = "mongodb://user:changeme@localhost/test";

// ok: gk-js-hardcoded-db-url
const web = "https://user:pass@example.com/";
