import { describe, expect, it } from 'vitest';
import { neutraliseMentions } from '../../src/flow/mentions.js';
import { flowOf, HEAD, run, t } from '../helpers.js';

/** What GitHub reads as a mention or a closing keyword; the app's text must contain none that a PR author wrote. */
const MENTION = /(^|[^A-Za-z0-9_`])@[A-Za-z0-9][A-Za-z0-9-]*(\/[A-Za-z0-9._-]+)?/g;
const CLOSING = /\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\s*:?\s+([\w.-]+\/[\w.-]+)?#\d+/gi;
const mentionsIn = (text: string): string[] => [...text.matchAll(MENTION)].map((match) => match[0].trim());

const HOSTILE_TITLE = 'Ping @acme/everyone and @octocat, fixes #12, Closes acme/widgets#3, resolved: https://github.com/acme/widgets/issues/4';

describe('no mass mentions from user text', () => {
  const flow = flowOf(`name: tpl\non: { pull_request: {} }\nconnections:\n  hook: { type: webhook }\nsteps:
  - id: review
    approval: { from: { users: [mia] }, message: "Waiting on {{pr.title}}" }
  - id: say
    actions:
      - comment: "{{pr.title}} / {{pr.body}} / {{pr.head}} / {{fields.owner}} / {{decision.reason}}{{#pr.labels}} [{{.}}]{{/pr.labels}}"
      - merge: { commit_title: "{{pr.title}}", commit_message: "{{pr.body}}" }
      - notify: { users: [mia], teams: [acme/managers], message: "@mia please look: {{pr.title}}" }
      - webhook: { connection: hook, body: { title: "{{pr.title}}" } }
      - dispatch_workflow: { workflow: deploy.yml, ref: "{{pr.head}}", inputs: { title: "{{pr.title}}" } }
`);
  const result = run(flow, [{ type: 'review', at: t(5), actor: 'mia', id: 'r', state: 'approved', sha: HEAD, body: 'ok @acme/admins, closes #9' }], {
    snapshot: { title: HOSTILE_TITLE, body: 'owner: @acme/security\nFixes #77', head: 'x@acme/team', labels: ['@acme/label-team'] },
  });
  const byType = (type: string) => result.effects.filter((effect) => effect.type === type) as unknown as Record<string, unknown>[];

  it('a hostile PR title, body, branch, field, label or reason mentions nobody and closes nothing in the app\'s comments', () => {
    const comments = byType('comment').map((effect) => effect.body as string);
    expect(comments).toHaveLength(2);
    for (const body of comments) {
      expect(mentionsIn(body)).toEqual([]);
      expect(body.match(CLOSING)).toBeNull();
    }
    // The reader still sees the words.
    expect(comments[1]!.replace(/\u200d/g, '')).toContain('Ping @acme/everyone and @octocat, fixes #12');
  });

  it('merge commits carry no closing keyword or mention from the PR', () => {
    const [merge] = byType('merge');
    expect(mentionsIn(`${merge!.commit_title} ${merge!.commit_message}`)).toEqual([]);
    expect(`${merge!.commit_title} ${merge!.commit_message}`.match(CLOSING)).toBeNull();
  });

  it("the flow author's own mentions in notify stay; the title inside it does not ping", () => {
    const [notify] = byType('notify');
    expect(notify).toMatchObject({ users: ['mia'], teams: ['acme/managers'] });
    expect(mentionsIn(notify!.message as string)).toEqual(['@mia']);
  });

  it('machine payloads (webhook bodies, workflow refs and inputs) get the text unchanged', () => {
    expect(byType('webhook')[0]).toMatchObject({ body: { title: HOSTILE_TITLE } });
    expect(byType('dispatch_workflow')[0]).toMatchObject({ ref: 'x@acme/team', inputs: { title: HOSTILE_TITLE } });
  });

  it('ordinary text is left alone', () => {
    for (const text of ['fix the flaky test', 'close to #1 in the list', 'prefix #3', 'e-mail a.b@', 'Use <T> & "quotes"']) {
      expect(neutraliseMentions(text)).toBe(text);
    }
  });
});
