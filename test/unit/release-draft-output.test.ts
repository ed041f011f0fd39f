/**
 * What the `Flowgate: draft` check says: its conclusion, title, annotations
 * (errors and warnings, bounded) and a summary that keeps the draft's text inert.
 */
import { describe, expect, it } from 'vitest';
import { draftOutput, MAX_DRAFT_ANNOTATIONS } from '../../src/github/releases/draft-output.js';
import type { Problem } from '../../src/flow/problem.js';
import type { FlowSetDiff } from '../../src/release/contract.js';

const diff = (kind: 'changed' | 'unchanged'): FlowSetDiff => ({
  from: { label: 'default branch', sha: 'a'.repeat(40) },
  to: { label: 'draft #2', sha: 'b'.repeat(40) },
  flows: [{ flow: 'gate', kind, changes: kind === 'changed' ? [{ step: 'review', text: 'quorum 1 → 2' }] : [] }],
  invalid: [],
});
const problem = (severity: 'error' | 'warning', line: number): Problem => ({ code: 'x', severity, file: '.github/flows/a.yml', line, col: 3, path: '', message: `@everyone problem ${line}` });
const cost = { requests: 3, cached: 1, pastPrs: 2 };

describe('the draft check output', () => {
  it('fails when the draft has an error, annotating errors as failures and warnings as warnings', () => {
    const output = draftOutput({ problems: [problem('error', 4), problem('warning', 9)], diff: diff('changed'), rows: [], cost });
    expect(output.conclusion).toBe('failure');
    expect(output.title).toBe('The draft is invalid: 1 error in 1 file');
    expect(output.annotations.map((annotation) => [annotation.annotation_level, annotation.start_line, annotation.start_column])).toEqual([['failure', 4, 3], ['warning', 9, 3]]);
    expect(output.summary).toContain('`.github/flows/a.yml:4:3` error: @\u200deveryone problem 4');
  });

  it('is neutral when a valid draft changes what a flow does, and success when it changes nothing', () => {
    expect(draftOutput({ problems: [problem('warning', 1)], diff: diff('changed'), rows: [], cost }).conclusion).toBe('neutral');
    expect(draftOutput({ problems: [], diff: diff('unchanged'), rows: [], cost })).toMatchObject({ conclusion: 'success', title: 'The draft changes no flow' });
  });

  it('says that the draft does not take effect, and what the past PRs cost', () => {
    const { summary } = draftOutput({ problems: [], diff: diff('changed'), rows: [], cost });
    expect(summary).toContain('A draft never takes effect');
    expect(summary).toContain('- review: quorum 1 → 2');
    expect(summary).toContain('Facts of 2 closed PRs: 3 requests to GitHub, 1 from the cache.');
  });

  it('bounds the annotations, and says so', () => {
    const many = Array.from({ length: MAX_DRAFT_ANNOTATIONS + 10 }, (_, index) => problem('error', index + 1));
    const output = draftOutput({ problems: many, diff: diff('unchanged'), rows: [], cost });
    expect(output.annotations).toHaveLength(MAX_DRAFT_ANNOTATIONS);
    expect(output.summary).toContain(`Only the first ${MAX_DRAFT_ANNOTATIONS} are annotated.`);
  });
});
