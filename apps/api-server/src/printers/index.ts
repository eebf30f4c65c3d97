/**
 * @module Server-side printing: Tables for `kubectl get` and content negotiation. Each kind's columns live in its
 * kind file (@skiff/api kinds/); the shared column helpers and human durations live in @skiff/api printers/.
 */
export { printTable, printerFor } from './print-table.js';
export type { PrintTableOptions } from './print-table.js';
export { parseIncludeObject } from './parse-include-object.js';
export type { IncludeObject } from './parse-include-object.js';
export { metadataApiVersion, negotiateAs, tableApiVersion, wantsTable, wantsYaml, withTableVersion } from './wants-table.js';
export type { AsKind, TableApiVersion, VersionedTable } from './wants-table.js';
export { partialObjectMetadata } from './print-table.js';
