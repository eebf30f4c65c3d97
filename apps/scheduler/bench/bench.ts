/**
 * @module Scheduler benchmark: a real api-server and scheduler as child processes, N simulated nodes and M pods
 * created as fast as the api-server takes them; prints pods bound per second, attempt latency p50/p99 (from the
 * scheduler's own histogram) and the scheduler's CPU and memory (from its process_* metrics), as JSON.
 * Built apart from the shipped dist/ (tsconfig.bench.json, run by `npm run bench`).
 * Usage: node apps/scheduler/bench/dist/bench.js [--nodes 1000] [--pods 10000] [--storage memory|sqlite] [--scheduler-main PATH]
 * SKIFF_BENCH_SCHEDULER_NODE_ARGS adds node flags to the scheduler and the api-server, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof-sched" (the log names each one's pid).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Node, Pod } from '@skiff/api';
import { createClient } from '@skiff/client';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '10000' },
    storage: { type: 'string', default: 'memory' },
    // Another build of the scheduler (e.g. of an older commit), for an A/B comparison in one sitting.
    'scheduler-main': { type: 'string' },
  },
});
const NODES = Number(values.nodes);
const PODS = Number(values.pods);
const root = resolve(import.meta.dirname, '../../../..');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address();
  await new Promise((r) => s.close(r));
  return typeof addr === 'object' && addr ? addr.port : 0;
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function metric(text: string, name: string, labels = ''): number {
  const re = new RegExp(`^${name}${labels ? `\\{[^}]*${labels}[^}]*\\}` : '(\\{[^}]*\\})?'} ([0-9.e+-]+)$`, 'm');
  return Number(re.exec(text)?.[2 - (labels ? 1 : 0)] ?? re.exec(text)?.[1] ?? NaN);
}

function quantile(text: string, q: number): number {
  const buckets = [...text.matchAll(/^scheduler_scheduling_attempt_duration_seconds_bucket\{le="([^"]+)",result="scheduled"[^}]*\} (\d+)$/gm)].map((m) => [Number(m[1] === '+Inf' ? Infinity : m[1]), Number(m[2])] as const);
  const total = buckets.at(-1)?.[1] ?? 0;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= q * total) {
      if (!Number.isFinite(le)) return prevLe;
      return prevLe + ((le - prevLe) * (q * total - prevCount)) / Math.max(1, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return NaN;
}

const dir = mkdtempSync(join(tmpdir(), 'skiff-sched-bench-'));
const apiPort = await freePort();
const schedPort = await freePort();
const nodeArgs = (process.env['SKIFF_BENCH_SCHEDULER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const api = spawn(process.execPath, [...nodeArgs, join(root, 'apps/api-server/dist/main.js'), '--listen', `127.0.0.1:${apiPort}`, '--data-dir', dir, '--storage', values.storage!, '--log-level', 'warn'], { stdio: 'inherit' });
const server = `http://127.0.0.1:${apiPort}`;
const children: ChildProcess[] = [api];
try {
  await waitFor(`${server}/readyz`, api);
  const client = createClient({ server, connections: 64 });
  const nodes: Node[] = Array.from({ length: NODES }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `sim-${i}`, labels: { 'kubernetes.io/hostname': `sim-${i}` } },
    status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110' }, capacity: { cpu: '32', memory: '128Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  }));
  for (let i = 0; i < nodes.length; i += 64) await Promise.all(nodes.slice(i, i + 64).map((n) => client.nodes.create(n)));
  const sched = spawn(process.execPath, [...nodeArgs, values['scheduler-main'] ?? join(root, 'apps/scheduler/dist/main.js'), '--server', server, '--listen', `127.0.0.1:${schedPort}`, '--leader-elect=false', '--log-level', 'warn'], { stdio: 'inherit' });
  children.push(sched);
  process.stderr.write(`scheduler bench: api-server pid ${api.pid}, scheduler pid ${sched.pid}\n`);
  const metricsUrl = `http://127.0.0.1:${schedPort}/metrics`;
  await waitFor(`http://127.0.0.1:${schedPort}/readyz`, sched);
  const before = await (await fetch(metricsUrl)).text();
  const cpuBefore = metric(before, 'process_cpu_seconds_total');
  const start = performance.now();
  let created = 0;
  const pod = (i: number): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `bench-${i}`, namespace: 'default', labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  });
  const creators = Array.from({ length: 48 }, async () => {
    while (created < PODS) {
      const i = created++;
      await client.pods.create(pod(i));
    }
  });
  await Promise.all(creators);
  const createdAt = performance.now();
  let bound = 0;
  let maxRss = 0;
  let text = '';
  while (bound < PODS) {
    text = await (await fetch(metricsUrl)).text();
    bound = metric(text, 'scheduler_pods_bound_total');
    maxRss = Math.max(maxRss, metric(text, 'process_resident_memory_bytes'));
    if (performance.now() - start > 600_000) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (performance.now() - start) / 1000;
  const result = {
    nodes: NODES,
    pods: PODS,
    bound,
    createSeconds: +((createdAt - start) / 1000).toFixed(2),
    totalSeconds: +seconds.toFixed(2),
    podsBoundPerSecond: Math.round(bound / seconds),
    attemptLatencyP50Ms: +(quantile(text, 0.5) * 1000).toFixed(3),
    attemptLatencyP99Ms: +(quantile(text, 0.99) * 1000).toFixed(3),
    schedulerCpuSeconds: +(metric(text, 'process_cpu_seconds_total') - cpuBefore).toFixed(2),
    schedulerCpuPercent: Math.round(((metric(text, 'process_cpu_seconds_total') - cpuBefore) / seconds) * 100),
    schedulerMaxRssMiB: Math.round(maxRss / 1024 / 1024),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await client.close();
} finally {
  for (const c of children.reverse()) {
    if (c.exitCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    // The 5 s limit's timer is cleared once the child has gone: left pending, it kept this process alive 5 s more.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}
