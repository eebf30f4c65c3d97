/**
 * @module namespacePrinter, the columns and row of `kubectl get namespaces` (kube printers.go printNamespace).
 */
import type { KubeObject, Namespace } from '../index.js';
import { sinceTimestamp } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, orNone } from './resource-printer.js';
import type { ResourcePrinter } from './resource-printer.js';

/** namespacePrinter prints Name, Status (the phase: Active or Terminating) and Age. */
export const namespacePrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
  cells(obj: KubeObject, nowMs: number): unknown[] {
    const ns = obj as unknown as Namespace;
    return [ns.metadata.name ?? '', orNone(ns.status?.phase), sinceTimestamp(ns.metadata.creationTimestamp, nowMs)];
  },
};
