/**
 * @module The DefaultTolerationSeconds admission plugin: every new pod tolerates a not-ready or unreachable node
 * for a while, so the node lifecycle controller evicts it only after that time.
 */
import type { Pod, Toleration } from '../pod.js';

export interface DefaultTolerationSeconds {
  notReady: number;
  unreachable: number;
}

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/** addDefaultTolerations adds the NoExecute tolerations a pod does not already have (kube-apiserver's defaults: 300 s). */
export function addDefaultTolerations(pod: Pod, seconds: DefaultTolerationSeconds): void {
  const tolerations: Toleration[] = pod.spec.tolerations ?? [];
  const has = (key: string) =>
    tolerations.some((t) => (t.key === key || (t.key === undefined && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'));
  const add: Toleration[] = [];
  if (!has(NOT_READY)) add.push({ key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds.notReady });
  if (!has(UNREACHABLE)) add.push({ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds.unreachable });
  if (add.length) pod.spec.tolerations = [...tolerations, ...add];
}
