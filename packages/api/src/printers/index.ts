/**
 * @module Table printers: each kind's columns and rows for `kubectl get`, and the helpers they share.
 */
export { humanDuration, sinceTimestamp } from './human-duration.js';
export { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, NONE, column, containerCells, orNone } from './resource-printer.js';
export type { ResourcePrinter } from './resource-printer.js';
export { summarizePod } from './pod-printer.js';
export type { PodSummary } from './pod-printer.js';
export { nodeRoles, nodeStatus } from './node-printer.js';
export { eventLastSeen } from './event-printer.js';
export { formatLabelSelector } from './format-label-selector.js';
