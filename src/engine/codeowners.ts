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
  const index = matchIn(path, codeowners, memoOf(codeowners));
  return index === NO_RULE ? undefined : codeowners.rules[index];
}

/**
 * For each owner (a login or org/team), the first of the files they own, in the files' order.
 * The answer depends only on the paths, in order, and the parsed file: it is remembered per
 * parsed file by the paths listed (see `Memo.lists`), so a new snapshot of a file list seen
 * before (every event on a head, a push touching the same files) costs one lookup. Otherwise
 * every file is matched: one directory lookup and the tests of the rules that can match it,
 * and a rule's owners are taken once, from the first file it owns.
 */
export function firstOwnedFiles(files: readonly { path: string }[], codeowners: Codeowners): ReadonlyMap<string, string> {
  const memo = memoOf(codeowners);
  const key = listKey(files);
  const known = key === undefined ? undefined : memo.lists.get(key);
  if (known !== undefined) return known;
  const owners = new Map<string, string>();
  const taken = new Uint8Array(codeowners.rules.length);
  for (const file of files) {
    const index = matchIn(file.path, codeowners, memo);
    if (index === NO_RULE || taken[index] === 1) continue;
    taken[index] = 1;
    for (const owner of codeowners.rules[index]!.owners) if (!owners.has(owner)) owners.set(owner, file.path);
  }
  if (key !== undefined) remember(memo, key, owners);
  return owners;
}

const NO_RULE = -1;
/** Between two paths of a list's key: git paths never hold a NUL, so no two lists share a key (a path that does is not remembered). */
const SEPARATOR = '\0';

/** The paths of a list, in order, as one string (after their count); undefined when a path holds the separator. */
function listKey(files: readonly { path: string }[]): string | undefined {
  const paths = new Array<string>(files.length + 1);
  paths[0] = String(files.length);
  for (let index = 0; index < files.length; index += 1) {
    const path = files[index]!.path;
    if (path.includes(SEPARATOR)) return undefined;
    paths[index + 1] = path;
  }
  return paths.join(SEPARATOR);
}

/**
 * What the remembered lists of all parsed files may hold together, in characters of their keys
 * (plus LIST_ENTRY_COST per list for its owners): 8 Mi, about a hundred lists of 3,000 files.
 * Past it every parsed file's lists are forgotten at once.
 */
export const LIST_MEMO_BUDGET = 8 * 1024 * 1024;
const LIST_ENTRY_COST = 1024;
let listMemoCost = 0;
const listMemos = new Set<Map<string, ReadonlyMap<string, string>>>();

function remember(memo: Memo, key: string, owners: ReadonlyMap<string, string>): void {
  const cost = key.length + LIST_ENTRY_COST;
  if (cost > LIST_MEMO_BUDGET) return;
  if (listMemoCost + cost > LIST_MEMO_BUDGET) {
    for (const lists of listMemos) lists.clear();
    listMemos.clear();
    listMemoCost = 0;
  }
  memo.lists.set(key, owners);
  listMemos.add(memo.lists);
  listMemoCost += cost;
}

/** How many file lists are remembered across all parsed files, and at what cost (for tests). */
export function listMemoStats(): { lists: number; cost: number } {
  let lists = 0;
  for (const memo of listMemos) lists += memo.size;
  return { lists, cost: listMemoCost };
}

/** The index of the last rule that matches a path, or NO_RULE, tested against the rules that can match it. */
function matchIn(path: string, codeowners: Codeowners, memo: Memo): number {
  const slash = path.lastIndexOf('/');
  const directory = candidatesIn(codeowners, memo, slash === -1 ? '' : path.slice(0, slash));
  let candidates = directory.candidates;
  // A rule can name the file itself (its literal base is the whole path).
  if (directory.namesFiles) {
    const own = codeowners.byBase.get(path);
    if (own) candidates = candidates.concat(own).sort((a, b) => b - a);
  }
  for (const index of candidates) if (codeowners.rules[index]!.matches(path)) return index;
  return NO_RULE;
}

/** What a directory's files are tested against: the rules that can match them, last rule first. */
interface Directory {
  candidates: readonly number[];
  /** Whether some rule's literal base lies directly in this directory: it may be one of its files. */
  namesFiles: boolean;
}

/** Per parsed file: its directories and paths worked out so far, and the parents of its rules' literal bases. */
interface Memo {
  directories: Map<string, Directory>;
  /** The owners of each file list matched so far, by its paths in order (`listKey`), bounded by LIST_MEMO_BUDGET. */
  lists: Map<string, ReadonlyMap<string, string>>;
  parents: Set<string>;
}

/** Directories kept per parsed file: at most this many, then afresh. */
const MAX_DIRECTORIES = 10_000;
const memos = new WeakMap<Codeowners, Memo>();

function memoOf(codeowners: Codeowners): Memo {
  let memo = memos.get(codeowners);
  if (!memo) {
    const parents = new Set<string>();
    for (const base of codeowners.byBase.keys()) parents.add(base.includes('/') ? base.slice(0, base.lastIndexOf('/')) : '');
    memos.set(codeowners, (memo = { directories: new Map(), lists: new Map(), parents }));
  }
  return memo;
}

/**
 * Indexes of the rules that can match a file in `directory`, last rule first: those with no
 * literal base and those based on the directory or one of its ancestors. The files of a large
 * PR share few directories, so each list is worked out once, not once per file.
 */
function candidatesIn(codeowners: Codeowners, memo: Memo, directory: string): Directory {
  let entry = memo.directories.get(directory);
  if (entry === undefined) {
    let found = codeowners.anywhere;
    if (directory !== '') {
      for (let slash = directory.indexOf('/'); ; slash = directory.indexOf('/', slash + 1)) {
        const based = codeowners.byBase.get(slash === -1 ? directory : directory.slice(0, slash));
        if (based) found = found.concat(based);
        if (slash === -1) break;
      }
    }
    entry = { candidates: [...found].sort((a, b) => b - a), namesFiles: memo.parents.has(directory) };
    if (memo.directories.size >= MAX_DIRECTORIES) memo.directories.clear();
    memo.directories.set(directory, entry);
  }
  return entry;
}
