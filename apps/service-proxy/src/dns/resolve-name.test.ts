import { describe, expect, it } from 'vitest';
import { service, slice } from '../__tests__/fixtures.js';
import { ServiceTable } from '../service-table.js';
import { resolveName } from './resolve-name.js';

function table(): ServiceTable {
  const t = new ServiceTable();
  t.setService(service('web', { clusterIP: '10.244.128.20' }));
  t.setSlice(slice('web', ['10.244.0.5', '10.244.0.6'], ['10.244.0.7']));
  t.setService(service('db', { clusterIP: 'None' }));
  const s = slice('db', ['10.244.0.8', '10.244.0.9'], ['10.244.0.10']);
  s.endpoints[0]!.hostname = 'db-0';
  t.setSlice(s);
  t.setService(service('ext', { type: 'ExternalName', externalName: 'example.com.' }));
  t.setService(service('empty', { clusterIP: 'None' }));
  return t;
}

const a = (name: string, ...ips: string[]) => ({ rcode: 'NOERROR', records: ips.map((data) => ({ name, type: 'A', ttl: 5, data })) });

describe('resolveName', () => {
  it("answers a Service's ClusterIP, case-insensitively and with a trailing dot", () => {
    expect(resolveName(table(), 'web.default.svc.cluster.local', 'A', 'cluster.local')).toEqual(a('web.default.svc.cluster.local', '10.244.128.20'));
    expect(resolveName(table(), 'WEB.default.svc.cluster.local.', 'A', 'cluster.local')).toEqual(a('web.default.svc.cluster.local', '10.244.128.20'));
  });

  it("answers a headless Service with its ready endpoints and a pod's hostname under it", () => {
    expect(resolveName(table(), 'db.default.svc.cluster.local', 'A', 'cluster.local')).toEqual(a('db.default.svc.cluster.local', '10.244.0.8', '10.244.0.9'));
    expect(resolveName(table(), 'db-0.db.default.svc.cluster.local', 'A', 'cluster.local')).toEqual(a('db-0.db.default.svc.cluster.local', '10.244.0.8'));
    expect(resolveName(table(), 'empty.default.svc.cluster.local', 'A', 'cluster.local')).toEqual({ rcode: 'NXDOMAIN' });
  });

  it('answers ExternalName with a CNAME', () => {
    expect(resolveName(table(), 'ext.default.svc.cluster.local', 'A', 'cluster.local')).toEqual({ rcode: 'NOERROR', records: [{ name: 'ext.default.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'example.com' }] });
  });

  it("follows an ExternalName naming a cluster Service one hop, in the same answer, and never loops", () => {
    const t = table();
    t.setService(service('alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }));
    t.setService(service('loop-a', { type: 'ExternalName', externalName: 'loop-b.default.svc.cluster.local' }));
    t.setService(service('loop-b', { type: 'ExternalName', externalName: 'loop-a.default.svc.cluster.local' }));
    expect(resolveName(t, 'alias.default.svc.cluster.local', 'A', 'cluster.local')).toEqual({
      rcode: 'NOERROR',
      records: [
        { name: 'alias.default.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'web.default.svc.cluster.local' },
        { name: 'web.default.svc.cluster.local', type: 'A', ttl: 5, data: '10.244.128.20' },
      ],
    });
    expect(resolveName(t, 'loop-a.default.svc.cluster.local', 'A', 'cluster.local')).toEqual({ rcode: 'NOERROR', records: [{ name: 'loop-a.default.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'loop-b.default.svc.cluster.local' }] });
  });

  it('gives an empty answer to AAAA for a name that exists, NXDOMAIN for unknown cluster names, and forwards the rest', () => {
    expect(resolveName(table(), 'web.default.svc.cluster.local', 'AAAA', 'cluster.local')).toEqual({ rcode: 'NOERROR', records: [] });
    // The search list makes resolvers ask these first: they must fail fast, not be forwarded.
    expect(resolveName(table(), 'web.default.default.svc.cluster.local', 'A', 'cluster.local')).toEqual({ rcode: 'NXDOMAIN' });
    expect(resolveName(table(), 'nope.default.svc.cluster.local', 'A', 'cluster.local')).toEqual({ rcode: 'NXDOMAIN' });
    expect(resolveName(table(), 'example.com.cluster.local', 'A', 'cluster.local')).toEqual({ rcode: 'NXDOMAIN' });
    expect(resolveName(table(), 'example.com', 'A', 'cluster.local')).toEqual({ forward: true });
  });
});
