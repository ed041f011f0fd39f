/**
 * CODEOWNERS as GitHub reads it. Close to gitignore, with GitHub's documented
 * differences: `docs/*` owns only the files directly in docs/, while `docs/`
 * owns everything beneath any docs directory. For each file the last matching
 * line wins. Patterns become picomatch globs, compiled once per file text.
 */
import picomatch from 'picomatch';

export interface OwnerRule {
  line: number;
  pattern: string;
  /** `@user` and `@org/team` owners, without the `@`, lower-case; email owners are dropped. */
  owners: string[];
  /** The literal directory the pattern is confined to (`src/billing` in `/src/billing/`), or '' for any. */
  base: string;
  matches: (path: string) => boolean;
}

export interface Codeowners {
  rules: OwnerRule[];
  /** Rule indexes by literal base directory, so a file is tested only against rules that can match it. */
  byBase: Map<string, number[]>;
  /** Indexes of rules with no literal base, such as `*.md`. */
  anywhere: number[];
}

/** The globs that stand for one CODEOWNERS pattern. */
export function codeownersGlobs(pattern: string): string[] {
  let body = pattern.replace(/\\#/g, '#');
  // A slash at the start or in the middle anchors the pattern at the root, as in gitignore.
  const anchored = body.startsWith('/') || body.slice(0, -1).includes('/');
  body = body.replace(/^\/+/, '');
  const directory = body.endsWith('/');
  if (directory) body = body.replace(/\/+$/, '');
  if (body === '' || body === '*' || body === '**') return ['**'];
  const prefix = anchored || body.startsWith('**/') ? '' : '**/';
  if (directory) return [`${prefix}${body}/**`];
  if (body.endsWith('/*')) return [`${prefix}${body}`];
  return [`${prefix}${body}`, `${prefix}${body}/**`];
}

const parsed = new Map<string, Codeowners>();
const MAX_CACHED = 32;

/** Parsed rules; the same text is parsed once (CODEOWNERS at a commit never changes). */
export function parseCodeowners(text: string): Codeowners {
  const cached = parsed.get(text);
  if (cached) return cached;
  const rules: OwnerRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|[^\\])#.*$/, '$1').trim();
    if (line === '') return;
    const [pattern, ...owners] = line.split(/\s+/);
    if (!pattern || pattern.startsWith('!') || /[[\]]/.test(pattern)) return; // GitHub ignores what it cannot parse
    const globs = codeownersGlobs(pattern);
    rules.push({
      line: index + 1,
      pattern,
      owners: owners.filter((owner) => owner.startsWith('@')).map((owner) => owner.slice(1).toLowerCase()),
      base: picomatch.scan(globs[0]!).base,
      matches: picomatch(globs, { dot: true }),
    });
  });
  const byBase = new Map<string, number[]>();
  const anywhere: number[] = [];
  rules.forEach((rule, index) => {
    if (rule.base === '') anywhere.push(index);
    else byBase.set(rule.base, [...(byBase.get(rule.base) ?? []), index]);
  });
  const result = { rules, byBase, anywhere };
  if (parsed.size >= MAX_CACHED) parsed.delete(parsed.keys().next().value!);
  parsed.set(text, result);
  return result;
}

/** The owners of one file: those of the last rule that matches it. */
export function ownersOf(path: string, codeowners: Codeowners): { owners: string[]; rule?: OwnerRule } {
  const { rules, byBase, anywhere } = codeowners;
  let candidates = anywhere;
  // The file's ancestors, and the file itself, are the only bases whose rules can match it.
  for (let slash = path.indexOf('/'); ; slash = path.indexOf('/', slash + 1)) {
    const found = byBase.get(slash === -1 ? path : path.slice(0, slash));
    if (found) candidates = candidates.concat(found);
    if (slash === -1) break;
  }
  if (candidates !== anywhere) candidates.sort((a, b) => b - a);
  else candidates = [...anywhere].reverse();
  for (const index of candidates) {
    const rule = rules[index]!;
    if (rule.matches(path)) return { owners: rule.owners, rule };
  }
  return { owners: [] };
}
