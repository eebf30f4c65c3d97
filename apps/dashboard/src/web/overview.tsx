/** @module Overview: every node as a card with its pods as chips, live from the node and pod watches. */
import type { Collection, KubeObject } from './api.js';
import { allocatable, nodeReady, podPhase, requested, type Node, type Pod } from './model.js';
import { formatBytes, formatCpu } from './quantity.js';
import { age, useNow } from './use-now.js';
import { useNodeMetrics } from './use-node-metrics.js';

export interface Lease extends KubeObject {
  spec?: { renewTime?: string; leaseDurationSeconds?: number };
}

const EVICTING_TAINTS = new Set(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']);

/**
 * Heartbeat shows how long ago the node's agent renewed its Lease and, once it stops, the countdown to NotReady
 * (the controller's grace period after the last renewal) and then to its pods' eviction (the NoExecute taint's
 * timeAdded plus the shortest tolerationSeconds of a pod on the node, as the taint manager counts).
 */
function Heartbeat({ node, lease, pods, graceSeconds, now }: { node: Node; lease: Lease | undefined; pods: Pod[]; graceSeconds: number; now: number }) {
  const renewed = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : undefined;
  const ready = nodeReady(node) === 'True';
  const taint = node.spec?.taints?.find((t) => EVICTING_TAINTS.has(t.key) && t.effect === 'NoExecute') as { key: string; timeAdded?: string } | undefined;
  let text = renewed === undefined ? 'no heartbeat yet' : `heartbeat ${age(now - renewed)} ago`;
  let state = 'ok';
  // Agents renew every quarter of the lease duration: half of it without a renewal is two missed beats.
  if (renewed !== undefined && ready && now - renewed > ((lease?.spec?.leaseDurationSeconds ?? 40) * 1000) / 2) {
    state = 'late';
    text += ` · NotReady in ${age(renewed + graceSeconds * 1000 - now)}`;
  }
  if (!ready && taint?.timeAdded) {
    const tolerations = pods.flatMap((p) => ((p.spec as { tolerations?: { key?: string; tolerationSeconds?: number }[] }).tolerations ?? []).filter((t) => t.key === taint.key && t.tolerationSeconds !== undefined).map((t) => t.tolerationSeconds!));
    if (pods.length && tolerations.length) {
      const at = Date.parse(taint.timeAdded) + Math.min(...tolerations) * 1000;
      state = 'evicting';
      text += at > now ? ` · pods evicted in ${age(at - now)}` : ' · evicting pods';
    }
  }
  return (
    <p class={`heartbeat ${state}`} data-heartbeat={state}>
      {text}
    </p>
  );
}

function Bar({ label, used, total, format, kind = 'requested' }: { label: string; used: number; total: number; format: (n: number) => string; kind?: 'requested' | 'used' }) {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return (
    <div class={`bar ${kind}`} data-bar={`${label}-${kind}`} data-value={used} title={`${label}: ${format(used)} ${kind} of ${format(total)} allocatable`}>
      <span class="bar-label">{label}</span>
      <span class="bar-track">
        <span class={`bar-fill ${pct > 90 ? 'hot' : ''}`} style={{ width: `${pct}%` }} />
      </span>
      <span class="bar-value">
        {format(used)} / {format(total)}
      </span>
    </div>
  );
}

export function PodChip({ pod, onSelect }: { pod: Pod; onSelect?: (p: Pod) => void }) {
  const phase = podPhase(pod);
  const id = `${pod.metadata.namespace}/${pod.metadata.name}`;
  return (
    <button type="button" class={`chip phase-${phase}`} data-pod={id} data-phase={phase} title={`${id}: ${phase}`} onClick={() => onSelect?.(pod)}>
      {pod.metadata.name}
    </button>
  );
}

export function Overview({ nodes, pods, leases, graceSeconds, onSelectPod }: { nodes: Collection<Node>; pods: Collection<Pod>; leases: Collection<Lease>; graceSeconds: number; onSelectPod: (p: Pod) => void }) {
  const now = useNow();
  const usage = useNodeMetrics();
  const leaseOf = new Map(leases.items.map((l) => [l.metadata.name, l]));
  const byNode = new Map<string, Pod[]>();
  const pending: Pod[] = [];
  for (const p of pods.items) {
    const n = p.spec.nodeName;
    if (!n) pending.push(p);
    else byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const sorted = [...nodes.items].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return (
    <section class="overview">
      {!nodes.synced && <p class="muted">Loading nodes…</p>}
      {nodes.error && <p class="error">{nodes.error}</p>}
      <div class="nodes">
        {sorted.map((n) => {
          const ready = nodeReady(n);
          const onNode = (byNode.get(n.metadata.name) ?? []).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
          return (
            <article class={`node ready-${ready}`} data-node={n.metadata.name} data-ready={ready} key={n.metadata.name}>
              <header>
                <h2>{n.metadata.name}</h2>
                <span class={`badge ready-${ready}`}>{ready === 'True' ? 'Ready' : 'NotReady'}</span>
                {n.spec?.unschedulable && <span class="badge cordoned">SchedulingDisabled</span>}
              </header>
              <Heartbeat node={n} lease={leaseOf.get(n.metadata.name)} pods={onNode} graceSeconds={graceSeconds} now={now} />
              <Bar label="cpu" used={requested(onNode, 'cpu')} total={allocatable(n, 'cpu')} format={formatCpu} />
              <Bar label="memory" used={requested(onNode, 'memory')} total={allocatable(n, 'memory')} format={formatBytes} />
              {usage?.has(n.metadata.name) && (
                <>
                  <Bar label="cpu" kind="used" used={usage.get(n.metadata.name)!.cpu} total={allocatable(n, 'cpu')} format={formatCpu} />
                  <Bar label="memory" kind="used" used={usage.get(n.metadata.name)!.memory} total={allocatable(n, 'memory')} format={formatBytes} />
                </>
              )}
              <div class="chips">
                {onNode.map((p) => (
                  <PodChip pod={p} onSelect={onSelectPod} key={p.metadata.uid ?? p.metadata.name} />
                ))}
              </div>
            </article>
          );
        })}
      </div>
      {pending.length > 0 && (
        <article class="node pending" data-node="">
          <header>
            <h2>Not scheduled</h2>
          </header>
          <div class="chips">
            {pending.map((p) => (
              <PodChip pod={p} onSelect={onSelectPod} key={p.metadata.uid ?? p.metadata.name} />
            ))}
          </div>
        </article>
      )}
    </section>
  );
}
