import { commentFrame, eventFrame, formatEvent, parseLastEventId, retryFrame } from '../../push/sse-frames';
import { SseParser } from '../helpers/sse-client';

describe('SSE framing', () => {
  test('an event has its name, id and data lines, and ends with a blank line', () => {
    expect(formatEvent({ event: 'snapshot', id: 42, data: '{"a":1}' })).toBe('event: snapshot\nid: 42\ndata: {"a":1}\n\n');
  });

  test('data with line breaks becomes several data lines that a client joins back with \\n', () => {
    const text = formatEvent({ event: 'x', data: 'one\ntwo\r\nthree\rfour' });
    expect(text).toBe('event: x\ndata: one\ndata: two\ndata: three\ndata: four\n\n');
    expect(new SseParser().push(text)).toEqual([{ event: 'x', id: '', data: 'one\ntwo\nthree\nfour' }]);
  });

  test('a line break in an event name or id is refused instead of letting it start a new field', () => {
    expect(() => formatEvent({ event: 'a\ndata: evil', data: '' })).toThrow(/line break/);
    expect(() => formatEvent({ id: '1\r\nevent: x', data: '' })).toThrow(/line break/);
    expect(() => commentFrame('a\nb')).toThrow(/line break/);
  });

  test('comments and retry advice parse as such and dispatch no event', () => {
    const parser = new SseParser();
    const events = parser.push(commentFrame('hb').toString() + retryFrame(1500).toString() + commentFrame().toString());
    expect(events).toEqual([]);
    expect(parser.comments).toEqual(['hb', '']);
    expect(parser.retryMs).toBe(1500);
  });

  test('frames split at any byte boundary parse to the same events (multi-byte text included)', () => {
    const bytes = Buffer.concat([
      eventFrame({ event: 'snapshot', id: 1, data: JSON.stringify({ name: 'Zoë 🎉' }) }),
      retryFrame(10),
      eventFrame({ event: 'snapshot', id: 2, data: 'b' }),
    ]);
    const whole = new SseParser().push(bytes.toString('utf8'));
    expect(whole.map((e) => e.id)).toEqual(['1', '2']);
    for (let cut = 1; cut < bytes.length; cut++) {
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const got = [
        ...parser.push(decoder.decode(bytes.subarray(0, cut), { stream: true })),
        ...parser.push(decoder.decode(bytes.subarray(cut))),
      ];
      expect(got).toEqual(whole);
    }
  });

  test('Last-Event-ID: the header wins, the query parameter is the fallback, non-numbers count as none', () => {
    expect(parseLastEventId('17', '3')).toBe(17);
    expect(parseLastEventId(undefined, '3')).toBe(3);
    expect(parseLastEventId(' 5 ', undefined)).toBe(5);
    expect(parseLastEventId('abc', '9')).toBe(9);
    expect(parseLastEventId('-1', undefined)).toBeUndefined();
    expect(parseLastEventId('1e3', ['1'])).toBeUndefined();
    expect(parseLastEventId(undefined, undefined)).toBeUndefined();
    expect(parseLastEventId('1234567890123456', undefined)).toBeUndefined();
  });
});
