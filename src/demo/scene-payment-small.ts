/** Scene: a coding agent's small billing fix; a label from someone who may not approve is refused; a manager approves. */
import type { Scene } from './stage.js';

export const BILLING = 'acme/billing';
/** The billing repository, created by whichever billing scene plays first. */
export const billingFiles = (flow: string) => ({ '.github/flows/payment-change.yml': flow, 'billing/rounding.ts': 'export const round = Math.round;\n' });
export const billingPeople = { teams: { 'acme/managers': ['mia'], 'acme/security': ['sam', 'sid'] } };

export const paymentSmallScene: Scene = {
  title: "A coding agent's small billing fix",
  repo: BILLING,
  example: '2-payment-thresholds',
  intro:
    'The flow payment-change routes a billing PR by its amount: up to 10,000 it needs one manager (acme/managers), with a 24h deadline. ' +
    'A coding agent opens a fix for 420. Rob, who is not a manager, tries to approve it with a label: the app removes the label and says why. ' +
    'Then Mia, a manager, approves with a review, and the app merges the PR at the very commit she approved.',
  async play(stage) {
    stage.repository(BILLING, billingFiles(stage.example('2-payment-thresholds')), billingPeople);
    const pr = await stage.open(BILLING, 'coder-agent[bot] opens "Fix rounding of small invoices" (billing/, amount: 420 in its body)', {
      author: 'coder-agent[bot]',
      title: 'Fix rounding of small invoices',
      body: 'Found by the nightly audit.\namount: 420',
      branch: 'agent/rounding',
      changes: { 'billing/rounding.ts': 'export const round = (value: number) => Math.round(value * 100) / 100;\n' },
    });
    await stage.act(BILLING, 'rob (not a manager) adds the label flowgate:approve', () => stage.sandbox.label(BILLING, pr.number, 'rob', 'flowgate:approve'), pr.number);
    await stage.act(BILLING, 'mia (acme/managers) approves the PR with a review', () => stage.sandbox.review(BILLING, pr.number, 'mia', 'approved', 'Rounding looks right.'), pr.number);
  },
};
