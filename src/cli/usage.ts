/** The help texts: `flowgate --help`, and `flowgate <command> --help` for each command. The README's "The CLI" says the same. */

export const EXIT_CODES = `Exit codes:
  0 ok (valid; run succeeded)   2 bad arguments        3 invalid flows
  4 invalid scenario            5 run ended declined   6 run failed or was cancelled
  7 run still waiting           8 GitHub or Flowgate refused, or could not be reached
  9 diff, dry-run: something would change
  1 internal error`;

const JSON_OPTION = `  --json                 Print one JSON document on stdout, errors included: the
                         command's document, or flowgate.error/v1 (schemas/error.schema.json)`;

export const COMMAND_USAGE: Record<string, string> = {
  validate: `Usage: flowgate validate [paths...] [--mode app|action] [--json]

Check flow files: every problem, with file:line:col, what was found and what was expected.

Arguments:
  paths...               Flow files, or directories whose *.yml and *.yaml files are read
                         (default: .github/flows)

Options:
  --mode app|action      Where the flows run: the GitHub App (default), or the GitHub
                         Action, which warns about what Actions cannot do (buttons)
${JSON_OPTION}
  -h, --help             Show this help

Exits 0 when every file is valid, 3 when one is not, 2 when a path does not exist.`,

  simulate: `Usage: flowgate simulate --flows <dir|file> --scenario <file> [--json]

Play a scenario (a PR and what people do to it, over time) against flows, offline.

Options:
  --flows <dir|file>     The flow file, or a directory of them (required)
  --scenario <file>      The scenario, YAML or JSON: see docs/simulate.md (required)
${JSON_OPTION}
  -h, --help             Show this help

Exits 0 when the run succeeded or no flow started, 5 declined, 6 failed or cancelled,
7 still waiting at the end; 3 for invalid flows, 4 for an invalid scenario.`,

  status: `Usage: flowgate status --repo <owner/name> --pr <number> [--api-url <url>] [--json]

The Flowgate runs on a pull request, who is awaited, and the decisions so far. Read-only:
it re-evaluates each run from GitHub's facts, as the app would.

Options:
  --repo <owner/name>    The repository (required)
  --pr <number>          The pull request number (required)
  --api-url <url>        GitHub's REST API: https://<host>/api/v3 for GitHub Enterprise Server
                         (default: $GITHUB_API_URL, else https://api.github.com)
${JSON_OPTION}
  -h, --help             Show this help

Environment:
  GITHUB_TOKEN           A token that can read the repository (required)
  FLOWGATE_REQUEST_TIMEOUT  The deadline of each request (default 10s)

Exits 0 when printed; 8 when GitHub refused (the HTTP status is given) or could not be reached.`,

  callback: `Usage: flowgate callback --url <link> --result success|failure [options]
       flowgate callback --app-url <url> --token <token> --result success|failure [options]

Complete a wait with the callback link a flow gave you (an agent or CI job runs this).

Options:
  --url <link>           The callback link, token included (…/flowgate/callback?token=…)
  --app-url <url>        Flowgate's public URL; with --token, instead of --url
  --token <token>        The callback token; overrides the one in --url
  --result <result>      success (or ok) | failure: how the work went
  --decision <decision>  approve | decline: for a link that decides an approval gate;
                         give it instead of --result
  --reason <text>        Why: shown with the decision in the run's history
  --summary <text>       A short report, shown on the check run
  --output <key=value>   An output later steps can use; repeatable. Numbers and
                         true/false keep their type
  --link <title=url>     A link shown on the check run; repeatable
${JSON_OPTION}
  -h, --help             Show this help

Environment:
  FLOWGATE_REQUEST_TIMEOUT  How long to wait for Flowgate's answer (default 30s)

Exits 0 when Flowgate took it; 8 when Flowgate refused it (the reason is printed) or
could not be reached.`,

  diff: `Usage: flowgate diff <ref-a> <ref-b> [--dir <dir>] [--json]

The semantic diff between the flows at two refs of the local git repository, offline:
per flow, what a run would do differently, in plain words ("review: quorum 1 → 2").
Reordered keys, comments and written-out defaults are no change.

Arguments:
  <ref-a> <ref-b>        Branches, tags (flows/v1.2.0) or commits; ref-a is the older version

Options:
  --dir <dir>            Where the flows are in the repository (default: .github/flows)
${JSON_OPTION}
                         This command's document: flowgate.diff/v1 (schemas/diff.schema.json)
  -h, --help             Show this help

Exits 0 when no flow changes, 9 when one does, 3 when a file of either version is
invalid (the diff is still printed), 2 for an unknown ref or outside a git repository.`,

  'dry-run': `Usage: flowgate dry-run --flows <dir> --prs <file> [--live <dir|git-ref>] [--json]
       flowgate dry-run --flows <dir> --prs github --repo <owner/name> [--limit N] [--api-url <url>]

The draft flows and the live ones, each evaluated with the engine against pull
requests: a table of the PRs whose outcome would differ.

Options:
  --flows <dir>          The draft flows (required)
  --prs <file|github>    A recorded-facts file (flowgate.dry-run-prs/v1,
                         schemas/dry-run-prs.schema.json), or github: the last closed PRs (required)
  --live <dir|git-ref>   The live flows: a directory, or a ref of the local git repository
                         (default: HEAD)
  --dir <dir>            Where the flows are at a git ref (default: .github/flows)
  --repo <owner/name>    With --prs github: the repository
  --limit <n>            With --prs github: how many closed PRs (default 20, at most 100)
  --api-url <url>        GitHub's REST API (default: $GITHUB_API_URL, else https://api.github.com)
${JSON_OPTION}
                         This command's document: flowgate.dry-run/v1 (schemas/dry-run.schema.json)
  -h, --help             Show this help

Environment:
  GITHUB_TOKEN           With --prs github: a token that can read the repository

Exits 0 when no PR's outcome would differ, 9 when one would, 3 when a draft file is invalid,
2 for bad arguments or facts file, 8 when GitHub refused or could not be reached.`,

  versions: `Usage: flowgate versions --repo <owner/name> [--app <slug>] [--api-url <url>] [--json]

What is live (the highest release Flowgate promoted, or the default branch before any),
and the history of promotions: Flowgate's deployments to the flowgate-live environment.
Deployments made by anyone else are not promotions and are not listed.

Options:
  --repo <owner/name>    The repository (required)
  --app <slug>           The Flowgate app's slug, if it is not flowgate
  --api-url <url>        GitHub's REST API (default: $GITHUB_API_URL, else https://api.github.com)
${JSON_OPTION}
  -h, --help             Show this help

Environment:
  GITHUB_TOKEN           A token that can read the repository (required)

Exits 0 when printed; 8 when GitHub refused or could not be reached.`,

  promote: `Usage: flowgate promote <tag> --repo <owner/name> [--sha <commit>] [--app <slug>] [--api-url <url>] [--json]

Promote the flows at a commit: the same checks as the app (the flows are valid, the
commit is on the default branch, the version is higher than live), then the tag is
created through the API. Flowgate promotes it when the tag's push reaches it.

Arguments:
  <tag>                  The release tag: flows/vX.Y.Z, or the prefix set in
                         .github/flowgate.yml (releases.tag_prefix)

Options:
  --repo <owner/name>    The repository (required)
  --sha <commit>         The commit to tag (default: the default branch's head)
  --app <slug>           The Flowgate app's slug, if it is not flowgate
  --api-url <url>        GitHub's REST API (default: $GITHUB_API_URL, else https://api.github.com)
${JSON_OPTION}
  -h, --help             Show this help

Environment:
  GITHUB_TOKEN           A token that may create tags in the repository (contents: write)

Exits 0 when the tag was created (or already there, or already live); 8 when it would be
refused (each reason is printed, and nothing is written) or GitHub refused.`,

  demo: `Usage: flowgate demo

Play every example scenario shipped in examples/ and print what happened. No
credentials, no network.

Options:
  -h, --help             Show this help`,
};

export const USAGE = `Usage: flowgate <command> [options]

Commands:
  validate [paths...]                      Check flow files (default: .github/flows)
  simulate --flows <dir|file> --scenario <file>
                                           Play a scenario against flows, offline
  demo                                     Play every example scenario in examples/
  status --repo <owner/name> --pr <number> [--api-url <url>]
                                           The runs on a pull request, who is awaited
                                           (needs GITHUB_TOKEN)
  callback --url <link> --result success|failure [--decision D] [--reason R] [--token T] ...
                                           Complete a wait with the link a flow gave you
  diff <ref-a> <ref-b> [--dir <dir>]       The semantic diff between the flows at two git refs
  dry-run --flows <dir> --prs <file|github> [--live <dir|git-ref>]
                                           Which PRs' outcomes draft flows would change
  versions --repo <owner/name>             What is live, and the promotions so far
                                           (needs GITHUB_TOKEN)
  promote <tag> --repo <owner/name> [--sha S]
                                           Check a release as the app would, then tag it
                                           (needs GITHUB_TOKEN)

Run "flowgate <command> --help" for a command's options.

Options:
  --json       Print one JSON document on stdout, errors included
  -h, --help   Show this help
  --version    Show the version

${EXIT_CODES}`;
