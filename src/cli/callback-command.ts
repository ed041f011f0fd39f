/**
 * `flowgate callback`: what an agent runs when its work is done. It POSTs the
 * result to the callback link the flow gave it, and exits 0 when Flowgate took
 * it, 8 when Flowgate refused it (the message says why) or could not be
 * reached, 2 for bad arguments.
 */
import { CallbackBody } from '../github/callbacks/token.js';
import { timedFetch } from '../github/transport/timeout.js';
import { parseDuration } from '../flow/duration.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { causeOf, CliFailure, reporting } from './failure.js';
import type { CliIO } from './io.js';

export interface CallbackOptions {
  url?: string;
  token?: string;
  appUrl?: string;
  result?: string;
  decision?: string;
  reason?: string;
  summary?: string;
  outputs: string[];
  links: string[];
  json: boolean;
}

/** `key=value`; numbers and booleans keep their type. */
function output(text: string): [string, string | number | boolean] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`--output ${text}: expected key=value`);
  const value = text.slice(at + 1);
  const typed = value === 'true' ? true : value === 'false' ? false : value !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
  return [text.slice(0, at), typed];
}

function link(text: string): { title: string; url: string } {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`--link ${text}: expected title=url`);
  return { title: text.slice(0, at), url: text.slice(at + 1) };
}

export async function callbackCommand(options: CallbackOptions, io: CliIO): Promise<number> {
  return reporting('callback', options.json, io, () => runCallbackCommand(options, io));
}

async function runCallbackCommand(options: CallbackOptions, io: CliIO): Promise<number> {
  let target: URL;
  let token = options.token;
  if (options.url) {
    target = new URL(options.url);
    token ??= target.searchParams.get('token') ?? undefined;
  } else if (options.appUrl && token) {
    target = new URL('/flowgate/callback', options.appUrl);
  } else {
    throw new UsageError('callback needs --url <the callback link>, or --token with --app-url');
  }
  if (!token) throw new UsageError('the callback link has no token; pass --token');
  const result = options.result === 'ok' ? 'success' : options.result;
  const body = {
    token,
    ...(result !== undefined ? { result } : {}),
    ...(options.decision !== undefined ? { decision: options.decision } : {}),
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.summary !== undefined ? { summary: options.summary } : {}),
    ...(options.outputs.length > 0 ? { outputs: Object.fromEntries(options.outputs.map(output)) } : {}),
    ...(options.links.length > 0 ? { links: options.links.map(link) } : {}),
  };
  const checked = CallbackBody.safeParse(body);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new UsageError(`${issue.path.join('.') || 'callback'}: ${issue.message}`);
  }
  // Flowgate may wait for GitHub, and for the PR's lock, before it answers: 30 s unless FLOWGATE_REQUEST_TIMEOUT says otherwise.
  const setting = process.env.FLOWGATE_REQUEST_TIMEOUT;
  const timeoutMs = setting ? parseDuration(setting) : 30_000;
  if (timeoutMs === undefined) throw new UsageError(`FLOWGATE_REQUEST_TIMEOUT=${setting}: expected a duration such as 30s or 1m`);
  target.search = '';
  let response: Response;
  try {
    response = await timedFetch(timeoutMs)(target, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'flowgate-cli' }, body: JSON.stringify(checked.data) });
  } catch (error) {
    // No answer: nothing was refused, and the callback may be sent again (Flowgate takes a token once).
    throw new CliFailure(ExitCode.github, { kind: 'unreachable', message: `could not reach Flowgate at ${target.origin}: ${causeOf(error)}`, url: target.origin });
  }
  const answer = (await response.json().catch(() => ({}))) as { ok?: boolean; error?: string };
  const accepted = response.ok && answer.ok !== false;
  if (!accepted) {
    const message = `the callback was refused (HTTP ${response.status}): ${answer.error ?? response.statusText}`;
    throw new CliFailure(ExitCode.github, { kind: 'refused', message, status: response.status, url: target.origin });
  }
  if (options.json) io.out(JSON.stringify({ schema: 'flowgate.callback/v1', accepted, status: response.status, exit_code: ExitCode.ok }, null, 2));
  else io.out(`Flowgate took the callback (HTTP ${response.status}).`);
  return ExitCode.ok;
}
