/**
 * The app's credentials from the environment, checked before Probot sees them.
 * Probot swallows a private key it cannot read and starts its setup page
 * instead, so a path in PRIVATE_KEY (a common slip: PRIVATE_KEY=./key.pem)
 * looked like a fresh install. Here every way it can be wrong is an error that
 * names the variable and says what to do.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** A configuration error: printed as it is, with no stack, and the server exits with 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Credentials =
  | { kind: 'app'; appId: number; privateKey: string; secret: string; keySource: string }
  /** Nothing set yet: Probot's setup page registers the app from app.yml. */
  | { kind: 'setup' };

const PEM = /-----BEGIN (RSA )?PRIVATE KEY-----/;

/** What the text of a key is, as Probot accepts it: PEM, PEM with `\n` for newlines, or PEM in base64. */
function pemOf(value: string): string | undefined {
  const text = value.trim();
  if (PEM.test(text)) return text.replace(/\\n/g, '\n');
  if (/^[A-Za-z0-9+/=\s]+$/.test(text)) {
    const decoded = Buffer.from(text, 'base64').toString('utf8');
    if (PEM.test(decoded)) return decoded;
  }
  return undefined;
}

/** Whether a value that is not a key was meant as a path to one. */
function looksLikePath(value: string, cwd: string): boolean {
  const text = value.trim();
  // A key's text has no slash outside base64 (which was tried first), and a path has no spaces as a rule.
  return /\.(pem|key)$/i.test(text) || /^(\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(text) || (/[\\/]/.test(text) && !/\s/.test(text)) || existsSync(resolve(cwd, text));
}

function readable(pem: string, variable: string): string {
  try {
    createPrivateKey(pem);
  } catch (error) {
    throw new ConfigError(`${variable}: the key could not be read (${(error as Error).message}); it must be the GitHub App's private key as GitHub gave it (a .pem file, "-----BEGIN RSA PRIVATE KEY-----")`);
  }
  return pem;
}

function keyFromEnv(env: NodeJS.ProcessEnv, cwd: string): { pem: string; source: string } | undefined {
  const inline = env.PRIVATE_KEY?.trim() ? env.PRIVATE_KEY : undefined;
  const path = env.PRIVATE_KEY_PATH?.trim() ? env.PRIVATE_KEY_PATH.trim() : undefined;
  if (inline !== undefined) {
    const pem = pemOf(inline);
    if (pem) return { pem: readable(pem, 'PRIVATE_KEY'), source: 'PRIVATE_KEY' };
    if (looksLikePath(inline, cwd)) {
      throw new ConfigError(
        `PRIVATE_KEY=${inline.trim()} looks like a path to a file, but PRIVATE_KEY holds the key itself (its PEM text). ` +
          `For a file, set PRIVATE_KEY_PATH=${inline.trim()} and remove PRIVATE_KEY.`,
      );
    }
    throw new ConfigError('PRIVATE_KEY is not a private key: expected the PEM text of the app\'s .pem file ("-----BEGIN RSA PRIVATE KEY-----", newlines as \\n), or set PRIVATE_KEY_PATH to the file');
  }
  if (path !== undefined) {
    const file = resolve(cwd, path);
    if (!existsSync(file)) throw new ConfigError(`PRIVATE_KEY_PATH=${path}: no such file (looked at ${file})`);
    if (!statSync(file).isFile()) throw new ConfigError(`PRIVATE_KEY_PATH=${path}: ${file} is not a file`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`PRIVATE_KEY_PATH=${path}: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the server's user needs read access`);
    }
    const pem = pemOf(text);
    if (!pem) throw new ConfigError(`PRIVATE_KEY_PATH=${path}: ${file} holds no private key (no "-----BEGIN RSA PRIVATE KEY-----" line)`);
    return { pem: readable(pem, `PRIVATE_KEY_PATH=${path}`), source: `PRIVATE_KEY_PATH=${path}` };
  }
  // Probot's fallback, kept: one .pem file in the working directory.
  const pems = readdirSync(cwd).filter((name) => name.endsWith('.pem'));
  if (pems.length > 1) throw new ConfigError(`no PRIVATE_KEY or PRIVATE_KEY_PATH, and ${pems.length} .pem files in ${cwd} (${pems.join(', ')}): set PRIVATE_KEY_PATH to the app's key`);
  if (pems.length === 1) {
    const pem = pemOf(readFileSync(resolve(cwd, pems[0]!), 'utf8'));
    if (pem) return { pem: readable(pem, pems[0]!), source: pems[0]! };
  }
  return undefined;
}

/**
 * The credentials to start with, or `setup` when none is set at all (and the
 * server is not in production, where a setup page is never wanted).
 * Throws ConfigError for any credential that is set but cannot work.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Credentials {
  const key = keyFromEnv(env, cwd);
  const appIdText = env.APP_ID?.trim() ?? '';
  if (!key && appIdText === '') {
    if (env.NODE_ENV === 'production') {
      throw new ConfigError('APP_ID and the private key (PRIVATE_KEY_PATH or PRIVATE_KEY) are not set; with NODE_ENV=production the setup page is not offered. Register the app (see docs/deploy.md) and set them, with WEBHOOK_SECRET');
    }
    return { kind: 'setup' };
  }
  if (!key) throw new ConfigError(`APP_ID=${appIdText} is set but no private key is: set PRIVATE_KEY_PATH to the app's .pem file (or PRIVATE_KEY to its text)`);
  if (!/^\d+$/.test(appIdText)) throw new ConfigError(appIdText === '' ? 'APP_ID is not set: the number on the GitHub App\'s settings page (General > App ID)' : `APP_ID=${appIdText}: expected the GitHub App's numeric id (General > App ID)`);
  const secret = env.WEBHOOK_SECRET ?? '';
  if (secret.trim() === '') throw new ConfigError('WEBHOOK_SECRET is not set: the secret GitHub signs webhooks with (the app\'s settings, "Webhook secret"); without it no delivery can be verified');
  return { kind: 'app', appId: Number(appIdText), privateKey: key.pem, secret, keySource: key.source };
}
