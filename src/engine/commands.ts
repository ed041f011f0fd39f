/**
 * Commands in comments: `/approve`, `/decline <reason>`, `/reassign @login`, read
 * as CommonMark reads the comment. Pure; the parse of each body is memoized.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Decision } from './facts.js';

/**
 * `/approve [note]` or `/decline <reason>` on a line of its own in a top-level
 * paragraph, as CommonMark reads the comment: code (fenced, however many backticks,
 * or indented), quotes (lazy lines included), lists and HTML blocks are not commands.
 */
export function parseCommand(body: string): Readonly<{ decision: Decision; reason?: string }> | undefined {
  if (!/\/(approve|decline)/i.test(body)) return undefined; // most comments: no command, no parse
  const known = commandCache.get(body);
  if (known !== undefined) return known ?? undefined;
  let command: { decision: Decision; reason?: string } | null = null;
  for (const line of paragraphLines(body)) {
    const match = /^\s*\/(approve|decline)(?:\s+(.*?))?\s*$/i.exec(line);
    if (match) {
      const reason = match[2]?.trim();
      command = Object.freeze({ decision: match[1]!.toLowerCase() as Decision, ...(reason ? { reason } : {}) });
      break;
    }
  }
  // Kept with the paragraph memo, and emptied with it.
  commandCache.set(body, command);
  return command ?? undefined;
}

/** Each body's command (null: none), so the many evaluations of a PR match each comment once. */
const commandCache = new Map<string, Readonly<{ decision: Decision; reason?: string }> | null>();

/** `/reassign @alice [@bob]` on a line of its own, read like the other commands: the logins named. */
export function parseReassign(body: string): string[] {
  if (!/\/reassign/i.test(body)) return [];
  for (const line of paragraphLines(body)) {
    const match = /^\s*\/reassign((?:\s+@[A-Za-z0-9][A-Za-z0-9-]{0,38})+)\s*$/i.exec(line);
    if (match) return match[1]!.trim().split(/\s+/).map((mention) => mention.slice(1));
  }
  return [];
}

const paragraphCache = new Map<string, readonly string[]>();
/** The memo holds at most this many characters of comment text; past it, it starts afresh. */
const CACHE_CHARS = 4_000_000;
let cachedChars = 0;

/**
 * The source lines of the comment's top-level paragraphs. Parsing costs far more
 * than the rest of an evaluation, and every evaluation of a PR reads the same
 * comments again, so answers are kept (a bounded memo, like `iso`).
 */
function paragraphLines(body: string): readonly string[] {
  let lines = paragraphCache.get(body);
  if (lines === undefined) {
    if (cachedChars + body.length > CACHE_CHARS) {
      paragraphCache.clear();
      commandCache.clear();
      cachedChars = 0;
    }
    cachedChars += body.length;
    const found: string[] = [];
    for (const node of fromMarkdown(body).children) {
      if (node.type !== 'paragraph' || !node.position) continue;
      found.push(...body.slice(node.position.start.offset, node.position.end.offset).split(/\r?\n/));
    }
    paragraphCache.set(body, (lines = found));
  }
  return lines;
}
