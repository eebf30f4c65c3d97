/**
 * @module Server-side printing: Tables for `kubectl get`, content negotiation and the human duration format.
 */
export { humanDuration, sinceTimestamp } from './human-duration.js';
export { printTable, printerFor } from './print-table.js';
export type { PrintTableOptions } from './print-table.js';
export { parseIncludeObject } from './parse-include-object.js';
export type { IncludeObject } from './parse-include-object.js';
export { tableApiVersion, wantsTable, withTableVersion } from './wants-table.js';
export type { TableApiVersion, VersionedTable } from './wants-table.js';
export type { ResourcePrinter } from './resource-printer.js';
export { summarizePod } from './pod-printer.js';
export type { PodSummary } from './pod-printer.js';
export { nodeRoles, nodeStatus } from './node-printer.js';
export { eventLastSeen } from './event-printer.js';
export { formatLabelSelector } from './format-label-selector.js';
