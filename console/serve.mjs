// SPDX-License-Identifier: MIT
// Serves the console on a loopback port and bridges its MQTT over
// WebSockets (path /mqtt) to a broker's plain TCP listener on loopback.
// A hub whose broker has its own WebSockets listener (RabbitMQ's
// rabbitmq_web_mqtt, a mosquitto that binds it where it is told) does not
// need the bridge; Debian 12's mosquitto 2.0.11 binds a websockets listener
// to every interface whatever address it is given, so the demo and the
// tests use this instead.
//   node serve.mjs --port PORT --broker PORT [--origin URL]... [--connect URL]...
// The bridge is the broker to whoever uses it, so it takes a WebSocket only
// from a page that holds this start's token (printed in the console's URL,
// which the page reads from its own address) and whose Origin is the
// console's own (or one given with --origin); the Host of every request
// must be the loopback address it listens on, so that a name rebound to
// 127.0.0.1 by another site's DNS is not served. --connect adds a broker
// URL the page may reach (its ?broker=) to the Content-Security-Policy.
import { randomBytes, timingSafeEqual } from 'node:crypto';
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

const server = http.createServer(async (req, res) => {
  if (!hostOk(req)) {
    res.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong host\n');
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
});
