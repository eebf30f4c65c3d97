import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Pod } from '@skiff/api';
import { silentLogger } from '@skiff/controller-kit';
import type { NodeRunner } from '../node-runner.js';
import type { ContainerRuntime, RuntimeContainer, StreamOptions } from '../runtime/container-runtime.js';
import { createStreamServer } from './stream-server.js';

const POD: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'main' }, { name: 'done' }] } };

function instance(name: string, state: RuntimeContainer['state']): RuntimeContainer {
  return { id: `id-${name}`, kind: 'container', pod: { uid: 'u1', namespace: 'default', name: 'p' }, containerName: name, restartCount: 0, state, image: 'busybox', imageId: '' };
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

/** start serves the stream endpoints for one pod whose runtime is `runtime`, and records the execs it is asked for. */
async function start(runtime: Partial<ContainerRuntime>): Promise<string> {
  const runner = { pleg: { containersOf: () => [instance('main', 'running'), instance('done', 'exited')] }, runtime } as unknown as NodeRunner;
  const streams = createStreamServer({ findPod: (ns, name) => (ns === 'default' && name === 'p' ? { runner, pod: POD } : undefined), logger: silentLogger, metrics: new Registry() });
  server = createServer();
  server.on('upgrade', (req, socket, head) => streams.handleUpgrade(req, socket, head) || socket.destroy());
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** refusal connects and resolves with the HTTP code and text of a refused upgrade. */
function refusal(url: string, protocols = ['v5.channel.k8s.io']): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.on('open', () => reject(new Error(`${url} was upgraded`)));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve([res.statusCode ?? 0, body]));
    });
    ws.on('error', reject);
  });
}

describe('createStreamServer', () => {
  it('refuses what it cannot serve with the code and words the api-server passes on', async () => {
    const asked: string[][] = [];
    const url = await start({
      execStream: async (_id: string, command: string[], _o: StreamOptions) => {
        asked.push(command);
        throw Object.assign(new Error('Container abc is not running'), { status: 409 });
      },
    });
    expect(await refusal(`${url}/exec/default/other/main?command=true&stdout=true`)).toEqual([404, 'pod default/other is not on this node']);
    expect(await refusal(`${url}/exec/default/p/done?command=true&stdout=true`)).toEqual([400, 'container done is not running in pod p']);
    expect(await refusal(`${url}/exec/default/p/main?stdout=true`)).toEqual([400, 'you must specify at least one command for the container']);
    expect(await refusal(`${url}/exec/default/p/main?command=true`)).toEqual([400, 'you must specify at least 1 of stdin, stdout, stderr']);
    expect(await refusal(`${url}/exec/default/p/main?command=true&stdout=true`, ['channel.k8s.io'])).toEqual([400, 'unsupported streaming protocol: the node agent serves WebSocket v5.channel.k8s.io, v4.channel.k8s.io']);
    // The engine's "not running" (a race with the container's exit) is the client's 400 too.
    expect(await refusal(`${url}/exec/default/p/main?command=true&stdout=true`)).toEqual([400, 'failed to exec in container main: Container abc is not running']);
    expect(asked).toEqual([['true']]);
  });

  it('a runtime without streams (simulated nodes) says so', async () => {
    const url = await start({});
    expect(await refusal(`${url}/attach/default/p/main?stdout=true`)).toEqual([400, "this node's container runtime does not support attach"]);
  });

  it('serves an exec session with the container id and options it was asked for', async () => {
    const calls: [string, string[], StreamOptions][] = [];
    const url = await start({
      execStream: async (id: string, command: string[], opts: StreamOptions) => {
        calls.push([id, command, opts]);
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        stdout.end('hi');
        stderr.end();
        return { stdout, stderr, tty: false, resize: async () => undefined, exitCode: async () => 0, close: async () => undefined };
      },
    });
    const ws = new WebSocket(`${url}/exec/default/p/main?command=echo&command=hi&stdout=true&stderr=true&tty=false`, ['v4.channel.k8s.io']);
    const frames: string[] = [];
    ws.on('message', (d: Buffer) => frames.push(`${d[0]}:${d.subarray(1).toString()}`));
    await new Promise((r) => ws.once('close', r));
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    expect(calls).toEqual([['id-main', ['echo', 'hi'], { stdin: false, stdout: true, stderr: true, tty: false }]]);
    expect(frames).toEqual(['1:', '1:hi', '3:{"metadata":{},"status":"Success"}']);
  });
});
