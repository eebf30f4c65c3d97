/**
 * @module deploymentPrinter, the columns and row of `kubectl get deployments` (kube printers.go printDeployment).
 */
import type { Deployment, KubeObject } from '../index.js';
import { formatLabelSelector } from './format-label-selector.js';
import { sinceTimestamp } from './human-duration.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, containerCells } from './resource-printer.js';
import type { ResourcePrinter } from './resource-printer.js';

/** deploymentPrinter prints Name, Ready "ready/desired", Up-to-date, Available, Age and, wide, Containers, Images, Selector. */
export const deploymentPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', {
      wide: true,
    }),
  ],
  cells(obj: KubeObject, nowMs: number): unknown[] {
    const d = obj as unknown as Deployment;
    const status = d.status ?? {};
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    return [
      d.metadata.name ?? '',
      `${status.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      sinceTimestamp(d.metadata.creationTimestamp, nowMs),
      names,
      images,
      formatLabelSelector(d.spec?.selector),
    ];
  },
};
