/**
 * What every demo scene plays on: one GitHub sandbox with the real app wired to
 * it, one clock (the sandbox's: every time printed comes from it), and a
 * narrator. A scene acts through the stage (`open`, `act`, `later`), and after
 * each action the stage prints what then happened on GitHub.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startReceiver, type Receiver } from '../sandbox/receiver.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { PullRequest } from '../sandbox/state.js';
import type { RepoAccess, NewPullRequest } from '../sandbox/people.js';
import { startAppOnSandbox, type AppOnSandbox } from '../sandbox/with-app.js';
import { when, wrap } from './narration.js';
import { Watcher } from './watcher.js';

export type Print = (line: string) => void;

/** One story of the demo: a module in src/demo/, registered in scenes.ts. */
export interface Scene {
  /** What the story is, in a few words: the scene's header. */
  title: string;
  /** The repository it plays in. */
  repo: string;
  /** The example whose flow it uses (a folder of examples/), shown so a reader can open the flow. */
  example?: string;
  /** What is about to happen and why, printed before the first action. */
  intro: string;
  play(stage: Stage): Promise<void>;
}

/** A pull request a scene opened, for the tally. */
export interface OpenedPull {
  scene: string;
  repo: string;
  number: number;
}

const MINUTE = 60_000;
/** How long after the last action the next one happens, unless a scene lets hours pass. */
const GAP = 7 * MINUTE;
const NOTE_WIDTH = 104;

export class Stage {
  readonly opened: OpenedPull[] = [];
  readonly #explained = new Set<string>();
  readonly #watcher: Watcher;
  #scene = '';

  private constructor(
    readonly app: AppOnSandbox,
    readonly print: Print,
    private readonly receivers: Map<string, Receiver>,
  ) {
    this.#watcher = new Watcher(app.sandbox, print, (key, text) => this.explain(key, text));
  }

  static async start(print: Print): Promise<Stage> {
    const receivers = new Map<string, Receiver>();
    // Looked up when the app sends, so a scene can add a connection's far end just before it is used.
    const app = await startAppOnSandbox({ connections: (name) => (receivers.has(name) ? { url: receivers.get(name)!.url } : undefined) });
    return new Stage(app, print, receivers);
  }

  get sandbox(): Sandbox {
    return this.app.sandbox;
  }

  /** The far end of a named connection (an agent's VM, a chat): what the app sends through it lands here. */
  async connection(name: string): Promise<Receiver> {
    if (!this.receivers.has(name)) this.receivers.set(name, await startReceiver(`/${name}`));
    return this.receivers.get(name)!;
  }

  /** The flow file of an example, as a repository would hold it. */
  example(name: string): string {
    return readFileSync(fileURLToPath(new URL(`../../examples/${name}/flow.yml`, import.meta.url)), 'utf8');
  }

  /** Creates a repository the first time a scene asks for it; later scenes play in the same one. */
  repository(fullName: string, files: Record<string, string>, access: RepoAccess = {}): void {
    if (!this.sandbox.state.repos.has(fullName)) this.sandbox.createRepo(fullName, files, access);
  }

  /** Marks the start of a scene, for the tally. */
  begin(scene: Scene): void {
    this.#scene = scene.title;
  }

  /** A note for the reader, printed the first time its subject appears, never again. */
  explain(key: string, text: string): void {
    if (this.#explained.has(key)) return;
    this.#explained.add(key);
    wrap(text, NOTE_WIDTH).forEach((line, index) => this.print(`    ${index === 0 ? 'ℹ' : ' '} ${line}`));
  }

  /** A line of narration between actions. */
  say(text: string): void {
    this.print(`  ${text}`);
  }

  /**
   * One person's (or agent's) action, a few minutes after the last, on the next
   * whole minute, so the header's minute is the minute of everything it causes.
   */
  async act<T>(repo: string, what: string, action: () => Promise<T>, number?: number | ((result: T) => number)): Promise<T> {
    const now = this.sandbox.clock.now();
    this.sandbox.clock.advance(Math.floor(now / MINUTE) * MINUTE + GAP - now);
    return this.#perform(repo, what, action, number);
  }

  /** Opens a PR, remembering it for the tally. */
  async open(repo: string, what: string, pr: NewPullRequest): Promise<PullRequest> {
    const pull = await this.act(repo, what, () => this.sandbox.openPullRequest(repo, pr), (opened) => opened.number);
    this.opened.push({ scene: this.#scene, repo, number: pull.number });
    return pull;
  }

  /**
   * Lets hours pass with nobody acting, then runs the app's timer sweep, as the
   * server does every few minutes. Exactly `hours` pass, so a timer set that many
   * hours after the last action is due, and printed at the minute the sweep runs.
   */
  async later(repo: string, number: number, hours: number, what: string): Promise<void> {
    this.sandbox.clock.advance(hours * 3_600_000);
    await this.#perform(repo, `${hours} hours later: ${what}`, () => this.app.sweep(), number);
  }

  /** Prints what the PR looks like on GitHub now that was not printed before. */
  look(repo: string, number: number): void {
    this.#watcher.look(repo, this.sandbox.pullRequest(repo, number));
  }

  async stop(): Promise<void> {
    await this.app.stop();
    for (const receiver of this.receivers.values()) await receiver.close();
  }

  async #perform<T>(repo: string, what: string, action: () => Promise<T>, number?: number | ((result: T) => number)): Promise<T> {
    this.print(`▶ ${when(this.sandbox.clock.iso())}  ${what}`);
    const result = await action();
    const pull = typeof number === 'function' ? number(result) : number;
    if (pull !== undefined) this.look(repo, pull);
    return result;
  }
}
