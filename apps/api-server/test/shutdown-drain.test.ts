/**
 * A stopping api-server (SIGTERM) closes its idle keep-alive connections at once, as kube-apiserver's Shutdown
 * does, and lets a request in flight finish: it does not hold idle ones open until its fallback timer.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { spawnServer, type ServerProcess } from './harness.js';

/** A raw connection to the insecure port that records what it received and whether the server closed it. */
async function open(url: string): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let text = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  return { socket, received: () => text, closed: () => closed };
}

describe('api-server shutdown', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.kill('SIGKILL');
    server = undefined;
  });

  it('closes idle keep-alive connections at once and lets a request in flight finish', async () => {
    server = await spawnServer([]);
    const host = `Host: ${new URL(server.url).host}\r\n`;

    // Connected but never sent a request (undici leaves one like this after an aborted fetch).
    const fresh = await open(server.url);
    // Kept alive after a finished request.
    const kept = await open(server.url);
    kept.socket.write(`GET /readyz HTTP/1.1\r\n${host}\r\n`);
    await waitFor(() => kept.received().endsWith('ok'), { what: 'the /readyz answer' });
    // A watch, which the server ends at shutdown; its connection is idle only after that last chunk.
    const watch = await open(server.url);
    watch.socket.write(`GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\n${host}\r\n`);
    await waitFor(() => watch.received().includes('\r\n\r\n'), { what: 'the watch response headers' });
    // A create whose body is half sent: in flight until the rest comes.
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'default' }, data: { a: 'b' } });
    const post = await open(server.url);
    post.socket.write(`POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);

    const exited = new Promise<number | null>((r) => server!.child.once('exit', (code) => r(code)));
    server.child.kill('SIGTERM');
    await waitFor(() => fresh.closed() && kept.closed() && watch.closed(), { what: 'the idle connections to close', timeoutMs: 20_000 });
    // Closed while the server still waits for the create: not by the fallback that ends every connection.
    expect(post.closed()).toBe(false);
    expect(server.child.exitCode).toBeNull();
    expect(watch.received()).toMatch(/0\r\n\r\n$/);

    post.socket.write(body.slice(10));
    await waitFor(() => post.closed(), { what: 'the create connection to close after its answer', timeoutMs: 20_000 });
    expect(post.received()).toMatch(/^HTTP\/1\.1 \d{3} /);
    expect(await exited).toBe(0);
  }, 60_000);
});
