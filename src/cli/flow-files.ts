/** The CLI reads flow files from disk: the flow language itself never touches the file system. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_FILE_BYTES } from '../flow/yaml-source.js';
import { crossFileProblems, validateFlowText, type FlowFile } from '../flow/validate.js';
import type { RunMode } from '../flow/action-mode.js';
const isFlowFile = (name: string): boolean => /\.ya?ml$/i.test(name);

/** Reads and validates flow files; directories contribute their *.yml and *.yaml files, sorted. */
export async function readFlowFiles(paths: readonly string[], options: { mode?: RunMode } = {}): Promise<{ files: FlowFile[]; missing: string[] }> {
  const names: string[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) missing.push(path);
    else if (info.isDirectory()) {
      const entries = (await readdir(path)).filter(isFlowFile).sort();
      names.push(...entries.map((entry) => join(path, entry)));
    } else names.push(path);
  }
  const files: FlowFile[] = [];
  for (const file of names) {
    const info = await stat(file);
    if (info.size > MAX_FILE_BYTES) {
      files.push({ file, problems: [{ code: 'file-too-large', severity: 'error', file, line: 1, col: 1, path: '', message: `file is ${info.size} bytes`, expected: `at most ${MAX_FILE_BYTES} bytes` }] });
      continue;
    }
    files.push(validateFlowText(await readFile(file, 'utf8'), file, options));
  }
  for (const problem of crossFileProblems(files)) {
    const owner = files.find((entry) => entry.file === problem.file);
    if (owner) {
      owner.problems.push(problem);
      delete owner.flow;
    }
  }
  return { files, missing };
}
