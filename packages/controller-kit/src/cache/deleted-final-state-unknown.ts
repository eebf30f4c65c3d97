/**
 * DeletedFinalStateUnknown is the tombstone an informer hands to `onDelete` when an object vanished while the watch
 * was broken (found missing on relist): `obj` is the last state the cache held, which may be stale.
 */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

/** unwrapTombstone returns the object inside a tombstone, or the object itself. */
export function unwrapTombstone<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}
