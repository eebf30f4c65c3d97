/**
 * The secure port over real processes and verified TLS: the api-server writes a CA, a serving certificate and an
 * admin kubeconfig on first start, and kubectl 1.32, @kubernetes/client-node 1.4.0, the Python and Ruby clients,
 * curl and a WebSocket watch all connect with verification on. Client certificates are the user (CN) and groups (O);
 * one from another CA is 401; the insecure port refuses any host but loopback.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@skiff/testing';
import { createCa, issueCertificate, type CertKey } from '../src/pki/certificate.js';
import { httpsApi, runServerToExit, spawnServer, type ServerProcess, type TlsCredentials } from './harness.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'skiff-tls-'));
const dataDir = join(dir, 'data');
let server: ServerProcess;
let ca: CertKey;
const now = new Date();

beforeAll(async () => {
  writeFileSync(join(dir, 'tokens.csv'), 'secret-token,token-user,u1,"token-group"\n');
  server = await spawnServer(['--data-dir', dataDir, '--token-auth-file', join(dir, 'tokens.csv')]);
  ca = { cert: readFileSync(join(dataDir, 'pki/ca.crt'), 'utf8'), key: readFileSync(join(dataDir, 'pki/ca.key'), 'utf8') };
}, 30_000);
afterAll(async () => {
  await server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** clientCert writes a client certificate for CN=user, O=groups, issued by `issuer`, and answers its TLS material. */
async function clientCert(user: string, groups: string[], issuer: CertKey = ca): Promise<TlsCredentials> {
  const made = await issueCertificate(issuer, { commonName: user, organizations: groups, usages: ['client'] }, now);
  return { ca: server.adminTls().ca, cert: made.cert, key: made.key };
}

const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', server.adminKubeconfig, ...args], { env: { ...process.env, HOME: dir }, timeout: 30_000 });

describe('the secure port with the written admin kubeconfig', () => {
  it('serves a certificate for localhost and 127.0.0.1 from the CA in the kubeconfig, and its admin is kubernetes-admin in system:masters', async () => {
    const admin = server.adminTls();
    expect(admin.ca).toBe(ca.cert);
    const cert = new X509Certificate(admin.cert!);
    expect(cert.subject).toBe('CN=kubernetes-admin\nO=system:masters');
    // Verified TLS by name and by address, admin reads cluster-scoped and namespaced objects alike.
    expect((await httpsApi(server.secureUrl.replace('127.0.0.1', 'localhost'), 'GET', '/api/v1/namespaces', admin)).status).toBe(200);
    expect((await httpsApi(server.secureUrl, 'GET', '/api/v1/namespaces/kube-system/secrets', admin)).status).toBe(200);
  });

  it('works with kubectl 1.32 (get nodes, create, get -o name)', async () => {
    await httpsApi(server.secureUrl, 'POST', '/api/v1/nodes', server.adminTls(), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'tls-node-1' } });
    const { stdout } = await kubectl('get', 'nodes', '-o', 'name');
    expect(stdout.trim().split('\n')).toContain('node/tls-node-1');
    expect((await kubectl('create', 'namespace', 'tls-kubectl')).stdout.trim()).toBe('namespace/tls-kubectl created');
    expect((await kubectl('get', 'namespace', 'tls-kubectl', '-o', 'jsonpath={.metadata.name}')).stdout).toBe('tls-kubectl');
  });

  it('works with @kubernetes/client-node 1.4.0 (loadFromFile, list namespaces, a watch)', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(server.adminKubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const list = await core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toContain('kube-system');
    const seen: string[] = [];
    const req = await new Watch(kc).watch('/api/v1/namespaces', { resourceVersion: list.metadata?.resourceVersion }, (type, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`), () => undefined);
    try {
      await core.createNamespace({ body: { metadata: { name: 'tls-client-node' } } });
      await waitFor(() => seen.includes('ADDED tls-client-node'), { what: 'the watch to see the new namespace', timeoutMs: 10_000 });
    } finally {
      req.abort();
    }
  });

  it('works with the Python kubernetes client', async () => {
    const script = 'import sys\nfrom kubernetes import client, config\nconfig.load_kube_config(sys.argv[1])\nprint(",".join(sorted(n.metadata.name for n in client.CoreV1Api().list_namespace().items)))';
    const { stdout } = await run('/usr/bin/python3', ['-c', script, server.adminKubeconfig], { timeout: 30_000 });
    expect(stdout.trim().split(',')).toEqual(expect.arrayContaining(['default', 'kube-system']));
  });

  it('works with the Ruby kubeclient (ssl_options with the CA file and the client certificate)', async () => {
    const pki = join(dataDir, 'pki');
    const script = [
      'require "kubeclient"; require "openssl"',
      'pki = ARGV[1]',
      'ssl = { ca_file: "#{pki}/ca.crt", verify_ssl: OpenSSL::SSL::VERIFY_PEER, client_cert: OpenSSL::X509::Certificate.new(File.read("#{pki}/admin.crt")), client_key: OpenSSL::PKey.read(File.read("#{pki}/admin.key")) }',
      'c = Kubeclient::Client.new("#{ARGV[0]}/api", "v1", ssl_options: ssl)',
      'puts c.get_namespaces.map { |n| n.metadata.name }.sort.join(",")',
    ].join('\n');
    const { stdout } = await run('ruby', ['-e', script, server.secureUrl, pki], { timeout: 30_000 });
    expect(stdout.trim().split(',')).toEqual(expect.arrayContaining(['default', 'kube-system']));
  });

  it('works with curl and the written CA, certificate and key files', async () => {
    const pki = join(dataDir, 'pki');
    const { stdout } = await run('curl', ['-sS', '--fail', '--cacert', join(pki, 'ca.crt'), '--cert', join(pki, 'admin.crt'), '--key', join(pki, 'admin.key'), `${server.secureUrl}/api/v1/namespaces/default`], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'Namespace', metadata: { name: 'default' } });
  });

  it('opens a WebSocket watch over TLS with a client certificate', async () => {
    const admin = server.adminTls();
    const ws = new WebSocket(`${server.secureUrl.replace('https', 'wss')}/api/v1/namespaces?watch=1`, { ca: admin.ca, cert: admin.cert!, key: admin.key! });
    const events: string[] = [];
    ws.on('message', (d: Buffer) => events.push((JSON.parse(d.toString()) as { object: { metadata: { name: string } } }).object.metadata.name));
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
        ws.once('error', reject);
      });
      await waitFor(() => events.includes('kube-system'), { what: 'the initial namespaces on the WebSocket watch', timeoutMs: 10_000 });
    } finally {
      ws.close();
    }
  });
});

describe('client certificates and other credentials on the secure port', () => {
  it('takes the CN as the user and the O entries as groups: system:masters reads everything, others are authorized as themselves', async () => {
    const master = await clientCert('ops-jane', ['system:masters']);
    expect((await httpsApi(server.secureUrl, 'GET', '/api/v1/namespaces/kube-system/secrets', master)).status).toBe(200);
    expect((await httpsApi(server.secureUrl, 'GET', '/api/v1/nodes', master)).status).toBe(200);
    const dev = await clientCert('dev-joe', ['developers']);
    const denied = await httpsApi(server.secureUrl, 'GET', '/api/v1/namespaces/default/secrets', dev);
    expect(denied).toMatchObject({ status: 403, body: { reason: 'Forbidden' } });
    expect(denied.body.message).toContain('secrets is forbidden: User "dev-joe" cannot list resource "secrets" in API group "" in the namespace "default"');
  });

  it('answers 401 for a client certificate from another CA and for a self-signed one, even to /healthz', async () => {
    const otherCa = await createCa('kubernetes', now);
    const foreign = await clientCert('kubernetes-admin', ['system:masters'], otherCa);
    for (const path of ['/api/v1/namespaces', '/healthz']) {
      expect(await httpsApi(server.secureUrl, 'GET', path, foreign)).toMatchObject({ status: 401, body: { kind: 'Status', reason: 'Unauthorized' } });
    }
    const selfSigned = await createCa('kubernetes-admin', now);
    expect((await httpsApi(server.secureUrl, 'GET', '/api/v1/namespaces', { ca: server.adminTls().ca, cert: selfSigned.cert, key: selfSigned.key })).status).toBe(401);
  });

  it('treats a request without credentials as system:anonymous and takes tokens from --token-auth-file', async () => {
    const noCert = { ca: server.adminTls().ca };
    const anonymous = await httpsApi(server.secureUrl, 'GET', '/api/v1/namespaces', noCert);
    expect(anonymous).toMatchObject({ status: 403, body: { message: 'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope' } });
    const token = await httpsApi(server.secureUrl, 'GET', '/api/v1/namespaces', noCert, undefined, { authorization: 'Bearer secret-token' });
    expect(token.body.message).toContain('User "token-user" cannot list');
    expect((await httpsApi(server.secureUrl, 'GET', '/api/v1/namespaces', noCert, undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('is not reachable without verifying the cluster CA: a client that trusts only the system CAs refuses the server', async () => {
    await expect(httpsApi(server.secureUrl, 'GET', '/healthz', { ca: (await createCa('kubernetes', now)).cert })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });
});

describe('the insecure loopback port beside it', () => {
  it('shares one registry with the secure port but stays unauthenticated (system:masters), as kube\'s old insecure port', async () => {
    expect((await fetch(`${server.url}/api/v1/namespaces/kube-system/secrets`)).status).toBe(200);
    await fetch(`${server.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'from-insecure' } }) });
    expect((await httpsApi(server.secureUrl, 'GET', '/api/v1/namespaces/from-insecure', server.adminTls())).status).toBe(200);
    // The same request without credentials on the secure port is anonymous.
    expect((await httpsApi(server.secureUrl, 'GET', '/api/v1/namespaces/kube-system/secrets', { ca: server.adminTls().ca })).status).toBe(403);
  });
});

describe('restarts and refusals', () => {
  it('keeps the CA and the admin kubeconfig across a restart, so an old kubeconfig still works', async () => {
    const before = readFileSync(server.adminKubeconfig, 'utf8');
    const caBefore = readFileSync(join(dataDir, 'pki/ca.crt'), 'utf8');
    await server.kill('SIGTERM');
    server = await spawnServer(['--data-dir', dataDir, '--token-auth-file', join(dir, 'tokens.csv')]);
    expect(readFileSync(join(dataDir, 'pki/ca.crt'), 'utf8')).toBe(caBefore);
    // The secure port moved (an ephemeral port): the kubeconfig names the new one, with the same credential.
    const after = readFileSync(server.adminKubeconfig, 'utf8');
    expect(after.replace(/https:\/\/127\.0\.0\.1:\d+/, '')).toBe(before.replace(/https:\/\/127\.0\.0\.1:\d+/, ''));
    expect((await kubectl('get', 'namespace', 'tls-kubectl', '-o', 'name')).stdout.trim()).toBe('namespace/tls-kubectl');
  }, 30_000);

  it('refuses an insecure port on a non-loopback host at start, saying why', async () => {
    const r = await runServerToExit(['--storage', 'memory', '--listen', '0.0.0.0:18080']);
    expect(r.code).toBe(2); // a usage error, as every bad flag
    expect(r.stderr).toContain('--listen 0.0.0.0:18080: the insecure port serves every request as system:masters without authentication, so it listens only on a loopback address');
  });

  it('refuses to start when the CA certificate is there but its key is not', async () => {
    const broken = join(dir, 'broken');
    const proc = await spawnServer(['--data-dir', broken, '--storage', 'memory']);
    await proc.kill('SIGTERM');
    rmSync(join(broken, 'pki/ca.key'));
    const r = await runServerToExit(['--data-dir', broken, '--storage', 'memory']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`api-server: cannot set up TLS: ${join(broken, 'pki/ca.crt')} exists but ${join(broken, 'pki/ca.key')} is missing`);
  });
});
