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
 * before (every event on a head, a push touching the same files) costs one comparison. Otherwise
 * every file is matched: one directory lookup and the tests of the rules that can match it,
 * and a rule's owners are taken once, from the first file it owns.
 */
export function firstOwnedFiles(files: readonly { path: string }[], codeowners: Codeowners): ReadonlyMap<string, string> {
  const memo = memoOf(codeowners);
  // Every event on a head evaluates the list the last one did: compared first, it needs no hash.
  if (memo.last !== undefined && samePaths(memo.last, files)) return memo.last.owners;
  const hash = listHash(files);
  const bucket = memo.lists.get(hash);
  if (bucket !== undefined) {
    for (const list of bucket) {
      if (!samePaths(list, files)) continue;
      memo.last = list;
      return list.owners;
    }
  }
  const owners = new Map<string, string>();
  const taken = new Uint8Array(codeowners.rules.length);
  for (const file of files) {
    const index = matchIn(file.path, codeowners, memo);
    if (index === NO_RULE || taken[index] === 1) continue;
    taken[index] = 1;
    for (const owner of codeowners.rules[index]!.owners) if (!owners.has(owner)) owners.set(owner, file.path);
  }
  remember(memo, hash, files, owners);
  return owners;
}

const NO_RULE = -1;

/**
 * A file list matched before: its paths in order (the strings of the snapshot that first
 * listed them), and their owners. A new snapshot's paths are new strings: compared with `===`,
 * each is one length check and one memory compare, a tenth of the time of finding it at an
 * offset in one joined string (`startsWith`), which was a fifth of a cold evaluation.
 */
export interface RememberedList {
  paths: readonly string[];
  owners: ReadonlyMap<string, string>;
}

/**
 * Which bucket a list's memo is in: its length, and each path's length and last characters.
 * Only a bucket: a list is found by comparing every path (`samePaths`), so lists that hash
 * alike are told apart. Nothing is allocated, as every evaluation of a code-owner gate asks.
 */
function listHash(files: readonly { path: string }[]): number {
  let hash = files.length;
  for (const file of files) {
    const path = file.path;
    const length = path.length;
    hash = (Math.imul(hash, 31) + length) | 0;
    for (let index = length > 12 ? length - 12 : 0; index < length; index += 1) hash = (Math.imul(hash, 31) + path.charCodeAt(index)) | 0;
  }
  return hash;
}

/** Whether a remembered list is this list of files: the same paths, in the same order (exported for tests). */
export function samePaths(list: RememberedList, files: readonly { path: string }[]): boolean {
  const paths = list.paths;
  if (paths.length !== files.length) return false;
  for (let index = 0; index < paths.length; index += 1) if (files[index]!.path !== paths[index]) return false;
  return true;
}

/**
 * What the remembered lists of all parsed files may hold together, in bytes, estimated: each
 * path's characters plus PATH_COST (its string's header and its slot in the list) and LIST_COST
 * per list (its owners): 8 Mi, about forty lists of 3,000 files. Past it every parsed file's
 * lists are forgotten at once; a list larger than the whole budget is not kept.
 */
export const LIST_MEMO_BUDGET = 8 * 1024 * 1024;
const LIST_COST = 1024;
const PATH_COST = 32;
let listMemoCost = 0;
const listMemos = new Set<Memo>();

/** A list to remember with its owners (exported for tests). */
export function rememberedList(files: readonly { path: string }[], owners: ReadonlyMap<string, string>): RememberedList {
  const paths = new Array<string>(files.length);
  for (let index = 0; index < files.length; index += 1) paths[index] = files[index]!.path;
  return { paths, owners };
}

/** What a remembered list costs against LIST_MEMO_BUDGET. */
function costOf(list: RememberedList): number {
  let cost = LIST_COST;
  for (const path of list.paths) cost += path.length + PATH_COST;
  return cost;
}

function remember(memo: Memo, hash: number, files: readonly { path: string }[], owners: ReadonlyMap<string, string>): void {
  const list = rememberedList(files, owners);
  const cost = costOf(list);
  if (cost > LIST_MEMO_BUDGET) return;
  if (listMemoCost + cost > LIST_MEMO_BUDGET) {
    for (const forgotten of listMemos) {
      forgotten.lists.clear();
      forgotten.last = undefined;
    }
    listMemos.clear();
    listMemoCost = 0;
  }
  const bucket = memo.lists.get(hash);
  if (bucket === undefined) memo.lists.set(hash, [list]);
  else bucket.push(list);
  memo.last = list;
  listMemos.add(memo);
  listMemoCost += cost;
}

/** How many file lists are remembered across all parsed files, and at what cost (for tests). */
export function listMemoStats(): { lists: number; cost: number } {
  let lists = 0;
  for (const memo of listMemos) for (const bucket of memo.lists.values()) lists += bucket.length;
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
  /** The owners of each file list matched so far, by `listHash` of its paths in order, bounded by LIST_MEMO_BUDGET. */
  lists: Map<number, RememberedList[]>;
  /** The list found or remembered last, one of `lists`: compared before any hash is taken. */
  last?: RememberedList;
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
