/**
 * @module serviceAccountKind: core/v1 ServiceAccount, the identity pods run as; every namespace gets `default`.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { ObjectReference } from '../event.js';
import type { ObjectMeta } from '../meta.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../printers/resource-printer.js';
import { objectMetaSchema, objectReferenceSchema } from '../validation/meta-schema.js';
import { mapList } from '../validation/schema-helpers.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

export interface ServiceAccount {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
  metadata: ObjectMeta;
  secrets?: ObjectReference[];
  imagePullSecrets?: { name?: string }[];
  automountServiceAccountToken?: boolean;
}

/** DEFAULT_SERVICE_ACCOUNT is the account pods run as unless they name another. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** serviceAccountSchema decodes core/v1 ServiceAccount. */
export const serviceAccountSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('ServiceAccount'),
  metadata: objectMetaSchema().default({}),
  secrets: mapList(objectReferenceSchema(), ['name']).optional(),
  imagePullSecrets: zod.array(zod.object({ name: zod.string().optional() })).optional(),
  automountServiceAccountToken: zod.boolean().optional(),
}) satisfies z.ZodType<ServiceAccount>);

export const serviceAccountKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  namespaced: true,
  shortNames: ['sa'],
  // TokenRequest: `kubectl create token` (kube's serviceaccounts/token).
  subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  schema: serviceAccountSchema,
  // kube printers.go printServiceAccount.
  printer: {
    columns: [
      NAME_COLUMN,
      column('Secrets', 'Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount', { type: 'integer' }),
      AGE_COLUMN,
    ],
    cells: (sa, nowMs) => [sa.metadata.name ?? '', (sa.secrets ?? []).length, sinceTimestamp(sa.metadata.creationTimestamp, nowMs)],
  },
});
