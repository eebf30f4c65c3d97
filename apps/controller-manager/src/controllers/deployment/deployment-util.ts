import type { Deployment, ReplicaSet } from '@skiff/api';
import { TerminalError } from '@skiff/controller-kit';

/** REVISION_ANNOTATION numbers a Deployment's templates; the ReplicaSet of the current template has the highest. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** DESIRED_REPLICAS_ANNOTATION records the Deployment's replicas when the ReplicaSet was last scaled. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** MAX_REPLICAS_ANNOTATION records replicas + maxSurge when the ReplicaSet was last scaled. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/**
 * intOrPercent resolves 3 or "25%" against `total`, rounding a percentage up or down. Anything else is a spec no
 * retry can fix, hence a TerminalError.
 */
export function intOrPercent(value: number | string | undefined, fallback: string, total: number, roundUp: boolean): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (!m) {
    const n = Number(v);
    if (Number.isInteger(n)) return n;
    throw new TerminalError(`invalid value for IntOrString: ${JSON.stringify(v)}`);
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * resolveFenceposts returns maxSurge (rounded up) and maxUnavailable (rounded down) of a RollingUpdate Deployment;
 * both zero would stall a rollout, so maxUnavailable becomes 1 then, as in kube. Recreate has neither.
 */
export function resolveFenceposts(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  if (d.spec.strategy?.type === 'Recreate') return { maxSurge: 0, maxUnavailable: 0 };
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate;
  const maxSurge = intOrPercent(ru?.maxSurge, '25%', replicas, true);
  let maxUnavailable = intOrPercent(ru?.maxUnavailable, '25%', replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

/** revisionOf reads a ReplicaSet's (or Deployment's) revision annotation; 0 when unset. */
export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const n = Number(obj.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** specReplicas sums spec.replicas. */
export function specReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.spec.replicas ?? 0), 0);
}

/** statusCount sums one status counter. */
export function statusCount(rss: readonly (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return rss.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0);
}
