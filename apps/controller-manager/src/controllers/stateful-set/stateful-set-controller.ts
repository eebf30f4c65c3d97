import { isDeepStrictEqual } from 'node:util';
import {
  controllerOf,
  CONTROLLER_REVISION_HASH_LABEL,
  isAlreadyExists,
  isNotFound,
  isPodTerminal,
  newControllerRef,
  objectKey,
  POD_INDEX_LABEL,
  STATEFUL_SET_POD_NAME_LABEL,
  type ControllerRevision,
  type Pod,
  type PodTemplateSpec,
  type StatefulSet,
  type StatefulSetStatus,
} from '@skiff/api';
import { OWNER_UID_INDEX, unwrapTombstone, watch, type EventRecorder, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { isPodAvailable, isPodReady } from '../../util/pod-state.js';
import { addClaimVolumes, StatefulSetClaims } from './stateful-set-claims.js';
import type { ResourceApi } from '../../controller-client.js';
import { claimRevisions, revisionsApi, revisionsInformer, templateOf } from '../../util/controller-history.js';
import { statefulSetRevisions, truncateHistory } from './stateful-set-revisions.js';

export interface StatefulSetControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
}

const revisionOf = (pod: Pod): string => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
const isTerminating = (pod: Pod): boolean => !!pod.metadata.deletionTimestamp;
const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);

/** ordinalOf parses `<set>-<n>`; undefined for a pod whose name is not one of the set's. */
export function ordinalOf(setName: string, pod: Pod): number | undefined {
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(`${setName}-`)) return undefined;
  const rest = name.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/**
 * StatefulSetController gives each StatefulSet stable pods `<name>-<ordinal>`, after kube's
 * pkg/controller/statefulset: OrderedReady creates them one at a time in ordinal order, each once the previous is
 * Running and Ready, and removes them from the highest ordinal down; Parallel creates and removes them all at once.
 * Failed pods are replaced under the same name. RollingUpdate replaces pods whose revision differs, highest ordinal
 * first and one at a time, down to spec.updateStrategy.rollingUpdate.partition; OnDelete waits for users to delete
 * them. Pods get hostname = their name and subdomain = serviceName, for `web-0.web` DNS through a headless
 * Service. Each template is a ControllerRevision (stateful-set-revisions.ts) whose name pods carry in the
 * `controller-revision-hash` label; a pod below the partition that must be re-created gets the current revision's
 * template back from it.
 */
export class StatefulSetController extends ManagedController {
  readonly #recorder: EventRecorder;
  readonly #claims: StatefulSetClaims;
  readonly #revisions: ResourceApi<ControllerRevision>;

  constructor(opts: StatefulSetControllerOptions) {
    super('statefulset', opts, 5);
    this.#recorder = opts.recorder;
    this.#claims = new StatefulSetClaims(opts);
    this.#revisions = revisionsApi(this.client);
    const owner = (obj: Pod | ControllerRevision): string | undefined => {
      const ref = controllerOf(obj);
      if (ref?.kind !== 'StatefulSet') return undefined;
      const sts = this.informers.statefulsets.indexer.get(`${obj.metadata.namespace}/${ref.name}`);
      return sts && sts.metadata.uid === ref.uid ? objectKey(sts) : undefined;
    };
    const requeue = (queue: { add(key: string): void }, obj: Pod | ControllerRevision): void => {
      const key = owner(obj);
      if (key) queue.add(key);
    };
    this.watch([
      watch.handler(this.informers.statefulsets, (queue) => ({
        onAdd: (sts) => queue.add(objectKey(sts)),
        onUpdate: (_old, sts) => queue.add(objectKey(sts)),
        onDelete: () => {},
      })),
      watch.handler(this.informers.pods, (queue) => ({
        onAdd: (pod) => requeue(queue, pod),
        onUpdate: (_old, pod) => requeue(queue, pod),
        onDelete: (obj) => requeue(queue, unwrapTombstone(obj)),
      })),
      watch.handler(revisionsInformer(this.informers), (queue) => ({
        onAdd: (cr) => requeue(queue, cr),
        onUpdate: (_old, cr) => requeue(queue, cr),
        onDelete: (obj) => requeue(queue, unwrapTombstone(obj)),
      })),
    ]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const sts = this.informers.statefulsets.indexer.get(key);
    if (!sts || sts.metadata.deletionTimestamp) return {};
    const owned = await claimRevisions(this.#revisions, revisionsInformer(this.informers), sts);
    const revs = await statefulSetRevisions(this.#revisions, sts, owned);
    const currentRevision = revs.current.metadata.name!;
    const updateRevision = revs.update.metadata.name!;
    const pods = this.informers.pods.indexer.byIndex(OWNER_UID_INDEX, sts.metadata.uid ?? '').filter((p) => controllerOf(p)?.uid === sts.metadata.uid);
    let err: unknown;
    try {
      await this.#sync(sts, pods, currentRevision, updateRevision, templateOf(revs.current));
    } catch (e) {
      err = e;
    }
    await this.#updateStatus(sts, this.informers.pods.indexer.byIndex(OWNER_UID_INDEX, sts.metadata.uid ?? '').filter((p) => controllerOf(p)?.uid === sts.metadata.uid), currentRevision, updateRevision, revs.collisionCount);
    if (err) throw err;
    await truncateHistory(this.#revisions, sts, pods, owned, revs);
    return (sts.spec.minReadySeconds ?? 0) > 0 ? { requeueAfterMs: (sts.spec.minReadySeconds ?? 0) * 1000 } : {};
  }

  /** sync is kube's updateStatefulSet: create, replace and condemn pods, then roll the update one pod at a time. */
  async #sync(sts: StatefulSet, pods: Pod[], currentRevision: string, updateRevision: string, currentTemplate: PodTemplateSpec): Promise<void> {
    const name = sts.metadata.name ?? '';
    const start = sts.spec.ordinals?.start ?? 0;
    const replicaCount = sts.spec.replicas ?? 1;
    const monotonic = sts.spec.podManagementPolicy !== 'Parallel';
    const partition = sts.spec.updateStrategy?.type === 'RollingUpdate' ? (sts.spec.updateStrategy.rollingUpdate?.partition ?? 0) : replicaCount;
    const replicas: Array<Pod | undefined> = Array.from({ length: replicaCount }, () => undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ord = ordinalOf(name, pod);
      if (ord !== undefined && ord >= start && ord < start + replicaCount) replicas[ord - start] = pod;
      else condemned.push(pod);
    }
    condemned.sort((a, b) => (ordinalOf(name, b) ?? -1) - (ordinalOf(name, a) ?? -1));
    // persistentVolumeClaimRetentionPolicy: every pod's claims get the owners the policy wants, a condemned pod's
    // before it is deleted, so the garbage collector takes them with it (kube's fixPodClaim and processReplica).
    for (const pod of [...condemned, ...replicas]) {
      const ord = pod && ordinalOf(name, pod);
      if (pod && ord !== undefined) await this.#claims.applyRetention(sts, pod, ord);
    }

    for (let i = 0; i < replicas.length; i++) {
      const pod = replicas[i];
      const ordinal = start + i;
      if (!pod) {
        // Below a RollingUpdate's partition, pods keep the current revision; others (and OnDelete's) get the update.
        const current = sts.spec.updateStrategy?.type === 'RollingUpdate' && ordinal - start < partition;
        await this.#create(sts, ordinal, current ? currentRevision : updateRevision, current ? currentTemplate : sts.spec.template);
        if (monotonic) return;
        continue;
      }
      if (isPodTerminal(pod) && !isTerminating(pod)) {
        this.#recorder.event(sts, 'Warning', 'RecreatingFailedPod', `StatefulSet ${sts.metadata.namespace}/${name} is recreating failed Pod ${pod.metadata.name}`);
        await this.#delete(sts, pod);
        if (monotonic) return;
        continue;
      }
      if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod))) return;
    }

    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      // In order: a condemned pod goes only while every other pod is healthy (the first unhealthy one may go).
      if (monotonic && pods.some((p) => p !== pod && !isTerminating(p) && !isRunningAndReady(p))) return;
      await this.#delete(sts, pod);
      if (monotonic) return;
    }

    if (sts.spec.updateStrategy?.type !== 'RollingUpdate') return;
    for (let target = replicas.length - 1; target >= partition; target--) {
      const pod = replicas[target];
      if (!pod) return;
      if (revisionOf(pod) !== updateRevision && !isTerminating(pod)) {
        await this.#delete(sts, pod);
        return;
      }
      if (!isRunningAndReady(pod) || isTerminating(pod)) return;
    }
  }

  async #create(sts: StatefulSet, ordinal: number, revision: string, template: PodTemplateSpec): Promise<void> {
    const pod = newStatefulPod(sts, ordinal, revision, template);
    await this.#claims.ensure(sts, ordinal);
    try {
      await this.client.pods.create(pod);
      this.#recorder.event(sts, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (err) {
      // A stale cache: the pod exists already and its event will requeue the set.
      if (isAlreadyExists(err)) return;
      this.#recorder.event(sts, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  async #delete(sts: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.client.pods.delete(pod.metadata.name!, { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
      this.#recorder.event(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.#recorder.event(sts, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  async #updateStatus(sts: StatefulSet, pods: Pod[], currentRevision: string, updateRevision: string, collisionCount: number): Promise<void> {
    const live = pods.filter((p) => !isTerminating(p));
    const now = this.clock.now();
    const status: StatefulSetStatus = {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      availableReplicas: live.filter((p) => isPodAvailable(p, sts.spec.minReadySeconds ?? 0, now)).length,
      currentReplicas: live.filter((p) => revisionOf(p) === currentRevision).length,
      updatedReplicas: live.filter((p) => revisionOf(p) === updateRevision).length,
      currentRevision,
      updateRevision,
    };
    // completeRollingUpdate: once every pod runs the update and is ready, it becomes the current revision.
    if (sts.spec.updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas && status.replicas === (sts.spec.replicas ?? 1)) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = updateRevision;
    }
    status.collisionCount = collisionCount;
    if (sts.status?.conditions) status.conditions = sts.status.conditions;
    if (isDeepStrictEqual(sts.status, status)) return;
    const next = structuredClone(sts);
    next.status = status;
    await this.client.statefulsets.updateStatus(next);
  }
}

/**
 * newStatefulPod is the pod of `ordinal` from `template` (the set's, or an older revision's): the template with
 * the identity labels, hostname and subdomain.
 */
export function newStatefulPod(sts: StatefulSet, ordinal: number, revision: string, template: PodTemplateSpec = sts.spec.template): Pod {
  const name = `${sts.metadata.name}-${ordinal}`;
  const spec = structuredClone(template.spec);
  const labels = { ...template.metadata?.labels };
  spec.hostname = name;
  if (sts.spec.serviceName) spec.subdomain = sts.spec.serviceName;
  addClaimVolumes(sts, ordinal, spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: sts.metadata.namespace,
      labels: { ...labels, [CONTROLLER_REVISION_HASH_LABEL]: revision, [STATEFUL_SET_POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(sts)],
    },
    spec,
  };
}
