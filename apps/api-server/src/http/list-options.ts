/**
 * @module listOptionsFor: resourceVersionMatch and sendInitialEvents, validated as apimachinery's
 * ValidateListOptions does (422 ListOptions.meta.k8s.io "" is invalid, one cause per field).
 */
import { errors, type StatusCause } from '@skiff/api';
import { boolParam, resourceVersionParam } from './query.js';

export type ResourceVersionMatch = 'NotOlderThan' | 'Exact';

export interface ListOptionsParams {
  resourceVersion: number | undefined;
  resourceVersionMatch: ResourceVersionMatch | undefined;
  /** Watch only: undefined (legacy semantics), true (initial state then a bookmark), false (changes only). */
  sendInitialEvents: boolean | undefined;
}

/** listOptionsFor reads and checks the parameters for a list (`watch` false) or a watch. */
export function listOptionsFor(q: URLSearchParams, watch: boolean): ListOptionsParams {
  const rv = resourceVersionParam(q);
  const rvText = q.get('resourceVersion') ?? '';
  const matchText = q.get('resourceVersionMatch') ?? '';
  const sie = q.has('sendInitialEvents') ? boolParam(q, 'sendInitialEvents') : undefined;
  const causes: StatusCause[] = [];
  const forbid = (field: string, message: string) => causes.push({ reason: 'FieldValueForbidden', message: `Forbidden: ${message}`, field });
  let match: ResourceVersionMatch | undefined;
  if (matchText === 'NotOlderThan' || matchText === 'Exact') match = matchText;
  else if (matchText !== '') causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: "${matchText}": supported values: "Exact", "NotOlderThan", ""`, field: 'resourceVersionMatch' });
  if (sie !== undefined) {
    if (!watch) forbid('sendInitialEvents', 'sendInitialEvents is forbidden for list');
    else {
      if (match !== 'NotOlderThan') forbid('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
      if (!boolParam(q, 'allowWatchBookmarks')) forbid('allowWatchBookmarks', 'sendInitialEvents requires setting allowWatchBookmarks to true');
    }
  } else if (match !== undefined) {
    if (watch) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    else if (rvText === '') forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
    else if (match === 'Exact' && rv === 0) forbid('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  }
  if (causes.length) throw errors.invalid('ListOptions', 'meta.k8s.io', '', causes);
  return { resourceVersion: rv, resourceVersionMatch: match, sendInitialEvents: sie };
}
