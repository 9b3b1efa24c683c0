import express, { Router } from 'express';

const app = express();
const router = Router();

// ruleid: gk-routes-js-call
app.get('/health', (req, res) => res.send('ok'));
// ruleid: gk-routes-js-call
router.post('/users', auth.required, validate(userSchema), usersController.create);
// ruleid: gk-routes-js-call
router.route('/users/:id').get(usersController.show);
// ruleid: gk-routes-js-call
app.use('/api', router);
// ruleid: gk-routes-js-call
app.use(limiter);

// ruleid: gk-routes-js-call
fastify.register(userRoutes, { prefix: '/users' });
// ruleid: gk-routes-js-call
fastify.route({ method: 'GET', url: '/items', handler: listItems });
// ruleid: gk-routes-js-call
fastify.setErrorHandler(handleErrors);
// ruleid: gk-routes-js-call
fastify.addHook('onRequest', authenticate);

// ok: gk-routes-js-call
const setting = app.get('env');
// ok: gk-routes-js-call
cache.delete(key);
// ok: gk-routes-js-call
router.param('id', loadUser);
