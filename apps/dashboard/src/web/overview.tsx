/** @module Overview: every node as a card with its pods as chips, live from the node and pod watches. */
import type { Collection } from './api.js';
import { allocatable, nodeReady, podPhase, requested, type Node, type Pod } from './model.js';
import { formatBytes, formatCpu } from './quantity.js';

function Bar({ label, used, total, format }: { label: string; used: number; total: number; format: (n: number) => string }) {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return (
    <div class="bar" title={`${label}: ${format(used)} requested of ${format(total)} allocatable`}>
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

export function Overview({ nodes, pods, onSelectPod }: { nodes: Collection<Node>; pods: Collection<Pod>; onSelectPod: (p: Pod) => void }) {
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
              <Bar label="cpu" used={requested(onNode, 'cpu')} total={allocatable(n, 'cpu')} format={formatCpu} />
              <Bar label="memory" used={requested(onNode, 'memory')} total={allocatable(n, 'memory')} format={formatBytes} />
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
