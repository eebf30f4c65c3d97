/**
 * @module ResourceMetricsClient: the pods' CPU and memory as metrics.k8s.io/v1beta1 PodMetrics serve them, what kube's
 * HPA reads through its resource metrics client.
 */
import { labelSelectorToString, Quantity, type LabelSelector } from '@skiff/api';

/** PodUsage is one pod's usage of a resource in milli-units, with when and over what window it was measured. */
export interface PodUsage {
  /** Milli-units (millicores for CPU, milli-bytes for memory) summed over the pod's containers, or of one container. */
  milli: number;
  timestampMs: number;
  windowMs: number;
}

/** ResourceMetricsClient reads per-pod usage of `resource` (optionally one container's) for the pods `selector` picks. */
export interface ResourceMetricsClient {
  podUsage(namespace: string, selector: LabelSelector, resource: string, container?: string): Promise<Map<string, PodUsage>>;
}

/** PodMetrics is metrics.k8s.io/v1beta1 PodMetrics as far as the HPA reads it. */
interface PodMetrics {
  metadata: { name?: string };
  timestamp: string;
  window: string;
  containers: Array<{ name: string; usage: Record<string, string> }>;
}

/** RawRequest is the Clientset's raw GET. */
export type RawRequest = <R>(method: 'GET', path: string) => Promise<R>;

/** goDurationMs reads the metav1.Duration strings the metrics API writes ("10s", "1m0s", "1.5s"). */
function goDurationMs(s: string): number {
  let ms = 0;
  for (const [, n, unit] of s.matchAll(/([\d.]+)(ms|h|m|s)/g)) ms += Number(n) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as Record<string, number>)[unit!]!;
  return ms;
}

/**
 * restMetricsClient lists PodMetrics of a namespace by label selector through the api-server, which serves
 * metrics.k8s.io from the node agents' samples. A pod with no sample of the container asked for is left out.
 */
export function restMetricsClient(raw: RawRequest): ResourceMetricsClient {
  return {
    async podUsage(namespace, selector, resource, container) {
      const q = new URLSearchParams({ labelSelector: labelSelectorToString(selector) });
      const list = await raw<{ items?: PodMetrics[] }>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods?${q}`);
      const out = new Map<string, PodUsage>();
      for (const m of list.items ?? []) {
        const containers = container === undefined ? m.containers : m.containers.filter((c) => c.name === container);
        if (containers.length === 0) continue;
        const milli = containers.reduce((sum, c) => sum + Quantity.parse(c.usage[resource] ?? '0').milliValue(), 0);
        out.set(m.metadata.name ?? '', { milli, timestampMs: Date.parse(m.timestamp), windowMs: goDurationMs(m.window) });
      }
      return out;
    },
  };
}
