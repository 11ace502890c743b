import { checkNodeRuntime } from '../../scripts/node-runtime';

// Jest's globalSetup for both projects: every test log starts with the Node that ran it, and a run
// on an unsupported Node stops here rather than passing on the wrong runtime.
export default function nodeRuntimeSetup(): void {
  process.stdout.write(`${checkNodeRuntime()}\n`);
}
