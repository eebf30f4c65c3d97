// The writes a pod costs the api-server on its way to Running (the end-to-end row: per pod 1 create, 1 binding,
// 4 event creates, 2 status PATCHes; PUT for controllers), each run alone at c=16 over the same pods so
// that each row's server CPU per operation (`serverCpuMsPerOp`) is that write's alone. SQLite FULL.
import { closedLoop, expectOk, newPool, request } from '../lib/load.mjs';
import { createNamespace, podBody, podsPath } from '../lib/objects.mjs';

export const name = 'write-path';
export const description = 'server CPU per create, pods/binding, status PATCH (merge, as node agents send), PUT and event create at c=16';
// A namespace of its own: with --quick the api-server is shared (ctx.apiServer).
const NS = 'bench-write-path';

const CONCURRENCY = 16;
const EVENTS_PER_POD = 4;
const TS = '2026-01-01T00:00:00Z';

/** statusPatch is a node agent's status report: the whole status as a merge patch (apps/node-agent's patchStatus). */
function statusPatch(i, running) {
  const cond = (type, ok) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: TS });
  const ip = `10.1.${(i >> 8) & 255}.${i & 255}`;
  return JSON.stringify({
    status: {
      phase: running ? 'Running' : 'Pending',
      conditions: [cond('PodReadyToStartContainers', true), cond('Initialized', true), cond('Ready', running), cond('ContainersReady', running), cond('PodScheduled', true)],
      hostIP: '10.0.0.1',
      hostIPs: [{ ip: '10.0.0.1' }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: TS,
      containerStatuses: [{ name: 'c', image: 'busybox:1.36', imageID: '', ready: running, restartCount: 0, started: running, state: running ? { running: { startedAt: TS } } : { waiting: { reason: 'ContainerCreating' } } }],
    },
  });
}

function eventBody(i) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `p-${i}.bench` },
    involvedObject: { kind: 'Pod', namespace: NS, name: `p-${i}`, apiVersion: 'v1' },
    reason: 'Scheduled',
    message: `Successfully assigned ${NS}/p-${i} to bench-node`,
    source: { component: 'default-scheduler' },
    firstTimestamp: TS,
    lastTimestamp: TS,
    count: 1,
    type: 'Normal',
  });
}

/** mergePatch sends a merge patch. */
const mergePatch = (pool, path, body) => request(pool, 'PATCH', path, body, { 'content-type': 'application/merge-patch+json' });

export async function run(ctx) {
  const count = ctx.scale(4000, 300);
  const server = await ctx.apiServer();
  const pool = newPool(server.url);
  const rows = [];
  const ok = (code) => (r) => r.status === code;
  try {
    await createNamespace(pool, NS);
    expectOk(await request(pool, 'POST', '/api/v1/nodes', JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'bench-node' } })), 'create node');
    // Warm-up on pods of their own, so every row below runs on a warmed-up server.
    for (let i = 0; i < ctx.scale(200, 50); i++) expectOk(await request(pool, 'POST', podsPath(NS), podBody(`warm-${i}`)), 'warm-up create');
    const pods = [];
    const steps = [
      ['create', (i) => request(pool, 'POST', podsPath(NS), podBody(`p-${i}`)), ok(201)],
      ['binding', (i) => request(pool, 'POST', `${podsPath(NS)}/p-${i}/binding`, JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: `p-${i}` }, target: { kind: 'Node', name: 'bench-node' } })), ok(201)],
      ['status PATCH (Pending)', (i) => mergePatch(pool, `${podsPath(NS)}/p-${i}/status`, statusPatch(i, false)), ok(200)],
      ['status PATCH (Running)', (i) => mergePatch(pool, `${podsPath(NS)}/p-${i}/status`, statusPatch(i, true)), ok(200)],
      [
        'PUT',
        async (i) => {
          const pod = pods[i] ?? JSON.parse(expectOk(await request(pool, 'GET', `${podsPath(NS)}/p-${i}`), 'get').body);
          pod.metadata.annotations = { 'bench/seq': String(i) };
          return request(pool, 'PUT', `${podsPath(NS)}/p-${i}`, JSON.stringify(pod));
        },
        ok(200),
      ],
      ['event create', (i) => request(pool, 'POST', `/api/v1/namespaces/${NS}/events`, eventBody(i)), ok(201)],
    ];
    // The PUT row reads each pod first, outside its measurement.
    for (const [op, send, good] of steps) {
      if (op === 'PUT') {
        await closedLoop({ concurrency: CONCURRENCY, durationMs: 600_000, maxOps: count, op: async (i) => ((pods[i] = JSON.parse((await request(pool, 'GET', `${podsPath(NS)}/p-${i}`)).body)), true) });
      }
      const cpu0 = server.cpuSeconds();
      const r = await closedLoop({ concurrency: CONCURRENCY, durationMs: 600_000, maxOps: count, op: async (i) => good(await send(i)) });
      const cpuSeconds = server.cpuSeconds() - cpu0;
      const serverCpuMsPerOp = Math.round((100_000 * cpuSeconds) / Math.max(1, r.ops)) / 100;
      ctx.log(`${op} c=${CONCURRENCY}: ${r.opsPerSec}/s p50 ${r.p50} p99 ${r.p99} ms, ${serverCpuMsPerOp} ms server CPU each`);
      rows.push({ op, concurrency: CONCURRENCY, ...r, serverCpuPct: Math.round((100 * cpuSeconds) / r.seconds), serverCpuMsPerOp });
    }
  } finally {
    await pool.close();
    await server.stop();
  }
  return rows;
}

export function summarize(results) {
  const rows = results['write-path'] ?? [];
  if (!rows.length) return [];
  const ms = (op) => rows.find((r) => r.op === op)?.serverCpuMsPerOp ?? NaN;
  // The end-to-end row's mix per pod once its recorders' events are in (its drainedEventsPerPod): 1 create,
  // 1 binding, 2 status PATCHes, 4 event creates (the scheduler's Scheduled; the agent's Pulled, Created, Started).
  const perPod = ms('create') + ms('binding') + EVENTS_PER_POD * ms('event create') + ms('status PATCH (Pending)') + ms('status PATCH (Running)');
  const lines = [`write path: server CPU per pod's writes (create + binding + ${EVENTS_PER_POD} events + 2 status PATCHes) ${perPod.toFixed(2)} ms — ${rows.map((r) => `${r.op} ${r.serverCpuMsPerOp} ms`).join(', ')}`];
  // The same requests at the bare Express echo's server CPU a request (its c=16 row): what no handler change goes below.
  const echo = (results.echo ?? []).find((r) => r.concurrency === CONCURRENCY);
  if (echo?.serverCpuPct && echo.opsPerSec) {
    const echoMs = (10 * echo.serverCpuPct) / echo.opsPerSec;
    const requests = 4 + EVENTS_PER_POD;
    lines.push(`write path: the echo's ${echoMs.toFixed(3)} ms a request x ${requests} requests = ${(requests * echoMs).toFixed(2)} ms a pod; the handlers add ${(perPod - requests * echoMs).toFixed(2)} ms`);
  }
  return lines;
}
