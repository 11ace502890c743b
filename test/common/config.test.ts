import { ConfigError } from '../../common/errors';
import { loadIngestOptions } from '../../ingest/options';
import { loadPushOptions } from '../../push/options';

// INGEST_TRUST_PROXY and PUSH_TRUST_PROXY: which X-Forwarded-For entries a tier believes. "true"
// would let a client choose its own rate-limit key, so only hop counts and proxy addresses pass.

const loaders = [
  ['INGEST_TRUST_PROXY', (v: string) => loadIngestOptions({ INGEST_TRUST_PROXY: v }).trustProxy],
  ['PUSH_TRUST_PROXY', (v: string) => loadPushOptions({ PUSH_TRUST_PROXY: v }).trustProxy],
] as const;

describe.each(loaders)('%s', (name, load) => {
  test('takes a hop count, or addresses, CIDRs and named ranges; off by default', () => {
    expect(name.endsWith('TRUST_PROXY')).toBe(true);
    expect(load('false')).toBe(false);
    expect(load('')).toBe(false);
    expect(load('1')).toBe(1);
    expect(load('2')).toBe(2);
    expect(load('10.0.0.0/8, 192.168.1.7,fd00::/8, loopback')).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']);
  });

  test('refuses "true" (it believes the client-written left-most entry) and anything not an address', () => {
    expect(() => load('true')).toThrow(ConfigError);
    expect(() => load('true')).toThrow(new RegExp(`${name}: "true" would believe an X-Forwarded-For the client wrote`));
    for (const bad of ['yes', '10.0.0.0/33', '10.0.0/8', 'fd00::/129', '1.2.3.4/8/1', 'example.com', '999']) {
      expect(() => load(bad)).toThrow(new RegExp(name));
    }
  });
});

test('both default to trusting no proxy', () => {
  expect(loadIngestOptions({}).trustProxy).toBe(false);
  expect(loadPushOptions({}).trustProxy).toBe(false);
});
