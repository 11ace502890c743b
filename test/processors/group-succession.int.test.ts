import { createKafka } from '../../common/kafka';
import { redisKeys } from '../../common/redis';
import { leaveGroupAs } from '../../processors/leave-group-request';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { spawnProcessor } from '../helpers/processor-process';
import { eventually, processorTestTopics } from '../helpers/processor-topics';
import { stackClients, testConfig, testLog } from '../helpers/stack';

// A SIGKILLed processor restarted under the same PROCESSOR_INSTANCE_ID removes its dead member from
// the group at start-up. The session and rebalance timeouts are a minute here, so a group that is
// whole again well within that minute can only be the successor's doing.

jest.setTimeout(240_000);

const { redis } = stackClients(1);

async function groupAdmin() {
  const admin = createKafka(testConfig.kafka, testLog, '-test-admin').admin();
  await admin.connect();
  onCleanup(() => admin.disconnect());
  return admin;
}

it('a restarted instance removes its SIGKILLed predecessor at once, not after the session timeout', async () => {
  const { prefix } = await processorTestTopics(2);
  const groupId = uniqueId('succession');
  const env = {
    TOPIC_PREFIX: prefix,
    PROCESSOR_GROUP_ID: groupId,
    PROCESSOR_INSTANCE_ID: 'processor-0',
    PROCESSOR_SESSION_TIMEOUT_MS: '60000',
    PROCESSOR_REBALANCE_TIMEOUT_MS: '60000',
  };
  const admin = await groupAdmin();
  const members = async () => {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state === 'Stable' ? groups[0].members.map((m) => m.memberId) : [];
  };

  const first = spawnProcessor('processor-first', env);
  await eventually(`the first incarnation in the group (${first.tail()})`, async () => (await members()).length === 1, 90_000);
  const [dead] = await members();
  await eventually('its member id recorded', async () => (await redis.get(redisKeys.groupMember(groupId, 'processor-0'))) === dead);
  await first.kill('SIGKILL');

  const restartedAt = Date.now();
  const second = spawnProcessor('processor-second', env);
  await eventually(
    `the group whole with the successor alone (${second.tail()})`,
    async () => {
      const now = await members();
      return now.length === 1 && now[0] !== dead;
    },
    45_000,
  );
  const tookMs = Date.now() - restartedAt;
  testLog.warn({ tookMs }, 'restart to a stable group without the dead member');
  expect(tookMs).toBeLessThan(45_000);
  await eventually('the successor recorded', async () => (await redis.get(redisKeys.groupMember(groupId, 'processor-0'))) === (await members())[0]);
  const code = await second.kill('SIGTERM');
  expect({ code, tail: code === 0 ? '' : second.tail() }).toEqual({ code: 0, tail: '' });
});

it('LeaveGroup for a member the group does not have says so and changes nothing', async () => {
  const groupId = uniqueId('succession-none');
  await expect(leaveGroupAs(testConfig.kafka.brokers, 'test', groupId, 'no-such-member', 10_000)).resolves.toMatchObject({ outcome: 'unknown_member_id' });
});

it('LeaveGroup to a port where no broker listens fails within its deadline', async () => {
  const started = Date.now();
  await expect(leaveGroupAs(['127.0.0.1:1'], 'test', 'g', 'm', 1_000)).rejects.toThrow(/not done within 1000 ms: .*ECONNREFUSED/);
  expect(Date.now() - started).toBeLessThan(3_000);
});
