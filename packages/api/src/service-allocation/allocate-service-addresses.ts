/**
 * @module allocateServiceAddresses: give a Service its ClusterIP and node ports on create and update. Like
 * Kubernetes, which keeps its allocation bitmaps in storage, the state here is the stored Services themselves:
 * what they hold is taken, so allocation survives restarts and a delete frees at once. The caller (the Service
 * kind's admission) runs inside one synchronous registry write, so two creates cannot pick the same value.
 */
import { ApiError, errors } from '../status.js';
import type { Service, ServicePort } from '../service.js';
import { FieldErrors } from '../validation/field-errors.js';
import { formatNodePortRange, type NodePortRange } from './node-port-range.js';
import { pickFreeOffset } from './pick-free-offset.js';
import { ipAtOffset, ipv4ToNumber, offsetOfIP, type ServiceIPRange } from './service-ip-range.js';

export interface ServiceRanges {
  clusterIPs: ServiceIPRange;
  nodePorts: NodePortRange;
}

/** Held is what the other stored Services occupy. */
interface Held {
  ips: Set<number>;
  ports: Set<number>;
}

export const HEADLESS = 'None';

/** usesNodePorts: NodePort and LoadBalancer Services open their ports on every node. */
export function usesNodePorts(svc: Service): boolean {
  return svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
}

function sameObject(a: Service, b: Service): boolean {
  return a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name;
}

function heldBy(stored: readonly Service[], self: Service, ranges: ServiceRanges): Held {
  const held: Held = { ips: new Set(), ports: new Set() };
  for (const s of stored) {
    if (sameObject(s, self)) continue;
    for (const ip of s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])) {
      const offset = offsetOfIP(ranges.clusterIPs, ip);
      if (offset !== undefined) held.ips.add(offset);
    }
    if (!usesNodePorts(s)) continue;
    for (const p of s.spec?.ports ?? []) if (p.nodePort) held.ports.add(p.nodePort);
    if (s.spec?.healthCheckNodePort) held.ports.add(s.spec.healthCheckNodePort);
  }
  return held;
}

function rangeFull(what: 'serviceIP' | 'nodePort'): ApiError {
  return new ApiError({ reason: 'InternalError', message: `failed to allocate a ${what}: range is full` });
}

/**
 * allocateServiceAddresses fills in `spec.clusterIP(s)` and each port's `nodePort`, checking requested values
 * against the ranges and the other stored Services. `old` is the stored object on update: values it holds are
 * kept when the new spec leaves them empty (kubectl apply of a manifest without them), as Kubernetes does.
 * Throws 422 Invalid for a requested value that is out of range or taken, 500 when a range is full.
 */
export function allocateServiceAddresses(svc: Service, stored: readonly Service[], ranges: ServiceRanges, random: () => number = Math.random, old?: Service): void {
  const spec = (svc.spec ??= {});
  const held = heldBy(stored, svc, ranges);
  const errs = new FieldErrors();
  if (old) dropTypeDependentFields(svc, old);
  if (spec.type !== 'ExternalName') allocateClusterIP(svc, held, ranges.clusterIPs, random, errs, old);
  if (usesNodePorts(svc)) allocateNodePorts(spec.ports ?? [], held, ranges.nodePorts, random, errs, old);
  if (errs.length) throw errors.invalid('Service', '', svc.metadata.name ?? '', errs.causes);
}

/**
 * dropTypeDependentFields is Kubernetes' rule for type changes: values the old type allocated and the update left
 * as they were go away with the type (ClusterIP → ExternalName drops the address, NodePort → ClusterIP the ports).
 */
function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = svc.spec!;
  if (spec.type === 'ExternalName' && old.spec?.type !== 'ExternalName' && spec.clusterIP === old.spec?.clusterIP) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  if (!usesNodePorts(svc) && usesNodePorts(old)) {
    const oldPorts = new Set(old.spec?.ports?.map((p) => p.nodePort));
    for (const p of spec.ports ?? []) if (p.nodePort && oldPorts.has(p.nodePort)) delete p.nodePort;
  }
}

function allocateClusterIP(svc: Service, held: Held, range: ServiceIPRange, random: () => number, errs: FieldErrors, old: Service | undefined): void {
  const spec = svc.spec!;
  let requested = spec.clusterIP || spec.clusterIPs?.[0];
  if (!requested && old?.spec?.type !== 'ExternalName') requested = old?.spec?.clusterIP || undefined;
  if (requested === HEADLESS) {
    spec.clusterIP = HEADLESS;
    spec.clusterIPs = [HEADLESS];
    return;
  }
  // A value that is no address at all is validation's to report (with Kubernetes' message), not a range miss.
  if (requested && ipv4ToNumber(requested) === undefined) return;
  if (requested) {
    // An address this Service already held (an update) is its own, not a collision.
    if (old?.spec?.clusterIP === requested) {
      setClusterIP(spec, requested);
      return;
    }
    const offset = offsetOfIP(range, requested);
    if (offset === undefined) {
      errs.invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${range.cidr}`);
    } else if (held.ips.has(offset)) {
      errs.invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: provided IP is already allocated`);
    } else setClusterIP(spec, requested);
    return;
  }
  const offset = pickFreeOffset(range.first, range.last, (o) => held.ips.has(o), random);
  if (offset === undefined) throw rangeFull('serviceIP');
  setClusterIP(spec, ipAtOffset(range, offset));
}

function setClusterIP(spec: NonNullable<Service['spec']>, ip: string): void {
  spec.clusterIP = ip;
  spec.clusterIPs = [ip];
}

function allocateNodePorts(ports: ServicePort[], held: Held, range: NodePortRange, random: () => number, errs: FieldErrors, old: Service | undefined): void {
  const oldPorts = usesNodePorts(old ?? ({} as Service)) ? (old?.spec?.ports ?? []) : [];
  const ownedBefore = new Set(oldPorts.map((p) => p.nodePort).filter((n): n is number => !!n));
  // Within one Service a node port may serve the same port number for two protocols (TCP and UDP of DNS).
  const mine = new Map<number, Set<string>>();
  const claim = (n: number, protocol: string): void => void (mine.get(n) ?? mine.set(n, new Set()).get(n)!).add(protocol);
  for (const p of ports) {
    if (p.nodePort) continue;
    const kept = oldPorts.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))?.nodePort;
    if (kept) p.nodePort = kept;
  }
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const protocol = p.protocol ?? 'TCP';
    const field = `spec.ports[${i}].nodePort`;
    if (mine.get(p.nodePort)?.has(protocol)) errs.duplicate(field, p.nodePort);
    else if (p.nodePort < range.base || p.nodePort >= range.base + range.size) {
      errs.invalid(field, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${formatNodePortRange(range)}`);
    } else if (held.ports.has(p.nodePort) && !ownedBefore.has(p.nodePort)) {
      errs.invalid(field, p.nodePort, 'provided port is already allocated');
    }
    claim(p.nodePort, protocol);
  });
  for (const p of ports) {
    if (p.nodePort) continue;
    const offset = pickFreeOffset(0, range.size - 1, (o) => held.ports.has(range.base + o) || mine.has(range.base + o), random);
    if (offset === undefined) throw rangeFull('nodePort');
    p.nodePort = range.base + offset;
    claim(p.nodePort, p.protocol ?? 'TCP');
  }
}
