// The floor: a bare Express app (express.json() + res.json(req.body)) answering the same POST body through the same
// undici keep-alive Pool the api-server scenarios use.
import { closedLoop, newPool, request } from '../lib/load.mjs';
import { podBody } from '../lib/objects.mjs';
import { startEchoServer } from '../lib/procs.mjs';

export const name = 'echo';
export const description = 'bare Express JSON echo: POSTs/s and latency at 1/16/64 concurrent clients';

/** echoOp is one echo request through `pool` (a closed loop's op): a new pod body each time, true on a 200. */
export function echoOp(pool) {
  let n = 0;
  return async () => (await request(pool, 'POST', '/api/v1/namespaces/bench/pods', podBody(`echo-${n++}`))).status === 200;
}

export async function run(ctx) {
  const server = await startEchoServer();
  const pool = newPool(server.url);
  const rows = [];
  try {
    const op = echoOp(pool);
    // A fresh server kept speeding up for about 4 s (c=16 in 1 s windows: 741, 1,111, 2,131, 2,644/s, then level), so
    // it warms as long as the api-servers it is compared with have been, or the floor reads low and the ratios high.
    await closedLoop({ concurrency: 16, durationMs: ctx.scale(4000, 300), op });
    for (const concurrency of [1, 16, 64]) {
      await closedLoop({ concurrency, durationMs: ctx.scale(concurrency === 1 ? 1000 : 500, 100), op }); // warm-up
      const cpu0 = server.cpuSeconds();
      const r = await closedLoop({ concurrency, durationMs: ctx.scale(3000, 400), op });
      const serverCpu = (server.cpuSeconds() - cpu0) / r.seconds;
      ctx.log(`echo c=${concurrency}: ${r.opsPerSec}/s p50 ${r.p50} p99 ${r.p99} ms`);
      rows.push({ op: 'echo POST', ...r, serverCpuPct: Math.round(serverCpu * 100) });
    }
  } finally {
    await pool.close();
    await server.stop();
  }
  return rows;
}
