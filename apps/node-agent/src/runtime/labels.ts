/**
 * @module Container labels and names: how a runtime container says which node, pod and container it belongs to.
 */
import type { ContainerKind, PodRef } from './container-runtime.js';

/** LABELS are the keys stamped on every container and volume Skiff creates. */
export const LABELS = {
  managed: 'skiff.dev/managed',
  node: 'skiff.dev/node',
  podUid: 'skiff.dev/pod-uid',
  podNamespace: 'skiff.dev/pod-namespace',
  podName: 'skiff.dev/pod-name',
  containerName: 'skiff.dev/container-name',
  restartCount: 'skiff.dev/restart-count',
  kind: 'skiff.dev/kind',
} as const;

/** ParsedLabels is what parseLabels recovers from a container's labels. */
export interface ParsedLabels {
  node: string;
  kind: ContainerKind;
  pod: PodRef;
  containerName: string;
  restartCount: number;
}

/** containerLabels builds the labels of a container (containerName '' for the sandbox). */
export function containerLabels(node: string, kind: ContainerKind, pod: PodRef, containerName: string, restartCount: number): Record<string, string> {
  return {
    [LABELS.managed]: 'true',
    [LABELS.node]: node,
    [LABELS.kind]: kind,
    [LABELS.podUid]: pod.uid,
    [LABELS.podNamespace]: pod.namespace,
    [LABELS.podName]: pod.name,
    [LABELS.containerName]: containerName,
    [LABELS.restartCount]: String(restartCount),
  };
}

/** parseLabels reads labels back; undefined when the container is not a Skiff container. */
export function parseLabels(labels: Record<string, string> | undefined): ParsedLabels | undefined {
  if (!labels || labels[LABELS.managed] !== 'true') return undefined;
  const uid = labels[LABELS.podUid];
  const node = labels[LABELS.node];
  if (!uid || !node) return undefined;
  const kind = labels[LABELS.kind];
  return {
    node,
    kind: kind === 'sandbox' || kind === 'init' || kind === 'ephemeral' ? kind : 'container',
    pod: { uid, namespace: labels[LABELS.podNamespace] ?? '', name: labels[LABELS.podName] ?? '' },
    containerName: labels[LABELS.containerName] ?? '',
    restartCount: Number(labels[LABELS.restartCount] ?? 0) || 0,
  };
}

/**
 * runtimeContainerName is the engine-side name `skiff_<node>_<ns>_<pod>_<container>_<restartCount>`, unique per
 * instance, so a second agent racing to create the same instance fails with a name conflict instead of a duplicate.
 * The pod uid prefix keeps a recreated pod of the same name apart from the old one.
 */
export function runtimeContainerName(node: string, pod: PodRef, containerName: string, restartCount: number): string {
  const raw = `skiff_${node}_${pod.namespace}_${pod.name}_${containerName || 'POD'}_${pod.uid.slice(0, 8)}_${restartCount}`;
  return raw.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/** volumeName is the Docker volume backing one emptyDir of a pod. */
export function volumeName(node: string, pod: PodRef, volume: string): string {
  return `skiff_${node}_${pod.uid}_${volume}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}
