/**
 * The flowgate CLI. Thin: it parses arguments and hands off to a command, and
 * prints a failure once, as text on stderr or, with --json, as a JSON document
 * on stdout.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { demoCommand } from './demo-command.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { failureOf, reportFailure } from './failure.js';
import { processIO, type CliIO } from './io.js';
import { simulateCommand } from './simulate-command.js';
import { statusCommand } from './status-command.js';
import { callbackCommand } from './callback-command.js';
import { validateCommand } from './validate-command.js';
import { diffCommand } from './diff-command.js';
import { dryRunCommand } from './dry-run-command.js';
import { RUN_MODES, type RunMode } from '../flow/action-mode.js';
import { COMMAND_USAGE, USAGE } from './usage.js';
import { promoteCommand } from './promote-command.js';
import { versionsCommand } from './versions-command.js';

export { USAGE } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const common = { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } satisfies Options;

export const COMMAND_OPTIONS: Record<string, Options> = {
  validate: { ...common, mode: { type: 'string' } },
  simulate: { ...common, flows: { type: 'string' }, scenario: { type: 'string' } },
  status: { ...common, repo: { type: 'string' }, pr: { type: 'string' }, 'api-url': { type: 'string' } },
  callback: {
    ...common,
    url: { type: 'string' },
    token: { type: 'string' },
    'app-url': { type: 'string' },
    result: { type: 'string' },
    decision: { type: 'string' },
    reason: { type: 'string' },
    summary: { type: 'string' },
    output: { type: 'string', multiple: true, default: [] },
    link: { type: 'string', multiple: true, default: [] },
  },
  demo: { help: common.help },
  diff: { ...common, dir: { type: 'string' } },
  'dry-run': { ...common, flows: { type: 'string' }, prs: { type: 'string' }, live: { type: 'string' }, dir: { type: 'string' }, repo: { type: 'string' }, limit: { type: 'string' }, 'api-url': { type: 'string' } },
  versions: { ...common, repo: { type: 'string' }, app: { type: 'string' }, 'api-url': { type: 'string' } },
  promote: { ...common, repo: { type: 'string' }, sha: { type: 'string' }, app: { type: 'string' }, 'api-url': { type: 'string' } },
};

export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const command = argv[0] !== undefined && Object.hasOwn(COMMAND_OPTIONS, argv[0]) ? argv[0] : undefined;
  // Decided before parsing, so that even a parse error comes out as JSON when JSON was asked for.
  const json = argv.includes('--json');
  try {
    return await dispatch(argv, io);
  } catch (error) {
    return reportFailure(failureOf(error, command), command, json, io);
  }
}

async function dispatch(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.err(USAGE);
    return ExitCode.usage;
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    const topic = rest[0];
    io.out(topic !== undefined && Object.hasOwn(COMMAND_USAGE, topic) ? COMMAND_USAGE[topic]! : USAGE);
    return ExitCode.ok;
  }
  if (command === '--version') {
    io.out('flowgate 0.1.0');
    return ExitCode.ok;
  }
  if (!Object.hasOwn(COMMAND_OPTIONS, command)) throw new UsageError(`unknown command "${command}"; the commands are ${Object.keys(COMMAND_OPTIONS).join(', ')}`);
  const { values: raw, positionals } = parseArgs({ args: [...rest], options: COMMAND_OPTIONS[command]!, allowPositionals: command === 'validate' || command === 'diff' || command === 'promote', strict: true });
  const values = raw as Record<string, string | boolean | string[] | undefined>;
  if (values.help) {
    io.out(COMMAND_USAGE[command]!);
    return ExitCode.ok;
  }
  const text = (name: string) => values[name] as string | undefined;
  const json = values.json === true;
  switch (command) {
    case 'validate': {
      const mode = text('mode');
      if (mode !== undefined && !RUN_MODES.includes(mode as RunMode)) throw new UsageError(`--mode is ${mode}; expected ${RUN_MODES.join(' or ')}`);
      return validateCommand(positionals, { json, ...(mode ? { mode: mode as RunMode } : {}) }, io);
    }
    case 'simulate': {
      const flows = text('flows');
      const scenario = text('scenario');
      if (!flows) throw new UsageError('simulate needs --flows <dir|file>');
      if (!scenario) throw new UsageError('simulate needs --scenario <file>');
      return simulateCommand({ flows, scenario, json }, io);
    }
    case 'status': {
      const repo = text('repo');
      const pr = text('pr');
      if (!repo) throw new UsageError('status needs --repo <owner/name>');
      if (!pr) throw new UsageError('status needs --pr <number>');
      return statusCommand({ repo, pr, json, token: process.env.GITHUB_TOKEN, apiUrl: text('api-url') ?? process.env.GITHUB_API_URL ?? 'https://api.github.com' }, io);
    }
    case 'callback': {
      const optional = (name: string, key: string) => (text(name) !== undefined ? { [key]: text(name) } : {});
      return callbackCommand(
        {
          ...optional('url', 'url'),
          ...optional('token', 'token'),
          ...optional('app-url', 'appUrl'),
          ...optional('result', 'result'),
          ...optional('decision', 'decision'),
          ...optional('reason', 'reason'),
          ...optional('summary', 'summary'),
          outputs: values.output as string[],
          links: values.link as string[],
          json,
        },
        io,
      );
    }
    case 'diff':
      return diffCommand({ refs: positionals, json, ...(text('dir') !== undefined ? { dir: text('dir')! } : {}) }, io);
    case 'dry-run': {
      const flows = text('flows');
      const prs = text('prs');
      if (!flows) throw new UsageError('dry-run needs --flows <dir> (the draft flows)');
      if (!prs) throw new UsageError('dry-run needs --prs <file|github>');
      const optional = (name: string, key: string) => (text(name) !== undefined ? { [key]: text(name) } : {});
      return dryRunCommand(
        { flows, prs, json, token: process.env.GITHUB_TOKEN, apiUrl: text('api-url') ?? process.env.GITHUB_API_URL ?? 'https://api.github.com', ...optional('live', 'live'), ...optional('dir', 'dir'), ...optional('repo', 'repo'), ...optional('limit', 'limit') },
        io,
      );
    }
    case 'versions':
    case 'promote': {
      const repo = text('repo');
      if (!repo) throw new UsageError(`${command} needs --repo <owner/name>`);
      const github = { repo, json, token: process.env.GITHUB_TOKEN, apiUrl: text('api-url') ?? process.env.GITHUB_API_URL ?? 'https://api.github.com', ...(text('app') ? { app: text('app')! } : {}) };
      if (command === 'versions') return versionsCommand(github, io);
      if (positionals.length > 1) throw new UsageError(`promote takes one tag, got ${positionals.length}`);
      return promoteCommand({ ...github, tag: positionals[0], ...(text('sha') ? { sha: text('sha')! } : {}) }, io);
    }
    default:
      return demoCommand(io);
  }
}
