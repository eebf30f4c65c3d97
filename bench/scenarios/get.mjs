// Gets: GET one Pod by name (of 1,000 stored) at 1/16/64 concurrent clients.
import { closedLoop, newPool, request } from '../lib/load.mjs';
import { createNamespace, createPods, podsPath } from '../lib/objects.mjs';

export const name = 'get';
export const description = 'GET pod by name/s and latency at 1/16/64 clients (1,000 pods stored)';
// A namespace of its own: with --quick the api-server is shared (ctx.apiServer).
const NS = 'bench-get';

export async function run(ctx) {
  const server = await ctx.apiServer();
  const pool = newPool(server.url);
  const rows = [];
  try {
    await createNamespace(pool, NS);
    const count = 1000;
    await createPods(pool, NS, 'g', count);
    const op = async (i) => (await request(pool, 'GET', `${podsPath(NS)}/g-${i % count}`)).status === 200;
    for (const concurrency of [1, 16, 64]) {
      await closedLoop({ concurrency, durationMs: ctx.scale(concurrency === 1 ? 1000 : 500, 100), op });
      const cpu0 = server.cpuSeconds();
      const r = await closedLoop({ concurrency, durationMs: ctx.scale(2000, 400), op });
      const serverCpu = (server.cpuSeconds() - cpu0) / r.seconds;
      ctx.log(`get c=${concurrency}: ${r.opsPerSec}/s p50 ${r.p50} p99 ${r.p99} ms`);
      rows.push({ op: 'get', ...r, serverCpuPct: Math.round(serverCpu * 100) });
    }
  } finally {
    await pool.close();
    await server.stop();
  }
  return rows;
}
