/**
 * @module ensureSystemNamespaces: the namespaces every cluster has, created at startup when missing (kube-apiserver's
 * system namespaces controller). Idempotent, so restarts and several api-servers on one store are safe.
 */
import { RESOURCES } from '@skiff/api';
import type { Registry } from '../registry/registry.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export function ensureSystemNamespaces(registry: Registry): void {
  for (const name of SYSTEM_NAMESPACES) {
    if (!registry.store.get(registry.key(RESOURCES.namespaces, undefined, name))) {
      registry.create(RESOURCES.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }
}
