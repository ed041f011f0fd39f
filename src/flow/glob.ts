import picomatch from 'picomatch';

export type Matcher = (text: string) => boolean;

/** Extended globs (`*(a)`, `+(a)`, …) are off: their regular expressions can take exponential time on a crafted path. */
const PATH_OPTIONS = { dot: true, noextglob: true } as const;
/** Titles and labels are not paths: `*` crosses `/`, and case is ignored. */
const TEXT_OPTIONS = { dot: true, bash: true, nocase: true, noextglob: true } as const;

/**
 * Wildcards a pattern may hold. Matching is done with regular expressions that backtrack: each `*` that can
 * stretch over the same characters multiplies the work on a text that almost matches, and a PR's author chooses
 * its paths and title (a draft's flows are matched against them too). With two `*` per path segment (and two
 * `**` per pattern) a match stays well under a millisecond; with five, a 200-character path takes minutes.
 */
export const MAX_STARS_PER_SEGMENT = 2;
export const MAX_GLOBSTARS = 2;

function tooManyWildcards(pattern: string, kind: 'path' | 'text'): string | undefined {
  const stars = (text: string) => (text.match(/\*+/g) ?? []).length;
  // In titles and labels `*` crosses `/`: the whole pattern is one stretch.
  const segments = kind === 'path' ? pattern.split('/') : [pattern];
  const globstars = kind === 'path' ? segments.filter((segment) => segment === '**').length : 0;
  if (globstars > MAX_GLOBSTARS) return `at most ${MAX_GLOBSTARS} \`**\` segments in a pattern: more can take exponential time to match a crafted path`;
  const crowded = segments.find((segment) => segment !== '**' && stars(segment) > MAX_STARS_PER_SEGMENT);
  if (crowded !== undefined) {
    return kind === 'path'
      ? `at most ${MAX_STARS_PER_SEGMENT} \`*\` in one path segment (\`${crowded}\` has ${stars(crowded)}): more can take exponential time to match a crafted path`
      : `at most ${MAX_STARS_PER_SEGMENT} \`*\` in a pattern (it has ${stars(crowded)}): more can take exponential time to match a crafted title`;
  }
  return undefined;
}

/** Why a pattern can never do what its author meant, or undefined when it is fine. */
export function globProblem(pattern: string, kind: 'path' | 'text'): string | undefined {
  if (pattern.trim() === '') return 'an empty pattern matches nothing';
  if (pattern.startsWith('!')) return 'negated patterns are not supported here; use the matching *_ignore list or `not`';
  if (kind === 'path' && (pattern.startsWith('/') || pattern.startsWith('./'))) {
    return 'paths are relative to the repository root; remove the leading / or ./';
  }
  if (kind === 'path' && pattern.includes('\\')) return 'use / to separate path segments';
  const crowded = tooManyWildcards(pattern, kind);
  if (crowded) return crowded;
  try {
    if (picomatch.makeRe(pattern, kind === 'path' ? PATH_OPTIONS : TEXT_OPTIONS).source === '$^') {
      return 'the pattern is malformed (an unclosed brace or bracket?) and matches nothing';
    }
  } catch (error) {
    return `the pattern is malformed: ${(error as Error).message}`;
  }
  return undefined;
}

/** One matcher for a list of patterns: true when any matches. */
export function anyMatcher(patterns: readonly string[], kind: 'path' | 'text'): Matcher {
  if (patterns.length === 0) return () => false;
  return picomatch([...patterns], kind === 'path' ? PATH_OPTIONS : TEXT_OPTIONS);
}
