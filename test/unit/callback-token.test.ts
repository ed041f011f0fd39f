import { describe, expect, it } from 'vitest';
import { CallbackBody, signToken, tokenId, verifyToken, type Claims } from '../../src/github/callbacks/token.js';

const NOW = Date.parse('2026-11-24T09:00:00Z');
const claims: Claims = { v: 1, repo: 'acme/widgets', pr: 7, installation: 1, run: 'run1', step: 'agent', attempt: 1, exp: NOW / 1000 + 3600 };

describe('callback tokens', () => {
  it('verify with the secret they were signed with, and name their run, step and attempt', () => {
    const token = signToken(claims, 's3cret');
    expect(verifyToken(token, 's3cret', NOW)).toEqual({ ok: true, claims });
    expect(tokenId(claims)).toBe('run1:agent:1');
  });

  it('a forged token is refused', () => {
    expect(verifyToken(signToken(claims, 'guessed'), 's3cret', NOW)).toEqual({ ok: false, error: 'the token is forged or altered: its signature does not match' });
  });

  it('an altered token is refused: moving it to another run breaks the signature', () => {
    const [prefix, , signature] = signToken(claims, 's3cret').split('.');
    const moved = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, run: 'run2' })).toString('base64url')}.${signature}`;
    expect(verifyToken(moved, 's3cret', NOW)).toMatchObject({ ok: false, error: expect.stringMatching(/forged or altered/) });
  });

  it('an expired token is refused, saying when it expired', () => {
    expect(verifyToken(signToken(claims, 's3cret'), 's3cret', NOW + 3601_000)).toEqual({ ok: false, error: 'the token expired at 2026-11-24T10:00:00.000Z' });
  });

  it('garbage is refused as not a token', () => {
    expect(verifyToken('hello', 's3cret', NOW)).toEqual({ ok: false, error: 'not a Flowgate callback token' });
  });

  it('a callback body is checked: outputs by name, links as http(s) URLs', () => {
    expect(CallbackBody.safeParse({ token: 't', result: 'success', outputs: { report: 'r', tests: 412 }, links: [{ title: 'diff', url: 'https://example.com/d' }] }).success).toBe(true);
    expect(CallbackBody.safeParse({ token: 't', links: [{ title: 'x', url: 'javascript:alert(1)' }] }).success).toBe(false);
    expect(CallbackBody.safeParse({ token: 't', outputs: { 'bad name!': 1 } }).success).toBe(false);
    expect(CallbackBody.safeParse({ token: 't', extra: 1 }).success).toBe(false);
  });
});
