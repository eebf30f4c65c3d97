/**
 * Issue 12 probed as an attacker inside a pod would: a secure cluster laid out as Compose runs it (the TLS port on
 * every address, the insecure port on loopback only, the node agent's HTTPS port on every address, its plain
 * healthz port on loopback), a real Docker pod with its automounted token and no RBAC grant. From inside the pod
 * we learn which of those ports it reaches (its network's gateway is the host); then every request an attacker
 * would send there, unauthenticated or with the pod's own token, is refused.
 *
 * The requests are sent from this process to the address and port the pod reached, not from the pod: busybox's
 * wget cannot finish a TLS handshake with Node's servers, and neither the api-server nor the agent looks at a
 * request's source address (only the audit log records it), so the answers are the ones the pod would get.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort, testPki, waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { removeNode, sleepForever } from './docker.js';
import { built, dockerAvailable, run } from './toy-cluster.js';

const available = dockerAvailable() && built('api-server') && built('node-agent') && built('controller-manager');
if (!available && process.env['SKIFF_REQUIRE_DOCKER'] === '1') throw new Error('SKIFF_REQUIRE_DOCKER=1 but Docker or the built apps are missing');
const NODE = `e2e-attack-${Math.random().toString(36).slice(2, 8)}`;
const cluster = new Cluster({ secure: true });
const home = mkdtempSync(join(tmpdir(), 'skiff-attack-'));
const WAIT = { timeoutMs: 90_000, intervalMs: 500 };
const ports = { insecure: 0, agent: 0, healthz: 0 };
let gateway = '';
let podToken = '';

const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', cluster.kubeconfig(), ...args], { env: { HOME: home }, timeoutMs: 60_000 });
/** inPod runs a shell line in the attacker pod and answers its stdout. */
const inPod = (line: string) => kubectl('exec', 'attacker', '--', 'sh', '-c', line);

interface Answer {
  status: number;
  body: string;
}
/**
 * attack sends one request as an attacker does: to the gateway address the pod reaches, without verifying the
 * server (the attacker has no reason to) and with whatever credential it holds.
 */
function attack(port: number, method: string, path: string, opts: { token?: string; body?: unknown; cert?: { cert: string; key: string } } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json' } : {}), ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) };
    const req = httpsRequest({ host: gateway, port, method, path, headers, rejectUnauthorized: false, ...(opts.cert ?? {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
const message = (a: Answer): string => (JSON.parse(a.body) as { message: string }).message;

describe.skipIf(!available)('an attacker inside a pod of a secure cluster (real Docker)', () => {
  beforeAll(async () => {
    ports.insecure = await freePort();
    ports.agent = await freePort();
    ports.healthz = await freePort();
    // As Compose: TLS on every address, the insecure port on loopback only (the healthcheck's).
    await cluster.startApiServer(['--listen', `127.0.0.1:${ports.insecure}`], '0.0.0.0');
    cluster.start('controller-manager', 'controller-manager', ['--listen', '127.0.0.1:0', '--leader-elect=false', '--controllers', 'serviceaccount,root-ca-cert-publisher,csrapproving,csrsigning']);
    cluster.start(NODE, 'node-agent', ['--runtime', 'docker', '--node-name', NODE, '--listen', `0.0.0.0:${ports.agent}`, '--healthz-port', String(ports.healthz), '--node-status-update-frequency', '2s']);
    await waitFor(async () => (await cluster.client.nodes.list()).items.some((n) => n.metadata.name === NODE && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')), { ...WAIT, what: 'the node Ready' });
    await waitFor(() => kubectl('get', 'serviceaccount', 'default', '-o', 'name').catch(() => undefined), { ...WAIT, what: 'the default ServiceAccount' });
    await kubectl('create', 'secret', 'generic', 'not-given', '--from-literal=password=s3cr3t');
    await kubectl('run', 'attacker', '--image', 'busybox:1.36', '--restart', 'Never', '--overrides', JSON.stringify({ spec: { nodeName: NODE, terminationGracePeriodSeconds: 1 } }), '--command', '--', ...sleepForever);
    await kubectl('wait', '--for=condition=Ready', 'pod/attacker', '--timeout=90s');
    podToken = (await inPod('cat /var/run/secrets/kubernetes.io/serviceaccount/token')).trim();
    gateway = (await inPod("ip route | awk '/^default/ {print $3}'")).trim();
  }, 180_000);
  afterAll(async () => {
    await cluster.stop();
    await removeNode(NODE);
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('reaches the TLS port and the agent port from the pod, never the insecure port or the plain healthz port', async () => {
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const reach = async (port: number) => (await inPod(`nc -w 5 ${gateway} ${port} </dev/null >/dev/null 2>&1 && echo open || echo closed`)).trim();
    expect({ secure: await reach(cluster.port), agent: await reach(ports.agent), insecure: await reach(ports.insecure), healthz: await reach(ports.healthz) }).toEqual({ secure: 'open', agent: 'open', insecure: 'closed', healthz: 'closed' });
  }, 60_000);

  it('gets only health and version from the api-server without a credential', async () => {
    const anonymous = 'User "system:anonymous"';
    const tries: Array<[string, string, unknown, number, string?]> = [
      ['GET', '/healthz', undefined, 200],
      ['GET', '/version', undefined, 200],
      ['GET', '/api/v1/namespaces/default/secrets/not-given', undefined, 403, `secrets "not-given" is forbidden: ${anonymous} cannot get resource "secrets"`],
      ['GET', '/api/v1/namespaces/default/pods/attacker/log', undefined, 403, `pods "attacker" is forbidden: ${anonymous} cannot get resource "pods/log"`],
      ['DELETE', '/api/v1/namespaces/default/pods/attacker', undefined, 403, `pods "attacker" is forbidden: ${anonymous} cannot delete resource "pods"`],
      // A fake Node whose address would turn the log proxy on the api-server's own host.
      ['POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fake' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } }, 403, `nodes is forbidden: ${anonymous} cannot create resource "nodes"`],
      // The scheduler's Lease: taking it stops the scheduler.
      ['PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler', namespace: 'kube-system' }, spec: { holderIdentity: 'attacker' } }, 403, `leases.coordination.k8s.io "kube-scheduler" is forbidden: ${anonymous} cannot update resource "leases"`],
      ['GET', '/metrics', undefined, 403, `forbidden: ${anonymous} cannot get path "/metrics"`],
    ];
    for (const [method, path, body, status, words] of tries) {
      const a = await attack(cluster.port, method, path, { body });
      expect([method, path, a.status], a.body).toEqual([method, path, status]);
      if (words) expect(message(a)).toContain(words);
    }
    expect((await kubectl('get', 'nodes', '-o', 'name')).trim()).toBe(`node/${NODE}`);
  }, 60_000);

  it("gets nothing with the pod's own token: no Secret it was not given, no pods, no tokens, no exec", async () => {
    const sa = 'User "system:serviceaccount:default:default"';
    const tries: Array<[string, string, unknown, string]> = [
      ['GET', '/api/v1/namespaces/default/secrets/not-given', undefined, `secrets "not-given" is forbidden: ${sa} cannot get resource "secrets"`],
      ['GET', '/api/v1/namespaces/default/secrets', undefined, `secrets is forbidden: ${sa} cannot list resource "secrets"`],
      ['GET', '/api/v1/namespaces/default/pods', undefined, `pods is forbidden: ${sa} cannot list resource "pods"`],
      ['POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } }, `pods is forbidden: ${sa} cannot create resource "pods"`],
      ['POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }, `serviceaccounts "default" is forbidden: ${sa} cannot create resource "serviceaccounts/token"`],
      ['GET', '/api/v1/namespaces/kube-system/configmaps', undefined, `configmaps is forbidden: ${sa} cannot list resource "configmaps"`],
    ];
    for (const [method, path, body, words] of tries) {
      const a = await attack(cluster.port, method, path, { body, token: podToken });
      expect([method, path, a.status], a.body).toEqual([method, path, 403]);
      expect(message(a)).toContain(words);
    }
    // exec over WebSocket, as kubectl 1.31+ opens it: refused before the upgrade.
    const ws = new WebSocket(`wss://${gateway}:${cluster.port}/api/v1/namespaces/default/pods/attacker/exec?command=id&stdout=1`, ['v5.channel.k8s.io'], { headers: { Authorization: `Bearer ${podToken}` }, rejectUnauthorized: false });
    const refused = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => resolve(-1));
    });
    ws.terminate();
    expect(refused).toBe(403);
  }, 60_000);

  it("gets nothing from the node agent's port without the api-server's client certificate", async () => {
    // A certificate the attacker made itself, with the api-server's name: another CA.
    const own = await testPki();
    const forged = await own.issue({ cn: 'kube-apiserver-kubelet-client', groups: ['system:masters'] });
    for (const path of ['/containerLogs/default/attacker/attacker', '/stats/summary', '/metrics', '/pods', '/exec/default/attacker/attacker?command=id']) {
      for (const [who, opts] of [['anonymous', {}], ['pod token', { token: podToken }], ['forged certificate', { cert: forged }]] as const) {
        const a = await attack(ports.agent, 'GET', path, opts);
        expect([path, who, a.status], a.body).toEqual([path, who, 401]);
      }
    }
    // Only whether it is up.
    expect(await attack(ports.agent, 'GET', '/healthz')).toEqual({ status: 200, body: 'ok' });
  }, 60_000);
});
