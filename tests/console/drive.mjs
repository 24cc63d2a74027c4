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
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
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
}
