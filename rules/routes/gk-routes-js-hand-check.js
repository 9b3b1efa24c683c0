function SessionHandler(db) {
  // ruleid: gk-routes-js-hand-check
  this.displayWelcomePage = (req, res, next) => {
    let userId;

    if (!req.session.userId) {
      return res.redirect('/login');
    }
    userId = req.session.userId;
    return res.render('dashboard', { userId });
  };

  // ok: gk-routes-js-hand-check
  this.displayLoginPage = (req, res) => {
    if (req.query.next) {
      res.locals.next = req.query.next;
    }
    return res.render('login');
  };
}

// ruleid: gk-routes-js-hand-check
async function closeAccount(req, res) {
  const token = req.headers.authorization;
  if (!token) {
    return res.sendStatus(401);
  }
  res.sendStatus(204);
}

// ruleid: gk-routes-js-hand-check
SessionHandler.prototype.logout = function (req, res) {
  if (!req.session) return res.redirect('/login');
  req.session.destroy();
};

// ok: gk-routes-js-hand-check
function listItems(req, res) {
  db.find({}, (err, docs) => {
    if (!req.user) return res.sendStatus(401);
    res.json(docs);
  });
}

// ok: gk-routes-js-hand-check
function report(req, res) {
  const a = 1;
  const b = 2;
  const c = 3;
  const d = 4;
  if (!req.user) return res.sendStatus(401);
}

class ItemsController {
  // ruleid: gk-routes-js-hand-check
  create(req, res) {
    if (!req.isAuthenticated()) {
      throw new Error('not signed in');
    }
    res.status(201).json(req.body);
  }
}

// ruleid: gk-routes-js-hand-check
module.exports = {
  // ruleid: gk-routes-js-hand-check
  remove: async (req, res) => {
    if (!req.user) return res.status(403).end();
    res.sendStatus(204);
  },
};

// ruleid: gk-routes-js-hand-check
router.get('/settings', function (req, res) {
  if (!req.user) {
    return res.status(401).send('log in first');
  }
  res.render('settings');
});

// ok: gk-routes-js-hand-check
cache.fetch('/settings', (req, res) => {
  if (!req.user) return res.sendStatus(401);
});

// ruleid: gk-routes-js-hand-check
const Sessions = require('./session');
// ruleid: gk-routes-js-hand-check
const { listAccounts, closeAccount: close } = require('../handlers/accounts');
// ruleid: gk-routes-js-hand-check
const sessions = new Sessions(db);
// ok: gk-routes-js-hand-check
const express = require('express');
