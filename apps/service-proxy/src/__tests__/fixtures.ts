/**
 * @module Service proxy test fixtures: Services and EndpointSlices as the api-server stores them.
 */
import type { EndpointSlice, Service } from '@skiff/api';

export function service(name: string, spec: NonNullable<Service['spec']>, namespace = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec } };
}

/** slice builds the EndpointSlice of `svc` with `ready` and `unready` endpoint IPs serving port `port` (named http). */
export function slice(svc: string, ready: string[], unready: string[] = [], port = 8080, namespace = 'default'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abcde`, namespace, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: [
      ...ready.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } })),
      ...unready.map((ip) => ({ addresses: [ip], conditions: { ready: false, serving: false, terminating: false } })),
    ],
  };
}
