/**
 * @module A watch that keeps the lowest number of Ready, not-deleting pods a selector had since it started: what a
 * PodDisruptionBudget promises never to go below.
 */
import type { Clientset } from '@skiff/client';
import type { Pod } from '@skiff/api';

const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** ReadyPodsWatch is the running minimum, the watch's errors, and how to stop it. */
export interface ReadyPodsWatch {
  /** The fewest Ready pods without a deletionTimestamp seen after any change (Infinity before the first). */
  readonly min: number;
  readonly failures: unknown[];
  stop(): void;
}

/** watchReadyPods lists the selector's pods, then counts them on every change from that list's resourceVersion. */
export async function watchReadyPods(client: Clientset, namespace: string, labelSelector: string): Promise<ReadyPodsWatch> {
  const initial = await client.pods.list({ namespace, labelSelector });
  const current = new Map(initial.items.map((p) => [p.metadata.name!, p]));
  let min = Infinity;
  const failures: unknown[] = [];
  const watch = client.pods.watch({ namespace, labelSelector, resourceVersion: initial.metadata.resourceVersion! }, {
    onEvent(e) {
      if (e.type === 'ADDED' || e.type === 'MODIFIED') current.set(e.object.metadata.name!, e.object);
      else if (e.type === 'DELETED') current.delete(e.object.metadata.name!);
      min = Math.min(min, [...current.values()].filter((p) => isReady(p) && !p.metadata.deletionTimestamp).length);
    },
    onError: (err) => void failures.push(err),
  });
  return {
    get min() {
      return min;
    },
    failures,
    stop: () => watch.stop(),
  };
}
