import { join } from 'node:path';

// Where the build step (web/build.ts) writes the pages and push (push/web-pages.ts) serves them
// from. Nothing else here: push imports this, and must not load the build's bundler.

export const WEB_ROOT = __dirname;
export const WEB_DIST = join(WEB_ROOT, 'dist');
/** Written last into a build's output: the hash of its sources and when it was built. */
export const BUILD_STAMP = 'build-stamp.json';
