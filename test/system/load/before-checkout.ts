import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './children';

// `--before=<git ref>`: the ingest section also measures ingest as it was at that commit, in the
// same run, beside this checkout's and the bare server. The commit's files are exported (git
// archive, so the repository itself is not touched) into a temporary directory sharing this
// checkout's node_modules (same dependencies, same Node), removed at the end of the run.

const run = promisify(execFile);

export interface BeforeCheckout {
  ref: string;
  commit: string;
  root: string;
  remove(): Promise<void>;
}

export async function checkOutBefore(ref: string): Promise<BeforeCheckout> {
  const commit = (await run('git', ['rev-parse', '--short', ref], { cwd: ROOT })).stdout.trim();
  const root = mkdtempSync(join(tmpdir(), 'qs-before-'));
  await run('bash', ['-c', `git archive --format=tar ${commit} | tar -x -C '${root}'`], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return {
    ref,
    commit,
    root,
    remove: async () => rmSync(root, { recursive: true, force: true }),
  };
}
