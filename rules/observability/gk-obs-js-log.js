const logger = require('./logger');

function login(req, res, user, password) {
  // ruleid: gk-obs-js-log
  console.log('login', user.id);
  // ruleid: gk-obs-js-log
  logger.info(`user ${user.id} logged in`);
  // ruleid: gk-obs-js-log
  req.log.info({ userId: user.id }, 'logged in');
  // ruleid: gk-obs-js-log
  this.logger.warn('bad password', password);
  // ok: gk-obs-js-log
  Math.log(2);
  // ok: gk-obs-js-log
  catalog.error('x');
  // ok: gk-obs-js-log
  res.json({ ok: true });
}
