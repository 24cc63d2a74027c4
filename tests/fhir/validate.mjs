// SPDX-License-Identifier: MIT
// Validates wardgate's FHIR export: each line of FILE is "topic payload" as
// mosquitto_sub -v prints it, the payload a transaction Bundle.
//
//   node validate.mjs FILE
//
// Each bundle goes through FHIR.js (FHIR R4 core: structure, cardinality,
// types, required elements, unexpected properties); a warning is allowed
// only where it says a terminology is not at hand (LOINC and SNOMED CT are
// not shipped with FHIR.js). Then what FHIR.js does not check, from the
// profiles and the transaction rules: the vital-signs profiles (category,
// LOINC code, UCUM unit, subject, effective time, blood-pressure
// components), the NEWS2 observation, the Flag, and each request
// conditional on its resource's identifier. Last, the checks are shown to
// have teeth: a bundle spoiled on purpose must be refused by each.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { Fhir } = require('fhir');
const fhir = new Fhir();

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const PROFILE = 'http://hl7.org/fhir/StructureDefinition/';
// The vital-signs profiles wardgate uses: the LOINC code each requires and
// the UCUM units it allows (FHIR R4 vital-signs, 2019).
const VITALS = {
  heartrate: { code: '8867-4', units: ['/min'] },
  resprate: { code: '9279-1', units: ['/min'] },
  oxygensat: { code: '2708-6', units: ['%'] },
  bodytemp: { code: '8310-5', units: ['Cel', '[degF]'] },
  bp: { code: '85354-9', components: ['8480-6', '8462-4'], units: ['mm[Hg]'] },
};
const NEWS2_TOTAL = '1104051000000101';
const NEWS2_PARTS = new Set(['1104301000000104', '1104311000000102',
  '1104321000000108', '1104331000000105', '1104341000000101',
  '1104351000000103', '1104361000000100', '1104371000000107']);
const TERMINOLOGY = /value set .* could not be found|not found in value set/i;

function codes(cc, system) {
  return ((cc && cc.coding) || []).filter((c) => c.system === system).map((c) => c.code);
}

// FHIR.js: errors, and warnings other than missing terminology.
function core(bundle) {
  const r = fhir.validate(bundle, { errorOnUnexpected: true });
  const bad = r.messages.filter((m) => m.severity === 'error' ||
    (m.severity === 'warning' && !TERMINOLOGY.test(m.message)));
  if (!r.valid && bad.length === 0) bad.push({ location: '', message: 'invalid' });
  return bad.map((m) => `${m.resourceId || ''} ${m.location}: ${m.message}`);
}

function quantityProblems(q, units, where) {
  if (!q) return [`${where}: no valueQuantity`];
  const p = [];
  if (typeof q.value !== 'number') p.push(`${where}: no value`);
  if (q.system !== UCUM) p.push(`${where}: unit not UCUM`);
  if (!units.includes(q.code)) p.push(`${where}: unit ${q.code} not one of ${units}`);
  return p;
}

function vitalProblems(o) {
  const p = [];
  const profile = ((o.meta && o.meta.profile) || [])[0] || '';
  const name = profile.startsWith(PROFILE) ? profile.slice(PROFILE.length) : '';
  const def = VITALS[name];
  if (!def) return [`Observation: profile ${profile} is not a vital-signs profile`];
  if (!(o.category || []).some((c) => codes(c, CATEGORY).includes('vital-signs')))
    p.push(`${name}: category vital-signs missing`);
  if (!codes(o.code, LOINC).includes(def.code)) p.push(`${name}: LOINC ${def.code} missing`);
  if (!o.subject || !/^Patient[?/]/.test(o.subject.reference || ''))
    p.push(`${name}: subject is not a Patient`);
  if (!o.effectiveDateTime) p.push(`${name}: no effective time`);
  if (!['final', 'amended', 'corrected', 'registered', 'preliminary'].includes(o.status))
    p.push(`${name}: status ${o.status}`);
  if (def.components) {
    if (o.valueQuantity) p.push(`${name}: a panel has no value of its own`);
    for (const code of def.components) {
      const c = (o.component || []).find((x) => codes(x.code, LOINC).includes(code));
      if (!c) p.push(`${name}: component ${code} missing`);
      else if (!c.dataAbsentReason) p.push(...quantityProblems(c.valueQuantity, def.units, `${name} ${code}`));
      else if (c.valueQuantity) p.push(`${name} ${code}: a value and a dataAbsentReason`);
    }
  } else {
    p.push(...quantityProblems(o.valueQuantity, def.units, name));
  }
  return p;
}

function news2Problems(o) {
  const p = [];
  if (!codes(o.code, SNOMED).includes(NEWS2_TOTAL)) p.push('NEWS2: SNOMED CT code missing');
  if (!Number.isInteger(o.valueInteger)) p.push('NEWS2: no score');
  if ((o.component || []).length !== 7) p.push('NEWS2: not seven components');
  for (const c of o.component || []) {
    if (!codes(c.code, SNOMED).some((x) => NEWS2_PARTS.has(x))) p.push('NEWS2: component code');
    if (!Number.isInteger(c.valueInteger) === !c.dataAbsentReason)
      p.push('NEWS2: a component needs a score or a dataAbsentReason');
  }
  if (!/^Patient[?/]/.test((o.subject || {}).reference || '')) p.push('NEWS2: subject');
  return p;
}

function flagProblems(f) {
  const p = [];
  if (!['active', 'inactive'].includes(f.status)) p.push(`Flag: status ${f.status}`);
  if (!f.period || !f.period.start) p.push('Flag: no period.start');
  if (f.status === 'inactive' && !(f.period || {}).end) p.push('Flag: inactive without period.end');
  if (!/^Patient[?/]/.test((f.subject || {}).reference || '')) p.push('Flag: subject');
  return p;
}

// The transaction's rules: unique fullUrls, each request conditional on
// its resource's own identifier.
function entryProblems(e, seen) {
  const p = [];
  const r = e.resource || {};
  const id = (r.identifier || [])[0];
  if (!/^urn:uuid:[0-9a-f-]{36}$/.test(e.fullUrl || '')) p.push(`fullUrl ${e.fullUrl}`);
  if (seen.has(e.fullUrl)) p.push(`fullUrl ${e.fullUrl} twice`);
  seen.add(e.fullUrl);
  if (!id) return [...p, `${r.resourceType}: no identifier`];
  const query = `identifier=${id.system}|${id.value}`;
  const req = e.request || {};
  if (req.method === 'POST') {
    if (req.url !== r.resourceType || req.ifNoneExist !== query) p.push(`${r.resourceType}: POST not conditional on its identifier`);
  } else if (req.method === 'PUT') {
    if (req.url !== `${r.resourceType}?${query}`) p.push(`${r.resourceType}: PUT not conditional on its identifier`);
  } else {
    p.push(`${r.resourceType}: request ${req.method}`);
  }
  return p;
}

function kindOf(r) {
  if (r.resourceType === 'Flag') return 'Flag';
  if (codes(r.code, SNOMED).includes(NEWS2_TOTAL)) return 'NEWS2';
  const profile = ((r.meta && r.meta.profile) || [])[0] || '';
  return profile.startsWith(PROFILE) ? profile.slice(PROFILE.length) : 'Observation?';
}

// Every problem of one bundle on @topic.
export function problems(topic, bundle) {
  const p = core(bundle);
  const want = { vitals: ['heartrate', 'resprate', 'oxygensat', 'bodytemp', 'bp'], news2: ['NEWS2'], alerts: ['Flag'] }[topic.split('/').pop()];
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction') p.push('not a transaction Bundle');
  const seen = new Set();
  for (const e of bundle.entry || []) {
    const r = e.resource || {};
    const kind = kindOf(r);
    if (!want || !want.includes(kind)) p.push(`${kind} on ${topic}`);
    p.push(...entryProblems(e, seen));
    if (kind === 'Flag') p.push(...flagProblems(r));
    else if (kind === 'NEWS2') p.push(...news2Problems(r));
    else p.push(...vitalProblems(r));
  }
  return p;
}

function main(file) {
  const counts = {};
  let bundles = 0;
  let failed = 0;
  const samples = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const sp = line.indexOf(' ');
    const topic = line.slice(0, sp);
    const bundle = JSON.parse(line.slice(sp + 1));
    const p = problems(topic, bundle);
    bundles++;
    for (const e of bundle.entry || []) {
      const k = kindOf(e.resource || {});
      counts[k] = (counts[k] || 0) + 1;
      if (!samples[k]) samples[k] = { topic, bundle };
    }
    if (p.length) {
      failed++;
      console.log(`refused: ${topic}: ${p.join('; ')}`);
    }
  }
  console.log(`fhir: ${bundles} bundles, ${bundles - failed} valid; resources: ` +
    Object.entries(counts).sort().map(([k, v]) => `${k}=${v}`).join(' '));
  // Teeth: each kind, spoiled, is refused by FHIR.js and by the profile checks.
  for (const [k, { topic, bundle }] of Object.entries(samples)) {
    const noStatus = structuredClone(bundle);
    delete noStatus.entry[0].resource.status;
    const noCode = structuredClone(bundle);
    noCode.entry[0].resource.code.coding = [{ system: LOINC, code: '0-0' }];
    if (core(noStatus).length === 0) { console.log(`FHIR.js took a ${k} without status`); failed++; }
    if (k !== 'Flag' && problems(topic, noCode).length === 0) { console.log(`a ${k} with a wrong code passed`); failed++; }
  }
  process.exit(failed ? 1 : 0);
}

main(process.argv[2]);
