/**
 * `npm start`: the Probot server. Configured by the usual variables (APP_ID,
 * PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST, LOG_LEVEL,
 * REDIS_URL, PORT, HOST); without credentials Probot offers to register the app
 * from app.yml.
 */
import { run } from 'probot';
import { flowgateApp } from './app/probot-app.js';
import { parseDuration } from './flow/duration.js';

// FLOWGATE_SWEEP_EVERY: how often to look for due timers (default 5m; "off" to leave it to another replica or a cron).
const every = process.env.FLOWGATE_SWEEP_EVERY ?? '5m';
const sweepEveryMs = every === 'off' ? undefined : parseDuration(every);
if (every !== 'off' && sweepEveryMs === undefined) {
  console.error(`flowgate: FLOWGATE_SWEEP_EVERY=${every}: expected a duration such as 5m, or off`);
  process.exit(2);
}

await run(flowgateApp(sweepEveryMs === undefined ? {} : { sweepEveryMs }));
