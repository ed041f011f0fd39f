/** Scene: a large payment change needs a manager and then security; security declines, and the PR is closed with the reason. */
import { BILLING, billingFiles, billingPeople } from './scene-payment-small.js';
import type { Scene } from './stage.js';

export const paymentHighRiskScene: Scene = {
  title: 'A large payment change, declined by security',
  repo: BILLING,
  example: '2-payment-thresholds',
  intro:
    'Same flow, but the amount is 25,000: over 10,000, so a manager approves first and then two people from acme/security must. ' +
    'Mia approves; the app asks security for reviews. Sam, from security, declines with a comment: one counted decline ends the run, ' +
    'and the flow closes the PR with his reason.',
  async play(stage) {
    stage.repository(BILLING, billingFiles(stage.example('2-payment-thresholds')), billingPeople);
    const pr = await stage.open(BILLING, 'dev opens "Switch payment provider" (amount: 25,000)', {
      author: 'dev',
      title: 'Switch payment provider',
      body: 'amount: 25,000',
      branch: 'dev/provider',
      changes: { 'billing/provider.ts': 'export const provider = "new";\n' },
    });
    await stage.act(BILLING, 'mia (acme/managers) approves', () => stage.sandbox.review(BILLING, pr.number, 'mia', 'approved'), pr.number);
    await stage.act(BILLING, 'sam (acme/security) comments "/decline the webhook secret is logged"', () => stage.sandbox.comment(BILLING, pr.number, 'sam', '/decline the webhook secret is logged'), pr.number);
  },
};
