/**
 * @module ScalingBehavior: stabilization windows and scaling policies (autoscaling/v2 behavior), after kube's
 * stabilizeRecommendationWithBehaviors and convertDesiredReplicasWithBehaviorRate in podautoscaler/horizontal.go.
 * It keeps, per HPA, the recent unstabilized recommendations and the recent scale events, in memory as kube does
 * (a restarted controller starts with empty windows).
 */
import type { HPAScalingRules } from '@skiff/api';

export interface Decision {
  replicas: number;
  reason: string;
  message: string;
}

/** Rules are behavior rules with every field filled (the API's defaults, the controller's window for scale-down). */
export type Rules = Required<HPAScalingRules>;

interface Timed {
  atMs: number;
  value: number;
}

export interface NormalizeArgs {
  key: string;
  nowMs: number;
  current: number;
  desired: number;
  min: number;
  max: number;
  up: Rules;
  down: Rules;
}

/** NormalizedReplicas is the outcome with the AbleToScale and ScalingLimited reasons kube sets from it. */
export interface NormalizedReplicas {
  replicas: number;
  stabilized: Decision;
  limited: Decision & { limited: boolean };
}

export class ScalingBehavior {
  readonly #recommendations = new Map<string, Timed[]>();
  readonly #upEvents = new Map<string, Timed[]>();
  readonly #downEvents = new Map<string, Timed[]>();

  /**
   * seed starts an HPA's history with the replicas its status last asked for, as kube does on first sight: a
   * restarted controller then waits out the scale-down window instead of scaling down at once.
   */
  seed(key: string, nowMs: number, desired: number): void {
    if (!this.#recommendations.has(key)) this.#recommendations.set(key, [{ atMs: nowMs, value: desired }]);
  }

  /** forget drops what is remembered of a deleted HPA. */
  forget(key: string): void {
    this.#recommendations.delete(key);
    this.#upEvents.delete(key);
    this.#downEvents.delete(key);
  }

  /** normalize stabilizes `desired` over the windows, then limits it by the policies' rates and min/max. */
  normalize(a: NormalizeArgs): NormalizedReplicas {
    const stable = this.#stabilize(a);
    const stabilized: Decision =
      stable !== a.desired
        ? a.desired >= a.current
          ? { replicas: stable, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
          : { replicas: stable, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
        : { replicas: stable, reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
    const limited = this.#limit({ ...a, desired: stable });
    return { replicas: limited.replicas, stabilized, limited: { ...limited, limited: limited.replicas !== stable } };
  }

  /** recordScale remembers a rescale, which the policies' periods count against. */
  recordScale(key: string, nowMs: number, from: number, to: number, up: Rules, down: Rules): void {
    if (to === from) return;
    const [map, rules] = to > from ? [this.#upEvents, up] : [this.#downEvents, down];
    const longest = Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
    const kept = (map.get(key) ?? []).filter((e) => e.atMs > nowMs - longest);
    kept.push({ atMs: nowMs, value: Math.abs(to - from) });
    map.set(key, kept);
  }

  #stabilize(a: NormalizeArgs): number {
    const upCutoff = a.nowMs - a.up.stabilizationWindowSeconds * 1000;
    const downCutoff = a.nowMs - a.down.stabilizationWindowSeconds * 1000;
    let upRec = a.desired;
    let downRec = a.desired;
    const recs = this.#recommendations.get(a.key) ?? [];
    for (const r of recs) {
      if (r.atMs > upCutoff) upRec = Math.min(upRec, r.value);
      if (r.atMs > downCutoff) downRec = Math.max(downRec, r.value);
    }
    // Samples older than both windows are dropped: they can no longer change anything.
    const kept = recs.filter((r) => r.atMs >= upCutoff || r.atMs >= downCutoff);
    kept.push({ atMs: a.nowMs, value: a.desired });
    this.#recommendations.set(a.key, kept);
    return Math.min(Math.max(a.current, upRec), downRec);
  }

  #changeInPeriod(events: Timed[] | undefined, nowMs: number, periodSeconds: number): number {
    const cutoff = nowMs - periodSeconds * 1000;
    return (events ?? []).filter((e) => e.atMs > cutoff).reduce((n, e) => n + e.value, 0);
  }

  /** periodStart is how many replicas there were at the start of a policy's period, undoing the changes since. */
  #periodStart(key: string, nowMs: number, current: number, periodSeconds: number): number {
    return current - this.#changeInPeriod(this.#upEvents.get(key), nowMs, periodSeconds) + this.#changeInPeriod(this.#downEvents.get(key), nowMs, periodSeconds);
  }

  #limit(a: NormalizeArgs): Decision {
    if (a.desired > a.current) {
      let limit = a.current;
      if (a.up.selectPolicy !== 'Disabled') {
        const proposals = a.up.policies.map((p) => {
          const start = this.#periodStart(a.key, a.nowMs, a.current, p.periodSeconds);
          return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
        });
        limit = a.up.selectPolicy === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
      }
      // Never below the current count: more scale-up waits until the recorded events age out.
      limit = Math.max(limit, a.current);
      const [ceiling, reason, message] =
        a.max > limit
          ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
          : [a.max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
      if (a.desired > ceiling) return { replicas: ceiling, reason, message };
    } else if (a.desired < a.current) {
      let limit = a.current;
      if (a.down.selectPolicy !== 'Disabled') {
        const proposals = a.down.policies.map((p) => {
          const start = this.#periodStart(a.key, a.nowMs, a.current, p.periodSeconds);
          return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
        });
        // Max selects the policy allowing the biggest change, which for scale-down is the lowest count.
        limit = a.down.selectPolicy === 'Min' ? Math.max(...proposals) : Math.min(...proposals);
      }
      limit = Math.min(limit, a.current);
      const [floor, reason, message] =
        a.min < limit
          ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
          : [a.min, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
      if (a.desired < floor) return { replicas: floor, reason, message };
    }
    return { replicas: a.desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  }
}
