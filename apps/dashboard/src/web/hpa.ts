/**
 * @module The HorizontalPodAutoscaler (autoscaling/v2) that scales a workload, and the summary shown on its row:
 * replicas current → desired, bounds, and each resource metric as `kubectl get hpa` prints TARGETS.
 */
import type { KubeObject } from './api.js';

interface MetricTarget {
  type?: string;
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

export interface Hpa extends KubeObject {
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string; apiVersion?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: { type: string; resource?: { name: string; target?: MetricTarget } }[];
  };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: { type: string; resource?: { name: string; current?: MetricTarget } }[];
  };
}

/**
 * hpaFor is the autoscaler whose scaleTargetRef names this workload (same namespace, kind and name). The kind is
 * passed in: a list's items carry none.
 */
export function hpaFor(kind: string, target: KubeObject, hpas: readonly Hpa[]): Hpa | undefined {
  return hpas.find((h) => h.metadata.namespace === target.metadata.namespace && h.spec?.scaleTargetRef?.kind === kind && h.spec.scaleTargetRef.name === target.metadata.name);
}

const shown = (m: MetricTarget | undefined, type: string | undefined): string | undefined =>
  type === 'Utilization' ? (m?.averageUtilization === undefined ? undefined : `${m.averageUtilization}%`) : type === 'AverageValue' ? m?.averageValue : m?.value;

/** metricTargets is kubectl's TARGETS for Resource metrics: `cpu: 12%/50%`, `<unknown>` before the first sample. */
export function metricTargets(h: Hpa): string[] {
  return (h.spec?.metrics ?? [])
    .filter((m) => m.type === 'Resource' && m.resource)
    .map((m) => {
      const { name, target } = m.resource!;
      const current = h.status?.currentMetrics?.find((c) => c.type === 'Resource' && c.resource?.name === name)?.resource?.current;
      return `${name}: ${shown(current, target?.type) ?? '<unknown>'}/${shown(target, target?.type) ?? '<unknown>'}`;
    });
}

/** hpaSummary is the line on the target's row. */
export function hpaSummary(h: Hpa): string {
  const s = h.status ?? {};
  const bounds = `${h.spec?.minReplicas ?? 1}–${h.spec?.maxReplicas ?? '?'}`;
  return [`HPA ${h.metadata.name} (${bounds})`, `replicas ${s.currentReplicas ?? 0} → ${s.desiredReplicas ?? 0}`, ...metricTargets(h)].join(' · ');
}
