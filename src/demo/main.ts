/** `npm run demo`: see sandbox-demo.ts. */
import { runSandboxDemo } from './sandbox-demo.js';

process.env.LOG_LEVEL ??= 'warn';
try {
  await runSandboxDemo();
} catch (error) {
  console.error(`demo failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
}
