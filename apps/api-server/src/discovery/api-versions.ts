/**
 * @module apiVersions, the body of GET /api (legacy core group discovery).
 */
import { RESOURCE_LIST } from '@skiff/api';

/** APIVersions is metav1.APIVersions. */
export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
}

/** apiVersions lists the core group's versions ("v1") and the address clients should use, e.g. "127.0.0.1:6443". */
export function apiVersions(serverAddress: string): APIVersions {
  const versions = [...new Set(RESOURCE_LIST.filter((r) => r.group === '').map((r) => r.version))];
  return { kind: 'APIVersions', versions, serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}
