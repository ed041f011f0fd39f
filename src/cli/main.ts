/**
 * The flowgate CLI. Thin: it parses arguments and hands off to a command.
 */
import { parseArgs } from 'node:util';
import { demoCommand } from './demo-command.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { processIO, type CliIO } from './io.js';
import { simulateCommand } from './simulate-command.js';
import { statusCommand } from './status-command.js';
import { callbackCommand } from './callback-command.js';
import { validateCommand } from './validate-command.js';

export const USAGE = `Usage: flowgate <command> [options]

Commands:
  validate [paths...]                      Check flow files (default: .github/flows)
  simulate --flows <dir|file> --scenario <file>
                                           Play a scenario against flows, offline
  demo                                     Play every example scenario in examples/
  status --repo <owner/name> --pr <number>  The runs on a pull request, who is awaited
                                           (needs GITHUB_TOKEN; GITHUB_API_URL for GHE)
  callback --url <link> --result success|failure [--summary S] [--output k=v]... [--link title=url]...
                                           Complete a wait with the link a flow gave you

Options:
  --json       Print a stable JSON document (validate, simulate, status, callback)
  -h, --help   Show this help
  --version    Show the version

Exit codes:
  0 ok (valid; run succeeded)   2 bad arguments        3 invalid flows
  4 invalid scenario            5 run ended declined   6 run failed or was cancelled
  7 run still waiting           8 GitHub or Flowgate refused  1 internal error`;

export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`flowgate: ${(error as Error).message}\n\n${USAGE}`);
      return ExitCode.usage;
    }
    io.err(`flowgate: internal error: ${(error as Error).stack ?? String(error)}`);
    return ExitCode.internal;
  }
}

async function dispatch(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (command === '--version') {
    io.out('flowgate 0.1.0');
    return ExitCode.ok;
  }
  switch (command) {
    case 'validate': {
      const { values, positionals } = parseArgs({ args: [...rest], allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
      return validateCommand(positionals, { json: values.json }, io);
    }
    case 'simulate': {
      const { values } = parseArgs({
        args: [...rest],
        options: { flows: { type: 'string' }, scenario: { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      if (!values.flows) throw new UsageError('simulate needs --flows <dir|file>');
      if (!values.scenario) throw new UsageError('simulate needs --scenario <file>');
      return simulateCommand({ flows: values.flows, scenario: values.scenario, json: values.json }, io);
    }
    case 'status': {
      const { values } = parseArgs({
        args: [...rest],
        options: { repo: { type: 'string' }, pr: { type: 'string' }, json: { type: 'boolean', default: false }, 'api-url': { type: 'string' } },
      });
      if (!values.repo) throw new UsageError('status needs --repo <owner/name>');
      if (!values.pr) throw new UsageError('status needs --pr <number>');
      return statusCommand(
        { repo: values.repo, pr: values.pr, json: values.json, token: process.env.GITHUB_TOKEN, apiUrl: values['api-url'] ?? process.env.GITHUB_API_URL ?? 'https://api.github.com' },
        io,
      );
    }
    case 'callback': {
      const { values } = parseArgs({
        args: [...rest],
        options: {
          url: { type: 'string' },
          token: { type: 'string' },
          'app-url': { type: 'string' },
          result: { type: 'string' },
          decision: { type: 'string' },
          reason: { type: 'string' },
          summary: { type: 'string' },
          output: { type: 'string', multiple: true, default: [] },
          link: { type: 'string', multiple: true, default: [] },
          json: { type: 'boolean', default: false },
        },
      });
      return callbackCommand(
        {
          ...(values.url !== undefined ? { url: values.url } : {}),
          ...(values.token !== undefined ? { token: values.token } : {}),
          ...(values['app-url'] !== undefined ? { appUrl: values['app-url'] } : {}),
          ...(values.result !== undefined ? { result: values.result } : {}),
          ...(values.decision !== undefined ? { decision: values.decision } : {}),
          ...(values.reason !== undefined ? { reason: values.reason } : {}),
          ...(values.summary !== undefined ? { summary: values.summary } : {}),
          outputs: values.output,
          links: values.link,
          json: values.json,
        },
        io,
      );
    }
    case 'demo':
      parseArgs({ args: [...rest], options: {} });
      return demoCommand(io);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
