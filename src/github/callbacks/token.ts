/**
 * Callback tokens: what an agent or a chat bridge presents to resume a waiting
 * run. Self-contained (the app can act on one after a restart, with nothing but
 * its secret), signed, expiring, and bound to one run, step and attempt. A
 * token is used once: the run's record keeps the ids of the tokens it took.
 */
import { z } from 'zod';
import { hmac, sameSignature } from '../hmac.js';

export const Claims = z.strictObject({
  v: z.literal(1),
  /** owner/name */
  repo: z.string(),
  pr: z.int(),
  installation: z.int(),
  run: z.string(),
  step: z.string(),
  attempt: z.int(),
  /** Expiry, in epoch seconds. */
  exp: z.int(),
  /** For decision links sent through a chat connection: whose secret vouches for the person deciding. */
  connection: z.string().optional(),
});
export type Claims = z.infer<typeof Claims>;

/** The engine's name for a token: run, step and attempt. */
export const tokenId = (claims: Pick<Claims, 'run' | 'step' | 'attempt'>): string => `${claims.run}:${claims.step}:${claims.attempt}`;

const mac = (body: string, secret: string): string => hmac(secret, `flowgate-callback:${body}`, 'base64url');

export function signToken(claims: Claims, secret: string): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `fgc1.${body}.${mac(body, secret)}`;
}

export type Verified = { ok: true; claims: Claims } | { ok: false; error: string };

export function verifyToken(token: string, secret: string, now: number): Verified {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'fgc1') return { ok: false, error: 'not a Flowgate callback token' };
  const [, body, signature] = parts as [string, string, string];
  if (!sameSignature(mac(body, secret), signature)) return { ok: false, error: 'the token is forged or altered: its signature does not match' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, error: 'the token is malformed' };
  }
  const parsed = Claims.safeParse(json);
  if (!parsed.success) return { ok: false, error: 'the token is malformed' };
  if (parsed.data.exp * 1000 <= now) return { ok: false, error: `the token expired at ${new Date(parsed.data.exp * 1000).toISOString()}` };
  return { ok: true, claims: parsed.data };
}

/**
 * How a chat bridge vouches for the person who clicked: an HMAC of the token and
 * their GitHub login, with the connection's secret. Flowgate counts a decision only
 * from a person vouched for, and then checks that person against the gate.
 */
export function signIdentity(token: string, login: string, secret: string): string {
  return hmac(secret, `flowgate-identity:${token}:${login.toLowerCase()}`, 'hex');
}

export function identityMatches(token: string, login: string, signature: string, secret: string): boolean {
  return sameSignature(signIdentity(token, login, secret), signature);
}

/** What a callback may carry: a result for a wait, or a decision for a gate; outputs and links become step outputs. */
export const CallbackBody = z
  .strictObject({
    token: z.string().min(1).max(4096),
    result: z.enum(['success', 'failure']).optional(),
    decision: z.enum(['approve', 'decline']).optional(),
    reason: z.string().max(2000).optional(),
    summary: z.string().max(20_000).optional(),
    outputs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/), z.union([z.string().max(2000), z.number(), z.boolean()])).optional(),
    links: z.array(z.strictObject({ title: z.string().min(1).max(200), url: z.url({ protocol: /^https?$/ }) })).max(20).optional(),
    actor: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/).optional().meta({ description: 'the GitHub login of the person deciding, as a chat bridge maps them' }),
    identity: z.string().regex(/^[0-9a-f]{64}$/).optional().meta({ description: 'signIdentity(token, actor, connection secret): the bridge vouching for actor' }),
  })
  .meta({ title: 'Flowgate callback', description: 'What an agent or a chat bridge POSTs to resume a waiting run (docs/callbacks.md)' });
export type CallbackBody = z.infer<typeof CallbackBody>;
