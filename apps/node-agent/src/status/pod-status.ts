/**
 * @module computePodStatus: the pod status the agent reports, from the pod and its observed containers (kubelet's
 * generateAPIPodStatus and getPhase).
 */
import { formatTime, isPodTerminal, type Container, type ContainerState, type ContainerStatus, type Pod, type PodCondition, type PodPhase, type PodStatus } from '@skiff/api';
import type { RuntimeContainer } from '../runtime/container-runtime.js';
import { instancesOf, type Waiting } from '../pods/pod-actions.js';

/** PodStatusInput is everything computePodStatus looks at. */
export interface PodStatusInput {
  pod: Pod;
  observed: RuntimeContainer[];
  now: number;
  hostIP: string;
  /** Waiting reasons from the last sync (back-off, image pull or create errors), by container name. */
  waiting: Record<string, Waiting>;
  /** Readiness probe results; a container with a readiness probe and no result yet is not ready. */
  ready?: ReadonlyMap<string, boolean>;
  /**
   * The pod is being deleted and its containers were stopped: report the terminal phase (Succeeded when every
   * app container exited 0, else Failed), as kubelet does before the final delete.
   */
  terminal?: boolean;
  /** Startup probe results; a running container without a startup probe counts as started. */
  started?: ReadonlyMap<string, boolean>;
}

/** runtimeContainerId is the containerID kubectl shows, `docker://<id>`. */
export function runtimeContainerId(c: RuntimeContainer): string {
  return `${c.id.startsWith('fake') ? 'simulated' : 'docker'}://${c.id}`;
}

function terminated(c: RuntimeContainer): ContainerState {
  const exitCode = c.exitCode ?? 0;
  const reason = c.oomKilled ? 'OOMKilled' : c.error ? 'ContainerCannotRun' : exitCode === 0 ? 'Completed' : 'Error';
  return {
    terminated: {
      exitCode,
      reason,
      ...(c.error ? { message: c.error } : {}),
      ...(c.startedAt ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
      containerID: runtimeContainerId(c),
    },
  };
}

function isDead(c: RuntimeContainer): boolean {
  return c.state === 'exited' || (c.state === 'created' && c.error !== undefined);
}

function previousStatus(pod: Pod, kind: 'init' | 'container' | 'ephemeral', name: string): ContainerStatus | undefined {
  const list = kind === 'init' ? pod.status?.initContainerStatuses : kind === 'ephemeral' ? pod.status?.ephemeralContainerStatuses : pod.status?.containerStatuses;
  return list?.find((s) => s.name === name);
}

function containerStatus(spec: Container, kind: 'init' | 'container' | 'ephemeral', input: PodStatusInput, pendingReason: string): ContainerStatus {
  const [last, prev] = instancesOf(input.observed, kind, spec.name);
  const wait = input.waiting[spec.name];
  const status: ContainerStatus = {
    name: spec.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: last?.restartCount ?? 0,
    image: spec.image ?? '',
    imageID: last?.imageId ?? '',
    started: false,
  };
  if (last) status.containerID = runtimeContainerId(last);
  if (wait && (!last || last.state !== 'running')) {
    status.state = { waiting: { reason: wait.reason, message: wait.message } };
    if (last && isDead(last)) status.lastState = terminated(last);
    return status;
  }
  if (!last) {
    // No container in the runtime (never created, or removed: a node agent restarted after npm start removed its
    // pods): as kubelet's convertToAPIContainerStatuses, a terminated status already reported stays, so a finished
    // pod never turns back into ContainerCreating, and otherwise the restart count and last termination carry over.
    const old = previousStatus(input.pod, kind, spec.name);
    if (old?.state?.terminated) return { ...old, ready: false, started: false };
    status.state = { waiting: { reason: pendingReason } };
    if (old) {
      status.restartCount = old.restartCount ?? 0;
      if (old.lastState?.terminated) status.lastState = old.lastState;
    }
    return status;
  }
  if (prev && isDead(prev)) status.lastState = terminated(prev);
  if (last.state === 'running') {
    status.state = { running: { startedAt: last.startedAt ?? formatTime(input.now) } };
    // A container with a startup probe has not started until that probe succeeded (kubelet's `started`).
    const started = input.started?.get(spec.name) ?? spec.startupProbe === undefined;
    status.started = started;
    const hasProbe = spec.readinessProbe !== undefined;
    status.ready = started && (input.ready?.get(spec.name) ?? !hasProbe);
  } else if (isDead(last)) {
    status.state = terminated(last);
  } else {
    status.state = { waiting: { reason: 'ContainerCreating' } };
  }
  return status;
}

/** podPhase is kubelet's getPhase over the app container statuses. */
export function podPhase(pod: Pod, init: ContainerStatus[], app: ContainerStatus[]): PodPhase {
  const policy = pod.spec.restartPolicy ?? 'Always';
  const appStarted = app.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if (!appStarted) {
    for (const s of init) {
      const t = s.state?.terminated ?? s.lastState?.terminated;
      if (policy === 'Never' && t && t.exitCode !== 0) return 'Failed';
      if (!s.state?.terminated || s.state.terminated.exitCode !== 0) return 'Pending';
    }
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (running > 0) return 'Running';
  if (waiting > 0) return 'Pending';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'OnFailure') return 'Running';
    return 'Failed';
  }
  return 'Pending';
}

/** The conditions the node agent writes itself (kubelet's PodConditionsByKubelet); any other is kept as it is. */
const KUBELET_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers']);

function condition(pod: Pod, type: string, ok: boolean, now: number, reason?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const old = pod.status?.conditions?.find((c) => c.type === type);
  const lastTransitionTime = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : formatTime(now);
  return { type, status, lastProbeTime: null, lastTransitionTime, ...(!ok && reason ? { reason } : {}) };
}

/**
 * computePodStatus builds the status to report. Timestamps of unchanged conditions and the start time are kept from
 * the current status, so an unchanged pod computes an identical status and no write is needed. A pod whose phase is
 * already Succeeded or Failed keeps it.
 */
export function computePodStatus(input: PodStatusInput): PodStatus {
  const { pod, observed, now } = input;
  const inits = pod.spec.initContainers ?? [];
  const initStatuses = inits.map((c) => containerStatus(c, 'init', input, 'PodInitializing'));
  const initsDone = initStatuses.every((s) => s.state?.terminated?.exitCode === 0);
  const appStatuses = pod.spec.containers.map((c) => containerStatus(c, 'container', input, inits.length && !initsDone ? 'PodInitializing' : 'ContainerCreating'));
  const appStarted = appStatuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  let phase = podPhase(pod, initStatuses, appStatuses);
  if (isPodTerminal(pod)) phase = pod.status!.phase!;
  else if (input.terminal) phase = appStatuses.every((s) => s.state?.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed';
  const sandbox = observed.find((c) => c.kind === 'sandbox' && c.state === 'running');
  const podIP = sandbox?.ip || pod.status?.podIP;
  const containersReady = appStatuses.every((s) => s.ready);
  const initialized = initsDone || appStarted || (phase !== 'Pending' && phase !== 'Failed');
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const conditions: PodCondition[] = [
    condition(pod, 'PodReadyToStartContainers', sandbox !== undefined, now),
    condition(pod, 'Initialized', initialized, now, 'ContainersNotInitialized'),
    condition(pod, 'Ready', containersReady && phase === 'Running', now, 'ContainersNotReady'),
    condition(pod, 'ContainersReady', containersReady && phase === 'Running', now, 'ContainersNotReady'),
    scheduled ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: formatTime(now) },
    // Conditions others set stay (kubelet's mergePodStatus): DisruptionTarget from an eviction must still show
    // when the pod fails, for a Job's podFailurePolicy, and so must readiness-gate conditions.
    ...(pod.status?.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)),
  ];
  const status: PodStatus = {
    ...(pod.status ?? {}),
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: pod.status?.startTime ?? formatTime(now),
    containerStatuses: appStatuses,
  };
  if (inits.length) status.initContainerStatuses = initStatuses;
  // Ephemeral containers count for no condition or phase and are never ready (kubelet's convertToAPIContainerStatuses).
  const ephemeral = pod.spec.ephemeralContainers ?? [];
  if (ephemeral.length) status.ephemeralContainerStatuses = ephemeral.map((c) => ({ ...containerStatus(c, 'ephemeral', input, 'ContainerCreating'), ready: false }));
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (phase === 'Failed' && policyFailedByInit(pod, initStatuses, appStarted)) status.reason = 'InitContainerFailed';
  return status;
}

function policyFailedByInit(pod: Pod, init: ContainerStatus[], appStarted: boolean): boolean {
  return !appStarted && (pod.spec.restartPolicy ?? 'Always') === 'Never' && init.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0);
}
