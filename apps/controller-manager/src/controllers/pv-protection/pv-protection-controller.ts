/**
 * @module PvProtectionController: kube's pv-protection controller (pkg/controller/volume/pvprotection). The
 * api-server's StorageObjectInUseProtection admission puts `kubernetes.io/pv-protection` on every volume; this
 * controller takes it off a volume being deleted once the volume is not Bound to a claim, and adds it to a live
 * volume that lacks it.
 */
import { PV_PROTECTION_FINALIZER, type PersistentVolume } from '@skiff/api';
import { watch, type ReconcileResult } from '@skiff/controller-kit';
import { heldByFinalizer, lacksFinalizer, setFinalizer } from '../../util/set-finalizer.js';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { storageClients, storageInformers, type StorageClients, type StorageInformers } from '../persistent-volume/storage-access.js';

const needsFinalizer = (pv: PersistentVolume): boolean => lacksFinalizer(pv, PV_PROTECTION_FINALIZER);
const isDeletionCandidate = (pv: PersistentVolume): boolean => heldByFinalizer(pv, PV_PROTECTION_FINALIZER);

/**
 * PvProtectionController keys volumes by name. A Bound volume is in use (kube's isBeingUsed reads the phase the
 * persistentvolume-binder keeps): `kubectl delete pv` of one leaves it Terminating until its claim goes and the
 * binder marks it Released.
 */
export class PvProtectionController extends ManagedController {
  readonly #caches: StorageInformers;
  readonly #api: StorageClients;

  constructor(opts: ControllerDeps) {
    super('pv-protection', opts, 1);
    this.#caches = storageInformers(opts.informers);
    this.#api = storageClients(opts.client);
    this.watch([watch.mapped(this.#caches.volumes, (pv: PersistentVolume) => (needsFinalizer(pv) || isDeletionCandidate(pv) ? (pv.metadata.name ?? '') : undefined))]);
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const pv = this.#caches.volumes.indexer.get(name);
    if (!pv) return {};
    if (isDeletionCandidate(pv)) {
      if (pv.status?.phase !== 'Bound') await setFinalizer(this.#api.volumes, pv, PV_PROTECTION_FINALIZER, false);
      return {};
    }
    if (needsFinalizer(pv)) await setFinalizer(this.#api.volumes, pv, PV_PROTECTION_FINALIZER, true);
    return {};
  }
}
