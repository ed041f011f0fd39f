/**
 * Bundles the GitHub Action (src/action/main.ts) into one committed file,
 * action/dist/index.js, with esbuild: ESM for Node 20 and later (node24 on the
 * runners), minified, the same bytes for the same sources (no timestamps, no
 * absolute paths), and the licences of what it bundles in action/dist/licenses.txt.
 *
 *   npm run build:action                write action/dist/
 *   npm run build:action -- --out DIR   write DIR instead (the staleness test compares)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--out');
const out = at === -1 ? join(root, 'action', 'dist') : resolve(process.argv[at + 1] ?? '');

/**
 * zod re-exports its error messages in some fifty languages as `z.locales`; Flowgate
 * speaks English only, and every language bundled is time a runner spends parsing.
 * `z.locales` keeps `en`, which zod configures itself with.
 */
const englishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), '..', 'locales', 'en.js'), namespace: 'zod-locales' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(args.path)};`, resolveDir: dirname(args.path), loader: 'js' }));
  },
};

/** Builds the bundle into `dir`; returns the packages bundled, for the licence file. */
export async function buildAction(dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/action/main.ts'],
    outfile: join(dir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [englishOnly],
    // CommonJS dependencies call require() for Node's own modules; an ES module has none until given one.
    banner: { js: "import { createRequire as __flowgateRequire } from 'node:module'; const require = __flowgateRequire(import.meta.url);" },
  });
  // The runner resolves `type` from the nearest package.json: say ESM here, whatever the checkout around it says.
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]!);
  }
  const names = [...packages].sort();
  writeFileSync(join(dir, 'licenses.txt'), licences(names));
  return names;
}

/** Each bundled package's name, version, licence and its licence text where it ships one. */
function licences(names: readonly string[]): string {
  const parts = names.map((name) => {
    const dir = join(root, 'node_modules', name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string; license?: string };
    let text = '';
    for (const file of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE', 'license.md']) {
      try {
        text = readFileSync(join(dir, file), 'utf8').trim();
        break;
      } catch {
        // try the next name
      }
    }
    return `${name} ${pkg.version ?? ''} (${pkg.license ?? 'see its package'})\n${text}`;
  });
  return `Flowgate's action bundles these packages (${relative(root, join(root, 'node_modules'))}):\n\n${parts.join('\n\n---\n\n')}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = await buildAction(out);
  console.log(`wrote ${relative(root, join(out, 'index.js'))} (${names.length} packages bundled)`);
}
