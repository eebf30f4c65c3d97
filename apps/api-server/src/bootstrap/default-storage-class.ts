/**
 * @module ensureDefaultStorageClass: the StorageClass every cluster starts with, `standard`, whose provisioner
 * makes one Docker named volume per claim on the node its first pod is scheduled to. Kubernetes ships its default
 * class as an addon with `addonmanager.kubernetes.io/mode: EnsureExists` (created when missing, never reconciled);
 * Skiff has no addon manager, so the api-server does the same at startup, as it does for system namespaces.
 */
import { DOCKER_VOLUME_PROVISIONER, IS_DEFAULT_CLASS_ANNOTATION, RESOURCES, type StorageClass } from '@skiff/api';
import type { Registry } from '../registry/registry.js';

export const DEFAULT_STORAGE_CLASS = 'standard';

/** defaultStorageClass is the object created when no class of that name exists. */
export function defaultStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: DEFAULT_STORAGE_CLASS,
      annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: 'true' },
      labels: { 'addonmanager.kubernetes.io/mode': 'EnsureExists' },
    },
    provisioner: DOCKER_VOLUME_PROVISIONER,
    reclaimPolicy: 'Delete',
    // Local volumes: the volume is made where the pod lands, so the scheduler chooses first (local-path-provisioner's mode).
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** ensureDefaultStorageClass creates `standard` when missing; an edited one is left as the admin left it. */
export function ensureDefaultStorageClass(registry: Registry): void {
  if (registry.store.get(registry.key(RESOURCES.storageclasses, undefined, DEFAULT_STORAGE_CLASS))) return;
  registry.create(RESOURCES.storageclasses, undefined, defaultStorageClass());
}
