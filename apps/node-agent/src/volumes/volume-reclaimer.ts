/**
 * @module VolumeReclaimer: removes the Docker volume of a deleted PersistentVolume whose reclaim policy is Delete
 * (what local-path-provisioner's helper pod does on the volume's node; here the node agent, the one process that
 * reaches that node's Docker).
 */
import { sleep, type Clock, type PersistentVolume } from '@skiff/api';
import type { Logger } from '@skiff/controller-kit';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { LABELS } from '../runtime/labels.js';
import { PV_LABELS, PV_VOLUME_KIND } from './claim-volumes.js';

export interface VolumeReclaimerOptions {
  runtime: Pick<ContainerRuntime, 'listVolumes' | 'removeVolume'>;
  /**
   * lookup GETs a PersistentVolume by name: the volume, or undefined once it is deleted (404). It throws when the
   * API cannot say (unreachable, refused): the data is then kept.
   */
  lookup(name: string): Promise<PersistentVolume | undefined>;
  clock: Clock;
  logger: Logger;
  /** How often this node's volumes are checked against the API. Default 5 s. */
  periodMs?: number;
}

/**
 * VolumeReclaimer checks, every period, each Docker volume this node holds for a PersistentVolume, by GETting that
 * volume by name, as kubelet reads only the volumes it has to (the Node authorizer lets a node get a volume pinned to
 * it, and a name no volume has, which answers 404). A volume found gone has its data removed when its reclaim
 * policy is Delete: the policy last read from the API (an admin's switch to Retain is honoured), else the one the
 * Docker volume was labelled with when it was created. One still mounted by a container is tried again next period.
 */
export class VolumeReclaimer {
  readonly #o: VolumeReclaimerOptions;
  /** The reclaim policy each held volume had when last read. */
  readonly #policies = new Map<string, string>();

  constructor(opts: VolumeReclaimerOptions) {
    this.#o = opts;
  }

  /** run sweeps at once and then every period, until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.sweep().catch((err: unknown) => this.#o.logger.warn({ err }, 'could not check the data of persistent volumes'));
      await sleep(this.#o.clock, this.#o.periodMs ?? 5000, signal);
    }
  }

  /** sweep removes this node's Docker volumes whose PersistentVolume is gone and was reclaim Delete. */
  async sweep(): Promise<void> {
    const rt = this.#o.runtime;
    if (!rt.listVolumes || !rt.removeVolume) return;
    for (const v of await rt.listVolumes({ [LABELS.kind]: PV_VOLUME_KIND })) {
      const pvName = v.labels[PV_LABELS.persistentVolume];
      if (!pvName) continue;
      let pv: PersistentVolume | undefined;
      try {
        pv = await this.#o.lookup(pvName);
      } catch (err) {
        this.#o.logger.debug({ persistentVolume: pvName, err }, 'cannot tell whether a persistent volume still exists; keeping its data');
        continue;
      }
      if (pv) {
        this.#policies.set(pvName, pv.spec.persistentVolumeReclaimPolicy ?? 'Retain');
        continue;
      }
      const policy = this.#policies.get(pvName) ?? v.labels[PV_LABELS.reclaimPolicy] ?? 'Retain';
      if (policy !== 'Delete') continue;
      if ((await rt.removeVolume(v.name)) === 'inUse') {
        this.#o.logger.debug({ persistentVolume: pvName, volume: v.name }, 'persistent volume data still mounted; retrying');
        continue;
      }
      this.#policies.delete(pvName);
      this.#o.logger.info({ persistentVolume: pvName, volume: v.name }, 'removed the data of a deleted persistent volume');
    }
  }
}
