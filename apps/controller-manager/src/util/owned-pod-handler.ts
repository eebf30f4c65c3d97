/**
 * @module ownedPodHandler: the pod events of a controller that creates and deletes its pods under expectations
 * (Job, DaemonSet): each event is observed against the owner's expectations and requeues the owner.
 */
import { objectKey, type Pod } from '@skiff/api';
import { unwrapTombstone, type Enqueuer, type ResourceEventHandler } from '@skiff/controller-kit';
import type { ControllerExpectations } from '../controllers/replica-set/controller-expectations.js';

/** ownedPodHandler maps pod events to `ownerKey(pod)` (undefined: not ours), observing creations and deletions. */
export function ownedPodHandler(expectations: ControllerExpectations, ownerKey: (pod: Pod) => string | undefined, queue: Enqueuer<string>): ResourceEventHandler<Pod> {
  return {
    onAdd: (pod) => {
      const key = ownerKey(pod);
      if (!key) return;
      expectations.creationObserved(key);
      queue.add(key);
    },
    onUpdate: (old, pod) => {
      const key = ownerKey(pod);
      if (!key) return;
      // A graceful delete is observed when it starts: the pod may take its grace period to go away.
      if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) expectations.deletionObserved(key, objectKey(pod));
      queue.add(key);
    },
    onDelete: (obj) => {
      const pod = unwrapTombstone(obj);
      const key = ownerKey(pod);
      if (!key) return;
      expectations.deletionObserved(key, objectKey(pod));
      queue.add(key);
    },
  };
}
