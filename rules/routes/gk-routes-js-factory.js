const express = require('express');
const routes = require('./routes');
const { Router } = require('express');

const app = express();

// ruleid: gk-routes-js-factory
require('./routes/auth')(app, passport);
// ruleid: gk-routes-js-factory
routes(app, db);
// ok: gk-routes-js-factory
app.use('/api', routes(db));
// ok: gk-routes-js-factory
helper(app);

// ruleid: gk-routes-js-factory
function makeApi(db) {
  const api = Router();
  api.get('/items', list);
  return api;
}

// ruleid: gk-routes-js-factory
const makeStatus = () => {
  const status = Router();
  return status;
};

// ok: gk-routes-js-factory
const noReturn = () => {
  app.listen(3000);
};

// ruleid: gk-routes-js-factory
module.exports = function (router, db) {
  router.get('/items', list);
};

// ok: gk-routes-js-factory
const api = require('./routes/api')(app);
// ok: gk-routes-js-factory
app.use(require('./routes/web')(app));

MongoClient.connect(url, (err, db) => {
  // ruleid: gk-routes-js-factory
  routes(app, db);
  // ok: gk-routes-js-factory
  app.use('/v2', routes(db));
});
