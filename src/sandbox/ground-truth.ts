/**
 * What really happened on the sandbox's GitHub, for judging the app by facts it
 * cannot touch: every decision a person made (a review, a comment, a label, a
 * click) with the PR's real head at that moment, every push, and every merge
 * with the commit it merged. The app's own record is never consulted.
 */

export type ActionKind = 'review' | 'comment' | 'comment-edit' | 'label' | 'unlabel' | 'button' | 'push';

export interface PersonAction {
  kind: ActionKind;
  /** `owner/name`, lower case. */
  repo: string;
  number: number;
  actor: string;
  /** The PR's head when the action was made (for a push: the new head). */
  head: string;
  at: string;
  /** Order among all actions and merges (times can be equal). */
  seq: number;
  /** The review's state, the comment's body, the label's name, the button's identifier, or the commit pushed. */
  detail: string;
}

export interface MergeRecord {
  repo: string;
  number: number;
  /** The PR's head that was merged. */
  sha: string;
  at: string;
  seq: number;
  by: string;
}

export class GroundTruth {
  readonly actions: PersonAction[] = [];
  readonly merges: MergeRecord[] = [];
  /** GitHub's own "Update branch" merges: each merge commit, and the head it left (it brings in no change of the PR's own). */
  readonly baseMerges = new Map<string, string>();
  #seq = 0;

  action(action: Omit<PersonAction, 'seq'>): void {
    this.actions.push({ ...action, seq: ++this.#seq });
  }

  merge(merge: Omit<MergeRecord, 'seq'>): void {
    this.merges.push({ ...merge, seq: ++this.#seq });
  }

  /** `sha`, and the heads it only merged the base branch into, by "Update branch" merges in a row. */
  sameChange(sha: string): Set<string> {
    const chain = new Set([sha]);
    for (let at = this.baseMerges.get(sha); at !== undefined && !chain.has(at); at = this.baseMerges.get(at)) chain.add(at);
    return chain;
  }

  /** What happened on one PR, in order. */
  on(repo: string, number: number): { actions: PersonAction[]; merges: MergeRecord[] } {
    const key = repo.toLowerCase();
    return { actions: this.actions.filter((action) => action.repo === key && action.number === number), merges: this.merges.filter((merge) => merge.repo === key && merge.number === number) };
  }
}
