/**
 * @module Per-call options of ResourceClient and how they become query parameters.
 */
import type { QueryValue } from './query-string.js';

/** NamespaceOption picks the namespace of a namespaced resource; cluster-scoped resources ignore it. */
export interface NamespaceOption {
  namespace?: string;
}

/** ListOptions filters and pages a list (and a watch); an unset namespace lists across all namespaces. */
export interface ListOptions extends NamespaceOption {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

/** FieldValidation is how strictly the server treats unknown or duplicate fields in a body. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** WriteOptions are the query parameters every write accepts (create, update, patch). */
export interface WriteOptions extends NamespaceOption {
  /** Ask the server to validate and answer without persisting (`dryRun=All`). */
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
}

/** PatchType selects the patch format, and so the Content-Type sent. */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** PatchOptions adds the patch format, an optional subresource and server-side apply's `force`. */
export interface PatchOptions extends WriteOptions {
  /** Defaults to merge, the simplest format that works on every resource. */
  type?: PatchType;
  /** approval is CertificateSigningRequests' subresource for the approval conditions. */
  subresource?: 'status' | 'scale' | 'approval';
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
}

/** PATCH_CONTENT_TYPES maps each patch format to its media type (K8S-API.md section 5). */
export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** listQuery renders ListOptions as query parameters. */
export function listQuery(opts: ListOptions): Record<string, QueryValue> {
  return {
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    limit: opts.limit,
    continue: opts.continue,
    resourceVersion: opts.resourceVersion,
  };
}

/** writeQuery renders WriteOptions as query parameters. */
export function writeQuery(opts: WriteOptions): Record<string, QueryValue> {
  return {
    dryRun: opts.dryRun ? 'All' : undefined,
    fieldManager: opts.fieldManager,
    fieldValidation: opts.fieldValidation,
  };
}
