/**
 * Which commit was the PR's head when: the pushes the engine binds every
 * decision by. A comment, a label or a button says nothing about the commit it
 * was made on, so it binds to the head at its time, and that head must come
 * from facts no committer can forge. Commit dates are never used: a committer
 * sets them.
 *
 * The witnesses of a head move, each at a time never earlier than the move:
 *  - a synchronize webhook, at the time the app received it (the record);
 *  - a force push on the PR's timeline, at GitHub's time;
 *  - the app's check suite on the commit, which GitHub creates on the push, at
 *    its creation time. It counts only for a push to the PR's head branch, and
 *    only when it is later than the last proof that the previous head was still
 *    the head: a suite made earlier (the commit pushed to another branch first,
 *    or pushed, replaced by a force push, and pushed again) says nothing of
 *    when the commit became the head this time.
 *
 * A move nobody witnessed is dated conservatively: a commit that was replaced
 * by a later move was the head at the latest until that move; the head now was
 * the head at the latest now. A move dated "now" must be stored, or it would
 * drift later with every event.
 */
import type { SuiteTime } from './pull-request-query.js';

export interface HeadMove {
  at: string;
  sha: string;
  before?: string;
  actor?: string;
}

export interface HeadFacts {
  /** The run's start, and the head the app saw then. */
  start: { at: string; sha: string };
  /** Moves the app saw as webhooks (the record). */
  recorded: readonly HeadMove[];
  /** Force pushes on the PR's timeline. */
  forced: readonly HeadMove[];
  /** The app's check suites, by commit. */
  suites: ReadonlyMap<string, readonly SuiteTime[]>;
  /** The PR's head branch. */
  branch: string;
  /** The PR's head now. */
  head: string;
  now: string;
}

export interface Heads {
  /** Every move from the run's start, in time order; the last one's sha is the head now. */
  moves: HeadMove[];
  /** The move to the head now, when nothing proves when it happened: dated now, for the record to keep. */
  unproven?: HeadMove;
}

const ms = Date.parse;

/** The earliest suite that proves `sha` became the head after `since`, if any. */
function suiteTime(facts: HeadFacts, sha: string, since: string): string | undefined {
  const times = (facts.suites.get(sha) ?? [])
    .filter((suite) => suite.branch === facts.branch && ms(suite.createdAt) > ms(since))
    .map((suite) => suite.createdAt)
    .sort((a, b) => ms(a) - ms(b));
  return times[0];
}

const earliest = (a: string, b: string | undefined): string => (b !== undefined && ms(b) < ms(a) ? b : a);

export function headMoves(facts: HeadFacts): Heads {
  const witnesses = [...facts.recorded, ...facts.forced]
    .filter((move) => ms(move.at) >= ms(facts.start.at))
    .sort((a, b) => ms(a.at) - ms(b.at));
  // The chain of heads; the first is the run's start, which is not a move.
  const chain: HeadMove[] = [{ at: facts.start.at, sha: facts.start.sha }];
  const moves: HeadMove[] = [];
  const moveTo = (move: HeadMove): void => {
    chain.push(move);
    moves.push(move);
  };
  for (const witness of witnesses) {
    const last = chain.at(-1)!;
    const previous = chain.at(-2);
    // A second witness of the move just made (the webhook and the timeline both saw it).
    if (witness.sha === last.sha && (witness.before === undefined || witness.before === previous?.sha)) continue;
    if (witness.before !== undefined && witness.before !== last.sha) {
      // The head went to `before` unseen; it was there at the latest when this move left it.
      moveTo({ at: earliest(witness.at, suiteTime(facts, witness.before, last.at)), sha: witness.before, before: last.sha });
    }
    const from = chain.at(-1)!;
    if (witness.sha === from.sha) continue;
    moveTo({ ...witness, at: earliest(witness.at, suiteTime(facts, witness.sha, from.at)), before: from.sha });
  }
  const last = chain.at(-1)!;
  if (last.sha === facts.head) return { moves };
  const proven = suiteTime(facts, facts.head, last.at);
  if (proven !== undefined && ms(proven) <= ms(facts.now)) {
    moveTo({ at: proven, sha: facts.head, before: last.sha });
    return { moves };
  }
  const unproven: HeadMove = { at: facts.now, sha: facts.head, before: last.sha };
  moveTo(unproven);
  return { moves, unproven };
}
