import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { defaultImagePullPolicy, type Container, type Pod, type PodStatus } from '@skiff/api';
import { ClientEventRecorder, FakeClock, silentLogger } from '@skiff/controller-kit';
import { NodeRunner } from './node-runner.js';
import { FakeRuntime } from './runtime/fake/fake-runtime.js';
import { ConfigObjectCache } from './config/config-object-cache.js';
import { testVolumeDirs } from './__tests__/volume-dirs.js';

const dirs = testVolumeDirs();
afterAll(() => dirs.remove());

const WAIT = { timeout: 10_000, interval: 5 };

interface Harness {
  clock: FakeClock;
  rt: FakeRuntime;
  agent: NodeRunner;
  /** Every status the agent wrote, in order. */
  posted: PodStatus[];
  finished: string[];
  objects: ConfigObjectCache;
}

async function harness(): Promise<Harness> {
  const clock = new FakeClock();
  const objects = new ConfigObjectCache();
  const rt = new FakeRuntime({ clock, images: ['busybox:1.36'] });
  rt.holdStarts = true;
  const posted: PodStatus[] = [];
  const finished: string[] = [];
  const agent = new NodeRunner({
    nodeName: 'n1',
    hostIP: '192.0.2.1',
    objects,
    volumeDirs: dirs,
    runtime: rt,
    statusWriter: { patchStatus: async (_ns, _name, _uid, status) => void posted.push(status) },
    finisher: { finishDelete: async (pod) => void finished.push(pod.metadata.name ?? '') },
    events: new ClientEventRecorder({ sink: { create: async () => ({}), patch: async () => ({}) }, component: 'kubelet', clock, logger: silentLogger, host: 'n1' }),
    clock,
    logger: silentLogger,
  });
  await agent.markSynced();
  return { clock, rt, agent, posted, finished, objects };
}

function containers(prefix: string, n: number): Container[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, image: 'busybox:1.36', command: ['sleep', '3600'] }));
}

function bigPod(name: string, spec: Partial<Pod['spec']>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { nodeName: 'n1', containers: [], ...spec } };
}

const running = (s: PodStatus): number => (s.containerStatuses ?? []).filter((c) => c.state?.running).length;
const starts = (rt: FakeRuntime): string[] => rt.calls.filter((c) => c.startsWith('start '));

describe('NodeRunner and ConfigMaps', () => {
  it('removes at start the volume files of pods that went while it was down', async () => {
    mkdirSync(join(dirs.tmpfsDir, 'pods', 'gone-uid', 'volumes', 's'), { recursive: true });
    writeFileSync(join(dirs.tmpfsDir, 'pods', 'gone-uid', 'volumes', 's', 'pw'), 'hunter2');
    await harness();
    expect(existsSync(join(dirs.tmpfsDir, 'pods', 'gone-uid'))).toBe(false);
  });

  it('starts a pod waiting for a ConfigMap as soon as it appears, without waiting for the resync', async () => {
    const { rt, agent, posted, objects } = await harness();
    rt.holdStarts = false;
    const pod = bigPod('needs-cm', { containers: [{ ...containers('c', 1)[0]!, envFrom: [{ configMapRef: { name: 'settings' } }] }] });
    agent.upsertPod(pod);
    await vi.waitFor(() => expect(posted.at(-1)?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CreateContainerConfigError'), WAIT);
    await agent.idle();
    // The fake clock does not move: only the ConfigMap's arrival can wake the pod.
    objects.setConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default', name: 'settings', resourceVersion: '1' }, data: { A: 'b' } });
    await vi.waitFor(() => expect(running(posted.at(-1) ?? {})).toBe(1), WAIT);
    // Another namespace's ConfigMap of the same name wakes nothing.
    const before = rt.calls.length;
    objects.setConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'other', name: 'settings', resourceVersion: '2' } });
    await agent.idle();
    expect(rt.calls.length).toBe(before);
  });
});

describe('NodeRunner with a slow runtime', () => {
  it.each([
    {
      when: 'its deletionTimestamp is set',
      remove: (agent: NodeRunner, pod: Pod) => agent.upsertPod({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2025-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } }),
      finishes: ['big'],
    },
    { when: 'it is gone from the API', remove: (agent: NodeRunner, pod: Pod) => agent.deletePod(pod), finishes: [] },
  ])('aborts the sync starting a pod when $when, and tears it down without waiting for the held starts', async ({ remove, finishes }) => {
    const { clock, rt, agent, finished } = await harness();
    const pod = bigPod('big', { containers: containers('c', 10) });
    agent.upsertPod(pod);
    // Four starts are in flight at once and none can finish: a sequential sync would show one.
    await vi.waitFor(() => expect(rt.held.map((h) => h.name)).toEqual(['c0', 'c1', 'c2', 'c3']), WAIT);

    remove(agent, pod);
    // Without preemption this never resolves: the sync waits for starts nobody releases.
    await agent.idle();
    expect(rt.held).toEqual([]);
    expect(rt.containers.size).toBe(0);
    expect(rt.calls).toContain('stop default/big/POD grace=0');
    expect(rt.calls).toContain('removeVolumes default/big');
    // (A finished delete is idempotent: the relist after the teardown may run it once more.)
    expect([...new Set(finished)]).toEqual(finishes);
    // Nothing of the pod is created afterwards, however long the agent keeps going.
    await clock.advanceAsync(60_000);
    await agent.idle();
    expect(starts(rt)).toEqual([]);
    expect(rt.containers.size).toBe(0);
  });

  it('posts the status of a pod while its containers start, each post showing more of them running', async () => {
    const { rt, agent, posted } = await harness();
    agent.upsertPod(bigPod('progress', { containers: containers('c', 6) }));
    await vi.waitFor(() => expect(rt.held).toHaveLength(4), WAIT);
    // The sandbox is up: the pod has its IP before any container runs.
    await vi.waitFor(() => expect(posted.at(-1)?.podIP).toMatch(/^10\.88\.0\./), WAIT);
    expect(running(posted.at(-1)!)).toBe(0);

    rt.held[0]!.release();
    await vi.waitFor(() => expect(running(posted.at(-1) ?? {})).toBe(1), WAIT);
    expect(posted.at(-1)?.phase).toBe('Running');
    expect(posted.at(-1)?.containerStatuses?.filter((c) => c.state?.waiting?.reason === 'ContainerCreating')).toHaveLength(5);

    for (let released = 1; released < 6; released++) {
      await vi.waitFor(() => expect(rt.held.length).toBeGreaterThan(0), WAIT);
      rt.held[0]!.release();
    }
    await agent.idle();
    const counts = posted.map(running);
    expect(counts.at(-1)).toBe(6);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts.filter((n) => n > 0 && n < 6)).size).toBeGreaterThanOrEqual(2);
  });

  it('creates the sandbox first, runs init containers one at a time in order, then starts the app containers together', async () => {
    const { rt, agent } = await harness();
    agent.upsertPod(bigPod('init', { initContainers: containers('i', 2), containers: containers('c', 3) }));
    for (const init of ['i0', 'i1']) {
      await vi.waitFor(() => expect(rt.held.map((h) => h.name)).toEqual([init]), WAIT);
      rt.held[0]!.release();
      await agent.idle();
      expect(rt.held).toEqual([]);
      rt.exit('init', init, 0);
      await agent.pleg.relist();
    }
    await vi.waitFor(() => expect(rt.held.map((h) => h.name)).toEqual(['c0', 'c1', 'c2']), WAIT);
    for (const h of [...rt.held]) h.release();
    await agent.idle();
    expect(rt.calls[0]).toBe('createSandbox default/init');
    expect(starts(rt)).toEqual(['start default/init/i0#0', 'start default/init/i1#0', 'start default/init/c0#0', 'start default/init/c1#0', 'start default/init/c2#0']);
  });
});

describe('NodeRunner image pull policy', () => {
  it.each([
    // A registry port is not a tag: the agent used to read `host:5000/img` as tagged and skip the pull, while the
    // api-server defaults the same image to Always.
    { image: 'host:5000/img', pulls: true },
    { image: 'host:5000/img:v1', pulls: false },
    { image: 'img', pulls: true },
    { image: 'img@sha256:0123', pulls: false },
  ])('treats a present $image without imagePullPolicy as the api-server default does (pull: $pulls)', async ({ image, pulls }) => {
    const { rt, agent } = await harness();
    rt.images.add(image);
    agent.upsertPod(bigPod('img', { containers: [{ name: 'app', image }] }));
    // The pull decision is made before the (held) start.
    await vi.waitFor(() => expect(rt.held.map((h) => h.name)).toEqual(['app']), WAIT);
    expect(rt.calls.includes(`pull ${image}`)).toBe(pulls);
    expect(pulls).toBe(defaultImagePullPolicy(image) === 'Always');
    rt.held[0]!.release();
    await agent.idle();
  });
});

describe('NodeRunner restarted without its containers', () => {
  it('keeps a finished pod finished: its terminated statuses stay and nothing starts again', async () => {
    // npm start's shutdown removes the pod containers; the agent then starts on an empty runtime and meets a pod
    // it reported Succeeded before. Without the old statuses kept it posted ContainerCreating under phase Succeeded.
    const { clock, rt, agent, posted } = await harness();
    const terminated = { exitCode: 0, reason: 'Completed', startedAt: '2025-01-01T00:00:00Z', finishedAt: '2025-01-01T00:00:01Z', containerID: 'docker://gone' };
    const pod: Pod = {
      ...bigPod('done', { restartPolicy: 'Never', containers: containers('c', 2) }),
      status: {
        phase: 'Succeeded',
        containerStatuses: ['c0', 'c1'].map((name) => ({ name, image: 'busybox:1.36', imageID: '', ready: false, restartCount: 0, started: false, state: { terminated }, lastState: {} })),
      },
    };
    agent.upsertPod(pod);
    await agent.idle();
    await clock.advanceAsync(30_000);
    await agent.idle();
    expect(starts(rt)).toEqual([]);
    for (const s of posted) {
      expect(s.phase).toBe('Succeeded');
      expect(s.containerStatuses?.map((c) => c.state)).toEqual([{ terminated }, { terminated }]);
    }
  });
});
