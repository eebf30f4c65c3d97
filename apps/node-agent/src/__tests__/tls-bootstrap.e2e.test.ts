/**
 * Node TLS bootstrap end to end with real processes: a real controller-manager (csrapproving + csrsigning with the
 * cluster CA) and a real node agent started with only a bootstrap kubeconfig (CA + bootstrap token) against an
 * api-server served over HTTPS with token and client-certificate authentication, the Node authorizer and
 * NodeRestriction. The agent gets its certificate through a CSR, writes its kubeconfig, registers as
 * system:node:NAME, serves its HTTPS port only to the api-server's client certificate, and on restart uses the
 * kubeconfig as-is. (The test and the controller-manager use a plain listener that stands for the insecure port
 * until the secure-port flags are on main.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Clientset } from '@skiff/client';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { testPki, waitFor, type PemPair, type TestPki } from '@skiff/testing';
import { RESOURCES, type CertificateSigningRequest } from '@skiff/api';
import { unionAuthenticator, type Authenticator } from '../../../api-server/src/auth/authenticator.js';
import { privilegedGroupAuthorizer, unionAuthorizer, ALLOW, NO_OPINION, type Authorizer } from '../../../api-server/src/auth/authorizer.js';
import { parseTokenFile, tokenFileAuthenticator } from '../../../api-server/src/auth/token-file-authenticator.js';
import { NodeGraph } from '../../../api-server/src/auth/node-graph.js';
import { nodeAuthorizer } from '../../../api-server/src/auth/node-authorizer.js';
import { nodeRestriction } from '../../../api-server/src/admission/node-restriction.js';
import { MemoryStore } from '../../../api-server/src/storage/memory-store.js';
import { cleanEnv, spawnAgent, type SpawnedAgent } from './spawned-agent.js';

const CONTROLLER_MANAGER_MAIN = resolve(import.meta.dirname, '../../../controller-manager/dist/main.js');
const suffix = Math.random().toString(36).slice(2, 8);
const BOOTSTRAP_TOKEN = `abcdef.0123456789abcdef`;

let dir: string;
let server: RunningServer | undefined;
let https: HttpsServer | undefined;
let client: Clientset | undefined;
let stopGraph: (() => void) | undefined;
const agents: SpawnedAgent[] = [];
/** Every request the api-server decided: `user verb resource[/subresource] allowed`. */
const decided: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
  for (const c of children.splice(0)) {
    if (c.exitCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
  }
  await client?.close();
  https?.closeAllConnections();
  await new Promise((r) => (https ? https.close(r) : r(undefined)));
  stopGraph?.();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** x509User is the client-certificate authenticator the tls work adds to main.ts, reduced to what this test needs. */
const x509User: Authenticator = (req) => {
  const socket = req.socket as TLSSocket;
  if (!socket.encrypted || !socket.authorized) return undefined;
  const s = socket.getPeerCertificate().subject;
  const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);
  return { username: list(s.CN)[0] ?? '', groups: list(s.O) };
};
/** The plain listener stands for the loopback insecure port: whoever uses it is in system:masters. */
const insecurePort: Authenticator = (req) => ((req.socket as TLSSocket).encrypted ? undefined : { username: 'system:unsecured', groups: ['system:masters'] });
/** kube's system:node-bootstrapper ClusterRole, bound to system:bootstrappers by kubeadm. */
const bootstrapperRole: Authorizer = {
  authorize: (a) => (a.user.groups.includes('system:bootstrappers') && a.apiGroup === 'certificates.k8s.io' && a.resource === 'certificatesigningrequests' && ['create', 'get', 'list', 'watch'].includes(a.verb) && !a.subresource ? ALLOW : NO_OPINION),
};

async function startCluster(pki: TestPki): Promise<{ httpsUrl: string }> {
  const store = new MemoryStore();
  const { graph, stop } = NodeGraph.fromStore(store);
  stopGraph = stop;
  const tokens = parseTokenFile(`${BOOTSTRAP_TOKEN},system:bootstrap:abcdef,,system:bootstrappers\n`);
  const kubeletClient = await pki.issue({ cn: 'kube-apiserver-kubelet-client', groups: ['system:masters'] });
  server = await startServer({
    store,
    auth: { authenticate: unionAuthenticator([insecurePort, tokenFileAuthenticator(tokens), x509User], { anonymous: false }), authorizer: unionAuthorizer([privilegedGroupAuthorizer, nodeAuthorizer(graph), bootstrapperRole]),
      observe: (_req, _res, a, allowed) => void decided.push(`${a.user.username} ${a.verb} ${a.subresource ? `${a.resource}/${a.subresource}` : a.resource} ${allowed}`),
    },
    admission: [nodeRestriction()],
    kubeletClient: { allowLoopback: true, clientCertificate: kubeletClient },
  });
  const serving = await pki.issue({ cn: 'kube-apiserver', ips: ['127.0.0.1'], dns: ['localhost'] });
  https = createHttpsServer({ ...serving, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false }, server.api.app);
  https.on('upgrade', (req, socket, head) => server!.api.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => https!.listen(0, '127.0.0.1', r));
  client = createClient({ server: server.url });
  return { httpsUrl: `https://127.0.0.1:${(https.address() as AddressInfo).port}` };
}

function startControllerManager(pki: TestPki): void {
  writeFileSync(join(dir, 'ca.crt'), pki.ca.cert);
  writeFileSync(join(dir, 'ca.key'), pki.ca.key, { mode: 0o600 });
  const child = spawn(process.execPath, [CONTROLLER_MANAGER_MAIN, '--server', server!.url, '--listen', '127.0.0.1:0', '--leader-elect=false', '--controllers', 'csrapproving,csrsigning', '--cluster-signing-cert-file', join(dir, 'ca.crt'), '--cluster-signing-key-file', join(dir, 'ca.key'), '--log-level', 'warn'], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
}

function writeBootstrapKubeconfig(httpsUrl: string, ca: string): string {
  const path = join(dir, 'bootstrap.kubeconfig');
  writeFileSync(path, `apiVersion: v1
kind: Config
clusters:
- name: skiff
  cluster: {server: "${httpsUrl}", certificate-authority-data: ${Buffer.from(ca).toString('base64')}}
users:
- name: bootstrap
  user: {token: ${BOOTSTRAP_TOKEN}}
contexts:
- name: bootstrap
  context: {cluster: skiff, user: bootstrap}
current-context: bootstrap
`);
  return path;
}

/** agentGet asks the agent's HTTPS port for `path` with an optional client certificate. */
function agentGet(port: number, path: string, cert?: PemPair): Promise<{ status: number; body: string }> {
  return new Promise((resolveRes, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, rejectUnauthorized: false, ...(cert ? { cert: cert.cert, key: cert.key } : {}) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolveRes({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('node TLS bootstrap (real controller-manager and node agent)', () => {
  it('joins with a bootstrap token, gets a signed client certificate, runs as system:node:NAME and serves only the api-server', async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-bootstrap-'));
    const pki = await testPki(`bootstrap-${suffix}`);
    const { httpsUrl } = await startCluster(pki);
    startControllerManager(pki);
    const node = `boot-${suffix}`;
    const kubeconfig = join(dir, 'kubelet.kubeconfig');
    const certDir = join(dir, 'pki');
    const args = ['--node-name', node, '--runtime', 'simulated', '--listen', '127.0.0.1:0', '--kubeconfig', kubeconfig, '--bootstrap-kubeconfig', writeBootstrapKubeconfig(httpsUrl, pki.ca.cert), '--cert-dir', certDir, '--root-dir', join(dir, 'root'), '--tmpfs-dir', join(dir, 'tmpfs'), '--log-level', 'warn'];
    const agent = spawnAgent(args);
    agents.push(agent);
    const registered = await waitFor(async () => {
      if (agent.child.exitCode !== null) throw new Error(`agent exited: ${agent.output()}`);
      return (await client!.nodes.list()).items.find((n) => n.metadata.name === node && n.status?.daemonEndpoints?.kubeletEndpoint?.Port);
    }, { what: `node ${node} to register through TLS bootstrap`, timeoutMs: 60_000 });

    const csrClient = client!.resource<CertificateSigningRequest>(RESOURCES.certificatesigningrequests);
    const csrs = (await csrClient.list()).items;
    expect(csrs).toHaveLength(1);
    expect(csrs[0]!.spec).toMatchObject({ username: 'system:bootstrap:abcdef', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] });
    expect(csrs[0]!.status!.conditions!.map((c) => `${c.type}/${c.reason}`)).toEqual(['Approved/AutoApproved']);
    // The key stays in the cert dir, readable only by the agent; the kubeconfig points at it.
    const pem = readFileSync(join(certDir, 'kubelet-client-current.pem'), 'utf8');
    expect(pem).toContain('BEGIN CERTIFICATE');
    expect(pem).toContain('BEGIN PRIVATE KEY');
    expect(statSync(join(certDir, 'kubelet-client-current.pem')).mode & 0o077).toBe(0);
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`client-certificate: ${join(certDir, 'kubelet-client-current.pem')}`);
    // The agent wrote its Node and Lease as system:node:NAME: the Node authorizer let it, NodeRestriction checked the name.
    expect(registered.metadata.name).toBe(node);
    expect(decided).toContain('system:bootstrap:abcdef create certificatesigningrequests true');
    expect(decided).toContain(`system:node:${node} create nodes true`);
    expect(decided.filter((d) => d.startsWith('system:bootstrap:') && !d.includes('certificatesigningrequests'))).toEqual([]);
    await waitFor(async () => (await client!.leases.get(node, { namespace: 'kube-node-lease' }).catch(() => undefined)) !== undefined, { what: 'the node lease', timeoutMs: 20_000 });

    // The agent's port is HTTPS and answers only the api-server's client certificate.
    const port = registered.status!.daemonEndpoints!.kubeletEndpoint!.Port;
    expect((await agentGet(port, '/containerLogs/default/nope/c')).status).toBe(401);
    const stranger = await testPki(`stranger-${suffix}`);
    expect((await agentGet(port, '/containerLogs/default/nope/c', await stranger.issue({ cn: 'kube-apiserver-kubelet-client', groups: ['system:masters'] }))).status).toBe(401);
    const jane = await agentGet(port, '/containerLogs/default/nope/c', await pki.issue({ cn: 'jane', groups: ['dev'] }));
    expect(jane).toEqual({ status: 403, body: 'Forbidden (user=jane, verb=get, resource=nodes, subresource=proxy)' });
    const apiServer = await agentGet(port, '/containerLogs/default/nope/c', await pki.issue({ cn: 'kube-apiserver-kubelet-client', groups: ['system:masters'] }));
    expect(apiServer.status).toBe(404);
    expect((await agentGet(port, '/healthz')).status).toBe(200);
    // pods/log through the api-server reaches the agent with the kubelet client certificate.
    // Its Secret reaches the agent through a watch of that one object: all the Node authorizer lets a node read.
    await client!.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-env', namespace: 'default' }, stringData: { GREETING: 'hi' } });
    await client!.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox:1.36', envFrom: [{ secretRef: { name: 'web-env' } }] }] } });
    await waitFor(async () => (await client!.pods.get('web', { namespace: 'default' })).status?.phase === 'Running', { what: 'the pod to run', timeoutMs: 30_000 });
    expect(decided).toContain(`system:node:${node} watch secrets true`);
    expect(decided.filter((d) => d.startsWith('system:node:') && d.endsWith('false'))).toEqual([]);
    const logs = await fetch(`${server!.url}/api/v1/namespaces/default/pods/web/log`);
    expect(logs.status).toBe(200);
    expect(await logs.text()).toContain('simulated container c of default/web');

    // A restart uses the kubeconfig as it is: no second CSR.
    await agent.stop();
    const again = spawnAgent(args);
    agents.push(again);
    await waitFor(async () => {
      if (again.child.exitCode !== null) throw new Error(`agent exited: ${again.output()}`);
      const n = await client!.nodes.get(node);
      return n.status?.daemonEndpoints?.kubeletEndpoint?.Port !== port && n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    }, { what: 'the restarted agent to report its new port', timeoutMs: 30_000 });
    expect((await csrClient.list()).items).toHaveLength(1);
    expect(existsSync(kubeconfig)).toBe(true);
  }, 120_000);
});
