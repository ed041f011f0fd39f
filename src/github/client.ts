/**
 * The slice of Octokit the GitHub layer uses. Probot's context.octokit and
 * @octokit/rest both provide it; tests pass either one pointed at nock or at the
 * sandbox.
 */
export interface GitHubClient {
  graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }>;
}

export interface RepoRef {
  owner: string;
  name: string;
}

/** An error from GitHub with its HTTP status, as Octokit throws it. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
