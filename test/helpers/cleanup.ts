import { within } from './wait';

// Test helpers register their own cleanup; it runs after each test file, newest first. Every
// cleanup runs even when one before it fails or hangs: a client left open keeps Jest from exiting.
type Cleanup = () => Promise<unknown> | unknown;
const cleanups: Cleanup[] = [];
const CLEANUP_TIMEOUT_MS = 30_000; // thirty seconds for one cleanup, e.g. a consumer leaving its group

export function onCleanup(fn: Cleanup): void {
  cleanups.push(fn);
}

afterAll(async () => {
  const failures: unknown[] = [];
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await within('cleanup', CLEANUP_TIMEOUT_MS, Promise.resolve().then(fn));
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length) throw failures[0];
}, 300_000);
