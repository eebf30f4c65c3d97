/**
 * @module servingNames: every name and address the api-server is reached by, for its serving certificate (the
 * list kubeadm's `certs apiserver` phase puts in the SANs, plus Skiff's extras).
 */

export interface ServingNamesOptions {
  hostname: string;
  /** Where pods reach this server (the `kubernetes` Endpoints address). */
  advertiseAddress: string;
  /** The `kubernetes` Service's ClusterIP (the first address of the service range). */
  serviceClusterIP: string;
  /** --bind-address when it is one specific address. */
  bindAddress: string;
  /** --tls-sans. */
  extra: readonly string[];
}

/** servingNames lists localhost, the host's name, the kubernetes Service's DNS names and addresses, and the extras, once each. */
export function servingNames(o: ServingNamesOptions): string[] {
  const names = [
    'localhost',
    '127.0.0.1',
    o.hostname.toLowerCase(),
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    o.serviceClusterIP,
    o.advertiseAddress,
    ...(o.bindAddress === '0.0.0.0' || o.bindAddress === '::' ? [] : [o.bindAddress]),
    ...o.extra,
  ];
  return [...new Set(names.filter(Boolean))];
}
