// Node agent with real Docker: the built api-server and one node agent (`--runtime docker`) as child processes,
// pods bound straight to the node (spec.nodeName, no scheduler). Measures pod startup latency, from just before
// the create request to the first watch event that shows phase Running, for 30 pods one at a time and 30 at once;
// the time until 100 pods are Running; and the agent's CPU and RSS (from /proc/PID) while starting them and while
// they run. Every container it makes carries skiff.dev/node=<its node name> and is removed at the end.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT, cpuSeconds, procStatus, startApiServer } from '../lib/procs.mjs';
import { round, summarize } from '../lib/stats.mjs';
import { readWatchEvents } from '../lib/watch-stream.mjs';

export const name = 'node-agent';
export const description = 'real Docker: pod startup latency p50/p99 (30 pods, serial and all at once), 100 pods to Running, agent CPU and RSS';

export const AGENT_MAIN = join(REPO_ROOT, 'apps/node-agent/dist/main.js');
export const NS = 'default';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function docker(args) {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

export async function nodeContainers(node) {
  return (await docker(['ps', '-aq', '--filter', `label=skiff.dev/node=${node}`])).split('\n').filter(Boolean);
}

/** removeNode force-removes every container and volume of the node (the final cleanup, whatever happened). */
export async function removeNode(node) {
  const ids = await nodeContainers(node).catch(() => []);
  for (let i = 0; i < ids.length; i += 50) await docker(['rm', '-f', '-v', ...ids.slice(i, i + 50)]).catch(() => '');
  const vols = (await docker(['volume', 'ls', '-q', '--filter', `label=skiff.dev/node=${node}`]).catch(() => '')).split('\n').filter(Boolean);
  if (vols.length) await docker(['volume', 'rm', '-f', ...vols]).catch(() => '');
}

export async function api(base, method, path, body) {
  const res = await fetch(base + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok && !(method === 'DELETE' && res.status === 404)) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export function podManifest(name, node, run) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { bench: 'node-agent', run } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'], resources: { limits: { cpu: '50m', memory: '16Mi' } } }],
    },
  };
}

/** RunningWatch follows the node's pods over a chunked HTTP watch and records when each is first seen Running. */
export class RunningWatch {
  seen = new Map();
  waiters = [];
  constructor(base, node, resourceVersion) {
    this.ac = new AbortController();
    const q = new URLSearchParams({ watch: 'true', resourceVersion, fieldSelector: `spec.nodeName=${node}` });
    this.done = this.#run(`${base}/api/v1/namespaces/${NS}/pods?${q}`).catch((err) => {
      if (!this.ac.signal.aborted) throw err;
    });
  }
  #run(url) {
    return readWatchEvents(url, this.ac.signal, (ev) => {
      const pod = ev.object;
      if (ev.type !== 'DELETED' && pod?.status?.phase === 'Running' && !this.seen.has(pod.metadata.name)) {
        this.seen.set(pod.metadata.name, performance.now());
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }
  async waitFor(names, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (!names.every((n) => this.seen.has(n))) {
      if (Date.now() > deadline) throw new Error(`timed out: ${names.filter((n) => !this.seen.has(n)).length} of ${names.length} pods not Running`);
      await new Promise((r) => {
        this.waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }
  stop() {
    this.ac.abort();
  }
}

/** deleteAll deletes the pods and waits until the agent has removed their containers. */
export async function deleteAll(base, node, names) {
  for (let i = 0; i < names.length; i += 16) await Promise.all(names.slice(i, i + 16).map((n) => api(base, 'DELETE', `/api/v1/namespaces/${NS}/pods/${n}`)));
  const deadline = Date.now() + 180_000;
  while ((await nodeContainers(node)).length > 0 && Date.now() < deadline) await sleep(500);
}

export async function run(ctx) {
  const node = `bench-na-${Math.random().toString(36).slice(2, 8)}`;
  const rows = [];
  const server = await startApiServer();
  const base = server.url;
  let agent;
  try {
    agent = spawn(process.execPath, [AGENT_MAIN, '--server', base, '--runtime', 'docker', '--node-name', node, '--listen', '127.0.0.1:0', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let agentLog = '';
    agent.stderr.on('data', (d) => (agentLog = (agentLog + d.toString()).slice(-4000)));
    const agentExit = new Promise((r) => agent.once('exit', r));
    const t0 = Date.now();
    while (!(await fetch(`${base}/api/v1/nodes/${node}`)).ok) {
      if (agent.exitCode !== null || Date.now() - t0 > 30_000) throw new Error(`node agent did not register: ${agentLog}`);
      await sleep(200);
    }
    await sleep(ctx.scale(1500, 300));
    const pid = agent.pid;

    const startup = async (mode, count) => {
      const list = await api(base, 'GET', `/api/v1/namespaces/${NS}/pods?fieldSelector=spec.nodeName%3D${node}`);
      const watch = new RunningWatch(base, node, list.metadata.resourceVersion);
      const names = Array.from({ length: count }, (_, i) => `na-${mode}-${i}`);
      const created = new Map();
      const create = async (n) => {
        created.set(n, performance.now());
        await api(base, 'POST', `/api/v1/namespaces/${NS}/pods`, podManifest(n, node, mode));
      };
      const cpu0 = cpuSeconds(pid);
      const wall0 = performance.now();
      let peakRss = procStatus(pid).rssKiB;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, procStatus(pid).rssKiB)), 250);
      try {
        if (mode === 'serial') {
          for (const n of names) {
            await create(n);
            await watch.waitFor([n], 60_000);
          }
        } else {
          for (let i = 0; i < names.length; i += 32) await Promise.all(names.slice(i, i + 32).map(create));
          await watch.waitFor(names, 300_000);
        }
      } finally {
        clearInterval(sampler);
        watch.stop();
      }
      const wallMs = performance.now() - wall0;
      const cpu = cpuSeconds(pid) - cpu0;
      const lat = summarize(names.map((n) => watch.seen.get(n) - created.get(n)));
      return { names, wallMs, cpu, peakRss, lat };
    };

    const small = ctx.scale(30, 3);
    for (const mode of ['serial', 'burst']) {
      ctx.log(`node-agent: ${small} pods, ${mode === 'serial' ? 'one at a time' : 'all at once'}`);
      const r = await startup(mode, small);
      rows.push({
        case: `${small} pods ${mode === 'serial' ? 'one at a time' : 'all at once'}`,
        pods: small,
        p50Ms: round(r.lat.p50, 0),
        p99Ms: round(r.lat.p99, 0),
        maxMs: round(r.lat.max, 0),
        allRunningS: round(r.wallMs / 1000, 1),
        agentCpuPct: round((100 * r.cpu) / (r.wallMs / 1000), 1),
        agentPeakRssMiB: round(r.peakRss / 1024, 1),
      });
      ctx.log(`node-agent: ${mode} p50 ${round(r.lat.p50, 0)} ms, p99 ${round(r.lat.p99, 0)} ms`);
      await deleteAll(base, node, r.names);
    }

    const big = ctx.scale(100, 5);
    ctx.log(`node-agent: ${big} pods at once`);
    const r = await startup('hundred', big);
    rows.push({
      case: `${big} pods all at once`,
      pods: big,
      p50Ms: round(r.lat.p50, 0),
      p99Ms: round(r.lat.p99, 0),
      maxMs: round(r.lat.max, 0),
      allRunningS: round(r.wallMs / 1000, 1),
      agentCpuPct: round((100 * r.cpu) / (r.wallMs / 1000), 1),
      agentPeakRssMiB: round(r.peakRss / 1024, 1),
    });
    // Steady state: the pods run; the agent relists once a second and resyncs each pod every 10 s: one resync
    // period holds every pod's resync once and ten relists, wherever it starts.
    const steadyS = ctx.scale(10, 1);
    const c0 = cpuSeconds(pid);
    await sleep(steadyS * 1000);
    rows.push({
      case: `${big} pods running, steady ${steadyS} s`,
      pods: big,
      agentCpuPct: round((100 * (cpuSeconds(pid) - c0)) / steadyS, 1),
      agentRssMiB: round(procStatus(pid).rssKiB / 1024, 1),
    });
    ctx.log(`node-agent: ${big} pods Running after ${round(r.wallMs / 1000, 1)} s`);
    // Measured: the containers go with docker rm -f below (removeNode), not a graceful delete through the agent.
    // Quick: nothing is measured any more, so no graceful stop either.
    agent.kill(ctx.quick ? 'SIGKILL' : 'SIGTERM');
    await Promise.race([agentExit, sleep(10_000)]);
  } finally {
    if (agent && agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
    await server.stop();
    await removeNode(node);
  }
  return rows;
}
