import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, freePort, waitUntil } from './cluster.js';

const cluster = new Cluster();
beforeAll(() => cluster.startApiServer(), 60_000);
afterAll(() => cluster.stop());

describe('controller-manager process', () => {
  it('starts every controller without a MaxListenersExceededWarning', async () => {
    const listen = `127.0.0.1:${await freePort()}`;
    const cm = cluster.start('controller-manager', 'controller-manager', ['--listen', listen]);
    await waitUntil(async () => (await fetch(`http://${listen}/readyz`)).ok, 20_000, 'controller-manager ready');
    // Every controller is started (and waits for its caches) before 'controllers started' is logged; the listener
    // count peaks while they wait, so the check runs once each has got past its cache sync.
    const count = (msg: string): number => cm.logs().split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;
    await waitUntil(() => count('controllers started') === 1, 20_000, 'controllers started');
    await waitUntil(() => count('starting workers') === count('waiting for caches to sync'), 20_000, 'every controller past its cache sync');
    expect(count('starting workers')).toBeGreaterThan(5);
    expect(cm.logs()).not.toContain('MaxListenersExceededWarning');
  }, 60_000);
});
