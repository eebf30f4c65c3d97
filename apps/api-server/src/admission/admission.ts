/**
 * @module Admission plugins (kube's admission.Interface): checks that need who is asking (NodeRestriction) or
 * other objects (PodSecurity), run by the registry on every write after the kind's own defaulting and validation.
 */
import type { KindContext, KubeObject, ResourceInfo } from '@skiff/api';
import type { UserInfo } from '../auth/user-info.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionAttributes {
  operation: AdmissionOperation;
  info: ResourceInfo;
  /** '' for the main resource; 'status', 'binding', 'eviction'... for a subresource write. */
  subresource: string;
  namespace: string;
  name: string;
  /** The object as it will be stored (CREATE, UPDATE); the object being deleted (DELETE). */
  object: KubeObject;
  /** The stored object before the write (UPDATE, DELETE). */
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  /** Read other objects (the namespace's labels, the pod a node writes for). */
  ctx: KindContext;
  /** Add a warning to the response (kube's Warning header, as PodSecurity's audit and warn modes do). */
  warn(message: string): void;
}

/**
 * AdmissionPlugin admits or refuses a write: `validate` throws an ApiError (403 Forbidden, 422 Invalid) to refuse.
 * Plugins run in order after validation; none of them may change the object (mutation belongs to the kind).
 */
export interface AdmissionPlugin {
  name: string;
  /** Cheap filter: the plugin runs only for writes it handles. */
  handles(info: ResourceInfo, subresource: string): boolean;
  validate(a: AdmissionAttributes): void;
}
