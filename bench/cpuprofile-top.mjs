#!/usr/bin/env node
// Prints the hottest functions of V8 .cpuprofile files (node --cpu-prof), by self time and by inclusive time.
//   node bench/cpuprofile-top.mjs FILE_OR_DIR... [--top 25] [--from SECONDS] [--to SECONDS]
// --from/--to keep only the samples taken that many seconds after the profile started (e.g. the idle window of a
// process, without its start-up and shutdown).
// Used with SKIFF_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- --only create.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' }, from: { type: 'string', default: '0' }, to: { type: 'string', default: 'Infinity' } }, allowPositionals: true });
const files = positionals.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(p, f)) : [p]));
for (const file of files) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const dt = new Map();
  const [fromUs, toUs] = [Number(values.from) * 1e6, Number(values.to) * 1e6];
  let at = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    at += prof.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const label = (n) => {
    const f = n.callFrame;
    const url = f.url.replace(/^file:\/\//, '');
    return `${f.functionName || '(anonymous)'} ${url ? relative(process.cwd(), url) : ''}:${f.lineNumber + 1}`;
  };
  const self = new Map();
  const total = new Map();
  let all = 0;
  for (const [id, us] of dt) {
    all += us;
    const n = byId.get(id);
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur));
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const top = Number(values.top);
  const show = (m, title) => {
    console.log(`\n${title}`);
    for (const [l, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / all).toFixed(1).padStart(5)}%  ${l}`);
  };
  console.log(`${file}: ${(all / 1e6).toFixed(2)} s sampled`);
  show(self, 'self time');
  show(total, 'inclusive time');
}
