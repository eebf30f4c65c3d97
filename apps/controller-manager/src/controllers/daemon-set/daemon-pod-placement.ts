/**
 * @module Where a DaemonSet's pods belong: kube's NodeShouldRunDaemonPod, the tolerations every daemon pod gets
 * (AddOrUpdateDaemonPodTolerations) and the node affinity that pins a daemon pod to its node for the scheduler
 * (ReplaceDaemonSetPodNodeNameNodeAffinity), after pkg/controller/daemon/util.
 */
import { nodeSelectorTermMatches, toleratesTaint, type DaemonSet, type Node, type Pod, type PodSpec, type Toleration } from '@skiff/api';

/** DAEMON_TOLERATIONS are added to every daemon pod, so node conditions never evict or block it (kube 1.32). */
export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
/** Host-network daemon pods also run where the pod network is not up yet. */
export const NETWORK_UNAVAILABLE_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

const sameToleration = (a: Toleration, b: Toleration): boolean => (a.key ?? '') === (b.key ?? '') && (a.effect ?? '') === (b.effect ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '');

/** addDaemonTolerations adds DAEMON_TOLERATIONS (and the network one for hostNetwork) unless already there. */
export function addDaemonTolerations(spec: PodSpec): void {
  const wanted = spec.hostNetwork ? [...DAEMON_TOLERATIONS, NETWORK_UNAVAILABLE_TOLERATION] : DAEMON_TOLERATIONS;
  const tolerations = (spec.tolerations ??= []);
  for (const t of wanted) if (!tolerations.some((have) => sameToleration(have, t))) tolerations.push({ ...t });
}

/**
 * pinToNode replaces the pod's required node affinity with `metadata.name In [node]` (a matchFields term): the
 * controller has already checked the template's own terms against the node, and the scheduler binds it there.
 */
export function pinToNode(spec: PodSpec, nodeName: string): void {
  const affinity = (spec.affinity ??= {});
  const nodeAffinity = (affinity.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
}

/** targetNodeOf is the node a daemon pod is for: its nodeName once bound, else the node its affinity pins it to. */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/**
 * nodeShouldRunDaemonPod is kube's: `shouldRun` when the template's nodeSelector and required node affinity
 * match the node and every NoSchedule/NoExecute taint is tolerated (the daemon tolerations included);
 * `shouldContinueRunning` also when only NoSchedule taints are not tolerated (a pod already there may stay).
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec.template.spec;
  const name = node.metadata.name ?? '';
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return { shouldRun: false, shouldContinueRunning: false };
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => nodeSelectorTermMatches(t, node))) return { shouldRun: false, shouldContinueRunning: false };
  const probe: PodSpec = { ...spec, tolerations: [...(spec.tolerations ?? [])] };
  addDaemonTolerations(probe);
  const untolerated = (node.spec?.taints ?? []).filter((taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !probe.tolerations!.some((t) => toleratesTaint(t, taint)));
  if (untolerated.length === 0) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: !untolerated.some((t) => t.effect === 'NoExecute') };
}
