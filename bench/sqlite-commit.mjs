#!/usr/bin/env node
// Microbenchmark for the store's write cost: better-sqlite3 with the api-server's schema and write statements
// (change row + object upsert + meta revision), one transaction per write versus group commit (B writes per
// transaction), under synchronous=FULL and NORMAL. Evidence for what group commit would buy the create path.
// Then the cost of the revision record (skiff.db-revision) on top of each commit: commits without it, with it, and
// with it fdatasynced alternate in one loop, so a loaded machine slows all three alike.
//   node bench/sqlite-commit.mjs [--writes 3000]   (build first: it loads the record from apps/api-server/dist)
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

const { RevisionRecord } = await import(join(REPO_ROOT, 'apps/api-server/dist/storage/revision-record.js'));
for (const sync of ['FULL', 'NORMAL']) {
  for (const batch of [1, 8]) {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
    const db = new Database(join(dir, 'skiff.db'));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${sync}`);
    db.exec('CREATE TABLE changes (revision INTEGER PRIMARY KEY, json TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO changes (revision, json) VALUES (?, ?)');
    let rev = 0;
    const txn = db.transaction((n) => {
      for (let i = 0; i < n; i++) insert.run(++rev, json);
    });
    const record = RevisionRecord.create(join(dir, 'skiff.db-revision'), 0);
    // What the store does (write the record after each commit) and what it does not (also fdatasync it each time).
    const variants = ['commit', 'commit + record', 'commit + record + fdatasync'];
    const spent = [0, 0, 0];
    const commits = Math.ceil(WRITES / batch);
    for (let c = 0; c < commits; c++) {
      const v = c % 3;
      const t0 = performance.now();
      txn.immediate(batch);
      if (v >= 1) record.write(rev);
      if (v === 2) record.flush();
      spent[v] += performance.now() - t0;
    }
    const per = spent.map((ms) => (ms * 1000) / Math.floor(commits / 3));
    console.log(
      `synchronous=${sync.padEnd(6)} ${String(batch).padStart(2)} writes/commit, us per commit: ` +
        variants.map((name, i) => `${name} ${per[i].toFixed(0)}${i ? ` (${signedPercent(per[i] / per[0] - 1)})` : ''}`).join(', '),
    );
    record.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function signedPercent(x) {
  const p = Math.round(x * 100);
  return `${p >= 0 ? '+' : ''}${p}%`;
}
