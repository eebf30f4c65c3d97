/**
 * @module parsePodLogOptions: the query of a pods/log request, decoded and validated as kube-apiserver does.
 */
import { errors, type StatusCause } from '@skiff/api';
import { boolParam, intParam } from '../http/query.js';

/** PodLogOptions is core/v1 PodLogOptions, as far as the node agent serves it. */
export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** RFC 3339, as given. */
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
}

// RFC 3339 as metav1.Time parses it (time.RFC3339): seconds required, optional fraction, Z or an offset.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * parsePodLogOptions decodes the query (a value that does not parse is 400 BadRequest naming the parameter) and
 * validates it as kube's ValidatePodLogOptions does: 422 Invalid on kind PodLogOptions, with a cause per field
 * (tailLines >= 0, limitBytes > 0, sinceSeconds > 0, at most one of sinceSeconds and sinceTime).
 */
export function parsePodLogOptions(q: URLSearchParams, podName: string): PodLogOptions {
  const opts: PodLogOptions = {
    follow: boolParam(q, 'follow'),
    previous: boolParam(q, 'previous'),
    timestamps: boolParam(q, 'timestamps'),
  };
  const container = q.get('container');
  if (container) opts.container = container;
  for (const name of ['sinceSeconds', 'tailLines', 'limitBytes'] as const) {
    const v = intParam(q, name);
    if (v !== undefined) opts[name] = v;
  }
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    if (!RFC3339.test(sinceTime) || Number.isNaN(Date.parse(sinceTime))) {
      throw errors.badRequest(`invalid value for query parameter sinceTime: "${sinceTime}" is not an RFC 3339 time`);
    }
    opts.sinceTime = sinceTime;
  }
  const causes: StatusCause[] = [];
  const invalid = (field: string, value: number, why: string) => causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${why}`, field });
  if (opts.tailLines !== undefined && opts.tailLines < 0) invalid('tailLines', opts.tailLines, 'must be greater than or equal to 0');
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) invalid('limitBytes', opts.limitBytes, 'must be greater than 0');
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) {
    causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) invalid('sinceSeconds', opts.sinceSeconds, 'must be greater than 0');
  if (causes.length) throw errors.invalid('PodLogOptions', '', podName, causes);
  return opts;
}

/** agentLogQuery is the query for the node agent: only options set, booleans spelled "true" (kube's LogLocation). */
export function agentLogQuery(opts: PodLogOptions): URLSearchParams {
  const query = new URLSearchParams();
  for (const name of ['follow', 'previous', 'timestamps'] as const) if (opts[name]) query.set(name, 'true');
  for (const name of ['sinceSeconds', 'sinceTime', 'tailLines', 'limitBytes'] as const) {
    const v = opts[name];
    if (v !== undefined) query.set(name, String(v));
  }
  return query;
}
