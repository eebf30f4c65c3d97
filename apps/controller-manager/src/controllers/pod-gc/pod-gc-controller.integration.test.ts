import type { Pod } from '@skiff/api';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { createClient, type Clientset, type WatchHandle } from '@skiff/client';
import { waitFor } from '@skiff/testing';
import { afterEach, expect, it } from 'vitest';
import { runControllerManager } from '../../controller-manager.js';

let server: RunningServer | undefined;
let client: Clientset | undefined;
let watch: WatchHandle | undefined;
let stop: (() => Promise<void>) | undefined;

afterEach(async () => {
  watch?.stop();
  await stop?.();
  await client?.close();
  await server?.close();
});

it('marks a pod bound to a vanished node Failed with DisruptionTarget (DeletionByPodGC) before deleting it, against a real api-server', async () => {
  server = await startServer();
  client = createClient({ server: server.url });
  const created = await client.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'default' }, spec: { nodeName: 'gone', containers: [{ name: 'c', image: 'busybox' }] } });
  await client.pods.updateStatus({ ...created, status: { phase: 'Running' } });
  const seen: Array<{ type: string; pod: Pod }> = [];
  watch = client.pods.watch({ namespace: 'default', transport: 'websocket', resourceVersion: (await client.pods.list({ namespace: 'default' })).metadata.resourceVersion }, { onEvent: (e) => seen.push({ type: e.type, pod: e.object }) });

  const ac = new AbortController();
  const done = runControllerManager({ client, options: { controllers: ['podgc'], concurrentReplicaSetSyncs: 1, concurrentDeploymentSyncs: 1 } }, ac.signal);
  stop = async () => {
    ac.abort();
    await done;
  };
  await waitFor(() => seen.some((e) => e.type === 'DELETED'), { what: 'the orphan deleted', timeoutMs: 20_000 });
  const marked = seen.find((e) => e.type === 'MODIFIED' && e.pod.status?.phase === 'Failed');
  expect(marked, 'a MODIFIED event with phase Failed before the delete').toBeDefined();
  expect(marked?.pod.status?.conditions ?? []).toContainEqual(expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' }));
  expect(seen.findIndex((e) => e === marked)).toBeLessThan(seen.findIndex((e) => e.type === 'DELETED'));
});
