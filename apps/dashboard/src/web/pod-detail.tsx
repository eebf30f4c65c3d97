/** @module PodDetail: one pod's containers and conditions, beside the overview. */
import { podPhase, type Pod } from './model.js';

export function PodDetail({ pod, name, onClose }: { pod: Pod | undefined; name: string; onClose: () => void }) {
  return (
    <aside class="detail" data-detail={name}>
      <header>
        <h2>{name}</h2>
        <button type="button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {!pod ? (
        <p class="muted">This pod is gone.</p>
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
        </>
      )}
    </aside>
  );
}
