/**
 * @module storageClassKind: storage.k8s.io/v1 StorageClass (types, schema, SetDefaults_StorageClass, validation and
 * `kubectl get sc` columns), after kube's pkg/apis/storage and pkg/printers printStorageClass.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { ObjectMeta } from '../meta.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column } from '../printers/resource-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { enumString, stringList, stringMap } from '../validation/schema-helpers.js';
import { deepEqual } from '../validation/validate-pod-update.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** IS_DEFAULT_CLASS_ANNOTATION marks the class a claim without storageClassName gets (DefaultStorageClass admission). */
export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** DOCKER_VOLUME_PROVISIONER is Skiff's provisioner: one Docker named volume per claim, on the claim's node. */
export const DOCKER_VOLUME_PROVISIONER = 'skiff.dev/docker-volume';

export type PersistentVolumeReclaimPolicy = 'Retain' | 'Delete' | 'Recycle';
export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';

export interface StorageClass {
  apiVersion: 'storage.k8s.io/v1';
  kind: 'StorageClass';
  metadata: ObjectMeta;
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: PersistentVolumeReclaimPolicy;
  mountOptions?: string[];
  allowVolumeExpansion?: boolean;
  volumeBindingMode?: VolumeBindingMode;
}

/** storageClassSchema decodes storage.k8s.io/v1 StorageClass. */
export const storageClassSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('storage.k8s.io/v1'),
  kind: zod.literal('StorageClass'),
  metadata: objectMetaSchema().default({}),
  provisioner: zod.string().default('').describe('provisioner indicates the type of the provisioner.'),
  parameters: stringMap().optional().describe('parameters holds the parameters for the provisioner that should create volumes of this storage class.'),
  reclaimPolicy: enumString<PersistentVolumeReclaimPolicy>().optional().describe('reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
  mountOptions: stringList().optional(),
  allowVolumeExpansion: zod.boolean().optional(),
  volumeBindingMode: enumString<VolumeBindingMode>().optional().describe('volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used.'),
}) satisfies z.ZodType<StorageClass>);

const RECLAIM: PersistentVolumeReclaimPolicy[] = ['Delete', 'Retain'];
const BINDING: VolumeBindingMode[] = ['Immediate', 'WaitForFirstConsumer'];
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** validateStorageClass is ValidateStorageClass and ValidateStorageClassUpdate (parameters, provisioner, reclaimPolicy and volumeBindingMode are immutable). */
function validateStorageClass(sc: StorageClass, errs: FieldErrors, old?: StorageClass): void {
  if (!sc.provisioner) errs.required('provisioner');
  else if (!QUALIFIED_NAME.test(sc.provisioner) || sc.provisioner.length > 63 + 254) errs.invalid('provisioner', sc.provisioner, 'must be a qualified name: a DNS subdomain prefix, a slash, and a name of alphanumerics, "-", "_" or "."');
  // kube's validation refuses Recycle for classes: only Delete and Retain.
  if (sc.reclaimPolicy !== undefined && !RECLAIM.includes(sc.reclaimPolicy)) errs.notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM);
  if (sc.volumeBindingMode !== undefined && !BINDING.includes(sc.volumeBindingMode)) errs.notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING);
  if (!old) return;
  if (!deepEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.forbidden('parameters', 'updates to parameters are forbidden.');
  if (sc.provisioner !== old.provisioner) errs.forbidden('provisioner', 'updates to provisioner are forbidden.');
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.');
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.forbidden('volumeBindingMode', 'field is immutable');
}

/** isDefaultClass reads the is-default-class annotation as kube's IsDefaultAnnotation does ("true" only). */
export function isDefaultClass(sc: StorageClass): boolean {
  return sc.metadata.annotations?.[IS_DEFAULT_CLASS_ANNOTATION] === 'true';
}

export const storageClassKind = defineKind({
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  namespaced: false,
  shortNames: ['sc'],
  schema: storageClassSchema,
  defaults(sc) {
    sc.reclaimPolicy ??= 'Delete';
    sc.volumeBindingMode ??= 'Immediate';
  },
  validate: validateStorageClass,
  printer: {
    // kube printers.go printStorageClass: the default class's name carries " (default)".
    columns: [
      NAME_COLUMN,
      column('Provisioner', 'Indicates the type of the provisioner.'),
      column('ReclaimPolicy', 'Indicates the type of the reclaim policy.'),
      column('VolumeBindingMode', 'Indicates when volume binding and dynamic provisioning should occur.'),
      column('AllowVolumeExpansion', 'Indicates whether the storage class allow volume expand.'),
      AGE_COLUMN,
    ],
    cells(sc, nowMs) {
      const name = `${sc.metadata.name ?? ''}${isDefaultClass(sc) ? ' (default)' : ''}`;
      return [name, sc.provisioner, sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false, sinceTimestamp(sc.metadata.creationTimestamp, nowMs)];
    },
  },
});
