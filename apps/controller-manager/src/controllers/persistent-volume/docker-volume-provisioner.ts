/**
 * @module newProvisionedVolume: the PersistentVolume Skiff's provisioner (skiff.dev/docker-volume) makes for a
 * claim, after local-path-provisioner: a volume on one node, pinned there by nodeAffinity, whose data is a Docker
 * named volume the node agent creates on first mount and removes when the volume is deleted.
 */
import { DOCKER_VOLUME_PROVISIONER, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '@skiff/api';

/** PROVISIONED_BY_ANNOTATION names the provisioner of a dynamically provisioned volume (pv_controller annDynamicallyProvisioned). */
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';
/** HOSTNAME_LABEL is the node label a provisioned volume's nodeAffinity selects (set by every node agent). */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** provisionedVolumeName is kube's `pvc-<claim uid>`, so a retry after a lost write finds the same volume. */
export const provisionedVolumeName = (pvc: PersistentVolumeClaim): string => `pvc-${pvc.metadata.uid ?? ''}`;

/** dockerVolumeName is the Docker named volume holding a provisioned volume's data. */
export const dockerVolumeName = (pvName: string): string => `skiff-${pvName}`;

/**
 * newProvisionedVolume is the volume for `pvc` on `node`: the claim's size and access modes, the class's reclaim
 * policy, pre-bound to the claim (claimRef with uid) as external provisioners do, and a csi source whose
 * volumeHandle is the Docker volume's name.
 */
export function newProvisionedVolume(pvc: PersistentVolumeClaim, sc: StorageClass, node: string): PersistentVolume {
  const name = provisionedVolumeName(pvc);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [PROVISIONED_BY_ANNOTATION]: DOCKER_VOLUME_PROVISIONER } },
    spec: {
      capacity: { storage: pvc.spec.resources?.requests?.['storage'] ?? '0' },
      accessModes: [...(pvc.spec.accessModes ?? ['ReadWriteOnce'])],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name ?? '',
      volumeMode: pvc.spec.volumeMode ?? 'Filesystem',
      ...(sc.mountOptions ? { mountOptions: [...sc.mountOptions] } : {}),
      claimRef: {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: pvc.metadata.namespace ?? '',
        name: pvc.metadata.name ?? '',
        uid: pvc.metadata.uid ?? '',
        ...(pvc.metadata.resourceVersion ? { resourceVersion: pvc.metadata.resourceVersion } : {}),
      },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [node] }] }] } },
      csi: { driver: DOCKER_VOLUME_PROVISIONER, volumeHandle: dockerVolumeName(name) },
    },
  };
}
