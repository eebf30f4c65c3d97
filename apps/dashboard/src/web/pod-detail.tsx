/**
 * @module PodDetail: one pod's containers, conditions, events, the scheduler's "why this node" (its decision
 * annotation: the winner's and the runner-up's score per plugin) and its logs.
 */
import { useState } from 'preact/hooks';
import { LogsView } from './logs-view.js';
import { podPhase, type Pod } from './model.js';
import { navigate } from './router.js';
import { useCollection } from './use-collection.js';
import type { KubeObject } from './api.js';

const DECISION_ANNOTATION = 'skiff.dev/scheduling-decision';

interface NodeScore {
  node: string;
  total: number;
  plugins: Record<string, { score: number; weight: number }>;
}
interface Decision {
  result: string;
  nodes: { total: number; evaluated: number; feasible: number };
  selected?: NodeScore;
  runnerUp?: NodeScore;
  filtered: { plugin: string; reason: string; count: number }[];
  message?: string;
}

export interface KubeEvent extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
}

function DecisionTable({ decision }: { decision: Decision }) {
  const cols = [decision.selected, decision.runnerUp].filter(Boolean) as NodeScore[];
  const plugins = [...new Set(cols.flatMap((c) => Object.keys(c.plugins)))].sort();
  return (
    <div class="decision" data-decision={decision.result}>
      <p class="muted">
        {decision.result}: {decision.nodes.feasible} of {decision.nodes.evaluated} evaluated nodes fit ({decision.nodes.total} in all)
      </p>
      {cols.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Plugin</th>
              {cols.map((c, i) => (
                <th key={c.node}>
                  {c.node} {i === 0 ? '(chosen)' : '(runner-up)'}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {plugins.map((p) => (
              <tr key={p}>
                <td>{p}</td>
                {cols.map((c) => (
                  <td key={c.node}>{c.plugins[p] ? `${c.plugins[p].score} × ${c.plugins[p].weight}` : '-'}</td>
                ))}
              </tr>
            ))}
            <tr class="total">
              <td>total</td>
              {cols.map((c) => (
                <td key={c.node} data-total={c.node}>
                  {c.total}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      )}
      {decision.filtered.map((f) => (
        <p class="muted" key={f.plugin + f.reason}>
          {f.plugin}: {f.reason} ({f.count} nodes)
        </p>
      ))}
      {decision.message && <p class="error">{decision.message}</p>}
    </div>
  );
}

export function EventList({ events }: { events: readonly KubeEvent[] }) {
  const when = (e: KubeEvent) => e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '';
  const sorted = [...events].sort((a, b) => (a.type === 'Warning' ? 0 : 1) - (b.type === 'Warning' ? 0 : 1) || when(b).localeCompare(when(a)));
  return (
    <ul class="events">
      {sorted.map((e) => (
        <li key={e.metadata.uid ?? e.metadata.name} class={`event ${e.type}`} data-event-reason={e.reason}>
          <span class="event-reason">{e.reason}</span>
          {e.involvedObject?.name && <span class="muted"> {e.involvedObject.kind}/{e.involvedObject.name}</span>}
          {e.count && e.count > 1 ? <span class="muted"> ×{e.count}</span> : null}
          <div>{e.message}</div>
        </li>
      ))}
    </ul>
  );
}

export function PodDetail({ pod, name, onClose }: { pod: Pod | undefined; name: string; onClose: () => void }) {
  const [tab, setTab] = useState<'info' | 'logs'>('info');
  const [ns = '', podName = ''] = name.split('/');
  const events = useCollection<KubeEvent>(`/api/v1/namespaces/${encodeURIComponent(ns)}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${podName}`)}`);
  let decision: Decision | undefined;
  try {
    const raw = pod?.metadata.annotations?.[DECISION_ANNOTATION];
    decision = raw ? (JSON.parse(raw) as Decision) : undefined;
  } catch {
    decision = undefined;
  }
  return (
    <aside class="detail" data-detail={name}>
      <header>
        <h2>{name}</h2>
        <button type="button" onClick={() => navigate('yaml', { path: `/api/v1/namespaces/${ns}/pods/${podName}` })}>
          YAML
        </button>
        <button type="button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      <nav class="tabs">
        <button type="button" class={tab === 'info' ? 'active' : ''} onClick={() => setTab('info')}>
          Info
        </button>
        <button type="button" class={tab === 'logs' ? 'active' : ''} data-tab="logs" onClick={() => setTab('logs')}>
          Logs
        </button>
      </nav>
      {!pod ? (
        <p class="muted">This pod is gone.</p>
      ) : tab === 'logs' ? (
        <LogsView pods={[pod]} />
      ) : (
        <>
          <dl>
            <dt>Status</dt>
            <dd data-field="phase">{podPhase(pod)}</dd>
            <dt>Node</dt>
            <dd>{pod.spec.nodeName ?? '(not scheduled)'}</dd>
            <dt>IP</dt>
            <dd>{pod.status?.podIP ?? '-'}</dd>
          </dl>
          <h3>Containers</h3>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Image</th>
                <th>Ready</th>
                <th>Restarts</th>
              </tr>
            </thead>
            <tbody>
              {pod.spec.containers.map((c) => {
                const s = pod.status?.containerStatuses?.find((x) => x.name === c.name);
                return (
                  <tr key={c.name}>
                    <td>{c.name}</td>
                    <td>{c.image}</td>
                    <td>{s?.ready ? 'yes' : 'no'}</td>
                    <td>{s?.restartCount ?? 0}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <h3>Conditions</h3>
          <ul class="conditions">
            {(pod.status?.conditions ?? []).map((c) => (
              <li key={c.type}>
                {c.type}: {c.status}
                {c.reason ? ` (${c.reason})` : ''}
              </li>
            ))}
          </ul>
          <h3>Why this node</h3>
          {decision ? <DecisionTable decision={decision} /> : <p class="muted">No scheduling decision recorded.</p>}
          <h3>Events</h3>
          <EventList events={events.items} />
        </>
      )}
    </aside>
  );
}
