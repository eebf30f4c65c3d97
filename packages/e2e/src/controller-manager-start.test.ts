import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, freePort } from './cluster.js';
import { waitFor } from '@skiff/testing';

const cluster = new Cluster();
beforeAll(() => cluster.startApiServer(), 60_000);
afterAll(() => cluster.stop());

describe('controller-manager process', () => {
  it('starts every controller without a MaxListenersExceededWarning', async () => {
    const listen = `127.0.0.1:${await freePort()}`;
    const cm = cluster.start('controller-manager', 'controller-manager', ['--listen', listen]);
    await waitFor(async () => (await fetch(`http://${listen}/readyz`)).ok, { what: 'controller-manager ready', timeoutMs: 20_000 });
    // Every controller is started (and waits for its caches) before 'controllers started' is logged; the listener
    // count peaks while they wait, so the check runs once each has got past its cache sync.
    const count = (msg: string): number => cm.logs().split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;
    await waitFor(() => count('controllers started') === 1, { what: 'controllers started', timeoutMs: 20_000 });
    await waitFor(() => count('starting workers') === count('waiting for caches to sync'), { what: 'every controller past its cache sync', timeoutMs: 20_000 });
    expect(count('starting workers')).toBeGreaterThan(5);
    expect(cm.logs()).not.toContain('MaxListenersExceededWarning');
  }, 60_000);
});
