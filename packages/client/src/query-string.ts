/**
 * @module Query string building for API requests.
 */

/** QueryValue is what a query parameter may hold; undefined (and empty strings) are left out. */
export type QueryValue = string | number | boolean | undefined;

/**
 * queryString renders parameters as `?a=1&b=x` (or '' when none are set). Hand-rolled rather than URLSearchParams
 * because it runs on every request and kube servers expect `%20`, not `+`, in selectors.
 */
export function queryString(params: Record<string, QueryValue>): string {
  let out = '';
  for (const key in params) {
    const value = params[key];
    if (value === undefined || value === '') continue;
    out += `${out ? '&' : '?'}${key}=${encodeURIComponent(String(value))}`;
  }
  return out;
}
