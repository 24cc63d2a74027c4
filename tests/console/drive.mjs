// SPDX-License-Identifier: MIT
// Drives the hub console in Debian's chromium for it_console.sh:
//   node drive.mjs URL DIR BROKER_PORT
// First, with the devices quiet (it_console.sh stopped them): the page,
// loaded after the scores were sent, shows every patient's tile with the
// score the daemon last published, from the retained news2/latest, within
// 2 s of the load (a bound on the wait, not a measurement), none of them
// stale; then it writes DIR/latest-seen and the devices go on.
// Phase one: the gateway shows online, and its open-alert count is the
// table's; a fall published then shows as an
// open alert (the time it took is printed, not judged); each NEWS2 tile
// shows the score the daemon last published (from DIR/hub.sub); a
// screenshot; the Acknowledge button, with a clinician's name, moves the
// fall to the history once the daemon's acknowledged event arrives. Then it writes
// DIR/phase-one and waits for DIR/restarted (the broker restarted): the
// page says the connection was lost, recovers, and shows exactly the open
// alerts of the retained alerts/active. Exit 0, or 1 with the reason.
// The bridge's guard: the console's page (with the token of the URL) opens
// it; a page from another origin cannot, even with the token; without the
// token, with a wrong one or with another Host it refuses; the page and
// its scripts come with a Content-Security-Policy, which the page runs
// under without a violation. Spoofing: events on wardgate/gw-evil/ naming
// gw-test's fall (acknowledged "by Dr Smith", on alerts and on
// alerts/active) change nothing of that alert on the page.
// Signing (KEY_FILE, the key the console's server was given): /sign
// refuses another origin and a missing token, and signs an ack and a
// configuration as DESIGN.md section 7 says (checked here with this
// file's own RFC 8785 and HMAC); the Acknowledge button's ack is signed
// (it_console.sh checks the daemon took it as verified); no response the
// page received, nor its document or storage, holds the key. A gateway's
// reported configuration (config/reported of gw-remote, published here
// as a gateway would) shows on its card, version and result; the card's
// "Change patients…" sends a signed config/desired, retained, with the
// next version. Broker login (LOGIN_URL, a console bridged to a broker
// that wants one): refused anonymous and with a wrong password, connected
// with the right one.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import puppeteer from 'puppeteer-core';

const [url, dir, port] = process.argv.slice(2);
const fail = (why) => { console.error(`drive: FAIL: ${why}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The daemon's last news2 message for each patient (DIR/hub.sub).
const published = () => {
  const last = {};
  for (const line of readFileSync(`${dir}/hub.sub`, 'utf8').split('\n')) {
    const m = line.match(/^wardgate\/gw-test\/news2 (.*)$/);
    if (m) { const s = JSON.parse(m[1]); last[s.patient] = s; }
  }
  return last;
};
async function until(what, fn, seconds = 15) {
  for (let i = 0; i < seconds * 10; i++) {
    if (await fn()) return;
    await sleep(100);
  }
  fail(what);
}

const console_ = new URL(url);
const token = console_.searchParams.get('token');
if (!token) fail(`no token in the console's URL ${url}`);
// An HTTP request to the console's server: the status, and the headers.
const request = (headers, path = '/') => new Promise((resolve, reject) => {
  const given = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined));
  const req = http.request({ host: console_.hostname, port: console_.port, path, headers: given });
  req.on('response', (res) => { res.resume(); resolve({ status: res.statusCode, headers: res.headers }); });
  req.on('upgrade', (res, socket) => { socket.destroy(); resolve({ status: res.statusCode, headers: res.headers }); });
  req.on('error', reject);
  req.end();
});
const upgrade = (origin, query, host = console_.host) => request({
  Host: host, Origin: origin, Connection: 'Upgrade', Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Protocol': 'mqtt',
}, `/mqtt${query}`).then((r) => r.status);
const own = console_.origin;
const q = `?token=${token}`;
// One character changed, whatever the token's first one is.
const wrong = `${token[0] === 'x' ? 'y' : 'x'}${token.slice(1)}`;
for (const [what, got, want] of [
  ['the console\'s origin with the token', await upgrade(own, q), 101],
  ['no token', await upgrade(own, ''), 403],
  ['a wrong token', await upgrade(own, `?token=${wrong}`), 403],
  ['another origin with the token', await upgrade('http://127.0.0.1:1', q), 403],
  ['no Origin', await upgrade(undefined, q), 403],
  ['another Host', await upgrade('http://evil.example', q, 'evil.example'), 421],
  ['the page under another Host', (await request({ Host: `evil.example:${console_.port}` })).status, 421],
]) {
  if (got !== want) fail(`bridge: ${what}: status ${got}, want ${want}`);
}
// POST /sign: the answer's status and body.
const post = (origin, query, body) => new Promise((resolve, reject) => {
  const headers = { Host: console_.host, 'Content-Type': 'application/json' };
  if (origin) headers.Origin = origin;
  const req = http.request({ host: console_.hostname, port: console_.port, path: `/sign${query}`, method: 'POST', headers });
  req.on('response', (res) => {
    let text = '';
    res.on('data', (c) => { text += c; });
    res.on('end', () => resolve({ status: res.statusCode, text }));
  });
  req.on('error', reject);
  req.end(JSON.stringify(body));
});
let keyBytes = readFileSync(process.env.KEY_FILE);
if (keyBytes.at(-1) === 0x0a) keyBytes = keyBytes.subarray(0, keyBytes.length - 1);
const keyText = keyBytes.toString();
// RFC 8785 for the documents here, and the signature over it.
const jcs = (v) => (v === null || typeof v !== 'object' ? JSON.stringify(v)
  : Array.isArray(v) ? `[${v.map(jcs).join(',')}]`
    : `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${jcs(v[k])}`).join(',')}}`);
const sigOf = (doc) => {
  const { sig, ...rest } = doc;
  return createHmac('sha256', keyBytes).update(jcs(rest)).digest('base64url');
};
const ackReq = { kind: 'ack', gateway: 'gw-test', ack: { id: 'gw-test-000001', by: 'Dr Sign', outcome: 'visit' } };
for (const [what, got, want] of [
  ['/sign from another origin', (await post('http://127.0.0.1:1', `?token=${token}`, ackReq)).status, 403],
  ['/sign without the token', (await post(console_.origin, '', ackReq)).status, 403],
  ['/sign of another gateway\'s id', (await post(console_.origin, `?token=${token}`,
    { ...ackReq, ack: { ...ackReq.ack, id: 'gw-evil-000001' } })).status, 400],
  ['/sign of a by with a line break', (await post(console_.origin, `?token=${token}`,
    { ...ackReq, ack: { ...ackReq.ack, by: 'a\nb' } })).status, 400],
]) {
  if (got !== want) fail(`${what}: status ${got}, want ${want}`);
}
{
  const r = await post(console_.origin, `?token=${token}`, ackReq);
  if (r.status !== 200) fail(`/sign: ${r.status} ${r.text}`);
  if (r.text.includes(keyText)) fail('/sign answered the key');
  const { topic, payload } = JSON.parse(r.text);
  const ack = JSON.parse(payload);
  if (topic !== 'wardgate/gw-test/alerts/ack' || ack.by !== 'Dr Sign' || ack.outcome !== 'visit' ||
      !Number.isInteger(ack.ts) || Math.abs(ack.ts - Date.now() / 1000) > 5 || ack.sig !== sigOf(ack)) {
    fail(`/sign: a wrong ack: ${r.text}`);
  }
  const c = await post(console_.origin, `?token=${token}`,
    { kind: 'config', gateway: 'gw-test', config: { version: 0, patients: [] } });
  if (c.status !== 400) fail(`/sign: configuration version 0 taken: ${c.text}`);
}
console.log('drive: /sign refuses another origin and no token, and signs as DESIGN.md section 7 says');
const csp = (await request({ Host: console_.host })).headers['content-security-policy'] || '';
if (!/script-src 'self'/.test(csp) || !/frame-ancestors 'none'/.test(csp)) fail(`Content-Security-Policy: "${csp}"`);
console.log('drive: the bridge refuses a wrong origin, token or host');

// Another site: a page of another origin, in the same browser.
const evil = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>');
});
await new Promise((r) => evil.listen(0, '127.0.0.1', r));

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  // Everything the page is sent, to look for the key in.
  const received = [];
  page.on('response', async (r) => {
    try {
      received.push(await r.text());
    } catch {
      // a redirect or an upgrade: no body
    }
  });
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) fail(`the page breaks its CSP: ${m.text()}`);
  });
  await page.goto(url);
  const want = published();
  if (Object.keys(want).length !== 3) fail(`news2 for ${Object.keys(want)} only`);
  const tiles = () => page.$$eval('[data-patient]', (ts) => Object.fromEntries(ts.map((t) => {
    const s = t.querySelector('[data-score]');
    return [t.dataset.patient, { score: Number(s.dataset.score), ts: Number(s.dataset.ts), stale: t.dataset.stale }];
  })));
  await until('a tile is missing or differs from the last news2 within 2 s of the load', async () => {
    const shown = await tiles();
    return Object.keys(shown).length === Object.keys(want).length &&
      Object.entries(want).every(([p, s]) => shown[p] && shown[p].score === s.score &&
        shown[p].ts === Math.round(s.ts * 1000) && shown[p].stale === 'no');
  }, 2);
  console.log(`drive: on load, from news2/latest: ${JSON.stringify(await tiles())}`);
  writeFileSync(`${dir}/latest-seen`, '');
  await until('the page did not connect', () =>
    page.$eval('body', (b) => b.dataset.connected === 'yes'));

  // The bridge from a page of another origin, even one that knows the
  // token; the console's own page opens it (the same call).
  const bridge = `ws://${console_.host}/mqtt${q}`;
  const tryBridge = (p) => p.evaluate((u) => new Promise((resolve) => {
    const ws = new WebSocket(u, 'mqtt');
    ws.onopen = () => { ws.close(); resolve('open'); };
    ws.onerror = () => resolve('refused');
  }), bridge);
  const other = await browser.newPage();
  await other.goto(`http://127.0.0.1:${evil.address().port}/`);
  const fromOther = await tryBridge(other);
  if (fromOther !== 'refused') fail(`a page from another origin opened the bridge (${fromOther})`);
  if ((await tryBridge(page)) !== 'open') fail('the console\'s own page cannot open the bridge');
  await other.close();
  console.log('drive: a page from another origin cannot open the bridge');
  await until('the gateway is not shown online', () =>
    page.$('[data-gateway="gw-test"][data-state="online"]'));

  // A fall, and how long the page took to show it.
  const t0 = Date.now();
  execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-t',
    'wardgate/dev/fall-2/senml', '-m', `[{"bt":${Date.now() / 1000},"n":"fall","vb":true}]`]);
  await until('the fall is not shown', () =>
    page.$$eval('#alerts tbody tr', (rows) => rows.some((r) => r.textContent.includes('Fall detected'))));
  console.log(`drive: the fall was on the page ${Date.now() - t0} ms after it was published`);
  const id = await page.$$eval('#alerts tbody tr', (rows) =>
    rows.find((r) => r.textContent.includes('Fall detected')).dataset.id);
  if ((await page.$$(`#alerts tbody tr[data-id="${id}"]`)).length !== 1) fail('the fall is shown twice');

  // gw-evil names gw-test's fall, acknowledged by Dr Smith, on its own
  // alerts and alerts/active; then a status of a new gateway, which the
  // page shows once it has taken everything before it.
  const t = Date.now() / 1000;
  const forged = JSON.stringify({ id, gateway: 'gw-test', patient: 'p-002', device: 'fall-2', rule: 'fall',
    severity: 'high', state: 'acknowledged', acknowledged: true, by: 'Dr Smith', via: 'hub', escalation: 0,
    ts: t + 3600, raised: t, summary: 'Fall detected by fall-2', evidence: [] });
  const mpub = (topic, msg) => execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1',
    '-t', topic, '-m', msg]);
  mpub('wardgate/gw-evil/alerts', forged);
  mpub('wardgate/gw-evil/alerts/active', JSON.stringify({ ts: t + 3600, alerts: [JSON.parse(forged)] }));
  mpub('wardgate/gw-sentinel/status', JSON.stringify({ state: 'online', gateway: 'gw-sentinel', counters: {} }));
  await until('the sentinel gateway is not shown', () => page.$('[data-gateway="gw-sentinel"]'));
  const row = await page.$eval(`#alerts tbody tr[data-id="${id}"][data-gw="gw-test"]`, (r) =>
    ({ text: r.textContent, button: !!r.querySelector('button[data-ack]') })).catch(() => null);
  if (!row) fail('the fall left the open alerts after gw-evil\'s message');
  if (row.text.includes('Dr Smith') || !row.button) fail(`gw-evil's message marked the fall acknowledged: ${row.text}`);
  if (await page.$('[data-gw="gw-evil"]')) fail('an alert with gw-test\'s id is shown as gw-evil\'s');
  if ((await page.content()).includes('Dr Smith')) fail('"Dr Smith" is on the page');
  console.log('drive: gw-evil\'s message about gw-test\'s fall changed nothing');

  // The gateway's open-alert count is the table's.
  await until('the gateway card\'s open-alert count differs from the table', async () =>
    (await page.$eval('[data-gateway="gw-test"]', (g) => Number(g.dataset.open))) ===
    (await page.$$('#alerts tbody tr')).length);

  // Each NEWS2 tile against the daemon's last news2 for that patient.
  await until('a NEWS2 tile differs from the score the daemon published', async () => {
    const shown = await page.$$eval('[data-patient]', (tiles) => Object.fromEntries(
      tiles.map((t) => [t.dataset.patient, Number(t.querySelector('[data-score]').dataset.score)])));
    const last = published();
    return Object.keys(shown).length > 0 &&
      Object.keys(shown).every((p) => last[p] && shown[p] === last[p].score);
  });
  // Each patient's pulse is a heart rate the FHIR export sent, with its
  // time (the hub's capture may lag the page: it is read again until it
  // has caught up).
  const pulses = () => {
    const sent = new Set();
    for (const line of readFileSync(`${dir}/hub.sub`, 'utf8').split('\n')) {
      const m = line.match(/^wardgate\/gw-test\/fhir\/vitals (.*)$/);
      if (!m) continue;
      for (const { resource: o } of JSON.parse(m[1]).entry) {
        if (!o.meta.profile[0].endsWith('/heartrate')) continue;
        sent.add(`${o.subject.identifier.value}|${Date.parse(o.effectiveDateTime)}|${o.valueQuantity.value}`);
      }
    }
    return sent;
  };
  await until('a pulse shown is not a heart rate sent on fhir/vitals', async () => {
    const shown = await page.$$eval('[data-patient]', (tiles) => tiles.map((t) => {
      const v = t.querySelector('[data-vital="hr"]');
      return v ? `${t.dataset.patient}|${v.dataset.t}|${Number(v.dataset.value)}` : null;
    }));
    const sent = pulses();
    return shown.length > 0 && shown.every((x) => x !== null && sent.has(x));
  });
  await page.screenshot({ path: `${dir}/console.png`, fullPage: true });

  // Acknowledge it from the page.
  // From the keyboard: the button keeps the focus while the table is
  // redrawn each second (a replaced button would lose it, and a click).
  await page.type('#clinician', 'Dr Console');
  await page.focus(`#alerts tbody tr[data-id="${id}"] button`);
  await new Promise((r) => setTimeout(r, 1500));
  const focused = await page.evaluate(() => document.activeElement.dataset.ack);
  if (focused !== id) fail(`the Acknowledge button lost the focus to a redraw (${focused})`);
  await page.keyboard.press('Enter');
  await until('the acknowledged fall did not move to the history', async () =>
    !(await page.$(`#alerts tbody tr[data-id="${id}"]`)) &&
    (await page.$(`#history tbody tr[data-id="${id}"]`)));
  const outcome = await page.$eval(`#history tbody tr[data-id="${id}"]`, (r) => r.textContent);
  if (!outcome.includes('acknowledged by Dr Console')) fail(`history row: ${outcome}`);
  writeFileSync(`${dir}/acked-id`, id);

  // A gateway's reported configuration on its card, and a signed change.
  const now = Math.floor(Date.now() / 1000);
  mpub('wardgate/gw-remote/status', JSON.stringify({ state: 'online', gateway: 'gw-remote', counters: {} }));
  execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-r', '-t', 'wardgate/gw-remote/config/reported',
    '-m', JSON.stringify({ version: 3, result: 'applied', description: '2 patients', ts: now })]);
  await until('the reported configuration is not on the gateway\'s card', () =>
    page.$('[data-gateway="gw-remote"] [data-config-version="3"][data-config-result="applied"]'));
  // The cards are drawn afresh each second: the button is found and
  // clicked in one turn of the page (a handle taken in one evaluate and
  // clicked in the next can be a card already replaced, whose click
  // reaches nothing).
  await until('the configuration editor did not open', () => page.evaluate(() => {
    const b = document.querySelector('[data-gateway="gw-remote"] button[data-configure="gw-remote"]');
    if (b && document.querySelector('#config-editor').hidden) b.click();
    return !document.querySelector('#config-editor').hidden;
  }));
  if (await page.$eval('#config-version', (i) => i.value) !== '4') fail('the next version is not 4');
  const patients = [{ id: 'p-101', devices: ['oxi-101'], news2: { scale: 2 } }];
  await page.$eval('#config-patients', (t, v) => { t.value = v; }, JSON.stringify(patients));
  await page.click('#config-editor button[type="submit"]');
  await until('the configuration editor did not close', () => page.$eval('#config-editor', (f) => f.hidden));
  const desired = JSON.parse(execFileSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-t',
    'wardgate/gw-remote/config/desired', '-C', '1', '-W', '3', '--retained-only']).toString());
  if (desired.version !== 4 || JSON.stringify(desired.patients) !== JSON.stringify(patients) ||
      !Number.isInteger(desired.ts) || desired.sig !== sigOf(desired)) {
    fail(`config/desired: ${JSON.stringify(desired)}`);
  }
  execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-r', '-t', 'wardgate/gw-remote/config/reported',
    '-m', JSON.stringify({ version: 4, result: 'refused', description: 'patients[0].devices[0]: oxi-101 is p-001\'s', ts: now })]);
  await until('the refusal is not on the gateway\'s card', () =>
    page.$('[data-gateway="gw-remote"] [data-config-version="4"][data-config-result="refused"]'));
  console.log('drive: the reported configuration is shown; a signed change was sent');

  // The key never reached the page.
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) +
    document.documentElement.outerHTML);
  if (received.length < 3) fail(`only ${received.length} responses seen`);
  if (received.some((b) => b.includes(keyText)) || storage.includes(keyText)) fail('the key reached the page');
  console.log(`drive: the key is in none of the ${received.length} responses the page received`);

  // The broker login.
  const login = await browser.newPage();
  login.on('pageerror', (e) => fail(`login page error: ${e.message}`));
  await login.goto(process.env.LOGIN_URL);
  await sleep(1500);
  if (await login.$eval('body', (b) => b.dataset.connected) === 'yes') fail('connected without a login');
  const logIn = async (user, password) => {
    await login.$eval('#broker-user', (i, v) => { i.value = v; }, user);
    await login.$eval('#broker-password', (i, v) => { i.value = v; }, password);
    await login.click('#login button[type="submit"]');
  };
  await logIn('clinician', 'wrong');
  await sleep(1500);
  if (await login.$eval('body', (b) => b.dataset.connected) === 'yes') fail('connected with a wrong password');
  await logIn('clinician', 'correct horse');
  await until('the login did not connect', () => login.$eval('body', (b) => b.dataset.connected === 'yes'));
  if (await login.$eval('#broker-password', (i) => i.value) !== '') fail('the password stays in its field');
  await login.close();
  console.log('drive: the broker login: refused anonymous and with a wrong password, connected with the right one');

  // The broker restarts.
  writeFileSync(`${dir}/phase-one`, '');
  await until('the page did not say the connection was lost', () =>
    page.$eval('body', (b) => b.dataset.connected === 'no'), 20);
  await until('the broker was not restarted', () => existsSync(`${dir}/restarted`), 30);
  await until('the page did not reconnect', () =>
    page.$eval('body', (b) => b.dataset.connected === 'yes'), 30);
  const active = () => {
    const out = execFileSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-t',
      'wardgate/gw-test/alerts/active', '-C', '1', '-W', '3', '--retained-only']).toString();
    return JSON.parse(out).alerts.map((a) => a.id).sort();
  };
  await until('the open alerts differ from alerts/active after the restart', async () => {
    const shown = await page.$$eval('#alerts tbody tr', (rows) => rows.map((r) => r.dataset.id).sort());
    const ids = new Set(shown);
    return ids.size === shown.length && JSON.stringify(shown) === JSON.stringify(active());
  }, 20);
  await page.screenshot({ path: `${dir}/console-after-restart.png`, fullPage: true });
  console.log('drive: ok');
} finally {
  await browser.close();
  evil.close();
}
