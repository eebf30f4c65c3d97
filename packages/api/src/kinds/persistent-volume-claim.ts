/**
 * @module persistentVolumeClaimKind: core/v1 PersistentVolumeClaim (types, schema, defaults, validation, the
 * DefaultStorageClass admission and `kubectl get pvc` columns), after kube's pkg/apis/core,
 * pkg/registry/core/persistentvolumeclaim and plugin/pkg/admission/storage/storageclass/setdefault.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { LabelSelector, ObjectMeta } from '../meta.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column } from '../printers/resource-printer.js';
import { tryParseQuantity } from '../quantity.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { labelSelectorSchema, objectMetaSchema } from '../validation/meta-schema.js';
import { enumString, mapList, quantityMap } from '../validation/schema-helpers.js';
import { validateLabelSelector } from '../validation/validate-workload.js';
import { deepEqual } from '../validation/validate-pod-update.js';
import type { KindContext } from './kind.js';
import { defineKind } from './kind.js';
import { isDefaultClass, type StorageClass } from './storage-class.js';
import { addProtectionFinalizer, PVC_PROTECTION_FINALIZER } from './storage-object-in-use-protection.js';
import { lazySchema } from '../validation/lazy-schema.js';

export type PersistentVolumeAccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
export type PersistentVolumeMode = 'Filesystem' | 'Block';
export type PersistentVolumeClaimPhase = 'Pending' | 'Bound' | 'Lost';

/** SELECTED_NODE_ANNOTATION is where the scheduler records the node a WaitForFirstConsumer claim is provisioned on. */
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
/** STORAGE_PROVISIONER_ANNOTATION names the provisioner expected to provision a claim (set by the PV controller). */
export const STORAGE_PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
/** BIND_COMPLETED_ANNOTATION marks a claim whose binding the PV controller finished (pv_controller annBindCompleted). */
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed';
/** BOUND_BY_CONTROLLER_ANNOTATION marks a binding the controller made rather than the user (annBoundByController). */
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller';

export const ACCESS_MODES: PersistentVolumeAccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
const ACCESS_MODE_SHORT: Record<PersistentVolumeAccessMode, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const VOLUME_MODES: PersistentVolumeMode[] = ['Filesystem', 'Block'];

export interface PersistentVolumeClaimSpec {
  accessModes?: PersistentVolumeAccessMode[];
  selector?: LabelSelector;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeName?: string;
  storageClassName?: string;
  volumeMode?: PersistentVolumeMode;
  dataSource?: { apiGroup?: string; kind: string; name: string };
}

export interface PersistentVolumeClaimStatus {
  phase?: PersistentVolumeClaimPhase;
  accessModes?: PersistentVolumeAccessMode[];
  capacity?: Record<string, string>;
  conditions?: Array<{ type: string; status: string; lastProbeTime?: string; lastTransitionTime?: string; reason?: string; message?: string }>;
}

export interface PersistentVolumeClaim {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  metadata: ObjectMeta;
  spec: PersistentVolumeClaimSpec;
  status?: PersistentVolumeClaimStatus;
}

const accessModes = lazySchema(() => zod.array(enumString<PersistentVolumeAccessMode>()));

/** persistentVolumeClaimSpecSchema decodes core/v1 PersistentVolumeClaimSpec (also a StatefulSet's volumeClaimTemplates). */
export const persistentVolumeClaimSpecSchema = lazySchema(() => zod.object({
  accessModes: accessModes().optional().describe('accessModes contains the desired access modes the volume should have.'),
  selector: labelSelectorSchema().optional().describe('selector is a label query over volumes to consider for binding.'),
  resources: zod
    .object({ requests: quantityMap().optional(), limits: quantityMap().optional() })
    .optional()
    .describe('resources represents the minimum resources the volume should have.'),
  volumeName: zod.string().optional().describe('volumeName is the binding reference to the PersistentVolume backing this claim.'),
  storageClassName: zod.string().optional().describe('storageClassName is the name of the StorageClass required by the claim.'),
  volumeMode: enumString<PersistentVolumeMode>().optional().describe('volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.'),
  dataSource: zod.object({ apiGroup: zod.string().optional(), kind: zod.string().default(''), name: zod.string().default('') }).optional(),
}) satisfies z.ZodType<PersistentVolumeClaimSpec>);

/** persistentVolumeClaimSchema decodes core/v1 PersistentVolumeClaim. */
export const persistentVolumeClaimSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('PersistentVolumeClaim'),
  metadata: objectMetaSchema().default({}),
  spec: persistentVolumeClaimSpecSchema().default({}),
  status: zod
    .object({
      phase: enumString<PersistentVolumeClaimPhase>().optional(),
      accessModes: accessModes().optional(),
      capacity: quantityMap().optional(),
      conditions: mapList(
        zod.object({ type: zod.string().default(''), status: zod.string().default(''), lastProbeTime: zod.string().optional(), lastTransitionTime: zod.string().optional(), reason: zod.string().optional(), message: zod.string().optional() }),
        ['type'],
      ).optional(),
    })
    .optional(),
}) satisfies z.ZodType<PersistentVolumeClaim>);

/** accessModesString is kube's GetAccessModesAsString: the short names in kube's fixed order ("RWO,ROX"). */
export function accessModesString(modes: readonly string[] | undefined): string {
  return ACCESS_MODES.filter((m) => modes?.includes(m)).map((m) => ACCESS_MODE_SHORT[m]).join(',');
}

/** validateAccessModes checks a claim's or volume's accessModes: at least one, each known, RWOP alone. */
export function validateAccessModes(modes: readonly string[] | undefined, path: string, errs: FieldErrors): void {
  if (!modes?.length) {
    errs.required(path, 'at least 1 access mode is required');
    return;
  }
  for (const m of modes) if (!(ACCESS_MODES as string[]).includes(m)) errs.notSupported(path, m, ACCESS_MODES);
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.forbidden(path, 'may not use ReadWriteOncePod with other access modes');
}

/** validateStorage requires a positive `storage` quantity in `resources` at `path`. */
export function validateStorage(resources: Record<string, string> | undefined, path: string, errs: FieldErrors): void {
  const storage = resources?.['storage'];
  if (storage === undefined) {
    errs.required(`${path}[storage]`);
    return;
  }
  const q = tryParseQuantity(storage);
  if (!q || q.sign() <= 0) errs.invalid(`${path}[storage]`, storage, 'must be greater than zero');
}

/** validateClaimSpec is ValidatePersistentVolumeClaimSpec at `path` ("spec", or a StatefulSet template's spec). */
export function validateClaimSpec(spec: PersistentVolumeClaimSpec, path: string, errs: FieldErrors): void {
  validateAccessModes(spec.accessModes, `${path}.accessModes`, errs);
  if (spec.selector) validateLabelSelector(spec.selector, `${path}.selector`, errs);
  validateStorage(spec.resources?.requests, `${path}.resources`, errs);
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(spec.volumeMode)) errs.notSupported(`${path}.volumeMode`, spec.volumeMode, VOLUME_MODES);
}

/**
 * validateClaim is ValidatePersistentVolumeClaim and, on update, ValidatePersistentVolumeClaimUpdate: the spec is
 * immutable after creation except resources.requests, and volumeName may be set once (the binder does).
 */
function validateClaim(pvc: PersistentVolumeClaim, errs: FieldErrors, old?: PersistentVolumeClaim): void {
  validateClaimSpec(pvc.spec, 'spec', errs);
  if (!old) return;
  const comparable = (s: PersistentVolumeClaimSpec, volumeName: string | undefined): unknown => ({ ...s, resources: { ...s.resources, requests: undefined }, volumeName });
  const volumeName = old.spec.volumeName ? old.spec.volumeName : pvc.spec.volumeName;
  if (!deepEqual(comparable(pvc.spec, pvc.spec.volumeName), comparable(old.spec, volumeName))) {
    errs.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
  }
}

/**
 * admitDefaultStorageClass is kube's DefaultStorageClass admission: a claim that names no class (unset, not "")
 * gets the default one; with several defaults, the newest wins (as since Kubernetes 1.26).
 */
function admitDefaultStorageClass(pvc: PersistentVolumeClaim, ctx: KindContext): void {
  if (pvc.spec.storageClassName !== undefined) return;
  const defaults = (ctx.list('storageclasses') as unknown as StorageClass[]).filter(isDefaultClass);
  defaults.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const chosen = defaults[0]?.metadata.name;
  if (chosen) pvc.spec.storageClassName = chosen;
}

export const persistentVolumeClaimKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  namespaced: true,
  shortNames: ['pvc'],
  hasStatus: true,
  schema: persistentVolumeClaimSchema,
  defaults(pvc) {
    pvc.spec.volumeMode ??= 'Filesystem';
  },
  validate: validateClaim,
  printer: {
    // kube printers.go printPersistentVolumeClaim.
    columns: [
      NAME_COLUMN,
      column('Status', 'Status represents the current information/status of a persistent volume claim.'),
      column('Volume', 'VolumeName is the binding reference to the PersistentVolume backing this claim.'),
      column('Capacity', 'Capacity represents the actual resources of the underlying volume.'),
      column('Access Modes', 'AccessModes contains all ways the volume backing the PVC can be mounted.'),
      column('StorageClass', 'StorageClassName is the name of the StorageClass required by the claim.'),
      column('VolumeAttributesClass', 'VolumeAttributesClass is the name of the VolumeAttributesClass the claim uses.'),
      AGE_COLUMN,
      column('VolumeMode', 'VolumeMode defines what type of volume is required by the claim.', { wide: true }),
    ],
    cells(pvc, nowMs) {
      const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
      const spec = pvc.spec ?? {};
      const bound = !!spec.volumeName;
      return [
        pvc.metadata.name ?? '',
        phase,
        spec.volumeName ?? '',
        bound ? (pvc.status?.capacity?.['storage'] ?? '') : '',
        bound ? accessModesString(pvc.status?.accessModes) : '',
        spec.storageClassName ?? '',
        '<unset>',
        sinceTimestamp(pvc.metadata.creationTimestamp, nowMs),
        spec.volumeMode ?? '<unset>',
      ];
    },
  },
  strategy: {
    prepareForCreate(pvc) {
      pvc.status = { phase: 'Pending' };
    },
    // The admission chain on create: DefaultStorageClass, then StorageObjectInUseProtection.
    admit(pvc, ctx) {
      admitDefaultStorageClass(pvc, ctx);
      addProtectionFinalizer(pvc, PVC_PROTECTION_FINALIZER);
    },
  },
});
