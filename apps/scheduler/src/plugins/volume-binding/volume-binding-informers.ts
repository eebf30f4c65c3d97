/**
 * @module volumeBindingInformers: the claim, volume and class informers VolumeBinding reads, its claim writer
 * over the API, and the handlers that requeue pods waiting on storage (kube's volumebinding EventsToRegister).
 */
import { RESOURCES, type Clock, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import type { HandlerRegistration, SharedInformer, SharedInformerFactory } from '@skiff/controller-kit';
import { VolumeBinding } from './volume-binding.js';

export interface VolumeInformers {
  claims: SharedInformer<PersistentVolumeClaim>;
  volumes: SharedInformer<PersistentVolume>;
  classes: SharedInformer<StorageClass>;
}

/** volumeInformers asks the factory for the three storage informers (cluster-wide, as kube-scheduler's). */
export function volumeInformers(factory: SharedInformerFactory, client: Clientset): VolumeInformers {
  return {
    claims: factory.forResource<PersistentVolumeClaim>('persistentvolumeclaims', client.resource<PersistentVolumeClaim>(RESOURCES.persistentvolumeclaims)),
    volumes: factory.forResource<PersistentVolume>('persistentvolumes', client.resource<PersistentVolume>(RESOURCES.persistentvolumes)),
    classes: factory.forResource<StorageClass>('storageclasses', client.resource<StorageClass>(RESOURCES.storageclasses)),
  };
}

/** newVolumeBinding builds the plugin over the informers' caches, writing the selected-node annotation by merge patch. */
export function newVolumeBinding(informers: VolumeInformers, client: Clientset, clock: Clock): VolumeBinding {
  const claims = client.resource<PersistentVolumeClaim>(RESOURCES.persistentvolumeclaims);
  return new VolumeBinding({
    clock,
    listers: {
      claim: (namespace, name) => informers.claims.indexer.get(`${namespace}/${name}`),
      volume: (name) => informers.volumes.indexer.get(name),
      volumes: () => informers.volumes.indexer.list(),
      storageClass: (name) => informers.classes.indexer.get(name),
    },
    writer: {
      async annotateSelectedNode(claim, node) {
        // Conditional on the version read, so a claim bound meanwhile is not re-annotated.
        const body = { metadata: { resourceVersion: claim.metadata.resourceVersion, annotations: { 'volume.kubernetes.io/selected-node': node } } };
        await claims.patch(claim.metadata.name ?? '', body, { namespace: claim.metadata.namespace ?? 'default', type: 'merge' });
      },
    },
  });
}

/**
 * connectVolumeBinding wakes the plugin's pre-bind waiters and requeues pods a storage change may help: a claim
 * created or bound, a volume made Available, a class added.
 */
export function connectVolumeBinding(informers: VolumeInformers, plugin: VolumeBinding, requeue: () => void): HandlerRegistration[] {
  const changed = (): void => {
    plugin.changed();
    requeue();
  };
  const handler = { onAdd: changed, onUpdate: changed, onDelete: () => {} };
  return [informers.claims.addEventHandler(handler), informers.volumes.addEventHandler(handler), informers.classes.addEventHandler(handler)];
}
