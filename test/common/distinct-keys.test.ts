import { DistinctKeys } from '../../common/distinct-keys';

test('each key is kept once, placed from 1 in order of first use', () => {
  const keys = new DistinctKeys();
  expect(['rl:ip:1', 'rl:player:a', 'rl:ip:1', 'rl:player:b', 'rl:player:a'].map((k) => keys.placeOf(k))).toEqual([1, 2, 1, 3, 2]);
  expect(keys.keys).toEqual(['rl:ip:1', 'rl:player:a', 'rl:player:b']);
});
