/**
 * @module nodeKind: core/v1 Node, cluster-scoped; the node agent registers it with its status, as kubelet does.
 */
import { z } from 'zod';
import type { Node, NodeAddress, NodeSystemInfo } from '../node.js';
import { nodePrinter } from '../printers/node-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { isQualifiedName, isValidLabelValue } from '../validation/name-rules.js';
import { int, int64, mapList, quantityMap, requiredEnum, setList, stringList } from '../validation/schema-helpers.js';
import { validateTaintEffect } from '../validation/validate-pod-spec.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

const nodeSystemInfo = lazySchema(() => z.object({
  machineID: z.string().default(''),
  systemUUID: z.string().default(''),
  bootID: z.string().default(''),
  kernelVersion: z.string().default(''),
  osImage: z.string().default(''),
  containerRuntimeVersion: z.string().default(''),
  kubeletVersion: z.string().default(''),
  kubeProxyVersion: z.string().default(''),
  operatingSystem: z.string().default(''),
  architecture: z.string().default(''),
}) satisfies z.ZodType<NodeSystemInfo>);

/** nodeSchema decodes core/v1 Node. */
export const nodeSchema = lazySchema(() => z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: objectMetaSchema().default({}),
  spec: z
    .object({
      podCIDR: z.string().optional(),
      podCIDRs: setList(z.string()).optional(),
      providerID: z.string().optional(),
      unschedulable: z.boolean().optional(),
      taints: z
        .array(
          z.object({
            key: z.string().default(''),
            value: z.string().optional(),
            effect: requiredEnum<'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'>(),
            timeAdded: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  status: z
    .object({
      capacity: quantityMap().optional(),
      allocatable: quantityMap().optional(),
      phase: z.string().optional(),
      conditions: mapList(
        z.object({
          type: z.string().default(''),
          status: requiredEnum<'True' | 'False' | 'Unknown'>(),
          lastHeartbeatTime: z.string().optional(),
          lastTransitionTime: z.string().optional(),
          reason: z.string().optional(),
          message: z.string().optional(),
        }),
        ['type'],
      ).optional(),
      addresses: mapList(z.object({ type: requiredEnum<NodeAddress['type']>(), address: z.string().default('') }), ['type']).optional(),
      daemonEndpoints: z.object({ kubeletEndpoint: z.object({ Port: int().default(0) }).optional() }).optional(),
      nodeInfo: nodeSystemInfo().optional(),
      images: z.array(z.object({ names: stringList().optional(), sizeBytes: int64().optional() })).optional(),
    })
    .optional(),
}) satisfies z.ZodType<Node>);

/** defaultNode copies capacity into allocatable when the agent reports only capacity, as SetDefaults_NodeStatus does. */
function defaultNode(node: Node): void {
  const status = node.status;
  if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
}

function validateNode(node: Node, errs: FieldErrors): void {
  const seen = new Set<string>();
  node.spec?.taints?.forEach((taint, i) => {
    const p = `spec.taints[${i}]`;
    if (!taint.key) errs.required(`${p}.key`);
    else errs.each(`${p}.key`, taint.key, isQualifiedName(taint.key));
    if (taint.value) errs.each(`${p}.value`, taint.value, isValidLabelValue(taint.value));
    if (!taint.effect) errs.required(`${p}.effect`);
    else validateTaintEffect(taint.effect, `${p}.effect`, errs);
    const id = `${taint.key}:${taint.effect}`;
    if (seen.has(id)) errs.duplicate(`${p}.effect`, taint.effect);
    seen.add(id);
  });
}

export const nodeKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  namespaced: false,
  shortNames: ['no'],
  hasStatus: true,
  schema: nodeSchema,
  defaults: defaultNode,
  validate: (node, errs) => validateNode(node, errs),
  fields: { 'spec.unschedulable': (node: Node) => String(node.spec?.unschedulable === true) },
  printer: nodePrinter,
  // The agent creates its Node with status (addresses, capacity, conditions): keep it.
  strategy: { prepareForCreate: () => {} },
});
