const express = require('express');
const { Router } = require('express');

// ruleid: gk-routes-js-router
const app = express();
// ruleid: gk-routes-js-router
const users = express.Router({ mergeParams: true });
// ruleid: gk-routes-js-router
const api = Router().use(users);
// ruleid: gk-routes-js-router
const admin = require('express').Router();

// ruleid: gk-routes-js-router
const users = new Router({ prefix: '/users' });

// ruleid: gk-routes-js-router
const fastify = require('fastify')({ logger: true });

// ok: gk-routes-js-router
const server = http.createServer(app);
// ok: gk-routes-js-router
const routerName = 'users';
