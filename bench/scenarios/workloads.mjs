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

async function jobThroughput(ctx) {
  const nodes = ctx.scale(20, 5);
  const completions = ctx.scale(1000, 50);
  const parallelism = 50;
  const c = new Cluster();
  try {
    await c.up({ agents: 1, simulatedNodes: nodes, apiArgs: ['--storage', 'memory'], agentArgs: ['--simulated-start-delay', '100ms', '--simulated-exit', 'after=200ms,code=0', '--node-status-update-frequency', '30s'] });
    const before = await apiWrites(c.url);
    const t0 = performance.now();
    await c.send('POST', '/apis/batch/v1/namespaces/default/jobs', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'bench', namespace: 'default' },
      spec: { completions, parallelism, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['true'] }] } } },
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
  } finally {
    await c.down();
  }
}

function daemonSet(tag, maxUnavailable) {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } },
      template: { metadata: { labels: { app: 'agent' }, annotations: { tag } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
    },
  };
}

async function daemonSetRollout(ctx) {
  const nodes = ctx.scale(200, 10);
  // A roll-out takes ten batches at 10%, about a second each however few the nodes: --quick rolls out in two.
  const maxUnavailable = ctx.scale('10%', '50%');
  const c = new Cluster();
  try {
    await c.up({ agents: 1, simulatedNodes: nodes, apiArgs: ['--storage', 'memory'], agentArgs: ['--simulated-start-delay', '100ms', '--node-status-update-frequency', '30s'] });
    const path = '/apis/apps/v1/namespaces/default/daemonsets/agent';
    const rolledOut = (generation) => async () => {
      const s = (await c.get(path)).status ?? {};
      return s.observedGeneration >= generation && s.desiredNumberScheduled === nodes && s.updatedNumberScheduled === nodes && s.numberAvailable === nodes;
    };
    const t0 = performance.now();
    await c.send('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('v1', maxUnavailable));
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
  } finally {
    await c.down();
  }
}

export async function run(ctx) {
  // Quick: the two clusters side by side (the roll-out mostly waits for its ten batches).
  if (ctx.quick) return (await Promise.all([jobThroughput(ctx), daemonSetRollout(ctx)])).flat();
  return [...(await jobThroughput(ctx)), ...(await daemonSetRollout(ctx))];
}
