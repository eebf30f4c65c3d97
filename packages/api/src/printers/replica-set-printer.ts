/**
 * @module replicaSetPrinter, the columns and row of `kubectl get replicasets` (kube printers.go printReplicaSet).
 */
import type { KubeObject, ReplicaSet } from '../index.js';
import { formatLabelSelector } from './format-label-selector.js';
import { sinceTimestamp } from './human-duration.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, containerCells } from './resource-printer.js';
import type { ResourcePrinter } from './resource-printer.js';

/** replicaSetPrinter prints Name, Desired, Current, Ready (integers), Age and, wide, Containers, Images, Selector. */
export const replicaSetPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'Replicas is the number of desired pods.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of non-terminating pods.', { type: 'integer' }),
    column('Ready', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.', { type: 'integer' }),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'Selector is a label query over pods that should match the replica count.', { wide: true }),
  ],
  cells(obj: KubeObject, nowMs: number): unknown[] {
    const rs = obj as unknown as ReplicaSet;
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      rs.metadata.name ?? '',
      rs.spec?.replicas ?? 0,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      sinceTimestamp(rs.metadata.creationTimestamp, nowMs),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
};
