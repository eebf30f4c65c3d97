import { Resolver } from 'node:dns/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { silentLogger } from '@skiff/controller-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { service, slice } from '../__tests__/fixtures.js';
import { ServiceTable } from '../service-table.js';
import { DnsServer } from './dns-server.js';

const servers: DnsServer[] = [];
const tcpServers: Server[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
  while (tcpServers.length) await new Promise((r) => tcpServers.pop()!.close(r));
});

/** startBoth serves UDP and TCP on one port, as the proxy pod does on kube-dns's address. */
async function startBoth(table: ServiceTable, upstream?: { host: string; port: number }): Promise<number> {
  const s = new DnsServer({ table, domain: 'cluster.local', logger: silentLogger, upstreamTimeoutMs: 500, ...(upstream ? { upstream } : {}) });
  servers.push(s);
  const port = await s.listen('127.0.0.1', 0);
  const tcp = createServer({ allowHalfOpen: true }, (sock) => s.serveTcp(sock));
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));
  tcpServers.push(tcp);
  return port;
}

/** tcpQuery sends A queries on one TCP connection, length-framed, and returns the decoded answers by id. */
async function tcpQuery(port: number, names: string[]): Promise<Map<number, dnsPacket.DecodedPacket>> {
  const sock = connect({ host: '127.0.0.1', port });
  const out = new Map<number, dnsPacket.DecodedPacket>();
  let buf = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    sock.on('error', reject);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const p = dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        out.set(p.id!, p);
        if (out.size === names.length) resolve();
      }
    });
    sock.on('close', () => (out.size === names.length ? resolve() : reject(new Error(`connection closed after ${out.size} answers`))));
    // All queries in one write, then a half-close: the server splits the stream by the length prefix and answers
    // every query, the relayed one too, before it ends the connection.
    sock.end(Buffer.concat(names.map((name, i) => dnsPacket.streamEncode({ type: 'query', id: i + 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }))));
  });
  sock.destroy();
  return out;
}

/** bigHeadless is a headless Service with n ready endpoints: too many A records for a 512-byte UDP answer. */
function bigHeadless(n: number): { table: ServiceTable; ips: string[] } {
  const t = new ServiceTable();
  const ips = Array.from({ length: n }, (_, i) => `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  t.setService(service('many', { clusterIP: 'None' }));
  t.setSlice(slice('many', ips));
  return { table: t, ips };
}

async function start(table: ServiceTable, domain: string, upstream?: { host: string; port: number }): Promise<number> {
  const s = new DnsServer({ table, domain, logger: silentLogger, upstreamTimeoutMs: 500, ...(upstream ? { upstream } : {}) });
  servers.push(s);
  return s.listen('127.0.0.1', 0);
}

function resolver(port: number): Resolver {
  const r = new Resolver({ timeout: 1000, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

describe('DnsServer over real UDP', () => {
  it("answers a Service's ClusterIP and a headless Service's endpoints to a real resolver, and NXDOMAIN for unknown cluster names", async () => {
    const t = new ServiceTable();
    t.setService(service('web', { clusterIP: '10.244.128.20' }));
    t.setService(service('db', { clusterIP: 'None' }));
    t.setSlice(slice('db', ['10.244.0.8', '10.244.0.9']));
    const r = resolver(await start(t, 'cluster.local'));
    expect(await r.resolve4('web.default.svc.cluster.local')).toEqual(['10.244.128.20']);
    expect((await r.resolve4('db.default.svc.cluster.local')).sort()).toEqual(['10.244.0.8', '10.244.0.9']);
    await expect(r.resolve4('nope.default.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('relays other names to the upstream and answers SERVFAIL when the upstream is silent', async () => {
    // The upstream here is a second server that owns example.test.
    const upstreamTable = new ServiceTable();
    upstreamTable.setService(service('www', { clusterIP: '192.0.2.7' }, 'site'));
    const upstreamPort = await start(upstreamTable, 'example.test');
    const r = resolver(await start(new ServiceTable(), 'cluster.local', { host: '127.0.0.1', port: upstreamPort }));
    expect(await r.resolve4('www.site.svc.example.test')).toEqual(['192.0.2.7']);
    const deaf = resolver(await start(new ServiceTable(), 'cluster.local', { host: '127.0.0.1', port: 9 }));
    await expect(deaf.resolve4('www.site.svc.example.test')).rejects.toMatchObject({ code: expect.stringMatching(/ESERVFAIL|ETIMEOUT|ECONNREFUSED/) });
  });

  it('answers over TCP, several length-framed queries on one connection, and relays other names to the upstream over TCP', async () => {
    // The upstream serves TCP only (no UDP socket at all): a TCP query must be relayed over TCP.
    const upstreamTable = new ServiceTable();
    upstreamTable.setService(service('www', { clusterIP: '192.0.2.7' }, 'site'));
    const upstream = new DnsServer({ table: upstreamTable, domain: 'example.test', logger: silentLogger });
    servers.push(upstream);
    const upstreamTcp = createServer({ allowHalfOpen: true }, (sock) => upstream.serveTcp(sock));
    await new Promise<void>((r) => upstreamTcp.listen(0, '127.0.0.1', r));
    tcpServers.push(upstreamTcp);
    const t = new ServiceTable();
    t.setService(service('web', { clusterIP: '10.244.128.20' }));
    const port = await startBoth(t, { host: '127.0.0.1', port: (upstreamTcp.address() as AddressInfo).port });
    const answers = await tcpQuery(port, ['web.default.svc.cluster.local', 'nope.default.svc.cluster.local', 'www.site.svc.example.test']);
    expect(answers.get(1)!.answers).toMatchObject([{ type: 'A', name: 'web.default.svc.cluster.local', data: '10.244.128.20' }]);
    expect((answers.get(2) as { rcode?: string }).rcode).toBe('NXDOMAIN');
    expect(answers.get(3)!.answers).toMatchObject([{ type: 'A', name: 'www.site.svc.example.test', data: '192.0.2.7' }]);
  });

  it('truncates a UDP answer that does not fit 512 bytes (TC set) and a real resolver gets every record over TCP', async () => {
    const { table, ips } = bigHeadless(60);
    const port = await startBoth(table);
    const udp = createSocket('udp4');
    const reply = await new Promise<Buffer>((resolve) => {
      udp.once('message', resolve);
      udp.send(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'many.default.svc.cluster.local' }] }), port, '127.0.0.1');
    });
    udp.close();
    expect(reply.length).toBeLessThanOrEqual(512);
    const cut = dnsPacket.decode(reply);
    expect(cut.flag_tc).toBe(true);
    expect(cut.answers!.length).toBeLessThan(60);
    // c-ares (Node's resolver) asks over UDP with EDNS, sees TC, and asks again over TCP on the same port.
    expect((await resolver(port).resolve4('many.default.svc.cluster.local')).sort()).toEqual([...ips].sort());
  });
});
