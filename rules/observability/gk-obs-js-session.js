const express = require('express');
const session = require('express-session');
const RedisStore = require('connect-redis').default;

const app = express();
// ruleid: gk-obs-js-session
app.use(session({ secret: process.env.SESSION_SECRET, resave: false }));
// ruleid: gk-obs-js-session
app.use(session({ store: new RedisStore({ client }), secret: process.env.SESSION_SECRET }));
// ok: gk-obs-js-session
app.use(express.json({ limit: '1mb' }));
// ok: gk-obs-js-session
const options = session(sessionOptions);
