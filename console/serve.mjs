// SPDX-License-Identifier: MIT
// Serves the console on a loopback port and bridges its MQTT over
// WebSockets (path /mqtt) to a broker's plain TCP listener on loopback.
// A hub whose broker has its own WebSockets listener (RabbitMQ's
// rabbitmq_web_mqtt, a mosquitto that binds it where it is told) does not
// need the bridge; Debian 12's mosquitto 2.0.11 binds a websockets listener
// to every interface whatever address it is given, so the demo and the
// tests use this instead.
//   node serve.mjs --port PORT --broker PORT [--origin URL]... [--connect URL]...
//                  [--ack-key-file FILE]
// The bridge is the broker to whoever uses it, so it takes a WebSocket only
// from a page that holds this start's token (printed in the console's URL,
// which the page reads from its own address) and whose Origin is the
// console's own (or one given with --origin); the Host of every request
// must be the loopback address it listens on, so that a name rebound to
// 127.0.0.1 by another site's DNS is not served. --connect adds a broker
// URL the page may reach (its ?broker=) to the Content-Security-Policy.
// With --ack-key-file (the key shared with the gateways, uplink.ack_key_file)
// this server signs for the page: POST /sign, with the same token, Origin
// and Host checks, takes an ack or a patient configuration, checks it, and
// answers the topic and the signed payload, which the page publishes. The
// key stays here: the page only ever sees signatures. Without a key, acks
// go unsigned (the gateways then take them as "verified": false) and a
// configuration, which a gateway takes only signed, is refused.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, createWebSocketStream } from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = (name) => process.argv.flatMap((a, i) =>
  a === name && i + 1 < process.argv.length ? [process.argv[i + 1]] : []);
const port = Number(args('--port')[0]);
const broker = Number(args('--broker')[0]);
if (!(port >= 0) || !(broker > 0)) {
  console.error('usage: node serve.mjs --port PORT --broker PORT [--origin URL]... [--connect URL]...');
  process.exit(2);
}
const origins = new Set();
for (const o of args('--origin')) {
  try {
    origins.add(new URL(o).origin);
  } catch {
    console.error(`serve: --origin ${o}: not a URL`);
    process.exit(2);
  }
}
const connect = args('--connect');
if (connect.some((u) => !/^wss?:\/\/[^\s;,']+$/.test(u))) {
  console.error('serve: --connect takes ws:// or wss:// URLs');
  process.exit(2);
}
const token = randomBytes(24).toString('base64url');
// The key as the gateways read it: the file's bytes less one trailing newline.
let key = null;
if (args('--ack-key-file').length) {
  const f = args('--ack-key-file')[0];
  try {
    key = readFileSync(f);
  } catch (e) {
    console.error(`serve: --ack-key-file ${f}: ${e.message}`);
    process.exit(2);
  }
  if (key.length && key[key.length - 1] === 0x0a) key = key.subarray(0, key.length - 1);
  if (key.length < 16 || key.length > 1024) {
    console.error(`serve: --ack-key-file ${f}: the key must be 16 to 1024 bytes`);
    process.exit(2);
  }
}

// ---- signing (DESIGN.md section 7) -----------------------------------------
// RFC 8785 (JCS): members sorted by their UTF-16 code units (what a
// JavaScript sort compares), no whitespace, strings and numbers as
// JSON.stringify writes them. The signature: base64url, unpadded, of
// HMAC-SHA256(key, the document without "sig" in that form).
const jcs = (v) => {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort()
    .map((k) => `${JSON.stringify(k)}:${jcs(v[k])}`).join(',')}}`;
};
const signed = (doc) => {
  if (!key) return doc;
  const { sig, ...rest } = doc;
  return { ...rest, sig: createHmac('sha256', key).update(jcs(rest)).digest('base64url') };
};
const OUTCOMES = ['advice', 'visit', 'ambulance', 'admitted', 'no_action', 'other'];
// Text a gateway takes: no control character (C0, DEL, C1), at most @max
// characters.
const text = (v, max) => typeof v === 'string' && v.length > 0 && [...v].length <= max &&
  !/[\u0000-\u001f\u007f-\u009f]/.test(v);
const GATEWAY = /^[A-Za-z0-9_-]{1,64}$/;
// What the page asks to have signed: the topic and the payload to publish,
// or why not.
function sign(req) {
  const gw = req && req.gateway;
  if (!GATEWAY.test(String(gw))) return { error: 'gateway: [A-Za-z0-9_-]{1,64}' };
  const ts = Math.floor(Date.now() / 1000);
  if (req.kind === 'ack') {
    const a = req.ack || {};
    if (typeof a.id !== 'string' || !a.id.startsWith(`${gw}-`) || !/^[0-9]{6,}$/.test(a.id.slice(gw.length + 1))) {
      return { error: `id: not an alert of ${gw}` };
    }
    if (!text(a.by, 64)) return { error: 'by: 1 to 64 characters, no control character' };
    if (a.outcome !== undefined && !OUTCOMES.includes(a.outcome)) return { error: `outcome: one of ${OUTCOMES.join(', ')}` };
    if (a.note !== undefined && !text(a.note, 500)) return { error: 'note: 1 to 500 characters, no control character' };
    const ack = { id: a.id, by: a.by, outcome: a.outcome, note: a.note };
    for (const k of Object.keys(ack)) if (ack[k] === undefined) delete ack[k];
    return { topic: `wardgate/${gw}/alerts/ack`, retain: false,
      payload: JSON.stringify(key ? signed({ ...ack, ts }) : ack), signed: !!key };
  }
  if (req.kind === 'config') {
    if (!key) return { error: 'no --ack-key-file: a gateway takes only a signed configuration' };
    const c = req.config || {};
    if (!Number.isSafeInteger(c.version) || c.version < 1) return { error: 'version: a whole number, 1 or more' };
    if (!Array.isArray(c.patients)) return { error: 'patients: an array (DESIGN.md section 4)' };
    return { topic: `wardgate/${gw}/config/desired`, retain: true,
      payload: JSON.stringify(signed({ version: c.version, ts, patients: c.patients })), signed: true };
  }
  return { error: 'kind: "ack" or "config"' };
}

// Only these files: the page, and MQTT.js from its own package.
const files = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/console.css': ['console.css', 'text/css; charset=utf-8'],
  '/console.js': ['console.js', 'text/javascript; charset=utf-8'],
  '/vendor/mqtt.esm.js': ['node_modules/mqtt/dist/mqtt.esm.js',
    'text/javascript; charset=utf-8'],
};
// Scripts and styles from these files only, no inline script, nothing
// framed, and the page's MQTT to this bridge (or a --connect broker).
// MQTT.js keeps its keepalive timer in a worker it makes from a blob, so
// that a console left in a background tab, whose timers the browser
// throttles, does not lose its connection.
const csp = ["default-src 'none'", "script-src 'self'", 'worker-src blob:', "style-src 'self'",
  "img-src 'self' data:", `connect-src 'self' ${connect.join(' ')}`.trim(),
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join('; ');

// The Host a request names is this server's loopback address and port.
let hosts = new Set();
const hostOk = (req) => hosts.has(String(req.headers.host || '').toLowerCase());
const tokenOk = (given) => {
  const a = Buffer.from(String(given || ''));
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
};

// Another site's page may post to this server too: /sign wants the
// console's Origin and the token, as the bridge does.
const originOk = (req) => req.headers.origin === `http://${req.headers.host}` || origins.has(req.headers.origin);

function signRequest(req, res) {
  const answer = (status, body) => res.writeHead(status, {
    'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
  }).end(JSON.stringify(body));
  if (!originOk(req)) return answer(403, { error: 'origin not allowed' });
  if (!tokenOk(new URL(req.url, 'http://x').searchParams.get('token'))) return answer(403, { error: 'bad token' });
  if (!/^application\/json\b/.test(String(req.headers['content-type']))) return answer(415, { error: 'JSON only' });
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 256 * 1024) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(400, { error: 'not JSON' });
    }
    const out = sign(body);
    return answer(out.error ? 400 : 200, out);
  });
}

const server = http.createServer(async (req, res) => {
  if (!hostOk(req)) {
    res.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong host\n');
    return;
  }
  if (new URL(req.url, 'http://x').pathname === '/sign' && req.method === 'POST') {
    signRequest(req, res);
    return;
  }
  const f = files[new URL(req.url, 'http://x').pathname];
  if (!f || req.method !== 'GET') {
    res.writeHead(404).end('not found\n');
    return;
  }
  try {
    const body = await readFile(path.join(here, f[0]));
    res.writeHead(200, {
      'Content-Type': f[1],
      'Cache-Control': 'no-store',
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.end(body);
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
});

const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
});
const refuse = (socket, status, why) => {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: ${why.length + 1}\r\n\r\n${why}\n`);
};
server.on('upgrade', (req, socket, head) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname !== '/mqtt') return refuse(socket, '404 Not Found', 'not found');
  if (!hostOk(req)) return refuse(socket, '421 Misdirected Request', 'wrong host');
  const origin = req.headers.origin;
  if (origin !== `http://${req.headers.host}` && !origins.has(origin)) {
    return refuse(socket, '403 Forbidden', 'origin not allowed');
  }
  if (!tokenOk(u.searchParams.get('token'))) return refuse(socket, '403 Forbidden', 'bad token');
  wss.handleUpgrade(req, socket, head, (ws) => {
    const tcp = net.connect(broker, '127.0.0.1');
    const stream = createWebSocketStream(ws);
    stream.on('error', () => tcp.destroy());
    tcp.on('error', () => ws.terminate());
    tcp.on('close', () => ws.terminate());
    stream.pipe(tcp).pipe(stream);
  });
});

server.listen(port, '127.0.0.1', () => {
  const p = server.address().port;
  hosts = new Set([`127.0.0.1:${p}`, `localhost:${p}`]);
  console.log(`console: http://127.0.0.1:${p}/?token=${token}`);
  if (!key) console.log('console: no --ack-key-file: acks go unsigned, and no configuration can be sent');
});
