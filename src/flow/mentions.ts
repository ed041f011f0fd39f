/**
 * Text anyone who can open a PR controls (its title, body, branch names, a
 * decision's reason …) is rendered into the app's own comments. There an
 * `@user`, an `@org/team` or a `fixes #12` would act with the app's voice:
 * ping people, or close issues when a merge commit carries it. A zero-width
 * joiner breaks the token for GitHub and leaves the text as the reader sees it.
 */
const ZWJ = '\u200d';

/** `@` before a login or a team: GitHub would notify them. */
const MENTION = /@(?=[A-Za-z0-9])/g;

/**
 * GitHub's closing keywords before an issue reference (`#12`, `org/repo#3`, or
 * an issue URL), with the optional colon GitHub accepts.
 */
const CLOSING = /\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)(?=\s*:?\s+(?:(?:[\w.-]+\/[\w.-]+)?#\d|https?:\/\/))/gi;

/** The text with mentions and closing keywords made inert. */
export function neutraliseMentions(text: string): string {
  return text.replace(MENTION, `@${ZWJ}`).replace(CLOSING, (word: string) => `${word[0]}${ZWJ}${word.slice(1)}`);
}

/** Every string inside a value (objects and lists included) neutralised; other values unchanged. */
export function neutraliseDeep<T>(value: T): T {
  if (typeof value === 'string') return neutraliseMentions(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => neutraliseDeep(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, neutraliseDeep(item)])) as T;
  }
  return value;
}
