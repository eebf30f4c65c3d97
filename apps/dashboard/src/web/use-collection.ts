/** @module useCollection: a Collection as component state, shared by every view that watches the same path. */
import { useEffect, useState } from 'preact/hooks';
import { Collection, type KubeObject } from './api.js';

const shared = new Map<string, { collection: Collection<KubeObject>; users: number }>();

export function useCollection<T extends KubeObject>(path: string): Collection<T> {
  const [entry] = useState(() => {
    let e = shared.get(path);
    if (!e) {
      e = { collection: new Collection<KubeObject>(path), users: 0 };
      shared.set(path, e);
    }
    return e;
  });
  const [, setTick] = useState(0);
  useEffect(() => {
    entry.users++;
    const off = entry.collection.subscribe(() => setTick((t) => t + 1));
    return () => {
      off();
      if (--entry.users === 0) {
        entry.collection.close();
        shared.delete(path);
      }
    };
  }, [entry, path]);
  return entry.collection as unknown as Collection<T>;
}

/** closeAll stops every watch (signing out). */
export function closeAll(): void {
  for (const e of shared.values()) e.collection.close();
  shared.clear();
}
