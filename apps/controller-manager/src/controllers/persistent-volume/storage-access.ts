/**
 * @module storageAccess: typed views of the claim, volume and class caches and clients. They come from the
 * generic per-kind informers and `client.resource`, so the storage kinds need no fields of their own in the
 * shared ControllerInformers and ControllerClient.
 */
import { RESOURCES, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '@skiff/api';
import type { HasMetadata, SharedInformer } from '@skiff/controller-kit';
import type { ControllerClient, ResourceApi } from '../../controller-client.js';
import type { ControllerInformers } from '../../informers.js';

export interface StorageInformers {
  claims: SharedInformer<PersistentVolumeClaim>;
  volumes: SharedInformer<PersistentVolume>;
  classes: SharedInformer<StorageClass>;
}

export interface StorageClients {
  claims: ResourceApi<PersistentVolumeClaim>;
  volumes: ResourceApi<PersistentVolume>;
}

function informer<T extends HasMetadata>(informers: ControllerInformers, plural: string): SharedInformer<T> {
  const found = informers.resources.get(plural);
  if (!found) throw new Error(`no informer for ${plural}`);
  return found as unknown as SharedInformer<T>;
}

/** storageInformers picks the claim, volume and class informers out of the per-kind ones. */
export function storageInformers(informers: ControllerInformers): StorageInformers {
  return {
    claims: informer<PersistentVolumeClaim>(informers, 'persistentvolumeclaims'),
    volumes: informer<PersistentVolume>(informers, 'persistentvolumes'),
    classes: informer<StorageClass>(informers, 'storageclasses'),
  };
}

/** storageClients is the claim and volume clients. */
export function storageClients(client: ControllerClient): StorageClients {
  return {
    claims: client.resource(RESOURCES.persistentvolumeclaims) as unknown as ResourceApi<PersistentVolumeClaim>,
    volumes: client.resource(RESOURCES.persistentvolumes) as unknown as ResourceApi<PersistentVolume>,
  };
}
