#!/usr/bin/env node
// Microbenchmark for the store's write cost: better-sqlite3 with the api-server's schema and write statements
// (change row + object upsert + meta revision), one transaction per write versus group commit (B writes per
// transaction), under synchronous=FULL and NORMAL. Evidence for what group commit would buy the create path.
//   node bench/sqlite-commit.mjs [--writes 3000]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/procs.mjs';
import { podBody } from './lib/objects.mjs';

const require = createRequire(join(REPO_ROOT, 'apps/api-server/package.json'));
const Database = require('better-sqlite3');
const { values } = parseArgs({ options: { writes: { type: 'string', default: '3000' } } });
const WRITES = Number(values.writes);
const json = JSON.stringify({ ...JSON.parse(podBody('x')), status: { phase: 'Pending' }, padding: 'x'.repeat(400) }); // ~ stored pod size

for (const sync of ['FULL', 'NORMAL']) {
  for (const batch of [1, 8, 64]) {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
    const db = new Database(join(dir, 'skiff.db'));
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${sync}`);
    db.exec(`CREATE TABLE meta (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL); INSERT INTO meta VALUES (1, 0);
      CREATE TABLE objects (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL, expires_at INTEGER NULL, json TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID;
      CREATE TABLE changes (revision INTEGER PRIMARY KEY, type TEXT NOT NULL, resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, ts INTEGER NOT NULL, json TEXT NOT NULL, prev_json TEXT NULL);`);
    const insertChange = db.prepare(`INSERT INTO changes (revision, type, resource, namespace, name, ts, json, prev_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT json FROM objects WHERE resource = ? AND namespace = ? AND name = ?))`);
    const upsert = db.prepare(`INSERT INTO objects (resource, namespace, name, revision, expires_at, json) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (resource, namespace, name) DO UPDATE SET revision = excluded.revision, expires_at = excluded.expires_at, json = excluded.json`);
    const setRev = db.prepare('UPDATE meta SET revision = ? WHERE id = 1');
    let rev = 0;
    const txn = db.transaction((n) => {
      for (let i = 0; i < n; i++) {
        rev++;
        insertChange.run(rev, 'ADDED', 'pods', 'bench', `p-${rev}`, Date.now(), json, 'pods', 'bench', `p-${rev}`);
        upsert.run('pods', 'bench', `p-${rev}`, rev, null, json);
      }
      setRev.run(rev);
    });
    const t0 = performance.now();
    for (let done = 0; done < WRITES; done += batch) txn.immediate(Math.min(batch, WRITES - done));
    const s = (performance.now() - t0) / 1000;
    console.log(`synchronous=${sync.padEnd(6)} ${String(batch).padStart(2)} writes/transaction: ${Math.round(WRITES / s).toString().padStart(6)} writes/s, ${((s * 1e6) / WRITES).toFixed(0).padStart(4)} us per write`);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
