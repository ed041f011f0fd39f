/**
 * Message templates are Mustache (logic-less: no code runs), rendered without
 * HTML escaping because the output is Markdown, not HTML.
 */
import Mustache from 'mustache';
import { closest } from './closest.js';

/** The variables a template may use, and their fields ('*': any); see docs/templates.md. */
export const TEMPLATE_VARIABLES = {
  pr: ['number', 'title', 'url', 'author', 'base', 'head', 'head_sha', 'labels', 'body', 'draft', 'changed_files', 'changed_lines'],
  repo: ['owner', 'name', 'full_name', 'url'],
  run: ['id', 'url', 'status', 'flow', 'started_at'],
  flow: ['name'],
  step: ['id', 'name', 'attempt', 'outputs'],
  steps: '*',
  fields: '*',
  gate: ['need', 'have', 'approvers', 'deadline', 'waiting_on'],
  decision: ['actor', 'decision', 'reason', 'source', 'sha', 'at'],
  callbacks: '*',
  now: [],
} as const satisfies Record<string, readonly string[] | '*'>;
const TEMPLATE_ROOTS = Object.keys(TEMPLATE_VARIABLES);

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

export interface TemplateProblem {
  message: string;
  /** Offset of the problem inside the template text. */
  offset: number;
}

export function templateProblems(template: string): TemplateProblem[] {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(template) as unknown as Token[];
  } catch (error) {
    const match = / at (\d+)$/.exec((error as Error).message);
    return [{ message: `malformed template: ${(error as Error).message}`, offset: match ? Number(match[1]) : 0 }];
  }
  const problems: TemplateProblem[] = [];
  const visit = (list: readonly Token[], sectionDepth: number) => {
    for (const [type, value, start, , children] of list) {
      if (type === 'text') continue;
      if (type === '>') {
        problems.push({ message: 'partials ({{> name}}) are not supported', offset: start });
        continue;
      }
      if (type === '=' ) {
        problems.push({ message: 'changing delimiters is not supported', offset: start });
        continue;
      }
      // Inside a section, names may refer to the section's own item ({{.}}, {{login}}).
      if (sectionDepth === 0 && value !== '.') {
        const problem = variableProblem(value);
        if (problem) problems.push({ message: problem, offset: start });
      }
      if (children) visit(children, sectionDepth + 1);
    }
  };
  visit(tokens, 0);
  return problems;
}

function variableProblem(name: string): string | undefined {
  const [root, field] = name.split('.');
  const fields = (TEMPLATE_VARIABLES as Record<string, readonly string[] | '*'>)[root!];
  if (fields === undefined) return `unknown template variable "${name}"; expected one of ${TEMPLATE_ROOTS.join(', ')}`;
  if (field === undefined || fields === '*' || fields.includes(field)) return undefined;
  const guess = closest(field, fields);
  return `unknown template variable "${name}"${guess ? `; did you mean "${root}.${guess}"?` : ''}; ${root} has ${fields.join(', ') || 'no fields'}`;
}

/** The top-level variables a template reads (outside sections' items), with their offsets. */
export function templateVariables(template: string): { name: string; offset: number }[] {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(template) as unknown as Token[];
  } catch {
    return [];
  }
  const names: { name: string; offset: number }[] = [];
  for (const [type, value, start] of tokens) {
    if (type !== 'text' && type !== '>' && type !== '=' && type !== '!' && value !== '.') names.push({ name: value, offset: start });
  }
  return names;
}

/** What a variable with no value renders as: visible, so "Release blocked: {{decision.reason}}" never ends at the colon. */
export const NO_VALUE = '(none)';

/**
 * Mustache renders a missing value as nothing. Here a variable with no value
 * (absent, null or empty) renders as NO_VALUE; a section (`{{#x}}…{{/x}}`)
 * still lets the author leave out a whole sentence instead.
 */
class VisibleWriter extends Mustache.Writer {
  override escapedValue(token: string[], context: Mustache.Context, config?: Mustache.RenderOptions): string {
    return orNoValue(super.escapedValue(token, context, config));
  }
  override unescapedValue(token: string[], context: Mustache.Context): string {
    return orNoValue(super.unescapedValue(token, context));
  }
}
const orNoValue = (text: string | undefined): string => (text === undefined || text === null || String(text).trim() === '' ? NO_VALUE : text);
const writer = new VisibleWriter();

export function renderTemplate(template: string, view: object): string {
  return writer.render(template, view, {}, { escape: (text: string) => text });
}
