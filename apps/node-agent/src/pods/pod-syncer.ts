/**
 * @module PodSyncer: one sync of one pod (kubelet's SyncPod / SyncTerminatingPod): compute actions, apply them
 * through the runtime, and report the resulting status.
 */
import { defaultImagePullPolicy, type EphemeralContainer, type ObjectReference, type Pod, type PodStatus, type PullPolicy, type Service } from '@skiff/api';
import type { Clock, Logger } from '@skiff/controller-kit';
import pMap from 'p-map';
import { buildContainerConfig, buildSandboxConfig } from './container-config.js';
import { needsImageUser, verifyRunAsNonRoot } from './verify-run-as-non-root.js';
import type { ClusterDNS } from './pod-dns.js';
import { serviceEnv } from './service-env.js';
import type { EventRecorder } from '@skiff/controller-kit';
import { computePodActions, type PodActions, type StartAction, type Waiting } from './pod-actions.js';
import { computePodStatus } from '../status/pod-status.js';
import { VolumeSetupError } from '../volumes/volume-payload.js';
import type { Pleg } from './pleg.js';
import { isRuntimeError, type ContainerRuntime, type PodRef, type RuntimeContainer, type RuntimeErrorReason } from '../runtime/container-runtime.js';
import type { StatusManager } from '../status/status-manager.js';
import type { ConfigObjects } from '../config/config-objects.js';
import type { VolumeManager } from '../volumes/volume-manager.js';

/** ProbeResults is what the prober tells the syncer about a pod's containers. */
export interface ProbeResults {
  /** update (re)arms probes for the pod's running containers and stops those of gone containers. */
  update(pod: Pod, observed: RuntimeContainer[]): void;
  /** remove stops every probe of a pod. */
  remove(uid: string): void;
  unhealthy(uid: string): ReadonlySet<string>;
  ready(uid: string): ReadonlyMap<string, boolean>;
  started(uid: string): ReadonlyMap<string, boolean>;
  /** clearUnhealthy forgets a failed liveness result once the container was killed. */
  clearUnhealthy(uid: string, name: string): void;
}

/** PodFinisher completes a graceful delete once the pod's containers are gone. */
export interface PodFinisher {
  finishDelete(pod: Pod): Promise<void>;
}

/** PodSyncerOptions configures PodSyncer. */
export interface PodSyncerOptions {
  nodeName: string;
  hostIP: string;
  allowPrivileged: boolean;
  /** --cluster-dns and --cluster-domain: what ClusterFirst pods resolve with. */
  clusterDNS?: ClusterDNS;
  /** The Services the agent watches, for containers' {SVC}_SERVICE_HOST variables; absent: none. */
  services?: () => readonly Service[];
  /** The ConfigMaps and Secrets containers read. */
  objects: ConfigObjects;
  /** Writes the pod's configMap, secret, projected and downwardAPI volumes. */
  volumes: VolumeManager;
  runtime: ContainerRuntime;
  pleg: Pleg;
  status: StatusManager;
  events: EventRecorder;
  finisher: PodFinisher;
  clock: Clock;
  logger: Logger;
  prober?: ProbeResults;
  /** How often a steady pod is synced anyway. Default 10 s. */
  resyncMs?: number;
  /** How many app containers of one pod are created and started at once. Default 4. */
  containerStartConcurrency?: number;
}

interface PullFailure {
  reason: RuntimeErrorReason;
  count: number;
  retryAt: number;
  message: string;
}

interface PodState {
  waiting: Record<string, Waiting>;
  pulls: Map<string, PullFailure>;
  /** Containers this process started; a `created` container not among them was left by a killed agent. */
  startedHere: Set<string>;
  ref?: PodRef;
}

const PULL_BACKOFF_INITIAL_MS = 10_000;
const PULL_BACKOFF_MAX_MS = 300_000;
/** Four creates at a time keep a 2-core Docker engine busy without starving the other pods' calls. */
const DEFAULT_START_CONCURRENCY = 4;
const NEVER_ABORTED = new AbortController().signal;

function reference(pod: Pod): ObjectReference {
  return { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? 'default', uid: pod.metadata.uid ?? '' };
}

function graceSeconds(pod: Pod): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
}

/**
 * PodSyncer drives one pod toward its spec. `sync(uid, pod, signal)` is what a pod worker runs: with a pod it creates
 * and restarts containers; with a deleting pod it stops them and finishes the delete; with no pod (deleted or never
 * ours) it removes whatever the runtime still has for that UID.
 *
 * Starting a pod is interruptible: once `signal` aborts (the pod is being deleted), no further container is created
 * and the sync rejects with the signal's reason, so the worker can tear the pod down at once. App containers start
 * a few at a time (their order does not matter), init containers one by one in order, the sandbox before either;
 * while a pod with several containers starts, its status is posted after each one, so it shows progress.
 */
export class PodSyncer {
  readonly #o: PodSyncerOptions;
  readonly #states = new Map<string, PodState>();
  readonly #log: Logger;

  constructor(opts: PodSyncerOptions) {
    this.#o = opts;
    this.#log = opts.logger;
  }

  /** sync runs one pass for the pod with `uid`; it returns when it wants to run again. */
  async sync(uid: string, pod: Pod | undefined, signal: AbortSignal = NEVER_ABORTED): Promise<number | undefined> {
    const now = this.#o.clock.now();
    if (!pod) {
      await this.#teardown(uid, this.#o.pleg.containersOf(uid), 2);
      await this.#o.volumes.tearDown(uid);
      this.#states.delete(uid);
      this.#o.prober?.remove(uid);
      this.#o.status.forget(uid);
      return undefined;
    }
    if (pod.metadata.deletionTimestamp) {
      await this.#terminate(uid, pod);
      return undefined;
    }
    const st = this.#state(uid);
    let observed = this.#o.pleg.containersOf(uid);
    for (const id of st.startedHere) if (!observed.some((c) => c.id === id)) st.startedHere.delete(id);
    const actions = computePodActions({
      pod,
      observed,
      now,
      startedHere: st.startedHere,
      ...(this.#o.prober ? { unhealthy: this.#o.prober.unhealthy(uid) } : {}),
    });
    st.waiting = { ...actions.waiting };
    // Every sync brings the volume files up to date (an unchanged volume is left alone), so a ConfigMap update
    // reaches running containers on the sync its change triggers. Until every volume can be written nothing new
    // starts, as kubelet waits for mounts before it creates the sandbox.
    if (!(await this.#setUpVolumes(pod, signal))) {
      actions.start = [];
      actions.createSandbox = false;
    }
    const changed = await this.#apply(pod, st, actions, observed, now, signal);
    if (changed) {
      await this.#o.pleg.relist();
      observed = this.#o.pleg.containersOf(uid);
    }
    signal.throwIfAborted();
    this.#o.prober?.update(pod, observed);
    this.#o.status.set(pod, this.#status(pod, st, observed));
    let next = now + (this.#o.resyncMs ?? 10_000);
    if (actions.retryAt !== undefined) next = Math.min(next, actions.retryAt);
    for (const f of st.pulls.values()) next = Math.min(next, f.retryAt);
    return next;
  }

  /** knownUids lists pods this syncer holds state for. */
  knownUids(): string[] {
    return [...this.#states.keys()];
  }

  /**
   * terminate is SyncTerminatingPod: stop every container (a Killing event for each running one), remove them,
   * then report the terminal status with their exit codes and finish the delete. Removing before either means a
   * pod gone from the API has nothing left on the node: the api-server deletes a terminating pod as soon as its
   * status turns Succeeded or Failed.
   */
  async #terminate(uid: string, pod: Pod): Promise<void> {
    let observed = this.#o.pleg.containersOf(uid);
    const ref = reference(pod);
    for (const c of observed) {
      if (c.kind === 'sandbox' || c.state !== 'running') continue;
      const field = c.kind === 'init' ? 'initContainers' : 'containers';
      this.#o.events.record({ ...ref, fieldPath: `spec.${field}{${c.containerName}}` }, 'Normal', 'Killing', `Stopping container ${c.containerName}`);
    }
    this.#o.prober?.remove(uid);
    if (observed.some((c) => c.state === 'running')) {
      await this.#stopAll(observed, graceSeconds(pod));
      await this.#o.pleg.relist();
      observed = this.#o.pleg.containersOf(uid);
    }
    const terminal = observed.some((c) => c.kind !== 'sandbox')
      ? computePodStatus({ pod, observed, now: this.#o.clock.now(), hostIP: this.#o.hostIP, waiting: {}, terminal: true })
      : undefined;
    await this.#teardown(uid, observed, 0);
    await this.#o.volumes.tearDown(uid);
    if (terminal) await this.#o.status.write(pod, terminal);
    await this.#o.finisher.finishDelete(pod);
    this.#states.delete(uid);
    this.#o.status.forget(uid);
  }

  /** setUpVolumes writes the pod's config volumes; a volume that cannot be written yet is a FailedMount event. */
  async #setUpVolumes(pod: Pod, signal: AbortSignal): Promise<boolean> {
    try {
      const changed = await this.#o.volumes.setUp(pod);
      if (changed.length) this.#log.debug({ pod: pod.metadata.name, volumes: changed }, 'volume files written');
      return true;
    } catch (err) {
      signal.throwIfAborted();
      if (!(err instanceof VolumeSetupError)) throw err;
      this.#o.events.record(reference(pod), 'Warning', 'FailedMount', err.message);
      return false;
    }
  }

  #state(uid: string): PodState {
    let st = this.#states.get(uid);
    if (!st) {
      st = { waiting: {}, pulls: new Map(), startedHere: new Set() };
      this.#states.set(uid, st);
    }
    return st;
  }

  /** status is the pod status from a relist result and what the last sync noted (waiting reasons, probes). */
  #status(pod: Pod, st: PodState, observed: RuntimeContainer[]): PodStatus {
    const uid = pod.metadata.uid ?? '';
    return computePodStatus({
      pod: this.#o.status.withLatestStatus(pod),
      observed,
      now: this.#o.clock.now(),
      hostIP: this.#o.hostIP,
      waiting: st.waiting,
      ...(this.#o.prober ? { ready: this.#o.prober.ready(uid), started: this.#o.prober.started(uid) } : {}),
    });
  }

  /**
   * reportProgress posts the status of a pod that is still starting (the status manager coalesces the writes), so
   * a pod of many containers shows which run before the last one is up. Concurrent callers share one relist.
   */
  async #reportProgress(pod: Pod, st: PodState, signal: AbortSignal): Promise<void> {
    await this.#o.pleg.relist();
    signal.throwIfAborted();
    this.#o.status.set(pod, this.#status(pod, st, this.#o.pleg.containersOf(pod.metadata.uid ?? '')));
  }

  async #apply(pod: Pod, st: PodState, actions: PodActions, observed: RuntimeContainer[], now: number, signal: AbortSignal): Promise<boolean> {
    const rt = this.#o.runtime;
    const ref = reference(pod);
    let changed = false;
    if (actions.killPod) {
      await this.#stopAll(observed, pod.spec.terminationGracePeriodSeconds ?? 30);
      changed = true;
    }
    for (const id of actions.remove) {
      await rt.removeContainer(id);
      changed = true;
    }
    for (const k of actions.kill) {
      const spec = pod.spec.containers.find((c) => c.name === k.name);
      this.#o.events.record({ ...ref, fieldPath: `spec.containers{${k.name}}` }, 'Normal', 'Killing', `Container ${k.name} failed liveness probe, will be restarted`);
      await rt.stopContainer(k.id, spec?.livenessProbe?.terminationGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);
      this.#o.prober?.clearUnhealthy(pod.metadata.uid ?? '', k.name);
      changed = true;
    }
    for (const name of Object.keys(actions.waiting)) {
      this.#o.events.record({ ...ref, fieldPath: `spec.containers{${name}}` }, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${pod.metadata.name}`);
    }
    if (!actions.start.length && !actions.createSandbox) return changed;
    const inits = actions.start.filter((s) => s.kind === 'init');
    const apps = actions.start.filter((s) => s.kind !== 'init');
    const progress = apps.length > 1;
    let sandboxId = actions.sandboxId;
    let podIP = observed.find((c) => c.id === sandboxId)?.ip ?? '';
    if (actions.createSandbox) {
      signal.throwIfAborted();
      try {
        const sb = await rt.createSandbox(buildSandboxConfig(pod, this.#o.clusterDNS), signal);
        sandboxId = sb.id;
        podIP = sb.ip;
        changed = true;
      } catch (err) {
        signal.throwIfAborted();
        if (!isRuntimeError(err)) throw err;
        for (const s of actions.start) st.waiting[s.name] = { reason: 'CreatePodSandboxError', message: err.message };
        this.#o.events.record(ref, 'Warning', 'FailedCreatePodSandBox', err.message);
        return changed;
      }
      if (progress) await this.#reportProgress(pod, st, signal);
    }
    // Init containers run one after another: each must have succeeded before the next (computePodActions).
    for (const s of inits) {
      if (await this.#start(pod, st, s, sandboxId!, podIP, now, signal)) changed = true;
      else return changed;
    }
    // App containers have no order among them. stopOnError false: a broken engine fails the sync only once every
    // start in flight has settled, so the next sync never overlaps this one; an abort does not wait for them (the
    // runtime leaves nothing behind for an aborted call).
    const started = await pMap(
      apps,
      async (s) => {
        const ok = await this.#start(pod, st, s, sandboxId!, podIP, now, signal);
        if (ok && progress) await this.#reportProgress(pod, st, signal);
        return ok;
      },
      { concurrency: this.#o.containerStartConcurrency ?? DEFAULT_START_CONCURRENCY, stopOnError: false, signal },
    );
    return changed || started.some(Boolean);
  }

  async #start(pod: Pod, st: PodState, s: StartAction, sandboxId: string, podIP: string, now: number, signal: AbortSignal): Promise<boolean> {
    signal.throwIfAborted();
    const list = s.kind === 'init' ? 'initContainers' : s.kind === 'ephemeral' ? 'ephemeralContainers' : 'containers';
    const spec: EphemeralContainer | undefined = (pod.spec[list] ?? []).find((c) => c.name === s.name);
    if (!spec) return false;
    const ref: ObjectReference = { ...reference(pod), fieldPath: `spec.${list}{${s.name}}` };
    const image = spec.image ?? '';
    const policy: PullPolicy = spec.imagePullPolicy ?? defaultImagePullPolicy(image);
    const pull = st.pulls.get(s.name);
    if (pull && now < pull.retryAt) {
      st.waiting[s.name] = pull.reason === 'ErrImageNeverPull' ? { reason: pull.reason, message: pull.message } : { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
      return false;
    }
    try {
      const t0 = this.#o.clock.now();
      const pulled = await this.#o.runtime.ensureImage(image, policy, () => this.#o.events.record(ref, 'Normal', 'Pulling', `Pulling image "${image}"`), signal);
      if (pulled) this.#o.events.record(ref, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${this.#o.clock.now() - t0}ms`);
      else this.#o.events.record(ref, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      st.pulls.delete(s.name);
    } catch (err) {
      signal.throwIfAborted();
      if (!isRuntimeError(err)) throw err;
      const count = (pull?.count ?? 0) + 1;
      const delay = err.reason === 'ErrImageNeverPull' ? PULL_BACKOFF_INITIAL_MS : Math.min(PULL_BACKOFF_INITIAL_MS * 2 ** (count - 1), PULL_BACKOFF_MAX_MS);
      st.pulls.set(s.name, { reason: err.reason, count, retryAt: now + delay, message: err.message });
      st.waiting[s.name] = { reason: err.reason, message: err.message };
      this.#o.events.record(ref, 'Warning', 'Failed', err.message);
      if (err.reason === 'ErrImagePull') this.#o.events.record(ref, 'Warning', 'Failed', `Error: ErrImagePull`);
      return false;
    }
    try {
      const config = buildContainerConfig(pod, spec, s.kind, s.restartCount, {
        nodeName: this.#o.nodeName,
        hostIP: this.#o.hostIP,
        podIP,
        allowPrivileged: this.#o.allowPrivileged,
        serviceEnv: serviceEnv(pod, this.#o.services?.() ?? []),
        objects: this.#o.objects,
        volumeDir: (v) => this.#o.volumes.dir(pod.metadata.uid ?? '', v),
        claimVolume: (v) => this.#o.volumes.claimVolume(pod.metadata.uid ?? '', v),
        warn: (message) => this.#o.events.record(ref, 'Warning', 'InvalidEnvironmentVariableNames', message),
      });
      // kubelet resolves the image's user before creating the container: a root image never starts under runAsNonRoot.
      if (needsImageUser(pod, spec)) verifyRunAsNonRoot(pod, spec, await this.#o.runtime.imageUser(image));
      if (spec.targetContainerName) {
        // The target's running instance, whose PID namespace the debugger joins; without one it starts on its own.
        const target = this.#o.pleg.containersOf(pod.metadata.uid ?? '').filter((c) => c.containerName === spec.targetContainerName && c.state === 'running' && c.kind !== 'sandbox');
        if (target[0]) config.pidTarget = target[0].id;
      }
      const id = await this.#o.runtime.startContainer(sandboxId, config, signal);
      st.startedHere.add(id);
      this.#o.events.record(ref, 'Normal', 'Created', `Created container ${s.name}`);
      this.#o.events.record(ref, 'Normal', 'Started', `Started container ${s.name}`);
      delete st.waiting[s.name];
      return true;
    } catch (err) {
      signal.throwIfAborted();
      if (!isRuntimeError(err)) throw err;
      if (err.reason === 'RunContainerError') this.#o.events.record(ref, 'Normal', 'Created', `Created container ${s.name}`);
      st.waiting[s.name] = { reason: err.reason, message: err.message };
      this.#o.events.record(ref, 'Warning', 'Failed', `Error: ${err.message}`);
      // A container that failed to start still exists (dead): the next relist shows it.
      return err.reason === 'RunContainerError';
    }
  }

  async #stopAll(observed: RuntimeContainer[], grace: number): Promise<void> {
    const rt = this.#o.runtime;
    const running = observed.filter((c) => c.kind !== 'sandbox' && c.state === 'running');
    await Promise.all(running.map((c) => rt.stopContainer(c.id, grace)));
    for (const s of observed.filter((c) => c.kind === 'sandbox' && c.state === 'running')) await rt.stopContainer(s.id, 0);
  }

  async #teardown(uid: string, observed: RuntimeContainer[], grace: number): Promise<void> {
    const rt = this.#o.runtime;
    if (observed.length) {
      await this.#stopAll(observed, grace);
      // Containers first, a few at a time (a big pod would otherwise take a round trip each), then the sandbox.
      const concurrency = this.#o.containerStartConcurrency ?? DEFAULT_START_CONCURRENCY;
      await pMap(observed.filter((c) => c.kind !== 'sandbox'), (c) => rt.removeContainer(c.id), { concurrency });
      for (const c of observed.filter((c) => c.kind === 'sandbox')) await rt.removeContainer(c.id);
      await rt.removePodVolumes(observed[0]!.pod);
      this.#log.info({ uid, containers: observed.length }, 'pod containers removed');
      await this.#o.pleg.relist();
    }
  }
}
