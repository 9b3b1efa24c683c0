// Test target for gk-js-sql-injection (semgrep --test).
const express = require("express");
const mysql = require("mysql2");
const router = express.Router();
const db = mysql.createPool({ host: "localhost" });

router.get("/users", (req, res) => {
  // ruleid: gk-js-sql-injection
  db.query("SELECT * FROM users WHERE name = '" + req.query.name + "'", (err, rows) => res.json(rows));
});

router.get("/users/:id", async (req, res) => {
  const id = req.params.id;
  const sql = `SELECT * FROM users WHERE id = ${id}`;
  // ruleid: gk-js-sql-injection
  const [rows] = await db.execute(sql);
  res.json(rows);
});

router.post("/search", async (req, res) => {
  const { term } = req.body;
  // ruleid: gk-js-sql-injection
  const rows = await knex.raw(`select * from posts where title like '%${term}%'`);
  // ruleid: gk-js-sql-injection
  const more = await knex("posts").whereRaw("title = '" + term + "'");
  // ruleid: gk-js-sql-injection
  const users = await prisma.$queryRawUnsafe(`SELECT * FROM "User" WHERE email = '${req.body.email}'`);
  // ruleid: gk-js-sql-injection
  const qb = await repo.createQueryBuilder("u").where("u.name = '" + term + "'").getMany();
  res.json({ rows, more, users, qb });
});

async function list(ctx) {
  // ruleid: gk-js-sql-injection
  ctx.body = await sequelize.query("SELECT * FROM t ORDER BY " + ctx.query.sort);
}

router.get("/items", (req, res) => {
  // ok: gk-js-sql-injection
  db.query("SELECT * FROM users WHERE name = ?", [req.query.name], (err, rows) => res.json(rows));
  // ok: gk-js-sql-injection
  db.query({ text: "SELECT * FROM users WHERE id = $1", values: [req.query.id] });
  // ok: gk-js-sql-injection
  db.query("SELECT * FROM users WHERE id = " + parseInt(req.query.id, 10));
  // ok: gk-js-sql-injection
  db.query("SELECT * FROM users WHERE name = " + mysql.escape(req.query.name));
  // ok: gk-js-sql-injection
  knex("users").where({ name: req.query.name });
  // ok: gk-js-sql-injection
  knex("users").where("name", req.query.name);
  // ok: gk-js-sql-injection
  repo.createQueryBuilder("u").where("u.name = :name", { name: req.query.name });
  // ok: gk-js-sql-injection
  prisma.$queryRaw`SELECT * FROM "User" WHERE email = ${req.query.email}`;
  const ORDER = { name: "SELECT * FROM users ORDER BY name", age: "SELECT * FROM users ORDER BY age" };
  // ok: gk-js-sql-injection
  db.query(ORDER[req.query.sort] || ORDER.name);
  const limit = 10;
  // ok: gk-js-sql-injection
  db.query(`SELECT * FROM users LIMIT ${limit}`);
});
