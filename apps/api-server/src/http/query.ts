/**
 * @module Query parameters of list, watch, write and delete requests, validated into typed options.
 */
import {
  errors,
  parseFieldSelector,
  parseLabelSelector,
  validateFieldSelector,
  type DeleteOptions,
  type ResourceInfo,
} from '@skiff/api';
import type { FieldValidation, ListFilter } from '../registry/registry.js';

/** listFilter parses labelSelector and fieldSelector; bad selectors are 400 BadRequest. */
export function listFilter(info: ResourceInfo, q: URLSearchParams): ListFilter {
  const filter: ListFilter = {};
  const ls = q.get('labelSelector');
  if (ls) filter.labelSelector = parseLabelSelector(ls);
  const fs = q.get('fieldSelector');
  if (fs) {
    const sel = parseFieldSelector(fs);
    validateFieldSelector(info.plural, sel);
    filter.fieldSelector = sel;
  }
  return filter;
}

/** resourceVersionParam parses a resourceVersion query value; "" and absent are undefined. */
export function resourceVersionParam(q: URLSearchParams): number | undefined {
  const rv = q.get('resourceVersion');
  if (rv === null || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version "${rv}": must be a non-negative integer`);
  return Number(rv);
}

/**
 * boolParam reads a boolean query parameter as kube-apiserver's parameter codec does
 * (apimachinery runtime.Convert_Slice_string_To_bool): absent is false; "0" and "false" in any case are false; any
 * other value, the empty string included, is true. So `watch=True` (the Python client), `watch=1` and a bare
 * `?watch` all watch. Every boolean parameter (watch, allowWatchBookmarks, follow, previous, timestamps, ...) goes
 * through here.
 */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return v !== '0' && v.toLowerCase() !== 'false';
}

/** intParam parses an optional non-negative integer, with a 400 for anything else. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`invalid value for query parameter ${name}: "${v}" is not an integer`);
  return Number(v);
}

/**
 * fieldValidationParam reads fieldValidation=Strict|Warn|Ignore. Absent or empty is Warn, as kube-apiserver resolves
 * it (handlers/rest.go fieldValidation): a client that says nothing hears about the fields it lost. kubectl sends
 * Strict by default (its --validate).
 */
export function fieldValidationParam(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

/** dryRunParam reads dryRun=All; any other value is refused as kube-apiserver does. */
export function dryRunParam(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** deleteOptions merges a DELETE body (kubectl always sends one) with query parameters. */
export function deleteOptions(body: unknown, q: URLSearchParams): DeleteOptions {
  const opts: DeleteOptions = {};
  if (body !== undefined) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest('the body of a delete request must be a DeleteOptions object');
    Object.assign(opts, body);
  }
  const grace = intParam(q, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const policy = q.get('propagationPolicy');
  if (policy) opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
    throw errors.badRequest(`gracePeriodSeconds must be a non-negative integer, got ${String(opts.gracePeriodSeconds)}`);
  }
  if (opts.propagationPolicy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw errors.badRequest(`propagationPolicy: Unsupported value: "${String(opts.propagationPolicy)}": supported values: "Foreground", "Background", "Orphan"`);
  }
  return opts;
}

/**
 * fieldManagerParam is the write's field manager: `fieldManager`, else (as kube-apiserver) the User-Agent up to its
 * first '/' ("kubectl", "node-agent"); kube's limit of 128 printable characters is a 422 on PatchOptions-like input.
 */
export function fieldManagerParam(q: URLSearchParams, userAgent: string | undefined): string | undefined {
  const given = q.get('fieldManager');
  if (given !== null) {
    if (given.length > 128 || !/^[\x20-\x7e]*$/.test(given)) {
      throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [
        { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(given)}: must be 128 printable characters or fewer`, field: 'fieldManager' },
      ]);
    }
    if (given !== '') return given;
  }
  const prefix = (userAgent ?? '').split('/', 1)[0]!.slice(0, 128);
  return prefix || undefined;
}

/**
 * patchManager reads a PATCH's fieldManager and force: an apply names its manager explicitly (no User-Agent
 * default, as kube) and only an apply may force.
 */
export function patchManager(type: string, q: URLSearchParams, userAgent: string | undefined): { fieldManager?: string; force: boolean } {
  const fieldManager = fieldManagerParam(q, type === 'apply' ? undefined : userAgent);
  const v = q.get('force');
  if (v !== null && v !== 'true' && v !== 'false') throw errors.badRequest(`force: Invalid value: ${JSON.stringify(v)}: must be true or false`);
  const force = v === 'true';
  if (force && type !== 'apply') {
    throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' }]);
  }
  return { ...(fieldManager !== undefined ? { fieldManager } : {}), force };
}
