/**
 * @module VolumeReclaimer: removes the Docker volume of a deleted PersistentVolume whose reclaim policy is Delete
 * (what local-path-provisioner's helper pod does on the volume's node; here the node agent, the one process that
 * reaches that node's Docker).
 */
import { DOCKER_VOLUME_PROVISIONER, type Clock, type PersistentVolume } from '@skiff/api';
import type { Logger } from '@skiff/controller-kit';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { LABELS } from '../runtime/labels.js';
import { PV_LABELS, PV_VOLUME_KIND } from './claim-volumes.js';

export interface VolumeReclaimerOptions {
  runtime: Pick<ContainerRuntime, 'listVolumes' | 'removeVolume'>;
  /** Whether a PersistentVolume of this name exists now (the agent's synced informer cache). */
  exists(name: string): boolean;
  clock: Clock;
  logger: Logger;
  /** Wait before trying again a volume still mounted by a container (a pod being torn down). Default 2 s. */
  retryMs?: number;
}

/**
 * VolumeReclaimer deletes this node's Docker volume of a PersistentVolume once the volume object is deleted with
 * reclaimPolicy Delete (the policy of the deleted object, so an admin's switch to Retain is honoured). `sweep`
 * catches deletions missed while the agent was down, trusting the policy the Docker volume was labelled with.
 * A volume still in use is retried until it is free.
 */
export class VolumeReclaimer {
  readonly #o: VolumeReclaimerOptions;
  readonly #retrying = new Set<string>();
  #stopped = false;
  #inflight = new Set<Promise<void>>();

  constructor(opts: VolumeReclaimerOptions) {
    this.#o = opts;
  }

  /** onDeleted handles a PersistentVolume deletion seen by the informer. */
  onDeleted(pv: PersistentVolume): void {
    if (pv.spec.csi?.driver !== DOCKER_VOLUME_PROVISIONER) return;
    if ((pv.spec.persistentVolumeReclaimPolicy ?? 'Retain') !== 'Delete') return;
    this.#track(this.#reclaim(pv.metadata.name ?? ''));
  }

  /** sweep removes this node's reclaim-Delete Docker volumes whose PersistentVolume no longer exists. */
  async sweep(): Promise<void> {
    if (!this.#o.runtime.listVolumes) return;
    const volumes = await this.#o.runtime.listVolumes({ [LABELS.kind]: PV_VOLUME_KIND, [PV_LABELS.reclaimPolicy]: 'Delete' });
    for (const v of volumes) {
      const pv = v.labels[PV_LABELS.persistentVolume];
      if (pv && !this.#o.exists(pv)) await this.#reclaim(pv);
    }
  }

  /** idle resolves once no removal is in flight (tests). */
  async idle(): Promise<void> {
    while (this.#inflight.size) await Promise.allSettled([...this.#inflight]);
  }

  stop(): void {
    this.#stopped = true;
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  async #reclaim(pvName: string): Promise<void> {
    const rt = this.#o.runtime;
    if (!rt.listVolumes || !rt.removeVolume || this.#stopped) return;
    try {
      // Only this node's volumes: several agents may share one Docker engine (the toy cluster, tests).
      for (const v of await rt.listVolumes({ [LABELS.kind]: PV_VOLUME_KIND, [PV_LABELS.persistentVolume]: pvName })) {
        if ((await rt.removeVolume(v.name)) === 'inUse') {
          this.#retry(pvName, 'volume in use');
          return;
        }
        this.#o.logger.info({ persistentVolume: pvName, volume: v.name }, 'removed the data of a deleted persistent volume');
      }
    } catch (err) {
      this.#retry(pvName, (err as Error).message);
    }
  }

  #retry(pvName: string, why: string): void {
    if (this.#stopped || this.#retrying.has(pvName)) return;
    this.#retrying.add(pvName);
    this.#o.logger.debug({ persistentVolume: pvName, why }, 'persistent volume data not removed yet; retrying');
    this.#o.clock.setTimeout(() => {
      this.#retrying.delete(pvName);
      this.#track(this.#reclaim(pvName));
    }, this.#o.retryMs ?? 2000);
  }
}
