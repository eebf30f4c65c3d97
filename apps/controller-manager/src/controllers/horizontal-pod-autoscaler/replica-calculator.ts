/**
 * @module Replica calculation for Resource metrics, after kube's pkg/controller/podautoscaler/replica_calculator.go:
 * usage over requests of the ready pods, with unready and unmeasured pods counted so that they can only damp a
 * change, never cause one.
 */
import { Quantity, type Pod } from '@skiff/api';
import type { PodUsage } from './metrics-client.js';

/** DEFAULT_TOLERANCE: ratios within 10% of the target change nothing (--horizontal-pod-autoscaler-tolerance). */
export const DEFAULT_TOLERANCE = 0.1;
/** A started pod's CPU is not trusted for this long unless it was ready for a whole sample (--horizontal-pod-autoscaler-cpu-initialization-period). */
export const DEFAULT_CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** Within this of starting, a pod that turned unready had never been ready (--horizontal-pod-autoscaler-initial-readiness-delay). */
export const DEFAULT_INITIAL_READINESS_DELAY_MS = 30_000;

export interface CalculatorOptions {
  tolerance: number;
  cpuInitializationPeriodMs: number;
  initialReadinessDelayMs: number;
}

/** Recommendation is what one Resource metric asks for. */
export interface Recommendation {
  replicas: number;
  /** Average utilization of the measured pods, percent of their requests (floored, as kube's int32). */
  utilization: number;
  /** Average usage of the measured pods, milli-units. */
  averageMilli: number;
}

/** ReplicaCalculationError is a failure kube reports as FailedGetResourceMetric. */
export class ReplicaCalculationError extends Error {}

function podCondition(pod: Pod, type: string) {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/**
 * podRequestsMilli is the sum of the containers' requests of `resource` (or one container's); kube refuses to
 * compute a utilization when any container lacks the request.
 */
export function podRequestsMilli(pod: Pod, resource: string, container?: string): number {
  let total = 0;
  for (const c of pod.spec.containers) {
    if (container !== undefined && c.name !== container) continue;
    const req = c.resources?.requests?.[resource];
    if (req === undefined) throw new ReplicaCalculationError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
    total += Quantity.parse(req).milliValue();
  }
  return total;
}

interface Groups {
  ready: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods is kube's groupPods: which pods' samples count, which are unready, which have none. */
function groupPods(pods: Pod[], usage: Map<string, PodUsage>, resource: string, nowMs: number, o: CalculatorOptions): Groups {
  const g: Groups = { ready: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = usage.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = podCondition(pod, 'Ready');
      const started = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!ready || started === undefined) unready = true;
      else {
        const transition = Date.parse(ready.lastTransitionTime ?? '') || 0;
        // A starting pod's CPU (JVM warm-up, caches) says little: use it only once a whole window was measured ready.
        if (started + o.cpuInitializationPeriodMs > nowMs) unready = ready.status === 'False' || metric.timestampMs < transition + metric.windowMs;
        else unready = ready.status === 'False' && started + o.initialReadinessDelayMs > transition;
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.ready++;
  }
  return g;
}

/** utilizationRatio is kube's GetResourceUtilizationRatio over the pods with both a sample and a request. */
function utilizationRatio(usage: Map<string, number>, requests: Map<string, number>, target: number): { ratio: number; utilization: number; averageMilli: number } {
  let used = 0;
  let requested = 0;
  let n = 0;
  for (const [name, milli] of usage) {
    const req = requests.get(name);
    if (req === undefined) continue;
    used += milli;
    requested += req;
    n++;
  }
  if (requested === 0) throw new ReplicaCalculationError('no metrics returned matched known pods');
  const utilization = Math.floor((used * 100) / requested);
  return { ratio: utilization / target, utilization, averageMilli: Math.floor(used / n) };
}

/**
 * resourceReplicas is kube's GetResourceReplicas for a Utilization target: the replica count that brings the
 * average utilization to `targetUtilization`, or `currentReplicas` inside the tolerance. Missing pods count as at
 * the target on a scale-down and idle on a scale-up, and unready pods as idle on a scale-up, so neither can push
 * the change further; if they would reverse its direction, nothing changes.
 */
export function resourceReplicas(args: {
  currentReplicas: number;
  targetUtilization: number;
  pods: Pod[];
  usage: Map<string, PodUsage>;
  resource: string;
  container?: string;
  nowMs: number;
  options: CalculatorOptions;
}): Recommendation {
  const { currentReplicas, targetUtilization, pods, resource, options } = args;
  if (pods.length === 0) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, args.usage, resource, args.nowMs, options);
  const metrics = new Map<string, number>();
  for (const [name, u] of args.usage) if (!g.ignored.has(name) && !g.unready.has(name) && pods.some((p) => p.metadata.name === name)) metrics.set(name, u.milli);
  if (metrics.size === 0) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = new Map(pods.map((p) => [p.metadata.name ?? '', podRequestsMilli(p, resource, args.container)]));
  const first = utilizationRatio(metrics, requests, targetUtilization);
  const result = (replicas: number): Recommendation => ({ replicas, utilization: first.utilization, averageMilli: first.averageMilli });

  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= options.tolerance) return result(currentReplicas);
    return result(Math.ceil(first.ratio * g.ready));
  }
  for (const name of g.missing) metrics.set(name, first.ratio < 1 ? (requests.get(name)! * targetUtilization) / 100 : 0);
  if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, 0);
  const next = utilizationRatio(metrics, requests, targetUtilization).ratio;
  if (Math.abs(1 - next) <= options.tolerance || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1)) return result(currentReplicas);
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}
