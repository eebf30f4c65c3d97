import { existsSync, readFileSync, statSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Container, Pod, PodStatus } from '@skiff/api';
import { FakeClock, silentLogger } from '@skiff/controller-kit';
import { Pleg } from './pleg.js';
import { PodSyncer } from './pod-syncer.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { StatusManager } from '../status/status-manager.js';
import { ConfigObjectCache } from '../config/config-object-cache.js';
import { VolumeManager } from '../volumes/volume-manager.js';
import { testVolumeDirs } from '../__tests__/volume-dirs.js';

const dirs = testVolumeDirs();
afterAll(() => dirs.remove());

/** setup builds a syncer over a fake runtime; statuses are recorded, and a write answers resourceVersion `rv()`. */
function setup(rv: () => string | void = () => undefined) {
  const clock = new FakeClock();
  const objects = new ConfigObjectCache();
  const rt = new FakeRuntime({ clock, images: ['busybox:1.36'], unpullable: ['missing:1'] });
  const pleg = new Pleg({ runtime: rt, clock, logger: silentLogger, onPodEvents: () => undefined });
  const posted: PodStatus[] = [];
  const status = new StatusManager(
    {
      patchStatus: async (_ns, _n, _u, s) => {
        posted.push(s);
        return rv();
      },
    },
    silentLogger,
  );
  const events: string[] = [];
  const finished: string[] = [];
  const syncer = new PodSyncer({
    nodeName: 'n1',
    hostIP: '192.0.2.1',
    allowPrivileged: false,
    objects,
    volumes: new VolumeManager({ ...dirs, objects, fieldRef: () => '', serviceAccountToken: () => '' }),
    runtime: rt,
    pleg,
    status,
    events: { event: () => undefined, record: (ref, type, reason, message) => void events.push(`${ref.fieldPath ?? ''} ${type} ${reason} ${message}`) },
    finisher: { finishDelete: async (p) => void finished.push(p.metadata.name ?? '') },
    clock,
    logger: silentLogger,
  });
  const last = (): PodStatus => posted[posted.length - 1]!;
  return { clock, rt, pleg, status, syncer, posted, events, finished, last, objects };
}

const pod = (containers: Container[], extra: Partial<Pod['metadata']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', ...extra },
  spec: { nodeName: 'n1', containers },
});
const sleeper = (name: string, image = 'busybox:1.36'): Container => ({ name, image, command: ['sleep', '3600'] });

describe('PodSyncer', () => {
  it('writes a configMap volume before the sandbox, mounts it read-only, follows updates and removes it with the pod', async () => {
    const { rt, status, syncer, events, last, objects } = setup();
    const p: Pod = {
      ...pod([{ ...sleeper('app'), volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }, { name: 'cfg', mountPath: '/etc/one.conf', subPath: 'one.conf' }] }]),
    };
    p.spec.volumes = [{ name: 'cfg', configMap: { name: 'settings' } }];
    await syncer.sync('u1', p);
    await status.idle();
    expect(events).toContain(' Warning FailedMount MountVolume.SetUp failed for volume "cfg" : configmap "settings" not found');
    expect(rt.calls.filter((c) => !c.startsWith('pull'))).toEqual([]);
    expect(last().containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');

    const cm = (v: string, rv: string) => ({ apiVersion: 'v1' as const, kind: 'ConfigMap' as const, metadata: { namespace: 'default', name: 'settings', resourceVersion: rv }, data: { 'one.conf': v } });
    objects.setConfigMap(cm('v1', '1'));
    await syncer.sync('u1', p);
    const dir = join(dirs.rootDir, 'pods', 'u1', 'volumes', 'cfg');
    expect(readFileSync(join(dir, 'one.conf'), 'utf8')).toBe('v1');
    const mounts = [...rt.containers.values()].find((c) => c.containerName === 'app')?.config?.mounts;
    expect(mounts?.[0]).toEqual({ volume: dir, kind: 'host', target: '/etc/app', readOnly: true });
    // subPath binds the file itself (inside the timestamped directory), so it keeps its content across updates.
    expect(mounts?.[1]?.volume).toMatch(new RegExp(`^${dir}/\\.\\.\\d{4}_.*/one\\.conf$`));

    objects.setConfigMap(cm('v2', '2'));
    await syncer.sync('u1', p);
    expect(readFileSync(join(dir, 'one.conf'), 'utf8')).toBe('v2');

    await syncer.sync('u1', undefined);
    expect(existsSync(join(dirs.rootDir, 'pods', 'u1'))).toBe(false);
  });

  it('puts secret volumes on the tmpfs dir, and refuses them when it is not a tmpfs', async () => {
    const { syncer, events, objects } = setup();
    objects.setSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'default', name: 'creds' }, data: { pw: Buffer.from('hunter2').toString('base64') } });
    const p = pod([{ ...sleeper('app'), volumeMounts: [{ name: 's', mountPath: '/run/s' }] }]);
    p.spec.volumes = [{ name: 's', secret: { secretName: 'creds', defaultMode: 0o400 } }];
    await syncer.sync('u1', p);
    const file = join(dirs.tmpfsDir, 'pods', 'u1', 'volumes', 's', 'pw');
    expect(readFileSync(file, 'utf8')).toBe('hunter2');
    expect(statSync(file).mode & 0o777).toBe(0o400);
    expect(statfsSync(file).type).toBe(0x01021994);
    await syncer.sync('u1', undefined);

    const disk = new VolumeManager({ ...dirs, objects, fieldRef: () => '', serviceAccountToken: () => '', isTmpfs: async () => false });
    await expect(disk.setUp({ ...p, metadata: { ...p.metadata, uid: 'u2' } })).rejects.toThrow(
      `MountVolume.SetUp failed for volume "s" : ${dirs.tmpfsDir} is not on a tmpfs, and secret files must never be written to disk (--tmpfs-dir)`,
    );
    expect(existsSync(join(dirs.tmpfsDir, 'pods', 'u2'))).toBe(false);
    expect(events.filter((e) => e.includes('FailedMount'))).toEqual([]);
  });

  it('holds a container whose Secret is missing in CreateContainerConfigError with an event, and starts it once the Secret exists', async () => {
    const { rt, status, syncer, events, last, objects } = setup();
    const p = pod([{ ...sleeper('app'), env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'pw' } } }] }]);
    await syncer.sync('u1', p);
    await status.idle();
    expect(last().containerStatuses?.[0]?.state?.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'secret "creds" not found' });
    expect(events).toContain('spec.containers{app} Warning Failed Error: secret "creds" not found');
    expect(rt.calls.filter((c) => c.startsWith('start'))).toEqual([]);

    objects.setSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'default', name: 'creds' }, data: { pw: Buffer.from('hunter2').toString('base64') } });
    await syncer.sync('u1', p);
    await status.idle();
    expect(last().containerStatuses?.[0]?.state?.running).toBeDefined();
    expect([...rt.containers.values()].find((c) => c.containerName === 'app')?.config?.env).toEqual([{ name: 'PW', value: 'hunter2' }]);
  });

  it('creates the sandbox and the containers, reports them running, and asks to resync after 10 s', async () => {
    const { clock, rt, status, syncer, events, last } = setup();
    const next = await syncer.sync('u1', pod([sleeper('a'), sleeper('b')]));
    await status.idle();
    expect(next).toBe(clock.now() + 10_000);
    expect(rt.calls.filter((c) => !c.startsWith('pull'))).toEqual(['createSandbox default/p', 'start default/p/a#0', 'start default/p/b#0']);
    expect(last().phase).toBe('Running');
    expect(last().podIP).toMatch(/^10\.88\.0\./);
    expect(last().containerStatuses?.map((c) => [c.name, !!c.state?.running])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(events).toContain('spec.containers{a} Normal Started Started container a');
    expect(syncer.knownUids()).toEqual(['u1']);

    // A second sync of a steady pod changes nothing.
    rt.calls.length = 0;
    await syncer.sync('u1', pod([sleeper('a'), sleeper('b')]));
    expect(rt.calls).toEqual([]);
  });

  it('shows ErrImagePull, then ImagePullBackOff until the back-off ends, and retries with a doubled delay', async () => {
    const { clock, rt, status, syncer, events, last } = setup();
    const p = pod([sleeper('c', 'missing:1')]);
    const next = await syncer.sync('u1', p);
    await status.idle();
    expect(next).toBe(clock.now() + 10_000);
    expect(last().containerStatuses?.[0]?.state?.waiting?.reason).toBe('ErrImagePull');
    expect(events).toContain('spec.containers{c} Warning Failed Error: ErrImagePull');

    clock.advance(5_000);
    await syncer.sync('u1', p);
    await status.idle();
    expect(last().containerStatuses?.[0]?.state?.waiting).toEqual({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "missing:1"' });
    expect(rt.calls.filter((c) => c.startsWith('pull'))).toHaveLength(1);

    clock.advance(5_000);
    const again = await syncer.sync('u1', p);
    expect(rt.calls.filter((c) => c.startsWith('pull'))).toHaveLength(2);
    expect(again).toBe(clock.now() + 10_000); // the resync period caps the 20 s back-off
  });

  it('keeps the timestamps it reported while the informer still shows an older status, so nothing is written twice', async () => {
    const { clock, status, syncer, posted } = setup();
    const p = pod([sleeper('app')]);
    await syncer.sync('u1', p);
    await status.idle();
    expect(posted).toHaveLength(1);
    expect(posted[0]!.phase).toBe('Running');
    // Seconds later the watch has not yet delivered the write: the pod still shows no status.
    clock.advance(3_000);
    await syncer.sync('u1', p);
    await status.idle();
    // Then it delivers it; the server stored it without the null fields.
    clock.advance(3_000);
    await syncer.sync('u1', { ...p, status: JSON.parse(JSON.stringify(posted[0], (_k, v: unknown) => (v === null ? undefined : v))) as PodStatus });
    await status.idle();
    expect(posted).toHaveLength(1);
  });

  it('writes its status again once the informer, caught up with its write, shows someone changed it', async () => {
    let revision = 10;
    const { clock, status, syncer, posted } = setup(() => String(++revision));
    const p = { ...pod([sleeper('app')]), metadata: { ...pod([]).metadata, resourceVersion: '10' } };
    await syncer.sync('u1', p);
    await status.idle();
    expect(posted).toHaveLength(1);
    clock.advance(3_000);
    // The node lifecycle controller marked the pod not ready after the agent's write (revision 12 > 11).
    const notReady = structuredClone(posted[0]!);
    for (const c of notReady.conditions ?? []) if (c.type === 'Ready') Object.assign(c, { status: 'False', reason: 'NodeNotReady', lastTransitionTime: '2026-11-30T09:00:00Z' });
    await syncer.sync('u1', { ...p, metadata: { ...p.metadata, resourceVersion: '12' }, status: notReady });
    await status.idle();
    expect(posted).toHaveLength(2);
    expect(posted[1]!.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('shows RunContainerError for a command that cannot start', async () => {
    const { rt, status, syncer, last } = setup();
    rt.badCommands.add('nope');
    await syncer.sync('u1', pod([{ name: 'c', image: 'busybox:1.36', command: ['nope'] }]));
    await status.idle();
    const cs = last().containerStatuses?.[0];
    expect(cs?.state?.waiting?.reason).toBe('RunContainerError');
    expect(cs?.state?.waiting?.message).toContain('executable file not found');
    expect(cs?.lastState?.terminated).toMatchObject({ exitCode: 127, reason: 'ContainerCannotRun' });
  });

  it('terminates a deleting pod: Killing events, containers stopped and removed, terminal status written, delete finished', async () => {
    const { rt, syncer, posted, events, finished } = setup();
    await syncer.sync('u1', pod([sleeper('a')]));
    rt.calls.length = 0;
    const next = await syncer.sync('u1', pod([sleeper('a')], { deletionTimestamp: '2025-01-01T00:00:30Z', deletionGracePeriodSeconds: 7 }));
    expect(next).toBeUndefined();
    expect(events).toContain('spec.containers{a} Normal Killing Stopping container a');
    expect(rt.calls).toEqual(['stop default/p/a grace=7', 'stop default/p/POD grace=0', 'remove default/p/a#0', 'remove default/p/POD#0', 'removeVolumes default/p']);
    expect(rt.containers.size).toBe(0);
    const terminal = posted[posted.length - 1]!;
    expect(terminal.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(137);
    expect(finished).toEqual(['p']);
    expect(syncer.knownUids()).toEqual([]);
  });

  it('removes what the runtime still has for a pod that is gone', async () => {
    const { rt, syncer } = setup();
    await syncer.sync('u1', pod([sleeper('a')]));
    expect(rt.containers.size).toBe(2);
    await syncer.sync('u1', undefined);
    expect(rt.containers.size).toBe(0);
    expect(syncer.knownUids()).toEqual([]);
  });

  it('starts no container once its signal aborted and rejects with the reason', async () => {
    const { rt, syncer } = setup();
    rt.holdStarts = true;
    const ac = new AbortController();
    const sync = syncer.sync('u1', pod([sleeper('a'), sleeper('b')]), ac.signal);
    await expect.poll(() => rt.held.length).toBe(2);
    const reason = new Error('pod terminating');
    ac.abort(reason);
    await expect(sync).rejects.toBe(reason);
    expect(rt.calls.filter((c) => c.startsWith('start'))).toEqual([]);
  });
});
