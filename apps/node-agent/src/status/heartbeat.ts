/**
 * @module LeaseHeartbeat: renews each node's Lease in kube-node-lease (kubelet's nodelease controller), for one node
 * or a thousand simulated ones on one timer.
 */
import { formatMicroTime, isConflict, isNotFound, type Lease } from '@skiff/api';
import { sleep, type Clock, type Logger } from '@skiff/controller-kit';

/** LeaseClient is the slice of the client the heartbeat needs. */
export interface LeaseClient {
  get(name: string, opts: { namespace: string }): Promise<Lease>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

/** LEASE_NAMESPACE is where node Leases live. */
export const LEASE_NAMESPACE = 'kube-node-lease';

/** HeartbeatNode is one node whose Lease is renewed; `uid` (the Node's) sets the Lease's ownerReference. */
export interface HeartbeatNode {
  name: string;
  uid?: string;
}

/**
 * LeaseHeartbeat renews every node's Lease each `durationSeconds / 4` (10 s for the default 40 s), a bounded
 * number at a time, keeping the last Lease it wrote so a renewal is one PUT with its resourceVersion.
 */
export class LeaseHeartbeat {
  readonly #nodes: HeartbeatNode[];
  readonly #client: LeaseClient;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #durationSeconds: number;
  readonly #concurrency: number;
  readonly #leases = new Map<string, Lease>();
  renewals = 0;

  constructor(opts: { nodes: HeartbeatNode[]; client: LeaseClient; clock: Clock; logger: Logger; durationSeconds?: number; concurrency?: number }) {
    this.#nodes = opts.nodes;
    this.#client = opts.client;
    this.#clock = opts.clock;
    this.#log = opts.logger;
    this.#durationSeconds = opts.durationSeconds ?? 40;
    this.#concurrency = opts.concurrency ?? 32;
  }

  /** renewAll renews every node's Lease once. */
  async renewAll(): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.#nodes.length) {
        const node = this.#nodes[next++]!;
        try {
          await this.renew(node);
        } catch (err) {
          this.#log.warn({ err, node: node.name }, 'lease renewal failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, this.#nodes.length) }, worker));
  }

  /** renew renews one node's Lease, creating it when missing and re-reading it after a conflict. */
  async renew(node: HeartbeatNode): Promise<void> {
    const now = formatMicroTime(this.#clock.now());
    let lease = this.#leases.get(node.name);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!lease) {
        try {
          lease = await this.#client.get(node.name, { namespace: LEASE_NAMESPACE });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          const created = await this.#client.create(this.#fresh(node, now));
          this.#leases.set(node.name, created);
          this.renewals++;
          return;
        }
      }
      const next: Lease = structuredClone(lease);
      next.spec = { ...next.spec, holderIdentity: node.name, leaseDurationSeconds: this.#durationSeconds, renewTime: now };
      try {
        this.#leases.set(node.name, await this.#client.update(next));
        this.renewals++;
        return;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
        this.#leases.delete(node.name);
        lease = undefined;
      }
    }
  }

  /**
   * run renews every Lease once at once (so new nodes turn Ready soon), then each period spreads the renewals
   * over it: node i of N renews `i * period / N` after the round starts, as N independent kubelets would. One
   * burst of N PUTs a period (200 simulated nodes: 200 writes every 10 s) stalls every other writer of the
   * api-server meanwhile. A round that overran starts the next at once.
   */
  async run(signal: AbortSignal): Promise<void> {
    const period = (this.#durationSeconds * 1000) / 4;
    const n = this.#nodes.length;
    let roundStart = this.#clock.now();
    await this.renewAll();
    if (n === 0) return;
    while (!signal.aborted) {
      roundStart = Math.max(roundStart + period, this.#clock.now());
      const start = roundStart;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < n && !signal.aborted) {
          const i = next++;
          const wait = start + (i * period) / n - this.#clock.now();
          if (wait > 0) await sleep(this.#clock, wait, signal);
          if (signal.aborted) return;
          const node = this.#nodes[i]!;
          try {
            await this.renew(node);
          } catch (err) {
            this.#log.warn({ err, node: node.name }, 'lease renewal failed');
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.#concurrency, n) }, worker));
    }
  }

  #fresh(node: HeartbeatNode, now: string): Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: node.name,
        namespace: LEASE_NAMESPACE,
        ...(node.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }] } : {}),
      },
      spec: { holderIdentity: node.name, leaseDurationSeconds: this.#durationSeconds, renewTime: now, acquireTime: now },
    };
  }
}
