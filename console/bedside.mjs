// SPDX-License-Identifier: MIT
// The bedside page: the home's local alarm (DESIGN.md section 8,
// docs/schemas/local-alarm.json), big and readable, served on a loopback
// port of the home box.
//   node bedside.mjs --port PORT --broker PORT --gateway ID
//                    [--user NAME --password-file FILE]
// This server, not the page, is the home broker's client: it reads the
// retained wardgate/<gateway>/local/alarm (as the `bedside` account of the
// shipped config/mosquitto-gateway.acl, which may read nothing else; the
// password stays here) and hands the state to the page over Server-Sent
// Events (/events). The guard is the console server's (serve.mjs): this
// start's token in the page's URL, and the Host of every request this
// server's loopback address, so that a name another site rebinds to
// 127.0.0.1 is not served; a Content-Security-Policy lets the page run
// its own script only. The page never says "no alarm" unless the broker
// said so: while it is not connected it says that the state is unknown.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
};
const port = Number(arg('--port'));
const broker = Number(arg('--broker'));
const gateway = arg('--gateway');
if (!(port >= 0) || !(broker > 0) || !/^[A-Za-z0-9_-]{1,64}$/.test(String(gateway))) {
  console.error('usage: node bedside.mjs --port PORT --broker PORT --gateway ID [--user NAME --password-file FILE]');
  process.exit(2);
}
let password;
if (arg('--password-file')) {
  try {
    password = readFileSync(arg('--password-file'), 'utf8').replace(/\n$/, '');
  } catch (e) {
    console.error(`bedside: --password-file: ${e.message}`);
    process.exit(2);
  }
}
const topic = `wardgate/${gateway}/local/alarm`;
const token = randomBytes(24).toString('base64url');

// ---- the home broker ------------------------------------------------------
// known: the broker said what the topic holds (a retained document, its
// removal, or nothing retained after the subscription settled).
const state = { gateway, connected: false, known: false, alarms: null, problem: null, since: Date.now() / 1000 };
const clients = new Set();
const push = () => {
  const line = `data: ${JSON.stringify(state)}\n\n`;
  for (const res of clients) res.write(line);
};
// What the page may show of a message: the alarms, or why not.
function read(payload) {
  if (payload.length === 0) return { alarms: null, problem: null };
  try {
    const doc = JSON.parse(payload.toString('utf8'));
    if (doc && Array.isArray(doc.alarms) && doc.alarms.every((a) => a && typeof a === 'object')) {
      return { alarms: doc.alarms, problem: null };
    }
  } catch {
    /* said below */
  }
  return { alarms: null, problem: 'the alarm message on the home broker cannot be read' };
}
let settle;
const client = mqtt.connect({ host: '127.0.0.1', port: broker, protocolVersion: 4, clean: true,
  clientId: `bedside-${gateway}-${randomBytes(4).toString('hex')}`, reconnectPeriod: 1000,
  connectTimeout: 5000, username: arg('--user'), password });
client.on('connect', () => {
  Object.assign(state, { connected: true, known: false, since: Date.now() / 1000 });
  push();
  client.subscribe(topic, { qos: 1 }, (err, granted) => {
    if (err || !granted || granted.some((g) => g.qos > 2)) {
      Object.assign(state, { known: false, problem: `the home broker refuses ${topic} to this account` });
      push();
      return;
    }
    // A retained message follows the subscription's acknowledgement: wait
    // a moment before taking its absence for "no alarm".
    clearTimeout(settle);
    settle = setTimeout(() => {
      if (!state.known && state.connected) {
        Object.assign(state, { known: true, alarms: null, problem: null });
        push();
      }
    }, 1000);
  });
});
client.on('message', (t, payload) => {
  if (t !== topic) return;
  Object.assign(state, { known: true }, read(payload));
  push();
});
const lost = () => {
  if (!state.connected) return;
  clearTimeout(settle);
  Object.assign(state, { connected: false, known: false, since: Date.now() / 1000 });
  push();
};
client.on('close', lost);
client.on('offline', lost);
client.on('error', (e) => console.error(`bedside: ${e.message}`));

// ---- the page --------------------------------------------------------------
const files = {
  '/': ['bedside.html', 'text/html; charset=utf-8'],
  '/bedside.js': ['bedside.js', 'text/javascript; charset=utf-8'],
  '/bedside.css': ['bedside.css', 'text/css; charset=utf-8'],
};
const csp = ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join('; ');
let hosts = new Set();
const tokenOk = (given) => {
  const a = Buffer.from(String(given || ''));
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
};
const server = http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  if (!hosts.has(String(req.headers.host || '').toLowerCase())) {
    res.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong host\n');
    return;
  }
  if (req.method !== 'GET') {
    res.writeHead(405).end('GET only\n');
    return;
  }
  if (u.pathname === '/events') {
    if (!tokenOk(u.searchParams.get('token'))) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('bad token\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff' });
    res.write(`retry: 1000\ndata: ${JSON.stringify(state)}\n\n`);
    clients.add(res);
    req.on('close', () => clients.delete(res));
    return;
  }
  const f = files[u.pathname];
  if (!f) {
    res.writeHead(404).end('not found\n');
    return;
  }
  try {
    res.writeHead(200, { 'Content-Type': f[1], 'Cache-Control': 'no-store', 'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    res.end(await readFile(path.join(here, f[0])));
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
});
// An idle event stream says so now and then, so that a dead one is noticed.
setInterval(() => { for (const res of clients) res.write(': idle\n\n'); }, 15000).unref();
server.listen(port, '127.0.0.1', () => {
  const p = server.address().port;
  hosts = new Set([`127.0.0.1:${p}`, `localhost:${p}`]);
  console.log(`bedside: http://127.0.0.1:${p}/?token=${token}`);
});
