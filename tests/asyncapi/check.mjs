// SPDX-License-Identifier: MIT
// Validates the AsyncAPI document with the AsyncAPI parser (the schemas it
// references included) and checks that its channels are exactly the topics
// given: node check.mjs ASYNCAPI.yaml TOPIC...
import { Parser, fromFile } from '@asyncapi/parser';

const [file, ...topics] = process.argv.slice(2);
const { document, diagnostics } = await fromFile(new Parser(), file).parse();
let bad = 0;
for (const d of diagnostics) {
  if (d.severity !== 0) continue; // 0 is an error; hints and warnings pass
  console.log(`${file}: ${d.path.join('.')}: ${d.message}`);
  bad++;
}
if (document) {
  const addresses = new Set(document.channels().all().map((c) => c.address()));
  for (const t of topics)
    if (!addresses.delete(t)) {
      console.log(`${file}: no channel for ${t}`);
      bad++;
    }
  for (const a of addresses) {
    console.log(`${file}: channel ${a} is not a topic the daemon uses`);
    bad++;
  }
  console.log(`asyncapi: ${document.channels().all().length} channels, ` +
              `${document.operations().all().length} operations, ` +
              `${document.components().messages().all().length} messages`);
}
process.exit(bad || !document ? 1 : 0);
