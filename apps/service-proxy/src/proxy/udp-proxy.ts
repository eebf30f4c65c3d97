/**
 * @module UdpProxy: relays datagrams sent to a ClusterIP's UDP port to a ready endpoint, as kube-proxy's userspace
 * mode did: per client address a flow (UdpFlows) to one endpoint, closed after `idleTimeoutMs` idle (--udp-timeout).
 * Unlike TCP, each frontend socket is bound to its ClusterIP itself: an unconnected UDP socket on 0.0.0.0 would
 * answer from eth0's own address, and clients drop replies from an address they did not send to.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Clock, Logger, TimerHandle } from '@skiff/controller-kit';
import type { Frontend, ServiceTable } from '../service-table.js';
import { affinityOf, pickerKey, type BackendPicker } from './backend-picker.js';
import { UdpFlows } from './udp-flows.js';

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

interface Listener {
  socket: Socket;
  frontend: Frontend;
  flows: UdpFlows;
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
      l.flows.keepOnly(new Set(this.#o.table.backends(f.namespace, f.service, f.portName).map((b) => frontendKey(b.ip, b.port))));
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
    const l: Listener = {
      socket,
      frontend: f,
      flows: new UdpFlows(socket, {
        clock: this.#o.clock,
        idleTimeoutMs: this.#o.idleTimeoutMs,
        pick: (client) => {
          const r = l.frontend;
          const backends = this.#o.table.backends(r.namespace, r.service, r.portName);
          return this.#o.picker.pick(pickerKey(r.namespace, r.service, r.portName), backends, client.address, affinityOf(this.#o.table.service(r.namespace, r.service)));
        },
      }),
    };
    socket.on('error', (err) => this.#o.logger.error({ err, frontend: key }, 'UDP Service socket error'));
    socket.on('message', (msg, rinfo) => l.flows.relay(msg, rinfo));
    this.#listeners.set(key, l);
    return undefined;
  }

  #closeListener(key: string, l: Listener): void {
    l.flows.close();
    this.#listeners.delete(key);
    l.socket.close();
  }
}
