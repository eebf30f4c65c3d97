/**
 * @module resolveName: cluster DNS answers from the ServiceTable, after the Kubernetes DNS specification
 * (https://github.com/kubernetes/dns/blob/master/docs/specification.md) as CoreDNS's kubernetes plugin serves it.
 */
import type { ServiceTable } from '../service-table.js';

/** TTL_SECONDS is CoreDNS's default for cluster records: a removed endpoint leaves clients' caches in seconds. */
export const TTL_SECONDS = 5;

export interface DnsRecord {
  name: string;
  type: 'A' | 'CNAME';
  ttl: number;
  data: string;
}

/** DnsAnswer: records (NOERROR; none is NODATA), NXDOMAIN, or a name outside the cluster domain to forward. */
export type DnsAnswer = { rcode: 'NOERROR'; records: DnsRecord[] } | { rcode: 'NXDOMAIN' } | { forward: true };

const NXDOMAIN: DnsAnswer = { rcode: 'NXDOMAIN' };

/**
 * resolveName answers `<svc>.<ns>.svc.<domain>` (the ClusterIP; a headless Service's ready endpoints; an
 * ExternalName's CNAME) and `<hostname>.<svc>.<ns>.svc.<domain>` (one endpoint of a headless Service). Other names
 * under the domain do not exist; names outside it are forwarded. Queries other than A for a name that exists get
 * an empty answer, so a resolver asking AAAA first does not give up on the name.
 */
export function resolveName(table: ServiceTable, qname: string, qtype: string, domain: string): DnsAnswer {
  const name = qname.toLowerCase().replace(/\.$/, '');
  const suffix = `.svc.${domain}`;
  if (!name.endsWith(suffix)) return name === domain || name.endsWith(`.${domain}`) ? NXDOMAIN : { forward: true };
  const labels = name.slice(0, -suffix.length).split('.');
  if (labels.length === 2) return serviceRecords(table, name, labels[1]!, labels[0]!, qtype, domain);
  if (labels.length === 3) {
    const [host, svc, ns] = labels as [string, string, string];
    const e = table.endpoints(ns, svc).find((ep) => ep.hostname === host);
    if (!e || table.service(ns, svc)?.spec?.clusterIP !== 'None') return NXDOMAIN;
    return answer(qtype, [{ name, type: 'A', ttl: TTL_SECONDS, data: e.ip }]);
  }
  return NXDOMAIN;
}

function isExternalName(table: ServiceTable, name: string, domain: string): boolean {
  const labels = name.slice(0, -`.svc.${domain}`.length).split('.');
  return labels.length === 2 && table.service(labels[1]!, labels[0]!)?.spec?.type === 'ExternalName';
}

function serviceRecords(table: ServiceTable, name: string, ns: string, svcName: string, qtype: string, domain: string): DnsAnswer {
  const svc = table.service(ns, svcName);
  if (!svc) return NXDOMAIN;
  if (svc.spec?.type === 'ExternalName') {
    const target = (svc.spec.externalName ?? '').replace(/\.$/, '').toLowerCase();
    if (!target) return NXDOMAIN;
    const cname: DnsRecord = { name, type: 'CNAME', ttl: TTL_SECONDS, data: target };
    // A target that is itself a cluster Service is answered in the same reply, as CoreDNS does for names in its
    // zone: stub resolvers (glibc, musl) do not chase a CNAME alone, and Docker's resolver relays it unchanged.
    // One hop only, so two ExternalNames naming each other cannot loop.
    const chased = target.endsWith(`.svc.${domain}`) && !isExternalName(table, target, domain) ? resolveName(table, target, qtype, domain) : undefined;
    return { rcode: 'NOERROR', records: [cname, ...(chased && 'records' in chased ? chased.records : [])] };
  }
  const ip = svc.spec?.clusterIP;
  if (ip === 'None') {
    const eps = table.endpoints(ns, svcName);
    if (eps.length === 0) return NXDOMAIN;
    return answer(qtype, eps.map((e) => ({ name, type: 'A' as const, ttl: TTL_SECONDS, data: e.ip })));
  }
  if (!ip) return NXDOMAIN;
  return answer(qtype, [{ name, type: 'A', ttl: TTL_SECONDS, data: ip }]);
}

function answer(qtype: string, records: DnsRecord[]): DnsAnswer {
  return { rcode: 'NOERROR', records: qtype === 'A' || qtype === 'ANY' ? records : [] };
}
