import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { Pod } from '@skiff/api';
import { silentLogger } from '@skiff/controller-kit';
import { createLogServer, notStartedMessage } from './log-server.js';
import type { NodeRunner } from './node-runner.js';
import type { RuntimeContainer } from './runtime/container-runtime.js';
import { waitFor } from '@skiff/testing';

let http: Server | undefined;
afterEach(async () => {
  http?.closeAllConnections();
  await new Promise((r) => (http ? http.close(r) : r(undefined)));
});

const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
const instance: RuntimeContainer = { id: 'c1', kind: 'container', pod: { uid: 'u1', name: 'p', namespace: 'default' }, containerName: 'c', restartCount: 0, state: 'running', image: 'busybox', imageId: 'sha' };

/** serve runs the log server over a runtime whose logs() resolves only when `open` is called. */
async function serve(): Promise<{ url: string; requested: Promise<void>; open: (s: PassThrough) => void }> {
  let requestedResolve!: () => void;
  const requested = new Promise<void>((r) => (requestedResolve = r));
  let openResolve!: (s: PassThrough) => void;
  const opened = new Promise<PassThrough>((r) => (openResolve = r));
  const runner = {
    pleg: { containersOf: () => [instance] },
    runtime: {
      logs: () => {
        requestedResolve();
        return opened;
      },
    },
  } as unknown as NodeRunner;
  http = createServer(createLogServer({ findPod: () => ({ runner, pod }), readyz: () => [], metrics: new Registry(), logger: silentLogger }));
  await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, requested, open: openResolve };
}

describe('log server', () => {
  it('closes a followed runtime stream when the client left while it was being opened', async () => {
    const { url, requested, open } = await serve();
    const req = get(`${url}/containerLogs/default/p/c?follow=true`);
    req.on('error', () => undefined);
    await requested;
    req.destroy();
    // Let the server see the client go before the runtime answers.
    await waitFor(async () => (await new Promise<number>((r) => http!.getConnections((_e, n) => r(n)))) === 0);
    const stream = new PassThrough();
    open(stream);
    await waitFor(async () => stream.destroyed);
  });
});

describe('notStartedMessage', () => {
  const waiting = (reason: string): Pod => ({ ...pod, status: { containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } } }] } });
  it.each([
    ['ImagePullBackOff', 'trying and failing to pull image'],
    ['ErrImagePull', "image can't be pulled"],
    ['CreateContainerConfigError', 'CreateContainerConfigError'],
  ])('names the waiting reason %s as kubelet does', (reason, words) => {
    expect(notStartedMessage(waiting(reason), 'c')).toBe(`container "c" in pod "p" is waiting to start: ${words}`);
  });
  it('says ContainerCreating with no status yet, and terminated for a finished container whose instance is gone', () => {
    expect(notStartedMessage(pod, 'c')).toBe('container "c" in pod "p" is waiting to start: ContainerCreating');
    const done: Pod = { ...pod, status: { containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } } }] } };
    expect(notStartedMessage(done, 'c')).toBe('container "c" in pod "p" is terminated');
  });
});

describe('log server for a container that never started', () => {
  it('answers 400 with the waiting reason the agent reported (the api-server passes it on as a Status)', async () => {
    const pulling: Pod = { ...pod, status: { containerStatuses: [{ name: 'c', image: 'nosuch', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] } };
    const runner = { pleg: { containersOf: () => [] } } as unknown as NodeRunner;
    http = createServer(createLogServer({ findPod: () => ({ runner, pod: pulling }), readyz: () => [], metrics: new Registry(), logger: silentLogger }));
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
    const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/containerLogs/default/p/c`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('container "c" in pod "p" is waiting to start: trying and failing to pull image');
  });
});

describe('log server routes', () => {
  async function listen(opts: Partial<Parameters<typeof createLogServer>[0]> = {}): Promise<string> {
    const metrics = new Registry();
    metrics.setDefaultLabels({ node: 'n1' });
    http = createServer(createLogServer({ findPod: () => undefined, readyz: () => [{ name: 'informer-sync', ok: false, message: 'starting' }], metrics, logger: silentLogger, ...opts }));
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }

  it('answers health, readiness with its reasons, metrics, the summary, and 404 for other paths and methods', async () => {
    const url = await listen({ summary: (node) => (node === 'n1' ? ({ node: { nodeName: 'n1' } } as never) : undefined) });
    const healthz = await fetch(`${url}/healthz`);
    expect([healthz.status, healthz.headers.get('content-type'), await healthz.text()]).toEqual([200, 'text/plain; charset=utf-8', 'ok']);
    const readyz = await fetch(`${url}/readyz`);
    expect([readyz.status, await readyz.text()]).toEqual([503, '[-]informer-sync failed: starting\nreadyz check failed\n']);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const summary = await fetch(`${url}/stats/summary?node=n1`);
    expect([summary.status, summary.headers.get('content-type'), await summary.json()]).toEqual([200, 'application/json; charset=utf-8', { node: { nodeName: 'n1' } }]);
    expect((await fetch(`${url}/stats/summary?node=n2`)).status).toBe(404);
    expect((await fetch(`${url}/nosuch`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(404);
  });

  it('decodes the path segments of a log request and reads the first of a repeated parameter', async () => {
    let asked: string[] = [];
    const url = await listen({ findPod: (ns, name) => void (asked = [ns, name]) });
    const res = await fetch(`${url}/containerLogs/kube-system/web%2D1/c?follow=true&follow=false`);
    expect([res.status, await res.text()]).toEqual([404, 'pod kube-system/web-1 is not on this node']);
    expect(asked).toEqual(['kube-system', 'web-1']);
    expect((await fetch(`${url}/containerLogs/ns/%E0%A4%A/c`)).status).toBe(400);
  });
});
