// SPDX-License-Identifier: MIT
// Drives the bedside page (console/bedside.mjs) in Debian's chromium for
// it_bedside.sh:   node bedside.mjs URL DIR
// Each step waits for what the page shows, then writes DIR/bs-N for the
// script to do the next thing:
//   1 no retained alarm: "No alarm";
//   2 the daemon's alarm (the hub down, a fall of p-2): its card, with the
//     patient, the summary, since when, and why the hub has not had it;
//     screenshot DIR/bedside-alarm.png;
//   3 the empty retained message (a local ack): "No alarm" again;
//   4 an unreadable retained message: a problem, never "No alarm";
//   5 emptied again: "No alarm";
//   6 the home broker gone: "unknown", never "No alarm"; screenshot.
// And the guard: the events refuse a wrong token and another Host; the
// page comes with a Content-Security-Policy it runs under without a
// violation, and without a script error. Exit 0, or 1 with the reason.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import puppeteer from 'puppeteer-core';

const [url, dir] = process.argv.slice(2);
const fail = (why) => { console.error(`bedside: FAIL: ${why}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, seconds = 20) {
  for (let i = 0; i < seconds * 10; i++) {
    if (await fn()) return;
    await sleep(100);
  }
  fail(what);
}
const u = new URL(url);
const token = u.searchParams.get('token');
if (!token) fail(`no token in ${url}`);
const request = (headers, path) => new Promise((resolve, reject) => {
  const req = http.request({ host: u.hostname, port: u.port, path, headers });
  req.on('response', (res) => { res.destroy(); resolve({ status: res.statusCode, headers: res.headers }); });
  req.on('error', reject);
  req.end();
});

if ((await request({ Host: u.host }, '/events?token=wrong')).status !== 403) fail('events with a wrong token');
if ((await request({ Host: u.host }, '/events')).status !== 403) fail('events without a token');
if ((await request({ Host: `evil.example:${u.port}` }, `/events?token=${token}`)).status !== 421) fail('events for another Host');
if ((await request({ Host: `evil.example:${u.port}` }, '/')).status !== 421) fail('the page for another Host');
const csp = (await request({ Host: u.host }, '/')).headers['content-security-policy'] || '';
if (!/script-src 'self'/.test(csp) || !/connect-src 'self'/.test(csp)) fail(`Content-Security-Policy: "${csp}"`);
console.log('bedside: the guard refuses a wrong token and another Host; the page has its CSP');

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1024, height: 768 });
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) fail(`the page breaks its CSP: ${m.text()}`);
  });
  await page.goto(url);
  const shown = () => page.evaluate(() => ({
    state: document.body.dataset.state,
    status: document.getElementById('status').textContent,
    none: document.querySelector('.none') !== null,
    cards: [...document.querySelectorAll('.alarm')].map((c) => c.textContent),
  }));
  const step = async (n, what, fn) => {
    await until(`step ${n}: ${what}: ${JSON.stringify(await shown())}`, async () => fn(await shown()));
    console.log(`bedside: ${n} ${what}: ${JSON.stringify(await shown())}`);
    writeFileSync(`${dir}/bs-${n}`, '');
  };
  await step(1, 'no alarm', (s) => s.state === 'none' && s.none && s.cards.length === 0);
  await step(2, 'the alarm of p-2', (s) => s.state === 'alarm' && !s.none && s.cards.length === 1 &&
    /Patient p-2/.test(s.cards[0]) && /Fall detected by fall-2/.test(s.cards[0]) &&
    /Since \d/.test(s.cards[0]) && /The hub has not had it since .*cannot be reached/.test(s.cards[0]));
  const big = await page.$eval('.patient', (e) => parseFloat(getComputedStyle(e).fontSize));
  if (!(big >= 32)) fail(`the patient is in ${big}px type`);
  await page.screenshot({ path: `${dir}/bedside-alarm.png`, fullPage: true });
  await step(3, 'cleared: no alarm', (s) => s.state === 'none' && s.none && s.cards.length === 0);
  await step(4, 'an unreadable message: a problem', (s) => s.state === 'problem' && !s.none &&
    /cannot be read/.test(s.status));
  await step(5, 'emptied: no alarm', (s) => s.state === 'none' && s.none);
  await until('the broker gone: still "No alarm"', async () => {
    const s = await shown();
    return s.state === 'unknown' && !s.none && /unknown/.test(s.status);
  });
  console.log(`bedside: 6 the home broker gone: ${JSON.stringify(await shown())}`);
  await page.screenshot({ path: `${dir}/bedside-unknown.png`, fullPage: true });
} finally {
  await browser.close();
}
process.exit(0);
