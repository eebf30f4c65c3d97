/**
 * @module podKind: core/v1 Pod. Bound pods are deleted gracefully: the node agent stops them, then deletes with grace 0.
 */
import type { DeleteOptions } from '../meta.js';
import { defaultPod } from '../defaults/default-pod.js';
import { addDefaultTolerations } from '../defaults/default-tolerations.js';
import { DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from '../defaults/default-pod-spec.js';
import { cloneJson } from '../clone-json.js';
import { isPodTerminal } from '../is-pod-terminal.js';
import type { Pod } from '../pod.js';
import { podPrinter } from '../printers/pod-printer.js';
import { BINDING_SUBRESOURCE, EVICTION_SUBRESOURCE, LOG_SUBRESOURCE } from '../resource-info.js';
import { podSchema } from '../validation/pod-schema.js';
import { validatePodSpec } from '../validation/validate-pod-spec.js';
import { validatePodUpdate } from '../validation/validate-pod-update.js';
import { admitServiceAccount } from './admit-service-account.js';
import { defineKind } from './kind.js';

/** gracePeriodSeconds: unscheduled and finished pods have no containers to stop, so kube-apiserver deletes them at once. */
function gracePeriodSeconds(pod: Pod, opts: DeleteOptions): number {
  if (!pod.spec?.nodeName || isPodTerminal(pod)) return 0;
  return Math.max(0, opts.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
}

export const podKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  hasStatus: true,
  subresources: [
    BINDING_SUBRESOURCE,
    EVICTION_SUBRESOURCE,
    LOG_SUBRESOURCE,
    { name: 'exec', kind: 'PodExecOptions', group: '', version: 'v1', verbs: ['create', 'get'] },
    { name: 'attach', kind: 'PodAttachOptions', group: '', version: 'v1', verbs: ['create', 'get'] },
    { name: 'portforward', kind: 'PodPortForwardOptions', group: '', version: 'v1', verbs: ['create', 'get'] },
    { name: 'ephemeralcontainers', kind: 'Pod', group: '', version: 'v1', verbs: ['get', 'patch', 'update'] },
  ],
  schema: podSchema,
  defaults: defaultPod,
  validate(pod, errs, old) {
    if (!old && pod.spec.ephemeralContainers?.length) errs.forbidden('spec.ephemeralContainers', 'cannot be set on create');
    validatePodSpec(pod.spec, 'spec', errs);
    if (old) validatePodUpdate(pod, old, errs);
  },
  // kube's podStatusStrategy validates a status write with ValidatePodStatusUpdate: metadata and status, never the
  // spec, which the write keeps as stored (a node agent's reports do not re-check the spec twice a pod). Skiff has
  // no status rules of its own yet; the metadata checks run for every kind.
  validateStatus() {},
  fields: {
    'spec.nodeName': (p: Pod) => p.spec?.nodeName ?? '',
    'spec.restartPolicy': (p: Pod) => p.spec?.restartPolicy ?? '',
    'spec.schedulerName': (p: Pod) => p.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (p: Pod) => p.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (p: Pod) => String(p.spec?.hostNetwork === true),
    'status.phase': (p: Pod) => p.status?.phase ?? '',
    'status.podIP': (p: Pod) => p.status?.podIPs?.[0]?.ip || p.status?.podIP || '',
    'status.nominatedNodeName': (p: Pod) => p.status?.nominatedNodeName ?? '',
  },
  printer: podPrinter,
  strategy: {
    // DefaultTolerationSeconds admission: every new pod tolerates a not-ready or unreachable node for a while.
    admit(pod, ctx) {
      addDefaultTolerations(pod, { notReady: ctx.options.defaultNotReadyTolerationSeconds, unreachable: ctx.options.defaultUnreachableTolerationSeconds });
      admitServiceAccount(pod, ctx);
    },
    /**
     * pods/ephemeralcontainers changes only spec.ephemeralContainers (kube's ephemeralContainersStrategy); every other
     * write keeps the stored ones, so they are added through that subresource alone.
     */
    prepareForUpdate(pod, old, subresource) {
      if (subresource === 'ephemeralcontainers') {
        const added = pod.spec?.ephemeralContainers;
        const { resourceVersion } = pod.metadata;
        Object.assign(pod, structuredClone(old));
        pod.metadata.resourceVersion = resourceVersion;
        if (added) pod.spec.ephemeralContainers = added;
        else delete pod.spec.ephemeralContainers;
      } else if (old.spec?.ephemeralContainers) pod.spec.ephemeralContainers = cloneJson(old.spec.ephemeralContainers);
      else delete pod.spec?.ephemeralContainers;
    },
    gracePeriodSeconds,
    awaitsGracefulStop: (pod) => !!pod.spec?.nodeName && !isPodTerminal(pod) && (pod.metadata.deletionGracePeriodSeconds ?? 0) > 0,
    deleteReturnsObject: true,
  },
});
