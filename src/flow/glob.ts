import picomatch from 'picomatch';

export type Matcher = (text: string) => boolean;

const PATH_OPTIONS = { dot: true } as const;
/** Titles and labels are not paths: `*` crosses `/`, and case is ignored. */
const TEXT_OPTIONS = { dot: true, bash: true, nocase: true } as const;

/** Why a pattern can never do what its author meant, or undefined when it is fine. */
export function globProblem(pattern: string, kind: 'path' | 'text'): string | undefined {
  if (pattern.trim() === '') return 'an empty pattern matches nothing';
  if (pattern.startsWith('!')) return 'negated patterns are not supported here; use the matching *_ignore list or `not`';
  if (kind === 'path' && (pattern.startsWith('/') || pattern.startsWith('./'))) {
    return 'paths are relative to the repository root; remove the leading / or ./';
  }
  if (kind === 'path' && pattern.includes('\\')) return 'use / to separate path segments';
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
