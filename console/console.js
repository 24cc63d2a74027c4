// SPDX-License-Identifier: MIT
// The reference hub console: how a hub consumes wardgate's topics
// (README, "Integrating with the hub"). A persistent MQTT session with
// QoS 1 subscriptions; alert events de-duplicated on (id, state, ts);
// the open alerts reconciled from each gateway's retained alerts/active;
// every patient's latest NEWS2 from the retained news2/latest on load,
// kept current from news2; acknowledgements published on alerts/ack with
// the clinician's name. What a message is about comes from its topic, not
// its payload: the gateway is the topic's, alerts are keyed by (gateway,
// id), an alert whose id is not "<that gateway>-<seq>" is dropped, and an
// alert is acknowledged on the topic of the gateway it came from, so that
// one gateway (or whoever may publish under its name) cannot speak for
// another. Acks and patient configurations are signed by the console's
// server (serve.mjs --ack-key-file), which holds the key: the page asks it
// (POST /sign) and publishes what it answers. Each gateway's reported
// configuration (config/reported: version and result) is on its card,
// and a change of its patients can be sent from there (config/desired).
// The broker login, when the broker wants one, is asked on the page and
// kept in memory only.
import mqtt from './vendor/mqtt.esm.js';

const SEVERITY = { emergency: 0, high: 1, medium: 2, low: 3 };
const TREND_S = 6 * 3600; // the NEWS2 trend's window
const HISTORY_MAX = 50;

const gateways = new Map(); // gateway -> { status, seen }
const open = new Map(); // alertKey(gateway, id) -> its last event
const history = []; // closed or acknowledged-and-gone alerts, newest first
const seen = new Set(); // "gateway|id|state|ts" of every event taken
const scores = new Map(); // "gateway|patient" -> [news2 message, ...] oldest first
const vitals = new Map(); // "gateway|patient" -> Map(vital -> [[t, value], ...]), from fhir/vitals
const pendingAck = new Set(); // alertKey()s acknowledged here, not yet confirmed
const configs = new Map(); // gateway -> { reported, desired } (config/…)

const alertKey = (gateway, id) => `${gateway}|${id}`;
const keyOf = (ev) => alertKey(ev.gateway, ev.id);
// An alert id is "<gateway>-<sequence>": one of this gateway's alerts.
const idOf = (gateway, id) => typeof id === 'string' && id.startsWith(`${gateway}-`) &&
  /^[0-9]+$/.test(id.slice(gateway.length + 1));
// An alert event as its gateway's: the gateway is the topic's; null when
// its id belongs to another gateway (or to none).
const ofGateway = (gateway, ev) => (ev && idOf(gateway, ev.id) ? { ...ev, gateway } : null);

const $ = (s) => document.querySelector(s);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : String(k));
  return e;
};
const time = (t) => new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const span = (s) => {
  s = Math.max(0, Math.round(s));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
};

// ---- the broker ------------------------------------------------------------

const params = new URLSearchParams(location.search);
// The bridge that served this page (console/serve.mjs) wants the token of
// its start, which it printed in the page's address.
const url = params.get('broker') ||
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/mqtt` +
  `?token=${encodeURIComponent(params.get('token') || '')}`;
// A fixed client id per browser and a persistent session: what is published
// while the console is away waits for it at the broker.
let clientId = localStorage.getItem('wardgate-console-id');
if (!clientId) {
  clientId = `wardgate-console-${Math.random().toString(16).slice(2, 10)}`;
  localStorage.setItem('wardgate-console-id', clientId);
}
let client = null;

const connection = (up, text) => {
  const c = $('#connection');
  c.className = up ? 'up' : 'down';
  c.textContent = text;
  document.body.dataset.connected = up ? 'yes' : 'no';
};
// (Re)connect, with the broker login if one is given: username and
// password are the MQTT CONNECT's, held by this page only while it is open.
function connectBroker(login) {
  if (client) client.end(true);
  const c = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 1000, connectTimeout: 5000, ...login });
  client = c;
  c.on('connect', () => {
    connection(true, `Connected to ${url.replace(/\?.*/, '')}${login ? ` as ${login.username}` : ''}`);
    c.subscribe(['wardgate/+/status', 'wardgate/+/alerts', 'wardgate/+/alerts/active',
      'wardgate/+/news2', 'wardgate/+/news2/latest', 'wardgate/+/fhir/vitals',
      'wardgate/+/config/reported', 'wardgate/+/config/desired'], { qos: 1 });
  });
  const lost = () => connection(false, 'Connection to the broker lost: alerts may be missing. Reconnecting…');
  c.on('close', lost);
  c.on('offline', lost);
  c.on('error', (e) => {
    connection(false, `Broker error: ${e.message}`);
    // A refused login is not retried with the same words.
    if (/not authorized|bad user name or password/i.test(e.message)) c.end(true);
  });
  c.on('message', onMessage);
}

$('#login').addEventListener('submit', (e) => {
  e.preventDefault();
  const username = $('#broker-user').value.trim();
  const password = $('#broker-password').value;
  $('#broker-password').value = '';
  connectBroker(username ? { username, password } : undefined);
});

function onMessage(topic, payload) {
  const parts = topic.split('/');
  const gateway = parts[1];
  const sub = parts.slice(2).join('/');
  let msg;
  try {
    msg = JSON.parse(payload.toString());
  } catch {
    return;
  }
  if (!gateway || !msg) return;
  if (sub === 'status') gateways.set(gateway, { status: msg, seen: Date.now() / 1000 });
  else if (sub === 'alerts') takeEvent(ofGateway(gateway, msg));
  else if (sub === 'alerts/active') {
    reconcile(gateway, (Array.isArray(msg.alerts) ? msg.alerts : []).map((a) => ofGateway(gateway, a)).filter(Boolean));
  } else if (sub === 'news2') takeScore(gateway, msg);
  else if (sub === 'news2/latest') for (const s of msg.patients || []) takeScore(gateway, s);
  else if (sub === 'fhir/vitals') takeVitals(gateway, msg);
  else if (sub === 'config/reported' || sub === 'config/desired') {
    const c = configs.get(gateway) || {};
    c[sub === 'config/reported' ? 'reported' : 'desired'] = msg;
    configs.set(gateway, c);
  }
  render();
}

// ---- the model -------------------------------------------------------------

function toHistory(ev) {
  open.delete(keyOf(ev));
  pendingAck.delete(keyOf(ev));
  const i = history.findIndex((h) => keyOf(h) === keyOf(ev));
  if (i >= 0) history.splice(i, 1);
  history.unshift(ev);
  history.length = Math.min(history.length, HISTORY_MAX);
}

function takeEvent(ev) {
  if (!ev) return; // not this gateway's alert
  const key = `${keyOf(ev)}|${ev.state}|${ev.ts}`;
  if (seen.has(key)) return; // delivered again: at least once
  seen.add(key);
  const known = open.get(keyOf(ev)) || history.find((h) => keyOf(h) === keyOf(ev));
  if (known && known.ts > ev.ts) return; // older than what is shown
  if (ev.state === 'cleared') toHistory(ev);
  else open.set(keyOf(ev), ev);
  if (ev.acknowledged) pendingAck.delete(keyOf(ev));
}

// The gateway's open alerts are exactly those of its snapshot.
function reconcile(gateway, alerts) {
  const keys = new Set(alerts.map(keyOf));
  for (const [key, ev] of [...open]) if (ev.gateway === gateway && !keys.has(key)) toHistory(ev);
  for (const a of alerts) {
    const mine = open.get(keyOf(a));
    if (!mine || mine.ts <= a.ts) open.set(keyOf(a), a);
    seen.add(`${keyOf(a)}|${a.state}|${a.ts}`);
  }
}

// The vital signs' values come with the gateway's FHIR export
// (uplink.fhir): each bundle's Observations, by profile.
const VITALS = [['hr', 'pulse', '/min'], ['rr', 'resp. rate', '/min'], ['spo2', 'SpO2', '%'],
  ['sbp', 'systolic BP', 'mmHg'], ['dbp', 'diastolic BP', 'mmHg'], ['temp', 'temperature', '°C']];
const PROFILE_KEY = { heartrate: 'hr', resprate: 'rr', oxygensat: 'spo2', bodytemp: 'temp' };
const BP_KEY = { '8480-6': 'sbp', '8462-4': 'dbp' };

function takeVital(patient, key, t, v) {
  if (typeof v !== 'number' || !Number.isFinite(t)) return;
  const byKey = vitals.get(patient) || new Map();
  const list = byKey.get(key) || [];
  if (list.some(([u]) => u === t)) return; // delivered again
  list.push([t, v]);
  list.sort((a, b) => a[0] - b[0]);
  const from = list.at(-1)[0] - TREND_S;
  while (list.length && list[0][0] < from) list.shift();
  byKey.set(key, list);
  vitals.set(patient, byKey);
}

function takeVitals(gateway, bundle) {
  for (const e of bundle.entry || []) {
    const o = e.resource || {};
    const id = o.subject && o.subject.identifier && o.subject.identifier.value;
    const patient = typeof id === 'string' ? `${gateway}|${id}` : null;
    const profile = ((o.meta && o.meta.profile) || [''])[0].split('/').pop();
    const t = Date.parse(o.effectiveDateTime) / 1000;
    if (!patient) continue;
    if (PROFILE_KEY[profile]) takeVital(patient, PROFILE_KEY[profile], t, o.valueQuantity && o.valueQuantity.value);
    for (const c of profile === 'bp' ? o.component || [] : []) {
      const key = BP_KEY[((c.code && c.code.coding) || [{}])[0].code];
      if (key && c.valueQuantity) takeVital(patient, key, t, c.valueQuantity.value);
    }
  }
}

// A score from news2, or from news2/latest (which repeats the last news2
// message of each patient: taken once), in the order of the sets' times.
function takeScore(gateway, s) {
  if (!s || typeof s.patient !== 'string' || typeof s.ts !== 'number') return;
  const key = `${gateway}|${s.patient}`;
  const list = scores.get(key) || [];
  if (list.some((x) => x.ts === s.ts)) return;
  list.push(s);
  list.sort((a, b) => a.ts - b.ts);
  const from = list.at(-1).ts - TREND_S;
  while (list.length && list[0].ts < from) list.shift();
  scores.set(key, list);
}

// How often the RCP's NEWS2 chart asks for a new set of observations at
// this score: 12 h at 0, 4 h at 1-4, 1 h at 5-6 or a single 3 in one
// parameter, 15 min at 7 or more. A score older than that is stale: the
// patient may have changed since. (The gateway does not publish a
// patient's own interval, so the chart's is used.)
function observeEvery(s) {
  if (s.band === 'high') return 15 * 60;
  if (s.band === 'medium' || s.band === 'low-medium') return 3600;
  return s.score === 0 ? 12 * 3600 : 4 * 3600;
}

// The console's server signs (it holds the key): it answers the topic and
// the payload to publish, or why not.
async function signed(request) {
  const res = await fetch(`/sign?token=${encodeURIComponent(params.get('token') || '')}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request),
  });
  const out = await res.json().catch(() => ({ error: `the console's server answered ${res.status}` }));
  if (!res.ok || out.error) throw new Error(out.error || `status ${res.status}`);
  return out;
}

function say(text) {
  $('#notice').textContent = text;
  $('#notice').hidden = !text;
}

async function acknowledge(ev) {
  const by = $('#clinician').value.trim();
  if (!by) {
    $('#clinician').focus();
    $('#clinician').reportValidity();
    return;
  }
  pendingAck.add(keyOf(ev));
  render();
  try {
    // ev.gateway is the gateway of the topic the alert came on.
    const s = await signed({ kind: 'ack', gateway: ev.gateway, ack: { id: ev.id, by } });
    client.publish(s.topic, s.payload, { qos: 1, retain: false });
  } catch (e) {
    pendingAck.delete(keyOf(ev));
    say(`The acknowledgement of ${ev.id} was not sent: ${e.message}`);
  }
  render();
}

// ---- the patients of a gateway: config/desired ------------------------------

function openEditor(gw) {
  const c = configs.get(gw) || {};
  const next = Math.max((c.reported && c.reported.version) || 0, (c.desired && c.desired.version) || 0) + 1;
  $('#config-editor').dataset.gateway = gw;
  $('#config-gateway').textContent = gw;
  $('#config-version').value = String(next);
  $('#config-patients').value = JSON.stringify((c.desired && c.desired.patients) || [], null, 2);
  $('#config-editor').hidden = false;
  $('#config-patients').focus();
}

$('#config-editor').addEventListener('submit', async (e) => {
  e.preventDefault();
  const gw = $('#config-editor').dataset.gateway;
  let patients;
  try {
    patients = JSON.parse($('#config-patients').value);
  } catch (err) {
    say(`The patients are not JSON: ${err.message}`);
    return;
  }
  try {
    const version = Number($('#config-version').value);
    const s = await signed({ kind: 'config', gateway: gw, config: { version, patients } });
    // Retained: a gateway away now takes it when it comes back.
    client.publish(s.topic, s.payload, { qos: 1, retain: true });
    $('#config-editor').hidden = true;
    say(`Configuration version ${version} sent to ${gw}; its report will show on its card.`);
  } catch (err) {
    say(`The configuration was not sent: ${err.message}`);
  }
});
$('#config-cancel').addEventListener('click', () => { $('#config-editor').hidden = true; });
$('#gateways').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-configure]');
  if (b) openEditor(b.dataset.configure);
});

// ---- the page --------------------------------------------------------------

const sevBadge = (s) => el('span', { class: `sev sev-${s}` }, s);
const evidence = (ev) => {
  const e = (ev.evidence || []).at(-1);
  if (!e) return '';
  const v = e.v !== undefined ? `${e.v}${e.u ? ` ${e.u}` : ''}` : e.vb !== undefined ? String(e.vb) : '';
  return `${e.n} ${v} at ${time(e.t)}`;
};

function alertRow(ev, now) {
  const due = ev.escalates_at ? ev.escalates_at - now : null;
  const next = ev.acknowledged ? `acknowledged by ${ev.by}${ev.via === 'local' ? ' at the home' : ''}`
    : due === null ? '' : due > 0 ? `in ${span(due)}` : 'due now';
  const action = ev.acknowledged ? ''
    : pendingAck.has(keyOf(ev)) ? el('span', { class: 'quiet' }, 'sent…')
      : el('button', { type: 'button', 'data-ack': ev.id, 'data-gw': ev.gateway, 'aria-label': `Acknowledge ${ev.summary}` }, 'Acknowledge');
  return el('tr', { 'data-id': ev.id, 'data-gw': ev.gateway, 'data-key': keyOf(ev), 'data-state': ev.state },
    el('td', {}, sevBadge(ev.severity)),
    el('td', {}, `${ev.patient}`, el('br'), el('span', { class: 'quiet' }, ev.gateway)),
    el('td', {}, ev.summary),
    el('td', {}, ev.state),
    el('td', {}, `${time(ev.raised)}, ${span(now - ev.raised)} ago`),
    el('td', {}, String(ev.escalation)),
    el('td', {}, evidence(ev)),
    el('td', { class: !ev.acknowledged && due !== null && due <= 0 ? 'overdue' : '' }, next),
    el('td', {}, action));
}

function trend(list) {
  const w = 240, h = 50, now = list.at(-1).ts;
  const pts = list.map((s) => `${(w * (1 - (now - s.ts) / TREND_S)).toFixed(1)},${(h - (h * s.score) / 20).toFixed(1)}`);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', w);
  svg.setAttribute('height', h);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `NEWS2 over the last ${TREND_S / 3600} hours: ${list.map((s) => s.score).join(', ')}`);
  svg.innerHTML = `<rect width="${w}" height="${h}" fill="#fafafa" stroke="#ccc"/>` +
    `<line x1="0" x2="${w}" y1="${h - (h * 5) / 20}" y2="${h - (h * 5) / 20}" stroke="#fb8c00" stroke-dasharray="3"/>` +
    `<line x1="0" x2="${w}" y1="${h - (h * 7) / 20}" y2="${h - (h * 7) / 20}" stroke="#d32f2f" stroke-dasharray="3"/>` +
    `<polyline fill="none" stroke="#1d2b3a" stroke-width="2" points="${pts.join(' ')}"/>` +
    pts.map((p) => `<circle r="2.5" fill="#1d2b3a" cx="${p.split(',')[0]}" cy="${p.split(',')[1]}"/>`).join('');
  return svg;
}

// Each vital's latest value and its line over the window, small.
function vitalRows(patient) {
  const byKey = vitals.get(patient);
  if (!byKey) return el('div', { class: 'components quiet' }, 'vital signs: none yet (the gateway sends them with uplink.fhir)');
  const w = 120, h = 22;
  return el('div', { class: 'vitals' }, ...VITALS.filter(([k]) => byKey.has(k)).map(([k, name, unit]) => {
    const list = byKey.get(k);
    const [t1, last] = list.at(-1);
    const lo = Math.min(...list.map(([, v]) => v)), hi = Math.max(...list.map(([, v]) => v));
    const pts = list.map(([t, v]) => `${(w * (1 - (t1 - t) / TREND_S)).toFixed(1)},` +
      `${(hi === lo ? h / 2 : h - 2 - ((h - 4) * (v - lo)) / (hi - lo)).toFixed(1)}`);
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('width', w);
    svg.setAttribute('height', h);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `${name} since ${time(list[0][0])}, ${list.length} readings, ${lo} to ${hi} ${unit}`);
    svg.innerHTML = `<polyline fill="none" stroke="#1d2b3a" stroke-width="1.5" points="${pts.join(' ')}"/>`;
    // The line starts with the first reading this page received, not
    // with the window: say so, or a short line looks like a flat history.
    return el('div', { class: 'vital', 'data-vital': k, 'data-value': last, 'data-t': Math.round(t1 * 1000),
      'data-since': Math.round(list[0][0] * 1000) },
    el('span', { class: 'vital-name' }, name), el('strong', {}, `${last} ${unit}`), svg,
    el('span', { class: 'quiet since' }, list.length > 1 ? `since ${time(list[0][0])}` : `at ${time(t1)}`));
  }));
}

// The RCP chart's way: a row per parameter, a column per score, each cell
// coloured by that parameter's score (white 0, yellow 1, orange 2, red 3),
// grey where it was not observed.
const PARAMS = [['rr', 'resp. rate'], ['spo2', 'SpO2'], ['o2', 'air or O2'], ['sbp', 'systolic BP'],
  ['hr', 'pulse'], ['acvpu', 'consciousness'], ['temp', 'temperature']];
const CELL = ['#ffffff', '#fff176', '#fb8c00', '#d32f2f'];
function chart(list) {
  const cols = list.slice(-24), cw = 14, ch = 16, lw = 120;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', lw + cols.length * cw);
  svg.setAttribute('height', PARAMS.length * ch);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'NEWS2 parameter scores over time: ' + PARAMS.map(([k, name]) =>
    `${name} ${cols.map((s) => s.components[k] ?? '-').join(' ')}`).join('; '));
  svg.innerHTML = PARAMS.map(([k, name], r) =>
    `<text x="0" y="${r * ch + ch - 3}" font-size="13">${name}</text>` +
    cols.map((s, c) => {
      const v = s.components[k];
      return `<rect x="${lw + c * cw}" y="${r * ch}" width="${cw - 1}" height="${ch - 1}" ` +
        `fill="${v === undefined ? '#bdbdbd' : CELL[v]}" stroke="#999" stroke-width=".5"/>`;
    }).join('')).join('');
  return svg;
}

// Make @old look like @neu, keeping every element of the same kind in its
// place: the table is redrawn every second, and a button replaced under
// the pointer or the keyboard focus would lose the clinician's click.
function morph(old, neu) {
  if (old.nodeType !== neu.nodeType || old.nodeName !== neu.nodeName) {
    old.replaceWith(neu);
    return;
  }
  if (old.nodeType === Node.TEXT_NODE) {
    if (old.data !== neu.data) old.data = neu.data;
    return;
  }
  for (const a of [...old.attributes]) if (!neu.hasAttribute(a.name)) old.removeAttribute(a.name);
  for (const a of [...neu.attributes]) if (old.getAttribute(a.name) !== a.value) old.setAttribute(a.name, a.value);
  const kids = [...old.childNodes];
  [...neu.childNodes].forEach((n, i) => (i < kids.length ? morph(kids[i], n) : old.append(n)));
  for (const k of kids.slice(neu.childNodes.length)) k.remove();
}

// The rows of @tbody become @rows (built afresh), each kept by its data-id.
function updateRows(tbody, rows) {
  const had = new Map([...tbody.children].map((tr) => [tr.dataset.key, tr]));
  const want = rows.map((neu) => {
    const old = had.get(neu.dataset.key);
    if (!old) return neu;
    morph(old, neu);
    return old;
  });
  want.forEach((tr, i) => { if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] || null); });
  for (const tr of [...tbody.children].slice(want.length)) tr.remove();
}

$('#alerts tbody').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-ack]');
  const ev = b && open.get(alertKey(b.dataset.gw, b.dataset.ack));
  if (ev) acknowledge(ev);
});

function render() {
  const now = Date.now() / 1000;
  const rows = [...open.values()].sort((a, b) =>
    (SEVERITY[a.severity] - SEVERITY[b.severity]) || (a.raised - b.raised));
  updateRows($('#alerts tbody'), rows.map((ev) => alertRow(ev, now)));
  $('#no-alerts').hidden = rows.length > 0;
  $('#open-count').textContent = rows.length ? `(${rows.length})` : '';

  $('#patients').replaceChildren(...[...scores].sort().map(([key, list]) => {
    const [gateway, patient] = [key.slice(0, key.indexOf('|')), key.slice(key.indexOf('|') + 1)];
    const s = list.at(-1);
    const band = s.score === 0 ? 'zero' : s.band;
    const comps = Object.entries(s.components).map(([k, v]) => `${k} ${v}`).join(' · ');
    const every = observeEvery(s), age = now - s.ts, stale = age > every;
    return el('div', { class: `tile${stale ? ' stale' : ''}`, 'data-patient': patient, 'data-gw': gateway,
      'data-stale': stale ? 'yes' : 'no' },
      el('h3', {}, patient, ' ', el('span', { class: 'quiet' }, gateway)),
      el('span', { class: `score band-${band}`, 'data-score': s.score, 'data-ts': Math.round(s.ts * 1000) }, String(s.score)),
      ` ${s.band}${s.complete ? '' : ` (incomplete: no ${s.missing.join(', ')})`}`,
      el('div', { class: 'components' }, comps, ` · set of ${time(s.ts)}, ${span(age)} ago`),
      stale ? el('div', { class: 'stale-note' },
        `Stale: no new score for ${span(age)}; at this score a set is due every ${span(every)}`) : '',
      trend(list), chart(list), vitalRows(key));
  }));

  $('#gateways').replaceChildren(...[...gateways].sort().map(([gw, g]) => {
    const s = g.status, c = s.counters || {};
    const online = s.state === 'online';
    // The open alerts as the table shows them (alerts/active and the
    // events since), not the status's count, which is as old as the status.
    const nopen = rows.filter((ev) => ev.gateway === gw).length;
    const rep = (configs.get(gw) || {}).reported;
    const config = rep ? el('div', { class: `components config config-${rep.result}`, 'data-config-version': rep.version,
      'data-config-result': rep.result },
    `configuration version ${rep.version}: ${rep.result}${rep.description ? ` (${rep.description})` : ''}` +
      `${typeof rep.ts === 'number' ? `, ${time(rep.ts)}` : ''}`)
      : el('div', { class: 'components quiet', 'data-config-version': '' }, 'configuration: none reported');
    return el('div', { class: `tile${online ? '' : ' offline'}`, 'data-gateway': gw, 'data-state': s.state,
      'data-open': nopen },
      el('h3', {}, gw),
      el('strong', {}, online ? 'online' : 'OFFLINE: this home is not being watched'),
      el('div', { class: 'components' },
        `last heard ${span(now - g.seen)} ago · outbox ${c.outbox_depth ?? '–'}` +
        `${c.outbox_near_limit ? ' (near its limit)' : ''} · packs refused ${c.packs_rejected ?? '–'}` +
        ` · open alerts ${nopen}`),
      config,
      el('button', { type: 'button', 'data-configure': gw }, 'Change patients…'));
  }));

  $('#history tbody').replaceChildren(...history.map((ev) => el('tr', { 'data-id': ev.id, 'data-gw': ev.gateway },
    el('td', {}, sevBadge(ev.severity)),
    el('td', {}, ev.patient),
    el('td', {}, ev.summary),
    el('td', {}, ev.state === 'cleared' && !ev.acknowledged ? 'cleared'
      : `acknowledged by ${ev.by}${ev.outcome ? `, ${ev.outcome}` : ''}${ev.state === 'cleared' ? ', cleared' : ''}`),
    el('td', {}, time(ev.ts)))));
}

connection(false, "Connecting to the broker…");
connectBroker();
setInterval(render, 1000); // the countdowns and ages
