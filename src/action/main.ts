/**
 * The GitHub Action's entry point (bundled into action/dist/index.js): run the
 * event through Flowgate, publish what happened, and fail the step when
 * Flowgate could not act as it must.
 */
import { publish } from './report.js';
import { runAction } from './run.js';

const report = await runAction(process.env);
publish(report, { outputPath: process.env.GITHUB_OUTPUT, summaryPath: process.env.GITHUB_STEP_SUMMARY });
process.exitCode = report.result === 'failed' ? 1 : 0;
