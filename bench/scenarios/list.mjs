// Lists: GET the pods of one namespace holding 100 pods (about 76 KB of JSON) at 1/16/64 concurrent clients,
// with 1,000 more pods in another namespace so the list is a real namespace filter.
import { closedLoop, newPool, request } from '../lib/load.mjs';
import { createNamespace, createPods, podsPath } from '../lib/objects.mjs';

export const name = 'list';
export const description = 'LIST a 100-pod namespace/s and latency at 1/16/64 clients';
// A namespace of its own: with --quick the api-server is shared (ctx.apiServer).
const NS = 'bench-list';

export async function run(ctx) {
  const server = await ctx.apiServer();
  const pool = newPool(server.url);
  const rows = [];
  try {
    await createNamespace(pool, NS);
    await createNamespace(pool, 'bench-list-other');
    await createPods(pool, NS, 'l', 100);
    await createPods(pool, 'bench-list-other', 'o', 1000);
    let bytes = 0;
    const op = async () => {
      const r = await request(pool, 'GET', podsPath(NS));
      bytes = r.body.length;
      return r.status === 200;
    };
    for (const concurrency of [1, 16, 64]) {
      await closedLoop({ concurrency, durationMs: ctx.scale(concurrency === 1 ? 1000 : 500, 100), op });
      const cpu0 = server.cpuSeconds();
      const r = await closedLoop({ concurrency, durationMs: ctx.scale(2000, 400), op });
      const serverCpu = (server.cpuSeconds() - cpu0) / r.seconds;
      ctx.log(`list c=${concurrency}: ${r.opsPerSec}/s p50 ${r.p50} p99 ${r.p99} ms`);
      rows.push({ op: 'list 100 pods', ...r, serverCpuPct: Math.round(serverCpu * 100), bodyKB: Math.round(bytes / 1024) });
    }
  } finally {
    await pool.close();
    await server.stop();
  }
  return rows;
}
