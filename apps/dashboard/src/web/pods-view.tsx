/**
 * @module PodsView: every pod in a table, filtered by namespace, label selector (sent to the api-server as
 * labelSelector, so the server does the matching), phase and node.
 */
import { useState } from 'preact/hooks';
import { LogsView } from './logs-view.js';
import { podPhase, type Pod } from './model.js';
import { navigate, type Route } from './router.js';
import { useCollection } from './use-collection.js';
import { age, useNow } from './use-now.js';

/** MAX_LOG_PODS bounds how many log streams one view opens (as `kubectl logs -l` stops at --max-log-requests 5). */
const MAX_LOG_PODS = 20;

export function PodsView({ route, onSelectPod }: { route: Route; onSelectPod: (p: Pod) => void }) {
  const ns = route.params.get('ns') ?? '';
  const selector = route.params.get('l') ?? '';
  const phase = route.params.get('phase') ?? '';
  const node = route.params.get('node') ?? '';
  const [draft, setDraft] = useState(selector);
  const [showLogs, setShowLogs] = useState(false);
  const base = ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/pods` : '/api/v1/pods';
  const pods = useCollection<Pod>(selector ? `${base}?labelSelector=${encodeURIComponent(selector)}` : base);
  const namespaces = useCollection<{ metadata: { name: string } }>('/api/v1/namespaces');
  const now = useNow();
  const set = (k: string, v: string) => navigate('pods', { ns, l: selector, phase, node, [k]: v });
  const rows = pods.items
    .filter((p) => !phase || podPhase(p) === phase)
    .filter((p) => !node || p.spec.nodeName === node)
    .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  const phases = [...new Set(pods.items.map(podPhase))].sort();
  const nodes = [...new Set(pods.items.map((p) => p.spec.nodeName).filter(Boolean) as string[])].sort();
  return (
    <section class="list" data-view="pods">
      <form class="filters" onSubmit={(e) => (e.preventDefault(), set('l', draft))}>
        <select aria-label="namespace" value={ns} onChange={(e) => set('ns', (e.target as HTMLSelectElement).value)}>
          <option value="">all namespaces</option>
          {namespaces.items.map((n) => (
            <option key={n.metadata.name} value={n.metadata.name}>
              {n.metadata.name}
            </option>
          ))}
        </select>
        <input id="filter" aria-label="label selector" placeholder="label selector, e.g. app=web (Enter)" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <select aria-label="phase" value={phase} onChange={(e) => set('phase', (e.target as HTMLSelectElement).value)}>
          <option value="">any status</option>
          {phases.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <select aria-label="node" value={node} onChange={(e) => set('node', (e.target as HTMLSelectElement).value)}>
          <option value="">any node</option>
          {nodes.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
        <button type="button" data-action="logs" aria-pressed={showLogs} onClick={() => setShowLogs(!showLogs)}>
          {showLogs ? 'Hide logs' : `Logs of these pods${rows.length > MAX_LOG_PODS ? ` (first ${MAX_LOG_PODS})` : ''}`}
        </button>
      </form>
      {pods.error && <p class="error">{pods.error}</p>}
      {showLogs && <LogsView pods={rows.filter((p) => p.spec.nodeName).slice(0, MAX_LOG_PODS)} />}
      <table class="grid">
        <thead>
          <tr>
            <th>Namespace</th>
            <th>Name</th>
            <th>Ready</th>
            <th>Status</th>
            <th>Restarts</th>
            <th>Node</th>
            <th>Age</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => {
            const cs = p.status?.containerStatuses ?? [];
            return (
              <tr key={p.metadata.uid} tabIndex={0} data-row={`${p.metadata.namespace}/${p.metadata.name}`} data-phase={podPhase(p)} onClick={() => onSelectPod(p)} onKeyDown={(e) => e.key === 'Enter' && onSelectPod(p)}>
                <td>{p.metadata.namespace}</td>
                <td>{p.metadata.name}</td>
                <td>
                  {cs.filter((c) => c.ready).length}/{p.spec.containers.length}
                </td>
                <td class={`phase-text phase-${podPhase(p)}`}>{podPhase(p)}</td>
                <td>{cs.reduce((n, c) => n + c.restartCount, 0)}</td>
                <td>{p.spec.nodeName ?? ''}</td>
                <td>{p.metadata.creationTimestamp ? age(now - Date.parse(p.metadata.creationTimestamp)) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="muted">{rows.length} pods</p>
    </section>
  );
}
