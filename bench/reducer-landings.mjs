#!/usr/bin/env node
// Where each process's V8 memory reducer landed in an idle run: reads the logs SKIFF_BENCH_IDLE_LOG_DIR kept from a
// run with SKIFF_BENCH_IDLE_NODE_ARGS=--trace-gc and prints each `Mark-Compact (reduce)` as seconds after up (the
// first of the six processes the scenario starts together), with the window [40 s, 70 s) marked.
// With --trace-mutator-utilization too, it also prints why the reducer waited (bench/README.md, "Idle, sixth look"):
// V8 starts it once the young generation's allocation rate is under 0.7% of its scavenge speed, and at idle that rate
// is the start-up's bytes (those of its last 10 GC cycles) averaged over the time since: rate = B / (t - t0). B and
// t0 come from two of the reducer's 8 s checks with no GC between them.
//   node bench/reducer-landings.mjs /tmp/idle-logs [--from 40 --window 30]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/reducer-landings.mjs LOG_DIR [--from 40 --window 30]');
  process.exit(2);
}
const flag = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const from = flag('--from', 40);
const to = from + flag('--window', 30);

// Each chunk of output is prefixed with Date.now() by the scenario; a trace line says "[pid:isolate]   1234 ms: ...".
// The first line carrying both gives the process's start in wall time (a chunk can hold many lines: an upper bound).
const TRACE = /^(?:(\d{13}) )?\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: (.*)$/;
const processes = readdirSync(dir)
  .filter((f) => f.endsWith('.log'))
  .map((f) => {
    let chunkAt = 0;
    let startAt;
    let main;
    const reduces = [];
    const young = [];
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const prefixed = /^(\d{13}) /.exec(line);
      if (prefixed) chunkAt = Number(prefixed[1]);
      const m = TRACE.exec(line);
      if (!m) continue;
      // The main isolate prints first; worker threads (the api-server's commit thread) have their own clock.
      main ??= m[2];
      if (m[2] !== main) continue;
      startAt ??= chunkAt - Number(m[3]);
      if (m[4].startsWith('Mark-Compact (reduce)')) reduces.push(Number(m[3]));
      const mu = /Young generation mutator utilization = [\d.]+ \(mutator_speed=(\d+), gc_speed=(\d+)\)/.exec(m[4]);
      if (mu && reduces.length === 0) young.push({ ms: Number(m[3]), speed: Number(mu[1]), gcSpeed: Number(mu[2]) });
    }
    return { name: f.replace(/\.log$/, ''), startAt, reduces, young };
  })
  .filter((p) => p.startAt !== undefined);

/** startUpBytes fits rate = B / (t - t0) to the last reducer check and one 16 s or more before it, same GC speed. */
function startUpBytes(p) {
  const last = p.young.at(-1);
  const first = last && p.young.find((y) => y.ms <= last.ms - 16_000 && y.gcSpeed === last.gcSpeed && y.speed > last.speed);
  if (!first) return undefined;
  const t0 = (first.speed * first.ms - last.speed * last.ms) / (first.speed - last.speed);
  const bytes = last.speed * (last.ms - t0);
  const threshold = 0.00705 * last.gcSpeed;
  const crossesAt = (p.startAt + t0 + bytes / threshold - up) / 1000;
  return `B ${(bytes / 1e6).toFixed(1)} MB, scavenge ${Math.round(last.gcSpeed / 1000)} KB/ms: rate under ${Math.round(threshold)} B/ms at ${crossesAt.toFixed(1)} s`;
}

const up = Math.min(...processes.filter((p) => p.name !== 'api-server').map((p) => p.startAt));
for (const p of processes) {
  const at = p.reduces.map((ms) => (p.startAt + ms - up) / 1000);
  const marks = at.map((s) => `${s.toFixed(1)}${s >= from && s < to ? '*' : ''}`);
  console.log(`${p.name.padEnd(20)} ${(marks.join(' ') || '(none)').padEnd(20)} ${startUpBytes(p) ?? ''}`);
}
console.log(`(seconds after up; * = inside the window ${from}-${to} s)`);
