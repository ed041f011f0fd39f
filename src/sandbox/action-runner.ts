/**
 * The bundled action (action/dist/index.js) run as GitHub's runner runs it: a
 * node process per workflow event, with the event in a file and inputs as
 * `INPUT_*`, against a sandbox that is the GitHub Actions app. Webhooks the
 * sandbox sends become workflow events, as GitHub would start them: `pull_request`
 * as `pull_request_target`, none for what the workflow's own token did, except its
 * repository_dispatches of a type the workflow takes, which start runs of their own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DISPATCH_TYPES } from '../action/event.js';
import { actionsSandboxOptions, workflowEvents } from './actions-token.js';
import { Sandbox, type Delivery } from './sandbox.js';

/** The committed bundle, from src/sandbox and dist/sandbox alike. */
export const ACTION_ENTRY = fileURLToPath(new URL('../../action/dist/index.js', import.meta.url));
export const ACTION_SECRET = 'action-secret-for-the-sandbox-0123456789';

export interface ActionRun {
  event: string;
  /** The event as the run read it (what the workflow's concurrency group is computed from). */
  payload: Record<string, unknown>;
  /** The sandbox's request log while this run ran: `METHOD /path`. Runs are played one at a time, so these are its own. */
  requests: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Reads `name<<DELIMITER ... DELIMITER` blocks as the runner does. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[index]!);
    if (!match) continue;
    const end = lines.indexOf(match[2]!, index + 1);
    outputs[match[1]!] = lines.slice(index + 1, end).join('\n');
    index = end;
  }
  return outputs;
}

export interface RunOptions {
  readOnly?: boolean;
  /** False: the workflow gives no `app-token` (teams and permissions then cannot be read). */
  appToken?: boolean;
  secret?: string | undefined;
  env?: Record<string, string>;
}

export class ActionOnSandbox {
  readonly sandbox: Sandbox;
  readonly runs: ActionRun[] = [];
  #seen = 0;
  readonly #dir = mkdtempSync(join(tmpdir(), 'flowgate-action-'));

  constructor(sandbox = new Sandbox(actionsSandboxOptions())) {
    this.sandbox = sandbox;
  }

  async start(): Promise<this> {
    if (!this.sandbox.url) await this.sandbox.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.sandbox.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /**
   * The workflow events GitHub would start for what happened since the last call, each run by the action in turn,
   * and then the runs those runs started (their repository_dispatches), until none is left.
   */
  async runWorkflows(options: RunOptions = {}): Promise<ActionRun[]> {
    const done: ActionRun[] = [];
    await this.sandbox.settle();
    for (let pass = 0; ; pass += 1) {
      const fresh = workflowEvents(this.sandbox.deliveries.slice(this.#seen)).filter(takenByWorkflow);
      this.#seen = this.sandbox.deliveries.length;
      if (fresh.length === 0) return done;
      // A run that dispatches itself again for ever would be a bug in the action: stop and say so.
      if (pass >= MAX_DISPATCH_PASSES) throw new Error(`the action's runs kept starting runs after ${MAX_DISPATCH_PASSES} rounds: ${fresh.map((delivery) => delivery.name).join(', ')}`);
      for (const delivery of fresh) done.push(await this.run(workflowName(delivery), delivery.payload, options));
    }
  }

  /** Marks what happened so far as seen, without running workflows for it. */
  skipWorkflows(): void {
    this.#seen = this.sandbox.deliveries.length;
  }

  /** One workflow run of the bundled action for this event. */
  async run(event: string, payload: Record<string, unknown>, options: RunOptions = {}): Promise<ActionRun> {
    const id = this.runs.length + 1;
    const eventPath = join(this.#dir, `event-${id}.json`);
    const outputPath = join(this.#dir, `output-${id}.txt`);
    const summaryPath = join(this.#dir, `summary-${id}.md`);
    writeFileSync(eventPath, JSON.stringify(payload));
    writeFileSync(outputPath, '');
    writeFileSync(summaryPath, '');
    const repository = (payload.repository as { full_name?: string } | undefined)?.full_name ?? '';
    const secret = 'secret' in options ? options.secret : ACTION_SECRET;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: event,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: repository,
      GITHUB_API_URL: this.sandbox.url,
      GITHUB_GRAPHQL_URL: `${this.sandbox.url}/graphql`,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      FLOWGATE_SANDBOX_NOW: String(this.sandbox.clock.now()),
      INPUT_TOKEN: this.sandbox.workflowTokens.mint({ readOnly: options.readOnly ?? false }),
      // The app token the workflow makes for team and permission reads (actions/create-github-app-token), unless a run goes without.
      ...(options.appToken === false ? {} : { 'INPUT_APP-TOKEN': 'ghs_sandbox-app-installation' }),
      ...(secret !== undefined ? { INPUT_SECRET: secret } : {}),
      ...options.env,
    };
    const logged = this.sandbox.requests.length;
    const { exitCode, stdout, stderr } = await runNode(ACTION_ENTRY, env);
    await this.sandbox.settle();
    const requests = this.sandbox.requests.slice(logged);
    const run: ActionRun = { event, payload, requests, exitCode, stdout, stderr, outputs: parseOutputs(readFileSync(outputPath, 'utf8')), summary: readFileSync(summaryPath, 'utf8') };
    this.runs.push(run);
    return run;
  }
}

const MAX_DISPATCH_PASSES = 10;

/** The workflow lists the repository_dispatch types it takes (`on.repository_dispatch.types`); GitHub starts no run for others. */
function takenByWorkflow(delivery: Delivery): boolean {
  return delivery.name !== 'repository_dispatch' || DISPATCH_TYPES.includes(String(delivery.payload.action));
}

/** The workflow event a webhook starts: the app's `pull_request` is the workflow's `pull_request_target`. */
function workflowName(delivery: Delivery): string {
  return delivery.name === 'pull_request' ? 'pull_request_target' : delivery.name;
}

/** Runs a node script without blocking this process (the sandbox it talks to lives here). */
export function runNode(entry: string, env: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, stdout, stderr });
    });
  });
}
