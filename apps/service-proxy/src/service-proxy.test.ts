import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
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
    // The file is written right after the listeners open, so the ClusterIP may answer a moment before it lists it.
    await waitFor(() => readFileSync(join(dir, 'cluster-ips'), 'utf8').includes(`${ip}\n`), { timeoutMs: 10_000, what: 'the ClusterIP in the addresses file' });

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

  it("answers DNS over TCP on kube-dns's address (its own endpoint), retries a truncated answer over TCP, and relays a UDP Service", async () => {
    // kube-dns as the controller makes it, at a loopback ClusterIP of the range: UDP and TCP on one port.
    const dnsPort = await freePort();
    await client.services.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system' },
      spec: { clusterIP: '127.0.100.10', ports: [{ name: 'dns', port: dnsPort, protocol: 'UDP' }, { name: 'dns-tcp', port: dnsPort, protocol: 'TCP' }] },
    }, { namespace: 'kube-system' });
    const proxy = new ServiceProxy({ client, clock: realClock, logger: silentLogger, domain: 'cluster.local', dns: { host: '127.0.100.10', port: dnsPort }, listenHost: '0.0.0.0' });
    await new Promise<void>((resolve) => void proxy.run(ac.signal, resolve));

    // A headless Service with 60 ready endpoints: more A records than a UDP answer carries.
    const ips = Array.from({ length: 60 }, (_, i) => `10.244.0.${i + 1}`);
    await client.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'many', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'p', port: 80 }] } });
    await client.endpointslices.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'many-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'many' } },
      addressType: 'IPv4',
      ports: [{ name: 'p', port: 80, protocol: 'TCP' }],
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    });
    // A raw query over TCP to kube-dns's ClusterIP, as a resolver sends after a truncated UDP answer.
    const overTcp = await waitFor(() => tcpQuery('127.0.100.10', dnsPort, 'many.default.svc.cluster.local').then((p) => (p.answers?.length === 60 ? p : undefined), () => undefined), { timeoutMs: 10_000, what: '60 A records over TCP' });
    expect(overTcp.answers!.map((a) => (a as { data: string }).data).sort()).toEqual([...ips].sort());
    // c-ares gets TC over UDP and asks again over TCP at the same address: every record arrives.
    const r = new Resolver({ timeout: 2000, tries: 1 });
    r.setServers([`127.0.100.10:${dnsPort}`]);
    expect((await r.resolve4('many.default.svc.cluster.local')).sort()).toEqual([...ips].sort());

    // A UDP Service: datagrams to its ClusterIP reach the endpoint, replies come back from the ClusterIP.
    const echo = createSocket('udp4');
    echo.on('message', (msg, from) => echo.send(`echo:${msg}`, from.port, from.address));
    await new Promise<void>((res) => echo.bind(0, '127.0.0.1', res));
    const udpPort = await freePort();
    const svc = await client.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'syslog', namespace: 'default' }, spec: { ports: [{ name: 'log', port: udpPort, protocol: 'UDP' }] } });
    await client.endpointslices.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'syslog-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'syslog' } },
      addressType: 'IPv4',
      ports: [{ name: 'log', port: echo.address().port, protocol: 'UDP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    });
    const sender = createSocket('udp4');
    try {
      const reply = await waitFor(
        () =>
          new Promise<{ text: string; from: string } | undefined>((res) => {
            const t = setTimeout(() => res(undefined), 300);
            sender.once('message', (msg, from) => (clearTimeout(t), res({ text: msg.toString(), from: `${from.address}:${from.port}` })));
            sender.send('hello', udpPort, svc.spec!.clusterIP!);
          }),
        { timeoutMs: 10_000, what: 'a UDP answer through the ClusterIP' },
      );
      expect(reply).toEqual({ text: 'echo:hello', from: `${svc.spec!.clusterIP}:${udpPort}` });
    } finally {
      sender.close();
      echo.close();
    }
  });
});

/** tcpQuery asks one A question over TCP (length-framed, RFC 1035 4.2.2) and returns the decoded answer. */
function tcpQuery(host: string, port: number, name: string): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('close', () => reject(new Error('closed before an answer')));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      sock.destroy();
    });
    sock.write(dnsPacket.streamEncode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }));
  });
}
