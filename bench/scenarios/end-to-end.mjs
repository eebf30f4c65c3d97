// End to end: api-server (SQLite FULL) + scheduler + one node agent (`--runtime simulated --simulated-nodes 200`,
// default lease and status timings, so 200 nodes renew Leases and report status), and 16 clients creating 2,000
// pods as fast as the api-server takes them. Rate from the first create to the last pod bound (spec.nodeName seen
// on a watch) and to the last pod Running. The same pods are then scheduled onto 200 bare Node objects with no
// agent, in the same run, so the cost of an agent reporting status shows as the ratio of the two (KWOK-style
// fake nodes; scheduler_perf measures from create to bound the same way).
//
// SKIFF_BENCH_E2E_NODE_ARGS adds node flags to every process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof-e2e".
// SKIFF_BENCH_E2E_AGENT_MAINS="A.js,B.js" runs the agent case once per node-agent build (e.g. an older commit's,
// built elsewhere), alternating, for a before/after comparison under the same load.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT, cpuSeconds, startApiServer, startEchoServer } from '../lib/procs.mjs';
import { closedLoop, newPool, request, expectOk } from '../lib/load.mjs';
import { round } from '../lib/stats.mjs';
import { requestCounts, requestDelta, untilEventsDrain } from '../lib/api-metrics.mjs';
import { ceilingOf } from '../lib/ceiling.mjs';
import { readWatchEvents } from '../lib/watch-stream.mjs';

export const name = 'end-to-end';
export const description = '2,000 pods by 16 clients to bound and Running on 200 simulated nodes of one agent (vs 200 bare nodes, no agent)';

const AIM = 1000;
const NS = 'default';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const main = (app) => join(REPO_ROOT, 'apps', app, 'dist', 'main.js');
const nodeArgs = () => (process.env.SKIFF_BENCH_E2E_NODE_ARGS ?? '').split(' ').filter(Boolean);

function spawnComponent(app, args, mainPath = main(app)) {
  const child = spawn(process.execPath, [...nodeArgs(), mainPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr.on('data', (d) => (tail = (tail + d.toString()).slice(-4000)));
  child.tail = () => tail;
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** PodWatch follows the namespace's pods over a chunked HTTP watch: when each was first seen bound, and Running. */
class PodWatch {
  bound = new Map();
  running = new Map();
  constructor(base, resourceVersion) {
    this.ac = new AbortController();
    const q = new URLSearchParams({ watch: 'true', resourceVersion, allowWatchBookmarks: 'false' });
    this.done = this.#run(`${base}/api/v1/namespaces/${NS}/pods?${q}`).catch((err) => {
      if (!this.ac.signal.aborted) throw err;
    });
  }
  #run(url) {
    return readWatchEvents(url, this.ac.signal, (ev) => {
      const pod = ev.object;
      if (ev.type === 'DELETED' || !pod?.metadata) return;
      const now = performance.now();
      const key = pod.metadata.name;
      if (pod.spec?.nodeName && !this.bound.has(key)) this.bound.set(key, now);
      if (pod.status?.phase === 'Running' && !this.running.has(key)) this.running.set(key, now);
    });
  }
  stop() {
    this.ac.abort();
  }
}

const WRITE_VERBS = /^(POST|PUT|PATCH|DELETE|CREATE|UPDATE|APPLY) /i;

function pod(i, run) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `e2e-${run}-${i}`, namespace: NS, labels: { app: 'e2e', run } },
    spec: { containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  });
}

function bareNode(name) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110' }, capacity: { cpu: '32', memory: '128Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  });
}

async function readyNodes(pool) {
  const list = JSON.parse(expectOk(await request(pool, 'GET', '/api/v1/nodes'), 'list nodes').body);
  return list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
}

// Events a pod's components record once their recorders' queues drain: the scheduler's Scheduled, and with the
// agent its Pulled, Created and Started (kubelet's for a pod whose image is present).
const EVENTS_PER_POD = { agent: 4, bare: 1 };

/** cpuNow is the CPU seconds so far of every process of a run: the api-server (all threads), the components and this one. */
function cpuNow(api, procs) {
  const own = process.cpuUsage();
  return { api: api.cpuSeconds(), ...Object.fromEntries(procs.map(([n, c]) => [n, cpuSeconds(c.pid)])), bench: (own.user + own.system) / 1e6 };
}

const cpuDelta = (a, b) => Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] ?? 0)]));

/**
 * echoCpuMsPerRequest is what the bare Express echo (bench/lib/echo-server.mjs) spends of its CPU per request over
 * the same undici pool at 16 clients, with this scenario's pod as the body: the per-request floor of any Express
 * server on this machine (HTTP parse, routing, JSON body, response), which every api-server request pays too.
 */
async function echoCpuMsPerRequest(ctx) {
  const echo = await startEchoServer();
  const pool = newPool(echo.url, 16);
  try {
    const op = async (i) => (await request(pool, 'POST', `/api/v1/namespaces/${NS}/pods`, pod(i, 'echo'))).status === 200;
    await closedLoop({ concurrency: 16, durationMs: 60_000, maxOps: ctx.scale(2000, 300), op }); // warm-up
    const cpu0 = echo.cpuSeconds();
    const r = await closedLoop({ concurrency: 16, durationMs: 60_000, maxOps: ctx.scale(6000, 1500), op });
    const ms = (1000 * (echo.cpuSeconds() - cpu0)) / r.ops;
    ctx.log(`end-to-end: the Express echo, ${r.ops} POSTs at c=16: ${r.opsPerSec}/s, ${round(ms, 3)} ms of its CPU a request`);
    return ms;
  } finally {
    await pool.close();
    await echo.stop();
  }
}

/** oneRun starts a fresh cluster, creates the pods from 16 clients and waits until all are bound (and Running). */
async function oneRun(ctx, { withAgent, nodes, pods, clients, agentMain, echoMs }) {
  const run = withAgent ? 'agent' : 'bare';
  const api = await startApiServer({ nodeArgs: nodeArgs() });
  const pool = newPool(api.url, 64);
  const procs = [];
  try {
    const server = api.url;
    if (withAgent) {
      procs.push(['agent', spawnComponent('node-agent', ['--server', server, '--node-name', `e2e-${Math.random().toString(36).slice(2, 7)}`, '--runtime', 'simulated', '--simulated-nodes', String(nodes), '--listen', '127.0.0.1:0', '--log-level', 'warn'], agentMain)]);
    } else {
      for (let i = 0; i < nodes; i += 32) await Promise.all(Array.from({ length: Math.min(32, nodes - i) }, (_, j) => request(pool, 'POST', '/api/v1/nodes', bareNode(`bare-${i + j}`)).then((r) => expectOk(r, 'create node'))));
    }
    await until(async () => (await readyNodes(pool)) === nodes, 120_000, `${nodes} Ready nodes`);
    const schedPort = await freePort();
    const sched = spawnComponent('scheduler', ['--server', server, '--leader-elect=false', '--listen', `127.0.0.1:${schedPort}`, '--log-level', 'warn']);
    procs.push(['scheduler', sched]);
    // /readyz turns 200 once its informers are synced.
    await until(async () => (await fetch(`http://127.0.0.1:${schedPort}/readyz`)).ok, 30_000, 'scheduler /readyz');
    const list = JSON.parse(expectOk(await request(pool, 'GET', `/api/v1/namespaces/${NS}/pods?limit=1`), 'list pods').body);
    const watch = new PodWatch(server, list.metadata.resourceVersion);
    await sleep(200);
    ctx.log(`end-to-end ${run}: pids api-server ${api.pid}, ${procs.map(([n, c]) => `${n} ${c.pid}`).join(', ')}`);
    const req0 = await requestCounts(server);
    const cpu0 = cpuNow(api, procs);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < pods) {
          const i = next++;
          expectOk(await request(pool, 'POST', `/api/v1/namespaces/${NS}/pods`, pod(i, run)), 'create pod');
        }
      }),
    );
    const createdAt = performance.now();
    const deadline = Date.now() + 300_000;
    while (watch.bound.size < pods || (withAgent && watch.running.size < pods)) {
      if (Date.now() > deadline) throw new Error(`timed out: ${watch.bound.size} bound, ${watch.running.size} Running of ${pods}; scheduler: ${sched.tail().slice(-500)}`);
      await sleep(50);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuDelta(cpu0, cpuNow(api, procs));
    const req1 = await requestCounts(server);
    const delta = requestDelta(req0, req1);
    ctx.log(`end-to-end ${run}: requests during the run, per pod: ${delta.map(([k, v]) => `${k} ${round(v / pods, 2)}`).join('; ')}`);
    // The same after the recorders' event backlog has drained (not part of the rates): every process's CPU per pod
    // and the machine's cores give the best rate these processes could reach here, `cores / CPU per pod`.
    const drained = await untilEventsDrain(server, req0, EVENTS_PER_POD[run] * pods, ctx.scale(60_000, 20_000));
    const all = cpuDelta(cpu0, cpuNow(api, procs));
    watch.stop();
    const drainedSeconds = (performance.now() - t0) / 1000;
    ctx.log(`end-to-end ${run}: after the events drained (${round(drainedSeconds, 1)} s), per pod: ${drained.map(([k, v]) => `${k} ${round(v / pods, 2)}`).join('; ')}`);
    const cores = availableParallelism();
    const ceiling = ceilingOf({ cpuSeconds: all, pods, requests: drained.reduce((s, [, v]) => s + v, 0), cores, echoMs });
    const writes = delta.filter(([k]) => WRITE_VERBS.test(k) && !/^POST pods$/.test(k)).reduce((s, [, v]) => s + v, 0);
    const lastBound = Math.max(...watch.bound.values());
    const lastRunning = withAgent ? Math.max(...watch.running.values()) : NaN;
    const row = {
      case: withAgent ? `${nodes} nodes of one simulated agent${agentMain ? ` (${agentMain})` : ''}` : `${nodes} bare Node objects, no agent`,
      pods,
      clients,
      createPerSec: round(pods / ((createdAt - t0) / 1000), 0),
      boundPerSec: round(pods / ((lastBound - t0) / 1000), 0),
      runningPerSec: withAgent ? round(pods / ((lastRunning - t0) / 1000), 0) : '',
      aim: `>= ${AIM} bound/s`,
      otherWritesPerPod: round(writes / pods, 2),
      apiCpuPct: round((100 * cpu.api) / seconds, 0),
      // The api-server's CPU (commit thread included) per pod, from the first create to the last pod bound and
      // Running: what the machine's load changes far less than the rates (heartbeats of a longer run included).
      apiCpuMsPerPod: round((1000 * cpu.api) / pods, 2),
      schedCpuPct: round((100 * cpu.scheduler) / seconds, 0),
      agentCpuPct: withAgent ? round((100 * cpu.agent) / seconds, 0) : '',
      // From here on, to the drained event backlog (`drainedEventsPerPod`): CPU ms per pod of each process.
      drainedEventsPerPod: round((drained.find(([k]) => k === 'POST events')?.[1] ?? 0) / pods, 2),
      ...ceiling,
    };
    ctx.log(`end-to-end ${run}: ${row.boundPerSec} bound/s${withAgent ? `, ${row.runningPerSec} Running/s` : ''}; CPU ms a pod: api-server ${row.apiMsPerPod}, scheduler ${row.schedMsPerPod}${withAgent ? `, agent ${row.agentMsPerPod}` : ''}, bench ${row.benchMsPerPod}, total ${row.totalMsPerPod} => ${cores} cores give at most ${row.ceilingPerSec} pods/s; floor (api-server at the echo's ${row.echoMsPerRequest} ms x ${row.requestsPerPod} requests) ${row.floorMsPerPod} ms => ${row.floorPerSec} pods/s`);
    return row;
  } finally {
    for (const [, c] of procs.reverse()) await stop(c);
    await pool.close();
    await api.stop();
  }
}

export async function run(ctx) {
  const nodes = ctx.scale(200, 10);
  const pods = ctx.scale(2000, 100);
  const clients = 16;
  const rows = [];
  const mains = (process.env.SKIFF_BENCH_E2E_AGENT_MAINS ?? '').split(',').filter(Boolean);
  const echoMs = await echoCpuMsPerRequest(ctx);
  if (mains.length) {
    for (const round of [0, 1]) for (const agentMain of round ? [...mains].reverse() : mains) rows.push(await oneRun(ctx, { withAgent: true, nodes, pods, clients, agentMain, echoMs }));
    return rows;
  }
  rows.push(await oneRun(ctx, { withAgent: true, nodes, pods, clients, echoMs }));
  rows.push(await oneRun(ctx, { withAgent: false, nodes, pods, clients, echoMs }));
  return rows;
}

export function summarize(results) {
  const [agent, bare] = results['end-to-end'] ?? [];
  if (!agent) return [];
  return [
    `end to end: ${agent.pods} pods bound at ${agent.boundPerSec}/s with ${agent.case} (aim >= ${AIM}), ${bare?.boundPerSec ?? '?'}/s on bare nodes; Running at ${agent.runningPerSec}/s`,
    `end to end, CPU a pod of every process (agent case): ${agent.totalMsPerPod} ms (api-server ${agent.apiMsPerPod}) on ${agent.cores} cores => at most ${agent.ceilingPerSec} pods/s here; with the api-server at the Express echo's floor (${agent.requestsPerPod} requests x ${agent.echoMsPerRequest} ms) ${agent.floorMsPerPod} ms => ${agent.floorPerSec} pods/s${agent.floorMsPerPod > (1000 * agent.cores) / AIM ? ` (over ${(1000 * agent.cores) / AIM} ms: the aim is out of reach on this machine)` : ''}`,
  ];
}
