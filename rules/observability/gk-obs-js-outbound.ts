const axios = require('axios');
const got = require('got');
const https = require('https');

async function charge(url, config, order) {
  // ruleid: gk-obs-js-outbound
  await axios.get(url);
  // ruleid: gk-obs-js-outbound
  await axios.get(url, { timeout: 5000 });
  // ruleid: gk-obs-js-outbound
  await axios.post(url, order);
  // ruleid: gk-obs-js-outbound
  await axios.post(url, order, { headers: {} });
  // ruleid: gk-obs-js-outbound
  await axios({ url, method: 'post', data: order });
  // ruleid: gk-obs-js-outbound
  const api = axios.create({ baseURL: url });
  // ok: gk-obs-js-outbound
  const bounded = axios.create({ baseURL: url });
  bounded.defaults.timeout = 2000;
  // ruleid: gk-obs-js-outbound
  await fetch(url);
  // ruleid: gk-obs-js-outbound
  await fetch(url, { signal: AbortSignal.timeout(5000) });
  // ruleid: gk-obs-js-outbound
  await got(url);
  // ruleid: gk-obs-js-outbound
  await got.post(url, { json: order, timeout: { request: 5000 } });
  // ruleid: gk-obs-js-outbound
  https.get(url, (res) => res.resume());
  // ok: gk-obs-js-outbound
  const req = https.request(url, { method: 'POST' }, (res) => res.resume());
  req.setTimeout(5000);
  // ok: gk-obs-js-outbound
  app.get('/users', list);
  // ok: gk-obs-js-outbound
  this.fetchOrders(url);
  // ruleid: gk-obs-js-outbound
  axios.defaults.timeout = 3000;
  return api;
}

async function typed(url: string) {
  // ruleid: gk-obs-js-outbound
  const rate = await axios.get<{ rate: number }>(url, { timeout: 2000 });
  // ruleid: gk-obs-js-outbound
  const saved = await axios.post<Saved>(url, rate.data);
  // ok: gk-obs-js-outbound
  const parsed = JSON.parse<Rate>(url);
  return [saved, parsed];
}
