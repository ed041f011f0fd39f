import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CALLBACK_EVENT_TYPE, DISPATCH_TYPES, PR_EVENT_TYPE } from '../../src/action/event.js';
import { EVENTS } from '../../src/app/probot-app.js';

const text = readFileSync(new URL('../../examples/workflows/flowgate.yml', import.meta.url), 'utf8');
interface Workflow {
  name: string;
  on: Record<string, { types?: string[]; tags?: string[]; workflows?: string[] } | { cron: string }[] | null>;
  permissions: Record<string, string>;
  concurrency: { group: string; queue?: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { if?: string; steps: { uses?: string; run?: string; with?: Record<string, string> }[] }>;
}
const workflow = load(text) as Workflow;

describe('the workflow users copy (examples/workflows/flowgate.yml)', () => {
  it('listens to pull_request_target, never pull_request, and to reviews, comments, callbacks, the sweep, flow tags and the fork follow-up', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['issue_comment', 'pull_request_review', 'pull_request_target', 'push', 'repository_dispatch', 'schedule', 'workflow_dispatch', 'workflow_run']);
    expect(workflow.on).not.toHaveProperty('pull_request');
    expect((workflow.on.repository_dispatch as { types: string[] }).types).toEqual([CALLBACK_EVENT_TYPE, PR_EVENT_TYPE]);
    // The harness starts runs for exactly these (src/sandbox/action-runner.ts).
    expect((workflow.on.repository_dispatch as { types: string[] }).types).toEqual(DISPATCH_TYPES);
    expect((workflow.on.push as { tags: string[] }).tags).toEqual(['flows/v*']);
    expect((workflow.on.workflow_run as { workflows: string[] }).workflows).toEqual([workflow.name]);
  });

  it('sweeps at least every 5 minutes', () => {
    expect(workflow.on.schedule).toEqual([{ cron: '*/5 * * * *' }]);
  });

  it('hears every pull request action the app subscribes to', () => {
    const types = (workflow.on.pull_request_target as { types: string[] }).types;
    for (const action of ['opened', 'reopened', 'synchronize', 'ready_for_review', 'converted_to_draft', 'labeled', 'unlabeled', 'edited', 'closed']) expect(types).toContain(action);
    expect(EVENTS).toEqual(expect.arrayContaining(['pull_request', 'pull_request_review', 'issue_comment']));
  });

  it('asks for exactly the permissions the effects need', () => {
    expect(workflow.permissions).toEqual({ checks: 'write', contents: 'write', 'pull-requests': 'write', issues: 'write' });
  });

  it('runs one event per pull request at a time, every waiting run kept rather than replaced, with a group for the sweep and for callbacks without a PR', () => {
    expect(workflow.concurrency['cancel-in-progress']).toBe(false);
    // A callback's event is its only copy: with GitHub's default (queue: single) a later run in the group would replace it while it waits.
    expect(workflow.concurrency.queue).toBe('max');
    expect(workflow.concurrency.group).toContain('github.event.pull_request.number');
    expect(workflow.concurrency.group).toContain('github.event.issue.number');
    // A sweep by hand (workflow_dispatch) queues with the scheduled ones, never beside them.
    expect(workflow.concurrency.group).toContain("(github.event_name == 'schedule' || github.event_name == 'workflow_dispatch') && 'sweep'");
    expect(workflow.concurrency.group).toMatch(/\|\| github\.run_id \}\}$/);
  });

  it("never checks out or runs the pull request's code: one step, the action, given the secret", () => {
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    expect(steps).toHaveLength(1);
    expect(steps[0]!.uses).toMatch(/\/flowgate\/action@v1$/);
    expect(steps[0]!.with).toEqual({ secret: '${{ secrets.FLOWGATE_SECRET }}' });
    expect(text).not.toMatch(/actions\/checkout|^\s*run:/m);
  });

  it('follows up only a fork review, so the follow-up cannot start itself again', () => {
    const condition = Object.values(workflow.jobs)[0]!.if!;
    expect(condition).toContain("github.event.workflow_run.event == 'pull_request_review'");
    expect(condition).toContain('github.event.workflow_run.head_repository.full_name != github.repository');
  });

  it('is shown in full in the README and in action/README.md', () => {
    for (const doc of ['../../README.md', '../../action/README.md']) {
      expect(readFileSync(new URL(doc, import.meta.url), 'utf8'), doc).toContain(`\`\`\`yaml\n${text}\`\`\``);
    }
  });
});
