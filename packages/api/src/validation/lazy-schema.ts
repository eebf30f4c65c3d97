/**
 * @module lazySchema: a wire schema built the first time it is asked for. Only the api-server decodes, so the
 * scheduler, controller-manager and node agents, which read kinds for their descriptors, never build a schema.
 */

/** lazySchema memoizes `build`: the first call builds (so one instance per schema, as zod ids require), later calls return it. */
export function lazySchema<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}
