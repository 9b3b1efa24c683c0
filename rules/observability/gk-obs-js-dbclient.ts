import pg from 'pg';
import { Pool, Client } from 'pg';
import amqp from 'amqplib';

// ruleid: gk-obs-js-dbclient
const pool = new Pool({ host: 'db', max: 10 });

// ruleid: gk-obs-js-dbclient
const bounded = new pg.Pool({ connectionTimeoutMillis: 3000 });

// ruleid: gk-obs-js-dbclient
const client = new Client(config);

// ok: gk-obs-js-dbclient
const cache = new Map([['a', 1]]);

// ok: gk-obs-js-dbclient
const other = new Agent({ keepAlive: true });

// ruleid: gk-obs-js-dbclient
const broker = await amqp.connect('amqp://broker');

// ruleid: gk-obs-js-dbclient
const fast = await amqp.connect(process.env.AMQP_URL, { timeout: 5000 });

// ok: gk-obs-js-dbclient
const socket = net.connect(5672, 'broker', onReady, extra);
