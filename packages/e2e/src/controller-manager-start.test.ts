import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_LIST } from '@skiff/api';
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

  it('opens one watch on Leases, shared by the garbage collector and the node lifecycle controller', async () => {
    // An api-server of its own: the watches on it are this controller-manager's alone (leader election would GET
    // and PUT its Lease, not watch it).
    const own = new Cluster();
    await own.startApiServer();
    try {
      const listen = `127.0.0.1:${await freePort()}`;
      own.start('controller-manager', 'controller-manager', ['--listen', listen, '--leader-elect=false']);
      await waitFor(async () => (await fetch(`http://${listen}/readyz`)).ok, { what: 'controller-manager ready', timeoutMs: 20_000 });
      await expectOneLeaseWatch(own.server);
    } finally {
      await own.stop();
    }
  }, 60_000);
});

/** expectOneLeaseWatch waits until every kind is watched on `server`, then finds one watch on Leases. */
async function expectOneLeaseWatch(server: string): Promise<void> {
  const watchers = async (): Promise<Map<string, number>> => {
    const text = await (await fetch(`${server}/metrics`)).text();
    return new Map([...text.matchAll(/^apiserver_registered_watchers\{([^}]*)\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  };
  // Informers watch once their first list is in: wait until every kind's informer is watching.
  const all = await waitFor(async () => {
    const w = await watchers();
    return [...w.values()].filter((n) => n > 0).length >= RESOURCE_LIST.length ? w : undefined;
  }, { what: 'the controller-manager watching every kind', timeoutMs: 30_000 });
  expect([...all].filter(([labels]) => labels.includes('kind="Lease"')).map(([, n]) => n)).toEqual([1]);
}
