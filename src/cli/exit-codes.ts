/** Exit codes of the flowgate CLI; the README documents them. Scripts and agents branch on these. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  invalidFlows: 3,
  invalidScenario: 4,
  declined: 5,
  failed: 6,
  waiting: 7,
  github: 8,
  /** diff and dry-run: the versions differ in what a flow does, or some PR's outcome would. */
  changed: 9,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown for bad arguments or unreadable input: a message for the user, and exit 2. */
export class UsageError extends Error {}
