/**
 * @module pidsWithArg: which processes are running with a given argument, read from /proc (Linux).
 */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * pidsWithArg lists the processes whose command line has `arg` as one of its arguments: a test that gives its
 * child a unique argument (a data dir, a marker) can check that nothing it started is left running.
 */
export function pidsWithArg(arg: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(arg)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}
