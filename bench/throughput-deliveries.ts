/**
 * For the throughput bench: signed webhook deliveries of exactly 25 KiB each,
 * built from GitHub's own examples (@octokit/webhooks-examples) and padded in a
 * text field a person writes (a comment, a review, a PR's description, a commit
 * message). Every one is an event Flowgate skips from the payload alone
 * (src/github/relevance.ts): what most of an installation's traffic is.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const DELIVERY_BYTES = 25 * 1024;

export interface Delivery {
  /** What it is, for messages: `issue_comment.created (no command)`. */
  label: string;
  event: string;
  body: Buffer;
  /** X-Hub-Signature-256 of the body with the webhook secret. */
  signature: string;
}

type Example = Record<string, any>;

const require = createRequire(import.meta.url);
const examples = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as { name: string; examples: Example[] }[];

function example(name: string, action: string | undefined): Example {
  const found = examples.find((event) => event.name === name)?.examples.find((payload) => payload.action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${name}${action ? `.${action}` : ''} example`);
  return structuredClone(found);
}

const FILLER = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ';

/** Pads the text at `set` so the JSON is exactly `bytes` long (the filler is ASCII with nothing JSON escapes, so a character is a byte). */
function padded(payload: Example, bytes: number, text: string, set: (payload: Example, text: string) => void): Buffer {
  set(payload, text);
  const missing = bytes - Buffer.byteLength(JSON.stringify(payload));
  if (missing < 0) throw new Error(`the example is already ${bytes - missing} bytes, more than ${bytes}`);
  set(payload, text + FILLER.repeat(Math.ceil(missing / FILLER.length)).slice(0, missing));
  const body = Buffer.from(JSON.stringify(payload));
  if (body.length !== bytes) throw new Error(`padding missed: ${body.length} bytes, not ${bytes}`);
  return body;
}

export function sign(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The four deliveries the bench cycles through; all for one repository and installation, as GitHub would send them. */
export function skippedDeliveries(secret: string, bytes = DELIVERY_BYTES): Delivery[] {
  const comment = example('issue_comment', 'created');
  // On a pull request (GitHub marks the issue so), by a person, without a command.
  comment.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1', html_url: 'https://github.com/Codertocat/Hello-World/pull/1', diff_url: 'https://github.com/Codertocat/Hello-World/pull/1.diff', patch_url: 'https://github.com/Codertocat/Hello-World/pull/1.patch', merged_at: null };
  const assigned = example('pull_request', 'assigned');
  const review = example('pull_request_review', 'submitted');
  review.review.state = 'commented';
  const push = example('push', undefined);
  push.ref = 'refs/heads/feature/long-description';
  push.deleted = false;
  push.created = false;
  const built: [string, string, Example, string, (payload: Example, text: string) => void][] = [
    ['issue_comment.created (a PR comment without a command)', 'issue_comment', comment, 'Looks good so far, one question below.\n\n', (payload, text) => (payload.comment.body = text)],
    ['pull_request.assigned (an action flows ignore)', 'pull_request', assigned, 'This change reworks the cache.\n\n', (payload, text) => (payload.pull_request.body = text)],
    ['pull_request_review.submitted (a comment-only review)', 'pull_request_review', review, 'A few thoughts, nothing blocking.\n\n', (payload, text) => (payload.review.body = text)],
    ['push (to a branch other than the default)', 'push', push, 'Rework the cache\n\n', (payload, text) => (payload.head_commit.message = text)],
  ];
  return built.map(([label, event, payload, text, set]) => {
    // Delivered to an installation of the app, as every delivery GitHub sends an app is.
    payload.installation = { id: 42, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI=' };
    const body = padded(payload, bytes, text, set);
    return { label, event, body, signature: sign(body, secret) };
  });
}
