/**
 * @module Pieces the Workloads view's tables share: the rollout bar, the action runner that reports a refused write,
 * a StatefulSet's or DaemonSet's revision history (with `kubectl rollout undo`), and the autoscaler line.
 */
import { hpaSummary, type Hpa } from './hpa.js';
import type { Revision } from './revision-history.js';
import { RESTARTED_AT, rollBack } from './workload-actions.js';

export const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Progress is a bar of done out of want, with the numbers (and kubectl's rollout message, when given) as its title. */
export function Progress({ done, want, label }: { done: number; want: number; label?: string }) {
  const pct = want > 0 ? Math.min(100, (done / want) * 100) : 100;
  return (
    <span class="bar-track progress" role="progressbar" aria-valuemin={0} aria-valuemax={want} aria-valuenow={done} title={label ?? `${done}/${want}`} data-done={done} data-want={want}>
      <span class="bar-fill" style={{ width: `${pct}%` }} />
    </span>
  );
}

export type OnError = (message: string) => void;

/** act runs a write and reports its refusal (the api-server's Status message, e.g. RBAC's 403) instead of throwing. */
export const act = (onError: OnError, write: () => Promise<unknown>) => () => {
  onError('');
  write().catch((e: Error) => onError(e.message));
};

const imagesOf = (r: Revision) => (r.data?.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(', ');

/**
 * RevisionHistory lists a StatefulSet's or DaemonSet's ControllerRevisions, newest first, the current one marked;
 * every other one can be rolled back to, as `kubectl rollout undo --to-revision=N` does.
 */
export function RevisionHistory({ path, history, current, rolling, colSpan, onError }: { path: string; history: readonly Revision[]; current: string | undefined; rolling?: string | undefined; colSpan: number; onError: OnError }) {
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

/** HpaLine says an autoscaler owns the replica count (so −/+ will be undone by it). */
export function HpaLine({ hpa }: { hpa: Hpa | undefined }) {
  if (!hpa) return null;
  return (
    <div class="hpa muted" data-hpa={hpa.metadata.name}>
      {hpaSummary(hpa)}
    </div>
  );
}
