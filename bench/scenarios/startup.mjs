// Start-up over a large store: a SQLite file holding 100,000 bound pods (10,000 with --quick), written in-process
// through the api-server's own SqliteStore, then (1) in this process: opening the store, the Node authorizer's
// NodeGraph.fromStore (what start-up waits for) and the first graph query (which completes the index if the
// background slices have not), the RBAC index; (2) the api-server process started on that data directory
// (--authorization-mode Node,RBAC, the default): spawn to its "listening" line. SKIFF_BENCH_API_SERVER_MAIN (another
// build's dist/main.js) measures that build, both parts: its dist directory is the main's.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { API_SERVER_MAIN } from '../lib/procs.mjs';
import { round } from '../lib/stats.mjs';

export const name = 'startup';
export const description = 'start-up over 100,000 stored pods: store open, NodeGraph and RBAC index build, api-server spawn to listening';

const DIST = dirname(API_SERVER_MAIN);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function boundPod(i) {
  const ns = `ns-${i % 50}`;
  const name = `pod-${i}`;
  return {
    key: { resource: 'pods', namespace: ns, name },
    obj: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, uid: `uid-${i}`, labels: { app: `app-${i % 100}` }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${i % 100}`, uid: `rs-${i % 100}`, controller: true }] },
      spec: {
        nodeName: `node-${i % 100}`,
        serviceAccountName: 'default',
        containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }],
        volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'kube-root-ca.crt' } }] } }],
      },
      status: { phase: 'Running', podIP: `10.0.${(i >> 8) & 255}.${i & 255}` },
    },
  };
}

/** untilListening spawns the api-server on dataDir and resolves the ms from spawn to its "listening" log line. */
function untilListening(dataDir) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [API_SERVER_MAIN, '--listen', '127.0.0.1:0', '--secure-port', '0', '--data-dir', dataDir, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d) => {
      out += d;
      if (/api-server listening/.test(out)) {
        const ms = performance.now() - t0;
        child.once('exit', () => resolve(ms));
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      if (!/api-server listening/.test(out)) reject(new Error(`api-server exited ${code} before listening:\n${out.slice(-2000)}`));
    });
  });
}

export async function run(ctx) {
  const count = ctx.scale(100_000, 5000);
  const { SqliteStore } = await import(pathToFileURL(join(DIST, 'storage/sqlite-store.js')).href);
  const { NodeGraph } = await import(pathToFileURL(join(DIST, 'auth/node-graph.js')).href);
  const { RbacIndex } = await import(pathToFileURL(join(DIST, 'auth/rbac/rbac-index.js')).href);
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-startup-'));
  try {
    ctx.log(`startup: writing ${count} pods`);
    const fill = SqliteStore.open({ path: join(dataDir, 'skiff.db'), synchronous: 'NORMAL' });
    for (let i = 0; i < count; i++) {
      const { key, obj } = boundPod(i);
      fill.create(key, obj);
      if (i % 5000 === 4999) await fill.sync();
    }
    await fill.sync();
    fill.close();

    let t = performance.now();
    const store = SqliteStore.open({ path: join(dataDir, 'skiff.db') });
    const openMs = performance.now() - t;
    t = performance.now();
    const { graph, stop } = NodeGraph.fromStore(store);
    const nodeGraphMs = performance.now() - t;
    t = performance.now();
    graph.uses('node-7', 'secrets', 'ns-7', 's');
    const firstQueryMs = performance.now() - t;
    t = performance.now();
    const rbac = new RbacIndex(store);
    const rbacIndexMs = performance.now() - t;
    const inProcessLoad = load();
    rbac.close();
    stop();
    store.close();

    ctx.log('startup: starting the api-server on the filled data directory');
    const listeningMs = await untilListening(dataDir);
    return [
      { pods: count, storeOpenMs: round(openMs, 0), nodeGraphFromStoreMs: round(nodeGraphMs, 0), firstNodeQueryMs: round(firstQueryMs, 0), rbacIndexMs: round(rbacIndexMs, 0), loadavg: inProcessLoad },
      { pods: count, apiServerSpawnToListeningMs: round(listeningMs, 0), loadavg: load() },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
