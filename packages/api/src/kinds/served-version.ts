/**
 * @module ServedVersionSpec: another group version a kind is served in besides the one it is stored in, as
 * kube-apiserver serves one stored resource under several versions (autoscaling/v1 and autoscaling/v2
 * HorizontalPodAutoscaler). Objects are stored, defaulted, validated and watched in the kind's own version; requests
 * in another version are decoded against its schema and converted in, answers converted out.
 */
import type { z } from 'zod';
import type { KubeObject } from '../meta.js';

export interface ServedVersionSpec<T = KubeObject, V = unknown> {
  /** The version ("v1"); group, kind, plural and scope are the storage kind's. */
  version: string;
  /** The wire schema of this version (decoding requests, OpenAPI), built on first use (a lazySchema). */
  schema: () => z.ZodType<V>;
  /**
   * Convert an object of this version to the storage version (kube's Convert_<v>_To_<internal>). It must not change
   * its input, and must leave out what the input leaves out: apply configurations are converted too.
   */
  toStorage(obj: V): T;
  /** Convert a stored object to this version; it must not change its input. */
  fromStorage(obj: T): V;
}
