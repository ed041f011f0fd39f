/**
 * A version of the flows read from the local git repository, offline: `git
 * rev-parse` names the commit, `git ls-tree` lists the flow files at it, and
 * `git show` reads each one. Refs are checked before use, so an unknown ref or
 * a directory that is not a repository is a usage error saying which.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { crossFileProblems, validateFlowText, type FlowFile } from '../flow/validate.js';
import { MAX_FILE_BYTES } from '../flow/yaml-source.js';
import type { FlowVersion } from '../release/contract.js';
import { UsageError } from './exit-codes.js';

const run = promisify(execFile);

async function git(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('git', [...args], { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** The repository's top directory, or a usage error when `cwd` is not inside one. */
export async function gitTop(cwd: string): Promise<string> {
  try {
    return (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'git is not installed' : `${cwd} is not inside a git repository`;
    throw new UsageError(`cannot read refs: ${reason}`);
  }
}

/** The commit a ref names, or a usage error naming the ref. */
export async function resolveRef(top: string, ref: string): Promise<string> {
  // A ref that starts with "-" would be read by git as an option.
  if (ref === '' || ref.startsWith('-')) throw new UsageError(`"${ref}" is not a ref`);
  try {
    return (await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch {
    throw new UsageError(`unknown ref "${ref}": no such branch, tag or commit in ${top}`);
  }
}

/** The flows in `dir` at `ref`, validated as the app would (cross-file clashes included). */
export async function flowsAtRef(top: string, ref: string, dir: string): Promise<FlowVersion> {
  const sha = await resolveRef(top, ref);
  const folder = dir.replace(/\/+$/, '');
  const listing = await git(top, ['ls-tree', '-z', '--long', `${sha}`, '--', `${folder}/`]);
  const entries = listing
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      // <mode> SP <type> SP <object> SP+ <size> TAB <path>
      const [meta, path] = line.split('\t') as [string, string];
      const [, type, , size] = meta.trim().split(/\s+/);
      return { type, size: Number(size), path };
    })
    .filter((entry) => entry.type === 'blob' && /\.ya?ml$/i.test(entry.path))
    .sort((a, b) => a.path.localeCompare(b.path));
  const files: FlowFile[] = [];
  for (const entry of entries) {
    if (entry.size > MAX_FILE_BYTES) {
      files.push({ file: entry.path, problems: [{ code: 'file-too-large', severity: 'error', file: entry.path, line: 1, col: 1, path: '', message: `file is ${entry.size} bytes`, expected: `at most ${MAX_FILE_BYTES} bytes` }] });
      continue;
    }
    files.push(validateFlowText(await git(top, ['show', `${sha}:${entry.path}`]), entry.path));
  }
  for (const problem of crossFileProblems(files)) {
    const owner = files.find((file) => file.file === problem.file);
    if (owner) {
      owner.problems.push(problem);
      delete owner.flow;
    }
  }
  return { label: ref, ...(/^(refs\/tags\/)?flows\/v/.test(ref) ? { tag: ref.replace(/^refs\/tags\//, '') } : {}), sha, files };
}
