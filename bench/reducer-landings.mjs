#!/usr/bin/env node
// Where each process's V8 memory reducer landed in an idle run: reads the logs SKIFF_BENCH_IDLE_LOG_DIR kept from a
// run with SKIFF_BENCH_IDLE_NODE_ARGS=--trace-gc and prints each `Mark-Compact (reduce)` as seconds after up (the
// first of the six processes the scenario starts together), with the window [40 s, 70 s) marked.
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
    }
    return { name: f.replace(/\.log$/, ''), startAt, reduces };
  })
  .filter((p) => p.startAt !== undefined);

const up = Math.min(...processes.filter((p) => p.name !== 'api-server').map((p) => p.startAt));
for (const p of processes) {
  const at = p.reduces.map((ms) => (p.startAt + ms - up) / 1000);
  const marks = at.map((s) => `${s.toFixed(1)}${s >= from && s < to ? '*' : ''}`);
  console.log(`${p.name.padEnd(20)} ${marks.join(' ') || '(none)'}`);
}
console.log(`(seconds after up; * = inside the window ${from}-${to} s)`);
