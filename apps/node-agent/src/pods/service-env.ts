/**
 * @module serviceEnv: the environment variables kubelet gives every container for the Services that exist when it
 * starts (pkg/kubelet/envvars): `{SVC}_SERVICE_HOST`/`_PORT` and the Docker-links style `{SVC}_PORT_*`.
 */
import type { Pod, Service } from '@skiff/api';

const MASTER_SERVICE = 'kubernetes';
const MASTER_NAMESPACE = 'default';

const envName = (s: string): string => s.toUpperCase().replace(/-/g, '_');

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

function varsFor(svc: Service): Array<{ name: string; value: string }> {
  const prefix = envName(svc.metadata.name ?? '');
  const ip = svc.spec!.clusterIP!;
  const ports = svc.spec?.ports ?? [];
  const out = [{ name: `${prefix}_SERVICE_HOST`, value: ip }];
  const first = ports[0];
  if (!first) return out;
  out.push({ name: `${prefix}_SERVICE_PORT`, value: String(first.port) });
  for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
  out.push({ name: `${prefix}_PORT`, value: `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}` });
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const base = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push({ name: base, value: `${proto}://${ip}:${p.port}` }, { name: `${base}_PROTO`, value: proto }, { name: `${base}_PORT`, value: String(p.port) }, { name: `${base}_ADDR`, value: ip });
  }
  return out;
}

/**
 * serviceEnv lists the variables for the Services of the pod's namespace (unless enableServiceLinks is false) and,
 * always, for the api-server's `kubernetes` Service, which is what in-cluster clients read (loadFromCluster). Only
 * Services with a ClusterIP count; a pod-namespace Service shadows a same-named master one, as in kubelet.
 */
export function serviceEnv(pod: Pod, services: readonly Service[]): Array<{ name: string; value: string }> {
  const ns = pod.metadata.namespace ?? 'default';
  const links = pod.spec.enableServiceLinks !== false;
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const name = svc.metadata.name ?? '';
    const master = svc.metadata.namespace === MASTER_NAMESPACE && name === MASTER_SERVICE;
    if (svc.metadata.namespace === ns && links) chosen.set(name, svc);
    else if (master && !chosen.has(name)) chosen.set(name, svc);
  }
  return [...chosen.values()].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')).flatMap(varsFor);
}
