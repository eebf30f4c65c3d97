/**
 * @module printTable, server-side printing: objects of one resource as a meta.k8s.io/v1 Table for `kubectl get`.
 */
import { AGE_COLUMN, findKind, NAME_COLUMN, sinceTimestamp, type KubeObject, type ResourcePrinter, type Table, type TableRow } from '@skiff/api';
import type { IncludeObject } from './parse-include-object.js';

/** PrintTableOptions: the clock, the includeObject policy and list metadata to copy onto the Table. */
export interface PrintTableOptions {
  nowMs: number;
  /** Defaults to Metadata, as kube-apiserver does. */
  includeObject?: IncludeObject;
  /** Omit columnDefinitions, as for every watch event after the first. */
  noHeaders?: boolean;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** defaultPrinter serves resources without a dedicated printer: Name and Age. */
const defaultPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  cells: (obj, nowMs) => [obj.metadata.name ?? '', sinceTimestamp(obj.metadata.creationTimestamp, nowMs)],
};

/** printerFor returns the printer of a resource, falling back to Name/Age. */
export function printerFor(resource: string): ResourcePrinter {
  return findKind(resource)?.printer ?? defaultPrinter;
}

function rowObject(obj: KubeObject, includeObject: IncludeObject): TableRow['object'] {
  if (includeObject === 'None') return undefined;
  if (includeObject === 'Object') return obj;
  return partialObjectMetadata(obj);
}

/** partialObjectMetadata is the metadata-only view of an object (Table rows, metadata-only lists and watches). */
export function partialObjectMetadata(obj: KubeObject, apiVersion = 'meta.k8s.io/v1'): { kind: 'PartialObjectMetadata'; apiVersion: string; metadata: KubeObject['metadata'] } {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata };
}

/**
 * printTable renders objects of one resource as the Table kube-apiserver returns for `Accept: ...;as=Table`: every
 * column (wide ones with priority 1, which kubectl shows only with `-o wide`), one row per object carrying the
 * object per includeObject (PartialObjectMetadata by default, so kubectl can add NAMESPACE and LABELS columns).
 */
export function printTable(resource: string, objects: readonly KubeObject[], opts: PrintTableOptions): Table {
  const printer = printerFor(resource);
  const includeObject = opts.includeObject ?? 'Metadata';
  const rows = objects.map((obj): TableRow => {
    const row: TableRow = { cells: printer.cells(obj, opts.nowMs) };
    const object = rowObject(obj, includeObject);
    if (object) row.object = object;
    return row;
  });
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
