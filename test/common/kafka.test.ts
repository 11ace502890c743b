import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { rememberingKeyPartitioner } from '../../common/kafka';

// The remembering partitioner must send every message where kafkajs's default (the Java clients'
// murmur2) does, or a quiz's events would be split over partitions and lose their order.

const metadata = (n: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

it('picks the partition the default murmur2 partitioner picks, for every key, topic and partition count, also when asked again', () => {
  const ours = rememberingKeyPartitioner();
  const reference = Partitioners.DefaultPartitioner();
  for (const partitions of [1, 3, 12]) {
    for (let i = 0; i < 300; i++) {
      for (const topic of ['quiz.results', 'other.quiz.results']) {
        const args = { topic, partitionMetadata: metadata(partitions), message: { key: `quiz-${i % 150}`, value: 'x' } };
        expect(ours(args)).toBe(reference(args));
      }
    }
  }
});

it('keeps a partition the message names', () => {
  const ours = rememberingKeyPartitioner();
  expect(ours({ topic: 't', partitionMetadata: metadata(12), message: { key: 'quiz-1', value: 'x', partition: 7 } })).toBe(7);
  expect(ours({ topic: 't', partitionMetadata: metadata(12), message: { key: 'quiz-1', value: 'x', partition: 2 } })).toBe(2);
});
