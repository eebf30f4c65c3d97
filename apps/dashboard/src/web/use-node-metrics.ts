/**
 * @module useNodeMetrics: each node's CPU and memory usage from `metrics.k8s.io` (what `kubectl top nodes` reads).
 * The metrics API has no watch (metrics-server's neither): it is read again every `intervalMs`, close to the node
 * agents' sampling period, and only while a view that shows it is open. Absent metrics (403, 404, 503) show nothing.
 */
import { useEffect, useState } from 'preact/hooks';
import { request } from './api.js';
import { parseQuantity } from './quantity.js';

export type NodeUsage = Map<string, { cpu: number; memory: number }>;

export function useNodeMetrics(intervalMs = 15_000): NodeUsage | undefined {
  const [usage, setUsage] = useState<NodeUsage | undefined>();
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const list = await request<{ items: { metadata: { name: string }; usage: { cpu?: string; memory?: string } }[] }>('GET', '/apis/metrics.k8s.io/v1beta1/nodes');
        if (!stopped) setUsage(new Map(list.items.map((m) => [m.metadata.name, { cpu: parseQuantity(m.usage.cpu) ?? 0, memory: parseQuantity(m.usage.memory) ?? 0 }])));
      } catch {
        if (!stopped) setUsage(undefined);
      }
      if (!stopped) timer = setTimeout(read, intervalMs);
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [intervalMs]);
  return usage;
}
