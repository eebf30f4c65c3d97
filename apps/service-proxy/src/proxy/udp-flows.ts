/**
 * @module UdpFlows: the per-client flows behind one UDP socket, kube-proxy userspace-style: each client address
 * (ip:port) gets an upstream socket of its own, sending to the one endpoint picked for it, so the endpoint's replies
 * can be told apart and sent back from the socket the client wrote to. A flow idle (no datagram either way) for
 * `idleTimeoutMs` is closed; the client's next datagram picks again.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Clock, TimerHandle } from '@skiff/controller-kit';
import type { Backend } from '../service-table.js';

export interface UdpFlowsOptions {
  clock: Clock;
  idleTimeoutMs: number;
  /** pick chooses the endpoint of a new client's flow, or undefined to drop its datagram (no endpoint ready). */
  pick: (client: RemoteInfo) => Backend | undefined;
}

interface Flow {
  upstream: Socket;
  backend: Backend;
  lastActiveMs: number;
  timer: TimerHandle;
}

const addr = (ip: string, port: number): string => `${ip}:${port}`;

export class UdpFlows {
  readonly #front: Socket;
  readonly #o: UdpFlowsOptions;
  readonly #flows = new Map<string, Flow>();

  /** The flows answer through `front`, the socket clients send to; the caller routes its messages to relay(). */
  constructor(front: Socket, opts: UdpFlowsOptions) {
    this.#front = front;
    this.#o = opts;
  }

  get size(): number {
    return this.#flows.size;
  }

  relay(msg: Buffer, client: RemoteInfo): void {
    const id = addr(client.address, client.port);
    let flow = this.#flows.get(id);
    if (!flow) {
      const backend = this.#o.pick(client);
      if (!backend) return; // dropped, as a datagram to a port nobody serves
      flow = this.#open(id, client, backend);
    }
    flow.lastActiveMs = this.#o.clock.now();
    flow.upstream.send(msg, flow.backend.port, flow.backend.ip);
  }

  /** keepOnly closes the flows whose endpoint is not in `ready` (ip:port), so their clients pick a ready one next. */
  keepOnly(ready: ReadonlySet<string>): void {
    for (const [id, flow] of this.#flows) if (!ready.has(addr(flow.backend.ip, flow.backend.port))) this.#close(id);
  }

  close(): void {
    for (const id of [...this.#flows.keys()]) this.#close(id);
  }

  #open(id: string, client: RemoteInfo, backend: Backend): Flow {
    const upstream = createSocket('udp4');
    const flow: Flow = { upstream, backend, lastActiveMs: this.#o.clock.now(), timer: undefined as unknown as TimerHandle };
    upstream.on('message', (reply, from) => {
      // Only the endpoint's answers: the flow's socket is an open port of the pod otherwise.
      if (from.address !== backend.ip || from.port !== backend.port) return;
      flow.lastActiveMs = this.#o.clock.now();
      this.#front.send(reply, client.port, client.address);
    });
    upstream.on('error', () => this.#close(id));
    const expire = (): void => {
      const idle = this.#o.clock.now() - flow.lastActiveMs;
      if (idle >= this.#o.idleTimeoutMs) this.#close(id);
      else flow.timer = this.#o.clock.setTimeout(expire, this.#o.idleTimeoutMs - idle);
    };
    flow.timer = this.#o.clock.setTimeout(expire, this.#o.idleTimeoutMs);
    this.#flows.set(id, flow);
    return flow;
  }

  #close(id: string): void {
    const flow = this.#flows.get(id);
    if (!flow) return;
    this.#flows.delete(id);
    this.#o.clock.clearTimeout(flow.timer);
    flow.upstream.close();
  }
}
