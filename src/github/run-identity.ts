/**
 * A run's identity: the same flow on the same PR at the same head, in the same
 * reopen generation, is the same run. Deterministic, so a redelivered `opened`,
 * a retried event or a second replica names the run it would start the way the
 * first did, and finds it there instead of starting another. It is also the
 * check run's `external_id`, by which a check run created twice is found.
 */
export function runIdentity(number: number, flow: string, headSha: string, reopens: number): string {
  const slug = flow.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return `${number}-${slug}-${headSha.slice(0, 12)}${reopens > 0 ? `-r${reopens}` : ''}`;
}

/** The reopen generation a run id was made in; ids made before identities were deterministic are of the first. */
export function generationOf(id: string): number {
  const match = /-r(\d+)$/.exec(id);
  return match ? Number(match[1]) : 0;
}

export const sameGeneration = (id: string, reopens: number): boolean => generationOf(id) === reopens;
