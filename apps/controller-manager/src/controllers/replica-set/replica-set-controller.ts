import { controllerOf, isNotFound, isPodTerminal, newControllerRef, objectKey, selectorFromLabelSelector, splitKey, type Pod, type ReplicaSet } from '@skiff/api';
import {
  OWNER_UID_INDEX,
  TerminalError,
  watch,
  unwrapTombstone,
  type ReconcileResult,
} from '@skiff/controller-kit';
import type { ControllerInformers } from '../../informers.js';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import type { EventRecorder } from '@skiff/controller-kit';
import { adoptPatch, releasePatch } from '../../util/owner-refs.js';
import { isPodActive, isPodReady, isPodTerminating } from '../../util/pod-state.js';
import { ControllerExpectations } from './controller-expectations.js';
import { podsToDelete } from './rank-pods-for-deletion.js';
import { calculateReplicaSetStatus, statusEqual } from './replica-set-status.js';

/** BURST_REPLICAS caps the pods one reconcile creates or deletes, as kube's --replicaset burst of 500 does. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
  burstReplicas?: number;
}

/**
 * ReplicaSetController keeps each ReplicaSet's number of active pods at spec.replicas, after kube's
 * pkg/controller/replicaset. Reconcile claims pods (adopting matching orphans, releasing pods that stopped
 * matching), creates or deletes the difference while expectations say the cache is trustworthy, and writes status
 * last. Pods are named `<rs>-<random>` and carry a controlling ownerReference.
 */
export class ReplicaSetController extends ManagedController {
  readonly expectations: ControllerExpectations;
  readonly #recorder: EventRecorder;
  readonly #burst: number;

  constructor(opts: ReplicaSetControllerOptions) {
    super('replicaset', opts, 5);
    this.#recorder = opts.recorder;
    this.#burst = opts.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new ControllerExpectations(this.clock);
    // Both handlers do expectations bookkeeping besides mapping to keys, so they are written out.
    this.watch([
      watch.handler(this.informers.replicasets, (queue) => ({
        onAdd: (rs) => queue.add(objectKey(rs)),
        onUpdate: (_old, rs) => queue.add(objectKey(rs)),
        onDelete: (obj) => {
          const key = objectKey(unwrapTombstone(obj));
          this.expectations.forget(key);
          queue.add(key);
        },
      })),
      watch.handler(this.informers.pods, () => ({
        onAdd: (pod) => this.#podAdded(pod),
        onUpdate: (oldPod, pod) => this.#podUpdated(oldPod, pod),
        onDelete: (obj) => this.#podDeleted(unwrapTombstone(obj)),
      })),
    ]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const rs = this.informers.replicasets.indexer.get(key);
    if (!rs) {
      this.expectations.forget(key);
      return {};
    }
    const selector = parseSelector(rs, key);
    const needsSync = this.expectations.satisfied(key);
    const { namespace = '' } = splitKey(key);
    const candidates = this.informers.pods.lister().list(namespace).filter((p) => !isPodTerminal(p));
    const owned = await this.#claimPods(rs, selector, candidates);
    const active = owned.filter(isPodActive);
    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.#manageReplicas(key, rs, active);
      } catch (err) {
        manageError = err;
      }
    }
    const now = this.clock.now();
    const status = calculateReplicaSetStatus(rs, active, owned.filter(isPodTerminating).length, now);
    if (!statusEqual(rs.status, status)) {
      const next = structuredClone(rs);
      next.status = status;
      await this.client.replicasets.updateStatus(next);
    }
    if (manageError) throw manageError;
    const minReady = rs.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) return { requeueAfterMs: minReady * 1000 };
    return {};
  }

  /**
   * claimPods returns the pods this ReplicaSet controls after adopting orphans that match its selector and
   * releasing pods it controls that no longer match, as kube's PodControllerRefManager does.
   */
  async #claimPods(rs: ReplicaSet, selector: LabelSelectorMatcher, pods: readonly Pod[]): Promise<Pod[]> {
    const uid = rs.metadata.uid ?? '';
    const deleting = !!rs.metadata.deletionTimestamp;
    const claimed: Pod[] = [];
    for (const pod of pods) {
      const ref = controllerOf(pod);
      const matches = selector.matches(pod.metadata.labels);
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches || deleting) {
          claimed.push(pod);
          continue;
        }
        try {
          await this.client.pods.patch(pod.metadata.name ?? '', releasePatch(pod.metadata, new Set([uid])), { namespace: pod.metadata.namespace });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        continue;
      }
      if (!matches || deleting || pod.metadata.deletionTimestamp) continue;
      try {
        const adopted = await this.client.pods.patch(pod.metadata.name ?? '', adoptPatch(pod.metadata, newControllerRef(rs)), { namespace: pod.metadata.namespace });
        claimed.push(adopted);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return claimed;
  }

  async #manageReplicas(key: string, rs: ReplicaSet, active: readonly Pod[]): Promise<void> {
    const want = rs.spec.replicas ?? 1;
    const diff = active.length - want;
    if (diff < 0) {
      const count = Math.min(-diff, this.#burst);
      this.expectations.expectCreations(key, count);
      const created = await this.#slowStart(count, () => this.#createPod(rs));
      for (let i = created; i < count; i++) this.expectations.creationObserved(key);
      if (created < count) throw new Error(`created ${created} of ${count} pods for replicaset ${key}`);
    } else if (diff > 0) {
      const victims = podsToDelete(active, Math.min(diff, this.#burst));
      this.expectations.expectDeletions(key, victims.map((p) => objectKey(p)));
      const results = await Promise.allSettled(victims.map((p) => this.#deletePod(key, rs, p)));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
  }

  /** slowStart runs `fn` `count` times in batches of 1, 2, 4, ... and stops after the first batch with a failure. */
  async #slowStart(count: number, fn: () => Promise<void>): Promise<number> {
    let done = 0;
    for (let batch = 1; done < count; batch *= 2) {
      const size = Math.min(batch, count - done);
      const results = await Promise.allSettled(Array.from({ length: size }, fn));
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      done += ok;
      if (ok < size) break;
    }
    return done;
  }

  async #createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec.template;
    const meta = template?.metadata ?? {};
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...meta.labels },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
        ownerReferences: [newControllerRef(rs)],
      },
      spec: structuredClone(template?.spec ?? { containers: [] }),
    };
    try {
      const created = await this.client.pods.create(pod);
      this.#recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (err) {
      this.#recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  async #deletePod(key: string, rs: ReplicaSet, pod: Pod): Promise<void> {
    try {
      await this.client.pods.delete(pod.metadata.name ?? '', { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
      this.#recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      this.expectations.deletionObserved(key, objectKey(pod));
      if (isNotFound(err)) return;
      this.#recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  #ownerKey(pod: Pod): string | undefined {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    const rs = this.informers.replicasets.indexer.get(key);
    return rs && rs.metadata.uid === ref.uid ? key : undefined;
  }

  #enqueueMatching(pod: Pod): void {
    for (const rs of this.informers.replicasets.lister().list(pod.metadata.namespace ?? '')) {
      if (selectorFromLabelSelector(rs.spec.selector).matches(pod.metadata.labels)) this.queue.add(objectKey(rs));
    }
  }

  #podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.#podDeleted(pod);
    const key = this.#ownerKey(pod);
    if (key) {
      this.expectations.creationObserved(key);
      this.queue.add(key);
    } else if (!controllerOf(pod)) this.#enqueueMatching(pod);
  }

  #podUpdated(oldPod: Pod, pod: Pod): void {
    if (pod.metadata.deletionTimestamp && !oldPod.metadata.deletionTimestamp) {
      this.#podDeleted(pod);
      return;
    }
    const oldKey = this.#ownerKey(oldPod);
    const key = this.#ownerKey(pod);
    if (oldKey && oldKey !== key) this.queue.add(oldKey);
    if (key) {
      this.queue.add(key);
      const rs = this.informers.replicasets.indexer.get(key);
      const minReady = rs?.spec.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(oldPod) && isPodReady(pod)) this.queue.addAfter(key, minReady * 1000 + 1000);
    } else if (!controllerOf(pod)) this.#enqueueMatching(pod);
  }

  #podDeleted(pod: Pod): void {
    const key = this.#ownerKey(pod);
    if (!key) return;
    this.expectations.deletionObserved(key, objectKey(pod));
    this.queue.add(key);
  }
}

type LabelSelectorMatcher = ReturnType<typeof selectorFromLabelSelector>;

/**
 * parseSelector reads spec.selector; one the API should have refused can never match anything, so it fails the key
 * terminally instead of retrying forever, as kube's controller drops it after logging.
 */
function parseSelector(rs: ReplicaSet, key: string): LabelSelectorMatcher {
  try {
    return selectorFromLabelSelector(rs.spec.selector);
  } catch (err) {
    throw new TerminalError(`replicaset ${key} has an invalid spec.selector: ${(err as Error).message}`, { cause: err });
  }
}

/** ownedPods lists the pods whose ownerReferences name the ReplicaSet's uid, from the owner-uid index. */
export function ownedPods(informers: ControllerInformers, rs: ReplicaSet): Pod[] {
  return informers.pods.indexer.byIndex(OWNER_UID_INDEX, rs.metadata.uid ?? '');
}
