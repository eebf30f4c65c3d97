/**
 * The client over verified TLS from a kubeconfig: the server's certificate must chain to the kubeconfig's CA, the
 * client certificate and bearer token reach the server on requests and WebSocket watches, and a token file that
 * is rewritten is picked up.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { testPki, type PemPair, type TestPki } from '@skiff/testing';
import { createClient, type Clientset } from './create-client.js';
import { loadInClusterConfig, loadKubeconfig } from './load-kubeconfig.js';

let pki: TestPki;
let serverPair: PemPair;
let clientPair: PemPair;
beforeAll(async () => {
  pki = await testPki();
  serverPair = await pki.issue({ cn: 'api', dns: ['localhost'], ips: ['127.0.0.1'] });
  clientPair = await pki.issue({ cn: 'jane', groups: ['devs'] });
});

const dirs: string[] = [];
let server: Server | undefined;
let client: Clientset | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Who the server saw: the client certificate's CN (if verified) and the Authorization header. */
interface Seen {
  cn: string | undefined;
  authorization: string | undefined;
}

async function startTlsServer(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const who = (socket: TLSSocket, authorization: string | undefined): Seen => ({ cn: socket.authorized ? (socket.getPeerCertificate().subject?.CN as string | undefined) : undefined, authorization });
  server = createServer({ ...serverPair, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    seen.push(who(req.socket as TLSSocket, req.headers.authorization));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '5' }, items: [] }));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    seen.push(who(socket as TLSSocket, req.headers.authorization));
    wss.handleUpgrade(req, socket, head, (ws) => ws.send(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'ns1', resourceVersion: '6' } } })));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `https://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

function writeKubeconfig(url: string, user: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const path = join(dir, 'config');
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: skiff
  cluster:
    server: ${url}
    certificate-authority-data: ${Buffer.from(pki.ca.cert).toString('base64')}
users:
- name: u
  user:
${user}
contexts:
- name: ctx
  context: {cluster: skiff, user: u, namespace: team}
current-context: ctx
`,
  );
  return path;
}

describe('loadKubeconfig', () => {
  it('verifies the server against the CA and authenticates with the client certificate (relative files)', async () => {
    const { url, seen } = await startTlsServer();
    const path = writeKubeconfig(url, '    client-certificate: client.crt\n    client-key: client.key', { 'client.crt': clientPair.cert, 'client.key': clientPair.key });
    const cfg = loadKubeconfig(path);
    expect(cfg.namespace).toBe('team');
    client = createClient(cfg);
    await client.namespaces.list();
    expect(seen).toEqual([{ cn: 'jane', authorization: undefined }]);
  });

  it('sends the bearer token on requests and WebSocket watches, and rereads a rewritten token file', async () => {
    const { url, seen } = await startTlsServer();
    let now = 0;
    const path = writeKubeconfig(url, '    tokenFile: token', { token: 'first\n' });
    client = createClient(loadKubeconfig(path, { now: () => now }));
    await client.namespaces.list();
    const events: string[] = [];
    const handle = client.namespaces.watch({ transport: 'websocket', resourceVersion: '5' }, { onEvent: (e) => events.push(e.object.metadata.name ?? '') });
    await expect.poll(() => events).toEqual(['ns1']);
    handle.stop();
    expect(seen.slice(0, 2).map((s) => s.authorization)).toEqual(['Bearer first', 'Bearer first']);
    writeFileSync(join(path, '..', 'token'), 'second\n', { flag: 'w' });
    now += 61_000;
    await client.namespaces.list();
    expect(seen.at(-1)?.authorization).toBe('Bearer second');
  });

  it('refuses a server whose certificate does not chain to the kubeconfig CA', async () => {
    const { url } = await startTlsServer();
    const other = await testPki('other-ca');
    const path = writeKubeconfig(url, '    token: t');
    const cfg = loadKubeconfig(path);
    client = createClient({ ...cfg, tls: { ...cfg.tls, ca: other.ca.cert } });
    await expect(client.namespaces.list()).rejects.toThrow(/certificate/);
  });

  it('names the file and what is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'config'), 'apiVersion: v1\nkind: Config\ncurrent-context: nope\n');
    expect(() => loadKubeconfig(join(dir, 'config'))).toThrow(`kubeconfig ${join(dir, 'config')}: context "nope" not found`);
  });
});

describe('loadInClusterConfig', () => {
  it('reads the kubernetes Service address and the service account files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-sa-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'ca.crt'), pki.ca.cert);
    writeFileSync(join(dir, 'token'), 'sa-token');
    writeFileSync(join(dir, 'namespace'), 'web\n');
    const cfg = loadInClusterConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    expect(cfg.server).toBe('https://10.96.0.1:443');
    expect(cfg.namespace).toBe('web');
    expect(typeof cfg.token === 'function' ? cfg.token() : cfg.token).toBe('sa-token');
    expect(() => loadInClusterConfig({}, dir)).toThrow(/KUBERNETES_SERVICE_HOST/);
  });
});
