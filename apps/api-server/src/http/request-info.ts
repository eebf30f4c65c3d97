/**
 * @module RequestInfo: what metrics and logs need about one request.
 */

/** RequestInfo is what metrics and logs need about a request (kube-apiserver's RequestInfo). */
export interface RequestInfo {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  dryRun: boolean;
}
