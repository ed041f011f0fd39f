import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { publishedSchemas } from '../../src/schemas.js';

describe('published JSON Schemas', () => {
  it.each(publishedSchemas().map((entry) => [entry.file, entry.schema] as const))(
    'schemas/%s is what the zod source generates (run npm run schemas if this fails)',
    (file, schema) => {
      const committed = JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8'));
      expect(committed).toEqual(schema);
    },
  );

  it('the flow schema is JSON Schema 2020-12, for editors', () => {
    const flow = publishedSchemas().find((entry) => entry.file === 'flow.schema.json')!.schema as Record<string, unknown>;
    expect(flow.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});
