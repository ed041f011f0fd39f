/** The forms the demo prints in: one form of time for everything, and paragraphs wrapped to the terminal. */

/** "2026-11-24 09:14 UTC": the one form every time in the demo is printed in. */
export const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
/** Rewrites the ISO timestamps in a message (an API's answer) in the demo's form. */
export const readable = (text: string): string => text.replace(/\b(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?Z\b/g, '$1 $2 UTC');

/** Splits a paragraph into lines of at most `width` characters, at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
