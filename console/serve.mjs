// SPDX-License-Identifier: MIT
// Serves the console on a loopback port and bridges its MQTT over
// WebSockets (path /mqtt) to a broker's plain TCP listener on loopback.
// A hub whose broker has its own WebSockets listener (RabbitMQ's
// rabbitmq_web_mqtt, a mosquitto that binds it where it is told) does not
// need the bridge; Debian 12's mosquitto 2.0.11 binds a websockets listener
// to every interface whatever address it is given, so the demo and the
// tests use this instead.
//   node serve.mjs --port PORT --broker PORT   (both on 127.0.0.1)
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, createWebSocketStream } from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : NaN;
};
const port = arg('--port');
const broker = arg('--broker');
if (!(port >= 0) || !(broker > 0)) {
  console.error('usage: node serve.mjs --port PORT --broker PORT');
  process.exit(2);
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

const server = http.createServer(async (req, res) => {
  const f = files[new URL(req.url, 'http://x').pathname];
  if (!f || req.method !== 'GET') {
    res.writeHead(404).end('not found\n');
    return;
  }
  try {
    const body = await readFile(path.join(here, f[0]));
    res.writeHead(200, { 'Content-Type': f[1], 'Cache-Control': 'no-store' });
    res.end(body);
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
});

const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
});
server.on('upgrade', (req, socket, head) => {
  if (new URL(req.url, 'http://x').pathname !== '/mqtt') {
    socket.destroy();
    return;
  }
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
  console.log(`console: http://127.0.0.1:${server.address().port}/`);
});
