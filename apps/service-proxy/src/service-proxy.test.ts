import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServiceIPRange } from '@skiff/api';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { createClient, type Clientset } from '@skiff/client';
import { realClock, silentLogger } from '@skiff/controller-kit';
import { freePort, waitFor } from '@skiff/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServiceProxy } from './service-proxy.js';

let server: RunningServer;
let client: Clientset;
let backends: Server[] = [];
let dir: string;
let ac: AbortController;

beforeEach(async () => {
  ac = new AbortController();
  // ClusterIPs from the loopback network stand in for the pod network's service range.
  server = await startServer({ serviceClusterIPRange: parseServiceIPRange('127.0.100.0/24') });
  client = createClient({ server: server.url });
  dir = mkdtempSync(join(tmpdir(), 'skiff-service-proxy-'));
});

afterEach(async () => {
  ac.abort();
  for (const b of backends) await new Promise((r) => b.close(r));
  backends = [];
  await client.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function backend(name: string): Promise<number> {
  const s = createServer((_req, res) => res.end(name));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  backends.push(s);
  return (s.address() as AddressInfo).port;
}

const ns = { namespace: 'default' };

describe('ServiceProxy against a real api-server', () => {
  it('serves a new Service by name and ClusterIP from its EndpointSlice, drops an unready endpoint, and lists the ClusterIPs for the sidecar', async () => {
    const [a, b] = [await backend('a'), await backend('b')];
    const port = await freePort();
    const proxy = new ServiceProxy({ client, clock: realClock, logger: silentLogger, domain: 'cluster.local', dns: { host: '127.0.0.1', port: 0 }, listenHost: '0.0.0.0', addressesFile: join(dir, 'cluster-ips') });
    const ready = new Promise<void>((resolve) => void proxy.run(ac.signal, resolve));
    await ready;
    const svc = await client.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port }] } });
    const ip = svc.spec!.clusterIP!;
    expect(ip).toMatch(/^127\.0\.100\./);
    // Two endpoint ports on 127.0.0.1 stand for two pods; the endpoint controller would write these slices.
    const slice = (name: string, p: number, ready: boolean) => ({
      apiVersion: 'discovery.k8s.io/v1' as const,
      kind: 'EndpointSlice' as const,
      metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4' as const,
      ports: [{ name: 'http', port: p, protocol: 'TCP' as const }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready } }],
    });
    await client.endpointslices.create(slice('web-a', a, true));
    const sb = await client.endpointslices.create(slice('web-b', b, true));

    const r = new Resolver({ timeout: 1000, tries: 1 });
    r.setServers([`127.0.0.1:${proxy.dnsPort}`]);
    expect(await waitFor(async () => (await r.resolve4('web.default.svc.cluster.local').catch(() => []))[0], { timeoutMs: 10_000, what: 'DNS answer' })).toBe(ip);
    const seen = await waitFor(
      async () => {
        const got = new Set<string>();
        for (let i = 0; i < 6; i++) got.add(await fetch(`http://${ip}:${port}/`, { headers: { connection: 'close' } }).then((res) => res.text(), () => 'down'));
        return got.has('a') && got.has('b') ? got : undefined;
      },
      { timeoutMs: 10_000, what: 'both backends behind the ClusterIP' },
    );
    expect([...seen].sort()).toEqual(['a', 'b']);
    expect(readFileSync(join(dir, 'cluster-ips'), 'utf8')).toContain(`${ip}\n`);

    await client.endpointslices.update({ ...slice('web-b', b, false), metadata: { ...sb.metadata } });
    await waitFor(
      async () => {
        for (let i = 0; i < 6; i++) if ((await fetch(`http://${ip}:${port}/`, { headers: { connection: 'close' } }).then((res) => res.text())) !== 'a') return undefined;
        return true;
      },
      { timeoutMs: 10_000, what: 'only the ready backend to answer' },
    );
  });

  it('syncs and writes the ClusterIPs while its DNS address is not yet on an interface (the sidecar adds it from that file)', async () => {
    // 192.0.2.53 (TEST-NET-1) is on no interface here, as kube-dns's ClusterIP is not before the first sync.
    const proxy = new ServiceProxy({ client, clock: realClock, logger: silentLogger, domain: 'cluster.local', dns: { host: '192.0.2.53', port: 53 }, addressesFile: join(dir, 'cluster-ips') });
    let failed: unknown;
    void proxy.run(ac.signal).catch((err: unknown) => (failed = err));
    const svc = await client.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns-wait', namespace: 'default' }, spec: { ports: [{ port: 53, protocol: 'UDP' }] } });
    await waitFor(() => (failed ? Promise.reject(failed) : readFileSync(join(dir, 'cluster-ips'), 'utf8').includes(`${svc.spec!.clusterIP}\n`)), { timeoutMs: 10_000, what: 'the ClusterIP in the addresses file' });
    expect(failed).toBeUndefined();
  });
});
