/**
 * @module namespaceKind: core/v1 Namespace, cluster-scoped; deleting one waits for the namespace controller (spec.finalizers).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { Namespace } from '../namespace.js';
import { namespacePrinter } from '../printers/namespace-printer.js';
import { FINALIZE_SUBRESOURCE } from '../resource-info.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { isDNS1123Label } from '../validation/name-rules.js';
import { enumString, mapList, stringList } from '../validation/schema-helpers.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** namespaceSchema decodes core/v1 Namespace. */
export const namespaceSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('Namespace'),
  metadata: objectMetaSchema().default({}),
  spec: zod.object({ finalizers: stringList().optional() }).optional(),
  status: zod
    .object({ phase: enumString<'Active' | 'Terminating'>().optional(), conditions: mapList(zod.unknown(), ['type']).optional() })
    .optional(),
}) satisfies z.ZodType<Namespace>);

function defaultNamespace(ns: Namespace): void {
  // The "kubernetes" finalizer keeps a deleted namespace (Terminating) until the namespace controller has
  // deleted its content and finalized it.
  ns.spec ??= {};
  ns.spec.finalizers ??= ['kubernetes'];
  ns.status ??= {};
  ns.status.phase ??= 'Active';
}

export const namespaceKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
  shortNames: ['ns'],
  hasStatus: true,
  subresources: [FINALIZE_SUBRESOURCE],
  schema: namespaceSchema,
  nameRule: isDNS1123Label,
  defaults: defaultNamespace,
  fields: { 'status.phase': (ns: Namespace) => ns.status?.phase ?? '' },
  printer: namespacePrinter,
  strategy: {
    // spec.finalizers change only through namespaces/finalize, as in Kubernetes.
    prepareForUpdate(ns, old, subresource) {
      if (subresource === 'finalize') return;
      const spec = (ns.spec ??= {});
      if (old.spec?.finalizers) spec.finalizers = [...old.spec.finalizers];
      else delete spec.finalizers;
    },
    // The "kubernetes" finalizer holds a deleted namespace until the namespace controller has emptied it.
    pendingFinalizers: (ns) => (ns.spec?.finalizers?.length ?? 0) > 0,
    prepareForDelete(ns) {
      ns.status = { ...ns.status, phase: 'Terminating' };
    },
  },
});
