/**
 * @module podDNS: the resolver settings of a pod's sandbox from its dnsPolicy and the node's cluster DNS, after
 * kubelet's pkg/kubelet/network/dns. Docker writes them into the sandbox's resolv.conf (on a user-defined network
 * it keeps `nameserver 127.0.0.11` and forwards what it does not know to these servers); the pod's containers
 * share that file.
 */
import type { Pod } from '@skiff/api';

/** ClusterDNS is the node's --cluster-dns and --cluster-domain. */
export interface ClusterDNS {
  /** Cluster DNS server addresses; empty: pods get the node's resolver (kubelet does the same, with a warning). */
  servers: string[];
  /** --cluster-domain, "cluster.local" by default. */
  domain: string;
}

/** SandboxDNS is what the runtime sets on a sandbox (Docker's Dns, DnsSearch and DnsOptions). */
export interface SandboxDNS {
  servers: string[];
  searches: string[];
  options: string[];
}

/** DEFAULT_NDOTS is kubelet's: a name with fewer than five dots tries the search list first (`web` → web.ns.svc...). */
const DEFAULT_NDOTS = 'ndots:5';

/**
 * podDNS returns the sandbox's resolver settings, or undefined when the pod keeps the node's resolver: dnsPolicy
 * Default, hostNetwork without ClusterFirstWithHostNet, or no cluster DNS configured. ClusterFirst (the default)
 * searches `<ns>.svc.<domain>`, `svc.<domain>`, `<domain>` with ndots:5, as Kubernetes gives every pod.
 */
export function podDNS(pod: Pod, cluster: ClusterDNS | undefined): SandboxDNS | undefined {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'Default' || policy === 'None') return undefined;
  if (pod.spec.hostNetwork && policy !== 'ClusterFirstWithHostNet') return undefined;
  if (!cluster || cluster.servers.length === 0) return undefined;
  const ns = pod.metadata.namespace ?? 'default';
  const d = cluster.domain;
  return { servers: [...cluster.servers], searches: [`${ns}.svc.${d}`, `svc.${d}`, d], options: [DEFAULT_NDOTS] };
}
