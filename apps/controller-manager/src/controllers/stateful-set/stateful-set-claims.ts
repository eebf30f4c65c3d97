/**
 * @module StatefulSetClaims: a StatefulSet's per-pod PersistentVolumeClaims (kube's stateful_set_utils
 * getPersistentVolumeClaims/updateStorage/updateClaimOwnerRefForSetAndPod and stateful_pod_control
 * createPersistentVolumeClaims). Each pod gets `<template>-<set>-<ordinal>` for every volumeClaimTemplate, made
 * before the pod, so a pod re-created under the same name mounts the same data. persistentVolumeClaimRetentionPolicy
 * says when they go, through the garbage collector: whenDeleted Delete makes the set their owner, whenScaled Delete
 * makes a condemned pod (ordinal beyond replicas) their owner; Retain (the default for both) leaves them ownerless.
 */
import { controllerOf, isAlreadyExists, isNotFound, newControllerRef, type OwnerReference, type PersistentVolumeClaim, type Pod, type PodSpec, type StatefulSet } from '@skiff/api';
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

/**
 * newClaims are the claims pod `ordinal` needs: each template with its name, namespace, the set's selector labels
 * and the owner its retention policy gives a claim of a pod in range (the set, for whenDeleted Delete).
 */
export function newClaims(sts: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (sts.spec.volumeClaimTemplates ?? []).map((t) => {
    const claim: PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        ...structuredClone(t.metadata),
        name: claimName(sts, t.metadata.name ?? '', ordinal),
        namespace: sts.metadata.namespace ?? '',
        labels: { ...t.metadata.labels, ...sts.spec.selector.matchLabels },
      },
      spec: structuredClone(t.spec),
    };
    const refs = retentionOwnerRefs(claim, sts, undefined, true);
    if (refs?.length) claim.metadata.ownerReferences = refs;
    return claim;
  });
}

/** inOrdinalRange says ordinal `ordinal` is one the set keeps (podInOrdinalRange): not condemned by a scale-down. */
export function inOrdinalRange(sts: StatefulSet, ordinal: number): boolean {
  const start = sts.spec.ordinals?.start ?? 0;
  return ordinal >= start && ordinal < start + (sts.spec.replicas ?? 1);
}

/**
 * retentionOwnerRefs is updateClaimOwnerRefForSetAndPod: the claim's ownerReferences under the set's retention
 * policy, or undefined when they are already right. The set's reference (and any to a pod of the claim's name, a
 * stale one from an earlier pod included) are dropped, then the set is added for whenDeleted Delete while the pod
 * is in range, and the pod for whenScaled Delete once it is condemned. Both are controller references, so a claim
 * another controller owns is left alone (kube's "unexpected owner").
 */
export function retentionOwnerRefs(claim: PersistentVolumeClaim, sts: StatefulSet, pod: Pod | undefined, inRange: boolean): OwnerReference[] | undefined {
  const current = claim.metadata.ownerReferences ?? [];
  const podName = pod?.metadata.name;
  const ours = (r: OwnerReference): boolean => r.uid === sts.metadata.uid || (r.kind === 'Pod' && podName !== undefined && r.name === podName);
  const controller = controllerOf(claim);
  if (controller && !ours(controller)) return undefined;
  const policy = sts.spec.persistentVolumeClaimRetentionPolicy;
  const refs = current.filter((r) => !ours(r));
  if (inRange && policy?.whenDeleted === 'Delete') refs.push(newControllerRef(sts));
  if (!inRange && pod && policy?.whenScaled === 'Delete') refs.push(newControllerRef(pod));
  const same = refs.length === current.length && refs.every((r) => current.some((c) => c.uid === r.uid && c.controller === r.controller));
  return same ? undefined : refs;
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

  /**
   * applyRetention gives the claims of `pod` the owners the set's retention policy wants (kube's
   * UpdatePodClaimForRetentionPolicy), for a pod in range on every sync and for a condemned pod before it is
   * deleted, so the garbage collector removes its claims once the pod is gone. Claims not created yet are skipped.
   */
  async applyRetention(sts: StatefulSet, pod: Pod, ordinal: number): Promise<void> {
    const inRange = inOrdinalRange(sts, ordinal);
    for (const template of sts.spec.volumeClaimTemplates ?? []) {
      const cached = this.#caches.claims.indexer.get(`${sts.metadata.namespace}/${claimName(sts, template.metadata.name ?? '', ordinal)}`);
      if (!cached || cached.metadata.deletionTimestamp) continue;
      const refs = retentionOwnerRefs(cached, sts, pod, inRange);
      if (!refs) continue;
      const next = structuredClone(cached);
      if (refs.length) next.metadata.ownerReferences = refs;
      else delete next.metadata.ownerReferences;
      try {
        await this.#api.claims.update(next);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}
