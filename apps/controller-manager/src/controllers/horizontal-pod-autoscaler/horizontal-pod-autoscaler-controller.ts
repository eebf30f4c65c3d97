import { isDeepStrictEqual } from 'node:util';
import {
  formatTime,
  objectKey,
  Quantity,
  RESOURCE_LIST,
  selectorFromLabelSelector,
  DEFAULT_SCALE_DOWN_RULES,
  DEFAULT_SCALE_UP_RULES,
  type HorizontalPodAutoscaler,
  type HorizontalPodAutoscalerCondition,
  type HorizontalPodAutoscalerStatus,
  type HPAConditionType,
  type KubeObject,
  type LabelSelector,
  type MetricSpec,
  type MetricStatus,
  type ResourceInfo,
} from '@skiff/api';
import { unwrapTombstone, watch, type EventRecorder, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import type { ResourceMetricsClient } from './metrics-client.js';
import {
  DEFAULT_CPU_INITIALIZATION_PERIOD_MS,
  DEFAULT_INITIAL_READINESS_DELAY_MS,
  DEFAULT_TOLERANCE,
  ReplicaCalculationError,
  resourceReplicas,
  type CalculatorOptions,
} from './replica-calculator.js';
import { ScalingBehavior, type Rules } from './scaling-behavior.js';

/** --horizontal-pod-autoscaler-sync-period and --horizontal-pod-autoscaler-downscale-stabilization defaults. */
export const DEFAULT_HPA_SYNC_PERIOD_MS = 15_000;
export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 300_000;

export interface HorizontalPodAutoscalerControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
  metrics: ResourceMetricsClient;
  /** How often each HPA is reconciled (kube resyncs every HPA on this period). */
  syncPeriodMs?: number;
  /** The scale-down stabilization window of HPAs whose behavior does not set one. */
  downscaleStabilizationMs?: number;
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}

/** Scale is the target's replica count and pod selector, as its scale subresource has them. */
interface TargetScale {
  info: ResourceInfo;
  replicas: number;
  selector: LabelSelector | undefined;
}

interface MetricOutcome {
  replicas: number;
  name: string;
  status: MetricStatus;
}

/**
 * HorizontalPodAutoscalerController sets the replica count of each HPA's target from its pods' resource usage, after
 * kube's pkg/controller/podautoscaler: every sync period it reads the target's scale, the pods' CPU (or memory) from
 * metrics.k8s.io, computes the replicas that bring the average utilization to the target (tolerance 10%),
 * stabilizes and rate-limits that by the HPA's behavior, writes the scale subresource, and reports conditions
 * (AbleToScale, ScalingActive, ScalingLimited), current metrics and events. Level-triggered: each HPA requeues
 * itself after the sync period; spec changes requeue it at once.
 */
export class HorizontalPodAutoscalerController extends ManagedController {
  readonly #recorder: EventRecorder;
  readonly #metrics: ResourceMetricsClient;
  readonly #syncPeriodMs: number;
  readonly #downscaleWindowMs: number;
  readonly #calc: CalculatorOptions;
  readonly #behavior = new ScalingBehavior();

  constructor(opts: HorizontalPodAutoscalerControllerOptions) {
    super('horizontal-pod-autoscaler', opts, 5);
    this.#recorder = opts.recorder;
    this.#metrics = opts.metrics;
    this.#syncPeriodMs = opts.syncPeriodMs ?? DEFAULT_HPA_SYNC_PERIOD_MS;
    this.#downscaleWindowMs = opts.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS;
    this.#calc = {
      tolerance: opts.tolerance ?? DEFAULT_TOLERANCE,
      cpuInitializationPeriodMs: opts.cpuInitializationPeriodMs ?? DEFAULT_CPU_INITIALIZATION_PERIOD_MS,
      initialReadinessDelayMs: opts.initialReadinessDelayMs ?? DEFAULT_INITIAL_READINESS_DELAY_MS,
    };
    this.watch([
      watch.handler(this.informers.horizontalpodautoscalers, (queue) => ({
        onAdd: (hpa) => queue.add(objectKey(hpa)),
        // Our own status writes come back as updates: only a spec change (a new generation) is worth an early sync.
        onUpdate: (old, hpa) => {
          if (old.metadata.generation !== hpa.metadata.generation) queue.add(objectKey(hpa));
        },
        onDelete: (obj) => this.#behavior.forget(objectKey(unwrapTombstone(obj))),
      })),
    ]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const cached = this.informers.horizontalpodautoscalers.indexer.get(key);
    if (!cached) {
      this.#behavior.forget(key);
      return {};
    }
    if (cached.metadata.deletionTimestamp) return {};
    const hpa = structuredClone(cached);
    const now = this.clock.now();
    this.#behavior.seed(key, now, hpa.status?.desiredReplicas ?? 0);
    const status: HorizontalPodAutoscalerStatus = structuredClone(hpa.status ?? { desiredReplicas: 0 });
    status.observedGeneration = hpa.metadata.generation ?? 0;
    const conditions = (status.conditions ??= []);
    const set = (type: HPAConditionType, s: HorizontalPodAutoscalerCondition['status'], reason: string, message: string): void => setCondition(conditions, type, s, reason, message, now);
    const write = async (): Promise<void> => {
      if (isDeepStrictEqual(cached.status ?? {}, status)) return;
      await this.client.resource(HPA_INFO).updateStatus({ ...hpa, status } as unknown as KubeObject);
    };
    const requeue = { requeueAfterMs: this.#syncPeriodMs };

    let target: TargetScale;
    try {
      target = await this.#getScale(hpa);
    } catch (err) {
      const msg = (err as Error).message;
      set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`);
      this.#recorder.event(hpa, 'Warning', 'FailedGetScale', msg);
      await write();
      return requeue;
    }
    set('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const current = target.replicas;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    let desired: number;
    let reason = '';
    let metricStatuses: MetricStatus[] | undefined = status.currentMetrics;

    if (current === 0 && min !== 0) {
      // Someone scaled the target to zero on purpose: leave it alone, as kube does.
      desired = 0;
      set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (current > max) {
      desired = max;
      reason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (current < min) {
      desired = min;
      reason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      const outcome = await this.#computeMetrics(hpa, target, now);
      if ('error' in outcome) {
        set('ScalingActive', 'False', outcome.reason, outcome.error);
        this.#recorder.event(hpa, 'Warning', outcome.reason, outcome.error);
        this.#recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${hpa.spec.metrics?.length ?? 0} invalid out of ${hpa.spec.metrics?.length ?? 0}), first error is: ${outcome.error}`);
        status.currentReplicas = current;
        status.desiredReplicas = current;
        await write();
        return requeue;
      }
      metricStatuses = outcome.statuses;
      set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${outcome.name}`);
      const up: Rules = { ...DEFAULT_SCALE_UP_RULES, ...stripUndefined(hpa.spec.behavior?.scaleUp) } as Rules;
      const down: Rules = {
        ...DEFAULT_SCALE_DOWN_RULES,
        stabilizationWindowSeconds: this.#downscaleWindowMs / 1000,
        ...stripUndefined(hpa.spec.behavior?.scaleDown),
      } as Rules;
      const n = this.#behavior.normalize({ key, nowMs: now, current, desired: outcome.replicas, min, max, up, down });
      set('AbleToScale', 'True', n.stabilized.reason, n.stabilized.message);
      set('ScalingLimited', n.limited.limited ? 'True' : 'False', n.limited.reason, n.limited.message);
      desired = n.replicas;
      if (desired > current) reason = `${outcome.name} above target`;
      if (desired < current) reason = 'All metrics below target';
      if (desired !== current) this.#behavior.recordScale(key, now, current, desired, up, down);
    }

    status.currentMetrics = metricStatuses;
    if (!status.currentMetrics) delete status.currentMetrics;
    status.currentReplicas = current;
    status.desiredReplicas = desired;
    if (desired !== current) {
      try {
        await this.client.resource(target.info).patch(hpa.spec.scaleTargetRef.name, { spec: { replicas: desired } }, { namespace: hpa.metadata.namespace, subresource: 'scale', type: 'merge' });
      } catch (err) {
        const msg = (err as Error).message;
        set('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${msg}`);
        this.#recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${msg}`);
        await write();
        throw err;
      }
      set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.#recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      status.lastScaleTime = formatTime(now);
    }
    await write();
    return requeue;
  }

  /** getScale resolves scaleTargetRef to a served kind with a scale subresource and reads its replicas and selector. */
  async #getScale(hpa: HorizontalPodAutoscaler): Promise<TargetScale> {
    const ref = hpa.spec.scaleTargetRef;
    const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
    const info = RESOURCE_LIST.find((r) => r.kind === ref.kind && r.group === group && r.subresources.some((s) => s.name === 'scale'));
    if (!info) throw new Error(`no scale subresource for ${ref.apiVersion ?? ''}, Kind=${ref.kind}`);
    const obj = (await this.client.resource(info).get(ref.name, { namespace: hpa.metadata.namespace })) as unknown as { spec: { replicas?: number; selector?: LabelSelector } };
    return { info, replicas: obj.spec.replicas ?? 1, selector: obj.spec.selector };
  }

  /** computeMetrics is kube's computeReplicasForMetrics: the largest proposal over the metrics that could be computed. */
  async #computeMetrics(hpa: HorizontalPodAutoscaler, target: TargetScale, nowMs: number): Promise<{ replicas: number; name: string; statuses: MetricStatus[] } | { error: string; reason: string }> {
    if (!target.selector || Object.keys(target.selector).length === 0) {
      return { reason: 'SelectorRequired', error: 'selector is required' };
    }
    const namespace = hpa.metadata.namespace ?? '';
    const selector = selectorFromLabelSelector(target.selector);
    const pods = this.informers.pods.indexer.list().filter((p) => p.metadata.namespace === namespace && selector.matches(p.metadata.labels));
    let best: MetricOutcome | undefined;
    let firstError: { error: string; reason: string } | undefined;
    const statuses: MetricStatus[] = [];
    for (const spec of hpa.spec.metrics ?? []) {
      try {
        const o = await this.#resourceMetric(spec, namespace, target, pods, nowMs);
        statuses.push(o.status);
        if (!best || o.replicas > best.replicas) best = o;
      } catch (err) {
        statuses.push({ type: spec.type });
        firstError ??= { error: (err as Error).message, reason: err instanceof UnsupportedMetricError ? 'InvalidMetricSourceType' : 'FailedGetResourceMetric' };
      }
    }
    // As kube: a scale-down needs every metric; any one is enough to scale up.
    if (!best) return firstError ?? { reason: 'InvalidMetricSourceType', error: 'no metrics to compute' };
    if (firstError && best.replicas <= target.replicas) return firstError;
    return { replicas: best.replicas, name: best.name, statuses };
  }

  async #resourceMetric(spec: MetricSpec, namespace: string, target: TargetScale, pods: Parameters<typeof resourceReplicas>[0]['pods'], nowMs: number): Promise<MetricOutcome> {
    const source = spec.type === 'Resource' ? spec.resource : spec.type === 'ContainerResource' ? spec.containerResource : undefined;
    if (!source) throw new UnsupportedMetricError(`metric type ${spec.type} needs a custom or external metrics API, which this cluster does not serve`);
    if (source.target.type !== 'Utilization' || source.target.averageUtilization === undefined) {
      throw new UnsupportedMetricError(`only Utilization targets of ${spec.type} metrics are supported, got ${source.target.type}`);
    }
    const container = spec.type === 'ContainerResource' ? spec.containerResource?.container : undefined;
    let usage;
    try {
      usage = await this.#metrics.podUsage(namespace, target.selector!, source.name, container);
    } catch (err) {
      throw new ReplicaCalculationError(`unable to get metrics for resource ${source.name}: unable to fetch metrics from resource metrics API: ${(err as Error).message}`);
    }
    const r = resourceReplicas({ currentReplicas: target.replicas, targetUtilization: source.target.averageUtilization, pods, usage, resource: source.name, ...(container ? { container } : {}), nowMs, options: this.#calc });
    const current = { averageUtilization: r.utilization, averageValue: Quantity.fromMilli(r.averageMilli).toString() };
    const status: MetricStatus = container
      ? { type: 'ContainerResource', containerResource: { name: source.name, container, current } }
      : { type: 'Resource', resource: { name: source.name, current } };
    const name = container ? `${source.name} container resource utilization (percentage of request)` : `${source.name} resource utilization (percentage of request)`;
    return { replicas: r.replicas, name, status };
  }
}

class UnsupportedMetricError extends Error {}

const HPA_INFO = RESOURCE_LIST.find((r) => r.plural === 'horizontalpodautoscalers')!;

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function setCondition(conditions: HorizontalPodAutoscalerCondition[], type: HPAConditionType, status: HorizontalPodAutoscalerCondition['status'], reason: string, message: string, now: number): void {
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status !== status) existing.lastTransitionTime = formatTime(now);
    Object.assign(existing, { status, reason, message });
    return;
  }
  conditions.push({ type, status, lastTransitionTime: formatTime(now), reason, message });
}
