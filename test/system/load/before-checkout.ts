import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './children';

// `--before=<git ref>`: the ingest section also measures ingest as it was at that commit, in the
// same run, beside this checkout's and the bare server. The commit is checked out in a temporary
// git worktree sharing this checkout's node_modules (same dependencies, same Node), and removed
// at the end of the run.

const run = promisify(execFile);

export interface BeforeCheckout {
  ref: string;
  commit: string;
  root: string;
  remove(): Promise<void>;
}

export async function checkOutBefore(ref: string): Promise<BeforeCheckout> {
  const commit = (await run('git', ['rev-parse', '--short', ref], { cwd: ROOT })).stdout.trim();
  const root = join(mkdtempSync(join(tmpdir(), 'qs-before-')), 'checkout');
  await run('git', ['worktree', 'add', '--detach', root, commit], { cwd: ROOT });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return {
    ref,
    commit,
    root,
    remove: async () => {
      await run('git', ['worktree', 'remove', '--force', root], { cwd: ROOT });
    },
  };
}
