/**
 * @module RevisionHistoryRow: the row under a StatefulSet or DaemonSet that lists its ControllerRevisions, with
 * `kubectl rollout undo --to-revision=N` on every one but the current.
 */
import type { Revision } from './revision-history.js';
import { RESTARTED_AT, rollBack } from './workload-actions.js';
import { act, type OnError } from './workload-parts.js';

const imagesOf = (r: Revision) => (r.data?.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(', ');

/**
 * RevisionHistoryRow lists a StatefulSet's or DaemonSet's ControllerRevisions, newest first, the current one marked;
 * every other one can be rolled back to, as `kubectl rollout undo --to-revision=N` does.
 */
export function RevisionHistoryRow({ path, history, current, rolling, colSpan, onError }: { path: string; history: readonly Revision[]; current: string | undefined; rolling?: string | undefined; colSpan: number; onError: OnError }) {
  return (
    <tr class="history">
      <td colSpan={colSpan}>
        <table data-history={path}>
          <thead>
            <tr>
              <th>Revision</th>
              <th>ControllerRevision</th>
              <th>Image</th>
              <th>Restarted at</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {history.map((r) => (
              <tr key={r.metadata.name} data-revision={r.revision} data-current={r.metadata.name === current ? 'true' : undefined}>
                <td>{r.revision}</td>
                <td>{r.metadata.name}</td>
                <td>{imagesOf(r)}</td>
                <td>{r.data?.spec?.template?.metadata?.annotations?.[RESTARTED_AT] ?? ''}</td>
                <td>
                  {r.metadata.name === current ? (
                    <span class="badge ready-True">current</span>
                  ) : (
                    <>
                      {r.metadata.name === rolling && <span class="badge">rolling from</span>}{' '}
                      <button type="button" onClick={act(onError, () => rollBack(path, r))}>
                        Roll back
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </td>
    </tr>
  );
}
