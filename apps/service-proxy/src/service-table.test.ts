import { describe, expect, it } from 'vitest';
import { service, slice } from './__tests__/fixtures.js';
import { ServiceTable } from './service-table.js';

describe('ServiceTable', () => {
  it('lists a frontend per ClusterIP port and the ready backends of each, and forgets deleted objects', () => {
    const t = new ServiceTable();
    const web = service('web', { clusterIP: '10.244.128.20' });
    t.setService(web);
    t.setService(service('db', { clusterIP: 'None' }));
    t.setService(service('ext', { type: 'ExternalName', externalName: 'example.com' }));
    const s = slice('web', ['10.244.0.5'], ['10.244.0.7']);
    t.setSlice(s);
    t.setSlice(slice('other', ['10.244.0.99']));
    expect(t.frontends()).toEqual([{ ip: '10.244.128.20', port: 80, protocol: 'TCP', namespace: 'default', service: 'web', portName: 'http' }]);
    expect(t.backends('default', 'web', 'http')).toEqual([{ ip: '10.244.0.5', port: 8080 }]);
    expect(t.backends('default', 'web', 'metrics')).toEqual([]);
    t.deleteSlice(s);
    expect(t.backends('default', 'web', 'http')).toEqual([]);
    t.deleteService(web);
    expect([...t.clusterIPs()]).toEqual([]);
  });

  it('counts unready but not terminating endpoints for a Service that publishes not-ready addresses', () => {
    const t = new ServiceTable();
    t.setService(service('db', { clusterIP: 'None', publishNotReadyAddresses: true }));
    const s = slice('db', ['10.244.0.8'], ['10.244.0.9', '10.244.0.10']);
    s.endpoints[2]!.conditions = { ready: false, serving: false, terminating: true };
    t.setSlice(s);
    expect(t.endpoints('default', 'db').map((e) => e.ip)).toEqual(['10.244.0.8', '10.244.0.9']);
  });
});
