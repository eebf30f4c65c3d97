import { errors } from '@skiff/api';
import type { Lease } from '@skiff/api';
import type { LeaseClient } from './lease-client.js';

/**
 * FakeLeaseClient is an in-memory LeaseClient for tests that behaves like the api-server where leader election
 * relies on it: every write gets a new resourceVersion, and an update carrying a stale one fails with Conflict.
 */
export class FakeLeaseClient implements LeaseClient {
  #leases = new Map<string, Lease>();
  #rv = 0;
  /** writes counts successful creates and updates. */
  writes = 0;

  async get(name: string, opts: { namespace: string }): Promise<Lease> {
    const lease = this.#leases.get(`${opts.namespace}/${name}`);
    if (!lease) throw errors.notFound('leases', 'coordination.k8s.io', name);
    return structuredClone(lease);
  }

  async create(lease: Lease): Promise<Lease> {
    const key = this.#key(lease);
    if (this.#leases.has(key)) throw errors.alreadyExists('leases', 'coordination.k8s.io', lease.metadata.name ?? '');
    return this.#store(key, lease);
  }

  async update(lease: Lease): Promise<Lease> {
    const key = this.#key(lease);
    const current = this.#leases.get(key);
    if (!current) throw errors.notFound('leases', 'coordination.k8s.io', lease.metadata.name ?? '');
    const rv = lease.metadata.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) {
      throw errors.conflict('leases', 'coordination.k8s.io', lease.metadata.name ?? '');
    }
    return this.#store(key, lease);
  }

  /** peek returns the stored lease without copying through the async API. */
  peek(namespace: string, name: string): Lease | undefined {
    return this.#leases.get(`${namespace}/${name}`);
  }

  #key(lease: Lease): string {
    return `${lease.metadata.namespace ?? ''}/${lease.metadata.name ?? ''}`;
  }

  #store(key: string, lease: Lease): Lease {
    const copy = structuredClone(lease);
    copy.metadata.resourceVersion = String(++this.#rv);
    this.#leases.set(key, copy);
    this.writes++;
    return structuredClone(copy);
  }
}
