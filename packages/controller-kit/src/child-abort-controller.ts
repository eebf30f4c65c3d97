/**
 * @module Cancellation trees: one listener on a parent signal however many waits hang off the child.
 */

/** ChildAbortController aborts with its parent; `detach` drops the parent listener once the child's work is done. */
export interface ChildAbortController extends AbortController {
  detach(): void;
}

/**
 * childAbortController derives a signal from `parent`, as a Go context.WithCancel derives a context: a component
 * that makes many waits (one per informer, one per sleep) hangs them on its child, so the parent signal carries one
 * listener per component rather than one per wait. A signal shared by a dozen controllers otherwise collects dozens
 * of listeners and trips Node's MaxListenersExceededWarning, which exists to catch real leaks.
 */
export function childAbortController(parent: AbortSignal): ChildAbortController {
  const child = new AbortController() as ChildAbortController;
  const onAbort = (): void => child.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  child.detach = () => parent.removeEventListener('abort', onAbort);
  return child;
}
