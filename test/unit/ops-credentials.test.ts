import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, credentialsFromEnv } from '../../src/app/credentials.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const pkcs8 = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const empty = () => mkdtempSync(join(tmpdir(), 'flowgate-cred-'));
const base = { APP_ID: '7', WEBHOOK_SECRET: 's' };

describe('the forms of the key that work', () => {
  it.each([
    ['PEM text with newlines', privateKey],
    ['PEM text with \\n escapes, as one line in .env', privateKey.replace(/\n/g, '\\n')],
    ['base64 of the PEM', Buffer.from(privateKey).toString('base64')],
    ['a PKCS#8 PEM', pkcs8],
  ])('PRIVATE_KEY as %s', (_, value) => {
    const credentials = credentialsFromEnv({ ...base, PRIVATE_KEY: value }, empty());
    expect(credentials).toMatchObject({ kind: 'app', appId: 7, secret: 's', keySource: 'PRIVATE_KEY' });
    expect((credentials as { privateKey: string }).privateKey).toMatch(/^-----BEGIN (RSA )?PRIVATE KEY-----\n/);
  });

  it('PRIVATE_KEY_PATH, relative to the working directory, and a lone .pem there when neither is set', () => {
    const cwd = empty();
    writeFileSync(join(cwd, 'app.pem'), privateKey);
    expect(credentialsFromEnv({ ...base, PRIVATE_KEY_PATH: 'app.pem' }, cwd)).toMatchObject({ kind: 'app', keySource: 'PRIVATE_KEY_PATH=app.pem' });
    expect(credentialsFromEnv({ ...base }, cwd)).toMatchObject({ kind: 'app', keySource: 'app.pem' });
  });

  it('nothing set at all is the setup page, outside production', () => {
    expect(credentialsFromEnv({}, empty())).toEqual({ kind: 'setup' });
    expect(() => credentialsFromEnv({ NODE_ENV: 'production' }, empty())).toThrow(ConfigError);
  });
});

describe('paths in PRIVATE_KEY are told apart from keys', () => {
  it.each(['./flowgate.pem', 'flowgate.private-key.pem', '/run/secrets/flowgate', 'secrets/flowgate', 'C:\\keys\\flowgate.pem', '~/flowgate.pem'])('%s is refused as a path', (value) => {
    expect(() => credentialsFromEnv({ ...base, PRIVATE_KEY: value }, empty())).toThrow(`PRIVATE_KEY=${value} looks like a path to a file`);
  });

  it('a file name with no extension that exists in the working directory is a path too', () => {
    const cwd = empty();
    writeFileSync(join(cwd, 'flowgate-key'), privateKey);
    expect(() => credentialsFromEnv({ ...base, PRIVATE_KEY: 'flowgate-key' }, cwd)).toThrow('set PRIVATE_KEY_PATH=flowgate-key');
  });

  it('several .pem files and no variable is refused, naming them', () => {
    const cwd = empty();
    writeFileSync(join(cwd, 'a.pem'), privateKey);
    writeFileSync(join(cwd, 'b.pem'), privateKey);
    expect(() => credentialsFromEnv({ ...base }, cwd)).toThrow('2 .pem files');
  });
});
