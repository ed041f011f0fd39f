/**
 * Answers shaped by GitHub's OpenAPI description: every field GitHub's schema
 * requires gets a valid placeholder, and the sandbox's own state is laid over
 * it. So a client that reads a field GitHub always sends finds it here too.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Schema = {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};

let components: Record<string, Schema> | undefined;

function schemas(): Record<string, Schema> {
  if (!components) {
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
    components = (JSON.parse(readFileSync(file, 'utf8')) as { components: { schemas: Record<string, Schema> } }).components.schemas;
  }
  return components;
}

function placeholder(schema: Schema, depth: number): unknown {
  if (schema.$ref) return placeholder(schemas()[schema.$ref.split('/').pop()!]!, depth);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => placeholder(part, depth)));
  if (schema.nullable || depth > 6) return null;
  const choice = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (choice) return placeholder(choice, depth);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const key of schema.required ?? []) value[key] = placeholder(schema.properties?.[key] ?? {}, depth + 1);
      return value;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'string':
      return schema.format === 'date-time' ? '2026-01-01T00:00:00Z' : schema.format === 'uri' ? 'https://github.com/' : schema.format === 'email' ? 'noreply@github.com' : '';
    default:
      return {};
  }
}

function overlay(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (over === null || typeof over !== 'object' || Array.isArray(over) || base === null || typeof base !== 'object' || Array.isArray(base)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) out[key] = overlay(out[key], value);
  return out;
}

/** A component of GitHub's schema (`check-run`, `simple-user` …) with these fields set. */
export function shaped<T extends object>(component: string, fields: T): T {
  const schema = schemas()[component];
  if (!schema) throw new Error(`GitHub's OpenAPI description has no schema ${component}`);
  return overlay(placeholder(schema, 0), fields) as T;
}
