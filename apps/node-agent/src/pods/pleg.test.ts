import { describe, expect, it } from 'vitest';
import { FakeClock, silentLogger } from '@skiff/controller-kit';
import { Pleg, type PlegEvent } from './pleg.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';

const ref = (name: string) => ({ uid: `uid-${name}`, namespace: 'default', name });

function setup() {
  const clock = new FakeClock();
  const rt = new FakeRuntime({ clock, images: ['busybox:1.36'] });
  const seen: Array<[string, PlegEvent[]]> = [];
  const pleg = new Pleg({ runtime: rt, clock, logger: silentLogger, onPodEvents: (uid, evs) => void seen.push([uid, evs]) });
  return { clock, rt, pleg, seen };
}

const types = (evs: PlegEvent[]): string[] => evs.map((e) => e.type);

describe('Pleg', () => {
  it('turns relist differences into ContainerStarted, ContainerDied and ContainerRemoved events per pod', async () => {
    const { rt, pleg, seen } = setup();
    const sb = await rt.createSandbox({ pod: ref('a'), hostname: 'a', ports: [], volumes: [] });
    const id = await rt.startContainer(sb.id, { pod: ref('a'), kind: 'container', name: 'c', restartCount: 0, image: 'busybox:1.36', env: [], mounts: [] });
    await pleg.relist();
    expect(seen).toEqual([['uid-a', [{ uid: 'uid-a', containerId: sb.id, type: 'ContainerStarted' }, { uid: 'uid-a', containerId: id, type: 'ContainerStarted' }]]]);
    expect(pleg.containersOf('uid-a').map((c) => c.id)).toEqual([sb.id, id]);
    expect(pleg.uids()).toEqual(['uid-a']);

    seen.length = 0;
    await pleg.relist();
    expect(seen).toEqual([]); // nothing changed, nothing emitted

    rt.exit('a', 'c', 1);
    await pleg.relist();
    expect(seen).toEqual([['uid-a', [{ uid: 'uid-a', containerId: id, type: 'ContainerDied' }]]]);
    expect(pleg.containersOf('uid-a').find((c) => c.id === id)?.exitCode).toBe(1);

    seen.length = 0;
    await rt.removeContainer(id);
    await rt.removeContainer(sb.id);
    await pleg.relist();
    expect(seen.map(([uid, evs]) => [uid, types(evs)])).toEqual([['uid-a', ['ContainerRemoved', 'ContainerRemoved']]]);
    expect(pleg.containersOf('uid-a')).toEqual([]);
    expect(pleg.uids()).toEqual([]);
  });

  it('is unhealthy until a relist succeeds and while the runtime is down, keeping the last good cache', async () => {
    const { clock, rt, pleg, seen } = setup();
    expect(pleg.healthy).toBe(false);
    expect(pleg.lastSuccessAt).toBe(0);
    await rt.createSandbox({ pod: ref('a'), hostname: 'a', ports: [], volumes: [] });
    await pleg.relist();
    expect(pleg.healthy).toBe(true);
    expect(pleg.lastSuccessAt).toBe(clock.now());
    const okAt = clock.now();

    clock.advance(5_000);
    rt.down = new Error('engine unreachable');
    await pleg.relist();
    expect(pleg.healthy).toBe(false);
    expect((pleg.lastError as Error).message).toBe('engine unreachable');
    expect(pleg.lastSuccessAt).toBe(okAt);
    expect(pleg.containersOf('uid-a')).toHaveLength(1);
    expect(seen).toHaveLength(1); // a failed relist emits no ContainerRemoved

    rt.down = undefined;
    await pleg.relist();
    expect(pleg.healthy).toBe(true);
    expect(pleg.lastError).toBeUndefined();
  });

  it('coalesces relists asked for while one is in flight into one more list', async () => {
    const { rt, pleg } = setup();
    let lists = 0;
    const list = rt.list.bind(rt);
    rt.list = () => (lists++, list());
    const first = pleg.relist();
    const second = pleg.relist();
    const third = pleg.relist();
    expect(second).toBe(third);
    await Promise.all([first, second, third]);
    expect(lists).toBe(2);
  });

  it('relists every period on the clock until aborted', async () => {
    const { clock, rt, pleg } = setup();
    let lists = 0;
    const list = rt.list.bind(rt);
    rt.list = () => (lists++, list());
    const ac = new AbortController();
    const done = pleg.run(ac.signal);
    await clock.advanceAsync(0);
    expect(lists).toBe(1);
    await clock.advanceAsync(999);
    expect(lists).toBe(1);
    await clock.advanceAsync(1);
    expect(lists).toBe(2);
    await clock.advanceAsync(3_000);
    expect(lists).toBe(5);
    ac.abort();
    await done.catch(() => undefined);
    expect(clock.pendingTimers()).toBe(0);
  });

  describe('on a runtime that reports container events', () => {
    /** A FakeRuntime with an event stream the test opens, feeds and breaks. */
    function evented() {
      const base = setup();
      let lists = 0;
      const list = base.rt.list.bind(base.rt);
      base.rt.list = () => (lists++, list());
      const stream: { handlers?: { onOpen(): void; onEvent(): void }; end?: (err?: Error) => void; opens: number } = { opens: 0 };
      (base.rt as ContainerRuntime).containerEvents = (signal, handlers) =>
        new Promise<void>((resolve, reject) => {
          stream.opens++;
          stream.handlers = handlers;
          stream.end = (err) => (err ? reject(err) : resolve());
          signal.addEventListener('abort', () => resolve(), { once: true });
          handlers.onOpen();
        });
      const pleg = new Pleg({ runtime: base.rt, clock: base.clock, logger: silentLogger, onPodEvents: (uid, evs) => void base.seen.push([uid, evs]) });
      return { ...base, pleg, stream, lists: () => lists };
    }

    it('relists on an event and every 5 minutes, not every second, while the stream is open', async () => {
      const { clock, rt, pleg, stream, lists, seen } = evented();
      const ac = new AbortController();
      const done = pleg.run(ac.signal);
      await clock.advanceAsync(0);
      expect(pleg.eventsOpen).toBe(true);
      // The open is an event: a relist, then the generic period for five more (the runtime's OOM rechecks).
      await clock.advanceAsync(5_000);
      const settled = lists();
      expect(settled).toBeLessThanOrEqual(7);
      await clock.advanceAsync(60_000);
      expect(lists()).toBe(settled); // idle: no relist

      // A container the agent did not touch exits: its event brings a relist within a tenth of a period.
      const sb = await rt.createSandbox({ pod: ref('a'), hostname: 'a', ports: [], volumes: [] });
      stream.handlers!.onEvent();
      await clock.advanceAsync(100);
      expect(lists()).toBe(settled + 1);
      expect(seen.map(([uid, evs]) => [uid, types(evs)])).toEqual([['uid-a', ['ContainerStarted']]]);
      expect(pleg.containersOf('uid-a').map((c) => c.id)).toEqual([sb.id]);

      // Quiet again until the evented period (300 s after the last relist) is up.
      await clock.advanceAsync(10_000);
      const afterBurst = lists();
      await clock.advanceAsync(280_000);
      expect(lists()).toBe(afterBurst);
      await clock.advanceAsync(15_000);
      expect(lists()).toBe(afterBurst + 1);
      ac.abort();
      await done;
      expect(clock.pendingTimers()).toBe(0);
    });

    it('relists every period while the stream is broken, and opens it again', async () => {
      const { clock, pleg, stream, lists } = evented();
      const ac = new AbortController();
      const done = pleg.run(ac.signal);
      await clock.advanceAsync(10_000);
      const before = lists();
      stream.end!(new Error('engine restarting'));
      await clock.advanceAsync(0);
      expect(pleg.eventsOpen).toBe(false);
      // Reopened a period later; the open relists and the generic period holds for a while after it.
      await clock.advanceAsync(1_000);
      expect(stream.opens).toBe(2);
      expect(pleg.eventsOpen).toBe(true);
      expect(lists()).toBeGreaterThan(before);
      ac.abort();
      await done;
      expect(clock.pendingTimers()).toBe(0);
    });
  });
});
