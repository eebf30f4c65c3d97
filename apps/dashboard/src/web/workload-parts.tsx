/**
 * @module Pieces the Workloads view's tables share: the rollout bar, the action runner that reports a refused write,
 * the name that opens the revision history, the row's buttons, and the autoscaler line.
 */
import type { ComponentChildren } from 'preact';
import { hpaSummary, type Hpa } from './hpa.js';
import { navigate } from './router.js';
import { restart, scale, setSuspend } from './workload-actions.js';

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

/** HpaLine says an autoscaler owns the replica count (so −/+ will be undone by it). */
export function HpaLine({ hpa }: { hpa: Hpa | undefined }) {
  if (!hpa) return null;
  return (
    <div class="hpa muted" data-hpa={hpa.metadata.name}>
      {hpaSummary(hpa)}
    </div>
  );
}

/** NameCell is the object's name as a button (focusable, Enter works) that opens or closes its revision history. */
export function NameCell({ name, open, onToggle, children }: { name: string; open: boolean; onToggle: () => void; children?: ComponentChildren }) {
  return (
    <td data-label="Name">
      <button type="button" class="link" onClick={onToggle} aria-expanded={open} title="revision history">
        {name}
      </button>
      {children}
    </td>
  );
}

/**
 * Actions is a row's buttons: scale −/+ when `replicas` is given (the count shown, which a click moves by one),
 * Restart when `restart` is given (disabled with kubectl's reason when it refuses), the row's own, and YAML.
 */
export function Actions({ name, path, replicas, restart: restartable, onError, children }: { name: string; path: string; replicas?: number; restart?: { refusal: string | undefined }; onError: OnError; children?: ComponentChildren }) {
  return (
    <td class="actions">
      {replicas !== undefined && (
        <>
          <button type="button" aria-label={`scale ${name} down`} disabled={replicas === 0} onClick={act(onError, () => scale(path, replicas - 1))}>
            −
          </button>
          <button type="button" aria-label={`scale ${name} up`} onClick={act(onError, () => scale(path, replicas + 1))}>
            +
          </button>
        </>
      )}
      {restartable && (
        <button type="button" disabled={!!restartable.refusal} title={restartable.refusal ?? 'kubectl rollout restart'} onClick={act(onError, () => restart(path))}>
          Restart
        </button>
      )}
      {children}
      <button type="button" onClick={() => navigate('yaml', { path })}>
        YAML
      </button>
    </td>
  );
}

/** SuspendToggle flips spec.suspend of a Job or CronJob; aria-pressed says which way it stands. */
export function SuspendToggle({ path, suspended, onError }: { path: string; suspended: boolean; onError: OnError }) {
  return (
    <button type="button" aria-pressed={suspended} onClick={act(onError, () => setSuspend(path, !suspended))}>
      {suspended ? 'Resume' : 'Suspend'}
    </button>
  );
}
