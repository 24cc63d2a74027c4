// SPDX-License-Identifier: MIT
// The bedside page (bedside.mjs): each alarm of the home's local alarm,
// big, with its patient, summary, since when and why the hub has not had
// it; "No alarm" only when the home broker says none is on; otherwise
// that the state is unknown. Text only through textContent.
const token = new URLSearchParams(location.search).get('token') || '';
const body = document.body;
const $ = (id) => document.getElementById(id);
let last = null;

const hhmm = (t) => {
  const d = new Date(t * 1000);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? time
    : `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
};
const ago = (t) => {
  const min = Math.max(0, Math.floor(Date.now() / 1000 - t) / 60);
  return min < 1 ? 'just now' : min < 120 ? `${Math.floor(min)} min ago` : `${Math.floor(min / 60)} h ago`;
};
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function card(a) {
  const al = a.alert && typeof a.alert === 'object' ? a.alert : {};
  const c = el('article', `alarm sev-${/^[a-z]+$/.test(al.severity) ? al.severity : 'unknown'}`);
  c.append(el('p', 'patient', `Patient ${al.patient || '?'}`));
  c.append(el('p', 'summary', al.summary || '(no summary)'));
  const since = num(al.raised);
  if (since !== null) c.append(el('p', 'since', `Since ${hhmm(since)} (${ago(since)})`));
  const waiting = num(a.waiting_since);
  c.append(el('p', 'waiting', `The hub has not had it${waiting !== null ? ` since ${hhmm(waiting)}` : ''}: ${a.reason || 'unknown reason'}`));
  c.append(el('p', 'meta', `${al.severity || ''} ${al.rule || ''} · ${al.id || ''}`.trim()));
  return c;
}

function render(s) {
  last = s;
  $('gateway').textContent = s.gateway ? `gateway ${s.gateway}` : '';
  const list = $('alarms');
  list.replaceChildren();
  let state;
  if (!s.server) {
    state = 'unknown';
    $('status').textContent = 'Not connected to the bedside server: the alarm state is unknown.';
  } else if (!s.connected) {
    state = 'unknown';
    $('status').textContent = `Not connected to the home broker since ${hhmm(s.since)}: the alarm state is unknown.`;
  } else if (s.problem) {
    state = 'problem';
    $('status').textContent = `Problem: ${s.problem}. The alarm state is unknown.`;
  } else if (!s.known) {
    state = 'unknown';
    $('status').textContent = 'Reading the alarm…';
  } else if (!s.alarms || s.alarms.length === 0) {
    state = 'none';
    $('status').textContent = 'Connected to the home broker.';
    list.append(el('p', 'none', 'No alarm'));
  } else {
    state = 'alarm';
    $('status').textContent = `${s.alarms.length} alarm${s.alarms.length > 1 ? 's' : ''}: the hospital has not been told. Call for help if needed.`;
  }
  // Shown while on, and kept (marked unknown) while the state is unknown.
  for (const a of s.alarms || []) list.append(card(a));
  body.dataset.state = state;
}

const events = new EventSource(`/events?token=${encodeURIComponent(token)}`);
events.onmessage = (e) => {
  try {
    render({ ...JSON.parse(e.data), server: true });
  } catch {
    render({ ...(last || {}), server: false });
  }
};
events.onerror = () => render({ ...(last || {}), server: false });
setInterval(() => {
  $('clock').textContent = hhmm(Date.now() / 1000);
  if (last) render(last);
}, 30000);
$('clock').textContent = hhmm(Date.now() / 1000);
