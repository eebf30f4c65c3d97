/**
 * @module recordPods: the worst pod counts a rollout went through, from every state the api-server committed.
 */
import type { KubeList, Pod, WatchEvent } from '@skiff/api';
import { waitFor } from './wait-for.js';

/**
 * PodLister is the part of a pods client recordPods uses: @skiff/client's ResourceClient<Pod> is one. Spelled out
 * here because @skiff/client's own tests use this package (a declared dependency back would be a cycle).
 */
export interface PodLister {
  list(opts: { namespace: string; labelSelector?: string }): Promise<KubeList<Pod>>;
  watch(
    opts: { namespace: string; labelSelector?: string; resourceVersion: string; relistOnExpired: boolean },
    handlers: { onEvent(e: WatchEvent<Pod>): void; onError(err: unknown): void },
  ): { stop(): void; done: Promise<void> };
}

/** PodExtremes are the fewest Ready and the most live (not terminating) pods seen while recording. */
export interface PodExtremes {
  minReady: number;
  maxLive: number;
}

const live = (p: Pod): boolean => !p.metadata.deletionTimestamp;
const ready = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const versions = (pods: Iterable<Pod>): string => [...pods].map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).sort().join(',');

/**
 * recordPods lists the selected pods and watches them from that list's resourceVersion, so it sees every state
 * the api-server committed, in order, and keeps the worst numbers over them: a surge that lasts one revision is
 * counted, where polling can miss it. stop() waits until the watch has caught up with the pods as listed then
 * (other objects' writes move the global revision without an event here, so the watch's revision is no test),
 * and fails if the watch had to relist (a 410 would skip states).
 */
export async function recordPods(pods: PodLister, selection: { namespace: string; labelSelector?: string }): Promise<{ stop(): Promise<PodExtremes> }> {
  const list = await pods.list(selection);
  const current = new Map(list.items.map((p) => [p.metadata.name!, p]));
  const worst: PodExtremes = { minReady: Infinity, maxLive: 0 };
  const measure = (): void => {
    const all = [...current.values()];
    worst.minReady = Math.min(worst.minReady, all.filter((p) => live(p) && ready(p)).length);
    worst.maxLive = Math.max(worst.maxLive, all.filter(live).length);
  };
  measure();
  const failures: unknown[] = [];
  const watch = pods.watch(
    { ...selection, resourceVersion: list.metadata.resourceVersion!, relistOnExpired: false },
    {
      onEvent(e) {
        if (e.type === 'ADDED' || e.type === 'MODIFIED') current.set(e.object.metadata.name!, e.object);
        else if (e.type === 'DELETED') current.delete(e.object.metadata.name!);
        else return;
        measure();
      },
      onError: (err) => void failures.push(err),
    },
  );
  return {
    async stop() {
      await waitFor(async () => versions(current.values()) === versions((await pods.list(selection)).items), { what: 'the pod watch to catch up', timeoutMs: 15_000 });
      watch.stop();
      await watch.done;
      // A watch that ended on its own (a 410 it may not relist from) has a gap in what it recorded.
      const gone = failures.filter((e) => (e as { code?: number }).code === 410);
      if (gone.length) throw new Error(`the pod watch lost its place (410 Gone); its record has a gap`);
      return { ...worst };
    },
  };
}
