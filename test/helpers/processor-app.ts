import type { Config } from '../../common/config';
import { loadProcessorOptions, type ProcessorOptions } from '../../processors/options';
import { createProcessorApp, type Processor } from '../../processors/app';
import { buildProcessorDeps } from '../../processors/deps';
import { onCleanup } from './cleanup';
import { testConfig, testLog } from './stack';

// A processor running inside the test process, on this file's topics and its own consumer group.

export function processorTestConfig(prefix: string, groupId: string, processing: Partial<Config['processing']> = {}): Config {
  return {
    ...testConfig,
    kafka: { ...testConfig.kafka, topicPrefix: prefix, groupId },
    processing: { ...testConfig.processing, snapshotThrottleMs: 200, batchMaxMessages: 100, ...processing },
  };
}

export async function startTestProcessor(config: Config, options: Partial<ProcessorOptions> = {}): Promise<Processor> {
  const processor = createProcessorApp(buildProcessorDeps(config, { ...loadProcessorOptions({}), sessionTimeoutMs: 6_000, ...options }, testLog));
  let stopped = false;
  const stop = processor.stop.bind(processor);
  processor.stop = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
  };
  onCleanup(() => processor.stop());
  await processor.start();
  return processor;
}
