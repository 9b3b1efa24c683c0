// ruleid: gk-routes-js-plugin
const fp = require('fastify-plugin');
// ruleid: gk-routes-js-plugin
const autoLoad = require('@fastify/autoload');
// ok: gk-routes-js-plugin
const cors = require('@fastify/cors');

// ruleid: gk-routes-js-plugin
module.exports = fp(async function (fastify, opts) {
  fastify.addHook('onRequest', authenticate);
});

// ruleid: gk-routes-js-plugin
module.exports = async (fastify, opts) => {
  fastify.get('/', list);
};

async function users(server, options) {
  server.get('/', list);
}
// ruleid: gk-routes-js-plugin
module.exports = fp(users);

// ruleid: gk-routes-js-plugin
module.exports.autoPrefix = '/v2';

// ok: gk-routes-js-plugin
module.exports.helper = helper;
// ok: gk-routes-js-plugin
const server = fastify();
