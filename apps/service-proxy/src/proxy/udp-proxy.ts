/**
 * @module UdpProxy: relays datagrams sent to a ClusterIP's UDP port to a ready endpoint, as kube-proxy's userspace
 * mode did: each client address (ip:port) gets a flow, an upstream socket of its own bound to one endpoint, so the
 * endpoint's replies find their way back; a flow idle for `idleTimeoutMs` is closed (kube-proxy's --udp-timeout).
 * Unlike TCP, each frontend socket is bound to its ClusterIP itself: an unconnected UDP socket on 0.0.0.0 would
 * answer from eth0's own address, and clients drop replies from an address they did not send to.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Clock, Logger, TimerHandle } from '@skiff/controller-kit';
import type { Backend, Frontend, ServiceTable } from '../service-table.js';
import { affinityOf, pickerKey, type BackendPicker } from './backend-picker.js';

export interface UdpProxyOptions {
  table: ServiceTable;
  picker: BackendPicker;
  clock: Clock;
  logger: Logger;
  /** --udp-timeout: how long a flow may be idle (no datagram either way) before it is closed. */
  idleTimeoutMs: number;
  /** How soon a frontend whose ClusterIP is not yet on an interface is bound again. Default 500 ms. */
  rebindMs?: number;
}

interface Flow {
  upstream: Socket;
  backend: Backend;
  lastActiveMs: number;
  timer: TimerHandle;
}

interface Listener {
  socket: Socket;
  frontend: Frontend;
  flows: Map<string, Flow>;
}

const frontendKey = (ip: string, port: number): string => `${ip}:${port}`;

export class UdpProxy {
  readonly #o: UdpProxyOptions;
  readonly #listeners = new Map<string, Listener>();
  /** Frontends this proxy does not relay: served by this process itself (the cluster DNS on kube-dns's address). */
  readonly #skip = new Set<string>();
  #rebind: TimerHandle | undefined;
  #closed = false;
  /** Syncs run one at a time: the rebind timer's and the caller's would both bind a missing frontend otherwise. */
  #chain: Promise<void> = Promise.resolve();

  constructor(opts: UdpProxyOptions) {
    this.#o = opts;
  }

  /** skip leaves `ip:port` to whoever else binds it (applied at the next sync). */
  skip(ip: string, port: number): void {
    this.#skip.add(frontendKey(ip, port));
  }

  /** flows counts the open client flows (for tests and logs). */
  get flows(): number {
    let n = 0;
    for (const l of this.#listeners.values()) n += l.flows.size;
    return n;
  }

  /**
   * sync binds a socket on every UDP frontend's ClusterIP:port and closes those of frontends that are gone. A
   * ClusterIP the sidecar has not added yet (EADDRNOTAVAIL) is bound again shortly. A flow whose endpoint left the
   * rotation is closed, so the client's next datagram picks a ready one instead of feeding a gone pod.
   */
  sync(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#sync());
    return this.#chain;
  }

  async #sync(): Promise<void> {
    if (this.#closed) return;
    const want = new Map(
      this.#o.table
        .frontends()
        .filter((f) => f.protocol === 'UDP' && !this.#skip.has(frontendKey(f.ip, f.port)))
        .map((f) => [frontendKey(f.ip, f.port), f]),
    );
    for (const [key, l] of this.#listeners) {
      const f = want.get(key);
      if (!f) {
        this.#closeListener(key, l);
        continue;
      }
      l.frontend = f; // renamed port or Service: same socket, new route
      const ready = new Set(this.#o.table.backends(f.namespace, f.service, f.portName).map((b) => frontendKey(b.ip, b.port)));
      for (const [id, flow] of l.flows) if (!ready.has(frontendKey(flow.backend.ip, flow.backend.port))) this.#closeFlow(l, id);
    }
    let missing = false;
    for (const [key, f] of want) {
      if (this.#listeners.has(key)) continue;
      const err = await this.#bind(key, f);
      if (err === 'EADDRNOTAVAIL') missing = true;
      else if (err) this.#o.logger.error({ code: err, frontend: key }, 'cannot bind UDP Service port');
    }
    if (missing && !this.#rebind && !this.#closed) {
      this.#rebind = this.#o.clock.setTimeout(() => {
        this.#rebind = undefined;
        void this.sync();
      }, this.#o.rebindMs ?? 500);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#rebind) this.#o.clock.clearTimeout(this.#rebind);
    for (const [key, l] of this.#listeners) this.#closeListener(key, l);
  }

  async #bind(key: string, f: Frontend): Promise<string | undefined> {
    const socket = createSocket('udp4');
    const failed = await new Promise<string | undefined>((resolve) => {
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      socket.bind(f.port, f.ip, () => resolve(undefined));
    });
    if (failed) {
      socket.close();
      return failed;
    }
    const l: Listener = { socket, frontend: f, flows: new Map() };
    socket.on('error', (err) => this.#o.logger.error({ err, frontend: key }, 'UDP Service socket error'));
    socket.on('message', (msg, rinfo) => this.#relay(l, msg, rinfo));
    this.#listeners.set(key, l);
    return undefined;
  }

  #relay(l: Listener, msg: Buffer, client: RemoteInfo): void {
    const id = frontendKey(client.address, client.port);
    let flow = l.flows.get(id);
    if (!flow) {
      const f = l.frontend;
      const backend = this.#o.picker.pick(pickerKey(f.namespace, f.service, f.portName), this.#o.table.backends(f.namespace, f.service, f.portName), client.address, affinityOf(this.#o.table.service(f.namespace, f.service)));
      if (!backend) return; // no ready endpoint: dropped, as a datagram to a port nobody serves
      flow = this.#openFlow(l, id, client, backend);
    }
    flow.lastActiveMs = this.#o.clock.now();
    flow.upstream.send(msg, flow.backend.port, flow.backend.ip);
  }

  #openFlow(l: Listener, id: string, client: RemoteInfo, backend: Backend): Flow {
    const upstream = createSocket('udp4');
    const flow: Flow = { upstream, backend, lastActiveMs: this.#o.clock.now(), timer: undefined as unknown as TimerHandle };
    upstream.on('message', (reply, from) => {
      // Only the endpoint's answers: the flow's socket is an open port on the pod otherwise.
      if (from.address !== backend.ip || from.port !== backend.port) return;
      flow.lastActiveMs = this.#o.clock.now();
      l.socket.send(reply, client.port, client.address);
    });
    upstream.on('error', () => this.#closeFlow(l, id));
    const expire = (): void => {
      const idle = this.#o.clock.now() - flow.lastActiveMs;
      if (idle >= this.#o.idleTimeoutMs) this.#closeFlow(l, id);
      else flow.timer = this.#o.clock.setTimeout(expire, this.#o.idleTimeoutMs - idle);
    };
    flow.timer = this.#o.clock.setTimeout(expire, this.#o.idleTimeoutMs);
    l.flows.set(id, flow);
    return flow;
  }

  #closeFlow(l: Listener, id: string): void {
    const flow = l.flows.get(id);
    if (!flow) return;
    l.flows.delete(id);
    this.#o.clock.clearTimeout(flow.timer);
    flow.upstream.close();
  }

  #closeListener(key: string, l: Listener): void {
    for (const id of [...l.flows.keys()]) this.#closeFlow(l, id);
    this.#listeners.delete(key);
    l.socket.close();
  }
}
