// Container metrics at 100 pods (kubectl top): the cost of the node agent's housekeeping rounds, which sample every
// running container's CPU and memory each --housekeeping-interval (10 s). The built api-server and one node agent
// (`--runtime docker`) as child processes, 100 busybox pods bound straight to the node; then the agent runs three
// times over the same pods, restarted between phases: with sampling practically off (--housekeeping-interval=1h,
// the baseline), with the Docker stats API (--container-stats=runtime) and with the cgroup files
// (--container-stats=cgroupfs, the default). Each phase reports, over the same window: the mean round duration
// (from the agent's skiff_node_agent_stats_* counters), the agent's CPU and that of dockerd, containerd and the
// node's containerd shims (/proc/PID/stat), as % of one core, with the load average. The containers are removed
// with `docker rm -f` at the end (what is measured is over by then; deleting 100 pods through the agent took 8 s).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { cpuSeconds, startApiServer } from '../lib/procs.mjs';
import { round } from '../lib/stats.mjs';
import { AGENT_MAIN, NS, RunningWatch, api, nodeContainers, podManifest, removeNode } from './node-agent.mjs';

export const name = 'node-stats';
export const description = 'real Docker, 100 pods: housekeeping round duration, agent/dockerd/containerd CPU with sampling off, Docker stats API, cgroup files';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** pidsOf finds processes by the start of their command line (`/proc/PID/cmdline`) and an optional filter. */
function pidsOf(match) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (match(cmd)) out.push(Number(d));
  }
  return out;
}

/** cpuOf sums the CPU seconds of processes; one that exited meanwhile counts nothing. */
const cpuOf = (pids) =>
  pids.reduce((s, p) => {
    try {
      return s + cpuSeconds(p);
    } catch {
      return s;
    }
  }, 0);

/** scrape reads the agent's skiff_node_agent_stats_* counters from /metrics. */
async function scrape(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (re) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    rounds: get(/^skiff_node_agent_stats_rounds_total (\S+)$/m),
    roundSeconds: get(/^skiff_node_agent_stats_round_seconds_total (\S+)$/m),
    cgroupfs: get(/^skiff_node_agent_stats_samples_total\{source="cgroupfs"\} (\S+)$/m),
    runtime: get(/^skiff_node_agent_stats_samples_total\{source="runtime"\} (\S+)$/m),
  };
}

/** startAgent runs the node agent and resolves with its metrics URL once it has logged its listen address. */
function startAgent(base, node, extra) {
  const child = spawn(process.execPath, [AGENT_MAIN, '--server', base, '--runtime', 'docker', '--node-name', node, '--listen', '127.0.0.1:0', '--log-level', 'info', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node agent did not start: ${log.slice(-2000)}`)), 30_000);
    const onData = (d) => {
      log = (log + d.toString()).slice(-20_000);
      const m = /"listen":"127\.0\.0\.1:(\d+)"/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${m[1]}`, log: () => log });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`node agent exited (${code ?? sig}): ${log.slice(-2000)}`));
    });
  });
}

async function stopAgent(agent) {
  if (!agent || agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  const exited = new Promise((r) => agent.child.once('exit', r));
  agent.child.kill('SIGTERM');
  const t = setTimeout(() => agent.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

/**
 * waitSampled waits until the agent has finished a housekeeping round in which it sampled `pods` containers (the
 * first round after a start can run before the agent knows them all); it resolves with the counters then.
 */
async function waitSampled(agent, pods, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    const m = await scrape(agent.url).catch(() => undefined);
    if (m && last && m.rounds > last.rounds && m.cgroupfs + m.runtime - (last.cgroupfs + last.runtime) >= pods * (m.rounds - last.rounds)) return m;
    if (m && (!last || m.rounds > last.rounds)) last = m;
    if (Date.now() > deadline) throw new Error(`the agent did not sample ${pods} containers in one housekeeping round in ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function run(ctx) {
  const node = `bench-ns-${Math.random().toString(36).slice(2, 8)}`;
  const pods = ctx.scale(100, 5);
  // A sampling phase's window holds whole housekeeping cycles (a round, then --housekeeping-interval until the next
  // starts), at least this long: it then counts as many rounds as it has cycles, wherever the first one fell (a
  // fixed 60 s window held 3 to 4 rounds of the 17 s Docker API cycle). 15 s: two cgroupfs cycles, one of the API's.
  // --quick: 1 s, one cycle of each at its 1 s interval (a smoke reading).
  const minWindowS = ctx.scale(15, 1);
  // The agent's default --housekeeping-interval; the quick run samples every second (the flag, in quick only), so
  // that its windows still hold whole cycles.
  const intervalS = ctx.scale(10, 1);
  const sampling = ctx.quick ? [`--housekeeping-interval=${intervalS}s`] : [];
  const rows = [];
  const names = Array.from({ length: pods }, (_, k) => `ns-${k}`);
  const server = await startApiServer();
  const base = server.url;
  let agent;
  try {
    const phases = [
      { label: 'sampling off (interval 1h)', args: ['--housekeeping-interval=1h'] },
      { label: 'Docker stats API', args: ['--container-stats=runtime', ...sampling] },
      { label: 'cgroup files', args: ['--container-stats=cgroupfs', ...sampling] },
    ];
    for (const [i, phase] of phases.entries()) {
      agent = await startAgent(base, node, phase.args);
      if (i === 0) {
        ctx.log(`node-stats: ${pods} pods`);
        const list = await api(base, 'GET', `/api/v1/namespaces/${NS}/pods?fieldSelector=spec.nodeName%3D${node}`);
        const watch = new RunningWatch(base, node, list.metadata.resourceVersion);
        try {
          for (let k = 0; k < names.length; k += 32) await Promise.all(names.slice(k, k + 32).map((n) => api(base, 'POST', `/api/v1/namespaces/${NS}/pods`, podManifest(n, node, 'stats'))));
          await watch.waitFor(names, 300_000);
        } finally {
          watch.stop();
        }
      }
      // Off: the agent's first round ran before the pods existed and the next is an hour away. On: from the end of
      // a round that sampled every container; the window starts a fifth of an interval later and lasts whole
      // cycles, so its edges fall in the pauses between rounds (2 s from the nearest, more than a round's jitter).
      let windowS = minWindowS;
      if (i > 0) {
        const m = await waitSampled(agent, pods, 120_000);
        const cycleS = intervalS + m.roundSeconds / m.rounds;
        windowS = Math.ceil(minWindowS / cycleS) * cycleS;
      }
      await sleep((intervalS / 5) * 1000);
      const ids = await nodeContainers(node);
      const dockerd = pidsOf((c) => /(^|\/)dockerd$/.test(c[0]));
      const containerd = pidsOf((c) => /(^|\/)containerd$/.test(c[0]));
      const shims = pidsOf((c) => /containerd-shim/.test(c[0]) && ids.some((id) => c.some((a) => a.includes(id))));
      const pid = agent.child.pid;
      const m0 = await scrape(agent.url);
      const c0 = [cpuOf([pid]), cpuOf(dockerd), cpuOf(containerd), cpuOf(shims)];
      const load0 = loadavg()[0];
      const t0 = process.hrtime.bigint();
      await sleep(windowS * 1000);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const c1 = [cpuOf([pid]), cpuOf(dockerd), cpuOf(containerd), cpuOf(shims)];
      const m1 = await scrape(agent.url);
      const pct = (k) => round((100 * (c1[k] - c0[k])) / seconds, 2);
      const rounds = m1.rounds - m0.rounds;
      rows.push({
        case: `${pods} pods, ${phase.label}`,
        rounds,
        roundMs: rounds > 0 ? round((1000 * (m1.roundSeconds - m0.roundSeconds)) / rounds, 0) : '',
        samples: `${m1.cgroupfs - m0.cgroupfs} cgroupfs / ${m1.runtime - m0.runtime} runtime`,
        agentCpuPct: pct(0),
        dockerdCpuPct: pct(1),
        containerdCpuPct: pct(2),
        shimsCpuPct: pct(3),
        shims: shims.length,
        load1: `${round(load0, 1)}-${round(loadavg()[0], 1)}`,
        windowS: round(seconds, 0),
      });
      ctx.log(`node-stats: ${phase.label}: ${JSON.stringify(rows.at(-1))}`);
      await stopAgent(agent);
    }
  } finally {
    await stopAgent(agent).catch(() => {});
    if (agent && agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await server.stop();
    await removeNode(node);
  }
  return rows;
}

export function summarize(results) {
  const rows = results['node-stats'];
  if (!rows?.length) return [];
  return rows.map((r) => `${r.case}: round ${r.roundMs} ms, agent ${r.agentCpuPct}%, dockerd ${r.dockerdCpuPct}%, containerd ${r.containerdCpuPct}%, shims ${r.shimsCpuPct}% (load ${r.load1})`);
}
