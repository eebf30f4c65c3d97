/**
 * @module KINDS, the table of every served kind. Adding a kind is one file under kinds/ plus its line here;
 * RESOURCES (the client's paths, discovery) and every per-kind lookup derive from this list.
 */
import type { ResourceInfo } from '../resource-info.js';
import { certificateSigningRequestKind } from './certificate-signing-request.js';
import { configMapKind } from './config-map.js';
import { cronJobKind } from './cron-job.js';
import { deploymentKind } from './deployment.js';
import { endpointSliceKind } from './endpoint-slice.js';
import { endpointsKind } from './endpoints.js';
import { eventKind } from './event.js';
import { horizontalPodAutoscalerKind } from './horizontal-pod-autoscaler.js';
import { jobKind } from './job.js';
import { anyKind, type Kind } from './kind.js';
import { leaseKind } from './lease.js';
import { namespaceKind } from './namespace.js';
import { nodeKind } from './node.js';
import { podKind } from './pod.js';
import { podDisruptionBudgetKind } from './pod-disruption-budget.js';
import { daemonSetKind } from './daemon-set.js';
import { statefulSetKind } from './stateful-set.js';
import { persistentVolumeClaimKind } from './persistent-volume-claim.js';
import { persistentVolumeKind } from './persistent-volume.js';
import { storageClassKind } from './storage-class.js';
import { controllerRevisionKind } from './controller-revision.js';
import { replicaSetKind } from './replica-set.js';
import { serviceKind } from './service.js';
import { secretKind } from './secret.js';
import { serviceAccountKind } from './service-account.js';
import { clusterRoleBindingKind } from './cluster-role-binding.js';
import { clusterRoleKind } from './cluster-role.js';
import { roleBindingKind } from './role-binding.js';
import { roleKind } from './role.js';

/** KINDS in discovery order. */
export const KINDS = [
  anyKind(namespaceKind),
  anyKind(nodeKind),
  anyKind(podKind),
  anyKind(eventKind),
  anyKind(replicaSetKind),
  anyKind(deploymentKind),
  anyKind(leaseKind),
  anyKind(serviceKind),
  anyKind(endpointsKind),
  anyKind(endpointSliceKind),
  anyKind(configMapKind),
  anyKind(secretKind),
  anyKind(serviceAccountKind),
  anyKind(jobKind),
  anyKind(cronJobKind),
  anyKind(clusterRoleBindingKind),
  anyKind(clusterRoleKind),
  anyKind(roleBindingKind),
  anyKind(roleKind),
  anyKind(podDisruptionBudgetKind),
  anyKind(daemonSetKind),
  anyKind(statefulSetKind),
  anyKind(controllerRevisionKind),
  anyKind(certificateSigningRequestKind),
  anyKind(persistentVolumeClaimKind),
  anyKind(persistentVolumeKind),
  anyKind(storageClassKind),
  anyKind(horizontalPodAutoscalerKind),
] as const;

/** ResourceName is the plural of a served resource ("pods", "deployments", ...). */
export type ResourceName = (typeof KINDS)[number]['info']['plural'];

/** RESOURCES maps each plural to its descriptor, for typed access (`RESOURCES.pods`). */
export const RESOURCES = Object.fromEntries(KINDS.map((k) => [k.info.plural, k.info])) as unknown as {
  readonly [K in (typeof KINDS)[number] as K['info']['plural']]: ResourceInfo & { plural: K['info']['plural'] };
};

export const RESOURCE_LIST: readonly ResourceInfo[] = KINDS.map((k) => k.info);

const BY_PLURAL: ReadonlyMap<string, Kind> = new Map(KINDS.map((k) => [k.info.plural, k as Kind]));

/** kindFor returns the kind served under `plural`; it throws for a plural nothing serves (a programming error). */
export function kindFor(plural: string): Kind {
  const kind = BY_PLURAL.get(plural);
  if (!kind) throw new Error(`no kind is served as ${JSON.stringify(plural)}`);
  return kind;
}

/** findKind is kindFor for names that come from a request: undefined when nothing is served under `plural`. */
export function findKind(plural: string): Kind | undefined {
  return BY_PLURAL.get(plural);
}
