import { availableParallelism, loadavg } from 'node:os';

// Time bounds in tests are promises about our code, not about a machine shared with other suites:
// on two cores at a load average of 20, every process gets a fraction of a core and a 2 s timer
// can fire seconds late. A bound multiplied by this factor holds the code to the same promise on a
// busy machine; at a load average up to four per core it is the bound itself.

/** 1, or the one-minute load average per core over four when the machine is busier than that. */
export function loadFactor(): number {
  return Math.max(1, loadavg()[0]! / availableParallelism() / 4);
}
