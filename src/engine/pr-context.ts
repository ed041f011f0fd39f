/**
 * Derived, read-only views of a PR snapshot, computed once per evaluation and
 * only when a flow asks for them (CODEOWNERS and body fields are lazy).
 */
import { lower } from '../flow/compile.js';
import { parseBodyFields } from './body-fields.js';
import { firstOwnedFiles, parseCodeowners } from './codeowners.js';
import type { ChangedFile, PullRequestSnapshot } from './facts.js';

const PERMISSION_RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export interface PrContext {
  pr: PullRequestSnapshot;
  author: string;
  changedLines: number;
  isBot(login: string): boolean;
  isCommitter(login: string): boolean;
  /** Members of a team (lower-case logins); empty when the snapshot does not list the team. */
  members(team: string): ReadonlySet<string>;
  /** Whether the login holds at least this repository permission. */
  hasPermission(login: string, level: string): boolean;
  permissionOf(login: string): string;
  fields(): Readonly<Record<string, string>>;
  /** For each code owner (a login or org/team), the first changed file they own. */
  codeOwners(): ReadonlyMap<string, string>;
  /** A value derived from this PR, worked out once per evaluation (per `key`, such as a compiled gate). */
  derived<T>(key: object, compute: () => T): T;
}

/**
 * Owners of a list of changed files. Not kept by the files array: a WeakMap keyed by a
 * snapshot's own array made V8's young-generation collector keep each new snapshot's
 * files alive and promote them (see decisions.ts), and the owners of a list of paths
 * are remembered under its CODEOWNERS already (`firstOwnedFiles`).
 */
function codeOwnersOf(files: readonly ChangedFile[], codeowners: string): ReadonlyMap<string, string> {
  const parsed = codeowners === '' ? undefined : parseCodeowners(codeowners);
  return parsed && parsed.rules.length > 0 ? firstOwnedFiles(files, parsed) : new Map<string, string>();
}

const empty: ReadonlySet<string> = new Set();

/**
 * A record's entries by lower-cased key, in the record's order (the last of two spellings wins),
 * without the entry arrays Object.entries builds: an organisation lists hundreds of people.
 */
function lowerKeys<T>(record: Readonly<Record<string, T>>): Map<string, T> {
  const byKey = new Map<string, T>();
  for (const name of Object.keys(record)) byKey.set(lower(name), record[name]!);
  return byKey;
}

/** Whether every key of a record is in lower case already. */
function keysInLowerCase(record: Readonly<Record<string, unknown>>): boolean {
  for (const name of Object.keys(record)) if (lower(name) !== name) return false;
  return true;
}

export function prContext(pr: PullRequestSnapshot): PrContext {
  const bots = new Set((pr.bots ?? []).map(lower));
  const committers = new Set(pr.committers.map(lower));
  // Team members and permissions are indexed when a gate first asks, and once per evaluation:
  // a large organisation lists hundreds of people, and most flows ask about few of them.
  let teamLists: Map<string, readonly string[]> | undefined;
  const teams = new Map<string, ReadonlySet<string>>();
  const membersOf = (team: string): ReadonlySet<string> => {
    const key = lower(team);
    let members = teams.get(key);
    if (members === undefined) {
      // The last of two names that differ only in case wins, as it always has.
      teamLists ??= lowerKeys(pr.teams);
      const logins = teamLists.get(key);
      if (logins === undefined) members = empty;
      else {
        const set = new Set<string>();
        for (const login of logins) set.add(lower(login));
        members = set;
      }
      teams.set(key, members);
    }
    return members;
  };
  let permissions: Map<string, string> | undefined;
  let lowerCaseOnly: boolean | undefined;
  const permissionOf = (login: string): string | undefined => {
    // Logins listed in lower case (as most are) are looked up where they are: no two of them can be
    // spellings of one login, so the index would answer the same. Its map of hundreds of entries,
    // built in every evaluation, was a large part of what an evaluation allocates.
    lowerCaseOnly ??= keysInLowerCase(pr.permissions);
    const key = lower(login);
    if (lowerCaseOnly) return Object.hasOwn(pr.permissions, key) ? pr.permissions[key] : undefined;
    return (permissions ??= lowerKeys<string>(pr.permissions)).get(key);
  };
  // Kept in the context, which lives as long as its evaluation: not in a WeakMap keyed by
  // it, whose entries V8's young-generation collector keeps alive (see decisions.ts).
  let derived: Map<object, unknown> | undefined;
  let changedLines = 0;
  for (const file of pr.files) changedLines += file.additions + file.deletions;
  let fields: Record<string, string> | undefined;
  let owners: ReadonlyMap<string, string> | undefined;
  const author = lower(pr.author);
  return {
    pr,
    author,
    changedLines,
    isBot: (login) => {
      const name = lower(login);
      return name.endsWith('[bot]') || bots.has(name) || (name === author && pr.author_type === 'Bot');
    },
    isCommitter: (login) => committers.has(lower(login)),
    members: membersOf,
    permissionOf: (login) => permissionOf(login) ?? 'none',
    hasPermission: (login, level) => (PERMISSION_RANK[permissionOf(login) ?? 'none'] ?? 0) >= (PERMISSION_RANK[level] ?? 99),
    fields: () => (fields ??= parseBodyFields(pr.body)),
    codeOwners: () => (owners ??= codeOwnersOf(pr.files, pr.codeowners ?? '')),
    derived: <T>(key: object, compute: () => T): T => {
      derived ??= new Map();
      if (!derived.has(key)) derived.set(key, compute());
      return derived.get(key) as T;
    },
  };
}
