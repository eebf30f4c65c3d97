/**
 * @module StatefulSetClaims: a StatefulSet's per-pod PersistentVolumeClaims (kube's stateful_set_utils
 * getPersistentVolumeClaims/updateStorage and stateful_pod_control createPersistentVolumeClaims). Each pod gets
 * `<template>-<set>-<ordinal>` for every volumeClaimTemplate, made before the pod and kept after it, so a pod
 * re-created under the same name mounts the same data (persistentVolumeClaimRetentionPolicy Retain, the default).
 */
import { isAlreadyExists, type PersistentVolumeClaim, type PodSpec, type StatefulSet } from '@skiff/api';
import type { EventRecorder } from '@skiff/controller-kit';
import type { ControllerClient } from '../../controller-client.js';
import type { ControllerInformers } from '../../informers.js';
import { storageClients, storageInformers, type StorageClients, type StorageInformers } from '../persistent-volume/storage-access.js';

/** claimName is the claim of template `template` for pod `ordinal` of `sts` (getPersistentVolumeClaimName). */
export const claimName = (sts: StatefulSet, template: string, ordinal: number): string => `${template}-${sts.metadata.name ?? ''}-${ordinal}`;

/**
 * addClaimVolumes is updateStorage: a volume named after each template, pointing at the pod's claim, in place of
 * any template volume of the same name.
 */
export function addClaimVolumes(sts: StatefulSet, ordinal: number, spec: PodSpec): void {
  const templates = sts.spec.volumeClaimTemplates ?? [];
  if (!templates.length) return;
  const names = new Set(templates.map((t) => t.metadata.name));
  const claims = templates.map((t) => ({ name: t.metadata.name ?? '', persistentVolumeClaim: { claimName: claimName(sts, t.metadata.name ?? '', ordinal) } }));
  spec.volumes = [...claims, ...(spec.volumes ?? []).filter((v) => !names.has(v.name))];
}

/** newClaims are the claims pod `ordinal` needs: each template with its name, namespace and the set's selector labels. */
export function newClaims(sts: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (sts.spec.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      ...structuredClone(t.metadata),
      name: claimName(sts, t.metadata.name ?? '', ordinal),
      namespace: sts.metadata.namespace ?? '',
      labels: { ...t.metadata.labels, ...sts.spec.selector.matchLabels },
    },
    spec: structuredClone(t.spec),
  }));
}

export interface StatefulSetClaimsOptions {
  informers: ControllerInformers;
  client: ControllerClient;
  recorder: EventRecorder;
}

/** StatefulSetClaims creates the claims a pod of the set needs before the pod is created. */
export class StatefulSetClaims {
  readonly #caches: StorageInformers;
  readonly #api: StorageClients;
  readonly #recorder: EventRecorder;

  constructor(opts: StatefulSetClaimsOptions) {
    this.#caches = storageInformers(opts.informers);
    this.#api = storageClients(opts.client);
    this.#recorder = opts.recorder;
  }

  /**
   * ensure creates every missing claim of pod `ordinal`. A claim being deleted throws: the pod must wait for a new
   * claim rather than mount one about to go (kube's "pvc ... is being deleted" error).
   */
  async ensure(sts: StatefulSet, ordinal: number): Promise<void> {
    const podName = `${sts.metadata.name}-${ordinal}`;
    for (const claim of newClaims(sts, ordinal)) {
      const cached = this.#caches.claims.indexer.get(`${claim.metadata.namespace}/${claim.metadata.name}`);
      if (cached?.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
      if (cached) continue;
      try {
        await this.#api.claims.create(claim);
        this.#recorder.event(sts, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${podName} in StatefulSet ${sts.metadata.name} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.#recorder.event(sts, 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${podName} in StatefulSet ${sts.metadata.name} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
  }
}
