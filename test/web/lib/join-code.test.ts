import { formatPin, parseJoinCode, playUrl } from '../../../web/src/lib/join-code';

// What a player types (or scans) to reach a game.

test('six digits are a PIN, spaces and all; anything else that is a valid id is a quiz id', () => {
  expect(parseJoinCode('482913')).toEqual({ pin: '482913' });
  expect(parseJoinCode(' 482 913 ')).toEqual({ pin: '482913' });
  expect(parseJoinCode('demo-mx5l6pha')).toEqual({ quizId: 'demo-mx5l6pha' });
  expect(parseJoinCode('48291')).toEqual({ quizId: '48291' });
  expect(parseJoinCode('not an id')).toBeUndefined();
  expect(parseJoinCode('__proto__')).toBeUndefined();
  expect(parseJoinCode('')).toBeUndefined();
});

test('a PIN reads in two groups of three', () => {
  expect(formatPin('482913')).toBe('482 913');
  expect(formatPin('abc')).toBe('abc');
});

test('the play URL carries the PIN when there is one, else the quiz id, beside the current page', () => {
  expect(playUrl('http://10.0.0.5:8090/host.html?quiz=x#top', 'x', '482913')).toBe('http://10.0.0.5:8090/play.html?pin=482913');
  expect(playUrl('http://10.0.0.5:8090/scoreboard.html?quiz=old', 'old', null)).toBe('http://10.0.0.5:8090/play.html?quiz=old');
});
