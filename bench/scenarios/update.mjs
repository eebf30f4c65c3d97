// Updates: PUT a changed Pod with its current resourceVersion (compare-and-swap), each client on objects of its own
// so there are no conflicts, at 1/16/64 concurrent clients; then an open-loop run at a fixed 500 writes/s for the
// p99 under a steady, moderate load. SQLite synchronous=FULL (the default).
import { closedLoop, newPool, openLoop, request } from '../lib/load.mjs';
import { createNamespace, createPods, podsPath } from '../lib/objects.mjs';

export const name = 'update';
export const description = 'PUT pods/s and latency at 1/16/64 clients, and p99 at a fixed 500 writes/s (SQLite FULL)';
// A namespace of its own: with --quick the api-server is shared (ctx.apiServer).
const NS = 'bench-update';

const PER_WORKER = 16;
const MAX_WORKERS = 64;

export async function run(ctx) {
  const server = await ctx.apiServer();
  const pool = newPool(server.url);
  const rows = [];
  try {
    await createNamespace(pool, NS);
    const objects = await createPods(pool, NS, 'u', PER_WORKER * MAX_WORKERS);
    let conflicts = 0;
    const busy = new Uint8Array(objects.length);
    // put writes object idx with a changed annotation and keeps the answer (with its new resourceVersion).
    const put = async (idx, i) => {
      if (busy[idx]) return false; // only possible if one write lags a whole round behind; counted as an error
      busy[idx] = 1;
      try {
        const obj = objects[idx];
        obj.metadata.annotations = { 'bench/seq': String(i) };
        const r = await request(pool, 'PUT', `${podsPath(NS)}/${obj.metadata.name}`, JSON.stringify(obj));
        if (r.status === 200) {
          objects[idx] = JSON.parse(r.body);
          return true;
        }
        if (r.status === 409) conflicts++;
        return false;
      } finally {
        busy[idx] = 0;
      }
    };
    const perWorker = new Array(MAX_WORKERS).fill(0);
    const op = (i, w) => put(w * PER_WORKER + (perWorker[w]++ % PER_WORKER), i);
    for (const concurrency of [1, 16, 64]) {
      await closedLoop({ concurrency, durationMs: ctx.scale(concurrency === 1 ? 1000 : 500, 100), op });
      const cpu0 = server.cpuSeconds();
      const r = await closedLoop({ concurrency, durationMs: ctx.scale(2000, 400), op });
      const serverCpu = (server.cpuSeconds() - cpu0) / r.seconds;
      ctx.log(`update c=${concurrency}: ${r.opsPerSec}/s p50 ${r.p50} p99 ${r.p99} ms`);
      rows.push({ op: 'update', mode: 'closed', ...r, conflicts, serverCpuPct: Math.round(serverCpu * 100) });
    }
    const rate = 500;
    await openLoop({ rate, durationMs: ctx.scale(500, 100), op: (i) => put(i % objects.length, i) });
    const cpu0 = server.cpuSeconds();
    const durationMs = ctx.scale(10_000, 1000);
    const r = await openLoop({ rate, durationMs, op: (i) => put(i % objects.length, i) });
    const serverCpu = (server.cpuSeconds() - cpu0) / (durationMs / 1000);
    ctx.log(`update open loop ${rate}/s: p50 ${r.p50} p99 ${r.p99} (from schedule ${r.p99FromSchedule}) ms`);
    rows.push({ op: 'update', mode: `open ${rate}/s`, ops: r.ops, errors: r.errors + r.dropped, opsPerSec: r.achievedPerSec, p50: r.p50, p99: r.p99, max: r.max, p99FromSchedule: r.p99FromSchedule, clientCpuPct: r.clientCpuPct, conflicts, serverCpuPct: Math.round(serverCpu * 100), firstError: r.firstError });
  } finally {
    await pool.close();
    await server.stop();
  }
  return rows;
}

export function summarize(results) {
  const open = results.update.find((r) => r.mode?.startsWith('open'));
  if (!open) return [];
  return [`update p99 at ${open.mode}: ${open.p99} ms from send, ${open.p99FromSchedule} ms from schedule (target < 10 ms)`];
}
