import { formatTime, isNotFound, isPodTerminal, type Node, type NodeCondition, type Pod, type Taint } from '@skiff/api';
import {
  NODE_NAME_INDEX,
  TokenBucket,
  watch,
  type RateLimitingQueue,
  type ReconcileResult,
} from '@skiff/controller-kit';
import { NODE_LEASE_NAMESPACE } from '../../informers.js';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import type { EventRecorder } from '@skiff/controller-kit';
import { NOT_READY_TAINT, UNREACHABLE_TAINT } from './tolerations.js';

export interface NodeLifecycleControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
  /** How often every node is looked at (--node-monitor-period). */
  monitorPeriodMs?: number;
  /** How long a node may go without a heartbeat before it is Unknown (--node-monitor-grace-period). */
  gracePeriodMs?: number;
  /** NoExecute taints added per second across the cluster (--node-eviction-rate). */
  evictionRate?: number;
  /** Fraction of not-Ready nodes at which new NoExecute taints stop (--unhealthy-zone-threshold). */
  unhealthyZoneThreshold?: number;
}

interface Health {
  probeMs: number;
  signature: string;
}

/**
 * NodeLifecycleController watches node heartbeats (Lease renewals and the Ready condition's heartbeat), after kube's
 * nodelifecycle controller. A node silent for the grace period gets Ready=Unknown, its pods lose Ready, and it is
 * tainted `node.kubernetes.io/unreachable:NoExecute` (or `not-ready` when the agent reports Ready=False), which the
 * TaintEvictionController turns into evictions. Taints go once the node is Ready again. New NoExecute taints are
 * rate-limited, and stop when most nodes look down at once (more likely the network than the nodes); when every
 * node looks down, NoExecute taints are lifted. Heartbeats are judged by when this process saw them change, so
 * clock skew between machines does not matter.
 */
export class NodeLifecycleController extends ManagedController {
  readonly #recorder: EventRecorder;
  readonly #periodMs: number;
  readonly #graceMs: number;
  readonly #rate: number;
  readonly #threshold: number;
  readonly #health = new Map<string, Health>();
  /** Evictions (NoExecute taints) are rate limited across nodes, as kube's --node-eviction-rate does. */
  readonly #evictions: TokenBucket;

  constructor(opts: NodeLifecycleControllerOptions) {
    super('nodelifecycle', opts, 1);
    this.#recorder = opts.recorder;
    this.#periodMs = opts.monitorPeriodMs ?? 5_000;
    this.#graceMs = opts.gracePeriodMs ?? 40_000;
    this.#rate = opts.evictionRate ?? 0.1;
    this.#threshold = opts.unhealthyZoneThreshold ?? 0.55;
    this.#evictions = new TokenBucket({ qps: this.#rate, burst: 1, clock: this.clock });
    // Keys are node names; a node's Lease has the node's name. Deletions need no pass: nothing is left to watch.
    // The Lease informer is cluster-wide (shared with the garbage collector): only kube-node-lease holds heartbeats.
    type Meta = { metadata: { name?: string; namespace?: string } };
    const byName = (keep: (o: Meta) => boolean) => (queue: RateLimitingQueue<string>) => {
      const add = (o: Meta): void => {
        if (keep(o)) queue.add(o.metadata.name ?? '');
      };
      return { onAdd: add, onUpdate: (_o: unknown, o: Meta) => add(o) };
    };
    const heartbeat = (o: Meta): boolean => o.metadata.namespace === NODE_LEASE_NAMESPACE;
    this.watch([watch.handler(this.informers.nodes, byName(() => true)), watch.handler(this.informers.leases, byName(heartbeat)), watch.cache(this.informers.pods)]);
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const cached = this.informers.nodes.indexer.get(name);
    if (!cached) {
      this.#health.delete(name);
      return {};
    }
    const now = this.clock.now();
    let node = cached;
    const ready = readyCondition(node);
    const lease = this.informers.leases.indexer.get(`${NODE_LEASE_NAMESPACE}/${name}`);
    const signature = `${lease?.spec?.renewTime ?? ''}|${ready?.lastHeartbeatTime ?? ''}|${ready?.status ?? ''}`;
    const seen = this.#health.get(name);
    if (!seen || seen.signature !== signature) this.#health.set(name, { probeMs: now, signature });
    const probeMs = this.#health.get(name)!.probeMs;
    if (now - probeMs > this.#graceMs && ready?.status !== 'Unknown') {
      node = await this.#markUnknown(node, now);
      this.#recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      await this.#markPodsNotReady(name, now);
      this.#health.set(name, { probeMs, signature: `${lease?.spec?.renewTime ?? ''}|${readyCondition(node)?.lastHeartbeatTime ?? ''}|Unknown` });
    }
    const retryMs = await this.#syncTaints(node, now);
    const untilGrace = probeMs + this.#graceMs - now + 100;
    return { requeueAfterMs: Math.max(100, Math.min(this.#periodMs, retryMs ?? Infinity, untilGrace > 0 ? untilGrace : this.#periodMs)) };
  }

  async #markUnknown(node: Node, now: number): Promise<Node> {
    const next = structuredClone(node);
    const stamp = formatTime(now);
    const conditions = next.status?.conditions ?? [];
    const types = new Set(conditions.map((c) => c.type));
    types.add('Ready');
    next.status = {
      ...next.status,
      conditions: [...types].map((type): NodeCondition => {
        const old = conditions.find((c) => c.type === type);
        return { ...old, type, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: old?.status === 'Unknown' ? (old.lastTransitionTime ?? stamp) : stamp, ...(old?.lastHeartbeatTime ? { lastHeartbeatTime: old.lastHeartbeatTime } : {}) };
      }),
    };
    this.log.info({ node: node.metadata.name }, 'node stopped posting status');
    return this.client.nodes.updateStatus(next);
  }

  async #markPodsNotReady(nodeName: string, now: number): Promise<void> {
    for (const pod of this.informers.pods.indexer.byIndex(NODE_NAME_INDEX, nodeName)) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True' || isPodTerminal(pod)) continue;
      const next: Pod = structuredClone(pod);
      next.status = { ...next.status, conditions: (next.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', reason: 'NodeNotReady', lastTransitionTime: formatTime(now) } : c)) };
      try {
        await this.client.pods.updateStatus(next);
      } catch (err) {
        if (!isNotFound(err)) this.log.warn({ err, pod: pod.metadata.name }, 'cannot mark pod not ready');
      }
    }
  }

  /** syncTaints sets the NoExecute and NoSchedule taints the Ready condition calls for; returns a retry delay if rate-limited. */
  async #syncTaints(node: Node, now: number): Promise<number | undefined> {
    const status = readyCondition(node)?.status ?? 'Unknown';
    const wantKey = status === 'True' ? undefined : status === 'False' ? NOT_READY_TAINT : UNREACHABLE_TAINT;
    const current = node.spec?.taints ?? [];
    const ours = (t: Taint): boolean => t.key === NOT_READY_TAINT || t.key === UNREACHABLE_TAINT;
    const disruption = this.#disruption();
    let noExecute = wantKey;
    let retry: number | undefined;
    const hasNoExecute = current.some((t) => ours(t) && t.effect === 'NoExecute' && t.key === wantKey);
    if (wantKey && !hasNoExecute) {
      if (disruption !== 'normal') noExecute = undefined;
      else if (!this.#evictions.tryTake()) {
        noExecute = undefined;
        retry = Math.ceil(1000 / Math.max(this.#rate, 0.001));
      }
    }
    if (disruption === 'full') noExecute = undefined;
    const keep = current.filter((t) => !ours(t) || (t.key === wantKey && (t.effect === 'NoSchedule' || (t.effect === 'NoExecute' && noExecute))));
    const next = [...keep];
    if (wantKey && !next.some((t) => t.key === wantKey && t.effect === 'NoSchedule')) next.push({ key: wantKey, effect: 'NoSchedule', timeAdded: formatTime(now) });
    if (noExecute && !next.some((t) => t.key === noExecute && t.effect === 'NoExecute')) next.push({ key: noExecute, effect: 'NoExecute', timeAdded: formatTime(now) });
    if (sameTaints(current, next)) return retry;
    const updated = structuredClone(node);
    updated.spec = { ...updated.spec, taints: next };
    if (next.length === 0) delete updated.spec.taints;
    await this.client.nodes.update(updated);
    this.log.info({ node: node.metadata.name, taints: next.map((t) => `${t.key}:${t.effect}`) }, 'node taints updated');
    return retry;
  }

  /** disruption grades the cluster: "full" when every node is not Ready, "partial" past the unhealthy threshold. */
  #disruption(): 'normal' | 'partial' | 'full' {
    const nodes = this.informers.nodes.indexer.list();
    if (nodes.length === 0) return 'normal';
    const down = nodes.filter((n) => readyCondition(n)?.status !== 'True').length;
    if (down === nodes.length && nodes.length > 1) return 'full';
    if (nodes.length > 2 && down / nodes.length >= this.#threshold) return 'partial';
    return 'normal';
  }

}

function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

function sameTaints(a: readonly Taint[], b: readonly Taint[]): boolean {
  const key = (t: Taint): string => `${t.key}=${t.value ?? ''}:${t.effect}`;
  return a.length === b.length && a.map(key).sort().join() === b.map(key).sort().join();
}
