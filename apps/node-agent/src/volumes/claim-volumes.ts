/**
 * @module ClaimVolumes: a pod's persistentVolumeClaim volumes (kubelet's volume manager for the csi driver
 * skiff.dev/docker-volume): claim → PersistentVolume → Docker named volume, created on first mount on this node.
 */
import { DOCKER_VOLUME_PROVISIONER, nodeSelectorTermMatches, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod, type Volume } from '@skiff/api';
import { LABELS } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';

/** Labels on a PersistentVolume's Docker volume: which volume it holds and what to do when the volume is deleted. */
export const PV_LABELS = {
  persistentVolume: 'skiff.dev/persistent-volume',
  reclaimPolicy: 'skiff.dev/reclaim-policy',
} as const;
/** PV_VOLUME_KIND marks (under skiff.dev/kind) a Docker volume holding a PersistentVolume's data. */
export const PV_VOLUME_KIND = 'persistent-volume';

/** ClaimSource reads claims and volumes from the API (the Node authorizer allows the ones this node's pods use). */
export interface ClaimSource {
  claim(namespace: string, name: string): Promise<PersistentVolumeClaim>;
  volume(name: string): Promise<PersistentVolume>;
}

export interface ClaimVolumesOptions {
  nodeName: string;
  /** This node's labels, for the volume's nodeAffinity. */
  nodeLabels(): Record<string, string>;
  source: ClaimSource;
  runtime: Pick<ContainerRuntime, 'ensureVolume'>;
}

/**
 * ClaimVolumes resolves each persistentVolumeClaim volume of a pod to the Docker volume its PersistentVolume names,
 * creating it (labelled with the volume's name, this node, and the reclaim policy) when missing. It refuses, with
 * the reason kubelet reports as FailedMount, a claim that is missing, unbound or being deleted, a volume of another
 * driver, and a volume pinned to another node (whose data is not here).
 */
export class ClaimVolumes {
  readonly #o: ClaimVolumesOptions;

  constructor(opts: ClaimVolumesOptions) {
    this.#o = opts;
  }

  /** setUp returns the runtime volume of `v`, a persistentVolumeClaim volume of `pod`; it throws why it cannot. */
  async setUp(pod: Pod, v: Volume): Promise<string> {
    const claimName = v.persistentVolumeClaim?.claimName ?? '';
    const ns = pod.metadata.namespace ?? 'default';
    const claim = await this.#o.source.claim(ns, claimName).catch((err: unknown) => {
      throw new Error(`error processing PVC ${ns}/${claimName}: ${(err as Error).message}`);
    });
    if (claim.metadata.deletionTimestamp) throw new Error(`error processing PVC ${ns}/${claimName}: PVC is being deleted`);
    const pvName = claim.spec.volumeName;
    if (!pvName || claim.status?.phase !== 'Bound') throw new Error(`error processing PVC ${ns}/${claimName}: PVC is not bound`);
    const pv = await this.#o.source.volume(pvName).catch((err: unknown) => {
      throw new Error(`error processing PVC ${ns}/${claimName}: ${(err as Error).message}`);
    });
    if (pv.spec.claimRef?.uid && pv.spec.claimRef.uid !== claim.metadata.uid) throw new Error(`PersistentVolume ${pvName} is bound to another claim`);
    const csi = pv.spec.csi;
    if (csi?.driver !== DOCKER_VOLUME_PROVISIONER || !csi.volumeHandle) {
      throw new Error(`PersistentVolume ${pvName}: only csi volumes of driver ${DOCKER_VOLUME_PROVISIONER} can be mounted by this node agent`);
    }
    const terms = pv.spec.nodeAffinity?.required?.nodeSelectorTerms;
    const self = { apiVersion: 'v1', kind: 'Node', metadata: { name: this.#o.nodeName, labels: this.#o.nodeLabels() } } as Node;
    if (terms && !terms.some((t) => nodeSelectorTermMatches(t, self))) throw new Error(`PersistentVolume ${pvName} has volume node affinity that does not match node ${this.#o.nodeName}`);
    if (!this.#o.runtime.ensureVolume) throw new Error('this node agent runtime cannot create persistent volumes');
    // The volume handle is only a name: the Docker volume it reaches must be this PersistentVolume's (the reclaim
    // policy may change since it was made).
    const identity = [LABELS.managed, LABELS.kind, PV_LABELS.persistentVolume];
    await this.#o.runtime.ensureVolume(csi.volumeHandle, {
      [LABELS.managed]: 'true',
      [LABELS.kind]: PV_VOLUME_KIND,
      [PV_LABELS.persistentVolume]: pvName,
      [PV_LABELS.reclaimPolicy]: pv.spec.persistentVolumeReclaimPolicy ?? 'Retain',
    }, identity).catch((err: unknown) => {
      throw new Error(`PersistentVolume ${pvName}: ${(err as Error).message}`);
    });
    return csi.volumeHandle;
  }
}
