// Test helpers register their own cleanup; it runs after each test file, newest first.
type Cleanup = () => Promise<unknown> | unknown;
const cleanups: Cleanup[] = [];

export function onCleanup(fn: Cleanup): void {
  cleanups.push(fn);
}

afterAll(async () => {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    await fn();
  }
});
