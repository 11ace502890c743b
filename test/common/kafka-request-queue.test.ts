// kafkajs 2.2.4 is no longer maintained; patches/kafkajs+2.2.4.patch (applied on install) stops an
// idle connection's request queue from rescheduling its check every millisecond. These tests read
// kafkajs' own queue, so they fail if the patch is not applied.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (o: Record<string, unknown>) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue() {
  return new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1_000, enforceRequestTimeout: true, clientId: 'test', broker: 'b:1', logger: silent });
}

test('an idle queue that is not throttled schedules no check', () => {
  const q = queue();
  q.scheduleCheckPendingRequests();
  expect(q.throttleCheckTimeoutId).toBeFalsy();
});

test('a throttled queue still checks when the throttle ends, and one with pending requests soon', () => {
  const throttled = queue();
  throttled.throttledUntil = Date.now() + 5_000;
  throttled.scheduleCheckPendingRequests();
  expect(throttled.throttleCheckTimeoutId).toBeTruthy();
  clearTimeout(throttled.throttleCheckTimeoutId!);

  const busy = queue();
  busy.pending.push({});
  busy.scheduleCheckPendingRequests();
  expect(busy.throttleCheckTimeoutId).toBeTruthy();
  clearTimeout(busy.throttleCheckTimeoutId!);
});
