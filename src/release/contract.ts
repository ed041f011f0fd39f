/**
 * The shapes shared by the release work (issue 10): the semantic diff between
 * two versions of a repository's flows, the dry run of a draft against PRs,
 * and what "live" is. Pure types; the functions live beside them in
 * src/release/ (diff.ts, dry-run.ts, versions.ts).
 */
import type { FlowFile } from '../flow/validate.js';
import type { Facts } from '../engine/facts.js';

/** A version of a repository's flows: where it was read, and its files. */
export interface FlowVersion {
  /** `flows/v1.2.0`, or `default branch` before any release. */
  label: string;
  /** The tag name when the version is a release. */
  tag?: string;
  /** The commit the flows were read at. */
  sha: string;
  files: FlowFile[];
}

/** One change in plain words, with where it is in the newer version when it has a place there. */
export interface FlowChange {
  /** The step it concerns, when it concerns one. */
  step?: string;
  /** Plain words: "quorum 1 → 2", "team acme/security removed from approvers", "new step `legal` between manager and merge". */
  text: string;
  file?: string;
  line?: number;
}

export interface FlowDiffEntry {
  /** The flow's name (its identity across versions). */
  flow: string;
  kind: 'added' | 'removed' | 'changed' | 'unchanged';
  changes: FlowChange[];
}

/** A file of either version that did not validate: its flows cannot be compared. */
export interface InvalidFlowFile {
  side: 'from' | 'to';
  file: string;
  /** Its errors as `line:col message`, first ones first. */
  errors: string[];
}

export interface FlowSetDiff {
  from: { label: string; sha: string };
  to: { label: string; sha: string };
  flows: FlowDiffEntry[];
  /** Files that did not validate, on either side; empty when every file is valid. */
  invalid: InvalidFlowFile[];
}

/** A PR the dry run evaluates: its facts, gathered for the union of both versions' needs. */
export interface DryRunCase {
  number: number;
  title: string;
  facts: Facts;
  /** The instant to evaluate at: the PR's close time for closed PRs, now for open ones. */
  at: string;
}

/** What one version of the flows makes of one PR, in one line: "approved by mia", "waiting for 1 approval from @acme/security", "no flow applies". */
export interface DryRunOutcome {
  summary: string;
  /** Per flow that applies: its status. */
  runs: { flow: string; status: string; summary: string }[];
}

export interface DryRunRow {
  number: number;
  title: string;
  live: DryRunOutcome;
  draft: DryRunOutcome;
  differs: boolean;
}
