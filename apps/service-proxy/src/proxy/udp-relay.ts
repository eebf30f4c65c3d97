/**
 * @module UdpRelay: the UDP side of a NodePort relay pod. Busybox nc, which relays the TCP node ports, has no UDP
 * in the image Skiff uses, so each UDP node port is a socket here whose client flows (UdpFlows) all go to the
 * Service's ClusterIP:port, where the service proxy picks the endpoint.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Clock } from '@skiff/controller-kit';
import type { Backend } from '../service-table.js';
import { UdpFlows } from './udp-flows.js';

/** UdpRelayRoute sends what arrives on `listenPort` to `to`. */
export interface UdpRelayRoute {
  listenPort: number;
  to: Backend;
}

/** parseUdpRelays reads --udp-relay: `NODEPORT=IP:PORT,...`; it throws naming the entry that is wrong. */
export function parseUdpRelays(text: string): UdpRelayRoute[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^(\d{1,5})=(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(entry);
      const [listenPort, port] = [Number(m?.[1]), Number(m?.[3])];
      if (!m || listenPort < 1 || listenPort > 65535 || port < 1 || port > 65535) throw new Error(`--udp-relay: "${entry}" is not NODEPORT=IP:PORT`);
      return { listenPort, to: { ip: m[2]!, port } };
    });
}

export interface UdpRelayOptions {
  clock: Clock;
  idleTimeoutMs: number;
  /** Address the sockets bind; default 0.0.0.0 (the relay pod has one address, so replies leave from it). */
  host?: string;
}

export class UdpRelay {
  readonly #o: UdpRelayOptions;
  readonly #open: Array<{ socket: Socket; flows: UdpFlows }> = [];

  constructor(opts: UdpRelayOptions) {
    this.#o = opts;
  }

  /** listen binds every route's port (0 picks one) and returns the bound ports in order. */
  async listen(routes: readonly UdpRelayRoute[]): Promise<number[]> {
    const ports: number[] = [];
    for (const r of routes) {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(r.listenPort, this.#o.host ?? '0.0.0.0', () => (socket.off('error', reject), resolve()));
      });
      const flows = new UdpFlows(socket, { clock: this.#o.clock, idleTimeoutMs: this.#o.idleTimeoutMs, pick: () => r.to });
      socket.on('message', (msg, client) => flows.relay(msg, client));
      this.#open.push({ socket, flows });
      ports.push(socket.address().port);
    }
    return ports;
  }

  close(): void {
    for (const { socket, flows } of this.#open.splice(0)) {
      flows.close();
      socket.close();
    }
  }
}
