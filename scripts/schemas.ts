/**
 * Writes the published JSON Schemas from their zod sources:
 *   npm run schemas           write schemas/*.schema.json
 *   npm run schemas -- --check  exit 1 if a committed file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { publishedSchemas } from '../src/schemas.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const { file, schema } of publishedSchemas()) {
  const url = new URL(`../schemas/${file}`, import.meta.url);
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  let current = '';
  try {
    current = readFileSync(url, 'utf8');
  } catch {
    // a new schema file
  }
  if (current === text) continue;
  if (check) {
    console.error(`schemas/${file} is stale: run npm run schemas`);
    stale += 1;
  } else {
    writeFileSync(url, text);
    console.log(`wrote schemas/${file}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
