import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { realClock, silentLogger } from '@skiff/controller-kit';
import { freePort } from '@skiff/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { service, slice } from '../__tests__/fixtures.js';
import { ServiceTable } from '../service-table.js';
import { BackendPicker } from './backend-picker.js';
import { TcpProxy } from './tcp-proxy.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** backend serves its name over HTTP on 127.0.0.1 and returns its port. */
async function backend(name: string): Promise<number> {
  const s: Server = createServer((_req, res) => res.end(name));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => s.close(r)));
  return (s.address() as AddressInfo).port;
}


async function get(ip: string, port: number): Promise<string> {
  const res = await fetch(`http://${ip}:${port}/`, { headers: { connection: 'close' } });
  return res.text();
}

/** start runs a proxy on the loopback network, where 127.0.0.2 and 127.0.0.3 stand in for two ClusterIPs. */
async function start(table: ServiceTable): Promise<TcpProxy> {
  const proxy = new TcpProxy({ table, picker: new BackendPicker(realClock), logger: silentLogger, host: '0.0.0.0' });
  closers.push(() => proxy.close());
  await proxy.sync();
  return proxy;
}

describe('TcpProxy', () => {
  it("spreads a ClusterIP's connections over its ready endpoints and tells two Services on one port apart by address", async () => {
    const [a, b, c] = [await backend('a'), await backend('b'), await backend('other')];
    const port = await freePort();
    const table = new ServiceTable();
    table.setService(service('web', { clusterIP: '127.0.0.2', ports: [{ name: 'http', port, protocol: 'TCP' }] }));
    table.setService(service('api', { clusterIP: '127.0.0.3', ports: [{ name: 'http', port, protocol: 'TCP' }] }));
    // Two endpoint ports stand for two pods (one IP here); each slice says which port its endpoints serve on.
    const s1 = slice('web', ['127.0.0.1'], [], a);
    const s2 = { ...slice('web', ['127.0.0.1'], [], b), metadata: { ...s1.metadata, name: 'web-fghij' } };
    table.setSlice(s1);
    table.setSlice(s2);
    table.setSlice(slice('api', ['127.0.0.1'], [], c));
    await start(table);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await get('127.0.0.2', port));
    expect([...seen].sort()).toEqual(['a', 'b']);
    expect(await get('127.0.0.3', port)).toBe('other');
  });

  it('skips an endpoint that refuses, and closes the connection when no endpoint is ready', async () => {
    const a = await backend('a');
    const dead = await freePort();
    const port = await freePort();
    const table = new ServiceTable();
    table.setService(service('web', { clusterIP: '127.0.0.2', ports: [{ name: 'http', port, protocol: 'TCP' }] }));
    table.setSlice(slice('web', ['127.0.0.1'], [], dead));
    table.setSlice({ ...slice('web', ['127.0.0.1'], [], a), metadata: { name: 'web-2', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } } });
    await start(table);
    for (let i = 0; i < 3; i++) expect(await get('127.0.0.2', port)).toBe('a');
    table.setSlice({ ...slice('web', [], ['127.0.0.1'], a), metadata: { name: 'web-2', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } } });
    table.setSlice(slice('web', [], [], dead));
    await expect(get('127.0.0.2', port)).rejects.toThrow();
  });

  it('passes a half-close on and still returns the answer (nc after stdin ends)', async () => {
    // A backend that answers only once the client has finished sending, as an HTTP/1.0 server reading to EOF would.
    const srv = createTcpServer({ allowHalfOpen: true }, (sock) => {
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('end', () => sock.end(`echo:${got}`));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => srv.close(r)));
    const port = await freePort();
    const table = new ServiceTable();
    table.setService(service('echo', { clusterIP: '127.0.0.2', ports: [{ name: 'http', port, protocol: 'TCP' }] }));
    table.setSlice(slice('echo', ['127.0.0.1'], [], (srv.address() as AddressInfo).port));
    await start(table);
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect({ host: '127.0.0.2', port, allowHalfOpen: true });
      let text = '';
      sock.on('data', (d) => (text += d.toString()));
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
      sock.end('ping');
    });
    expect(answer).toBe('echo:ping');
  });

  it('stops listening on a port no Service uses any more', async () => {
    const port = await freePort();
    const table = new ServiceTable();
    const web = service('web', { clusterIP: '127.0.0.2', ports: [{ name: 'http', port, protocol: 'TCP' }] });
    table.setService(web);
    const proxy = await start(table);
    await expect(get('127.0.0.2', port)).rejects.toThrow();
    table.deleteService(web);
    await proxy.sync();
    // The port is free again: binding it works.
    const s = createTcpServer();
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '0.0.0.0', resolve);
    });
    await new Promise((r) => s.close(r));
  });
});
