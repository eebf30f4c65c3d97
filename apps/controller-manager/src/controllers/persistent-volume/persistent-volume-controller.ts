import {
  BIND_COMPLETED_ANNOTATION,
  claimClass,
  findMatchingVolume,
  BOUND_BY_CONTROLLER_ANNOTATION,
  DOCKER_VOLUME_PROVISIONER,
  formatTime,
  isAlreadyExists,
  isNotFound,
  objectKey,
  SELECTED_NODE_ANNOTATION,
  STORAGE_PROVISIONER_ANNOTATION,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type PersistentVolumeClaimStatus,
  type PersistentVolumePhase,
} from '@skiff/api';
import { watch, type EventRecorder, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { newProvisionedVolume } from './docker-volume-provisioner.js';

import { storageClients, storageInformers, type StorageClients, type StorageInformers } from './storage-access.js';

export interface PersistentVolumeControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
}

/** Keys name a claim (`claim/<ns>/<name>`) or a volume (`volume/<name>`): kube's two queues in one. */
const claimKey = (namespace: string | undefined, name: string | undefined): string => `claim/${namespace ?? ''}/${name ?? ''}`;
const volumeKey = (name: string | undefined): string => `volume/${name ?? ''}`;

/**
 * PersistentVolumeController is kube's persistentvolume-binder (pkg/controller/volume/persistentvolume) with an
 * in-tree provisioner for skiff.dev/docker-volume. A claim binds to a matching Available volume, or gets one
 * provisioned: at once for Immediate classes, and for WaitForFirstConsumer classes only once the scheduler has
 * annotated it with the node its first pod goes to (volume.kubernetes.io/selected-node). Binding writes the
 * volume's claimRef first, then the claim's volumeName, then both statuses, so a crash between writes is finished
 * by the next sync. A volume whose claim is gone is Released; with reclaimPolicy Delete the controller deletes it,
 * and the node agent of its node removes the Docker volume (the controller-manager cannot reach Docker).
 */
export class PersistentVolumeController extends ManagedController {
  readonly #recorder: EventRecorder;
  readonly #caches: StorageInformers;
  readonly #api: StorageClients;

  constructor(opts: PersistentVolumeControllerOptions) {
    super('persistentvolume-binder', opts, 1);
    this.#recorder = opts.recorder;
    this.#caches = storageInformers(opts.informers);
    this.#api = storageClients(opts.client);
    const volumesOfClaim = (pvc: PersistentVolumeClaim): string[] => {
      const keys = [claimKey(pvc.metadata.namespace, pvc.metadata.name)];
      for (const pv of this.#caches.volumes.indexer.list()) {
        const ref = pv.spec.claimRef;
        if (ref?.namespace === pvc.metadata.namespace && ref?.name === pvc.metadata.name) keys.push(volumeKey(pv.metadata.name));
      }
      return keys;
    };
    this.watch([
      watch.mapped(this.#caches.claims, volumesOfClaim),
      watch.mapped(this.#caches.volumes, (pv: PersistentVolume) => {
        const ref = pv.spec.claimRef;
        return ref ? [volumeKey(pv.metadata.name), claimKey(ref.namespace, ref.name)] : [volumeKey(pv.metadata.name)];
      }),
      watch.cache(this.#caches.classes),
      watch.cache(this.informers.nodes),
    ]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    if (key.startsWith('claim/')) await this.#syncClaim(key.slice('claim/'.length));
    else if (key.startsWith('volume/')) await this.#syncVolume(key.slice('volume/'.length));
    return {};
  }

  /** syncClaim is kube's syncClaim: bind an unbound claim (finding or provisioning a volume), keep a bound one Bound. */
  async #syncClaim(key: string): Promise<void> {
    const pvc = this.#caches.claims.indexer.get(key);
    if (!pvc || pvc.metadata.deletionTimestamp) return;
    if (pvc.spec.volumeName) {
      const pv = this.#caches.volumes.indexer.get(pvc.spec.volumeName) ?? (await this.#getVolume(pvc.spec.volumeName));
      if (!pv) {
        if (pvc.status?.phase !== 'Lost') this.#recorder.event(pvc, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
        await this.#claimStatus(pvc, { phase: 'Lost' });
        return;
      }
      const ref = pv.spec.claimRef;
      if (!ref) await this.#bindVolume(pv, pvc);
      else if (ref.uid && ref.uid !== pvc.metadata.uid) {
        if (pvc.status?.phase !== 'Lost') this.#recorder.event(pvc, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
        await this.#claimStatus(pvc, { phase: 'Lost' });
        return;
      }
      await this.#markClaimBound(pvc, pv);
      return;
    }
    const className = claimClass(pvc);
    const sc = className ? this.#caches.classes.indexer.get(className) : undefined;
    const delayed = sc?.volumeBindingMode === 'WaitForFirstConsumer';
    const selectedNode = pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    const node = selectedNode ? this.informers.nodes.indexer.get(selectedNode) : undefined;
    // A delayed claim binds only once the scheduler picked a node, and then only to a volume reachable from it.
    if (!delayed || selectedNode) {
      const match = findMatchingVolume(pvc, this.#caches.volumes.indexer.list(), node);
      if (match) {
        await this.#bind(pvc, match);
        return;
      }
    }
    if (!sc) {
      const message = className ? `storageclass.storage.k8s.io "${className}" not found` : 'no persistent volumes available for this claim and no storage class is set';
      this.#recorder.event(pvc, 'Warning', 'ProvisioningFailed', message);
      return;
    }
    if (delayed && !selectedNode) {
      this.#recorder.event(pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    if (sc.provisioner !== DOCKER_VOLUME_PROVISIONER) {
      // Another provisioner's claim: say who is expected, as kube's ExternalProvisioning event does.
      await this.#annotateProvisioner(pvc, sc.provisioner);
      this.#recorder.event(pvc, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator.`);
      return;
    }
    if (!selectedNode) {
      this.#recorder.event(pvc, 'Warning', 'ProvisioningFailed', `storageclass "${sc.metadata.name}": ${DOCKER_VOLUME_PROVISIONER} makes a Docker volume on one node, so it needs volumeBindingMode WaitForFirstConsumer`);
      return;
    }
    await this.#provision(pvc, sc.metadata.name ?? '', selectedNode);
  }

  async #provision(pvc: PersistentVolumeClaim, className: string, node: string): Promise<void> {
    const sc = this.#caches.classes.indexer.get(className)!;
    const claim = await this.#annotateProvisioner(pvc, sc.provisioner);
    this.#recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${objectKey(claim)}"`);
    let pv: PersistentVolume;
    try {
      pv = await this.#api.volumes.create(newProvisionedVolume(claim, sc, node));
    } catch (err) {
      // A volume from an earlier attempt whose claim write was lost: bind to it.
      if (!isAlreadyExists(err)) {
        this.#recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": ${(err as Error).message}`);
        throw err;
      }
      pv = await this.#api.volumes.get(newProvisionedVolume(claim, sc, node).metadata.name!);
    }
    this.#recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata.name}`);
    await this.#bind(claim, pv);
  }

  /** bind is kube's bind: the volume's claimRef, then the claim's volumeName, then both statuses. */
  async #bind(pvc: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    const bound = await this.#bindVolume(pv, pvc);
    let claim = pvc;
    if (pvc.spec.volumeName !== pv.metadata.name) {
      const next = structuredClone(pvc);
      next.spec.volumeName = pv.metadata.name ?? '';
      next.metadata.annotations = { ...next.metadata.annotations, [BIND_COMPLETED_ANNOTATION]: 'yes', [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' };
      claim = await this.#api.claims.update(next);
    }
    await this.#volumePhase(bound, 'Bound');
    await this.#markClaimBound(claim, bound);
  }

  /** bindVolume sets the volume's claimRef to the claim (with its uid) when it does not already say so. */
  async #bindVolume(pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<PersistentVolume> {
    const ref = pv.spec.claimRef;
    if (ref?.uid === pvc.metadata.uid && ref?.name === pvc.metadata.name && ref?.namespace === pvc.metadata.namespace) return pv;
    const next = structuredClone(pv);
    next.spec.claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata.namespace ?? '', name: pvc.metadata.name ?? '', uid: pvc.metadata.uid ?? '' };
    next.metadata.annotations = { ...next.metadata.annotations, [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' };
    return this.#api.volumes.update(next);
  }

  async #markClaimBound(pvc: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    await this.#claimStatus(pvc, {
      phase: 'Bound',
      accessModes: [...(pv.spec.accessModes ?? [])],
      capacity: { ...pv.spec.capacity },
    });
  }

  async #claimStatus(pvc: PersistentVolumeClaim, status: PersistentVolumeClaimStatus): Promise<void> {
    const current = pvc.status ?? {};
    const same = current.phase === status.phase && JSON.stringify(current.capacity ?? null) === JSON.stringify(status.capacity ?? null) && JSON.stringify(current.accessModes ?? null) === JSON.stringify(status.accessModes ?? null);
    if (same) return;
    const next = structuredClone(pvc);
    next.status = { ...current, ...status };
    await this.#api.claims.updateStatus(next);
  }

  async #annotateProvisioner(pvc: PersistentVolumeClaim, provisioner: string): Promise<PersistentVolumeClaim> {
    if (pvc.metadata.annotations?.[STORAGE_PROVISIONER_ANNOTATION] === provisioner) return pvc;
    const next = structuredClone(pvc);
    next.metadata.annotations = { ...next.metadata.annotations, [STORAGE_PROVISIONER_ANNOTATION]: provisioner };
    return this.#api.claims.update(next);
  }

  /**
   * syncVolume is kube's syncVolume: Available without a claim, Bound with one, Released once its claim is gone
   * (confirmed against the API, not just the cache), and then deleted when its reclaim policy is Delete.
   */
  async #syncVolume(name: string): Promise<void> {
    const pv = this.#caches.volumes.indexer.get(name);
    if (!pv) return;
    const ref = pv.spec.claimRef;
    if (!ref) {
      await this.#volumePhase(pv, 'Available');
      return;
    }
    let claim = this.#caches.claims.indexer.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`);
    if (!claim || (ref.uid && claim.metadata.uid !== ref.uid)) claim = await this.#getClaim(ref.namespace ?? '', ref.name ?? '');
    if (claim && (!ref.uid || claim.metadata.uid === ref.uid)) {
      // Pre-bound or being bound: the claim's sync finishes the binding; a volume is Bound once the claim names it.
      if (claim.spec.volumeName === pv.metadata.name) await this.#volumePhase(pv, 'Bound');
      else if (pv.status?.phase === 'Pending') await this.#volumePhase(pv, 'Available');
      return;
    }
    const released = await this.#volumePhase(pv, 'Released');
    const policy = pv.spec.persistentVolumeReclaimPolicy ?? 'Retain';
    // A volume already being deleted (a user's delete, held by pv-protection) still turns Released, which lets
    // pv-protection release it; it is not deleted twice.
    if (pv.metadata.deletionTimestamp) return;
    if (policy === 'Delete') {
      try {
        await this.#api.volumes.delete(pv.metadata.name ?? '', { preconditions: { uid: pv.metadata.uid ?? '' } });
      } catch (err) {
        if (!isNotFound(err)) {
          this.#recorder.event(released, 'Warning', 'VolumeFailedDelete', (err as Error).message);
          throw err;
        }
      }
    } else if (policy === 'Recycle' && pv.status?.phase !== 'Released') {
      this.#recorder.event(released, 'Warning', 'VolumeFailedRecycle', 'Recycle is deprecated and not supported by this cluster; the volume is kept as Retain would');
    }
  }

  async #volumePhase(pv: PersistentVolume, phase: PersistentVolumePhase): Promise<PersistentVolume> {
    if (pv.status?.phase === phase) return pv;
    const next = structuredClone(pv);
    next.status = { phase, lastPhaseTransitionTime: formatTime(this.clock.now()) };
    return this.#api.volumes.updateStatus(next);
  }

  async #getClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    try {
      return await this.#api.claims.get(name, { namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async #getVolume(name: string): Promise<PersistentVolume | undefined> {
    try {
      return await this.#api.volumes.get(name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
