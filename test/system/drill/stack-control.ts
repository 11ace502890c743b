import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, type DrillStack } from './config';

// Stops and starts single services of the private stack through infra/stack.sh, the same script
// developers use, so the drill exercises real process stops (Kafka's controlled shutdown, Redis'
// SHUTDOWN NOSAVE: it comes back empty, ClickHouse's stop) rather than simulated failures.

export type Service = 'kafka' | 'registry' | 'redis' | 'clickhouse';

export function stackCommand(stack: DrillStack, args: string[]): Promise<void> {
  if (Object.keys(stack.stackEnv).length === 0) {
    // Refuse to touch the shared stack: only the smoke drill runs there, and it stops nothing.
    return Promise.reject(new Error(`refusing "stack.sh ${args.join(' ')}" on the shared stack`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'infra', 'stack.sh'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...stack.stackEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`stack.sh ${args.join(' ')} exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

export const stopService = (stack: DrillStack, s: Service) => stackCommand(stack, ['stop', s]);
/** Cluster stack only: one member (kafka-1..3, redis-1..6) SIGKILLed, or started again. */
export const killMember = (stack: DrillStack, member: string) => stackCommand(stack, ['kill', member]);
export const startMember = (stack: DrillStack, member: string) => stackCommand(stack, ['start', member]);
export const startService = (stack: DrillStack, s: Service) => stackCommand(stack, ['start', s]);
