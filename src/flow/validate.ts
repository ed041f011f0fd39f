/**
 * The one entry point for reading flow files: YAML, then the JSON Schema, then
 * zod for types, then the semantic checks. Every problem is located.
 */
import { Flow } from './schema.js';
import { checkSchema } from './schema-check.js';
import { checkSemantics } from './semantic.js';
import { formatPath, hasErrors, type Problem } from './problem.js';
import { loadYaml, type YamlSource } from './yaml-source.js';
import { partialFlow } from './partial-semantics.js';
import { actionModeProblems, type RunMode } from './action-mode.js';

export interface FlowFile {
  file: string;
  /** Present when the file has no errors (it may have warnings). */
  flow?: Flow;
  problems: Problem[];
  /** Where the flow's name is, so a clash between files can point at it. */
  nameAt?: { line: number; col: number };
}

/** `mode: 'action'` adds warnings for what the GitHub Action cannot do (action-mode.ts); the app's checks are the same in both. */
export function validateFlowText(text: string, file: string, options: { mode?: RunMode } = {}): FlowFile {
  const loaded = loadYaml(text, file);
  if (!loaded.ok) return { file, problems: loaded.problems };
  const { source } = loaded;
  if (source.value === undefined || source.value === null) {
    return { file, problems: [{ code: 'empty-file', severity: 'error', file, line: 1, col: 1, path: '', message: 'the file is empty', expected: 'a flow with name, on and steps' }] };
  }
  const schemaProblems = checkSchema(source);
  if (schemaProblems.length > 0) return { file, problems: sortByPlace([...schemaProblems, ...semanticsDespite(source, schemaProblems)]) };

  const parsed = Flow.safeParse(source.value);
  if (!parsed.success) {
    // The JSON Schema is generated from the zod schema, so this means they drifted.
    return {
      file,
      problems: parsed.error.issues.map((issue) => ({
        code: 'schema',
        severity: 'error' as const,
        file,
        ...source.locate(issue.path as (string | number)[]),
        path: formatPath(issue.path as (string | number)[]),
        message: issue.message,
      })),
    };
  }
  const problems = sortByPlace([...semanticProblems(parsed.data, source), ...(options.mode === 'action' ? actionModeProblems(parsed.data, source) : [])]);
  return hasErrors(problems) ? { file, problems } : { file, flow: parsed.data, problems, nameAt: source.locate(['name']) };
}

function semanticProblems(flow: Flow, source: YamlSource): Problem[] {
  const problems: Problem[] = [];
  checkSemantics(flow, (path, code, message, extra) => {
    problems.push({ code, severity: 'error', file: source.file, ...source.locate(path, extra?.severity ? 'key' : 'value'), path: formatPath(path), message, ...extra });
  });
  return problems;
}

/** The semantic problems of the parts of a refused document that the schema accepted. */
function semanticsDespite(source: YamlSource, schemaProblems: readonly Problem[]): Problem[] {
  const partial = partialFlow(source.value, schemaProblems);
  if (!partial) return [];
  try {
    return semanticProblems(partial.flow, source).filter((problem) => partial.keep(problem));
  } catch {
    // A shape the schema refused and the stubs did not cover: the next pass, on a fixed file, checks it.
    return [];
  }
}

const sortByPlace = (problems: Problem[]): Problem[] =>
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));

/** Problems that span files: two flows with one name would share a check run. */
export function crossFileProblems(files: readonly FlowFile[]): Problem[] {
  const seen = new Map<string, FlowFile>();
  const problems: Problem[] = [];
  for (const entry of files) {
    const { file, flow } = entry;
    if (!flow) continue;
    const first = seen.get(flow.name);
    if (first !== undefined) {
      const where = first.nameAt ? `${first.file}:${first.nameAt.line}:${first.nameAt.col}` : first.file;
      problems.push({
        code: 'duplicate-flow',
        severity: 'error',
        file,
        ...(entry.nameAt ?? {}),
        path: 'name',
        message: `flow name "${flow.name}" is already used by ${where}`,
        expected: 'a unique flow name',
      });
    } else {
      seen.set(flow.name, entry);
    }
  }
  return problems;
}
