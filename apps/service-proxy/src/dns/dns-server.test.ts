import { Resolver } from 'node:dns/promises';
import { silentLogger } from '@skiff/controller-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { service, slice } from '../__tests__/fixtures.js';
import { ServiceTable } from '../service-table.js';
import { DnsServer } from './dns-server.js';

const servers: DnsServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

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
});
