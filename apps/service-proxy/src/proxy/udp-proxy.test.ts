import { createSocket, type Socket } from 'node:dgram';
import { FakeClock, realClock, silentLogger, type Clock } from '@skiff/controller-kit';
import { freePort, waitFor } from '@skiff/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { service, slice } from '../__tests__/fixtures.js';
import { ServiceTable } from '../service-table.js';
import { BackendPicker } from './backend-picker.js';
import { UdpProxy } from './udp-proxy.js';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** udpBackend answers every datagram with `name:<datagram>` from 127.0.0.1 and returns its port. */
async function udpBackend(name: string): Promise<number> {
  const s = createSocket('udp4');
  s.on('message', (msg, r) => s.send(`${name}:${msg}`, r.port, r.address));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  closers.push(() => s.close());
  return s.address().port;
}

/** client is a UDP socket of its own (one flow per client address) that collects replies with their source. */
async function client(): Promise<{ ask: (ip: string, port: number, text: string) => Promise<{ text: string; from: string }>; sock: Socket }> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  closers.push(() => sock.close());
  const ask = (ip: string, port: number, text: string) =>
    waitFor(
      () =>
        new Promise<{ text: string; from: string } | undefined>((resolve) => {
          // Retried until answered: a datagram sent before the proxy's socket is bound is lost, as on a network.
          const t = setTimeout(() => (sock.off('message', on), resolve(undefined)), 500);
          const on = (msg: Buffer, r: { address: string; port: number }): void => {
            clearTimeout(t);
            resolve({ text: msg.toString(), from: `${r.address}:${r.port}` });
          };
          sock.once('message', on);
          sock.send(text, port, ip);
        }),
      { timeoutMs: 10_000, what: `an answer from ${ip}:${port}` },
    );
  return { ask, sock };
}

async function start(table: ServiceTable, clock: Clock, idleTimeoutMs = 30_000): Promise<UdpProxy> {
  const proxy = new UdpProxy({ table, picker: new BackendPicker(clock), clock, logger: silentLogger, idleTimeoutMs });
  closers.push(() => proxy.close());
  await proxy.sync();
  return proxy;
}

/** udpService is a Service with one UDP port `port` (named udp) at `clusterIP`, and its slice of endpoint ports. */
function setUdpService(table: ServiceTable, name: string, clusterIP: string, port: number, endpointPorts: number[], extra: object = {}): void {
  table.setService(service(name, { clusterIP, ports: [{ name: 'udp', port, protocol: 'UDP' }], ...extra }));
  endpointPorts.forEach((p, i) => {
    const s = slice(name, ['127.0.0.1'], [], p);
    table.setSlice({ ...s, metadata: { ...s.metadata, name: `${name}-${i}` }, ports: [{ name: 'udp', port: p, protocol: 'UDP' }] });
  });
}

describe('UdpProxy over real UDP sockets', () => {
  it("keeps each client address on one endpoint, spreads new clients round-robin, answers from the ClusterIP and tells two Services on one port apart", async () => {
    const [a, b, other] = [await udpBackend('a'), await udpBackend('b'), await udpBackend('other')];
    const port = await freePort();
    const table = new ServiceTable();
    // 127.0.0.2 and 127.0.0.3 stand in for two ClusterIPs (the whole loopback /8 is local).
    setUdpService(table, 'dns-like', '127.0.0.2', port, [a, b]);
    setUdpService(table, 'other', '127.0.0.3', port, [other]);
    const proxy = await start(table, realClock);
    const [c1, c2] = [await client(), await client()];
    const first = await c1.ask('127.0.0.2', port, 'x');
    expect(first.from).toBe(`127.0.0.2:${port}`);
    const backend1 = first.text.split(':')[0];
    // The same client address stays on its flow's endpoint.
    for (let i = 0; i < 3; i++) expect((await c1.ask('127.0.0.2', port, `m${i}`)).text).toBe(`${backend1}:m${i}`);
    // A second client address is a new flow: round-robin gives it the other endpoint.
    expect((await c2.ask('127.0.0.2', port, 'y')).text).toBe(`${backend1 === 'a' ? 'b' : 'a'}:y`);
    expect(await c1.ask('127.0.0.3', port, 'z')).toEqual({ text: 'other:z', from: `127.0.0.3:${port}` });
    expect(proxy.flows).toBe(3);
  });

  it('closes a flow idle for the timeout and one whose endpoint left the rotation; the next datagram picks again', async () => {
    const [a, b] = [await udpBackend('a'), await udpBackend('b')];
    const port = await freePort();
    const table = new ServiceTable();
    setUdpService(table, 'svc', '127.0.0.2', port, [a, b]);
    const clock = new FakeClock();
    const proxy = await start(table, clock, 250);
    const c = await client();
    const first = (await c.ask('127.0.0.2', port, 'x')).text.split(':')[0];
    clock.advance(200);
    expect((await c.ask('127.0.0.2', port, 'y')).text).toBe(`${first}:y`);
    // 200 ms after the last datagram the flow is still there; 250 ms after it, gone.
    clock.advance(200);
    expect(proxy.flows).toBe(1);
    clock.advance(50);
    expect(proxy.flows).toBe(0);
    const second = (await c.ask('127.0.0.2', port, 'z')).text.split(':')[0];
    expect(second).not.toBe(first); // a new flow, the next endpoint in the rotation

    // The endpoint of the open flow turns unready: the flow is closed at the next sync, the client moves.
    const gone = second === 'a' ? a : b;
    const keep = second === 'a' ? 'b' : 'a';
    const s = slice('svc', [], ['127.0.0.1'], gone);
    table.setSlice({ ...s, metadata: { ...s.metadata, name: `svc-${second === 'a' ? 0 : 1}` }, ports: [{ name: 'udp', port: gone, protocol: 'UDP' }] });
    await proxy.sync();
    expect(proxy.flows).toBe(0);
    expect((await c.ask('127.0.0.2', port, 'w')).text).toBe(`${keep}:w`);
  });

  it('with sessionAffinity ClientIP sends every client port of one address to the same endpoint', async () => {
    const [a, b] = [await udpBackend('a'), await udpBackend('b')];
    const port = await freePort();
    const table = new ServiceTable();
    setUdpService(table, 'sticky', '127.0.0.2', port, [a, b], { sessionAffinity: 'ClientIP' });
    await start(table, realClock);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await (await client()).ask('127.0.0.2', port, 'x')).text);
    expect(seen.size).toBe(1);
  });

  it('binds a ClusterIP that is not on an interface yet once it appears, and closes the socket of a removed Service', async () => {
    const port = await freePort();
    const table = new ServiceTable();
    // 192.0.2.1 (TEST-NET-1) is on no interface: the bind fails with EADDRNOTAVAIL and is retried, not fatal.
    setUdpService(table, 'later', '192.0.2.1', port, [await udpBackend('a')]);
    const clock = new FakeClock();
    const proxy = await start(table, clock);
    expect(clock.pendingTimers()).toBe(1);
    // The Service moves to an address that exists; the retry binds it.
    setUdpService(table, 'later', '127.0.0.2', port, []);
    clock.advance(500);
    const c = await client();
    expect((await c.ask('127.0.0.2', port, 'x')).text).toBe('a:x');
    table.deleteService(service('later', {}));
    await proxy.sync();
    expect(proxy.flows).toBe(0);
    // Nothing listens on the port any more: the address is free to bind again.
    const probe = createSocket('udp4');
    await new Promise<void>((resolve, reject) => (probe.once('error', reject), probe.bind(port, '127.0.0.2', resolve)));
    probe.close();
  });
});
