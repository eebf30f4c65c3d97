/**
 * @module servicePrinter, the columns and row of `kubectl get services` (kube printers.go printService).
 */
import type { Printer } from '../kinds/kind.js';
import type { Service } from '../service.js';
import { sinceTimestamp } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, NONE, column } from './resource-printer.js';

/** serviceExternalIP is kube's getServiceExternalIP: what reaches the Service from outside, by type. */
export function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : NONE;
    case 'LoadBalancer': {
      const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
      const all = [...lb, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** servicePorts is kube's makePortString: `80/TCP`, `80:30080/TCP` with a node port, comma-joined. */
export function servicePorts(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  if (!ports.length) return NONE;
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function formatSelector(selector: Record<string, string> | undefined): string {
  const pairs = Object.entries(selector ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join(',') : NONE;
}

export const servicePrinter: Printer<Service> = {
  columns: [
    NAME_COLUMN,
    column('Type', 'The type of the service.'),
    column('Cluster-IP', 'The IP address of the service.'),
    column('External-IP', 'The external IP address of the service.'),
    column('Port(s)', 'The ports that the service exposes.'),
    AGE_COLUMN,
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { wide: true }),
  ],
  cells(svc, nowMs) {
    return [
      svc.metadata.name ?? '',
      svc.spec?.type ?? 'ClusterIP',
      svc.spec?.clusterIP || NONE,
      serviceExternalIP(svc),
      servicePorts(svc),
      sinceTimestamp(svc.metadata.creationTimestamp, nowMs),
      formatSelector(svc.spec?.selector),
    ];
  },
};
