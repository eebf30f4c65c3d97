/**
 * @module TcpProxy: forwards TCP connections made to a ClusterIP:port to a ready endpoint, kube-proxy
 * userspace-style. One listener per port on all of the pod's addresses; the address a client connected to
 * (`localAddress`) says which Service it meant, so fifty Services on port 80 cost one socket.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Logger } from '@skiff/controller-kit';
import type { Backend, Frontend, ServiceTable } from '../service-table.js';
import { affinityOf, pickerKey, type BackendPicker } from './backend-picker.js';

export interface TcpProxyOptions {
  table: ServiceTable;
  picker: BackendPicker;
  logger: Logger;
  /** Address the listeners bind; default every address of the pod (0.0.0.0). */
  host?: string;
  /** How long one endpoint may take to accept before the next is tried. Default 2 s. */
  connectTimeoutMs?: number;
}

const frontendKey = (ip: string, port: number): string => `${ip}:${port}`;

export class TcpProxy {
  readonly #o: TcpProxyOptions;
  readonly #listeners = new Map<number, Server>();
  #routes = new Map<string, Frontend>();
  readonly #local = new Map<string, (sock: Socket) => void>();

  constructor(opts: TcpProxyOptions) {
    this.#o = opts;
  }

  /**
   * serveLocally hands connections to `ip:port` to `handler` instead of a Service's endpoints: the cluster DNS's TCP
   * side on kube-dns's address, whose endpoint is this pod. One owner of every TCP port, so a user's Service on
   * port 53 and kube-dns share the wildcard listener instead of fighting over the port. Applied at the next sync.
   */
  serveLocally(ip: string, port: number, handler: (sock: Socket) => void): void {
    this.#local.set(frontendKey(ip, port), handler);
  }

  /** sync opens a listener for every port some TCP frontend uses and closes those no frontend needs any more. */
  async sync(): Promise<void> {
    const frontends = this.#o.table.frontends().filter((f) => f.protocol === 'TCP');
    this.#routes = new Map(frontends.map((f) => [frontendKey(f.ip, f.port), f]));
    const ports = new Set([...frontends.map((f) => f.port), ...[...this.#local.keys()].map((k) => Number(k.slice(k.lastIndexOf(':') + 1)))]);
    for (const [port, server] of this.#listeners) {
      if (ports.has(port)) continue;
      this.#listeners.delete(port);
      server.close();
    }
    for (const port of ports) if (!this.#listeners.has(port)) await this.#listen(port);
  }

  async close(): Promise<void> {
    const servers = [...this.#listeners.values()];
    this.#listeners.clear();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  async #listen(port: number): Promise<void> {
    // Half-open as kube-proxy's userspace proxier: a client that shuts down its sending side (`nc` after stdin
    // ends, HTTP/1.0 clients) still gets the answer; the FIN is passed on and the other direction keeps flowing.
    const server = createServer({ allowHalfOpen: true }, (sock) => this.#accept(sock));
    await new Promise<void>((resolve) => {
      server.once('error', (err) => {
        this.#o.logger.error({ err, port }, 'cannot listen for Service port');
        resolve();
      });
      server.listen({ port, host: this.#o.host ?? '0.0.0.0' }, () => {
        this.#listeners.set(port, server);
        resolve();
      });
    });
  }

  #accept(client: Socket): void {
    client.on('error', () => client.destroy());
    const local = (client.localAddress ?? '').replace(/^::ffff:/, '');
    const handler = this.#local.get(frontendKey(local, client.localPort ?? 0));
    if (handler) return handler(client);
    const f = this.#routes.get(frontendKey(local, client.localPort ?? 0));
    if (!f) return void client.destroy();
    const affinity = affinityOf(this.#o.table.service(f.namespace, f.service));
    const key = pickerKey(f.namespace, f.service, f.portName);
    const clientIP = (client.remoteAddress ?? '').replace(/^::ffff:/, '');
    client.pause();
    // An endpoint that refuses is skipped for this connection, as kube-proxy's userspace proxier retried.
    const tried = new Set<string>();
    const attempt = (): void => {
      const backends = this.#o.table.backends(f.namespace, f.service, f.portName).filter((b) => !tried.has(`${b.ip}:${b.port}`));
      const b = this.#o.picker.pick(key, backends, clientIP, affinity);
      if (!b) return void client.destroy();
      tried.add(`${b.ip}:${b.port}`);
      this.#dial(b, client, attempt);
    };
    attempt();
  }

  #dial(b: Backend, client: Socket, next: () => void): void {
    const upstream = connect({ host: b.ip, port: b.port, allowHalfOpen: true });
    upstream.setTimeout(this.#o.connectTimeoutMs ?? 2000, () => upstream.destroy(new Error('connect timeout')));
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      // Ties set only once connected: a refused dial must leave the client open for the next endpoint.
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.end());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (connected) client.destroy();
      else next();
    });
  }
}
