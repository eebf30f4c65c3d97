/**
 * @module endpointsPrinter and endpointSlicePrinter, the columns and rows of `kubectl get endpoints` and
 * `kubectl get endpointslices` (kube printers.go printEndpoints, printEndpointSlice).
 */
import type { Printer } from '../kinds/kind.js';
import type { EndpointSlice, Endpoints } from '../service.js';
import { sinceTimestamp } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, NONE, column } from './resource-printer.js';

const MAX_LISTED = 3;

/** listWithMore shows the first three items and how many more there are, `<unset>` when there are none. */
function listWithMore(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(',');
  if (items.length > MAX_LISTED) return `${shown} + ${items.length - MAX_LISTED} more...`;
  return shown || '<unset>';
}

/** formatEndpoints is kube's: `ip:port` for each ready address and port (bare IPs without ports), three at most. */
export function formatEndpoints(ep: Endpoints): string {
  if (!ep.subsets?.length) return NONE;
  const all: string[] = [];
  for (const s of ep.subsets) {
    const addresses = s.addresses ?? [];
    if (!s.ports?.length) all.push(...addresses.map((a) => a.ip));
    else for (const p of s.ports) all.push(...addresses.map((a) => `${a.ip}:${p.port}`));
  }
  const shown = all.slice(0, MAX_LISTED).join(',');
  return all.length > MAX_LISTED ? `${shown} + ${all.length - MAX_LISTED} more...` : shown;
}

export const endpointsPrinter: Printer<Endpoints> = {
  columns: [NAME_COLUMN, column('Endpoints', 'Endpoints of the service.'), AGE_COLUMN],
  cells(ep, nowMs) {
    return [ep.metadata.name ?? '', formatEndpoints(ep), sinceTimestamp(ep.metadata.creationTimestamp, nowMs)];
  },
};

export const endpointSlicePrinter: Printer<EndpointSlice> = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'The type of address held in the EndpointSlice.'),
    column('Ports', 'The ports of the EndpointSlice.'),
    column('Endpoints', 'The addresses of the endpoints in the EndpointSlice.'),
    AGE_COLUMN,
  ],
  cells(slice, nowMs) {
    const ports = (slice.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : p.name || '*'));
    const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses);
    return [slice.metadata.name ?? '', slice.addressType, listWithMore(ports), listWithMore(addresses), sinceTimestamp(slice.metadata.creationTimestamp, nowMs)];
  },
};
