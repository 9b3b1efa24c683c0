// Test target for gk-js-ldap-injection (semgrep --test).
const ldap = require("ldapjs");
const client = ldap.createClient({ url: process.env.LDAP_URL });
const ldapClient = client;

app.post("/login", (req, res) => {
  const { username, password } = req.body;
  // ruleid: gk-js-ldap-injection
  client.bind(`uid=${username},ou=people,dc=example,dc=com`, password, (err) => {
    res.json({ ok: !err });
  });
});

app.get("/people", (req, res) => {
  const opts = {
    filter: "(&(objectClass=person)(cn=" + req.query.name + "))",
    scope: "sub",
  };
  // ruleid: gk-js-ldap-injection
  ldapClient.search("ou=people,dc=example,dc=com", opts, (err, result) => res.json({ ok: !err }));
  // ruleid: gk-js-ldap-injection
  client.search("ou=people,dc=example,dc=com", { filter: `(mail=${req.query.mail})` }, () => {});
});

app.get("/people-safe", (req, res) => {
  // ok: gk-js-ldap-injection
  client.search("ou=people,dc=example,dc=com", { filter: new ldap.EqualityFilter({ attribute: "cn", value: req.query.name }) }, () => {});
  // ok: gk-js-ldap-injection
  client.bind(process.env.LDAP_BIND_DN, process.env.LDAP_BIND_PW, () => {});
  // ok: gk-js-ldap-injection
  const handler = onResult.bind(null, req.query.name);
  // ok: gk-js-ldap-injection
  esClient.search({ index: "people", query: { match: { name: req.query.name } } });
  // ok: gk-js-ldap-injection
  client.search({ index: "people", q: req.query.name }, {}, () => {});
  res.end();
});
