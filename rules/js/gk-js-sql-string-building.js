// Test target for gk-js-sql-string-building (semgrep --test).
const { Pool } = require("pg");
const pool = new Pool();
const TABLE = "users";

async function byStatus(status) {
  // ruleid: gk-js-sql-string-building
  return pool.query(`SELECT * FROM orders WHERE status = '${status}'`);
}

async function byName(name) {
  const sql = "SELECT * FROM users WHERE name = '" + name + "'";
  // ruleid: gk-js-sql-string-building
  return pool.query(sql);
}

async function remove(id) {
  // ruleid: gk-js-sql-string-building
  await knex.raw("DELETE FROM sessions WHERE user_id = " + id);
}

async function safe(name, id) {
  // ok: gk-js-sql-string-building
  await pool.query("SELECT * FROM users WHERE name = $1", [name]);
  // ok: gk-js-sql-string-building
  await pool.query(`SELECT * FROM ${TABLE} WHERE id = $1`, [id]);
  // ok: gk-js-sql-string-building
  await pool.query("SELECT * FROM users WHERE id = " + parseInt(id, 10));
  // ok: gk-js-sql-string-building
  await pool.query("SELECT * FROM users WHERE name = " + mysql.escape(name));
  const label = `Hello ${name}`;
  // ok: gk-js-sql-string-building
  logger.query(label);
  // ok: gk-js-sql-string-building
  await pool.query("SELECT 1");
}
