/**
 * @module podPrinter, the columns and row of `kubectl get pods` (kube printers.go printPod).
 */
import type { ContainerStatus, KubeObject, Pod } from '../index.js';
import { isPodPhaseTerminal } from '../is-pod-terminal.js';
import { humanDuration, sinceTimestamp } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, NONE, column, orNone } from './resource-printer.js';
import type { ResourcePrinter } from './resource-printer.js';

/** PodSummary is what the Ready, Status and Restarts columns show for one pod. */
export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

const NODE_UNREACHABLE_REASON = 'NodeLost';

/** A sidecar is an init container with restartPolicy Always; it counts as a regular container once started. */
function isSidecar(container: { restartPolicy?: string } | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

function finishedAtMs(status: ContainerStatus): number | undefined {
  const at = status.lastState?.terminated?.finishedAt;
  const ms = at ? Date.parse(at) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function terminatedReason(t: { reason?: string; signal?: number; exitCode: number }): string {
  if (t.reason) return t.reason;
  return t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
}

/**
 * summarizePod computes the Ready, Status and Restarts cells the way printPod does: status.reason or the phase,
 * overridden by the first unfinished init container ("Init:0/1", "Init:CrashLoopBackOff", "Init:Error"), then by
 * the regular containers' waiting/terminated reasons, "Terminating" while deleting; restarts with the age of the
 * latest lastState.terminated.finishedAt, e.g. "3 (5m ago)".
 */
export function summarizePod(pod: Pod, nowMs: number): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const phase = status.phase ?? '';
  let reason: string = status.reason || phase;
  if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const initSpecs = new Map((spec.initContainers ?? []).map((c) => [c.name, c as { restartPolicy?: string }]));
  const total = (spec.containers ?? []).length + [...initSpecs.values()].filter(isSidecar).length;
  let ready = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestart: number | undefined;
  const later = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined ? b : b === undefined ? a : Math.max(a, b);

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (const [i, c] of initStatuses.entries()) {
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, finishedAtMs(c));
    const sidecar = isSidecar(initSpecs.get(c.name));
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, finishedAtMs(c));
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) reason = `Init:${terminatedReason(terminated)}`;
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  const initialized = status.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // printPod walks the containers backwards, so the first container's reason wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (!c) continue;
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, finishedAtMs(c));
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated) reason = terminatedReason(terminated);
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp) {
    if (status.reason === NODE_UNREACHABLE_REASON) reason = 'Unknown';
    else if (!isPodPhaseTerminal(phase)) reason = 'Terminating';
  }

  const restartsText =
    restarts !== 0 && lastRestart !== undefined
      ? `${restarts} (${humanDuration(nowMs - lastRestart)} ago)`
      : String(restarts);
  return { ready: `${ready}/${total}`, status: orNone(reason), restarts: restartsText };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return NONE;
  const conditions = pod.status?.conditions ?? [];
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${passed}/${gates.length}`;
}

/** podPrinter prints Name, Ready, Status, Restarts, Age and, wide, IP, Node, Nominated Node, Readiness Gates. */
export const podPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE_COLUMN,
    column('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { wide: true }),
    column('Node', 'NodeName indicates in which node this pod is scheduled.', { wide: true }),
    column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', { wide: true }),
    column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { wide: true }),
  ],
  cells(obj: KubeObject, nowMs: number): unknown[] {
    const pod = obj as unknown as Pod;
    const { ready, status, restarts } = summarizePod(pod, nowMs);
    const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP;
    return [
      pod.metadata.name ?? '',
      ready,
      status,
      restarts,
      sinceTimestamp(pod.metadata.creationTimestamp, nowMs),
      orNone(ip),
      orNone(pod.spec?.nodeName),
      orNone(pod.status?.nominatedNodeName),
      readinessGates(pod),
    ];
  },
};
