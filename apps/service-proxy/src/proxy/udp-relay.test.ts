import { createSocket } from 'node:dgram';
import { realClock } from '@skiff/controller-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { parseUdpRelays, UdpRelay } from './udp-relay.js';

const closers: Array<() => unknown> = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

describe('UdpRelay', () => {
  it('reads NODEPORT=IP:PORT lists and names a bad entry', () => {
    expect(parseUdpRelays('30053=10.244.130.7:53, 30514=10.244.130.8:514')).toEqual([
      { listenPort: 30053, to: { ip: '10.244.130.7', port: 53 } },
      { listenPort: 30514, to: { ip: '10.244.130.8', port: 514 } },
    ]);
    expect(parseUdpRelays('')).toEqual([]);
    expect(() => parseUdpRelays('30053=10.244.130.7')).toThrow('--udp-relay: "30053=10.244.130.7" is not NODEPORT=IP:PORT');
  });

  it('relays each client flow to the target over real UDP and sends the answers back from the node port', async () => {
    const target = createSocket('udp4');
    target.on('message', (msg, r) => target.send(`re:${msg}`, r.port, r.address));
    await new Promise<void>((r) => target.bind(0, '127.0.0.1', r));
    closers.push(() => target.close());
    const relay = new UdpRelay({ clock: realClock, idleTimeoutMs: 30_000, host: '127.0.0.1' });
    closers.push(() => relay.close());
    const [port] = await relay.listen([{ listenPort: 0, to: { ip: '127.0.0.1', port: target.address().port } }]);
    const answers: string[] = [];
    for (const text of ['a', 'b']) {
      const c = createSocket('udp4');
      closers.push(() => c.close());
      const got = await new Promise<{ text: string; from: number }>((resolve) => {
        c.once('message', (m, r) => resolve({ text: m.toString(), from: r.port }));
        c.send(text, port!, '127.0.0.1');
      });
      expect(got.from).toBe(port);
      answers.push(got.text);
    }
    expect(answers).toEqual(['re:a', 're:b']);
  });
});
