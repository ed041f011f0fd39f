/**
 * A run as found on GitHub: the app's check run for it, and the record read back
 * from its output. Apart from check-runs.ts, which finds runs, so that
 * duplicate-runs.ts, which check-runs.ts calls, can name them too.
 */
import type { AppRecord } from './record.js';

export interface StoredRun {
  checkRunId: number;
  /** The commit the check run is on. */
  sha: string;
  status: string;
  record: AppRecord;
  url?: string;
}
