import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import { peopleQuery } from '../../src/github/facts/people-query.js';

const repo = { owner: 'acme', name: 'widgets' };

describe('the people query', () => {
  it('asks for every team and login in one request that GitHub\'s schema accepts', () => {
    const { query, variables } = peopleQuery(repo, ['acme/managers', 'acme/Security', 'partner/legal', 'acme/managers'], ['Mia', 'mia', 'rob', 'coder[bot]']);
    expect(validate(query).map((error) => error.message)).toEqual([]);
    expect(variables).toEqual({ owner: 'acme', name: 'widgets', org0: 'acme', t0_0: 'managers', t0_1: 'security', org1: 'partner', t1_0: 'legal', p0: 'mia', p1: 'rob' });
  });

  it('declares only the variables it uses: GitHub refuses unused ones', () => {
    const { query, variables } = peopleQuery(repo, ['acme/managers'], []);
    expect(query).not.toContain('$owner');
    expect(variables).toEqual({ org0: 'acme', t0_0: 'managers' });
  });

  it('keeps logins out of the query text', () => {
    const { query, variables } = peopleQuery(repo, [], ['a") { evil }']);
    expect(query).not.toContain('evil');
    expect(variables.p0).toBe('a") { evil }');
  });

  it('reads members and permissions; unknown people have none', () => {
    const people = peopleQuery(repo, ['acme/managers', 'acme/hidden'], ['mia', 'rob', 'zed']);
    const answer = {
      o0: { t0_0: { members: { nodes: [{ login: 'Mia' }, { login: 'max' }], pageInfo: { hasNextPage: true, endCursor: 'c2' } } }, t0_1: null },
      repository: {
        p0: { edges: [{ permission: 'WRITE', node: { login: 'Mia' } }] },
        p1: { edges: [{ permission: 'READ', node: { login: 'rob' } }] },
        p2: { edges: [] },
      },
    };
    expect(people.read(answer)).toEqual({
      teams: { 'acme/managers': ['Mia', 'max'], 'acme/hidden': [] },
      permissions: { mia: 'write', rob: 'read', zed: 'none' },
      morePages: [{ team: 'acme/managers', cursor: 'c2' }],
    });
  });

  it('asks nothing when nobody needs judging', () => {
    expect(peopleQuery(repo, [], ['ci[bot]']).query).toBe('');
  });
});
