/** Scene: the on-call approver is silent; the sweep escalates to the backup, reminds, and declines at the deadline. */
import type { Scene } from './stage.js';

const SERVICE = 'acme/service';

export const hotfixDeadlineScene: Scene = {
  title: 'A hotfix nobody answers, declined at its deadline',
  repo: SERVICE,
  example: '4-time-bound',
  intro:
    'The flow hotfix-window gives the on-call 48 hours to approve a PR labelled hotfix. After 4h the backup is added as an approver and told; ' +
    'from 24h everyone is reminded every 8h; at 48h the flow declines. Nobody acts: days pass in seconds on the sandbox\'s clock, ' +
    'and each time the app\'s timer sweep (every 5 minutes on a server) finds what is due. At the deadline the flow comments and labels the PR hotfix-expired, ' +
    'and leaves it open for people to decide. A late approval is then recorded as late and does not count.',
  async play(stage) {
    stage.repository(SERVICE, { '.github/flows/hotfix.yml': stage.example('4-time-bound'), 'src/auth.ts': 'redirect();\n' });
    const pr = await stage.open(SERVICE, 'dev opens "Fix the login redirect loop" with the label hotfix', {
      author: 'dev',
      title: 'Fix the login redirect loop',
      branch: 'fix/login',
      labels: ['hotfix'],
      changes: { 'src/auth.ts': 'redirectOnce();\n' },
    });
    await stage.later(SERVICE, pr.number, 4, 'no answer; the sweep escalates to the backup');
    await stage.later(SERVICE, pr.number, 20, 'still none (a day in); the sweep reminds both');
    await stage.later(SERVICE, pr.number, 8, 'still none; the 8-hourly reminder');
    await stage.later(SERVICE, pr.number, 8, 'still none; the 8-hourly reminder');
    await stage.later(SERVICE, pr.number, 8, 'the 48 hours are up; the sweep applies on_timeout: decline');
    await stage.act(SERVICE, 'primary-oncall approves, too late', () => stage.sandbox.review(SERVICE, pr.number, 'primary-oncall', 'approved'), pr.number);
  },
};
