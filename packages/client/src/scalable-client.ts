/**
 * @module ScalableClient: ResourceClient for workloads with a scale subresource (deployments, replicasets).
 */
import type { Scale } from '@skiff/api';
import { ResourceClient, type ClientObject } from './resource-client.js';

/**
 * ScalableClient reads and writes the autoscaling/v1 Scale of a workload, which is how `kubectl scale` changes
 * replicas without touching (or conflicting on) the rest of the spec.
 */
export class ScalableClient<T extends ClientObject> extends ResourceClient<T> {
  /** getScale reads the Scale, whose resourceVersion guards a later updateScale. */
  async getScale(name: string, opts: { namespace: string }): Promise<Scale> {
    return this.deps.transport.json<Scale>({ method: 'GET', path: this.objectPath(name, opts.namespace, 'scale') });
  }

  /** updateScale PUTs a Scale, compare-and-swap on its resourceVersion if set. */
  async updateScale(scale: Scale): Promise<Scale> {
    const path = this.objectPath(scale.metadata.name ?? '', scale.metadata.namespace, 'scale');
    return this.deps.transport.json<Scale>({ method: 'PUT', path, body: scale });
  }

  /** patchScale sets the replica count with a merge patch, as `kubectl scale --replicas=N` does. */
  async patchScale(name: string, replicas: number, opts: { namespace: string }): Promise<Scale> {
    return this.patch<Scale>(name, { spec: { replicas } }, { namespace: opts.namespace, subresource: 'scale', type: 'merge' });
  }
}
