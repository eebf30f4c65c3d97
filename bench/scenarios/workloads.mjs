// Workloads at scale over real processes (api-server, scheduler, controller-manager and one node agent hosting many
// simulated nodes): (1) Job throughput — a Job of 1,000 completions with parallelism 50 whose simulated containers
// exit 0 after 200 ms, completions per second from create to Complete; (2) DaemonSet roll-out — a DaemonSet over
// 200 simulated nodes, time from create until a pod is available on every node, then a template change rolled out
// with maxUnavailable 10%.
import { performance } from 'node:perf_hooks';
import { apiWrites } from '../lib/api-metrics.mjs';
import { Cluster } from './controller-manager.mjs';

export const name = 'workloads';
export const description = 'Job of 1,000 completions (parallelism 50) completions/s; DaemonSet roll-out over 200 simulated nodes';

const JOB_AGENT_ARGS = ['--simulated-start-delay', '100ms', '--simulated-exit', 'after=200ms,code=0', '--node-status-update-frequency', '30s'];
const DAEMONSET_AGENT_ARGS = ['--simulated-start-delay', '100ms', '--node-status-update-frequency', '30s'];
const jobNodes = (ctx) => ctx.scale(20, 5);
const daemonSetNodes = (ctx) => ctx.scale(200, 10);

/** onClusterOfItsOwn runs `measure` on a cluster of one agent of `simulatedNodes` started for it, and stops it after. */
async function onClusterOfItsOwn(simulatedNodes, agentArgs, measure) {
  const c = new Cluster();
  try {
    await c.up({ agents: 1, simulatedNodes, apiArgs: ['--storage', 'memory'], agentArgs });
    return await measure(c);
  } finally {
    await c.down();
  }
}

const jobThroughput = (ctx) => onClusterOfItsOwn(jobNodes(ctx), JOB_AGENT_ARGS, (c) => measureJob(ctx, c));

/** measureJob runs the Job on the cluster (its pods onto the nodes `nodeSelector` picks, if given) until Complete. */
async function measureJob(ctx, c, nodeSelector) {
  const nodes = jobNodes(ctx);
  const completions = ctx.scale(1000, 50);
  const parallelism = 50;
  const before = await apiWrites(c.url);
  const t0 = performance.now();
  await c.send('POST', '/apis/batch/v1/namespaces/default/jobs', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'bench', namespace: 'default' },
    spec: { completions, parallelism, template: { spec: { restartPolicy: 'Never', ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: 'c', image: 'busybox:1.36', command: ['true'] }] } } },
  });
  let status = {};
  let lastLog = 0;
  await c.until(async () => {
    const job = await c.get('/apis/batch/v1/namespaces/default/jobs/bench');
    status = job.status ?? {};
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      ctx.log(`job: succeeded ${status.succeeded ?? 0}/${completions}, active ${status.active ?? 0}`);
    }
    return job.status?.conditions?.some((x) => x.type === 'Complete' && x.status === 'True');
  }, 900_000, `Job of ${completions} Complete`, 250);
  const seconds = (performance.now() - t0) / 1000;
  const writes = (await apiWrites(c.url)) - before;
  const perSecond = completions / seconds;
  ctx.log(`job: ${completions} completions (parallelism ${parallelism}) on ${nodes} simulated nodes in ${seconds.toFixed(1)} s = ${perSecond.toFixed(1)}/s, ${writes} API writes`);
  return [{ case: `Job ${completions} completions, parallelism ${parallelism}, ${nodes} simulated nodes`, seconds: +seconds.toFixed(2), completionsPerSecond: +perSecond.toFixed(1), succeeded: status.succeeded ?? 0, apiWrites: writes }];
}

function daemonSet(tag, maxUnavailable, nodeSelector) {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } },
      template: { metadata: { labels: { app: 'agent' }, annotations: { tag } }, spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
    },
  };
}

const daemonSetRollout = (ctx) => onClusterOfItsOwn(daemonSetNodes(ctx), DAEMONSET_AGENT_ARGS, (c) => measureDaemonSet(ctx, c));

/** measureDaemonSet creates the DaemonSet (on the nodes `nodeSelector` picks, if given), then rolls out a template change. */
async function measureDaemonSet(ctx, c, nodeSelector) {
  const nodes = daemonSetNodes(ctx);
  // A roll-out takes ten batches at 10%, about a second each however few the nodes: --quick rolls out in two.
  const maxUnavailable = ctx.scale('10%', '50%');
  const path = '/apis/apps/v1/namespaces/default/daemonsets/agent';
  const rolledOut = (generation) => async () => {
    const s = (await c.get(path)).status ?? {};
    return s.observedGeneration >= generation && s.desiredNumberScheduled === nodes && s.updatedNumberScheduled === nodes && s.numberAvailable === nodes;
  };
  const t0 = performance.now();
  await c.send('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('v1', maxUnavailable, nodeSelector));
  await c.until(rolledOut(1), 600_000, `DaemonSet on ${nodes} nodes`, 250);
  const create = (performance.now() - t0) / 1000;
  ctx.log(`daemonset: a pod available on each of ${nodes} simulated nodes in ${create.toFixed(1)} s`);
  const t1 = performance.now();
  await c.send('PATCH', path, { spec: { template: { metadata: { annotations: { tag: 'v2' } } } } }, 'application/merge-patch+json');
  await c.until(rolledOut(2), 900_000, `DaemonSet update on ${nodes} nodes`, 250);
  const update = (performance.now() - t1) / 1000;
  ctx.log(`daemonset: template change rolled out over ${nodes} nodes (maxUnavailable ${maxUnavailable}) in ${update.toFixed(1)} s`);
  return [
    { case: `DaemonSet create, ${nodes} simulated nodes`, seconds: +create.toFixed(2), podsPerSecond: +(nodes / create).toFixed(1) },
    { case: `DaemonSet rolling update (maxUnavailable ${maxUnavailable}), ${nodes} simulated nodes`, seconds: +update.toFixed(2), podsPerSecond: +(nodes / update).toFixed(1) },
  ];
}

/**
 * Quick: both rows on one cluster (one api-server, scheduler and controller-manager to start, not two of each), one
 * after the other so that each one's apiWrites are its own. Two agents, since the Job's simulated containers exit
 * and the DaemonSet's must not; each workload's nodeSelector keeps it on its own agent's nodes (a label on each).
 */
async function jobThenDaemonSet(ctx) {
  const pool = 'bench.skiff.dev/pool';
  const c = new Cluster();
  try {
    await c.up({ agents: 0, apiArgs: ['--storage', 'memory'] });
    const agent = (name, nodes, args) => c.start(name, 'node-agent', ['--server', c.url, '--node-name', name, '--runtime', 'simulated', '--listen', '127.0.0.1:0', '--log-level', 'warn', '--simulated-nodes', String(nodes), '--node-labels', `${pool}=${name}`, ...args]);
    agent('job', jobNodes(ctx), JOB_AGENT_ARGS);
    agent('daemonset', daemonSetNodes(ctx), DAEMONSET_AGENT_ARGS);
    const want = jobNodes(ctx) + daemonSetNodes(ctx);
    await c.until(async () => (await c.readyNodes()) === want, 120_000, `${want} Ready nodes`);
    return [...(await measureJob(ctx, c, { [pool]: 'job' })), ...(await measureDaemonSet(ctx, c, { [pool]: 'daemonset' }))];
  } finally {
    await c.down();
  }
}

export async function run(ctx) {
  if (ctx.quick) return jobThenDaemonSet(ctx);
  return [...(await jobThroughput(ctx)), ...(await daemonSetRollout(ctx))];
}
