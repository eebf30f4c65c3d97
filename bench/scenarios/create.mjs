// Creates: POST a new Pod per request, at 1/16/64 concurrent clients, with SQLite synchronous=FULL (the default)
// and NORMAL (opt-in). The summary reports the create rate as a fraction of the Express echo at the same concurrency.
import { closedLoop, newPool, request } from '../lib/load.mjs';
import { createNamespace, podBody, podsPath } from '../lib/objects.mjs';
import { startApiServer } from '../lib/procs.mjs';

export const name = 'create';
export const description = 'POST pods/s and latency at 1/16/64 clients, SQLite FULL and NORMAL; fraction of the echo';
export const needs = ['echo'];

export async function run(ctx) {
  const rows = [];
  for (const synchronous of ['FULL', 'NORMAL']) {
    const server = await startApiServer({ synchronous });
    const pool = newPool(server.url);
    try {
      await createNamespace(pool, 'bench');
      let n = 0;
      const op = async () => (await request(pool, 'POST', podsPath('bench'), podBody(`p-${n++}`))).status === 201;
      for (const concurrency of [1, 16, 64]) {
        await closedLoop({ concurrency, durationMs: ctx.scale(1000, 300), op }); // warm-up
        const cpu0 = server.cpuSeconds();
        const r = await closedLoop({ concurrency, durationMs: ctx.scale(5000, 1500), op });
        const serverCpu = (server.cpuSeconds() - cpu0) / r.seconds;
        ctx.log(`create ${synchronous} c=${concurrency}: ${r.opsPerSec}/s p50 ${r.p50} p99 ${r.p99} ms`);
        rows.push({ op: 'create', sqlite: synchronous, ...r, serverCpuPct: Math.round(serverCpu * 100) });
      }
    } finally {
      await pool.close();
      await server.stop();
    }
  }
  const echo = ctx.results.echo ?? [];
  for (const row of rows) {
    const e = echo.find((x) => x.concurrency === row.concurrency);
    if (e) row.ofEcho = Number((row.opsPerSec / e.opsPerSec).toFixed(2));
  }
  return rows;
}

export function summarize(results) {
  const echo = results.echo ?? [];
  const lines = [];
  for (const sync of ['FULL', 'NORMAL']) {
    const rows = results.create.filter((r) => r.sqlite === sync);
    if (!rows.length) continue;
    const parts = rows.map((r) => {
      const e = echo.find((x) => x.concurrency === r.concurrency);
      return `c=${r.concurrency}: ${r.opsPerSec}/s` + (e ? ` = ${((100 * r.opsPerSec) / e.opsPerSec).toFixed(0)}% of echo ${e.opsPerSec}/s` : '');
    });
    lines.push(`creates (SQLite ${sync}) as a fraction of the Express echo — ${parts.join('; ')} (target >= 60%)`);
  }
  const best = Math.max(...echo.map((e) => e.opsPerSec));
  const bestCreate = Math.max(...results.create.filter((r) => r.sqlite === 'FULL').map((r) => r.opsPerSec));
  if (Number.isFinite(best) && Number.isFinite(bestCreate)) {
    lines.push(`HEADLINE create rate (FULL, best concurrency) ${bestCreate}/s = ${((100 * bestCreate) / best).toFixed(0)}% of the echo's best ${best}/s`);
  }
  return lines;
}
