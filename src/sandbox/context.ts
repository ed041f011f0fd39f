/**
 * What the sandbox's parts share: its GitHub state and clock, the app it
 * serves, and the two ways to send a webhook. The Sandbox builds one and hands
 * it to its routes, payload builders and people; nothing else is shared.
 */
import type { GroundTruth } from './ground-truth.js';
import type { Clock, GitHubState, Repository } from './state.js';

export interface SandboxContext {
  readonly state: GitHubState;
  readonly clock: Clock;
  /** What people really did and what was merged, at which commit. */
  readonly truth: GroundTruth;
  readonly appId: number;
  readonly appLogin: string;
  /** The sandbox's base URL once it listens; payloads link back to it. */
  readonly url: string;
  /** Queues a webhook without waiting: the app's own API call caused it, while a delivery may be in flight. */
  queueEmit(name: string, payload: Record<string, unknown>, repo: Repository, sender: string): void;
  /** Sends a webhook a person's action caused, and waits until it and what it caused were delivered. */
  emit(name: string, payload: Record<string, unknown>, repo: Repository, sender: string): Promise<void>;
}
