import { describe, expect, it } from 'vitest';
import { newPod, newService, servingPod } from '../../testing/fixtures.js';
import { desiredEndpointSlices, desiredEndpoints, findPort } from './desired-endpoints.js';

describe('findPort', () => {
  it('resolves a targetPort by number, by numeric string, by container port name, and defaults to port', () => {
    const pod = servingPod('a', '10.0.0.1');
    expect(findPort(pod, { port: 80, targetPort: 9090 })).toBe(9090);
    expect(findPort(pod, { port: 80 })).toBe(80);
    expect(findPort(pod, { port: 80, targetPort: 'http' })).toBe(8080);
    expect(findPort(pod, { port: 80, targetPort: 'http', protocol: 'UDP' })).toBeUndefined();
    expect(findPort(pod, { port: 80, targetPort: 'metrics' })).toBeUndefined();
  });
});

describe('desiredEndpoints', () => {
  it('puts ready pods in addresses and unready ones in notReadyAddresses, leaves out terminating and IP-less pods', () => {
    const pods = [
      servingPod('b', '10.0.0.12'),
      servingPod('a', '10.0.0.2'),
      servingPod('u', '10.0.0.3', { ready: false }),
      servingPod('t', '10.0.0.4', { terminating: true }),
      newPod('pending'),
    ];
    const ep = desiredEndpoints(newService(), pods);
    expect(ep.metadata).toEqual({ name: 'web', namespace: 'default', labels: { app: 'web' } });
    expect(ep.subsets).toEqual([
      {
        addresses: [
          { ip: '10.0.0.2', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
          { ip: '10.0.0.12', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
        ],
        notReadyAddresses: [{ ip: '10.0.0.3', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'u', uid: 'uid-u' } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('leaves out a pod whose named targetPort it does not have, and groups pods by resolved ports', () => {
    const other = servingPod('o', '10.0.0.9', { portName: 'web' });
    other.spec.containers[0]!.ports!.push({ name: 'http', containerPort: 9000 });
    const ep = desiredEndpoints(newService(), [servingPod('a', '10.0.0.2'), servingPod('x', '10.0.0.5', { portName: 'metrics' }), other]);
    expect(ep.subsets?.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.[0]?.port])).toEqual([
      [['10.0.0.2'], 8080],
      [['10.0.0.9'], 9000],
    ]);
  });

  it('counts every pod, terminating ones too, as ready with publishNotReadyAddresses', () => {
    const ep = desiredEndpoints(newService('web', { publishNotReadyAddresses: true }), [servingPod('u', '10.0.0.3', { ready: false }), servingPod('t', '10.0.0.4', { terminating: true })]);
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['10.0.0.3', '10.0.0.4']);
    expect(ep.subsets?.[0]?.notReadyAddresses).toBeUndefined();
  });

  it('has no subsets when nothing is selected', () => {
    expect(desiredEndpoints(newService(), []).subsets).toBeUndefined();
  });
});

describe('desiredEndpointSlices', () => {
  it('marks each endpoint ready, serving and terminating and labels the slice with its Service and manager', () => {
    const [slice, ...rest] = desiredEndpointSlices(newService(), [servingPod('a', '10.0.0.2'), servingPod('u', '10.0.0.3', { ready: false }), servingPod('t', '10.0.0.4', { terminating: true })]);
    expect(rest).toEqual([]);
    expect(slice?.metadata.name).toMatch(/^web-[0-9a-f]{5}$/);
    expect(slice?.metadata.labels).toEqual({ app: 'web', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice?.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    expect(slice?.addressType).toBe('IPv4');
    expect(slice?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice?.endpoints.map((e) => [e.addresses[0], e.conditions])).toEqual([
      ['10.0.0.2', { ready: true, serving: true, terminating: false }],
      ['10.0.0.3', { ready: false, serving: false, terminating: false }],
      ['10.0.0.4', { ready: false, serving: true, terminating: true }],
    ]);
  });

  it('keeps one empty slice, with a stable name, when nothing is selected', () => {
    const a = desiredEndpointSlices(newService(), []);
    expect(a).toHaveLength(1);
    expect(a[0]?.endpoints).toEqual([]);
    expect(desiredEndpointSlices(newService(), [])[0]?.metadata.name).toBe(a[0]?.metadata.name);
  });

  it('names a headless Service\'s pods by hostname under their subdomain', () => {
    const pod = servingPod('db-0', '10.0.0.7');
    pod.spec.hostname = 'db-0';
    pod.spec.subdomain = 'web';
    const [slice] = desiredEndpointSlices(newService('web', { clusterIP: 'None' }), [pod]);
    expect(slice?.endpoints[0]?.hostname).toBe('db-0');
  });
});
