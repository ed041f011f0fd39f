/**
 * Which webhooks can change a run, decided from the payload alone, before any
 * API call: most deliveries (comments without commands, our own check runs,
 * review edits, assignment changes) cannot, and cost nothing.
 *
 * The app's login is GitHub's to say (GET /app), so a server screens a delivery
 * before it knows it (`KnownIdentity`): a skip is then final, and "relevant"
 * only means "ask who the app is, and look again".
 */
export type Relevance = { relevant: true; reason: string } | { relevant: false; reason: string };

export interface AppIdentity {
  id: number;
  /** The app's bot login, e.g. `flowgate[bot]`. */
  login: string;
}

/**
 * What a server knows of itself before asking GitHub: its id is its configuration, its login is not (GET /app).
 * Where the answer turns on what is not known, the delivery is relevant: a skip never rests on a guess.
 */
export type KnownIdentity = { id?: number; login?: string };

const COMMAND = /^\s*\/(approve|decline|reassign|flowgate)\b/im;
const PR_ACTIONS = new Set(['opened', 'reopened', 'synchronize', 'ready_for_review', 'labeled', 'unlabeled', 'closed', 'converted_to_draft']);

interface Payload {
  action?: string;
  label?: { name?: string };
  sender?: { login?: string; type?: string };
  changes?: Record<string, unknown>;
  review?: { state?: string; body?: string | null };
  issue?: { pull_request?: unknown };
  comment?: { body?: string };
  check_run?: { app?: { id?: number } | null };
  ref?: string;
  deleted?: boolean;
  repository?: { default_branch?: string };
}

const yes = (reason: string): Relevance => ({ relevant: true, reason });
const no = (reason: string): Relevance => ({ relevant: false, reason });

/** The label that marks PRs with a pending timer, for the sweep to find (see docs/timers.md). */
export const WAITING_LABEL = 'flowgate:waiting';

export function relevance(name: string, raw: unknown, app: KnownIdentity): Relevance {
  const payload = (raw ?? {}) as Payload;
  const action = payload.action ?? '';
  switch (name) {
    case 'pull_request':
      if ((action === 'labeled' || action === 'unlabeled') && payload.label?.name === WAITING_LABEL) return no("the sweep's own bookkeeping label");
      if (PR_ACTIONS.has(action)) return yes(`pull_request.${action}`);
      if (action === 'edited') {
        const changed = Object.keys(payload.changes ?? {}).filter((field) => ['title', 'body', 'base'].includes(field));
        return changed.length > 0 ? yes(`the ${changed.join(' and ')} changed`) : no('an edit that flows do not read');
      }
      return no(`pull_request.${action} does not affect flows`);
    case 'pull_request_review':
      if (action === 'dismissed') return yes('a review was dismissed');
      if (action !== 'submitted') return no(`pull_request_review.${action} does not affect flows`);
      if (payload.review?.state?.toLowerCase() === 'commented' && !COMMAND.test(payload.review.body ?? '')) return no('a comment-only review without a command');
      return yes(`a review: ${payload.review?.state ?? 'unknown'}`);
    case 'issue_comment':
      if (action !== 'created') return no(`issue_comment.${action}: only new comments are decisions`);
      if (!payload.issue?.pull_request) return no('a comment on an issue, not a pull request');
      // Without a command first: that needs no identity, so the reason is the same before and after the app learns its login.
      if (!COMMAND.test(payload.comment?.body ?? '')) return no('a comment without a command');
      if (app.login === undefined) return yes('a comment with a command, perhaps our own');
      return payload.sender?.login === app.login ? no('our own comment') : yes('a comment with a command');
    case 'check_run': {
      const ours = payload.check_run?.app?.id === app.id;
      if (action === 'requested_action' || action === 'rerequested') {
        if (app.id === undefined) return yes(`check_run.${action}, perhaps on our check run`);
        return ours ? yes(`check_run.${action} on our check run`) : no("another app's check run");
      }
      if (action === 'completed') return ours && app.id !== undefined ? no('our own check run') : yes('a check run completed');
      return no(`check_run.${action} does not affect flows`);
    }
    case 'push':
      // A release tag pushed is a promotion to judge (the prefix is the repository's to set, so any tag is read).
      if (payload.ref?.startsWith('refs/tags/')) return payload.deleted ? no('a deleted tag changes nothing: a promotion stays bound to its commit') : yes('a tag push: a release to judge');
      // The live policy changed: a broken one gets a failing check on the commit that broke it.
      if (payload.deleted) return no('a deleted branch');
      return payload.ref === `refs/heads/${payload.repository?.default_branch ?? ''}` ? yes('a push to the default branch') : no('a push to a branch other than the default');
    case 'membership':
    case 'member':
    case 'team':
    case 'organization':
      // People changed: handle.ts forgets the cached teams and permissions; runs are judged with them at their next event.
      return no(`${name}.${action}: forgets cached team members and permissions, evaluates no run`);
    default:
      return no(`${name} events do not affect flows`);
  }
}
