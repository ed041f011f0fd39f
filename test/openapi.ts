/**
 * GitHub's published OpenAPI description, loaded once for the tests that check
 * the sandbox's answers against it, with one Ajv that resolves its components
 * (`github#/components/...`).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Content = Record<string, { schema: unknown }>;
export interface OpenApiResponse {
  $ref?: string;
  content?: Content;
}

export const openapi = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse> }>>;
  components: { responses: Record<string, { content?: Content }>; schemas: Record<string, unknown> };
};

/** OpenAPI 3.0's `nullable` as JSON Schema: null joins the type and the enum; references point into `github`. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = key === '$ref' && typeof value === 'string' ? value.replace('#/components', 'github#/components') : toJsonSchema(value);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    if (out.allOf || out.oneOf || out.anyOf) return { anyOf: [{ type: 'null' }, out] };
  }
  return out;
}

export const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
ajv.addFormat('int64', true).addFormat('int32', true);
ajv.addSchema({ $id: 'github', components: toJsonSchema(openapi.components) }, 'github');

/** The JSON schema of a documented answer, following shared answers (`accepted`, `not_found` …) into components.responses. */
export function responseSchema(documented: OpenApiResponse | undefined): unknown {
  const response = documented?.$ref ? openapi.components.responses[documented.$ref.split('/').pop()!] : documented;
  return response?.content?.['application/json']?.schema;
}

/** A validator for the answer `status` of `method template`, as GitHub documents it. */
export function responseValidator(method: string, template: string, status: number): ValidateFunction {
  const schema = responseSchema(openapi.paths[template]?.[method.toLowerCase()]?.responses[String(status)]);
  if (!schema) throw new Error(`GitHub documents no JSON answer ${status} for ${method} ${template}`);
  return ajv.compile(toJsonSchema(schema) as object);
}
