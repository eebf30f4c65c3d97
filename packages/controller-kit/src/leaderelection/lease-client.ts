import type { Lease } from '@skiff/api';

/**
 * LeaseClient is the slice of a Lease client that leader election needs, declared here so controller-kit does not
 * depend on the transport; @skiff/client's lease client satisfies it structurally. Failures throw ApiError, so
 * callers can tell NotFound and Conflict apart with `isNotFound` / `isConflict`. `update` must be a
 * compare-and-swap on `metadata.resourceVersion`: that is what keeps two contenders from both winning.
 */
export interface LeaseClient {
  get(name: string, opts: { namespace: string }): Promise<Lease>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}
