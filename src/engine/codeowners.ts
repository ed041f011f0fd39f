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

/**
 * What `picomatch(globs, { dot: true })` answers, without the result objects it builds for
 * every test: a path matches a glob when it is the glob itself or the glob's expression
 * matches it (picomatch.test, for POSIX paths and no options beyond `dot`). Every changed
 * file of a large PR is tested, so this is the cost of a new head.
 */
export function globMatcher(globs: readonly string[]): (path: string) => boolean {
  const compiled = globs.map((glob) => ({ glob, regex: picomatch.makeRe(glob, { dot: true }) }));
  return (path) => {
    if (path === '') return false;
    for (const { glob, regex } of compiled) if (path === glob || regex.test(path)) return true;
    return false;
  };
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
      matches: globMatcher(globs),
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
  const rule = ruleFor(path, codeowners);
  return rule ? { owners: rule.owners, rule } : { owners: [] };
}

/** The last rule that matches a file, if any. */
export function ruleFor(path: string, codeowners: Codeowners): OwnerRule | undefined {
  const { rules, byBase } = codeowners;
  const slash = path.lastIndexOf('/');
  let candidates = candidatesIn(codeowners, slash === -1 ? '' : path.slice(0, slash));
  // A rule can name the file itself.
  const own = byBase.get(path);
  if (own) candidates = candidates.concat(own).sort((a, b) => b - a);
  for (const index of candidates) {
    const rule = rules[index]!;
    if (rule.matches(path)) return rule;
  }
  return undefined;
}

/** A directory's candidate lists, per parsed file: at most this many directories, then afresh. */
const MAX_DIRECTORIES = 10_000;
const byDirectory = new WeakMap<Codeowners, Map<string, readonly number[]>>();

/**
 * Indexes of the rules that can match a file in `directory`, last rule first: those with no
 * literal base and those based on the directory or one of its ancestors. The files of a large
 * PR share few directories, so each list is worked out once, not once per file.
 */
function candidatesIn(codeowners: Codeowners, directory: string): readonly number[] {
  let lists = byDirectory.get(codeowners);
  if (!lists) byDirectory.set(codeowners, (lists = new Map()));
  let candidates = lists.get(directory);
  if (candidates === undefined) {
    let found = codeowners.anywhere;
    if (directory !== '') {
      for (let slash = directory.indexOf('/'); ; slash = directory.indexOf('/', slash + 1)) {
        const based = codeowners.byBase.get(slash === -1 ? directory : directory.slice(0, slash));
        if (based) found = found.concat(based);
        if (slash === -1) break;
      }
    }
    candidates = [...found].sort((a, b) => b - a);
    if (lists.size >= MAX_DIRECTORIES) lists.clear();
    lists.set(directory, candidates);
  }
  return candidates;
}
