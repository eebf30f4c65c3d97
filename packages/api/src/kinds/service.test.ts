import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults/apply-defaults.js';
import type { EndpointSlice, Endpoints, Service } from '../service.js';
import { ApiError } from '../status.js';
import { decodeObject } from '../validation/decode-object.js';
import { validateObject } from '../validation/validate-object.js';
import { endpointSliceKind } from './endpoint-slice.js';
import { endpointsKind } from './endpoints.js';
import { serviceKind } from './service.js';

const T = Date.UTC(2025, 0, 1);

function decoded(plural: string, body: unknown) {
  const obj = decodeObject(plural, body, { fieldValidation: 'Strict' }).object;
  applyDefaults(plural, obj);
  return obj;
}

function invalid(plural: string, body: unknown): string {
  try {
    validateObject(plural, decoded(plural, body));
  } catch (err) {
    if (err instanceof ApiError && err.code === 422) return err.message;
    throw err;
  }
  throw new Error('expected 422');
}

const svc = (spec: Record<string, unknown>, name = 'web') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', creationTimestamp: new Date(T - 90_000).toISOString() }, spec });

describe('serviceKind', () => {
  it('defaults as SetDefaults_Service: ClusterIP, no affinity, TCP, targetPort = port, single-stack IPv4', () => {
    const s = decoded('services', svc({ ports: [{ port: 80 }] })) as unknown as Service;
    expect(s.spec).toEqual({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    });
    const sticky = decoded('services', svc({ type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 'http' }] })) as unknown as Service;
    expect(sticky.spec?.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    expect(sticky.spec?.externalTrafficPolicy).toBe('Cluster');
    expect(sticky.spec?.ports?.[0]?.targetPort).toBe('http');
  });

  it('validates ports, names, types and ExternalName as kube does', () => {
    expect(invalid('services', svc({ ports: [{ port: 70000 }] }))).toContain('spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
    expect(invalid('services', svc({ ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] }))).toContain('spec.ports[1].name: Duplicate value: "a"');
    expect(invalid('services', svc({ ports: [{ port: 80, targetPort: 'Not_A_Port' }] }))).toContain('spec.ports[0].targetPort: Invalid value: "Not_A_Port"');
    expect(invalid('services', svc({ type: 'Magic', ports: [{ port: 80 }] }))).toContain('spec.type: Unsupported value: "Magic"');
    expect(invalid('services', svc({ type: 'ExternalName' }))).toContain('spec.externalName: Required value');
    expect(invalid('services', svc({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }))).toContain(`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`);
    expect(() => validateObject('services', decoded('services', svc({ clusterIP: 'None' })))).not.toThrow();
  });

  it('prints kubectl 1.32 columns: Name, Type, Cluster-IP, External-IP, Port(s), Age, and Selector wide', () => {
    expect(serviceKind.printer!.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Type', 0],
      ['Cluster-IP', 0],
      ['External-IP', 0],
      ['Port(s)', 0],
      ['Age', 0],
      ['Selector', 1],
    ]);
    const np = svc({ type: 'NodePort', clusterIP: '10.244.128.7', selector: { tier: 'web', app: 'shop' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP', nodePort: 30053 }] }) as unknown as Service;
    expect(serviceKind.printer!.cells(np, T)).toEqual(['web', 'NodePort', '10.244.128.7', '<none>', '80:30080/TCP,53:30053/UDP', '90s', 'app=shop,tier=web']);
    const ext = svc({ type: 'ExternalName', externalName: 'example.com' }) as unknown as Service;
    expect(serviceKind.printer!.cells(ext, T).slice(1, 5)).toEqual(['ExternalName', '<none>', 'example.com', '<none>']);
    const lb = svc({ type: 'LoadBalancer', clusterIP: '10.244.128.8', ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }) as unknown as Service;
    expect(serviceKind.printer!.cells(lb, T)[3]).toBe('<pending>');
  });
});

describe('endpointsKind and endpointSliceKind', () => {
  it('print Endpoints as ip:port, three at most, and <none> when empty', () => {
    const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', creationTimestamp: new Date(T - 5000).toISOString() }, subsets: [{ addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip) => ({ ip })), ports: [{ port: 8080 }] }] } as Endpoints;
    expect(endpointsKind.printer!.cells(ep, T)).toEqual(['web', '10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...', '5s']);
    expect(endpointsKind.printer!.cells({ ...ep, subsets: [] }, T)[1]).toBe('<none>');
  });

  it('print EndpointSlices with AddressType, Ports and Endpoints, <unset> when empty', () => {
    expect(endpointSliceKind.printer!.columns.map((c) => c.name)).toEqual(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abcde', creationTimestamp: new Date(T - 5000).toISOString() }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }] } as EndpointSlice;
    expect(endpointSliceKind.printer!.cells(slice, T)).toEqual(['web-abcde', 'IPv4', '8080', '10.0.0.1,10.0.0.2', '5s']);
    expect(endpointSliceKind.printer!.cells({ ...slice, ports: [], endpoints: [] }, T).slice(2, 4)).toEqual(['<unset>', '<unset>']);
  });

  it('validate addresses, address types and ports', () => {
    const slice = (extra: Record<string, unknown>) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's', namespace: 'default' }, addressType: 'IPv4', endpoints: [], ...extra });
    expect(invalid('endpointslices', slice({ addressType: undefined }))).toContain('addressType: Required value');
    expect(invalid('endpointslices', slice({ endpoints: [{ addresses: ['10.0.0.300'] }] }))).toContain('endpoints[0].addresses[0]: Invalid value: "10.0.0.300": must be a valid IP address');
    expect(invalid('endpointslices', slice({ endpoints: [{ addresses: [] }] }))).toContain('endpoints[0].addresses: Required value: must contain at least 1 address');
    const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: 'nope' }], ports: [{ port: 0 }] }] };
    const msg = invalid('endpoints', ep);
    expect(msg).toContain('subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address');
    expect(msg).toContain('subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
  });
});
