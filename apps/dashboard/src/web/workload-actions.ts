/**
 * @module The writes the Workloads view makes, each the request the matching kubectl command sends: `kubectl scale`
 * (the scale subresource), `kubectl rollout restart` (the restartedAt template annotation), `kubectl rollout undo`
 * for StatefulSets and DaemonSets (the revision's data as a strategic merge patch), `kubectl patch` of spec.suspend,
 * and `kubectl create job --from=cronjob/NAME`.
 */
import { request, type KubeObject, type ObjectMeta } from './api.js';

const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** objectPath is where a namespaced object of a group version's resource lives. */
export const objectPath = (groupVersion: string, plural: string, meta: Pick<ObjectMeta, 'name' | 'namespace'>): string =>
  `/apis/${groupVersion}/namespaces/${encodeURIComponent(meta.namespace ?? 'default')}/${plural}/${encodeURIComponent(meta.name)}`;

/** rfc3339 is Go's time.RFC3339 layout (whole seconds), which kubectl stamps restartedAt with; here in UTC. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** restartPatch is what `kubectl rollout restart` changes: a new annotation on the pod template, so a new revision. */
export const restartPatch = (now: Date) => ({ spec: { template: { metadata: { annotations: { [RESTARTED_AT]: rfc3339(now) } } } } });

export const scale = (path: string, replicas: number) => request('PATCH', `${path}/scale`, { spec: { replicas: Math.max(0, replicas) } }, MERGE);

export const restart = (path: string, now = new Date()) => request('PATCH', path, restartPatch(now), STRATEGIC);

/**
 * rollBack is `kubectl rollout undo --to-revision` for a StatefulSet or DaemonSet: a ControllerRevision's data is
 * the strategic merge patch that puts its pod template back (`$patch: replace`), sent as it is.
 */
export const rollBack = (path: string, revision: { data?: unknown }) => request('PATCH', path, revision.data, STRATEGIC);

export const setSuspend = (path: string, suspend: boolean) => request('PATCH', path, { spec: { suspend } }, MERGE);

export interface CronJobLike extends KubeObject {
  spec?: { jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown } };
}

/** A CronJob's name is cut so `<name>-manual-xyz` stays within the 52 characters a Job's name may have. */
const MAX_CRONJOB_PREFIX = 41;

/**
 * manualJobName is the name the Kubernetes Dashboard gives a triggered Job: the CronJob's name (cut to 41
 * characters) plus `-manual-` and three random characters, so the name stays within a Job's 52-character limit.
 */
export function manualJobName(cronJob: string, random: () => number = Math.random): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0; i < 3; i++) suffix += alphabet[Math.floor(random() * alphabet.length)];
  return `${cronJob.slice(0, MAX_CRONJOB_PREFIX)}-manual-${suffix}`;
}

/**
 * jobFromCronJob is kubectl's createJobFromCronJob: the jobTemplate's spec and labels, its annotations over
 * `cronjob.kubernetes.io/instantiate: manual`, and the CronJob as controller owner (without blockOwnerDeletion,
 * which would need the cronjobs/finalizers permission).
 */
export function jobFromCronJob(cj: CronJobLike, name: string): KubeObject {
  const template = cj.spec?.jobTemplate ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata.namespace,
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', ...template.metadata?.annotations },
      ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name, uid: cj.metadata.uid!, controller: true }],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

export const triggerCronJob = (cj: CronJobLike, name = manualJobName(cj.metadata.name)) =>
  request<KubeObject>('POST', `/apis/batch/v1/namespaces/${encodeURIComponent(cj.metadata.namespace ?? 'default')}/jobs`, jobFromCronJob(cj, name));

/**
 * restartRefusal is kubectl's reason not to restart (its ObjectRestarter): a paused Deployment, or a StatefulSet or
 * DaemonSet whose OnDelete strategy would not replace any pod for a new template.
 */
export function restartRefusal(kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', spec: { paused?: boolean; updateStrategy?: { type?: string } } | undefined): string | undefined {
  if (kind === 'Deployment') return spec?.paused ? "can't restart paused deployment (run rollout resume first)" : undefined;
  return spec?.updateStrategy?.type === 'OnDelete' ? `can only restart ${kind} with RollingUpdate strategy` : undefined;
}
