/**
 * @module VolumeBinding: a pod's PersistentVolumeClaims as a filter and a pre-bind step (kube's
 * plugins/volumebinding, cut to Skiff's binder and provisioner).
 */
import { findMatchingVolume, SELECTED_NODE_ANNOTATION, volumeFitsNode, type Clock, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StorageClass } from '@skiff/api';
import type { NodeInfo } from '../../cache/node-info.js';
import type { CycleState, FilterPlugin } from '../../framework/plugin.js';
import { SUCCESS, unresolvable, unschedulable, type Status } from '../../framework/status.js';

/** VolumeListers read the scheduler's claim, volume and class caches. */
export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

/** ClaimWriter is the one write VolumeBinding makes: the selected-node annotation on a claim. */
export interface ClaimWriter {
  annotateSelectedNode(claim: PersistentVolumeClaim, node: string): Promise<void>;
}

export interface VolumeBindingOptions {
  listers: VolumeListers;
  writer: ClaimWriter;
  clock: Clock;
  /** How long preBind waits for the claims to be bound (kube's bindTimeoutSeconds, 600 s by default). */
  bindTimeoutMs?: number;
}

/** Reasons, as kube's volumebinding ErrReason* constants word them. */
export const REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

interface PodClaims {
  /** A failure that holds on every node (a missing claim), reported once per node. */
  error?: Status;
  bound: PersistentVolume[];
  /** Unbound WaitForFirstConsumer claims, with whether their class can provision. */
  delayed: Array<{ claim: PersistentVolumeClaim; provisions: boolean }>;
}

const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/** claimNames lists the claims a pod's volumes name. */
function claimNames(pod: Pod): string[] {
  return (pod.spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []));
}

/**
 * VolumeBinding admits a node when every claim of the pod can be used there: a bound claim's volume must allow the
 * node (its nodeAffinity, which pins Skiff's Docker volumes to one node); an unbound WaitForFirstConsumer claim
 * needs a class that provisions, or a matching static volume on that node. An unbound Immediate claim waits for
 * the PV controller. preBind then writes the chosen node on each delayed claim (volume.kubernetes.io/selected-node),
 * which is the PV controller's cue to bind or provision, and waits until every claim is bound before the pod is,
 * so the node agent finds a volume to mount.
 */
export class VolumeBinding implements FilterPlugin {
  readonly name = 'VolumeBinding';
  readonly #o: VolumeBindingOptions;
  readonly #waiters = new Set<() => void>();

  constructor(opts: VolumeBindingOptions) {
    this.#o = opts;
  }

  /** changed wakes preBind waiters: call it on every claim or volume event. */
  changed(): void {
    for (const w of [...this.#waiters]) w();
  }

  filter(state: CycleState, node: NodeInfo): Status {
    const claims = state.read('VolumeBinding', () => this.#podClaims(state.pod));
    if (claims.error) return claims.error;
    const n = node.node;
    if (!n) return unresolvable('node(s) not found');
    for (const pv of claims.bound) if (!volumeFitsNode(pv, n)) return unresolvable(REASON_NODE_CONFLICT);
    for (const { claim, provisions } of claims.delayed) {
      const selected = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
      // Another pod of the claim already chose a node: the volume is being made there.
      if (selected && selected !== node.name) return unschedulable(REASON_BIND_CONFLICT);
      if (!provisions && !findMatchingVolume(claim, this.#o.listers.volumes(), n)) return unschedulable(REASON_BIND_CONFLICT);
    }
    return SUCCESS;
  }

  #podClaims(pod: Pod): PodClaims {
    const out: PodClaims = { bound: [], delayed: [] };
    const ns = pod.metadata.namespace ?? 'default';
    for (const name of claimNames(pod)) {
      const claim = this.#o.listers.claim(ns, name);
      if (!claim) return { ...out, error: unresolvable(`persistentvolumeclaim "${name}" not found`) };
      if (claim.metadata.deletionTimestamp) return { ...out, error: unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
      if (claim.spec.volumeName) {
        const pv = this.#o.listers.volume(claim.spec.volumeName);
        if (!pv) return { ...out, error: unresolvable('pvc(s) bound to non-existent pv(s)') };
        out.bound.push(pv);
        continue;
      }
      const sc = claim.spec.storageClassName ? this.#o.listers.storageClass(claim.spec.storageClassName) : undefined;
      if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') return { ...out, error: unschedulable(REASON_UNBOUND_IMMEDIATE) };
      out.delayed.push({ claim, provisions: sc.provisioner !== NO_PROVISIONER });
    }
    return out;
  }

  /**
   * preBind annotates the pod's unbound delayed claims with `node` and resolves once all the pod's claims are
   * bound; it rejects when a write fails or the claims are still unbound after the bind timeout.
   */
  async preBind(pod: Pod, node: string): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const names = claimNames(pod);
    if (!names.length) return;
    for (const name of names) {
      const claim = this.#o.listers.claim(ns, name);
      if (!claim || claim.spec.volumeName) continue;
      if (claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION] !== node) await this.#o.writer.annotateSelectedNode(claim, node);
    }
    const allBound = (): boolean =>
      names.every((name) => {
        const volumeName = this.#o.listers.claim(ns, name)?.spec.volumeName;
        return !!volumeName && !!this.#o.listers.volume(volumeName);
      });
    await this.#waitFor(allBound, `binding volumes: timed out waiting for the condition (claims ${names.join(', ')} of pod ${ns}/${pod.metadata.name} are not bound)`);
  }

  #waitFor(done: () => boolean, timeoutMessage: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        finish();
        resolve();
      };
      const timer = this.#o.clock.setTimeout(() => {
        finish();
        reject(new Error(timeoutMessage));
      }, this.#o.bindTimeoutMs ?? 600_000);
      const finish = (): void => {
        this.#waiters.delete(check);
        this.#o.clock.clearTimeout(timer);
      };
      this.#waiters.add(check);
    });
  }
}
