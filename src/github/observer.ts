/**
 * What the shell tells whoever watches it (the server's Prometheus metrics):
 * one call per effect result and per run that changes status. Optional and
 * synchronous, so a shell module gains one line per thing it reports, and a
 * watcher can never fail or slow an event.
 */
import type { Effect, RunStatus } from '../engine/state.js';

export interface Observer {
  /**
   * An effect got a result: `applied` by a request, `already_done` because GitHub
   * already showed it, `failed` with a reason in the run's record, or `pending`
   * (the event stopped; a later event or the sweep applies it).
   */
  effect?(type: Effect['type'], outcome: 'applied' | 'already_done' | 'failed' | 'pending'): void;
  /** A run started, or left `waiting`: the status it has now. */
  run?(status: RunStatus): void;
}
