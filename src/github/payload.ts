/**
 * The fields of a webhook payload the handler reads, parsed once; GitHub sends
 * many more. The sweep and callbacks make payloads of their own of this shape.
 */
import { z } from 'zod';

export const Payload = z.looseObject({
  action: z.string().optional(),
  sender: z.looseObject({ login: z.string() }).optional(),
  repository: z.looseObject({ name: z.string(), owner: z.looseObject({ login: z.string() }), default_branch: z.string() }).optional(),
  pull_request: z.looseObject({ number: z.int(), html_url: z.string().optional(), head: z.looseObject({ sha: z.string() }), base: z.looseObject({ sha: z.string() }).optional() }).optional(),
  issue: z.looseObject({ number: z.int() }).optional(),
  comment: z.looseObject({ id: z.int().optional(), body: z.string().nullable() }).optional(),
  /** A push's ref: `refs/heads/…` or `refs/tags/…`. */
  ref: z.string().optional(),
  before: z.string().optional(),
  after: z.string().optional(),
  check_run: z.looseObject({ id: z.int(), head_sha: z.string(), pull_requests: z.array(z.looseObject({ number: z.int() })).optional() }).optional(),
  requested_action: z.looseObject({ identifier: z.string() }).nullable().optional(),
  installation: z.looseObject({ id: z.int() }).optional(),
});
export type Payload = z.infer<typeof Payload>;
