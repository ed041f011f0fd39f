/**
 * CODEOWNERS, as GitHub reads it: gitignore-style patterns (matched by the
 * `ignore` package), and for each file the last matching line wins.
 */
import ignore, { type Ignore } from 'ignore';

export interface OwnerRule {
  line: number;
  pattern: string;
  /** `@user` and `@org/team` owners, without the `@`; email owners are dropped. */
  owners: string[];
  matcher: Ignore;
}

export function parseCodeowners(text: string): OwnerRule[] {
  const rules: OwnerRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const [pattern, ...owners] = line.split(/\s+/);
    if (!pattern) return;
    try {
      rules.push({
        line: index + 1,
        pattern,
        owners: owners.filter((owner) => owner.startsWith('@')).map((owner) => owner.slice(1).toLowerCase()),
        matcher: ignore().add(pattern),
      });
    } catch {
      // GitHub ignores lines it cannot parse; so do we.
    }
  });
  return rules;
}

/** The owners of one file: those of the last rule that matches it. */
export function ownersOf(path: string, rules: readonly OwnerRule[]): { owners: string[]; rule?: OwnerRule } {
  for (let index = rules.length - 1; index >= 0; index -= 1) {
    const rule = rules[index]!;
    if (rule.matcher.ignores(path)) return { owners: rule.owners, rule };
  }
  return { owners: [] };
}
