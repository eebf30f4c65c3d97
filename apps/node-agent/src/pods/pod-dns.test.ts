import type { Pod } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { podDNS } from './pod-dns.js';

const cluster = { servers: ['10.244.128.10'], domain: 'cluster.local' };

function pod(spec: Partial<Pod['spec']> = {}, namespace = 'shop'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

describe('podDNS', () => {
  it('gives ClusterFirst pods the cluster server, the namespace search path and ndots:5', () => {
    const want = { servers: ['10.244.128.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] };
    expect(podDNS(pod(), cluster)).toEqual(want);
    expect(podDNS(pod({ dnsPolicy: 'ClusterFirst' }), cluster)).toEqual(want);
    expect(podDNS(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster)).toEqual(want);
  });

  it('follows --cluster-domain', () => {
    expect(podDNS(pod({}, 'default'), { servers: ['10.0.0.10'], domain: 'skiff.test' })?.searches).toEqual(['default.svc.skiff.test', 'svc.skiff.test', 'skiff.test']);
  });

  it('leaves the node resolver to Default, None, host-network pods and nodes without cluster DNS', () => {
    expect(podDNS(pod({ dnsPolicy: 'Default' }), cluster)).toBeUndefined();
    expect(podDNS(pod({ dnsPolicy: 'None' }), cluster)).toBeUndefined();
    expect(podDNS(pod({ hostNetwork: true }), cluster)).toBeUndefined();
    expect(podDNS(pod(), undefined)).toBeUndefined();
    expect(podDNS(pod(), { servers: [], domain: 'cluster.local' })).toBeUndefined();
  });
});
