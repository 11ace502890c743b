import type { Config } from '../../common/config';
import { loadProcessorOptions, type ProcessorOptions } from '../../processors/options';
import { createProcessorApp, type Processor } from '../../processors/app';
import { buildProcessorDeps } from '../../processors/deps';
import { onCleanup } from './cleanup';
import { testConfig, testLog } from './stack';

// A processor running inside the test process, on this file's topics and its own consumer group.

export interface ProcessorTestSetup {
  config: Config;
  options: ProcessorOptions;
}

/** This file's topics, its own consumer group, a short snapshot window and small chunks. */
export function processorTestConfig(prefix: string, groupId: string, overrides: Partial<ProcessorOptions> = {}): ProcessorTestSetup {
  return {
    config: { ...testConfig, kafka: { ...testConfig.kafka, topicPrefix: prefix } },
    options: { ...loadProcessorOptions({}), groupId, snapshotThrottleMs: 200, batchMaxMessages: 100, sessionTimeoutMs: 6_000, ...overrides },
  };
}

export async function startTestProcessor({ config, options }: ProcessorTestSetup): Promise<Processor> {
  const processor = createProcessorApp(buildProcessorDeps(config, options, testLog));
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
