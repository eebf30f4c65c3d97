import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, isGone, type KubeList, type Pod, type WatchEvent } from '@skiff/api';
import { startFakeApiServer, type FakeApiServer, type FakeApiServerOptions } from './__tests__/fake-api-server.js';
import { createClient, type Clientset } from './create-client.js';
import type { WatchTransport } from './watch-connection.js';
import type { WatchHandle, WatchHandlers } from './watch.js';
import { waitFor } from '@skiff/testing';

const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [] } });

/** Recorder collects what a watch delivers. */
class Recorder implements WatchHandlers<Pod> {
  events: WatchEvent<Pod>[] = [];
  relists: KubeList<Pod>[] = [];
  errors: unknown[] = [];
  connects = 0;
  onEvent = (ev: WatchEvent<Pod>): void => void this.events.push(ev);
  onRelist = (list: KubeList<Pod>): void => void this.relists.push(list);
  onError = (err: unknown): void => void this.errors.push(err);
  onConnect = (): void => void this.connects++;
  /** names lists "TYPE name@rv" for the non-bookmark events, the shape most assertions want. */
  names(): string[] {
    return this.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`);
  }
}

describe.each<WatchTransport>(['websocket', 'http'])('watch over %s', (transport) => {
  let server: FakeApiServer;
  let client: Clientset;
  let handle: WatchHandle | undefined;

  const setup = async (options: FakeApiServerOptions = {}): Promise<void> => {
    server = await startFakeApiServer(options);
    client = createClient({ server: server.url });
  };
  afterEach(async () => {
    handle?.stop();
    handle = undefined;
    await client.close();
    await server.close();
  });

  it('starts with ADDED for current objects, then streams changes in order', async () => {
    await setup();
    server.put(pod('a'));
    server.put(pod('b'));
    const rec = new Recorder();
    handle = client.pods.watch({ namespace: 'default', transport, labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1' }, rec);
    await waitFor(() => rec.events.length === 2, { what: 'initial ADDED events' });
    server.put(pod('a'));
    server.remove('b');
    await waitFor(() => rec.events.length === 4, { what: 'live events' });
    expect(rec.names()).toEqual(['ADDED a@101', 'ADDED b@102', 'MODIFIED a@103', 'DELETED b@104']);
    expect(rec.connects).toBe(1);
    expect(handle.resourceVersion).toBe('104');
    const [first] = server.watchRequests();
    expect(first?.upgrade).toBe(transport === 'websocket');
    expect(first?.path).toBe('/api/v1/namespaces/default/pods');
    expect(first?.query).toEqual({ watch: 'true', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1' });
    expect(first?.headers['user-agent']).toBe('skiff-client/0.1');
  });

  it('resumes from the last resourceVersion after the server drops it, losing nothing', async () => {
    await setup();
    const rec = new Recorder();
    handle = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100' }, rec);
    await waitFor(() => server.watcherCount() === 1, { what: 'watch registered' });
    server.put(pod('a'));
    server.put(pod('b'));
    await waitFor(() => rec.events.length === 2, { what: 'first events' });
    server.dropWatches();
    server.put(pod('c')); // written while the client is disconnected
    server.put(pod('a'));
    await waitFor(() => rec.events.length === 4, { what: 'events after reconnect' });
    expect(rec.names()).toEqual(['ADDED a@101', 'ADDED b@102', 'ADDED c@103', 'MODIFIED a@104']);
    expect(server.watchRequests().map((r) => r.query['resourceVersion'])).toEqual(['100', '102']);
    expect(rec.connects).toBe(2);
  });

  it('reconnects without complaint when the server ends the stream cleanly', async () => {
    await setup();
    const rec = new Recorder();
    handle = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100', timeoutSeconds: 30 }, rec);
    await waitFor(() => server.watcherCount() === 1, { what: 'watch registered' });
    server.put(pod('a'));
    await waitFor(() => rec.events.length === 1, { what: 'first event' });
    server.endWatches();
    await waitFor(() => rec.connects === 2 && server.watcherCount() === 1, { what: 'reconnect' });
    server.put(pod('b'));
    await waitFor(() => rec.events.length === 2, { what: 'second event' });
    expect(rec.errors).toEqual([]);
    expect(server.watchRequests().map((r) => [r.query['resourceVersion'], r.query['timeoutSeconds']])).toEqual([
      ['100', '30'],
      ['101', '30'],
    ]);
  });

  it('keeps watching when a handler throws, reporting the error', async () => {
    await setup();
    const errors: unknown[] = [];
    const seen: string[] = [];
    handle = client.pods.watch(
      { namespace: 'default', transport, resourceVersion: '100' },
      {
        onEvent: (ev) => {
          seen.push(ev.object.metadata.name ?? '');
          if (seen.length === 1) throw new Error('handler bug');
        },
        onError: (e) => void errors.push(e),
      },
    );
    await waitFor(() => server.watcherCount() === 1, { what: 'watch registered' });
    server.put(pod('a'));
    server.put(pod('b'));
    await waitFor(() => seen.length === 2, { what: 'both events' });
    expect(seen).toEqual(['a', 'b']);
    expect((errors[0] as Error).message).toBe('handler bug');
  });

  it('skips events replayed across a reconnect', async () => {
    await setup({ replayOverlap: 2 });
    const rec = new Recorder();
    handle = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100' }, rec);
    await waitFor(() => server.watcherCount() === 1, { what: 'watch registered' });
    server.put(pod('a'));
    server.put(pod('b'));
    await waitFor(() => rec.events.length === 2, { what: 'first events' });
    server.dropWatches();
    await waitFor(() => rec.connects === 2 && server.watcherCount() === 1, { what: 'reconnect' });
    server.put(pod('c'));
    await waitFor(() => rec.events.length === 3, { what: 'new event' });
    expect(rec.names()).toEqual(['ADDED a@101', 'ADDED b@102', 'ADDED c@103']);
  });

  it('tracks bookmarks and resumes from them', async () => {
    await setup();
    const rec = new Recorder();
    handle = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100', allowWatchBookmarks: true }, rec);
    await waitFor(() => server.watcherCount() === 1, { what: 'watch registered' });
    server.put(pod('a'));
    server.bookmark();
    await waitFor(() => rec.events.length === 2, { what: 'bookmark' });
    expect(rec.events[1]).toEqual({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '101' } } });
    server.dropWatches();
    await waitFor(() => rec.connects === 2 && server.watcherCount() === 1, { what: 'reconnect' });
    // Writes to other resources move the revision on without this watch seeing any object: only a bookmark tells.
    server.bookmark(150);
    await waitFor(() => handle?.resourceVersion === '150' && rec.events.length === 3, { what: 'second bookmark' });
    server.dropWatches();
    await waitFor(() => server.watchRequests().length === 3, { what: 'third connection' });
    expect(server.watchRequests().map((r) => r.query['resourceVersion'])).toEqual(['100', '101', '150']);
    expect(server.watchRequests()[0]?.query['allowWatchBookmarks']).toBe('true');
  });

  for (const expired of ['http', 'event'] as const) {
    it(`relists on 410 (${expired === 'http' ? 'HTTP 410' : 'ERROR event'}) and resumes from the list's revision`, async () => {
      await setup({ expired });
      server.put(pod('a'));
      server.put(pod('b'));
      server.compact(); // revision 102 is now the oldest kept
      const rec = new Recorder();
      handle = client.pods.watch({ namespace: 'default', transport, resourceVersion: '101', labelSelector: 'app=web' }, rec);
      await waitFor(() => rec.relists.length === 1 && server.watcherCount() === 1, { what: 'relist and resumed watch' });
      expect(rec.relists[0]?.items.map((p) => p.metadata.name)).toEqual(['a', 'b']);
      expect(rec.errors).toEqual([]);
      server.put(pod('c'));
      await waitFor(() => rec.events.length === 1, { what: 'event after relist' });
      expect(rec.names()).toEqual(['ADDED c@103']);
      const list = server.requests.find((r) => !r.query['watch'] && r.path === '/api/v1/namespaces/default/pods');
      expect(list?.query).toEqual({ labelSelector: 'app=web' });
      expect(server.watchRequests().map((r) => r.query['resourceVersion'])).toEqual(['101', '102']);
    });
  }

  it('surfaces 410 as an isGone error and stops when it cannot relist', async () => {
    await setup();
    server.put(pod('a'));
    server.compact();
    const errors: unknown[] = [];
    handle = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100' }, { onEvent: () => {}, onError: (e) => void errors.push(e) });
    await handle.done;
    expect(errors).toHaveLength(1);
    expect(isGone(errors[0])).toBe(true);
    expect(server.watchRequests()).toHaveLength(1);
  });

  it('passes other ERROR events to onError and keeps watching', async () => {
    await setup();
    const rec = new Recorder();
    handle = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100' }, rec);
    await waitFor(() => server.watcherCount() === 1, { what: 'watch registered' });
    server.sendToWatchers({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'InternalError', message: 'boom', code: 500 } });
    server.put(pod('a'));
    await waitFor(() => rec.events.length === 1, { what: 'event after error' });
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]).toBeInstanceOf(ApiError);
    expect((rec.errors[0] as ApiError).message).toBe('boom');
  });

  it('stop() ends the watch cleanly with no further reconnects or callbacks', async () => {
    await setup();
    const rec = new Recorder();
    const w = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100' }, rec);
    await waitFor(() => server.watcherCount() === 1, { what: 'watch registered' });
    w.stop();
    await w.done;
    await waitFor(() => server.watcherCount() === 0, { what: 'server saw the close' });
    // `done` resolved, so the watch loop has ended: it cannot connect again. A second watch that sees the next
    // change is the barrier for "the first would have seen it by now", without sleeping.
    const probe = new Recorder();
    handle = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100' }, probe);
    server.put(pod('a'));
    await waitFor(() => probe.events.length === 1, { what: 'the probe watch to see the change' });
    expect(server.watchRequests()).toHaveLength(2);
    expect(rec.events).toEqual([]);
    expect(rec.errors).toEqual([]);
  });

  it('stops while waiting to reconnect, and on an aborted signal', async () => {
    await setup();
    const rec = new Recorder();
    const ac = new AbortController();
    const w = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100', signal: ac.signal }, rec);
    await waitFor(() => server.watcherCount() === 1, { what: 'watch registered' });
    server.dropWatches();
    ac.abort();
    // Once `done` resolves the loop has ended, so the count below is final.
    await w.done;
    expect(server.watchRequests()).toHaveLength(1);
  });

  it('retries with backoff while the server refuses, and reports each failure', async () => {
    await setup();
    let refusals = 3;
    server.respond((req) => (req.query['watch'] === 'true' && refusals-- > 0 ? { status: 503, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'ServiceUnavailable', message: 'not ready', code: 503 } } : undefined));
    const rec = new Recorder();
    handle = client.pods.watch({ namespace: 'default', transport, resourceVersion: '100' }, rec);
    await waitFor(() => rec.connects === 1, { what: 'eventual connection' });
    expect(rec.errors.map((e) => (e as ApiError).code)).toEqual([503, 503, 503]);
  });
});

describe('Clientset.close', () => {
  it('stops running watches', async () => {
    const server = await startFakeApiServer();
    const client = createClient({ server: server.url });
    const w = client.pods.watch({ namespace: 'default' }, { onEvent: () => {} });
    await waitFor(() => server.watcherCount() === 1, { what: 'watch registered' });
    await client.close();
    await w.done;
    await server.close();
  });
});

describe('watch logging', () => {
  it('logs a refused connection (an api-server restarting) once per attempt at info, in one line without a stack', async () => {
    const server = await startFakeApiServer();
    const url = server.url;
    await server.close(); // nothing listens there now: every attempt is refused
    const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
    const record = (level: string) => (obj: object, msg: string): void => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
    const client = createClient({ server: url, logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') } });
    const rec = new Recorder();
    const handle = client.pods.watch({ namespace: 'default', resourceVersion: '5' }, rec);
    try {
      await waitFor(() => lines.some((l) => l.msg === 'watch connection failed'), { what: 'a failed connection to be logged' });
      const failed = lines.filter((l) => l.msg === 'watch connection failed');
      for (const l of failed) {
        expect(l.level).toBe('info');
        expect(l.obj.err).toBeUndefined();
        expect(l.obj.error).toMatch(/ECONNREFUSED/);
        expect(JSON.stringify(l.obj)).not.toMatch(/\n\s+at /);
      }
      expect(rec.errors.length).toBeGreaterThan(0);
    } finally {
      handle.stop();
      await client.close();
    }
  });
});
