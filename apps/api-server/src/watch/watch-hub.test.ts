import { describe, expect, it } from 'vitest';
import { FakeClock, parseLabelSelector, realClock, RESOURCES, type KubeObject, type Selector } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { MemoryStore } from '../storage/memory-store.js';
import { MAX_TIMER_MS, WatchHub, watchTimeoutMs } from './watch-hub.js';

describe('watchTimeoutMs (kube GetTimeoutForWatch)', () => {
  it('picks a random time in [min, 2*min] when timeoutSeconds is unset or 0', () => {
    expect(watchTimeoutMs(undefined, 1800, () => 0)).toBe(1_800_000);
    expect(watchTimeoutMs(0, 1800, () => 0.5)).toBe(2_700_000);
  });

  it('takes timeoutSeconds as given, ends a negative one at once and clamps one no Node timer holds', () => {
    expect(watchTimeoutMs(300, 1800)).toBe(300_000);
    expect(watchTimeoutMs(-5, 1800)).toBe(0);
    expect(watchTimeoutMs(2 ** 31, 1800)).toBe(MAX_TIMER_MS);
    expect(watchTimeoutMs(1e30, 1800)).toBe(MAX_TIMER_MS);
  });
});

describe('WatchHub selectors', () => {
  it('matches a change once per distinct selector, however many watchers share it', () => {
    const store = new MemoryStore();
    const hub = new WatchHub({ store, clock: realClock });
    let evaluated = 0;
    // Each watcher parses its own selector, as each request does; the hub sees equal text, not the same object.
    const counted = (text: string): Selector => {
      const sel = parseLabelSelector(text);
      return { matches: (labels) => (evaluated++, sel.matches(labels)), empty: sel.empty, requirements: sel.requirements, toString: () => sel.toString() };
    };
    const got: string[][] = [];
    for (let i = 0; i < 50; i++) {
      const lines: string[] = [];
      got.push(lines);
      const text = i < 40 ? 'app=web' : 'tier in (a,b),app=db'; // 40 alike, 10 alike in another order
      hub.start({ info: RESOURCES.pods, resource: 'pods', namespace: 'a', filter: { labelSelector: counted(text) }, allowBookmarks: false, sendInitialEvents: false }, {
        send: (ls) => lines.push(...ls.map((l) => JSON.parse(l.toString()).object.metadata.name as string)),
        buffered: () => 0,
        close: () => undefined,
        abort: () => undefined,
      });
    }
    const pod = (name: string, labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name, labels } });
    store.create({ resource: 'pods', namespace: 'a', name: 'w' }, pod('w', { app: 'web' }));
    store.create({ resource: 'pods', namespace: 'a', name: 'd' }, pod('d', { app: 'db', tier: 'b' }));
    return waitFor(() => got.every((lines) => lines.length === 1)).then(() => {
      expect(got.slice(0, 40).every((lines) => lines[0] === 'w')).toBe(true);
      expect(got.slice(40).every((lines) => lines[0] === 'd')).toBe(true);
      // 2 changes x 2 distinct selectors (before: 2 x 50).
      expect(evaluated).toBe(4);
      hub.close();
    });
  });
});

describe('WatchHub slow watchers', () => {
  /** A sink that holds what it is sent until take() lets its peer read `perTake` bytes of it. */
  const sink = (perTake: number) => {
    let held = 0;
    const s = {
      lines: 0,
      aborted: false,
      send: (ls: readonly Buffer[]) => {
        s.lines += ls.length;
        for (const l of ls) held += l.length;
      },
      buffered: () => held,
      close: () => undefined,
      abort: () => void (s.aborted = true),
      take: () => void (held = Math.max(0, held - perTake)),
    };
    return s;
  };

  it('drops a watcher whose peer took none of its bytes for stallTimeoutMs, not one that reads however slowly', async () => {
    const store = new MemoryStore();
    const clock = new FakeClock(0);
    const hub = new WatchHub({ store, clock, stallTimeoutMs: 2000 });
    const request = { info: RESOURCES.pods, resource: 'pods', namespace: 'a', filter: {}, allowBookmarks: false, sendInitialEvents: false };
    const stalled = sink(0);
    const slow = sink(1); // one byte between events: far behind, but its peer is reading
    hub.start(request, stalled);
    hub.start(request, slow);
    for (let i = 0; i < 8; i++) {
      store.create({ resource: 'pods', namespace: 'a', name: `p${i}` }, { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name: `p${i}` } });
      await waitFor(() => slow.lines === i + 1, { what: `event ${i} at the slow watcher` });
      // Events at 0, 500, ..., 3500 ms: the stalled one holds bytes untaken from 500 ms on, so the one at 2500 drops it.
      expect({ at: clock.now(), aborted: stalled.aborted, watchers: hub.size }).toEqual({ at: i * 500, aborted: i >= 5, watchers: i >= 5 ? 1 : 2 });
      slow.take();
      clock.advance(500);
    }
    expect(stalled.lines).toBe(5);
    expect(slow.aborted).toBe(false);
    hub.close();
  });
});
