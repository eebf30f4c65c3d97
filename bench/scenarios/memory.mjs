// Memory, disk and big lists: RSS of the api-server process (VmRSS from /proc/PID/status) before and after storing
// 100,000 pods, with the memory store and with SQLite, each measured after two full garbage collections (through
// the inspector: live memory, not garbage V8 has yet to collect) and also without. With SQLite, the server runs
// its compaction every second (--compaction-interval 1s --history-window 1s, default --history-revisions): the
// file is measured as it is after compaction, with dbstat's bytes per table and index. Then the first page of a
// paged list (limit=500, what kubectl and informers ask for) and one unpaged list of every pod, with the peak RSS
// (VmHWM) that caused. The SQLite fill uses synchronous=NORMAL only to keep the run short: memory and file size do
// not depend on it (create rates under FULL are the create scenario's business).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { collectGarbage, inspectorUrl } from '../lib/inspector.mjs';
import { closedLoop, expectOk, newPool, request } from '../lib/load.mjs';
import { createNamespace, podBody, podsPath } from '../lib/objects.mjs';
import { REPO_ROOT, startApiServer } from '../lib/procs.mjs';
import { round } from '../lib/stats.mjs';

export const name = 'memory';
export const description = 'api-server RSS per pod and SQLite bytes per pod after compaction with 100,000 pods; first page (limit=500) and list-all';

const require = createRequire(join(REPO_ROOT, 'apps/api-server/package.json'));
const Database = require('better-sqlite3');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MiB = (kib) => round(kib / 1024, 1);

async function heapUsedBytes(pool) {
  const text = expectOk(await request(pool, 'GET', '/metrics'), 'metrics').body;
  return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN);
}

/** dbstat sums the pages of each table and index of the SQLite file (sqlite's dbstat virtual table). */
function dbstat(path) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all();
    const changes = db.prepare('SELECT COUNT(*) AS n FROM changes').get().n;
    return { byName: Object.fromEntries(rows.map((r) => [r.name, r.bytes])), changes };
  } finally {
    db.close();
  }
}

async function timed(pool, path) {
  const t0 = performance.now();
  const r = expectOk(await request(pool, 'GET', path), `GET ${path}`);
  return { ms: performance.now() - t0, body: r.body };
}

export async function run(ctx) {
  const count = ctx.scale(100_000, 1000);
  const storages = ['memory', 'sqlite'];
  // Both servers are filled side by side (fillPerSec is each one's rate while the other fills too: half the
  // machine), then measured one at a time: RSS after full GCs and the file after compaction do not depend on how
  // fast they were filled, and the list timings run with the other server idle.
  const servers = await Promise.all(
    storages.map(async (storage) => {
      const opts = storage === 'memory' ? { storage } : { storage, synchronous: 'NORMAL', args: ['--compaction-interval', '1s', '--history-window', '1s'] };
      const server = await startApiServer({ ...opts, nodeArgs: ['--inspect=127.0.0.1:0'] });
      return { storage, server, pool: newPool(server.url), gc: () => collectGarbage(inspectorUrl(server.output())) };
    }),
  );
  try {
    for (const s of servers) await createNamespace(s.pool, 'mem');
    await sleep(ctx.scale(500, 100));
    for (const s of servers) {
      await s.gc();
      s.before = s.server.status();
      s.heapBefore = await heapUsedBytes(s.pool);
    }
    await Promise.all(
      servers.map(async (s) => {
        s.fill = await closedLoop({
          concurrency: 64,
          durationMs: 600_000, // a bound for a loaded machine (side by side, each fill gets half of it)
          maxOps: count,
          op: async (i) => (await request(s.pool, 'POST', podsPath('mem'), podBody(`m-${i}`, { shard: String(i % 100) }))).status === 201,
        });
        if (s.fill.ops !== count) throw new Error(`${s.storage}: stored only ${s.fill.ops} of ${count} pods (${s.fill.errors} errors; ${s.fill.firstError ?? ''})`);
      }),
    );
    // Two compaction passes (every second; history older than a second goes, the newest 10,000 changes stay). The
    // quick run's 1,000 pods are fewer changes than compaction keeps: one pass is enough to see that it ran.
    await sleep(ctx.scale(2500, 1100));
    const rows = [];
    for (const s of servers) rows.push(await measure(ctx, s, count));
    return rows;
  } finally {
    for (const s of servers) {
      await s.pool.close();
      await s.server.stop();
    }
  }
}

/** measure reads what a filled server holds: RSS and heap after GC, the file after compaction, list timings. */
async function measure(ctx, { storage, server, pool, gc, before, heapBefore, fill }, count) {
  const noGc = server.status();
  await gc();
  await sleep(ctx.scale(500, 100));
  const after = server.status();
  const heapAfter = await heapUsedBytes(pool);
  const files = server.dbBytes();
  // The first page of a paged list, as kubectl and informers ask (the best of 5, and the worst).
  const pages = [];
  for (let i = 0; i < 5; i++) {
    const p = await timed(pool, `${podsPath('mem')}?limit=500`);
    const body = JSON.parse(p.body);
    if (body.items.length !== 500 || !body.metadata.continue) throw new Error(`first page: ${body.items.length} items, continue ${body.metadata.continue}`);
    pages.push(p.ms);
  }
  const list = await timed(pool, podsPath('mem'));
  const items = JSON.parse(list.body).items.length;
  if (items !== count) throw new Error(`list returned ${items} pods, expected ${count}`);
  const afterList = server.status();
  const podJsonBytes = Math.round(Buffer.byteLength(list.body) / count);
  const row = {
    storage: storage === 'sqlite' ? 'sqlite (NORMAL)' : storage,
    pods: count,
    fillPerSec: fill.opsPerSec,
    rssBeforeMiB: MiB(before.rssKiB),
    rssAfterMiB: MiB(after.rssKiB),
    bytesPerPod: Math.round(((after.rssKiB - before.rssKiB) * 1024) / count),
    bytesPerPodNoGc: Math.round(((noGc.rssKiB - before.rssKiB) * 1024) / count),
    heapPerPod: Math.round((heapAfter - heapBefore) / count),
    podJsonBytes,
    firstPageMs: round(Math.min(...pages)),
    firstPageMaxMs: round(Math.max(...pages)),
    listAllMs: Math.round(list.ms),
    listAllMiB: round(list.body.length / 2 ** 20, 1),
    peakRssMiB: MiB(afterList.hwmKiB),
  };
  if (storage === 'sqlite') {
    const stat = dbstat(join(server.dataDir, 'skiff.db'));
    const per = (n) => Math.round((stat.byName[n] ?? 0) / count);
    Object.assign(row, {
      dbMiB: round(files.db / 2 ** 20, 1),
      walMiB: round(files.wal / 2 ** 20, 1),
      diskPerPod: Math.round((files.db + files.wal) / count),
      diskOfJson: round((files.db + files.wal) / count / podJsonBytes),
      changeRows: stat.changes,
      objectsTablePerPod: per('objects'),
      changesTablePerPod: per('changes'),
    });
  }
  ctx.log(`memory ${storage}: ${count} pods at ${fill.opsPerSec}/s, RSS ${MiB(before.rssKiB)} -> ${MiB(after.rssKiB)} MiB after GC (${MiB(noGc.rssKiB)} before); first page ${row.firstPageMs} ms; list all ${row.listAllMs} ms`);
  return row;
}

export function summarize(results) {
  const lines = [];
  for (const r of results.memory) {
    let line = `memory with ${r.pods} pods (${r.storage}): ${r.bytesPerPod} B RSS/pod after GC (${r.bytesPerPodNoGc} before GC; aim <= 4096), pod JSON ${r.podJsonBytes} B`;
    if (r.diskPerPod !== undefined) line += `; disk ${r.diskPerPod} B/pod after compaction = ${r.diskOfJson}x the JSON (aim <= 2x; objects ${r.objectsTablePerPod} B/pod, ${r.changeRows} change rows ${r.changesTablePerPod} B/pod)`;
    lines.push(line);
    lines.push(`list of ${r.pods} pods (${r.storage}): first page (limit=500) ${r.firstPageMs} ms (worst of 5 ${r.firstPageMaxMs}; aim < 50 ms); unpaged ${r.listAllMs} ms, ${r.listAllMiB} MiB, peak RSS ${r.peakRssMiB} MiB`);
  }
  return lines;
}
