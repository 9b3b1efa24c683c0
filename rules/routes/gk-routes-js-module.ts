import express from 'express';
import cors from 'cors';
import users from './routes/users';
import { ordersRouter } from '../orders/routes';
const items = require('./routes/items');
import { formatDate } from './utils/dates';
import makeAdmin from './admin';
import orders from './koa/orders';
import userRoutes from './fastify/users';

const app = express();
// ok: gk-routes-js-module
app.use(cors());
// ruleid: gk-routes-js-module
app.use('/users', users);
// ruleid: gk-routes-js-module
app.use('/orders', ordersRouter);
// ruleid: gk-routes-js-module
app.use('/items', auth, items);
// ruleid: gk-routes-js-module
app.use('/admin', makeAdmin({ readOnly: true }));
// ruleid: gk-routes-js-module
api.use('/orders', orders.routes());
// ruleid: gk-routes-js-module
server.register(userRoutes, { prefix: '/users' });
// ok: gk-routes-js-module
console.log(formatDate(new Date()));

// ruleid: gk-routes-js-module
export default app;
