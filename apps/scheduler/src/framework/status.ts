/**
 * @module Filter results as values, with kube-scheduler's status codes (framework/interface.go).
 */

/** Code is kube-scheduler's framework.Code subset that Skiff's plugins return. */
export type Code = 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable';

/** Status is what a filter returns: Success, or a failure code with human-readable reasons, never a throw. */
export interface Status {
  code: Code;
  reasons: string[];
  /** The plugin that produced a failure; the framework fills it in. */
  plugin?: string;
}

/** SUCCESS is the shared success status, so the hot path allocates nothing. */
export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] }) as Status;

/** unschedulable builds a status that a cluster change could fix (the pod is parked until one happens). */
export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons };
}

/** unresolvable builds a status that no eviction on this node could fix (kube's UnschedulableAndUnresolvable). */
export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons };
}

/** MIN_SCORE and MAX_SCORE bound every normalised plugin score, as framework.MinNodeScore/MaxNodeScore do. */
export const MIN_SCORE = 0;
export const MAX_SCORE = 100;
