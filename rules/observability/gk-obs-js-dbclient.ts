import pg from 'pg';
import { Pool, Client } from 'pg';

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
