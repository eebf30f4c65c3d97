/**
 * @module Wire schemas for metav1 types: ObjectMeta, OwnerReference, LabelSelector, DeleteOptions.
 */
import { z } from 'zod';
import type { ObjectReference } from '../event.js';
import type { DeleteOptions, LabelSelector, LabelSelectorOperator, ObjectMeta, OwnerReference } from '../meta.js';
import { enumString, int, int64, requiredEnum, stringList, stringMap } from './schema-helpers.js';

/** ownerReferenceSchema decodes metav1.OwnerReference; missing required strings decode as "" for validation to report. */
export const ownerReferenceSchema = z.object({
  apiVersion: z.string().default(''),
  kind: z.string().default(''),
  name: z.string().default(''),
  uid: z.string().default(''),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
}) satisfies z.ZodType<OwnerReference>;

/** objectReferenceSchema decodes core/v1 ObjectReference (an Event's involvedObject, an endpoint's targetRef). */
export const objectReferenceSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
}) satisfies z.ZodType<ObjectReference>;

/** objectMetaSchema decodes metav1.ObjectMeta including server-owned fields; the registry decides what to overwrite. */
export const objectMetaSchema = z.object({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: int64().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  deletionGracePeriodSeconds: int64().optional(),
  labels: stringMap().optional(),
  annotations: stringMap().optional(),
  ownerReferences: z.array(ownerReferenceSchema).optional(),
  finalizers: stringList().optional(),
  managedFields: z.array(z.unknown()).optional(),
}) satisfies z.ZodType<ObjectMeta>;

/** labelSelectorSchema decodes metav1.LabelSelector. */
export const labelSelectorSchema = z.object({
  matchLabels: stringMap().optional(),
  matchExpressions: z
    .array(z.object({ key: z.string().default(''), operator: requiredEnum<LabelSelectorOperator>(), values: stringList().optional() }))
    .optional(),
}) satisfies z.ZodType<LabelSelector>;

/** deleteOptionsSchema decodes the optional body of DELETE requests. */
export const deleteOptionsSchema = z.object({
  kind: z.literal('DeleteOptions').optional(),
  apiVersion: z.string().optional(),
  gracePeriodSeconds: int64().optional(),
  propagationPolicy: enumString<'Orphan' | 'Background' | 'Foreground'>().optional(),
  preconditions: z.object({ uid: z.string().optional(), resourceVersion: z.string().optional() }).optional(),
  orphanDependents: z.boolean().optional(),
  dryRun: stringList().optional(),
}) satisfies z.ZodType<DeleteOptions>;
