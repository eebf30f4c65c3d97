// Scheduler: a real api-server and scheduler as child processes, 1,000 nodes and 10,000 pods created as fast as
// the api-server takes them (apps/scheduler/bench/dist/bench.js): pods bound per second from first create to last
// bind, attempt latency p50/p99 from the scheduler's histogram, and its CPU and memory.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

export const name = 'scheduler';
export const description = 'pods bound per second with 1,000 nodes and 10,000 pods; attempt latency; scheduler CPU and RSS';

const run_ = promisify(execFile);
const script = resolve(import.meta.dirname, '../../apps/scheduler/bench/dist/bench.js');

export async function run(ctx) {
  const rows = [];
  for (const storage of ['memory', 'sqlite']) {
    const nodes = ctx.scale(1000, 50);
    const pods = ctx.scale(10_000, 300);
    const { stdout } = await run_(process.execPath, [script, '--nodes', String(nodes), '--pods', String(pods), '--storage', storage], {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const r = JSON.parse(stdout.slice(stdout.indexOf('{')));
    ctx.log(`scheduler ${storage}: ${r.bound}/${pods} bound at ${r.podsBoundPerSecond}/s`);
    rows.push({ storage, ...r });
  }
  return rows;
}
