// ruleid: gk-routes-js-const
const API_PREFIX = '/api/v1';
// ok: gk-routes-js-const
const name = 'users';
// ok: gk-routes-js-const
let mutable = '/x';
