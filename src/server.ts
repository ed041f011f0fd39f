/**
 * `npm start`: the Probot server. Configured by the usual variables (APP_ID,
 * PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST, LOG_LEVEL,
 * REDIS_URL, PORT, HOST); without credentials Probot offers to register the app
 * from app.yml.
 */
import { run } from 'probot';
import { flowgateApp } from './app/probot-app.js';

await run(flowgateApp());
