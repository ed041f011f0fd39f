/**
 * A module hook for tests of what a process loads: `--import` the returned URL,
 * and every module URL the process resolves is appended to `file`, one a line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ModuleTrace {
  /** For `node --import`. */
  hook: string;
  file: string;
  /** Every module URL resolved so far. */
  loaded(): string[];
}

export function moduleTrace(): ModuleTrace {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-rss-trace-'));
  const file = join(dir, 'modules.txt');
  writeFileSync(file, '');
  writeFileSync(
    join(dir, 'trace-hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\n" +
      `const file = ${JSON.stringify(file)};\n` +
      'export async function resolve(specifier, context, next) {\n' +
      '  const resolved = await next(specifier, context);\n' +
      "  appendFileSync(file, resolved.url + '\\n');\n" +
      '  return resolved;\n' +
      '}\n',
  );
  writeFileSync(join(dir, 'trace.mjs'), "import { register } from 'node:module';\nregister('./trace-hooks.mjs', import.meta.url);\n");
  return { hook: pathToFileURL(join(dir, 'trace.mjs')).href, file, loaded: () => readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

/** The URLs of `urls` inside the package `name`. */
export const fromPackage = (urls: string[], name: string) => urls.filter((url) => url.includes(`/node_modules/${name}/`));
