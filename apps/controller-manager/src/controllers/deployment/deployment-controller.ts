import {
  controllerOf,
  formatTime,
  isAlreadyExists,
  isControlledBy,
  isNotFound,
  isPodTerminal,
  newControllerRef,
  objectKey,
  selectorFromLabelSelector,
  type Deployment,
  type Pod,
  type ReplicaSet,
} from '@skiff/api';
import {
  OWNER_UID_INDEX,
  TerminalError,
  unwrapTombstone,
  watch,
  type RateLimitingQueue,
  type ReconcileResult,
} from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import type { EventRecorder } from '@skiff/controller-kit';
import { adoptPatch, releasePatch } from '../../util/owner-refs.js';
import { byCreation } from '../../util/sort-by.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  resolveFenceposts,
  revisionOf,
} from './deployment-util.js';
import { REASONS, calculateStatus, getCondition, hasProgressed, isComplete, setCondition, statusChanged } from './deployment-status.js';
import { POD_TEMPLATE_HASH_LABEL, computePodTemplateHash, templatesEqual } from './pod-template-hash.js';
import { newReplicaSetTarget, oldReplicaSetTargets, proportionalTargets } from './rolling-plan.js';

export interface DeploymentControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
}

/** Rollout is one pass's view of a Deployment's ReplicaSets; scaling updates it in place. */
interface Rollout {
  d: Deployment;
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/**
 * DeploymentController rolls Deployments out through ReplicaSets, after kube's pkg/controller/deployment. Each
 * template gets a ReplicaSet `<name>-<pod-template-hash>`; RollingUpdate grows the new one and shrinks old ones
 * within maxSurge and maxUnavailable, Recreate empties old ones first. A pass reads only the cache and writes
 * ReplicaSet sizes and annotations, then the Deployment's status (counts plus Progressing/Available conditions).
 */
export class DeploymentController extends ManagedController {
  readonly #recorder: EventRecorder;

  constructor(opts: DeploymentControllerOptions) {
    super('deployment', opts, 5);
    this.#recorder = opts.recorder;
    this.watch([
      watch.primary(this.informers.deployments),
      // A ReplicaSet wakes its controlling Deployment, or while an orphan every Deployment that could adopt it.
      watch.mapped(this.informers.replicasets, (rs) => this.#deploymentKeysFor(rs)),
      // Recreate waits for old pods to be gone, so their deletion is what lets the rollout continue.
      watch.handler(this.informers.pods, (queue) => ({ onDelete: (obj) => this.#podDeleted(unwrapTombstone(obj), queue) })),
    ]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const cached = this.informers.deployments.indexer.get(key);
    if (!cached) return {};
    const d = structuredClone(cached);
    const selector = parseSelector(d, key);
    if (selector.empty) {
      this.#recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      return {};
    }
    const rsList = await this.#claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) {
      const ro = this.#split(d, rsList);
      return this.#syncStatus(ro, false);
    }
    if (d.spec.paused || this.#isScalingEvent(d, rsList)) return this.#syncScale(d, rsList);
    if (d.spec.strategy?.type === 'Recreate') return this.#rolloutRecreate(d, rsList);
    return this.#rolloutRolling(d, rsList);
  }

  async #rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<ReconcileResult> {
    const ro = await this.#syncRevision(d, rsList, true);
    const all = (): ReplicaSet[] => (ro.newRS ? [ro.newRS, ...ro.oldRSs] : ro.oldRSs);
    if (ro.newRS) {
      const target = newReplicaSetTarget(ro.d, ro.newRS, all());
      if (target !== (ro.newRS.spec.replicas ?? 0)) {
        ro.newRS = await this.#scale(ro, ro.newRS, target);
        return this.#syncStatus(ro, true);
      }
    }
    for (const [rs, size] of oldReplicaSetTargets(ro.d, ro.newRS, ro.oldRSs)) this.#replaceOld(ro, rs, await this.#scale(ro, rs, size));
    return this.#syncStatus(ro, true);
  }

  async #rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<ReconcileResult> {
    const ro = await this.#syncRevision(d, rsList, false);
    let scaledDown = false;
    for (const rs of [...ro.oldRSs]) {
      if ((rs.spec.replicas ?? 0) > 0) {
        this.#replaceOld(ro, rs, await this.#scale(ro, rs, 0));
        scaledDown = true;
      }
    }
    if (scaledDown || this.#oldPodsRunning(ro.oldRSs)) return this.#syncStatus(ro, true);
    if (!ro.newRS) {
      const created = await this.#syncRevision(ro.d, rsList, true);
      ro.d = created.d;
      ro.newRS = created.newRS;
    }
    if (ro.newRS && (ro.newRS.spec.replicas ?? 0) !== (ro.d.spec.replicas ?? 1)) ro.newRS = await this.#scale(ro, ro.newRS, ro.d.spec.replicas ?? 1);
    return this.#syncStatus(ro, true);
  }

  /** syncScale handles a replicas change (or a paused Deployment): resize without rolling the template forward. */
  async #syncScale(d: Deployment, rsList: ReplicaSet[]): Promise<ReconcileResult> {
    const ro = await this.#syncRevision(d, rsList, false);
    const want = d.spec.replicas ?? 1;
    const all = ro.newRS ? [ro.newRS, ...ro.oldRSs] : ro.oldRSs;
    const active = all.filter((rs) => (rs.spec.replicas ?? 0) > 0);
    if (active.length <= 1) {
      const target = active[0] ?? ro.newRS ?? [...all].sort((a, b) => revisionOf(b) - revisionOf(a))[0];
      if (target && ((target.spec.replicas ?? 0) !== want || target.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] !== String(want))) {
        const scaled = await this.#scale(ro, target, want);
        if (target === ro.newRS) ro.newRS = scaled;
        else this.#replaceOld(ro, target, scaled);
      }
    } else if (ro.newRS && this.#saturated(ro.d, ro.newRS)) {
      for (const rs of [...ro.oldRSs]) if ((rs.spec.replicas ?? 0) > 0) this.#replaceOld(ro, rs, await this.#scale(ro, rs, 0));
    } else if (d.spec.strategy?.type !== 'Recreate') {
      for (const [rs, size] of proportionalTargets(ro.d, active)) {
        const scaled = await this.#scale(ro, rs, size);
        if (rs === ro.newRS) ro.newRS = scaled;
        else this.#replaceOld(ro, rs, scaled);
      }
    }
    return this.#syncStatus(ro, !d.spec.paused);
  }

  /** syncStatus writes the Deployment's status; `rolling` also drives the Progressing condition and cleanup. */
  async #syncStatus(ro: Rollout, rolling: boolean): Promise<ReconcileResult> {
    const { d, newRS, oldRSs } = ro;
    const all = newRS ? [newRS, ...oldRSs] : oldRSs;
    const nowMs = this.clock.now();
    const now = formatTime(nowMs);
    const status = calculateStatus(d, newRS, all, now);
    let requeueAfterMs: number | undefined;
    const progressing = getCondition(d.status, 'Progressing');
    if (d.spec.paused) {
      if (progressing?.reason !== REASONS.paused) setCondition(status, { type: 'Progressing', status: 'Unknown', reason: REASONS.paused, message: 'Deployment is paused' }, now);
    } else if (rolling) {
      const deadline = d.spec.progressDeadlineSeconds;
      if (isComplete(d, status)) {
        if (newRS) setCondition(status, { type: 'Progressing', status: 'True', reason: REASONS.newRSAvailable, message: `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` }, now);
        await this.#cleanup(ro);
      } else if (progressing?.reason === REASONS.paused || !progressing || hasProgressed(d.status, status)) {
        const reason = progressing?.reason === REASONS.paused ? REASONS.resumed : REASONS.rsUpdated;
        const message = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : 'Deployment is progressing.';
        setCondition(status, { type: 'Progressing', status: 'True', reason, message }, now);
        const cond = getCondition(status, 'Progressing')!;
        if (cond.reason === reason) cond.lastUpdateTime = now;
        if (deadline !== undefined) requeueAfterMs = deadline * 1000 + 1000;
      } else if (deadline !== undefined && progressing.status === 'True') {
        const since = Date.parse(progressing.lastUpdateTime ?? '') || nowMs;
        const left = since + deadline * 1000 - nowMs;
        if (left <= 0) {
          setCondition(status, { type: 'Progressing', status: 'False', reason: REASONS.timedOut, message: `ReplicaSet "${newRS?.metadata.name ?? ''}" has timed out progressing.` }, now);
          this.#recorder.event(d, 'Warning', REASONS.timedOut, `Deployment "${d.metadata.name}" has timed out progressing.`);
        } else requeueAfterMs = left + 1000;
      }
    }
    if (statusChanged(d.status, status)) {
      const next = structuredClone(d);
      next.status = status;
      ro.d = await this.client.deployments.updateStatus(next);
    }
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  /**
   * syncRevision finds the ReplicaSet of the current template (creating it if asked), gives it the next revision
   * when an old template comes back (a rollback reuses its ReplicaSet), and copies the revision to the Deployment.
   */
  async #syncRevision(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<Rollout> {
    const sorted = [...rsList].sort(byCreation);
    let newRS = sorted.find((rs) => templatesEqual(rs.spec.template, d.spec.template));
    const oldRSs = sorted.filter((rs) => rs !== newRS);
    const maxOld = oldRSs.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
    const revision = String(maxOld + 1);
    const ro: Rollout = { d, newRS, oldRSs };
    if (newRS) {
      if (revisionOf(newRS) < maxOld + 1 && newRS.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
        const next = structuredClone(newRS);
        next.metadata.annotations = { ...next.metadata.annotations, [REVISION_ANNOTATION]: revision };
        newRS = ro.newRS = await this.client.replicasets.update(next);
      }
    } else if (create) {
      newRS = ro.newRS = await this.#createNewReplicaSet(d, revision, ro);
    }
    const want = newRS ? String(revisionOf(newRS)) : undefined;
    if (want && d.metadata.annotations?.[REVISION_ANNOTATION] !== want) {
      const next = structuredClone(ro.d);
      next.metadata.annotations = { ...next.metadata.annotations, [REVISION_ANNOTATION]: want };
      ro.d = await this.client.deployments.update(next);
      ro.d.status = d.status;
    }
    return ro;
  }

  async #createNewReplicaSet(d: Deployment, revision: string, ro: Rollout): Promise<ReplicaSet> {
    const hash = computePodTemplateHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const want = d.spec.replicas ?? 1;
    const { maxSurge } = resolveFenceposts(d);
    const draft: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations: { [REVISION_ANNOTATION]: revision, [DESIRED_REPLICAS_ANNOTATION]: String(want), [MAX_REPLICAS_ANNOTATION]: String(want + maxSurge) },
        ownerReferences: [newControllerRef(d)],
      },
      spec: {
        replicas: 0,
        ...(d.spec.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}),
        selector: { ...d.spec.selector, matchLabels: { ...d.spec.selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash } },
        template,
      },
    };
    if (d.spec.strategy?.type === 'Recreate') draft.spec.replicas = want;
    else draft.spec.replicas = newReplicaSetTarget(d, draft, [draft, ...ro.oldRSs]);
    try {
      const created = await this.client.replicasets.create(draft);
      this.#recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${created.spec.replicas ?? 0}`);
      return created;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.client.replicasets.get(draft.metadata.name!, { namespace: d.metadata.namespace });
      if (isControlledBy(existing, d) && templatesEqual(existing.spec.template, d.spec.template)) return existing;
      const next = structuredClone(d);
      next.status = { ...next.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 };
      await this.client.deployments.updateStatus(next);
      throw new Error(`replicaset name ${draft.metadata.name} collides with another template; retrying with collisionCount ${next.status.collisionCount}`);
    }
  }

  /** scale sets a ReplicaSet's size and the desired/max annotations, recording a ScalingReplicaSet event. */
  async #scale(ro: Rollout, rs: ReplicaSet, size: number): Promise<ReplicaSet> {
    const want = ro.d.spec.replicas ?? 1;
    const { maxSurge } = resolveFenceposts(ro.d);
    const from = rs.spec.replicas ?? 0;
    const annotations = { ...rs.metadata.annotations, [DESIRED_REPLICAS_ANNOTATION]: String(want), [MAX_REPLICAS_ANNOTATION]: String(want + maxSurge) };
    const same = from === size && rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] === annotations[DESIRED_REPLICAS_ANNOTATION] && rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION] === annotations[MAX_REPLICAS_ANNOTATION];
    if (same) return rs;
    const next = structuredClone(rs);
    next.spec.replicas = size;
    next.metadata.annotations = annotations;
    const updated = await this.client.replicasets.update(next);
    if (from !== size) {
      const verb = size > from ? 'up' : 'down';
      this.#recorder.event(ro.d, 'Normal', 'ScalingReplicaSet', `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${size}`);
    }
    return updated;
  }

  /** cleanup deletes the oldest empty old ReplicaSets beyond revisionHistoryLimit. */
  async #cleanup(ro: Rollout): Promise<void> {
    const limit = ro.d.spec.revisionHistoryLimit ?? 10;
    const empty = ro.oldRSs
      .filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp)
      .sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of empty.slice(0, Math.max(0, empty.length - limit))) {
      try {
        await this.client.replicasets.delete(rs.metadata.name ?? '', { namespace: rs.metadata.namespace, preconditions: { uid: rs.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** claimReplicaSets adopts orphaned ReplicaSets the selector matches and releases owned ones it no longer matches. */
  async #claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const selector = selectorFromLabelSelector(d.spec.selector);
    const uid = d.metadata.uid ?? '';
    const deleting = !!d.metadata.deletionTimestamp;
    const claimed: ReplicaSet[] = [];
    for (const rs of this.informers.replicasets.lister().list(d.metadata.namespace ?? '')) {
      const ref = controllerOf(rs);
      const matches = selector.matches(rs.metadata.labels ?? rs.spec.template?.metadata?.labels);
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches || deleting) claimed.push(rs);
        else await this.#patchIgnoringGone(rs, releasePatch(rs.metadata, new Set([uid])));
        continue;
      }
      if (!matches || deleting || rs.metadata.deletionTimestamp) continue;
      const adopted = await this.#patchIgnoringGone(rs, adoptPatch(rs.metadata, newControllerRef(d)));
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  async #patchIgnoringGone(rs: ReplicaSet, body: unknown): Promise<ReplicaSet | undefined> {
    try {
      return await this.client.replicasets.patch(rs.metadata.name ?? '', body, { namespace: rs.metadata.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  #split(d: Deployment, rsList: ReplicaSet[]): Rollout {
    const newRS = [...rsList].sort(byCreation).find((rs) => templatesEqual(rs.spec.template, d.spec.template));
    return { d, newRS, oldRSs: rsList.filter((rs) => rs !== newRS) };
  }

  #replaceOld(ro: Rollout, old: ReplicaSet, next: ReplicaSet): void {
    ro.oldRSs = ro.oldRSs.map((rs) => (rs === old ? next : rs));
  }

  /** isScalingEvent is true when an active ReplicaSet was sized for a different spec.replicas than the current one. */
  #isScalingEvent(d: Deployment, rsList: readonly ReplicaSet[]): boolean {
    const want = String(d.spec.replicas ?? 1);
    return rsList.some((rs) => (rs.spec.replicas ?? 0) > 0 && rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] !== undefined && rs.metadata.annotations[DESIRED_REPLICAS_ANNOTATION] !== want);
  }

  #saturated(d: Deployment, rs: ReplicaSet): boolean {
    const want = d.spec.replicas ?? 1;
    return (rs.spec.replicas ?? 0) === want && rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] === String(want) && (rs.status?.availableReplicas ?? 0) === want;
  }

  /** oldPodsRunning is true while any pod of an old ReplicaSet has not finished, terminating ones included. */
  #oldPodsRunning(oldRSs: readonly ReplicaSet[]): boolean {
    if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    return oldRSs.some((rs) =>
      this.informers.pods.indexer.byIndex(OWNER_UID_INDEX, rs.metadata.uid ?? '').some((p) => !isPodTerminal(p)),
    );
  }

  #deploymentKeysFor(rs: ReplicaSet): string[] {
    const ns = rs.metadata.namespace ?? '';
    const ref = controllerOf(rs);
    if (ref) return ref.kind === 'Deployment' ? [`${ns}/${ref.name}`] : [];
    return this.informers.deployments
      .lister()
      .list(ns)
      .filter((d) => selectorFromLabelSelector(d.spec.selector).matches(rs.metadata.labels))
      .map((d) => objectKey(d));
  }

  #podDeleted(pod: Pod, queue: RateLimitingQueue<string>): void {
    const ref = controllerOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.informers.replicasets.indexer.get(`${pod.metadata.namespace}/${ref.name}`);
    if (!rs) return;
    for (const key of this.#deploymentKeysFor(rs)) {
      const d = this.informers.deployments.indexer.get(key);
      if (d?.spec.strategy?.type === 'Recreate') queue.add(key);
    }
  }
}

/** parseSelector reads spec.selector; an invalid one can never succeed, so the key fails terminally. */
function parseSelector(d: Deployment, key: string): ReturnType<typeof selectorFromLabelSelector> {
  try {
    return selectorFromLabelSelector(d.spec.selector);
  } catch (err) {
    throw new TerminalError(`deployment ${key} has an invalid spec.selector: ${(err as Error).message}`, { cause: err });
  }
}

