/**
 * @module NamespaceClient: ResourceClient for namespaces plus the finalize subresource.
 */
import type { Namespace } from '@skiff/api';
import { ResourceClient } from './resource-client.js';

/**
 * NamespaceClient adds `finalize`, the only way to change a namespace's spec.finalizers: the namespace
 * controller calls it to release a Terminating namespace once its content is gone (client-go's Finalize).
 */
export class NamespaceClient extends ResourceClient<Namespace> {
  /** finalize PUTs the namespace to namespaces/{name}/finalize with the spec.finalizers it should keep. */
  async finalize(ns: Namespace): Promise<Namespace> {
    const path = this.objectPath(ns.metadata.name ?? '', undefined, 'finalize');
    return this.deps.transport.json<Namespace>({ method: 'PUT', path, body: ns });
  }
}
