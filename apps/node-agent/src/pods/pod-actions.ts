/**
 * @module computePodActions: the pure heart of the pod worker, after kubelet's kuberuntime computePodActions.
 */
import { isPodTerminal, type Container, type Pod, type RestartPolicy } from '@skiff/api';
import type { RuntimeContainer } from '../runtime/container-runtime.js';
import { crashBackoffMs } from './crash-backoff.js';

/** StartAction starts one instance of a pod container. */
export interface StartAction {
  name: string;
  kind: 'init' | 'container' | 'ephemeral';
  restartCount: number;
}

/** KillAction stops one running container (a failed liveness probe). */
export interface KillAction {
  id: string;
  name: string;
  reason: string;
}

/** Waiting is a container held back, shown as its waiting state (CrashLoopBackOff). */
export interface Waiting {
  reason: string;
  message: string;
}

/** PodActions is what one sync of a pod must do, in order: kill pod, remove, create sandbox, kill, start. */
export interface PodActions {
  /** Stop every running container and the sandbox of the pod (sandbox died, or the pod is finished). */
  killPod: boolean;
  createSandbox: boolean;
  /** The running sandbox to start containers in, when createSandbox is false. */
  sandboxId?: string;
  kill: KillAction[];
  start: StartAction[];
  /** Dead containers no longer needed (older instances, dead sandboxes). */
  remove: string[];
  waiting: Record<string, Waiting>;
  /** Earliest time a back-off ends, so the worker syncs again then. */
  retryAt?: number;
}

/** PodActionsInput is everything computePodActions looks at. */
export interface PodActionsInput {
  pod: Pod;
  /** This pod's containers in the runtime (sandboxes included). */
  observed: RuntimeContainer[];
  now: number;
  /** Containers whose liveness (or startup) probe has failed: they are killed and restarted. */
  unhealthy?: ReadonlySet<string>;
  /**
   * Ids of containers this agent process started. A runtime may report a container it was just asked to start as
   * `created` for a while (the simulated runtime does); only a `created` container not started here is stale.
   */
  startedHere?: ReadonlySet<string>;
}

/** instancesOf returns the instances of one pod container, newest first. */
export function instancesOf(observed: readonly RuntimeContainer[], kind: 'init' | 'container' | 'ephemeral', name: string): RuntimeContainer[] {
  return observed.filter((c) => c.kind === kind && c.containerName === name).sort((a, b) => b.restartCount - a.restartCount);
}

/** shouldRestart applies restartPolicy to an exited container. */
export function shouldRestart(policy: RestartPolicy, exitCode: number | undefined): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

/** isExited is true for a container that ran and stopped, or never managed to start. */
function isExited(c: RuntimeContainer): boolean {
  return c.state === 'exited' || (c.state === 'created' && c.error !== undefined);
}

/**
 * podFinished is true when no container of the pod will ever run again: every app container has exited for good
 * under the restart policy, or an init container failed under restartPolicy Never.
 */
export function podFinished(pod: Pod, observed: readonly RuntimeContainer[]): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return false;
  if (policy === 'Never') {
    for (const ic of pod.spec.initContainers ?? []) {
      const last = instancesOf(observed, 'init', ic.name)[0];
      if (last && isExited(last) && last.exitCode !== 0) return true;
    }
  }
  return pod.spec.containers.every((c) => {
    const last = instancesOf(observed, 'container', c.name)[0];
    return last !== undefined && isExited(last) && !shouldRestart(policy, last.exitCode);
  });
}

/**
 * computePodActions compares the desired pod with what the runtime shows for it and says what to do next. It is
 * pure: time comes in as `now`, and crash back-off is derived from restart counts and finish times.
 */
export function computePodActions(input: PodActionsInput): PodActions {
  const { pod, observed, now } = input;
  const policy = pod.spec.restartPolicy ?? 'Always';
  const actions: PodActions = { killPod: false, createSandbox: false, kill: [], start: [], remove: [], waiting: {} };
  const sandboxes = observed.filter((c) => c.kind === 'sandbox').sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  const sandbox = sandboxes.find((s) => s.state === 'running');
  for (const s of sandboxes) if (s !== sandbox) actions.remove.push(s.id);
  collectGarbage(pod, observed, actions);

  const anyRunning = observed.some((c) => c.kind !== 'sandbox' && c.state === 'running');
  if (isPodTerminal(pod) || podFinished(pod, observed)) {
    actions.killPod = anyRunning || sandbox !== undefined;
    return actions;
  }

  if (!sandbox) {
    // A new sandbox means a new network namespace: every container starts again inside it.
    actions.killPod = anyRunning;
    actions.createSandbox = true;
    const inits = pod.spec.initContainers ?? [];
    const first = inits[0];
    if (first) actions.start.push({ name: first.name, kind: 'init', restartCount: nextCount(observed, 'init', first.name) });
    else for (const c of pod.spec.containers) actions.start.push({ name: c.name, kind: 'container', restartCount: nextCount(observed, 'container', c.name) });
    return actions;
  }
  actions.sandboxId = sandbox.id;

  const started = pod.spec.containers.some((c) => instancesOf(observed, 'container', c.name).length > 0);
  if (!started && !initDone(pod.spec.initContainers ?? [], observed, policy, now, actions, input.startedHere)) return actions;

  for (const c of pod.spec.containers) {
    const [last] = instancesOf(observed, 'container', c.name);
    if (!last) {
      actions.start.push({ name: c.name, kind: 'container', restartCount: 0 });
      continue;
    }
    if (last.state === 'running') {
      if (input.unhealthy?.has(c.name)) actions.kill.push({ id: last.id, name: c.name, reason: 'Unhealthy' });
      continue;
    }
    if (isStale(last, input.startedHere)) {
      replaceStale(last, 'container', actions);
      continue;
    }
    if (!isExited(last) || !shouldRestart(policy, last.exitCode)) continue;
    restartAfterBackoff(pod, c.name, 'container', last, now, actions);
  }
  // Ephemeral containers (kubectl debug) start once the app containers have, in the running sandbox, and are never
  // restarted (kubelet's computePodActions: EphemeralContainersToStart).
  if (started) {
    for (const e of pod.spec.ephemeralContainers ?? []) {
      if (!observed.some((c) => c.kind === 'ephemeral' && c.containerName === e.name)) actions.start.push({ name: e.name, kind: 'ephemeral', restartCount: 0 });
    }
  }
  return actions;
}

/** initDone walks the init containers in order; it returns true once all have succeeded. */
function initDone(inits: readonly Container[], observed: readonly RuntimeContainer[], policy: RestartPolicy, now: number, actions: PodActions, startedHere?: ReadonlySet<string>): boolean {
  for (const ic of inits) {
    const [last] = instancesOf(observed, 'init', ic.name);
    if (!last) {
      actions.start.push({ name: ic.name, kind: 'init', restartCount: 0 });
      return false;
    }
    if (isStale(last, startedHere)) {
      replaceStale(last, 'init', actions);
      return false;
    }
    if (last.state === 'running' || !isExited(last)) return false;
    if (last.exitCode === 0) continue;
    // A failed init container runs again unless restartPolicy is Never (then the pod has failed).
    if (policy !== 'Never') restartAfterBackoff(undefined, ic.name, 'init', last, now, actions);
    return false;
  }
  return true;
}

/**
 * isStale is true for a container that was created and never started. One sync creates and starts a container
 * in one go, so this is what an agent killed between the two leaves behind: it must be replaced, or the pod
 * would wait for it forever.
 */
function isStale(c: RuntimeContainer, startedHere: ReadonlySet<string> | undefined): boolean {
  return c.state === 'created' && c.error === undefined && !startedHere?.has(c.id);
}

/** replaceStale removes a never-started instance and starts the same instance again (same restart count). */
function replaceStale(last: RuntimeContainer, kind: 'init' | 'container', actions: PodActions): void {
  actions.remove.push(last.id);
  actions.start.push({ name: last.containerName, kind, restartCount: last.restartCount });
}

function restartAfterBackoff(pod: Pod | undefined, name: string, kind: 'init' | 'container', last: RuntimeContainer, now: number, actions: PodActions): void {
  const finished = last.finishedAt ? Date.parse(last.finishedAt) : now;
  const ranFor = last.startedAt && last.finishedAt ? finished - Date.parse(last.startedAt) : undefined;
  const delay = crashBackoffMs(last.restartCount, ranFor);
  const until = finished + delay;
  if (now < until) {
    const who = pod ? ` pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` : '';
    actions.waiting[name] = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${name}${who}` };
    actions.retryAt = actions.retryAt === undefined ? until : Math.min(actions.retryAt, until);
    return;
  }
  actions.start.push({ name, kind, restartCount: last.restartCount + 1 });
}

function nextCount(observed: readonly RuntimeContainer[], kind: 'init' | 'container', name: string): number {
  const [last] = instancesOf(observed, kind, name);
  return last ? last.restartCount + 1 : 0;
}

/** collectGarbage keeps the two newest instances of each container (current and previous, for lastState and logs). */
function collectGarbage(pod: Pod, observed: readonly RuntimeContainer[], actions: PodActions): void {
  const known = new Set([
    ...pod.spec.containers.map((c) => `container/${c.name}`),
    ...(pod.spec.initContainers ?? []).map((c) => `init/${c.name}`),
    ...(pod.spec.ephemeralContainers ?? []).map((c) => `ephemeral/${c.name}`),
  ]);
  const groups = new Map<string, RuntimeContainer[]>();
  for (const c of observed) {
    if (c.kind === 'sandbox') continue;
    const key = `${c.kind}/${c.containerName}`;
    if (!known.has(key)) {
      if (c.state !== 'running') actions.remove.push(c.id);
      continue;
    }
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => b.restartCount - a.restartCount);
    for (const old of list.slice(2)) if (old.state !== 'running') actions.remove.push(old.id);
  }
}
