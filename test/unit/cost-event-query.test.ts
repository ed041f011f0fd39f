import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import { codeownersFields } from '../../src/github/facts/people.js';
import { peopleQuery } from '../../src/github/facts/people-query.js';
import { eventQuery, type EventQueryParts } from '../../src/github/read-event.js';

const base: EventQueryParts = {
  owner: 'acme', name: 'widgets', number: 7, appId: 42, path: '.github/flows', config: '.github/flowgate.yml', environment: 'flowgate-live', withFlowTexts: false,
  timeline: null, files: null, withFiles: true, withSuites: true, withAnchor: false, releases: true, appComments: [],
};

describe("the event's one query", () => {
  const people = peopleQuery({ owner: 'acme', name: 'widgets' }, ['acme/managers', 'other/leads'], ['mia', 'max'], codeownersFields('b'.repeat(40))).parts;
  const shapes: [string, EventQueryParts][] = [
    ['the least: no push, no comments of the app, nothing about people', base],
    ['in the Action: no deployments', { ...base, releases: false }],
    ['everything: a push left a commit, the app has comments, people and CODEOWNERS are asked', { ...base, before: 'a'.repeat(40), appComments: ['IC_1', 'IC_2'], people, withAnchor: true, timeline: 'Y3Vyc29y' }],
  ];
  it.each(shapes)('is a query GitHub accepts: %s', (_, parts) => {
    const { query, variables } = eventQuery(parts);
    expect(validate(query).map((error) => error.message)).toEqual([]);
    // Every variable declared is given, and every one given is declared.
    const declared = [...query.matchAll(/\$(\w+):/g)].map((match) => match[1]).sort();
    expect(Object.keys(variables).sort()).toEqual(declared);
  });

  it('is refused when a field is wrong, so the test above can fail', () => {
    expect(validate(eventQuery(base).query.replace('headRefOid', 'headRefOidd')).length).toBeGreaterThan(0);
  });
});
