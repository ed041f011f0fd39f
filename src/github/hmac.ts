/** HMAC-SHA256 signatures, and their comparison in constant time. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmac(secret: string, text: string, encoding: 'hex' | 'base64url'): string {
  return createHmac('sha256', secret).update(text).digest(encoding);
}

/** Whether a given signature is the expected one, without leaking how much of it matched. */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
