// Creates: POST a new Pod per request, at 1/16/64 concurrent clients, with SQLite synchronous=FULL (the default)
// and NORMAL (opt-in) on the insecure port, and FULL on the TLS port as a user that RBAC lets create pods through a
// RoleBinding (bearer token from --token-auth-file): the production path, authentication and authorization
// included. The summary reports each create rate as a fraction of the Express echo at the same concurrency.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop, expectOk, newPool, request } from '../lib/load.mjs';
import { createNamespace, podBody, podsPath } from '../lib/objects.mjs';
import { startApiServer, startEchoServer } from '../lib/procs.mjs';
import { echoOp as newEchoOp } from './echo.mjs';

export const name = 'create';
export const description = 'POST pods/s and latency at 1/16/64 clients, SQLite FULL and NORMAL, and FULL over TLS with RBAC; fraction of the echo';
export const needs = ['echo'];
// A namespace of its own: with --quick the FULL insecure server is shared (ctx.apiServer).
const NS = 'bench-create';

const TOKEN = 'bench-create-token';
// The aim's row (FULL, insecure port, c=16) is also measured against the echo in alternating windows: the echo's
// own rate moved 2-5x between runs on the shared machine, and the echo scenario runs a minute before this one.
const PAIRED_ROUNDS = 5;
const PAIRED_CONCURRENCY = 16;
const CONFIGS = [
  { sqlite: 'FULL', port: 'insecure' },
  { sqlite: 'NORMAL', port: 'insecure' },
  { sqlite: 'FULL', port: 'TLS+RBAC' },
];

/** rbacClient grants user bench-creator create on pods in `ns` and returns a Pool on the TLS port with its token. */
async function rbacClient(server, admin, ns) {
  const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/' + ns;
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-creator' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list'] }] };
  expectOk(await request(admin, 'POST', `${rbac}/roles`, JSON.stringify(role)), 'create Role');
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench-creator' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-creator' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bench-creator' }],
  };
  expectOk(await request(admin, 'POST', `${rbac}/rolebindings`, JSON.stringify(binding)), 'create RoleBinding');
  const ca = readFileSync(join(server.dataDir, 'pki', 'ca.crt'));
  return newPool(await server.secureUrl(), 64, { ca, servername: 'localhost' });
}

export async function run(ctx) {
  const rows = [];
  const tokenDir = mkdtempSync(join(tmpdir(), 'skiff-bench-token-'));
  const tokenFile = join(tokenDir, 'tokens.csv');
  writeFileSync(tokenFile, `${TOKEN},bench-creator,bench-creator-uid\n`);
  // The three servers start together (start-up, with the TLS server's key generation, is over before any row is
  // measured; a server waiting for its turn does nothing), then are measured one at a time.
  // FULL on the insecure port is the default api-server: --quick's shared one (ctx.apiServer).
  const started = await Promise.allSettled(
    CONFIGS.map(({ sqlite, port }) => (sqlite === 'FULL' && port === 'insecure' ? ctx.apiServer() : startApiServer({ synchronous: sqlite, ...(port === 'TLS+RBAC' ? { args: ['--token-auth-file', tokenFile] } : {}) }))),
  );
  const servers = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  let echoServer;
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    echoServer = await startEchoServer();
    for (const [i, { sqlite, port }] of CONFIGS.entries()) {
      const tls = port === 'TLS+RBAC';
      const server = servers[i];
      const admin = newPool(server.url);
      let pool = admin;
      try {
        await createNamespace(admin, NS);
        if (tls) pool = await rbacClient(server, admin, NS);
        const headers = tls ? { authorization: `Bearer ${TOKEN}` } : undefined;
        let n = 0;
        const op = async () => (await request(pool, 'POST', podsPath(NS), podBody(`p-${n++}`), headers)).status === 201;
        const first = await request(pool, 'POST', podsPath(NS), podBody('first'), headers);
        expectOk(first, `create over ${port}`);
        // The quick run measures the TLS port at the row's concurrency only, to stay within its minute.
        for (const concurrency of tls && ctx.quick ? [16] : [1, 16, 64]) {
          await closedLoop({ concurrency, durationMs: ctx.scale(concurrency === 1 ? 1000 : 500, 100), op }); // warm-up
          const cpu0 = server.cpuSeconds();
          const r = await closedLoop({ concurrency, durationMs: ctx.scale(3000, 400), op });
          const cpuSeconds = server.cpuSeconds() - cpu0;
          const serverCpu = cpuSeconds / r.seconds;
          // CPU per create depends less on other work on the machine than the rate does: the figure to compare
          // between runs on a shared machine (it excludes time blocked in fsync).
          const serverCpuMsPerOp = Math.round((1000 * cpuSeconds * 100) / Math.max(1, r.ops)) / 100;
          ctx.log(`create ${sqlite} ${port} c=${concurrency}: ${r.opsPerSec}/s p50 ${r.p50} p99 ${r.p99} ms, ${serverCpuMsPerOp} ms server CPU a create`);
          rows.push({ op: 'create', sqlite, port, ...r, serverCpuPct: Math.round(serverCpu * 100), serverCpuMsPerOp });
        }
        if (sqlite === 'FULL' && !tls) Object.assign(rows.find((r) => r.sqlite === sqlite && r.port === port && r.concurrency === PAIRED_CONCURRENCY) ?? {}, await paired(ctx, echoServer, op));
      } finally {
        if (pool !== admin) await pool.close();
        await admin.close();
        await server.stop();
      }
    }
  } finally {
    await echoServer?.stop();
    await Promise.all(servers.map((s) => s?.stop()));
    rmSync(tokenDir, { recursive: true, force: true });
  }
  const echo = ctx.results.echo ?? [];
  for (const row of rows) {
    const e = echo.find((x) => x.concurrency === row.concurrency);
    if (e) row.ofEcho = Number((row.opsPerSec / e.opsPerSec).toFixed(2));
  }
  return rows;
}

/**
 * paired measures the echo and the creates (`createOp`, on a warm server) at c=16 in alternating windows of equal
 * length, so both see the same machine: each round's ratio is creates/s over the echo's rate of the window just
 * before. `pairedOfEcho` is the median round's.
 */
async function paired(ctx, echo, createOp) {
  const pool = newPool(echo.url);
  try {
    const echoOp = newEchoOp(pool);
    const durationMs = ctx.scale(1000, 200);
    await closedLoop({ concurrency: PAIRED_CONCURRENCY, durationMs: ctx.scale(2000, 300), op: echoOp }); // warm-up: a fresh echo server kept speeding up for seconds
    const rounds = [];
    for (let i = 0; i < PAIRED_ROUNDS; i++) {
      const e = await closedLoop({ concurrency: PAIRED_CONCURRENCY, durationMs, op: echoOp });
      const c = await closedLoop({ concurrency: PAIRED_CONCURRENCY, durationMs, op: createOp });
      rounds.push({ echoPerSec: e.opsPerSec, createPerSec: c.opsPerSec, ratio: Number((c.opsPerSec / e.opsPerSec).toFixed(2)) });
    }
    const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)];
    ctx.log(`create vs echo, paired at c=${PAIRED_CONCURRENCY}: ${rounds.map((r) => `${r.createPerSec}/${r.echoPerSec}/s = ${r.ratio}`).join(', ')}`);
    return { pairedOfEcho: median.ratio, pairedRounds: rounds.map((r) => r.ratio).join(' ') };
  } finally {
    await pool.close();
  }
}

export function summarize(results) {
  const echo = results.echo ?? [];
  const lines = [];
  for (const { sqlite, port } of CONFIGS) {
    const rows = results.create.filter((r) => r.sqlite === sqlite && (r.port ?? 'insecure') === port);
    if (!rows.length) continue;
    const parts = rows.map((r) => {
      const e = echo.find((x) => x.concurrency === r.concurrency);
      return `c=${r.concurrency}: ${r.opsPerSec}/s` + (e ? ` = ${((100 * r.opsPerSec) / e.opsPerSec).toFixed(0)}% of echo ${e.opsPerSec}/s` : '') + (r.serverCpuMsPerOp !== undefined ? ` (${r.serverCpuMsPerOp} ms CPU each)` : '');
    });
    lines.push(`creates (SQLite ${sqlite}, ${port} port) as a fraction of the Express echo — ${parts.join('; ')} (target >= 60% at c=16)`);
  }
  const pairedRow = results.create.find((r) => r.pairedOfEcho !== undefined);
  if (pairedRow) {
    lines.push(`creates (SQLite FULL, insecure port) at c=${pairedRow.concurrency}, paired with the echo in ${PAIRED_ROUNDS} alternating windows: median ${pairedRow.pairedOfEcho} of rounds ${pairedRow.pairedRounds} (target >= 0.60)`);
  }
  const best = Math.max(...echo.map((e) => e.opsPerSec));
  const bestCreate = Math.max(...results.create.filter((r) => r.sqlite === 'FULL' && (r.port ?? 'insecure') === 'insecure').map((r) => r.opsPerSec));
  if (Number.isFinite(best) && Number.isFinite(bestCreate)) {
    lines.push(`HEADLINE create rate (FULL, best concurrency) ${bestCreate}/s = ${((100 * bestCreate) / best).toFixed(0)}% of the echo's best ${best}/s`);
  }
  return lines;
}
