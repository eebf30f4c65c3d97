/**
 * @module ServiceProxy: the service-proxy pod's process. It watches Services and EndpointSlices into a
 * ServiceTable, answers cluster DNS (UDP and TCP), proxies each ClusterIP's TCP and UDP ports, and writes the ClusterIPs it must hold to
 * a file that the pod's NET_ADMIN sidecar turns into addresses on eth0 (docs/services.md).
 */
import { rename, writeFile } from 'node:fs/promises';
import type { EndpointSlice, Service } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import { SharedInformerFactory, sleep, unwrapTombstone, type Clock, type Logger } from '@skiff/controller-kit';
import { DnsServer } from './dns/dns-server.js';
import { BackendPicker } from './proxy/backend-picker.js';
import { TcpProxy } from './proxy/tcp-proxy.js';
import { UdpProxy } from './proxy/udp-proxy.js';
import { ServiceTable } from './service-table.js';

export interface ServiceProxyOptions {
  client: Pick<Clientset, 'services' | 'endpointslices'>;
  clock: Clock;
  logger: Logger;
  /** --cluster-domain. */
  domain: string;
  /**
   * Where the DNS server listens: in the pod, the kube-dns ClusterIP's port 53. Bound to that address, not 0.0.0.0,
   * so replies leave from the address queried (an unconnected UDP socket on 0.0.0.0 answers from eth0's own
   * address, and resolvers drop replies from an address they did not ask).
   */
  dns: { host: string; port: number };
  /** Where other names go (Docker's 127.0.0.11:53 by default). */
  upstream?: { host: string; port: number };
  /** Address the TCP listeners bind; default 0.0.0.0. */
  listenHost?: string;
  /** --udp-timeout: how long a UDP client's flow to its endpoint may be idle. Default 30 s. */
  udpIdleTimeoutMs?: number;
  /** File the ClusterIPs are written to, one a line, for the sidecar that adds them to eth0. */
  addressesFile?: string;
}

/**
 * DEFAULT_UDP_IDLE_TIMEOUT_MS: 30 s, the kernel's conntrack UDP timeout that Service traffic sees under
 * kube-proxy's iptables mode. Its userspace mode defaulted to 250 ms, which loses late replies on a loaded node.
 */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 30_000;

export class ServiceProxy {
  readonly table = new ServiceTable();
  readonly #o: ServiceProxyOptions;
  readonly #proxy: TcpProxy;
  readonly #udp: UdpProxy;
  readonly #dns: DnsServer;
  #dnsPort = 0;
  #syncing: Promise<void> = Promise.resolve();
  #dirty = false;

  constructor(opts: ServiceProxyOptions) {
    this.#o = opts;
    // One picker: a Service's TCP and UDP ports keep their own rotation and affinity under their own port names.
    const picker = new BackendPicker(opts.clock);
    this.#proxy = new TcpProxy({ table: this.table, picker, logger: opts.logger, ...(opts.listenHost ? { host: opts.listenHost } : {}) });
    this.#udp = new UdpProxy({ table: this.table, picker, clock: opts.clock, logger: opts.logger, idleTimeoutMs: opts.udpIdleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS });
    this.#dns = new DnsServer({ table: this.table, domain: opts.domain, logger: opts.logger, ...(opts.upstream ? { upstream: opts.upstream } : {}) });
    // kube-dns's Service selects this pod: its ports on the DNS address are answered here, never relayed.
    if (opts.dns.port !== 0) this.#serveDnsLocally(opts.dns.port);
  }

  /** dnsPort is the bound DNS port (useful when listening on port 0). */
  get dnsPort(): number {
    return this.#dnsPort;
  }

  /** run serves until the signal aborts; it resolves once the informers synced and the first sync is done via `ready`. */
  async run(signal: AbortSignal, ready?: () => void): Promise<void> {
    const factory = new SharedInformerFactory({ clock: this.#o.clock, logger: this.#o.logger });
    const services = factory.forResource<Service>('services', this.#o.client.services);
    const slices = factory.forResource<EndpointSlice>('endpointslices', this.#o.client.endpointslices);
    const changed = (): void => this.#schedule();
    services.addEventHandler({
      onAdd: (s) => (this.table.setService(s), changed()),
      onUpdate: (_o, s) => (this.table.setService(s), changed()),
      onDelete: (obj) => (this.table.deleteService(unwrapTombstone(obj)), changed()),
    });
    slices.addEventHandler({
      onAdd: (s) => (this.table.setSlice(s), changed()),
      onUpdate: (_o, s) => (this.table.setSlice(s), changed()),
      onDelete: (obj) => (this.table.deleteSlice(unwrapTombstone(obj)), changed()),
    });
    // Not awaited before the sync: the DNS address appears on eth0 only after the first sync wrote it for the sidecar.
    let dnsFailed: unknown;
    const dnsBound = this.#listenDNS(signal).catch((err: unknown) => void (dnsFailed = err));
    factory.start(signal);
    try {
      if (!(await factory.waitForCacheSync(signal))) return;
      this.#schedule();
      await this.#syncing;
      await dnsBound;
      if (dnsFailed) throw dnsFailed;
      if (signal.aborted) return;
      ready?.();
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    } finally {
      await factory.stopped();
      await this.#proxy.close();
      await this.#udp.close();
      await this.#dns.close();
    }
  }

  /** listenDNS binds the DNS socket, waiting while its address is not yet on an interface (EADDRNOTAVAIL). */
  async #listenDNS(signal: AbortSignal): Promise<void> {
    for (let logged = false; !signal.aborted; ) {
      try {
        this.#dnsPort = await this.#dns.listen(this.#o.dns.host, this.#o.dns.port);
        if (this.#o.dns.port === 0) {
          this.#serveDnsLocally(this.#dnsPort);
          this.#schedule();
        }
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL') throw err;
        if (!logged) this.#o.logger.info({ dns: this.#o.dns }, 'waiting for the DNS address to be added to the pod');
        logged = true;
        await sleep(this.#o.clock, 250, signal);
      }
    }
  }

  /** serveDnsLocally gives the DNS address's TCP connections to the DNS server and keeps its UDP port unrelayed. */
  #serveDnsLocally(port: number): void {
    this.#proxy.serveLocally(this.#o.dns.host, port, (sock) => this.#dns.serveTcp(sock));
    this.#udp.skip(this.#o.dns.host, port);
  }

  /** schedule runs one sync after the current one, so a burst of events costs one listener and file update. */
  #schedule(): void {
    if (this.#dirty) return;
    this.#dirty = true;
    this.#syncing = this.#syncing.then(async () => {
      this.#dirty = false;
      try {
        await this.#proxy.sync();
        // Addresses first: the UDP sockets bind to ClusterIPs, which exist once the sidecar read the file.
        await this.#writeAddresses();
        await this.#udp.sync();
      } catch (err) {
        this.#o.logger.error({ err }, 'service proxy sync failed');
      }
    });
  }

  async #writeAddresses(): Promise<void> {
    const file = this.#o.addressesFile;
    if (!file) return;
    const text = [...this.table.clusterIPs()].sort().map((ip) => `${ip}\n`).join('');
    // Written aside and renamed, so the sidecar never reads half a list and drops addresses in use.
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }
}
