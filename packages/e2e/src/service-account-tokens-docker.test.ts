/**
 * Issue 12's ServiceAccount tokens over real processes, kubectl 1.32 and a real Docker engine: `kubectl create
 * token` (plain and pod-bound), the token authenticating as its ServiceAccount and dying with its pod, a pod that
 * finds token, ca.crt and namespace at /var/run/secrets/kubernetes.io/serviceaccount and whose token
 * authenticates, the default bootstrap token authenticating as system:bootstrap:<id>, and the audit log saying who.
 *
 * A secure cluster, as Compose and npm start run: TLS only, Node,RBAC, the node agent joined by TLS bootstrap.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { dockerClusterAvailable, startDockerCluster, stopDockerCluster } from './docker-cluster.js';
import { run } from './toy-cluster.js';

const available = dockerClusterAvailable();
const NODE = `e2e-sat-${Math.random().toString(36).slice(2, 8)}`;
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const cluster = new Cluster({ secure: true });
let kc = '';
let caPem = '';
const auditPath = join(cluster.dataDir, 'audit', 'audit.log');

const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kc, ...args], { timeoutMs: 30_000 });
const WAIT = { timeoutMs: 60_000, intervalMs: 300 };
/** asBearer sends GET `path` over verified TLS with `token`, tagged with the token's tail as user agent. */
const asBearer = (token: string, path = '/api/v1/namespaces/default/pods'): Promise<{ status: number }> =>
  new Promise((resolve, reject) => {
    const req = httpsRequest(`${cluster.server}${path}`, { ca: caPem, headers: { authorization: `Bearer ${token}`, 'user-agent': `e2e-${token.slice(-8)}` } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end();
  });

interface AuditLine {
  userAgent?: string;
  user: { username: string; groups: string[]; extra?: Record<string, string[]> };
  responseStatus: { code: number };
}
/** The audit event of the request sent with `token` (asBearer tags each with the token's tail as user agent). */
const auditOf = (token: string): Promise<AuditLine> =>
  waitFor(() => {
    const lines = readFileSync(auditPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditLine);
    return lines.find((l) => l.userAgent === `e2e-${token.slice(-8)}`);
  }, { ...WAIT, what: 'the audit line of the request' });

describe.skipIf(!available)('ServiceAccount and bootstrap tokens end to end (kubectl, real Docker)', () => {
  beforeAll(async () => {
    await cluster.startApiServer(['--audit-log-path', auditPath]);
    caPem = readFileSync(join(cluster.dataDir, 'pki', 'ca.crt'), 'utf8');
    kc = cluster.kubeconfig();
    // The cluster's start() gives the controller-manager the signing CA and --root-ca-file, and the agent its own
    // --root-dir and a --tmpfs-dir on /dev/shm; the CSR controllers let the node agent join.
    await startDockerCluster(cluster, [NODE], { controllerManagerArgs: ['--controllers', 'serviceaccount,root-ca-cert-publisher,csrapproving,csrsigning'] });
  }, 150_000);

  afterAll(async () => {
    await stopDockerCluster(cluster, [NODE]);
  }, 60_000);

  it('kubectl create token gives a token that authenticates as the ServiceAccount; forged and orphaned tokens are 401', async () => {
    expect((await kubectl('create', 'serviceaccount', 'robot')).trim()).toBe('serviceaccount/robot created');
    // RBAC: the ServiceAccount may read in its namespace (without it, its requests are authenticated but 403).
    await kubectl('create', 'rolebinding', 'robot-view', '--clusterrole=view', '--serviceaccount=default:robot');
    const token = (await kubectl('create', 'token', 'robot', '--duration', '15m')).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; exp: number; iat: number };
    expect(claims.sub).toBe('system:serviceaccount:default:robot');
    expect(claims.exp - claims.iat).toBe(900);
    expect((await asBearer(token)).status).toBe(200);
    expect(await auditOf(token)).toMatchObject({
      user: { username: 'system:serviceaccount:default:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] },
      responseStatus: { code: 200 },
    });
    await expect(kubectl('create', 'token', 'robot', '--duration', '5m')).rejects.toThrow(/may not specify a duration less than 10 minutes/);

    const [h, p, sig] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${sig}`;
    expect(p).not.toBe(forged.split('.')[1]);
    expect((await asBearer(forged)).status).toBe(401);

    await kubectl('run', 'holder', '--image', 'busybox:1.36', '--restart', 'Never', '--overrides', JSON.stringify({ spec: { nodeName: NODE, serviceAccountName: 'robot', terminationGracePeriodSeconds: 1 } }), '--command', '--', 'sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait');
    const bound = (await kubectl('create', 'token', 'robot', '--bound-object-kind', 'Pod', '--bound-object-name', 'holder')).trim();
    expect((await asBearer(bound)).status).toBe(200);
    expect((await auditOf(bound)).user.extra?.['authentication.kubernetes.io/pod-name']).toEqual(['holder']);
    await kubectl('delete', 'pod', 'holder', '--wait=true');
    expect((await asBearer(bound)).status).toBe(401);
    expect((await asBearer(token)).status).toBe(200);
  }, 180_000);

  it("mounts the pod's token, ca.crt and namespace, and the token authenticates as the pod's ServiceAccount", async () => {
    await waitFor(() => kubectl('get', 'serviceaccount', 'default', '-o', 'name').catch(() => undefined), { ...WAIT, what: 'default ServiceAccount' });
    await waitFor(() => kubectl('get', 'configmap', 'kube-root-ca.crt', '-o', 'name').catch(() => undefined), { ...WAIT, what: 'kube-root-ca.crt published' });
    await kubectl('create', 'rolebinding', 'default-view', '--clusterrole=view', '--serviceaccount=default:default');
    await kubectl('run', 'reader', '--image', 'busybox:1.36', '--restart', 'Never', '--overrides', JSON.stringify({ spec: { nodeName: NODE, terminationGracePeriodSeconds: 1 } }), '--command', '--', 'sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait');
    await kubectl('wait', '--for=condition=Ready', 'pod/reader', '--timeout=60s');
    const spec = JSON.parse(await kubectl('get', 'pod', 'reader', '-o', 'json')) as { spec: { volumes: { name: string }[]; containers: { volumeMounts: { name: string; mountPath: string; readOnly: boolean }[] }[] } };
    const vol = spec.spec.volumes.find((v) => v.name.startsWith('kube-api-access-'));
    expect(spec.spec.containers[0]!.volumeMounts).toContainEqual({ name: vol!.name, mountPath: SA_DIR, readOnly: true });

    const token = (await kubectl('exec', 'reader', '--', 'cat', `${SA_DIR}/token`)).trim();
    expect(await kubectl('exec', 'reader', '--', 'cat', `${SA_DIR}/ca.crt`)).toBe(caPem);
    expect(await kubectl('exec', 'reader', '--', 'cat', `${SA_DIR}/namespace`)).toBe('default');
    // Read-only for the container.
    await expect(kubectl('exec', 'reader', '--', 'sh', '-c', `echo x > ${SA_DIR}/token`)).rejects.toThrow(/Read-only file system/);

    expect((await asBearer(token)).status).toBe(200);
    const line = await auditOf(token);
    expect(line.user.username).toBe('system:serviceaccount:default:default');
    expect(line.user.extra?.['authentication.kubernetes.io/pod-name']).toEqual(['reader']);
  }, 180_000);

  it('the default bootstrap token authenticates as system:bootstrap:<id>', async () => {
    const all = JSON.parse(await kubectl('get', 'secrets', '-n', 'kube-system', '-o', 'json')) as { items: { type: string; data: Record<string, string> }[] };
    const tokens = all.items.filter((s) => s.type === 'bootstrap.kubernetes.io/token');
    expect(tokens).toHaveLength(1);
    const d = (k: string) => Buffer.from(tokens[0]!.data[k]!, 'base64').toString();
    const token = `${d('token-id')}.${d('token-secret')}`;
    // kubeadm's bootstrap RBAC lets a joining node get (not list) Nodes.
    expect((await asBearer(token, `/api/v1/nodes/${NODE}`)).status).toBe(200);
    expect((await auditOf(token)).user).toMatchObject({ username: `system:bootstrap:${d('token-id')}`, groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'] });
    expect((await asBearer(`${d('token-id')}.${'x'.repeat(16)}`, `/api/v1/nodes/${NODE}`)).status).toBe(401);
    expect(readFileSync(auditPath, 'utf8')).not.toContain(d('token-secret'));
  }, 60_000);
});
