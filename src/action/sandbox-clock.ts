/**
 * Against the sandbox (a loopback API URL only), the action keeps the
 * sandbox's clock, as the server's child process does: it starts at
 * FLOWGATE_SANDBOX_NOW and follows the `x-sandbox-now` header of each answer.
 * Against GitHub, the clock is the runner's, and these are ignored.
 */
export interface SandboxClock {
  now: () => number;
  see: (response: Response) => void;
}

export function sandboxClock(env: NodeJS.ProcessEnv, apiUrl: string): SandboxClock | undefined {
  const start = Number(env.FLOWGATE_SANDBOX_NOW);
  let host = '';
  try {
    host = new URL(apiUrl).hostname;
  } catch {
    return undefined;
  }
  if (!Number.isFinite(start) || (host !== '127.0.0.1' && host !== 'localhost')) return undefined;
  let now = start;
  return {
    now: () => now,
    see: (response) => {
      const ms = Number(response.headers.get('x-sandbox-now'));
      if (Number.isFinite(ms) && ms > now) now = ms;
    },
  };
}
