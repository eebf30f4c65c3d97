// Watch delivery latency: N watchers of one namespace (1, 100, 1,000; over WebSocket and over chunked HTTP) in a
// child process; this process creates pods in that namespace at a modest fixed rate, one at a time, and records
// when each request was sent and when its response arrived. Every (watcher, event) pair yields two latencies:
//   fromResponse = receipt - response arrival at the writer (the commit happened before this: a lower bound), and
//   fromSend     = receipt - request sent (the commit happened after this: an upper bound).
// Both clocks are process.hrtime (CLOCK_MONOTONIC), shared by the two processes.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { expectOk, newPool, request } from '../lib/load.mjs';
import { createNamespace, podBody, podsPath } from '../lib/objects.mjs';
import { startApiServer } from '../lib/procs.mjs';
import { round, summarize as stats } from '../lib/stats.mjs';

export const name = 'watch';
export const description = 'watch delivery latency p50/p99 (write to receipt) with 1/100/1,000 watchers, WebSocket and chunked HTTP';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'watch-worker.mjs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function run(ctx) {
  const server = await startApiServer();
  const pool = newPool(server.url, 4);
  const rows = [];
  try {
    const events = ctx.scale(200, 60);
    const rate = 50;
    for (const transport of ['ws', 'http']) {
      for (const watchers of [1, 100, 1000]) {
        const ns = `watch-${transport}-${watchers}`;
        await createNamespace(pool, ns);
        const row = await measure(ctx, server, pool, { ns, transport, watchers, events, rate });
        ctx.log(`watch ${transport} x${watchers}: fromResponse p50 ${row.p50FromResp} p99 ${row.p99FromResp}; fromSend p99 ${row.p99FromSend} ms; missing ${row.missing}`);
        rows.push(row);
      }
    }
  } finally {
    await pool.close();
    await server.stop();
  }
  return rows;
}

async function measure(ctx, server, pool, { ns, transport, watchers, events, rate }) {
  const worker = fork(WORKER, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  let wake;
  worker.on('message', (m) => {
    messages.push(m);
    wake?.();
  });
  const waitFor = async (type, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = messages.find((x) => x.type === type || x.type === 'error');
      if (m) {
        if (m.type === 'error') throw new Error(`watch worker: ${m.message}`);
        return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise((r) => {
        wake = r;
        setTimeout(r, Math.min(left, 200));
      });
    }
  };
  try {
    const base = process.hrtime.bigint();
    const now = () => Number(process.hrtime.bigint() - base) / 1e6;
    const list = JSON.parse(expectOk(await request(pool, 'GET', podsPath(ns)), 'list').body);
    const path = `${podsPath(ns)}?watch=true&resourceVersion=${list.metadata.resourceVersion}`;
    worker.send({ cmd: 'open', url: server.url, path, count: watchers, events, transport, base: String(base) });
    const opened = await waitFor('opened', 60_000);
    if (!opened) throw new Error(`could not open ${watchers} ${transport} watchers in 60 s`);
    await sleep(200);
    const sent = new Float64Array(events);
    const answered = new Float64Array(events);
    const cpu0 = server.cpuSeconds();
    const start = performance.now();
    for (let k = 0; k < events; k++) {
      const wait = start + (k * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      sent[k] = now();
      expectOk(await request(pool, 'POST', podsPath(ns), podBody(`wb-${k}`)), 'create');
      answered[k] = now();
    }
    const writeSeconds = (performance.now() - start) / 1000;
    await waitFor('done', 10_000);
    const serverCpu = (server.cpuSeconds() - cpu0) / writeSeconds;
    worker.send({ cmd: 'collect' });
    const res = await waitFor('result', 30_000);
    if (!res) throw new Error('watch worker did not report');
    const fromResponse = [];
    const fromSend = [];
    const spread = [];
    let missing = 0;
    for (let k = 0; k < events; k++) {
      let first = Infinity;
      let last = -Infinity;
      for (let w = 0; w < watchers; w++) {
        const t = res.rec[k * watchers + w];
        if (Number.isNaN(t)) {
          missing++;
          continue;
        }
        fromResponse.push(t - answered[k]);
        fromSend.push(t - sent[k]);
        if (t < first) first = t;
        if (t > last) last = t;
      }
      if (last >= first) spread.push(last - first);
    }
    const a = stats(fromResponse);
    const b = stats(fromSend);
    const s = stats(spread);
    const w = stats(Array.from(answered, (t, k) => t - sent[k]));
    return {
      transport,
      watchers,
      events,
      ratePerSec: rate,
      pairs: a.n,
      missing,
      p50FromResp: round(a.p50),
      p99FromResp: round(a.p99),
      maxFromResp: round(a.max),
      p50FromSend: round(b.p50),
      p99FromSend: round(b.p99),
      fanoutSpreadP99: round(s.p99),
      writeP99: round(w.p99),
      serverCpuPct: Math.round(serverCpu * 100),
      watcherProcCpuSec: round(res.cpuSeconds, 1),
    };
  } finally {
    if (worker.connected) worker.disconnect();
    worker.kill();
  }
}


export function summarize(results) {
  return results.watch.map((r) => `watch delivery ${r.transport} x${r.watchers}: p50 ${r.p50FromResp} ms, p99 ${r.p99FromResp} ms from response (${r.p99FromSend} ms from send)${r.watchers === 1000 ? ' (target p99 < 20 ms)' : ''}${r.missing ? `, ${r.missing} MISSING` : ''}`);
}
