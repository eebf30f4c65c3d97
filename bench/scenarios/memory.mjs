// Memory: RSS of the api-server process (VmRSS from /proc/PID/status) before and after storing 100,000 pods, with
// the memory store and with SQLite (plus the database and WAL file sizes), then the time and size of one list of
// every pod and the peak RSS (VmHWM) that list caused. The SQLite fill uses synchronous=NORMAL only to keep the run
// short: memory and file size do not depend on it (create rates under FULL are the create scenario's business).
import { performance } from 'node:perf_hooks';
import { closedLoop, expectOk, newPool, request } from '../lib/load.mjs';
import { createNamespace, podBody, podsPath } from '../lib/objects.mjs';
import { startApiServer } from '../lib/procs.mjs';
import { round } from '../lib/stats.mjs';

export const name = 'memory';
export const description = 'api-server RSS and SQLite file size with 100,000 pods stored; list-all time';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MiB = (kib) => round(kib / 1024, 1);

async function heapUsedBytes(pool) {
  const text = expectOk(await request(pool, 'GET', '/metrics'), 'metrics').body;
  return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN);
}

export async function run(ctx) {
  const count = ctx.scale(100_000, 10_000);
  const rows = [];
  for (const storage of ['memory', 'sqlite']) {
    const server = await startApiServer(storage === 'memory' ? { storage } : { storage, synchronous: 'NORMAL' });
    const pool = newPool(server.url);
    try {
      await createNamespace(pool, 'mem');
      await sleep(500);
      const before = server.status();
      const heapBefore = await heapUsedBytes(pool);
      const fill = await closedLoop({
        concurrency: 64,
        durationMs: 240_000,
        maxOps: count,
        op: async (i) => (await request(pool, 'POST', podsPath('mem'), podBody(`m-${i}`, { shard: String(i % 100) }))).status === 201,
      });
      if (fill.ops !== count) throw new Error(`stored only ${fill.ops} of ${count} pods (${fill.errors} errors; ${fill.firstError ?? ''})`);
      await sleep(2000);
      const after = server.status();
      const heapAfter = await heapUsedBytes(pool);
      const files = server.dbBytes();
      const t0 = performance.now();
      const list = expectOk(await request(pool, 'GET', podsPath('mem')), 'list all');
      const listMs = performance.now() - t0;
      const items = JSON.parse(list.body).items.length;
      if (items !== count) throw new Error(`list returned ${items} pods, expected ${count}`);
      const afterList = server.status();
      ctx.log(`memory ${storage}: ${count} pods at ${fill.opsPerSec}/s, RSS ${MiB(before.rssKiB)} -> ${MiB(after.rssKiB)} MiB; list all ${Math.round(listMs)} ms`);
      rows.push({
        storage: storage === 'sqlite' ? 'sqlite (NORMAL)' : storage,
        pods: count,
        fillPerSec: fill.opsPerSec,
        rssBeforeMiB: MiB(before.rssKiB),
        rssAfterMiB: MiB(after.rssKiB),
        bytesPerPod: Math.round(((after.rssKiB - before.rssKiB) * 1024) / count),
        heapUsedMiB: round((heapAfter) / 2 ** 20, 1),
        heapPerPod: Math.round((heapAfter - heapBefore) / count),
        dbMiB: storage === 'sqlite' ? round(files.db / 2 ** 20, 1) : undefined,
        walMiB: storage === 'sqlite' ? round(files.wal / 2 ** 20, 1) : undefined,
        listAllMs: Math.round(listMs),
        listAllMiB: round(list.body.length / 2 ** 20, 1),
        peakRssMiB: MiB(afterList.hwmKiB),
      });
    } finally {
      await pool.close();
      await server.stop();
    }
  }
  return rows;
}

export function summarize(results) {
  return results.memory.map((r) => `memory with ${r.pods} pods (${r.storage}): RSS ${r.rssAfterMiB} MiB (${r.bytesPerPod} B/pod over the empty server), peak ${r.peakRssMiB} MiB after a list of all${r.dbMiB !== undefined ? `; SQLite file ${r.dbMiB} MiB + WAL ${r.walMiB} MiB` : ''}`);
}
