/**
 * @module The ControllerRevisions of a StatefulSet or DaemonSet, as `kubectl rollout history` lists them: those the
 * object controls, by revision number; and which of them the object's template is now.
 */
import type { KubeObject } from './api.js';

export interface Revision extends KubeObject {
  revision: number;
  data?: { spec?: { template?: { metadata?: { annotations?: Record<string, string> }; spec?: { containers?: { image?: string }[] } } } };
}

/**
 * ownedRevisions is the owner's history, newest first: the revisions whose controller ownerReference is the owner's
 * kind (passed in: a list's items carry none) and uid.
 */
export function ownedRevisions(kind: string, owner: KubeObject, revisions: readonly Revision[]): Revision[] {
  return revisions
    .filter((r) => r.metadata.namespace === owner.metadata.namespace && r.metadata.ownerReferences?.some((o) => o.controller && o.kind === kind && o.uid === owner.metadata.uid))
    .sort((a, b) => b.revision - a.revision);
}

/**
 * currentRevision names the revision the template is now: a StatefulSet's status.updateRevision; for a DaemonSet,
 * whose status names none, the highest revision (its controller renumbers a revision it returns to past the others,
 * as kube's dedupCurHistories and constructHistory do).
 */
export function currentRevision(updateRevision: string | undefined, history: readonly Revision[]): string | undefined {
  return updateRevision ?? history[0]?.metadata.name;
}
