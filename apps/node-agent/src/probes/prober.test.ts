import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '@skiff/api';
import { FakeClock, silentLogger } from '@skiff/controller-kit';
import { createProber } from './prober.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';

const REF = { uid: 'u1', namespace: 'default', name: 'p' };

async function setup(container: Container) {
  const clock = new FakeClock();
  const rt = new FakeRuntime({ clock, images: ['busybox:1.36'] });
  const changes: string[] = [];
  const events: string[] = [];
  const prober = createProber({
    runtime: rt,
    clock,
    logger: silentLogger,
    onChange: (uid) => void changes.push(uid),
    events: { record: (ref, type, reason, message) => void events.push(`${ref.fieldPath} ${type} ${reason} ${message}`) },
  });
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [container] } };
  const sb = await rt.createSandbox({ pod: REF, hostname: 'p', ports: [], volumes: [] });
  const start = (restartCount: number) => rt.startContainer(sb.id, { pod: REF, kind: 'container', name: container.name, restartCount, image: 'busybox:1.36', env: [], mounts: [] });
  await start(0);
  const update = async () => prober.update(pod, await rt.list());
  return { clock, rt, prober, pod, changes, events, start, update };
}

const exec = (command: string[], extra: object = {}) => ({ exec: { command }, periodSeconds: 10, ...extra });

describe('prober', () => {
  it('marks a container ready after successThreshold successes and not ready after failureThreshold failures', async () => {
    const { clock, rt, prober, changes, events, update } = await setup({ name: 'c', image: 'busybox:1.36', readinessProbe: exec(['check'], { initialDelaySeconds: 5, failureThreshold: 2 }) });
    await update();
    expect(prober.ready('u1').get('c')).toBeUndefined();
    await clock.advanceAsync(4_999);
    expect(changes).toEqual([]);
    await clock.advanceAsync(1);
    expect(prober.ready('u1').get('c')).toBe(true);
    expect(changes).toEqual(['u1']);

    rt.execResults.set('c:check', { exitCode: 1, output: 'not yet' });
    await clock.advanceAsync(10_000);
    expect(prober.ready('u1').get('c')).toBe(true); // one failure is below the threshold of 2
    expect(events).toEqual(['spec.containers{c} Warning Unhealthy Readiness probe failed: not yet']);
    await clock.advanceAsync(10_000);
    expect(prober.ready('u1').get('c')).toBe(false);
    expect(changes).toEqual(['u1', 'u1']);
  });

  it('marks a container unhealthy after failureThreshold liveness failures and stops probing it', async () => {
    const { clock, rt, prober, changes, update } = await setup({ name: 'c', image: 'busybox:1.36', livenessProbe: exec(['alive'], { failureThreshold: 3 }) });
    rt.execResults.set('c:alive', { exitCode: 1, output: '' });
    await update();
    await clock.advanceAsync(20_000); // attempts at 0, 10 s, 20 s
    expect(prober.unhealthy('u1').has('c')).toBe(true);
    expect(changes).toEqual(['u1']);
    expect(clock.pendingTimers()).toBe(0);
    prober.clearUnhealthy('u1', 'c');
    expect(prober.unhealthy('u1').has('c')).toBe(false);
  });

  it('holds liveness and readiness until the startup probe succeeded', async () => {
    const { clock, rt, prober, update } = await setup({
      name: 'c',
      image: 'busybox:1.36',
      startupProbe: exec(['started']),
      readinessProbe: exec(['ready']),
    });
    rt.execResults.set('c:started', { exitCode: 1, output: '' });
    await update();
    await clock.advanceAsync(10_000);
    expect(prober.started('u1').get('c')).toBeUndefined();
    expect(prober.ready('u1').get('c')).toBeUndefined();
    rt.execResults.delete('c:started');
    await clock.advanceAsync(10_000);
    expect(prober.started('u1').get('c')).toBe(true);
    await clock.advanceAsync(10_000);
    expect(prober.ready('u1').get('c')).toBe(true);
  });

  it('starts over for a new container instance and stops every timer when the pod is removed', async () => {
    const { clock, rt, prober, start, update } = await setup({ name: 'c', image: 'busybox:1.36', readinessProbe: exec(['ready']) });
    await update();
    await clock.advanceAsync(0);
    expect(prober.ready('u1').get('c')).toBe(true);
    rt.exit('p', 'c', 1);
    await start(1);
    await update();
    expect(prober.ready('u1').get('c')).toBeUndefined();
    expect(clock.pendingTimers()).toBe(1);
    prober.remove('u1');
    expect(clock.pendingTimers()).toBe(0);
    expect(prober.ready('u1').size).toBe(0);
  });

  it('reports a probe of a container that is not running any more as a failure, not a crash', async () => {
    const { clock, rt, events, update } = await setup({ name: 'c', image: 'busybox:1.36', livenessProbe: exec(['alive'], { initialDelaySeconds: 1 }) });
    await update();
    rt.exit('p', 'c', 0);
    await clock.advanceAsync(1_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/Liveness probe failed: container \S+ is not running/);
  });
});
