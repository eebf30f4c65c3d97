/**
 * @module persistentVolumeKind: core/v1 PersistentVolume (types, schema, defaults, validation and `kubectl get pv`
 * columns), after kube's pkg/apis/core and pkg/registry/core/persistentvolume. Skiff's volumes can be hostPath,
 * local, or csi; the provisioner's are csi with driver skiff.dev/docker-volume, whose volumeHandle names a Docker
 * named volume on the node the nodeAffinity selects.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { ObjectReference } from '../event.js';
import type { ObjectMeta } from '../meta.js';
import type { NodeSelector } from '../pod.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column } from '../printers/resource-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema, objectReferenceSchema } from '../validation/meta-schema.js';
import { nodeSelectorTermSchema } from '../validation/pod-schema.js';
import { enumString, quantityMap, stringList, stringMap } from '../validation/schema-helpers.js';
import { deepEqual } from '../validation/validate-pod-update.js';
import { defineKind } from './kind.js';
import { accessModesString, validateAccessModes, validateStorage, type PersistentVolumeAccessMode, type PersistentVolumeMode } from './persistent-volume-claim.js';
import type { PersistentVolumeReclaimPolicy } from './storage-class.js';
import { addProtectionFinalizer, PV_PROTECTION_FINALIZER } from './storage-object-in-use-protection.js';
import { lazySchema } from '../validation/lazy-schema.js';

export type PersistentVolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';

export interface CSIPersistentVolumeSource {
  driver: string;
  volumeHandle: string;
  readOnly?: boolean;
  fsType?: string;
  volumeAttributes?: Record<string, string>;
}

export interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: PersistentVolumeAccessMode[];
  claimRef?: ObjectReference;
  persistentVolumeReclaimPolicy?: PersistentVolumeReclaimPolicy;
  storageClassName?: string;
  mountOptions?: string[];
  volumeMode?: PersistentVolumeMode;
  nodeAffinity?: { required?: NodeSelector };
  hostPath?: { path: string; type?: string };
  local?: { path: string; fsType?: string };
  csi?: CSIPersistentVolumeSource;
}

export interface PersistentVolumeStatus {
  phase?: PersistentVolumePhase;
  message?: string;
  reason?: string;
  lastPhaseTransitionTime?: string;
}

export interface PersistentVolume {
  apiVersion: 'v1';
  kind: 'PersistentVolume';
  metadata: ObjectMeta;
  spec: PersistentVolumeSpec;
  status?: PersistentVolumeStatus;
}

/** SOURCES are the volume sources a PersistentVolume may have in Skiff (exactly one). */
const SOURCES = ['csi', 'hostPath', 'local'] as const;
const RECLAIM: PersistentVolumeReclaimPolicy[] = ['Delete', 'Recycle', 'Retain'];

/** persistentVolumeSchema decodes core/v1 PersistentVolume; volume sources Skiff does not serve are kept so validation names them. */
export const persistentVolumeSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('PersistentVolume'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      capacity: quantityMap().optional().describe("capacity is the description of the persistent volume's resources and capacity."),
      accessModes: zod.array(enumString<PersistentVolumeAccessMode>()).optional().describe('accessModes contains all ways the volume can be mounted.'),
      claimRef: objectReferenceSchema().optional().describe('claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
      persistentVolumeReclaimPolicy: enumString<PersistentVolumeReclaimPolicy>().optional().describe('persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated).'),
      storageClassName: zod.string().optional(),
      mountOptions: stringList().optional(),
      volumeMode: enumString<PersistentVolumeMode>().optional(),
      nodeAffinity: zod.object({ required: zod.object({ nodeSelectorTerms: zod.array(nodeSelectorTermSchema()).default([]) }).optional() }).optional().describe('nodeAffinity defines constraints that limit what nodes this volume can be accessed from.'),
      hostPath: zod.object({ path: zod.string().default(''), type: zod.string().optional() }).optional(),
      local: zod.object({ path: zod.string().default(''), fsType: zod.string().optional() }).optional(),
      csi: zod
        .object({ driver: zod.string().default(''), volumeHandle: zod.string().default(''), readOnly: zod.boolean().optional(), fsType: zod.string().optional(), volumeAttributes: stringMap().optional() })
        .optional(),
    })
    .catchall(zod.unknown())
    .default({}),
  status: zod
    .object({
      phase: enumString<PersistentVolumePhase>().optional(),
      message: zod.string().optional(),
      reason: zod.string().optional(),
      lastPhaseTransitionTime: zod.string().optional(),
    })
    .optional(),
}) satisfies z.ZodType<PersistentVolume>);

/** sourcesOf lists the volume sources a PersistentVolume names (any key beside the spec's other fields). */
function sourcesOf(spec: PersistentVolumeSpec): string[] {
  const notSources = new Set(['capacity', 'accessModes', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'mountOptions', 'volumeMode', 'nodeAffinity', 'volumeAttributesClassName']);
  return Object.keys(spec).filter((k) => !notSources.has(k) && (spec as Record<string, unknown>)[k] !== undefined);
}

/** validatePersistentVolume is ValidatePersistentVolume and, on update, ValidatePersistentVolumeUpdate (the source and nodeAffinity are immutable). */
function validatePersistentVolume(pv: PersistentVolume, errs: FieldErrors, old?: PersistentVolume): void {
  const spec = pv.spec;
  validateAccessModes(spec.accessModes, 'spec.accessModes', errs);
  validateStorage(spec.capacity, 'spec.capacity', errs);
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !RECLAIM.includes(policy)) errs.notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM);
  const sources = sourcesOf(spec);
  if (sources.length === 0) errs.required('spec', 'must specify a volume type');
  for (const extra of sources.slice(1)) errs.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type');
  const source = sources[0];
  if (source !== undefined && !(SOURCES as readonly string[]).includes(source)) errs.notSupported(`spec.${source}`, source, SOURCES);
  if (spec.hostPath && !spec.hostPath.path) errs.required('spec.hostPath.path');
  if (spec.local) {
    if (!spec.local.path) errs.required('spec.local.path');
    if (!spec.nodeAffinity?.required?.nodeSelectorTerms.length) errs.required('spec.nodeAffinity', 'Local volume requires node affinity');
  }
  if (spec.csi) {
    if (!spec.csi.driver) errs.required('spec.csi.driver');
    if (!spec.csi.volumeHandle) errs.required('spec.csi.volumeHandle');
  }
  const required = spec.nodeAffinity?.required;
  if (spec.nodeAffinity && !required?.nodeSelectorTerms.length) errs.required('spec.nodeAffinity.required.nodeSelectorTerms', 'must have at least one node selector term');
  if (!old) return;
  for (const key of [...new Set([...sourcesOf(spec), ...sourcesOf(old.spec)])]) {
    if (!deepEqual((spec as Record<string, unknown>)[key], (old.spec as Record<string, unknown>)[key])) errs.forbidden(`spec.persistentvolumesource`, 'spec.persistentvolumesource is immutable after creation');
  }
  if (old.spec.nodeAffinity && !deepEqual(spec.nodeAffinity, old.spec.nodeAffinity)) errs.immutable('spec.nodeAffinity', spec.nodeAffinity);
  if (spec.volumeMode !== old.spec.volumeMode) errs.immutable('spec.volumeMode', spec.volumeMode);
}

export const persistentVolumeKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  namespaced: false,
  shortNames: ['pv'],
  hasStatus: true,
  schema: persistentVolumeSchema,
  defaults(pv) {
    // SetDefaults_PersistentVolume: statically created volumes are retained.
    pv.spec.persistentVolumeReclaimPolicy ??= 'Retain';
    pv.spec.volumeMode ??= 'Filesystem';
  },
  validate: validatePersistentVolume,
  printer: {
    // kube printers.go printPersistentVolume.
    columns: [
      NAME_COLUMN,
      column('Capacity', 'capacity is the description of the persistent volume\'s resources and capacity.'),
      column('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
      column('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
      column('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
      column('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
      column('StorageClass', 'storageClassName is the name of StorageClass to which this persistent volume belongs.'),
      column('VolumeAttributesClass', 'Name of VolumeAttributesClass to which this persistent volume belongs.'),
      column('Reason', 'reason is a brief CamelCase string that describes any failure.'),
      AGE_COLUMN,
      column('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', { wide: true }),
    ],
    cells(pv, nowMs) {
      const spec = pv.spec ?? {};
      const ref = spec.claimRef;
      return [
        pv.metadata.name ?? '',
        spec.capacity?.['storage'] ?? '',
        accessModesString(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? '',
        pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? ''),
        ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
        spec.storageClassName ?? '',
        '<unset>',
        pv.status?.reason ?? '',
        sinceTimestamp(pv.metadata.creationTimestamp, nowMs),
        spec.volumeMode ?? '<unset>',
      ];
    },
  },
  strategy: {
    prepareForCreate(pv) {
      pv.status = { phase: 'Pending' };
    },
    // StorageObjectInUseProtection admission.
    admit: (pv) => addProtectionFinalizer(pv, PV_PROTECTION_FINALIZER),
  },
});
