// Controller manager: (1) failover — the time from a node agent's SIGKILL to all of its replicas Running on other
// nodes, measured with short timings (grace 4 s, tolerations 2 s) and computed for the defaults (grace 40 s,
// tolerations 300 s); (2) reconcile throughput — a Deployment scaled from 0 to 5,000 replicas on 500 simulated
// nodes, time until every replica is Running and Ready. Every process is real: api-server, scheduler,
// controller-manager and simulated node agents, started from their built dist/main.js.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT } from '../lib/procs.mjs';
import { apiWrites } from '../lib/api-metrics.mjs';

export const name = 'controller-manager';
export const description = 'node failover time (short timings measured, defaults computed); 0 to 5,000 replicas on 500 simulated nodes';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Cluster runs the built components as child processes and cleans them up. */
export class Cluster {
  children = new Map();
  dir = mkdtempSync(join(tmpdir(), 'skiff-bench-cm-'));

  start(name, app, args) {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps', app, 'dist', 'main.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (d) => (tail = (tail + d.toString()).slice(-4000)));
    child.tail = () => tail;
    this.children.set(name, child);
    return child;
  }

  async up({ agents, simulatedNodes = 0, apiArgs = [], cmArgs = [], agentArgs = [] }) {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.start('api-server', 'api-server', ['--listen', `127.0.0.1:${port}`, '--secure-port', '0', '--bind-address', '127.0.0.1', '--data-dir', this.dir, '--log-level', 'warn', ...apiArgs]);
    await this.until(async () => (await fetch(`${this.url}/readyz`)).ok, 15_000, 'api-server');
    this.start('scheduler', 'scheduler', ['--server', this.url, '--leader-elect=false', '--listen', '127.0.0.1:0', '--log-level', 'warn']);
    this.start('controller-manager', 'controller-manager', ['--server', this.url, '--leader-elect=false', '--listen', '127.0.0.1:0', '--log-level', 'warn', ...cmArgs]);
    for (let i = 0; i < agents; i++) {
      const extra = simulatedNodes ? ['--simulated-nodes', String(simulatedNodes)] : [];
      this.start(`agent-${i}`, 'node-agent', ['--server', this.url, '--node-name', `agent-${i}`, '--runtime', 'simulated', '--listen', '127.0.0.1:0', '--log-level', 'warn', ...extra, ...agentArgs]);
    }
    const want = simulatedNodes ? simulatedNodes * agents : agents;
    await this.until(async () => (await this.readyNodes()) === want, 120_000, `${want} Ready nodes`);
  }

  async get(path) {
    const r = await fetch(this.url + path);
    if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
    return r.json();
  }

  async send(method, path, body, type = 'application/json') {
    const r = await fetch(this.url + path, { method, headers: { 'Content-Type': type }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  }

  async readyNodes() {
    const nodes = await this.get('/api/v1/nodes');
    return nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  }

  async until(check, timeoutMs, what, everyMs = 200) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (await check()) return;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(everyMs);
    }
  }

  kill(name, signal = 'SIGKILL') {
    const c = this.children.get(name);
    if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((r) => {
      c.once('exit', r);
      c.kill(signal);
    });
  }

  async down() {
    for (const name of [...this.children.keys()].reverse()) await this.kill(name, 'SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function deployment(name, replicas) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
    },
  };
}

const ready = (p) => p.status?.phase === 'Running' && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** The failover cluster's timings. Quick: a second off each (the node lease still renews four times within the grace period). */
function failoverTimings(ctx) {
  return { graceS: ctx.scale(4, 3), tolerationS: ctx.scale(2, 1) };
}

/** upForFailover starts a cluster of three agents with the failover's short grace and toleration. */
async function upForFailover(ctx, c) {
  const { graceS, tolerationS } = failoverTimings(ctx);
  await c.up({
    agents: 3,
    apiArgs: ['--default-not-ready-toleration-seconds', String(tolerationS), '--default-unreachable-toleration-seconds', String(tolerationS)],
    cmArgs: ['--node-monitor-period', '500ms', '--node-monitor-grace-period', `${graceS}s`, '--node-eviction-rate', '100'],
    agentArgs: ['--simulated-start-delay', '200ms', '--node-lease-duration-seconds', String(graceS), '--node-status-update-frequency', '1s'],
  });
}

async function failover(ctx) {
  const c = new Cluster();
  try {
    await upForFailover(ctx, c);
    return await measureFailover(ctx, c);
  } finally {
    await c.down();
  }
}

/** measureFailover kills one of the three agents under a Deployment of 6 and times its replicas' move. */
async function measureFailover(ctx, c) {
  const { graceS, tolerationS } = failoverTimings(ctx);
  await c.send('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('web', 6));
  const pods = async () => (await c.get('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).items.filter((p) => !p.metadata.deletionTimestamp);
  await c.until(async () => (await pods()).filter(ready).length === 6, 60_000, '6 replicas');
  const victim = 'agent-1';
  const onVictim = (await pods()).filter((p) => p.spec.nodeName === victim).length;
  const t0 = performance.now();
  await c.kill(victim);
  await c.until(async () => {
    const ps = await pods();
    return ps.length === 6 && ps.every((p) => ready(p) && p.spec.nodeName !== victim);
  }, 120_000, 'replicas to recover', 100);
  const seconds = (performance.now() - t0) / 1000;
  ctx.log(`failover: ${onVictim} replicas moved in ${seconds.toFixed(1)} s (grace ${graceS} s + toleration ${tolerationS} s)`);
  const overhead = seconds - graceS - tolerationS;
  return [
    { case: `measured (grace ${graceS} s, toleration ${tolerationS} s)`, replicasOnKilledNode: onVictim, seconds: +seconds.toFixed(2), overheadSeconds: +overhead.toFixed(2), aimSeconds: graceS + tolerationS + 3 },
    { case: 'defaults (grace 40 s, toleration 300 s), computed', replicasOnKilledNode: onVictim, seconds: +(40 + 300 + overhead).toFixed(2), overheadSeconds: +overhead.toFixed(2), aimSeconds: 343 },
  ];
}

const SCALE_UP_AGENT_ARGS = ['--simulated-start-delay', '100ms', '--node-status-update-frequency', '30s'];

async function scaleUp(ctx) {
  const nodes = ctx.scale(500, 20);
  const c = new Cluster();
  try {
    ctx.log(`scale-up: starting ${nodes} simulated nodes`);
    await c.up({ agents: 1, simulatedNodes: nodes, apiArgs: ['--storage', 'memory'], agentArgs: SCALE_UP_AGENT_ARGS });
    return await measureScaleUp(ctx, c, `on ${nodes} simulated nodes`);
  } finally {
    await c.down();
  }
}

/**
 * Quick: both rows on one cluster (one api-server, scheduler and controller-manager to start, not two of each):
 * the failover first, then an agent of 20 simulated nodes joins (its leases at the failover's grace, which the
 * cluster's node monitor holds them to) for the scale-up, which also uses the failover's two live nodes and SQLite.
 */
async function failoverThenScaleUp(ctx) {
  const nodes = 20;
  const c = new Cluster();
  try {
    await upForFailover(ctx, c);
    const rows = await measureFailover(ctx, c);
    ctx.log(`scale-up: starting ${nodes} simulated nodes`);
    const live = await c.readyNodes();
    // The failover's writes are not the scale-up's; the new nodes' registrations are, as in a full run.
    const writesBefore = await apiWrites(c.url);
    c.start('agent-sim', 'node-agent', ['--server', c.url, '--node-name', 'agent-sim', '--runtime', 'simulated', '--listen', '127.0.0.1:0', '--log-level', 'warn', '--simulated-nodes', String(nodes), ...SCALE_UP_AGENT_ARGS, '--node-lease-duration-seconds', String(failoverTimings(ctx).graceS)]);
    await c.until(async () => (await c.readyNodes()) === live + nodes, 120_000, `${live + nodes} Ready nodes`);
    return [...rows, ...(await measureScaleUp(ctx, c, `on ${nodes} simulated nodes and the failover's ${live}`, writesBefore))];
  } finally {
    await c.down();
  }
}

/**
 * measureScaleUp scales a Deployment from 0 and times it until every replica is available; apiWrites are the cluster's
 * from its start (node registrations included) less `writesBefore`.
 */
async function measureScaleUp(ctx, c, where, writesBefore = 0) {
  const replicas = ctx.scale(5000, 100);
  await c.send('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('big', 0));
  const t0 = performance.now();
  await c.send('PATCH', '/apis/apps/v1/namespaces/default/deployments/big/scale', { spec: { replicas } }, 'application/merge-patch+json');
  let status = {};
  let lastLog = 0;
  await c.until(async () => {
    status = (await c.get('/apis/apps/v1/namespaces/default/deployments/big')).status ?? {};
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      ctx.log(`scale-up: replicas ${status.replicas ?? 0}, ready ${status.readyReplicas ?? 0}, available ${status.availableReplicas ?? 0}`);
    }
    return status.availableReplicas === replicas;
  }, 600_000, `${replicas} available replicas`, 500);
  const seconds = (performance.now() - t0) / 1000;
  const writes = (await apiWrites(c.url)) - writesBefore;
  ctx.log(`scale 0 -> ${replicas} ${where}: ${seconds.toFixed(1)} s, ${writes} API writes`);
  return [{ case: `0 -> ${replicas} replicas ${where}`, seconds: +seconds.toFixed(2), apiWrites: writes, writesPerSecond: Math.round(writes / seconds), aimSeconds: 30 }];
}

export async function run(ctx) {
  if (ctx.quick) return failoverThenScaleUp(ctx);
  return [...(await failover(ctx)), ...(await scaleUp(ctx))];
}
